"""Traces a timm module and builds its Keras graph in the same pass, so the trace knows every
tensor's shape.

`torch.fx` alone traces with shapes unknown: `x.shape` is a proxy, and Python control flow on it
(`if H % window: pad`) cannot be traced, which is why timm keeps such modules and functions whole
for its FX feature extraction (`_leaf_modules`, `_autowrap_functions`). Here each traced operation
is mapped to Keras as soon as FX records it (`mapping.py`), its result a proxy that carries the
symbolic Keras tensor: `x.shape`, `x.size()`, `x.dim()` are plain Python values for the input size
being converted (the batch size a `BatchMultiple`), so that control flow runs as in eager PyTorch,
and timm's leaf modules and autowrapped functions are traced through like any other code. Only
PyTorch's own modules with a mapping (and those without one: they are reported) stay whole.
"""

from __future__ import annotations

import collections
import contextlib
import copy
import functools
import operator

import keras

from luximm_keras.convert import mapping
from luximm_keras.convert.batch import BatchMultiple, inherit_batch_factor
from luximm_keras.convert.layers import NCHWImages, TimmTensor, TorchConstant, numpy_dtype
from luximm_keras.interop.rules import LAYER_PATH_SEPARATOR

# What a traced tensor answers without a graph node: its shape and the like, for this input size.
_CONCRETE_ATTRIBUTES = ("shape", "ndim", "dtype", "device", "is_cuda")


def layer_name(path: str) -> str:
    return path.replace(".", LAYER_PATH_SEPARATOR)


def function_name(target) -> str:
    """`torch.cumsum`, `torch.nn.functional.pad`, `timm.models.davit.window_reverse`: as FX prints it."""
    from torch.fx.node import _get_qualified_name

    try:
        return _get_qualified_name(target)
    except (RuntimeError, AttributeError):
        return f"{getattr(target, '__module__', '')}.{getattr(target, '__qualname__', target)}"


class Unmapped(Exception):
    """An operation without a mapping: `(kind, target, where)`."""

    def __init__(self, kind: str, target: str, where: str):
        super().__init__(f"{kind} {target} at {where}")
        self.entry = (kind, target, where)


