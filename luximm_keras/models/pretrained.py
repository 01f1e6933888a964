"""Loading a timm checkpoint into a model from `create_model`, the way timm's pretrained loading does."""

from __future__ import annotations

from collections.abc import Callable

import keras

from luximm_keras.interop import LoadReport, load_timm_weights, read_checkpoint
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
