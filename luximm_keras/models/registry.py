"""Model names -> builders, as timm's `create_model` / `list_models`, and each family's checkpoint
filter (what timm's `checkpoint_filter_fn` does when pretrained weights meet another img_size or
in_chans)."""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import keras
import numpy as np

Builder = Callable[..., keras.Model]
CheckpointFilter = Callable[[Mapping[str, np.ndarray], keras.Model], dict[str, np.ndarray]]


@dataclass(frozen=True)
class ModelEntry:
    name: str
    builder: Builder  # builder(num_classes=..., in_chans=..., img_size=...) -> keras.Model
    checkpoint_filter: CheckpointFilter | None = None


_MODELS: dict[str, ModelEntry] = {}


def register_model(name: str, builder: Builder, checkpoint_filter: CheckpointFilter | None = None) -> None:
    if name in _MODELS:
        raise ValueError(f"model {name!r} is already registered")
    _MODELS[name] = ModelEntry(name, builder, checkpoint_filter)


def list_models(pattern: str = "*") -> list[str]:
    """Registered model names matching a shell-style pattern (`"vit_*"`), sorted."""
    return sorted(n for n in _MODELS if fnmatch.fnmatch(n, pattern))


def model_entry(name: str) -> ModelEntry:
    if name not in _MODELS:
        close = difflib.get_close_matches(name, list(_MODELS), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"Unknown model {name!r}.{hint} Available: {', '.join(list_models())}.")
    return _MODELS[name]


def create_model(
    name: str,
    *,
    num_classes: int = 1000,
    in_chans: int = 3,
    img_size: int | tuple[int, int] | None = None,
    **kwargs,
) -> keras.Model:
    """A functional Keras model of timm's `name`, taking NHWC images, giving logits (or pooled
    features when `num_classes=0`); its layer names map onto timm's module paths (`__` for `.`).
    Other keyword arguments (e.g. `drop_path_rate`) go to the family's builder, as timm's do."""
    entry = model_entry(name)
    if int(num_classes) < 0:
        raise ValueError(f"`num_classes` must be >= 0, got {num_classes!r}.")
    if int(in_chans) < 1:
        raise ValueError(f"`in_chans` must be a positive int, got {in_chans!r}.")
    return entry.builder(num_classes=int(num_classes), in_chans=int(in_chans), img_size=img_size, **kwargs)