def build(module, images: keras.KerasTensor, checkpoint_keys: set[str]):
    """The Keras output of `module` called on the NCHW view of `images`, traced and mapped in one pass.

    Raises `Unmapped` listing every operation that has no mapping: an unmapped operation's result
    is taken from PyTorch on the meta device (shapes only), so the trace goes on and finds them all.
    """
    import torch
    import torch.fx

    env: dict = {}
    layers: dict[str, object] = {}
    unmapped: collections.Counter = collections.Counter()
    first_seen: dict = {}
    modules = dict(module.named_modules())
    buffer_names = {id(b): name for name, b in module.named_buffers()}

    class KerasProxy(torch.fx.Proxy):
        """A traced tensor that knows its symbolic Keras value, hence its shape."""

        def __getattr__(self, name):
            value = env.get(self.node)
            if name in _CONCRETE_ATTRIBUTES and mapping.is_tensor(value):
                return mapping.FUNCTIONS[getattr](value, name)
            return super().__getattr__(name)

        def __len__(self):
            length = env[self.node].shape[0]
            if length is None:
                raise TypeError("len() of a tensor whose first axis is the batch")
            return int(length)

        def __setitem__(self, index, value):  # in place: the tracer rebinds this tensor to the result
            self.tracer.create_proxy("call_function", operator.setitem, (self, index, value), {})

        def __bool__(self):
            raise torch.fx.proxy.TraceError(
                "control flow on a tensor's values (not its shape) cannot be converted")

    def keras_value(node_or_value):
        return torch.fx.node.map_arg(node_or_value, lambda n: env[n])

    def wrap(node, value):
        """The traced form of `value`: a proxy for a Keras tensor; tuples element by element (each a
        `getitem` node); plain Python values as they are."""
        env[node] = value
        if mapping.is_tensor(value):
            return KerasProxy(node, tracer)
        if isinstance(value, (tuple, list)) and any(mapping.is_tensor(v) for v in value):
            items = [tracer.create_proxy("call_function", operator.getitem, (KerasProxy(node, tracer), i), {})
                     for i in range(len(value))]
            return type(value)(items) if isinstance(value, tuple) else items
        return value

    def meta_result(kind, target, args, kwargs):
        """What PyTorch returns for an unmapped operation, run on the meta device (shapes only): a
        detached symbolic tensor of that shape stands in, so that the trace goes on and finds every
        unmapped operation (the model is never built from it)."""
        def to_meta(v):
            if mapping.is_tensor(v):
                return torch.empty([1 if d is None else d for d in v.shape], device="meta",
                                   dtype=mapping.torch_dtype(v))
            return v

        meta_args = torch.fx.node.map_aggregate(keras_value(args), to_meta)
        meta_kwargs = torch.fx.node.map_aggregate(keras_value(kwargs), to_meta)
        if kind == "call_module":
            out = copy.deepcopy(modules[target]).to("meta")(*meta_args, **meta_kwargs)
        elif kind == "call_method":
            out = getattr(meta_args[0], target)(*meta_args[1:], **meta_kwargs)
        else:
            out = target(*meta_args, **meta_kwargs)
        return torch.fx.node.map_aggregate(
            out, lambda t: keras.KerasTensor((None, *t.shape[1:]), dtype=mapping.keras_dtype(t.dtype))
            if isinstance(t, torch.Tensor) else t)

    def evaluate(kind, target, args, kwargs, node_name):
        if kind == "placeholder":  # the images, then forward's optional arguments at their defaults
            if not any(n.op == "placeholder" for n in env):
                return NCHWImages()(images)
            return args[0] if args else None
        if kind == "get_attr":
            tensor = _attr(tracer.root, target)
            if target not in layers:
                if target in checkpoint_keys:
                    layers[target] = TimmTensor(target, tuple(tensor.shape),
                                                trainable_value=isinstance(tensor, torch.nn.Parameter),
                                                value_dtype=numpy_dtype(tensor), name=layer_name(target))
                else:  # a non-persistent buffer or a constant of the trace: part of the model's config
                    layers[target] = TorchConstant(tensor.detach().cpu().numpy(), numpy_dtype(tensor),
                                                   name=layer_name(target))
            return layers[target](images)
        if kind == "call_module":
            cls = type(modules[target])
            if cls not in mapping.MODULES:
                raise Unmapped("module", f"{cls.__module__}.{cls.__qualname__}", target)
            if target not in layers:
                layers[target] = mapping.MODULES[cls](modules[target], layer_name(target))
            return layers[target](*keras_value(args), **keras_value(kwargs))
        if kind == "call_function":
            if target not in mapping.FUNCTIONS:
                raise Unmapped("function", function_name(target), node_name)
            return mapping.FUNCTIONS[target](*keras_value(args), **keras_value(kwargs))
        if kind == "call_method":
            method = mapping.METHODS.get(target) or (_in_place(kind, target) and mapping.METHODS.get(target[:-1]))
            if not method:
                raise Unmapped("method", f"Tensor.{target}", node_name)
            return method(*keras_value(args), **keras_value(kwargs))
        raise ValueError(f"unexpected node kind {kind}")

    class BuildTracer(torch.fx.Tracer):
        reading = False  # True while the mapping reads modules: their parameters as they are

        def getattr(self, attr, attr_val, parameter_proxy_cache):
            if self.reading:
                return attr_val
            if isinstance(attr_val, torch.Tensor) and not isinstance(attr_val, torch.nn.Parameter):
                # A buffer read as an attribute: traced too (FX hands over the tensor itself), so
                # that operations mixing it with the batch size are mapped, not run by PyTorch.
                key = buffer_names.get(id(attr_val))
                if key is not None:
                    return self.create_proxy("get_attr", key, (), {})
            return super().getattr(attr, attr_val, parameter_proxy_cache)

        def create_arg(self, a):
            if isinstance(a, BatchMultiple):  # shape arithmetic on the batch size: a constant of the node
                return a
            return super().create_arg(a)

        def call_module(self, m, forward, args, kwargs):
            if self.reading:  # a Keras layer being built (on the torch backend a torch Module too)
                return forward(*args, **kwargs)
            return super().call_module(m, forward, args, kwargs)

        def is_leaf_module(self, m, qualified_name):
            # Mapped modules stay whole; PyTorch's own unmapped ones too (reported); the rest,
            # timm's leaf modules included, are traced through.
            if type(m) in mapping.MODULES:
                return True
            return super().is_leaf_module(m, qualified_name)

        def create_node(self, kind, target, args, kwargs, name=None, type_expr=None):
            # Every node is evaluated as it is made: FX makes some without a proxy (the get_attr of a
            # buffer or constant a traced operation takes as an argument).
            node = super().create_node(kind, target, args, kwargs, name, type_expr)
            if kind != "output":
                self.reading = True
                try:
                    env[node] = evaluate(kind, target, node.args, node.kwargs, node.name)
                    inherit_batch_factor(env[node], keras_value(node.all_input_nodes))
                    if _in_place(kind, target) and isinstance(node.args[0], torch.fx.Node):
                        # `x.add_(y)`, `x[i] = y`: later uses of x (its node) read the result. (A
                        # view of x changed in place leaves x as it was: from_timm's check finds it.)
                        env[node.args[0]] = env[node]
                except Unmapped as missing:
                    unmapped[missing.entry[:2]] += 1
                    first_seen.setdefault(missing.entry[:2], missing.entry[2])
                    env[node] = meta_result(kind, target, node.args, node.kwargs)
                finally:
                    self.reading = False
            return node

        def create_proxy(self, kind, target, args, kwargs, name=None, type_expr=None, proxy_factory_fn=None):
            node = self.create_node(kind, target, self.create_arg(args), self.create_arg(kwargs), name, type_expr)
            return wrap(node, env[node])

    tracer = BuildTracer()
    with _factories_traced_on_batch_sizes(tracer):
        graph = tracer.trace(module)
    if unmapped:
        raise UnsupportedError([(kind, target, first_seen[(kind, target)], count)
                                for (kind, target), count in unmapped.items()])
    output = next(n for n in graph.nodes if n.op == "output")
    return keras_value(output.args[0])


