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
from luximm_keras.convert.layers import TorchConv1d, TorchConv2d, TorchConv2dFunction
from luximm_keras.layers.batch_norm import BatchNorm2D
from luximm_keras.layers.norm_act import BatchNormAct2D

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
    return tuple(ops.split(x, chunks, axis=dim))


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
    return ops.broadcast_to(x, (1, *target[1:])) + ops.cast(zeros, x.dtype)


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


@register_function(getattr)
def _getattr(x, name):
    if is_tensor(x) and name == "shape":
        return shape_of(x)
    if is_tensor(x) and name == "ndim":
        return x.ndim
    if is_tensor(x) and name == "device":
        import torch

        return torch.device("cpu")  # one device, where Keras runs the model: code may ask its type
    if is_tensor(x) and name == "dtype":
        return x.dtype
    return getattr(x, name)


# ------------------------------------------------------------------------------------------------
# Modules and the functions of torch that the graphs use: filled in `_register_torch` on first use,
# since torch is imported only to convert.

_REGISTERED = False
_ACTIVATION_NAMES: dict[type, str] = {}  # PyTorch's activation modules -> Keras' activation names


def _activation(name: str, **kwargs):
    def build(module, layer_name):
        return keras.layers.Activation(name, name=layer_name)
    return build


def _gelu(x, approximate="none"):
    return ops.gelu(x, approximate=approximate == "tanh")


def _layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    mean = ops.mean(x, axis=axes, keepdims=True)
    centred = x - mean
    variance = ops.mean(ops.square(centred), axis=axes, keepdims=True)
    y = centred * ops.rsqrt(variance + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def _batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """`F.batch_norm`: with running statistics in eval mode; without them (training=True, as timm's
    weight standardization calls it on a kernel) over the batch's own, biased variance."""
    shape = (1, -1) + (1,) * (x.ndim - 2)
    if training and running_mean is None and running_var is None:
        axes = tuple(a for a in range(x.ndim) if a != 1)
        mean = ops.mean(x, axis=axes, keepdims=True)
        centred = x - mean
        y = centred * ops.rsqrt(ops.mean(ops.square(centred), axis=axes, keepdims=True) + eps)
    elif training:
        raise NotImplementedError("F.batch_norm updating running statistics: convert the module in eval mode")
    else:
        y = (x - ops.reshape(running_mean, shape)) * ops.reshape(ops.rsqrt(running_var + eps), shape)
    if weight is not None:
        y = y * ops.reshape(weight, shape)
    if bias is not None:
        y = y + ops.reshape(bias, shape)
    return y


def _linear(x, weight, bias=None):
    y = ops.matmul(x, ops.transpose(weight))
    return y if bias is None else y + bias


def _sdpa(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False):
    if is_causal or enable_gqa:
        raise NotImplementedError("scaled_dot_product_attention with is_causal or enable_gqa")
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = ops.matmul(q * scale, ops.swapaxes(k, -1, -2))
    if attn_mask is not None:
        scores = scores + attn_mask
    return ops.matmul(ops.softmax(scores, axis=-1), v)


def _adaptive_avg_pool2d(x, output_size):
    """PyTorch's adaptive average pooling: output cell i averages input rows floor(i * n / m) to
    ceil((i + 1) * n / m), axis by axis (a None size keeps the axis)."""
    size = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    if tuple(size) == (1, 1):
        return ops.mean(x, axis=(2, 3), keepdims=True)
    for axis, m in ((2, size[0]), (3, size[1])):
        n = x.shape[axis]
        if m is None or m == n:
            continue
        cells = []
        for i in range(m):
            start, end = (i * n) // m, -(-((i + 1) * n) // m)
            index = [slice(None)] * x.ndim
            index[axis] = slice(start, end)
            cells.append(ops.mean(x[tuple(index)], axis=axis, keepdims=True))
        x = ops.concatenate(cells, axis=axis)
    return x


def _adaptive_max_pool2d(x, output_size, return_indices=False):
    size = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    if tuple(size) != (1, 1) or return_indices:
        raise NotImplementedError(f"adaptive max pooling to {tuple(size)}")
    return ops.max(x, axis=(2, 3), keepdims=True)


def _pool2d(kind, x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
            count_include_pad=True, divisor_override=None, return_indices=False):
    """PyTorch's max/average pooling of an NCHW map: explicit padding, `ceil_mode`'s last partial
    window, and which padded positions an average counts, as PyTorch's kernels do."""
    pair = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v, v)  # noqa: E731
    kernel, stride, padding = pair(kernel_size), pair(stride if stride else kernel_size), pair(padding)
    if divisor_override or return_indices or pair(dilation) != (1, 1):
        raise NotImplementedError(f"{kind} pooling with divisor_override, indices or dilation")
    extra = []
    for n, k, s, p in zip(x.shape[2:], kernel, stride, padding):
        out = -(-(n + 2 * p - k) // s) + 1 if ceil_mode else (n + 2 * p - k) // s + 1
        if ceil_mode and (out - 1) * s >= n + p:
            out -= 1  # PyTorch: the last window must start inside the input or its left padding
        extra.append(max(0, (out - 1) * s + k - (n + 2 * p)))
    pads = ((0, 0), (0, 0), (padding[0], padding[0] + extra[0]), (padding[1], padding[1] + extra[1]))
    if kind == "max":
        if any(padding) or any(extra):
            x = ops.pad(x, pads, constant_values=float("-inf"))
        return ops.max_pool(x, kernel, stride, padding="valid", data_format="channels_first")
    pooled = ops.average_pool(ops.pad(x, pads), kernel, stride, padding="valid", data_format="channels_first")
    if not (any(padding) or any(extra)):
        return pooled
    # The share of each window PyTorch counts: the input, and the explicit padding with
    # count_include_pad, never the overhang of ceil_mode's last window.
    counted = ops.ones((1, 1, *x.shape[2:]), dtype=x.dtype)
    counted_pads = ((0, 0), (0, 0), (0, extra[0]), (0, extra[1]))
    if count_include_pad:
        counted = ops.pad(counted, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2), constant_values=1.0)
    else:
        counted_pads = pads
    share = ops.average_pool(ops.pad(counted, counted_pads), kernel, stride, padding="valid",
                             data_format="channels_first")
    return pooled / share


