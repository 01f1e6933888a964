"""Any timm model as a functional Keras model: trace it with timm's FX settings, map each operation
(`mapping.py`), evaluate shape arithmetic for the input size, load timm's weights.

Inside the converted model tensors keep PyTorch's layout (NCHW maps), so every traced reshape,
permute and index means what it meant in PyTorch; the model takes and returns what the package's
hand-built models do (NHWC images in, logits out).
"""

from __future__ import annotations

import collections
import sys

import keras
from keras import ops

from luximm_keras.convert import mapping
from luximm_keras.convert.fx_trace import trace
from luximm_keras.convert.layers import TimmTensor, TorchConstant, numpy_dtype
from luximm_keras.initializers import deferred_initialization, host_initialization
from luximm_keras.interop.rules import LAYER_PATH_SEPARATOR


class UnsupportedOperations(NotImplementedError):
    """The traced graph holds operations no mapping covers; `.operations` lists each as
    `(kind, target, module path or node name, count)`."""

    def __init__(self, model_name: str, operations: list[tuple[str, str, str, int]]):
        self.operations = operations
        lines = [f"  {kind} {target} at {where} (x{count})" for kind, target, where, count in operations]
        super().__init__(
            f"{model_name}: {len(operations)} operation(s) have no Keras mapping (add one with "
            "luximm_keras.convert.register_module / register_function / register_method):\n" + "\n".join(lines))


def _layer_name(path: str) -> str:
    return path.replace(".", LAYER_PATH_SEPARATOR)


def _function_name(target) -> str:
    """`torch.cumsum`, `torch.nn.functional.pad`, `timm.models.davit.window_reverse`: as FX prints it."""
    from torch.fx.node import _get_qualified_name

    try:
        return _get_qualified_name(target)
    except (RuntimeError, AttributeError):
        return f"{getattr(target, '__module__', '')}.{getattr(target, '__qualname__', target)}"


def _unsupported(graph_module) -> list[tuple[str, str, str, int]]:
    modules = dict(graph_module.named_modules())
    found: collections.Counter = collections.Counter()
    first_at: dict = {}
    for node in graph_module.graph.nodes:
        if node.op == "call_module":
            cls = type(modules[node.target])
            if cls not in mapping.MODULES:
                key = ("module", f"{cls.__module__}.{cls.__qualname__}")
                found[key] += 1
                first_at.setdefault(key, node.target)
        elif node.op == "call_function" and node.target not in mapping.FUNCTIONS:
            key = ("function", _function_name(node.target))
            found[key] += 1
            first_at.setdefault(key, node.name)
        elif node.op == "call_method" and node.target not in mapping.METHODS:
            key = ("method", f"Tensor.{node.target}")
            found[key] += 1
            first_at.setdefault(key, node.name)
    return [(kind, target, first_at[(kind, target)], count) for (kind, target), count in found.items()]