class UnsupportedError(Exception):
    def __init__(self, operations):
        super().__init__(f"{len(operations)} unmapped operations")
        self.operations = operations


# PyTorch's tensor factories and a constant tensor's shape methods: called with plain sizes they run in
# PyTorch (a constant of the model); with the batch size among them (EdgeNeXt's `torch.zeros(B, H, W)`
# mask, Gemma 4's `coords.expand(B, -1, -1)`) they must be traced.
_FACTORIES = ("zeros", "ones", "full", "empty")
_SHAPE_METHODS = ("expand", "repeat", "reshape", "view")


@contextlib.contextmanager
def _factories_traced_on_batch_sizes(tracer):
    import torch

    def batch_sized(args) -> bool:
        found = []
        torch.fx.node.map_aggregate(args, lambda a: found.append(isinstance(a, BatchMultiple)))
        return any(found)

    def factory_traced(factory):
        @functools.wraps(factory)
        def call(*args, **kwargs):
            if batch_sized(args):
                return tracer.create_proxy("call_function", factory, args, kwargs)
            return factory(*args, **kwargs)
        return call

    def method_traced(name, method):
        @functools.wraps(method)
        def call(self, *args, **kwargs):
            if batch_sized(args) and not isinstance(self, torch.fx.Proxy):
                return tracer.create_proxy("call_method", name, (self, *args), kwargs)
            return method(self, *args, **kwargs)
        return call

    patched = [(torch, name, getattr(torch, name)) for name in _FACTORIES]
    patched += [(torch.Tensor, name, getattr(torch.Tensor, name)) for name in _SHAPE_METHODS]
    try:
        for owner, name, original in patched:
            wrapper = factory_traced(original) if owner is torch else method_traced(name, original)
            setattr(owner, name, wrapper)
        yield
    finally:
        for owner, name, original in patched:
            setattr(owner, name, original)


def _in_place(kind: str, target) -> bool:
    if kind == "call_method":
        return target.endswith("_") and not target.startswith("_")
    return kind == "call_function" and target is operator.setitem


def _attr(module, target: str):
    for part in target.split("."):
        module = getattr(module, part)
    return module
