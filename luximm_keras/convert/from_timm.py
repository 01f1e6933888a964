"""Any timm model as a functional Keras model: trace it and map each operation in one pass
(`build_tracer.py`, `mapping.py`) for the input size, then load timm's weights.

Inside the converted model tensors keep PyTorch's layout (NCHW maps), so every traced reshape,
permute and index means what it meant in PyTorch; the model takes and returns what the package's
hand-built models do (NHWC images in, logits out).
"""

from __future__ import annotations

import copy
import sys

import keras

from luximm_keras.convert import build_tracer, mapping
from luximm_keras.convert.build_tracer import layer_name
from luximm_keras.initializers import deferred_initialization, host_initialization


class UnsupportedOperations(NotImplementedError):
    """The traced graph holds operations no mapping covers; `.operations` lists each as
    `(kind, target, module path or node name, count)`."""

    def __init__(self, model_name: str, operations: list[tuple[str, str, str, int]]):
        self.operations = operations
        lines = [f"  {kind} {target} at {where} (x{count})" for kind, target, where, count in operations]
        super().__init__(
            f"{model_name}: {len(operations)} operation(s) have no Keras mapping (add one with "
            "luximm_keras.convert.register_module / register_function / register_method):\n" + "\n".join(lines))


class ConversionMismatch(ValueError):
    """The converted model does not compute what timm's module computes (a mapping that is wrong for
    this model): refused rather than returned."""


# How far the converted model's outputs may be from timm's on the conversion check, relative to
# max(1, |timm's|): float32 rounding stays orders of magnitude below, a wrong mapping far above.
CHECK_TOLERANCE = 1e-3


def from_timm(model, *, img_size=None, name: str | None = None, check: bool = True) -> keras.Model:
    """A functional Keras model that computes what timm's `model` computes.

    Args:
        model: a timm `nn.Module` (converted in eval mode, its weights loaded into the Keras model),
            or a timm model name (built by timm with its own random initialisation).
        img_size: `(height, width)` the converted model takes; default the model's
            `pretrained_cfg["input_size"]`.
        name: the Keras model's name (default: the timm architecture's name).
        check: run timm's module and the converted model on a random batch of two images and refuse
            (`ConversionMismatch`) a model whose outputs differ by more than `CHECK_TOLERANCE` x
            max(1, |timm's|).

    Returns:
        `keras.Model` taking NHWC images `(batch, height, width, channels)`, with every parameter
        and buffer of `model` that its forward pass reads as a Keras variable that
        `load_timm_weights` and `export_timm_weights` map to timm's keys.

    Raises:
        UnsupportedOperations: listing every operation of the traced graph without a mapping.
        ConversionMismatch: with `check`, when the converted model computes something else.
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

    # Every variable is about to take timm's value: built as zeros, nothing drawn (as create_model's
    # pretrained builds).
    with host_initialization(), deferred_initialization():
        images = keras.Input((height, width, in_chans), name="images")
        _reserve_names(layer_name(path) for path, _ in model.named_modules())
        _reserve_names(layer_name(key) for key in model.state_dict())
        try:
            # Traced on a copy: some timm modules cache what their forward computes (position
            # tables by input size), and a trace would leave proxies in the user's module.
            outputs = build_tracer.build(copy.deepcopy(model), images, set(model.state_dict()))
        except build_tracer.UnsupportedError as error:
            raise UnsupportedOperations(arch, error.operations) from None
        keras_model = keras.Model(images, outputs, name=layer_name(arch))
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
    if check:
        _check_against_timm(model, keras_model, arch)
    return keras_model


def _check_against_timm(module, keras_model: keras.Model, arch: str) -> None:
    import numpy as np
    import torch

    images = np.random.default_rng(0).standard_normal((2, *keras_model.input_shape[1:])).astype("float32")
    with torch.no_grad():
        expected = module(torch.from_numpy(images.transpose(0, 3, 1, 2)))
    expected = [t.detach().cpu().float().numpy() for t in _leaves(expected)]
    got = [np.asarray(keras.ops.convert_to_numpy(t), "float32") for t in _leaves(keras_model(images))]
    if len(got) != len(expected) or any(g.shape != e.shape for g, e in zip(got, expected)):
        raise ConversionMismatch(f"{arch}: the converted model's outputs have shapes "
                                 f"{[g.shape for g in got]}, timm's {[e.shape for e in expected]}")
    for i, (g, e) in enumerate(zip(got, expected)):
        error = float(np.max(np.abs(g - e), initial=0.0))
        scale = max(1.0, float(np.max(np.abs(e), initial=0.0)))
        if not error <= CHECK_TOLERANCE * scale:  # NaN fails too
            raise ConversionMismatch(
                f"{arch}: the converted model's output {i} differs from timm's by {error:.3g} "
                f"(allowed {CHECK_TOLERANCE * scale:.3g}) on random images: a mapping this model uses is "
                "wrong for it (please report it)")


def _leaves(outputs) -> list:
    if isinstance(outputs, dict):
        outputs = list(outputs.values())
    if isinstance(outputs, (tuple, list)):
        return [leaf for item in outputs for leaf in _leaves(item)]
    return [outputs]


def _reserve_names(names) -> None:
    """Keeps Keras from giving an operation one of these layer names: `keras.ops.norm` is named
    "norm" unless taken, and a timm module named `norm` would then clash with it."""
    from keras.src.utils import naming  # Keras' own uniquifier (every Keras 3 release has it)

    for name in set(names):
        naming.uniquify(name)

