"""Which timm parameter feeds which Keras variable, with which layout transform: data, declared by each
layer class.

A layer class declares its own table as the class attribute `timm_mapping`: it maps a variable path
relative to a layer of that class (`"kernel"`, or `"qkv/kernel"` for a sublayer's variable the class
wants to claim) to `(timm parameter path, transform)`, the transform being the name of a function in
`luximm_keras.interop.transforms` or a callable. The loader asks the outermost layer first, so a
block can override how its sublayers load (RelPosAttention2D's `Dense` layers take timm's 1x1 conv
weights). A subclass inherits its parent's table. A class that sets `timm_pathless = True` adds no
module path of its own: its variables are timm's bare parameters of the enclosing module (ViT's
`cls_token` and `pos_embed`). Your own layer class declares its mapping the same way:

    class MyScale(keras.layers.Layer):
        timm_mapping = {"scale": ("weight", "identity")}

Keras' own layer classes cannot declare anything, so their tables are here (`KERAS_MAPPINGS`).

Sublayer names are timm's module names; a `__` in a layer name stands for timm's `.` (PyTorch
refuses `.` in Keras layer names on the torch backend), so a layer named `blocks__0` holds timm's
`blocks.0`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

import keras

from luximm_keras.interop import transforms

Rule = tuple[str, Callable]

_AFFINE = {"gamma": ("weight", "identity"), "beta": ("bias", "identity")}
_CONV = {"kernel": ("weight", "oihw_to_hwio"), "bias": ("bias", "identity")}

KERAS_MAPPINGS: Mapping[type, Mapping[str, tuple[str, str]]] = {
    keras.layers.Dense: {"kernel": ("weight", "linear_to_dense"), "bias": ("bias", "identity")},
    keras.layers.Conv2D: _CONV,
    keras.layers.DepthwiseConv2D: {"kernel": ("weight", "depthwise_oihw_to_hwcm"), "bias": ("bias", "identity")},
    keras.layers.LayerNormalization: _AFFINE,
    keras.layers.RMSNormalization: {"scale": ("weight", "identity")},
    keras.layers.GroupNormalization: _AFFINE,
    keras.layers.BatchNormalization: {
        **_AFFINE,
        "moving_mean": ("running_mean", "identity"),
        "moving_variance": ("running_var", "identity"),
    },
}

# Checkpoint entries that are not parameters and that Keras derives instead of storing.
IGNORED_KEY_SUFFIXES = ("num_batches_tracked", "relative_position_index")

LAYER_PATH_SEPARATOR = "__"


def _resolve_transform(owner: type, path: str, transform) -> Callable:
    if callable(transform):
        return transform
    function = getattr(transforms, transform, None) if isinstance(transform, str) else None
    if not callable(function):
        raise ValueError(
            f"{owner.__name__}.timm_mapping[{path!r}]: transform {transform!r} is neither a callable nor "
            "a function of luximm_keras.interop.transforms."
        )
    return function


@functools.lru_cache(maxsize=None)
def class_table(layer_class: type) -> dict[str, Rule]:
    """The table of the nearest class in `layer_class`'s MRO that declares one (empty if none), with
    each transform resolved to its function."""
    for cls in layer_class.__mro__:
        table = cls.__dict__.get("timm_mapping")
        if table is None:
            table = KERAS_MAPPINGS.get(cls)
        if table is None:
            continue
        resolved = {}
        for path, entry in table.items():
            if not (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str)):
                raise ValueError(
                    f"{cls.__name__}.timm_mapping[{path!r}] must be a (timm parameter, transform) pair, "
                    f"got {entry!r}."
                )
            resolved[path] = (entry[0], _resolve_transform(cls, path, entry[1]))
        return resolved
    return {}


def rule_table(layer: keras.layers.Layer) -> dict[str, Rule]:
    """The table that maps `layer`'s variables (see `class_table`); a layer whose keys are its own
    (a converted model's `TimmTensor`) holds resolved rules in its attribute `timm_rules`."""
    own = getattr(layer, "timm_rules", None)
    return own if own is not None else class_table(type(layer))


def timm_segment(layer: keras.layers.Layer) -> str | None:
    """A layer's part of the timm module path: `blocks__0` -> `blocks.0`; None for pathless layers."""
    if getattr(type(layer), "timm_pathless", False):
        return None
    return layer.name.replace(LAYER_PATH_SEPARATOR, ".")