def from_timm(model, *, img_size=None, name: str | None = None) -> keras.Model:
    """A functional Keras model that computes what timm's `model` computes.

    Args:
        model: a timm `nn.Module` (converted in eval mode, its weights loaded into the Keras model),
            or a timm model name (built by timm with its own random initialisation).
        img_size: `(height, width)` the converted model takes; default the model's
            `pretrained_cfg["input_size"]`.
        name: the Keras model's name (default: the timm architecture's name).

    Returns:
        `keras.Model` taking NHWC images `(batch, height, width, channels)`, with every parameter
        and buffer of `model` that its forward pass reads as a Keras variable that
        `load_timm_weights` and `export_timm_weights` map to timm's keys.

    Raises:
        UnsupportedOperations: listing every operation of the traced graph without a mapping.
    """
    if keras.backend.backend() == "tensorflow" and "torchvision" not in sys.modules:
        raise RuntimeError("Converting on the TensorFlow backend: import timm before keras (TensorFlow "
                           "imported before torchvision crashes the process).")
    import timm

    if isinstance(model, str):
        model = timm.create_model(model)
    model = model.eval()
    mapping.register_torch_mappings()
    cfg = getattr(model, "pretrained_cfg", None) or {}
    arch = name or cfg.get("architecture") or type(model).__name__
    in_chans, *size = cfg.get("input_size", (3, 224, 224))
    height, width = img_size if img_size is not None else size

    graph_module = trace(model)
    missing = _unsupported(graph_module)
    if missing:
        raise UnsupportedOperations(arch, missing)

    # Every variable is about to take timm's value: built as zeros, nothing drawn (as create_model's
    # pretrained builds).
    with host_initialization(), deferred_initialization():
        keras_model = _build(graph_module, arch, (height, width, in_chans), set(model.state_dict()))
    from luximm_keras.interop import load_timm_weights

    # A module reached by two paths (CoaT's shared convolutional position encodings) is one Keras
    # layer under its first path, as PyTorch's named_parameters() names it once.
    state, seen = {}, set()
    for key, tensor in model.state_dict(keep_vars=True).items():
        if id(tensor) not in seen:
            seen.add(id(tensor))
            state[key] = tensor.detach().cpu().numpy()
    # Strict but for the parameters the forward pass never reads: no layer holds them.
    report = load_timm_weights(keras_model, state, strict=False)
    if report.missing or report.mismatched:
        raise ValueError(f"{arch}: the converted model does not take timm's weights: {report}")
    return keras_model


def _build(graph_module, arch: str, input_shape, checkpoint_keys: set[str]) -> keras.Model:
    """The functional model of `graph_module`'s nodes, each through its mapping; the tensors of
    `checkpoint_keys` become variables, other tensors constants."""
    import torch.fx

    modules = dict(graph_module.named_modules())
    _reserve_names(_layer_name(node.target) for node in graph_module.graph.nodes
                   if node.op in ("call_module", "get_attr"))
    layers: dict[str, object] = {}
    images = keras.Input(input_shape, name="images")
    env: dict = {}
    outputs = None

    def value(arg):
        return torch.fx.node.map_arg(arg, lambda n: env[n])

    for node in graph_module.graph.nodes:
        args, kwargs = value(node.args), value(node.kwargs)
        if node.op == "placeholder":  # the images, then forward's optional arguments at their defaults
            first = not any(n.op == "placeholder" for n in env)
            env[node] = ops.transpose(images, (0, 3, 1, 2)) if first else (node.args[0] if node.args else None)
        elif node.op == "get_attr":
            tensor = _attr(graph_module, node.target)
            if node.target not in layers:
                if node.target in checkpoint_keys:
                    layers[node.target] = TimmTensor(node.target, tuple(tensor.shape),
                                                     trainable_value=isinstance(tensor, torch.nn.Parameter),
                                                     value_dtype=numpy_dtype(tensor), name=_layer_name(node.target))
                else:  # a non-persistent buffer or a constant of the trace: part of the model's config
                    layers[node.target] = TorchConstant(tensor.detach().cpu().numpy(), numpy_dtype(tensor),
                                                        name=_layer_name(node.target))
            env[node] = layers[node.target](images)
        elif node.op == "call_module":
            if node.target not in layers:
                module = modules[node.target]
                layers[node.target] = mapping.MODULES[type(module)](module, _layer_name(node.target))
            env[node] = layers[node.target](*args, **kwargs)
        elif node.op == "call_function":
            env[node] = mapping.FUNCTIONS[node.target](*args, **kwargs)
        elif node.op == "call_method":
            env[node] = mapping.METHODS[node.target](*args, **kwargs)
        elif node.op == "output":
            outputs = args[0]
    return keras.Model(images, outputs, name=_layer_name(arch))


def _reserve_names(names) -> None:
    """Keeps Keras from giving an operation one of these layer names: `keras.ops.norm` is named
    "norm" unless taken, and a timm module named `norm` would then clash with it."""
    from keras.src.utils import naming  # Keras' own uniquifier (every Keras 3 release has it)

    for name in set(names):
        naming.uniquify(name)


def _attr(module, target: str):
    for part in target.split("."):
        module = getattr(module, part)
    return module