def _same_pads(x, kernel, stride, dilation):
    """TensorFlow's SAME padding of an NCHW map's two spatial axes (timm's `pad_same`), as F.pad pairs."""
    pads = []
    for n, k, s, d in zip(x.shape[2:], kernel, stride, dilation):
        total = max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
        pads.append((total // 2, total - total // 2))
    return ((0, 0), (0, 0), *pads)


def _source_taps(n: int, m: int, mode: str, align_corners: bool):
    """PyTorch's upsample kernels along one axis of n pixels resized to m: for each output pixel,
    the input pixels it reads and their weights (aten/src/ATen/native/UpSample.h)."""
    if mode == "nearest":
        return [[(min(int(math.floor(i * n / m)), n - 1), 1.0)] for i in range(m)]
    taps = []
    for i in range(m):
        if align_corners:
            src = i * (n - 1) / (m - 1) if m > 1 else 0.0
        else:
            src = (i + 0.5) * n / m - 0.5
            if mode == "bilinear":
                src = max(src, 0.0)
        base = int(math.floor(src))
        t = src - base
        if mode == "bilinear":
            weights = {base: 1.0 - t, base + 1: t}
        else:  # bicubic, PyTorch's a = -0.75, edge pixels repeated
            a = -0.75

            def near(d):
                return ((a + 2) * d - (a + 3)) * d * d + 1

            def far(d):
                return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a

            weights = {base - 1: far(t + 1), base: near(t), base + 1: near(1 - t), base + 2: far(2 - t)}
        clamped: dict[int, float] = {}
        for index, weight in weights.items():
            index = min(max(index, 0), n - 1)
            clamped[index] = clamped.get(index, 0.0) + weight
        taps.append(sorted(clamped.items()))
    return taps


def _resample_axis(x, axis: int, taps):
    """Each output pixel as its taps' weighted sum along `axis`: one gather and one weighted sum per
    tap slot."""
    width = max(len(t) for t in taps)
    out = None
    for slot in range(width):
        index = [t[min(slot, len(t) - 1)][0] for t in taps]
        weight = [t[slot][1] if slot < len(t) else 0.0 for t in taps]
        shape = [1] * x.ndim
        shape[axis] = len(taps)
        term = ops.take(x, index, axis=axis) * ops.reshape(ops.convert_to_tensor(np.asarray(weight, "float32"),
                                                                                 dtype=x.dtype), shape)
        out = term if out is None else out + term
    return out


def _interpolate(x, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                 antialias=False):
    """PyTorch's `F.interpolate` of an NCHW map: nearest, bilinear and bicubic (either `align_corners`),
    from PyTorch's own source positions and kernel weights."""
    spatial = x.shape[2:]
    if size is None:
        factors = scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * len(spatial)
        size = tuple(int(math.floor(n * f)) for n, f in zip(spatial, factors))
    size = tuple(size) if isinstance(size, (tuple, list)) else (size,) * len(spatial)
    if len(spatial) != 2 or antialias or mode not in ("nearest", "bilinear", "bicubic"):
        raise NotImplementedError(f"interpolate mode {mode!r} over {len(spatial)} axes, antialias={antialias}")
    if scale_factor is not None and not recompute_scale_factor and mode != "nearest" and not align_corners:
        factors = scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * 2
        if any(abs(n * f - m) > 1e-9 for n, f, m in zip(spatial, factors, size)):
            raise NotImplementedError("interpolate with a scale factor that is not the size ratio")
    for axis, (n, m) in enumerate(zip(spatial, size)):
        if n != m or mode != "nearest":
            x = _resample_axis(x, 2 + axis, _source_taps(n, m, mode, bool(align_corners)))
    return x


def _pad(x, pad, mode="constant", value=None):
    """PyTorch's `F.pad` (pairs from the last axis backwards); a negative amount crops, as in PyTorch."""
    modes = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}
    if mode not in modes:
        raise NotImplementedError(f"F.pad mode {mode!r}")
    pad = tuple(pad) if isinstance(pad, (tuple, list)) else (pad,) * 4
    pairs = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        pairs[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    crop = tuple(slice(max(-before, 0), x.shape[a] - max(-after, 0) if x.shape[a] is not None else None)
                 if (before < 0 or after < 0) else slice(None) for a, (before, after) in enumerate(pairs))
    if any(c != slice(None) for c in crop):
        x = x[crop]
    pairs = [(max(before, 0), max(after, 0)) for before, after in pairs]
    if not any(before or after for before, after in pairs):
        return x
    if mode != "constant":
        return ops.pad(x, pairs, mode=modes[mode])
    return ops.pad(x, pairs, constant_values=0.0 if value is None else value)


def _group_norm(x, num_groups, weight=None, bias=None, eps=1e-5):
    shape = shape_of(x)
    grouped = reshape(x, (shape[0], num_groups, -1))
    mean = ops.mean(grouped, axis=-1, keepdims=True)
    centred = grouped - mean
    y = reshape(centred * ops.rsqrt(ops.mean(ops.square(centred), axis=-1, keepdims=True) + eps), shape)
    per_channel = (1, -1) + (1,) * (x.ndim - 2)
    if weight is not None:
        y = y * ops.reshape(weight, per_channel)
    if bias is not None:
        y = y + ops.reshape(bias, per_channel)
    return y


def _cat(tensors, dim=0):
    tensors = list(tensors)
    out = ops.concatenate(tensors, axis=dim)
    if out.shape[dim] is None:  # along the batch axis: (k B) + (m B) rows
        set_batch_factor(out, sum(batch_factor(t) for t in tensors))
    return out


def register_torch_mappings() -> None:
    """PyTorch's modules and functions (imported here, only when a model is converted)."""
    global _REGISTERED
    if _REGISTERED:
        return
    import torch
    import torch.nn.functional as F
    from timm.layers.conv2d_same import Conv2dSame
    from timm.layers.norm_act import BatchNormAct2d
    from timm.layers.pool2d_same import MaxPool2dSame
    from torch import nn

    @register_module(nn.Conv2d)
    def _conv(m, name):
        padding = m.padding
        if padding == "same":  # PyTorch's stride-1 "same": the odd pixel after, as TensorFlow's SAME
            conv = TorchConv2d(m.out_channels, m.kernel_size, m.stride, (0, 0), m.dilation, m.groups,
                               m.bias is not None, name=name)
            return lambda x: conv(ops.pad(x, _same_pads(x, m.kernel_size, m.stride, m.dilation)))
        if m.padding_mode != "zeros" or isinstance(padding, str):
            raise NotImplementedError(f"Conv2d padding {m.padding!r} / mode {m.padding_mode!r}")
        return TorchConv2d(m.out_channels, m.kernel_size, m.stride, padding, m.dilation, m.groups,
                           m.bias is not None, name=name)

    @register_module(nn.Conv1d)
    def _conv1d(m, name):
        if m.padding_mode != "zeros" or isinstance(m.padding, str):
            raise NotImplementedError(f"Conv1d padding {m.padding!r} / mode {m.padding_mode!r}")
        return TorchConv1d(m.out_channels, m.kernel_size[0], m.stride[0], m.padding[0], m.dilation[0], m.groups,
                           m.bias is not None, name=name)

    @register_module(Conv2dSame)
    def _conv_same(m, name):
        conv = TorchConv2d(m.out_channels, m.kernel_size, m.stride, (0, 0), m.dilation, m.groups,
                           m.bias is not None, name=name)
        return lambda x: conv(ops.pad(x, _same_pads(x, m.kernel_size, m.stride, m.dilation)))

    @register_module(MaxPool2dSame)
    def _max_pool_same(m, name):
        pair = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v, v)  # noqa: E731
        kernel, stride, dilation = pair(m.kernel_size), pair(m.stride), pair(m.dilation)
        return lambda x: _pool2d("max", ops.pad(x, _same_pads(x, kernel, stride, dilation), constant_values=float("-inf")),
                                 kernel, stride, 0, dilation, m.ceil_mode)

    @register_module(nn.ZeroPad2d)
    def _zero_pad(m, name):
        return lambda x: _pad(x, m.padding)

    @register_module(nn.Upsample)
    def _upsample(m, name):
        return lambda x: _interpolate(x, m.size, m.scale_factor, m.mode, m.align_corners)

    @register_module(nn.Linear)
    def _dense(m, name):
        return keras.layers.Dense(m.out_features, use_bias=m.bias is not None, name=name)

    @register_module(nn.BatchNorm2d)
    def _bn(m, name):
        return BatchNorm2D(epsilon=m.eps, momentum=1 - (m.momentum or 0.1), data_format="channels_first",
                           center=m.affine, scale=m.affine, name=name)

    @register_module(nn.BatchNorm1d)
    def _bn1d(m, name):
        return keras.layers.BatchNormalization(axis=1, epsilon=m.eps, momentum=1 - (m.momentum or 0.1),
                                               center=m.affine, scale=m.affine, name=name)

    def activation_name(act):
        """Keras' name for PyTorch's or timm's activation module (timm's own classes by name)."""
        if isinstance(act, nn.Identity):
            return None
        if isinstance(act, nn.GELU) and act.approximate != "none":
            raise NotImplementedError("tanh-approximated GELU inside a norm")
        if type(act) in _ACTIVATION_NAMES:
            return _ACTIVATION_NAMES[type(act)]
        by_name = {"gelu": "gelu", "relu": "relu", "silu": "silu", "swish": "silu", "sigmoid": "sigmoid",
                   "tanh": "tanh", "hardswish": "hard_swish", "hardsigmoid": "hard_sigmoid", "relu6": "relu6",
                   "mish": "mish", "elu": "elu"}
        name = by_name.get(type(act).__name__.lower())
        if name is None:
            raise NotImplementedError(f"activation {type(act).__name__}")
        return name

    @register_module(BatchNormAct2d)
    def _bn_act(m, name):
        if not isinstance(m.drop, nn.Identity) and not isinstance(m.drop, nn.Dropout):
            raise NotImplementedError(f"BatchNormAct2d with drop {type(m.drop).__name__}")
        activation = activation_name(m.act)
        return BatchNormAct2D(epsilon=m.eps, momentum=1 - (m.momentum or 0.1), activation=activation,
                              data_format="channels_first", center=m.affine, scale=m.affine, name=name)

    @register_module(nn.LayerNorm)
    def _ln(m, name):
        if len(m.normalized_shape) != 1:
            raise NotImplementedError("LayerNorm over more than one axis")
        return keras.layers.LayerNormalization(axis=-1, epsilon=m.eps, center=m.bias is not None,
                                               scale=m.elementwise_affine, name=name)

    @register_module(nn.GroupNorm)
    def _gn(m, name):
        return keras.layers.GroupNormalization(m.num_groups, axis=1, epsilon=m.eps, center=m.affine,
                                               scale=m.affine, name=name)

    _ACTIVATION_NAMES.update({nn.ReLU: "relu", nn.SiLU: "silu", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh",
                              nn.Hardswish: "hard_swish", nn.Hardsigmoid: "hard_sigmoid", nn.ReLU6: "relu6",
                              nn.Mish: "mish", nn.ELU: "elu"})
    for cls, act in _ACTIVATION_NAMES.items():
        MODULES[cls] = _activation(act)
    MODULES[nn.GELU] = lambda m, name: (lambda x: _gelu(x, m.approximate))
    MODULES[nn.Identity] = lambda m, name: (lambda x, *a, **k: x)
    MODULES[nn.Dropout] = lambda m, name: keras.layers.Dropout(m.p, name=name) if m.p else (lambda x: x)
    MODULES[nn.Softmax] = lambda m, name: (lambda x: ops.softmax(x, axis=m.dim))
    MODULES[nn.Flatten] = lambda m, name: (lambda x: flatten(x, m.start_dim, m.end_dim))
    MODULES[nn.AdaptiveAvgPool2d] = lambda m, name: (lambda x: _adaptive_avg_pool2d(x, m.output_size))
    MODULES[nn.AdaptiveMaxPool2d] = lambda m, name: (lambda x: _adaptive_max_pool2d(x, m.output_size))
    MODULES[nn.MaxPool2d] = lambda m, name: (lambda x: _pool2d(
        "max", x, m.kernel_size, m.stride, m.padding, m.dilation, m.ceil_mode, return_indices=m.return_indices))
    MODULES[nn.AvgPool2d] = lambda m, name: (lambda x: _pool2d(
        "avg", x, m.kernel_size, m.stride, m.padding, 1, m.ceil_mode, m.count_include_pad, m.divisor_override))

    FUNCTIONS.update({
        torch.reshape: reshape, torch.flatten: flatten, torch.permute: permute, torch.transpose: transpose,
        torch._assert: _assert, torch.split: _split, F.group_norm: _group_norm,
        torch.cat: _cat, torch.concat: _cat, torch.matmul: FUNCTIONS[operator.matmul],
        torch.add: FUNCTIONS[operator.add], torch.mul: FUNCTIONS[operator.mul],
        torch.sigmoid: ops.sigmoid, torch.tanh: ops.tanh, torch.exp: ops.exp, torch.sqrt: ops.sqrt,
        torch.stack: lambda tensors, dim=0: ops.stack(list(tensors), axis=dim),
        torch.softmax: lambda x, dim, **k: ops.softmax(x, axis=dim),
        F.gelu: _gelu, F.relu: lambda x, inplace=False: ops.relu(x), F.silu: lambda x, inplace=False: ops.silu(x),
        F.sigmoid: ops.sigmoid, F.hardswish: lambda x, inplace=False: ops.hard_swish(x),
        F.hardsigmoid: lambda x, inplace=False: ops.hard_sigmoid(x),
        F.softmax: lambda x, dim=-1, **k: ops.softmax(x, axis=dim),
        F.layer_norm: _layer_norm, F.batch_norm: _batch_norm, F.linear: _linear,
        F.scaled_dot_product_attention: _sdpa, F.adaptive_avg_pool2d: _adaptive_avg_pool2d,
        F.adaptive_max_pool2d: _adaptive_max_pool2d, F.pad: _pad,
        F.avg_pool2d: lambda x, *a, **k: _pool2d("avg", x, *a, **k),
        F.max_pool2d: lambda x, *a, **k: _pool2d("max", x, *a, **k),
        F.dropout: lambda x, p=0.5, training=False, inplace=False: x,
        F.normalize: lambda x, p=2.0, dim=1, eps=1e-12, out=None: x / ops.maximum(
            ops.norm(x, ord=p, axis=dim, keepdims=True), eps),
    })
    def _to(x, *args, **kwargs):
        """dtype changes only (devices and memory formats mean nothing here)."""
        for arg in (*args, kwargs.get("dtype")):
            if isinstance(arg, torch.dtype):
                return ops.cast(x, str(arg).removeprefix("torch."))
            if is_tensor(arg):
                return ops.cast(x, arg.dtype)
        return x

    def _norm(x, p="fro", dim=None, keepdim=False, dtype=None):
        order = 2 if p in ("fro", 2) else p
        return ops.norm(x, ord=order, axis=dim if not isinstance(dim, list) else tuple(dim), keepdims=keepdim)

    def _amax(x, dim=(), keepdim=False):
        return ops.max(x, axis=dim if dim != () else None, keepdims=keepdim)

    def _max(x, dim=None, keepdim=False):
        """`x.max()`, or PyTorch's (values, indices) pair along `dim`."""
        if dim is None:
            return ops.max(x)
        return ops.max(x, axis=dim, keepdims=keepdim), ops.argmax(x, axis=dim, keepdims=keepdim)

    def _rms_norm(x, normalized_shape, weight=None, eps=None):
        axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
        eps = float(np.finfo(np.float32).eps) if eps is None else eps
        y = x * ops.rsqrt(ops.mean(ops.square(x), axis=axes, keepdims=True) + eps)
        return y if weight is None else y * weight

    def _clamp(x, min=None, max=None):  # noqa: A002 (PyTorch's argument names)
        return ops.clip(x, -np.inf if min is None else min, np.inf if max is None else max)

    def _roll(x, shifts, dims=None):
        shifts = shifts if isinstance(shifts, (tuple, list)) else (shifts,)
        dims = dims if isinstance(dims, (tuple, list)) else (dims,)
        for shift, dim in zip(shifts, dims):
            x = ops.roll(x, shift, axis=dim)
        return x

    def _tile(x, *dims):
        dims = dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
        return ops.tile(x, dims)

    def _conv2d_function(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
        pair = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v, v)  # noqa: E731
        if isinstance(padding, str):
            raise NotImplementedError(f"F.conv2d padding {padding!r}")
        conv = TorchConv2dFunction(pair(stride), pair(padding), pair(dilation))
        return conv(x, weight) if bias is None else conv(x, weight, bias)

    MODULES[nn.LeakyReLU] = lambda m, name: (lambda x: ops.leaky_relu(x, m.negative_slope))
    FUNCTIONS.update({torch.conv2d: _conv2d_function, F.conv2d: _conv2d_function,
                      F.leaky_relu: lambda x, negative_slope=0.01, inplace=False: ops.leaky_relu(x, negative_slope)})
    MODULES[nn.AvgPool1d] = lambda m, name: (lambda x: ops.squeeze(_pool2d(
        "avg", ops.expand_dims(x, 2), (1, m.kernel_size[0]), (1, m.stride[0]), (0, m.padding[0]), 1, m.ceil_mode,
        m.count_include_pad), 2))
    FUNCTIONS.update({
        torch.rsqrt: ops.rsqrt, torch.clamp: _clamp, torch.roll: _roll, torch.unbind: _unbind, torch.einsum: ops.einsum,
        F.rms_norm: _rms_norm, torch.max: _max, math.ceil: math.ceil, math.floor: math.floor,
        torch.mean: _mean, torch.sum: _sum, F.interpolate: _interpolate, torch.sin: ops.sin, torch.cos: ops.cos,
        torch.addcmul: lambda a, b, c, value=1: a + value * b * c, torch.amax: _amax, torch.norm: _norm,
    })
    METHODS.update({"clamp": _clamp, "tile": _tile, "roll": _roll, "max": _max, "rsqrt": ops.rsqrt,
                    "reshape_as": lambda x, other: reshape(x, shape_of(other)), "abs": ops.abs})
    METHODS.update({"to": _to, "type": _to, "norm": _norm, "amax": _amax, "sin": ops.sin, "cos": ops.cos,
                    "add_": METHODS["add"], "mul_": METHODS["mul"], "expand_as": lambda x, other: _expand(x, *shape_of(other)),
                    "repeat_interleave": lambda x, repeats, dim=None: ops.repeat(x, repeats, axis=dim)})
    METHODS.update({"sigmoid": ops.sigmoid, "exp": ops.exp, "float": lambda x: x,
                    "type_as": lambda x, other: ops.cast(x, other.dtype), "clone": lambda x, **k: x})
    _REGISTERED = True
