"""Which timm parameter feeds which Keras variable, with which layout transform: data, per layer class.

A table maps a variable path relative to a layer of that class (`"kernel"`, or `"qkv/kernel"` for a
sublayer's variable the class wants to claim) to `(timm parameter path, transform)`. The loader asks
the outermost layer first, so a block can override how its sublayers load (RelPosAttention2D's `Dense`
layers take timm's 1x1 conv weights).

Sublayer names are timm's module names; a `__` in a layer name stands for timm's `.` (PyTorch
refuses `.` in Keras layer names on the torch backend), so a layer named `blocks__0` holds timm's
`blocks.0`. A class registered as pathless adds no module path of its own: its variables are timm's
bare parameters of the enclosing module (ViT's `cls_token` and `pos_embed`).
"""

from __future__ import annotations

from collections.abc import Callable

import keras

from luximm_keras import layers as lx
from luximm_keras.interop import transforms as t

Rule = tuple[str, Callable]

_AFFINE = {"gamma": ("weight", t.identity), "beta": ("bias", t.identity)}
_CONV = {"kernel": ("weight", t.oihw_to_hwio), "bias": ("bias", t.identity)}

RULES: dict[type, dict[str, Rule]] = {
    keras.layers.Dense: {"kernel": ("weight", t.linear_to_dense), "bias": ("bias", t.identity)},
    keras.layers.Conv2D: _CONV,
    keras.layers.LayerNormalization: _AFFINE,
    keras.layers.GroupNormalization: _AFFINE,
    keras.layers.BatchNormalization: {
        **_AFFINE,
        "moving_mean": ("running_mean", t.identity),
        "moving_variance": ("running_var", t.identity),
    },
    keras.layers.DepthwiseConv2D: {"kernel": ("weight", t.depthwise_oihw_to_hwcm), "bias": ("bias", t.identity)},
    lx.StdConv2D: _CONV,
    lx.ScaledStdConv2D: {**_CONV, "gain": ("gain", t.per_channel_to_vector)},
    lx.LayerNorm2D: _AFFINE,
    lx.GlobalResponseNorm: _AFFINE,
    lx.LayerScale: {"gamma": ("gamma", t.identity)},
    lx.RelPosBias: {"relative_position_bias_table": ("relative_position_bias_table", t.identity)},
    lx.RelPosAttention2D: {
        "qkv/kernel": ("qkv.weight", t.conv1x1_to_dense),
        "proj/kernel": ("proj.weight", t.conv1x1_to_dense),
    },
}

# Checkpoint entries that are not parameters and that Keras derives instead of storing.
IGNORED_KEY_SUFFIXES = ("num_batches_tracked", "relative_position_index")

# Classes whose layers add no segment to the timm module path (see the module docstring).
PATHLESS: set[type] = set()

LAYER_PATH_SEPARATOR = "__"


def register_rule(layer_class: type, table: dict[str, Rule], *, pathless: bool = False) -> None:
    """Adds (or replaces) the table for `layer_class`, e.g. for a user's own layer.

    With `pathless=True` the layer's own name is not part of the timm keys of its variables."""
    for relative_path, (param, transform) in table.items():
        if not callable(transform):
            raise ValueError(f"transform for {layer_class.__name__}.{relative_path} must be callable.")
        if not isinstance(param, str):
            raise ValueError(f"timm parameter for {layer_class.__name__}.{relative_path} must be a str.")
    RULES[layer_class] = dict(table)
    if pathless:
        PATHLESS.add(layer_class)
    else:
        PATHLESS.discard(layer_class)


def rule_table(layer: keras.layers.Layer) -> dict[str, Rule]:
    """The table of the nearest class in `layer`'s MRO that has one (empty if none)."""
    for cls in type(layer).__mro__:
        if cls in RULES:
            return RULES[cls]
    return {}


def timm_segment(layer: keras.layers.Layer) -> str | None:
    """A layer's part of the timm module path: `blocks__0` -> `blocks.0`; None for pathless layers."""
    if any(cls in PATHLESS for cls in type(layer).__mro__):
        return None
    return layer.name.replace(LAYER_PATH_SEPARATOR, ".")
