"""Loading a timm checkpoint into a model from `create_model`, the way timm's pretrained loading does."""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np

from luximm_keras.interop import LoadReport, adapt_input_conv, load_timm_weights, read_checkpoint
from luximm_keras.interop.plan import weight_bindings
from luximm_keras.models.registry import model_entry


def load_pretrained(
    model: keras.Model,
    weights,
    *,
    model_name: str | None = None,
    strict: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> LoadReport:
    """Loads a timm checkpoint (a path or a mapping) into `model`, after the family's checkpoint
    filter has adapted it to the model (timm's `checkpoint_filter_fn` and `adapt_input_conv`: another
    `img_size` resamples `pos_embed`, another `in_chans` adapts the first conv).

    Args:
        model: a model from `create_model`.
        weights: a checkpoint path (`.safetensors`, `.pth`/`.bin`, `.npz`) or a mapping of arrays.
        model_name: the registered name; defaults to `model.name` (which `create_model` sets).
        strict, progress: as `load_timm_weights`.
    """
    entry = model_entry(model_name or model.name)
    state = read_checkpoint(weights)
    if entry.checkpoint_filter is not None:
        state = entry.checkpoint_filter(state, model)
    return load_timm_weights(model, state, strict=strict, progress=progress)


# timm's `load_pretrained` steps that every family's checkpoint filter shares.


def timm_shapes(model: keras.layers.Layer) -> dict[str, tuple[int, ...]]:
    """Every timm key `model` loads, with the shape timm stores it in."""
    return {b.timm_key: b.timm_shape for b in weight_bindings(model) if b.timm_key is not None}


def adapt_to_model(
    state: dict[str, np.ndarray],
    model: keras.layers.Layer,
    *,
    first_conv: str,
    classifier: str,
    pretrained_in_chans: int = 3,
) -> dict[str, np.ndarray]:
    """What timm's `load_pretrained` does after the family filter, in place on `state`.

    `first_conv`'s weight goes through `adapt_input_conv` when its input channels differ from the
    model's, and the classifier (`classifier.weight`/`.bias`) is dropped when the model has none or
    one of another width: timm then loads non-strictly, here `load_timm_weights(..., strict=False)`
    is needed for a new classifier (with `num_classes=0` the strict load succeeds).
    """
    shapes = timm_shapes(model)
    conv_key = f"{first_conv}.weight"
    if conv_key in state and conv_key in shapes and tuple(state[conv_key].shape) != shapes[conv_key]:
        in_chans = shapes[conv_key][1]
        if in_chans != pretrained_in_chans:
            state[conv_key] = adapt_input_conv(in_chans, state[conv_key], base_chans=pretrained_in_chans)
    weight_key = f"{classifier}.weight"
    if weight_key in state and shapes.get(weight_key) != tuple(state[weight_key].shape):
        state.pop(weight_key)
        state.pop(f"{classifier}.bias", None)
    return state
