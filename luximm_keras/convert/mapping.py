"""What each operation of a traced timm graph becomes in Keras: PyTorch modules (a Keras layer named
after the module's path, so that the loader finds its parameters under timm's keys), functions and
tensor methods (`keras.ops` on the model's symbolic tensors, kept in PyTorch's layout).

`register_module`, `register_function` and `register_method` add or replace one mapping; a mapping
takes the traced call's arguments (symbolic Keras tensors, Python values, `BatchMultiple` for
shape arithmetic on the batch size) and returns what PyTorch's call returns.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable

import keras
import numpy as np
from keras import ops

from luximm_keras.convert.batch import BatchMultiple, batch_factor, resolve_shape, set_batch_factor

MODULES: dict[type, Callable] = {}  # module class -> (module, layer name) -> callable
FUNCTIONS: dict[Callable, Callable] = {}  # function -> implementation on Keras tensors
METHODS: dict[str, Callable] = {}  # tensor method name -> implementation, the tensor first


def register_module(module_class: type):
    """Decorator: `builder(module, name)` returns the callable (a Keras layer, usually named `name`)
    that stands for one instance of `module_class` in the converted model."""
    def register(builder):
        MODULES[module_class] = builder
        return builder
    return register


def register_function(function: Callable):
    def register(implementation):
        FUNCTIONS[function] = implementation
        return implementation
    return register


def register_method(name: str):
    def register(implementation):
        METHODS[name] = implementation
        return implementation
    return register


def is_tensor(value) -> bool:
    return isinstance(value, keras.KerasTensor)


# ------------------------------------------------------------------------------------------------
# Shapes


def shape_of(x) -> tuple:
    """PyTorch's `x.shape`: the axis that holds the batch (unknown until called) as the multiple of
    the batch size it is (`BatchMultiple(k)`)."""
    return tuple(BatchMultiple(batch_factor(x), x) if d is None else int(d) for d in x.shape)


def per_example(x) -> int:
    """Elements per unit of the batch size (all of them for a tensor without a batch axis)."""
    known = math.prod(int(d) for d in x.shape if d is not None)
    return known * batch_factor(x) if None in x.shape else known


def _axis(dim: int, ndim: int) -> int:
    return dim + ndim if dim < 0 else dim


def reshape(x, *shape):
    shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    target = resolve_shape(shape, per_example(x))
    if x.shape[0] is None and -1 not in target:
        target = (-1, *target[1:])  # a fixed leading size equal to the batch: keep it free
    out = ops.reshape(x, target)
    if None in x.shape:  # the free axis holds what the others leave of each example
        set_batch_factor(out, per_example(x) // math.prod(d for d in target if d != -1))
    return out


def flatten(x, start_dim: int = 0, end_dim: int = -1):
    start, end = _axis(start_dim, x.ndim), _axis(end_dim, x.ndim)
    if start >= end:
        return x
    dims = list(shape_of(x))
    merged = dims[start:end + 1]
    product = 1
    for d in merged:
        product = d * product if isinstance(d, BatchMultiple) else product * d
    return reshape(x, (*dims[:start], product, *dims[end + 1:]))


def permute(x, *dims):
    dims = dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
    return ops.transpose(x, [_axis(d, x.ndim) for d in dims])


def transpose(x, dim0: int, dim1: int):
    return ops.swapaxes(x, dim0, dim1)


def size(x, dim=None):
    shape = shape_of(x)
    return shape if dim is None else shape[dim]


for _name, _fn in {"reshape": reshape, "view": reshape, "flatten": flatten, "permute": permute,
                   "transpose": transpose, "size": size}.items():
    METHODS[_name] = _fn


@register_method("dim")
def _dim(x):
    return x.ndim


@register_method("contiguous")
def _contiguous(x, *args, **kwargs):
    return x


@register_method("unsqueeze")
def _unsqueeze(x, dim):
    return ops.expand_dims(x, _axis(dim, x.ndim + 1))


@register_method("squeeze")
def _squeeze(x, dim=None):
    return ops.squeeze(x, dim)


@register_method("mean")
def _mean(x, dim=None, keepdim=False, **kwargs):
    return ops.mean(x, axis=dim if not isinstance(dim, list) else tuple(dim), keepdims=keepdim)


@register_method("sum")
def _sum(x, dim=None, keepdim=False, **kwargs):
    return ops.sum(x, axis=dim if not isinstance(dim, list) else tuple(dim), keepdims=keepdim)


@register_method("unbind")
def _unbind(x, dim=0):
    return tuple(ops.unstack(x, axis=dim))


@register_method("chunk")
def _chunk(x, chunks, dim=0):
    """PyTorch's chunks: ceil(n / chunks) each, the last one shorter (88 channels in 3: 30, 30, 28)."""
    return _split(x, -(-x.shape[dim] // chunks), dim)


@register_method("split")
def _split(x, split_size, dim=0):
    length = x.shape[dim]
    if isinstance(split_size, int):
        split_size = [split_size] * (length // split_size) + ([length % split_size] if length % split_size else [])
    points, at = [], 0
    for s in split_size[:-1]:
        at += s
        points.append(at)
    return tuple(ops.split(x, points, axis=dim))


@register_method("expand")
def _expand(x, *sizes):
    """PyTorch's `expand`: -1 keeps a size; the batch size (from the shape of another tensor) is
    reached by adding zeros that carry it."""
    sizes = sizes[0] if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
    shape = (1,) * (len(sizes) - x.ndim) + shape_of(x)
    target = [s if d == -1 else d for d, s in zip(sizes, shape)]
    batch = [i for i, d in enumerate(target) if isinstance(d, BatchMultiple)]
    if not batch:
        return ops.broadcast_to(x, tuple(target))
    (at,) = batch
    source = target[at].source
    if at != 0 or source is None or target[at].factor != batch_factor(source):
        raise NotImplementedError(f"expand to {sizes}")
    if isinstance(shape[0], BatchMultiple):  # x has the batch axis already: broadcast the others
        return x + ops.zeros((1, *target[1:]), x.dtype)
    zeros = ops.zeros_like(source[(slice(None),) + (0,) * (source.ndim - 1)])  # (batch,)
    zeros = ops.reshape(zeros, (-1,) + (1,) * (len(target) - 1))
    # ops.add, not +: x may be a constant (a jax array's + refuses a symbolic tensor).
    return ops.add(ops.broadcast_to(x, (1, *target[1:])), ops.cast(zeros, x.dtype))


@register_method("softmax")
def _softmax(x, dim=-1, **kwargs):
    return ops.softmax(x, axis=dim)


# ------------------------------------------------------------------------------------------------
# Arithmetic (Python numbers in shape arithmetic, Keras tensors otherwise)


def _binary(op_python, op_keras):
    def apply(a, b, *args, **kwargs):
        if is_tensor(a) or is_tensor(b):
            return op_keras(a, b)
        return op_python(a, b)
    return apply


for _op, _py, _k in [("add", operator.add, ops.add), ("sub", operator.sub, ops.subtract),
                     ("mul", operator.mul, ops.multiply), ("truediv", operator.truediv, ops.divide),
                     ("matmul", operator.matmul, ops.matmul), ("pow", operator.pow, ops.power),
                     ("floordiv", operator.floordiv, ops.floor_divide)]:
    FUNCTIONS[_py] = _binary(_py, _k)
    METHODS[_op] = _binary(_py, _k)
METHODS["div"] = METHODS["truediv"]
FUNCTIONS[operator.neg] = lambda a: ops.negative(a) if is_tensor(a) else -a
FUNCTIONS[operator.mod] = _binary(operator.mod, ops.mod)
for _py, _k in [(operator.eq, ops.equal), (operator.ne, ops.not_equal), (operator.lt, ops.less),
                (operator.le, ops.less_equal), (operator.gt, ops.greater), (operator.ge, ops.greater_equal)]:
    FUNCTIONS[_py] = _binary(_py, _k)



def _invert(a):
    if not is_tensor(a):
        return ~a
    return ops.logical_not(a) if a.dtype == "bool" else ops.bitwise_invert(a)


FUNCTIONS[operator.invert] = _invert
for _py, _bool, _int in [(operator.and_, ops.logical_and, ops.bitwise_and),
                         (operator.or_, ops.logical_or, ops.bitwise_or),
                         (operator.xor, ops.logical_xor, ops.bitwise_xor)]:
    FUNCTIONS[_py] = (lambda py, on_bool, on_int: lambda a, b: (
        py(a, b) if not (is_tensor(a) or is_tensor(b))
        else (on_bool if "bool" in (getattr(a, "dtype", None), getattr(b, "dtype", None)) else on_int)(a, b)))(
            _py, _bool, _int)

# Elementwise tensor methods that are one Keras op.
METHODS.update({"neg": ops.negative, "log": ops.log, "sqrt": ops.sqrt, "square": ops.square, "floor": ops.floor,
                "ceil": ops.ceil, "round": ops.round, "sign": ops.sign, "reciprocal": lambda x: 1 / x,
                "erf": ops.erf, "relu": ops.relu, "tanh": ops.tanh, "logical_not": ops.logical_not,
                "bool": lambda x: ops.cast(x, "bool"), "int": lambda x: ops.cast(x, "int32"),
                "long": lambda x: ops.cast(x, "int64"), "half": lambda x: ops.cast(x, "float16"),
                "bfloat16": lambda x: ops.cast(x, "bfloat16"), "sub_": METHODS["sub"], "div_": METHODS["truediv"],
                "flip": lambda x, *dims, **kw: ops.flip(x, tuple(kw.get("dims", dims[0] if len(dims) == 1 and isinstance(
                    dims[0], (tuple, list)) else dims)))})


def _assert(condition, message=""):
    """timm's shape checks, decided when the model is built for its input size."""
    if not is_tensor(condition) and not condition:
        raise ValueError(f"timm's check failed for this input size: {message}")


def _is_gather_index(i) -> bool:
    return is_tensor(i) or (isinstance(i, (list, tuple)) and all(isinstance(j, int) for j in i))


@register_function(operator.getitem)
def _getitem(x, index):
    if not is_tensor(x):
        return x[index]
    index = index if isinstance(index, tuple) else (index,)
    gathers = [axis for axis, i in enumerate(index) if _is_gather_index(i)]
    if gathers:  # PyTorch's indexing with an index tensor or list on one axis, whole slices elsewhere
        (axis,) = gathers
        if Ellipsis in index or any(i != slice(None) for a, i in enumerate(index) if a != axis):
            raise NotImplementedError(f"indexing with {index}")
        return ops.take(x, index[axis], axis=axis)
    if any(i is None for i in index):  # PyTorch's new axes
        axis, kept = 0, []
        for i in index:
            if i is None:
                x = ops.expand_dims(x, axis)
                kept.append(slice(None))
                axis += 1
            elif i is Ellipsis:
                kept.append(i)
                axis = x.ndim - (len(index) - 1 - index.index(Ellipsis))
            else:
                kept.append(i)
                axis += 1 if not isinstance(i, int) else 0
        index = tuple(kept)
    return x[index]


@register_function(operator.setitem)
def _setitem(x, index, value):
    """`x[index] = value` as a new tensor (the tracer rebinds `x` to it): the value, broadcast and
    padded into place, where a constant mask of the indexed region is set. Slices of step 1 and
    integers, the whole batch axis."""
    index = index if isinstance(index, tuple) else (index,)
    if Ellipsis in index:
        at = index.index(Ellipsis)
        index = index[:at] + (slice(None),) * (x.ndim - len(index) + 1) + index[at + 1:]
    index = index + (slice(None),) * (x.ndim - len(index))
    region, pads, mask_index = [], [], []
    for d, i in zip(x.shape, index):
        if d is None:
            if i != slice(None):
                raise NotImplementedError(f"assigning to part of the batch ({index})")
            region.append(1), pads.append((0, 0)), mask_index.append(slice(None))
            continue
        if isinstance(i, int):
            i = slice(i % d, i % d + 1)
        if not isinstance(i, slice) or i.indices(d)[2] != 1:
            raise NotImplementedError(f"assigning to x[{index}]")
        start, stop, _ = i.indices(d)
        region.append(max(stop - start, 0)), pads.append((start, d - max(stop, start))), mask_index.append(i)
    mask = np.zeros([1 if d is None else d for d in x.shape], bool)
    mask[tuple(mask_index)] = True
    if is_tensor(value):
        value = ops.cast(value, x.dtype)
        for axis, i in enumerate(index):  # integer indices dropped their axis
            if isinstance(i, int):
                value = ops.expand_dims(value, axis)
        value = value + ops.zeros(region, x.dtype)  # broadcast to the region (the batch stays as it is)
        value = ops.pad(value, pads)
    return ops.where(ops.convert_to_tensor(mask), value, x)


@register_function(getattr)
def _getattr(x, name):
    if is_tensor(x) and name == "shape":
        return shape_of(x)
    if is_tensor(x) and name == "ndim":
        return x.ndim
    if is_tensor(x) and name == "device":
        import torch

        return torch.device("cpu")  # one device, where Keras runs the model: code may ask its type
    if is_tensor(x) and name == "dtype":  # as PyTorch's: code passes it on to torch.arange, .to(), ...
        return torch_dtype(x)
    return getattr(x, name)


def torch_dtype(x):
    """PyTorch's dtype for a symbolic Keras tensor."""
    import torch

    return getattr(torch, keras.backend.standardize_dtype(x.dtype))


def keras_dtype(dtype) -> str:
    """A `torch.dtype` (or a Keras dtype name) as Keras' name for it."""
    return str(dtype).removeprefix("torch.")


_REGISTERED = False


def register_torch_mappings() -> None:
    """PyTorch's modules, functions and tensor methods (`torch_modules.py`, `torch_functions.py`),
    registered on the first conversion: torch is imported only to convert."""
    global _REGISTERED
    if not _REGISTERED:
        from luximm_keras.convert import torch_functions, torch_modules

        torch_functions.register()
        torch_modules.register()
        _REGISTERED = True
