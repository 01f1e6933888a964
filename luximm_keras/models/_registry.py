"""Model names -> builders and pretrained configs, as timm's registry: `list_models`,
`get_pretrained_cfg`, and the lookup behind `create_model`.

Each family module registers its architectures with `register_family(...)` at import; importing
`luximm_keras` imports every family.

Reference: timm/models/_registry.py
"""

from __future__ import annotations

import copy
import difflib
import fnmatch
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import keras
import numpy as np

from luximm_keras.models._pretrained import DefaultCfg, PretrainedCfg, split_model_name_tag

Builder = Callable[..., keras.Model]
CheckpointFilter = Callable[[Mapping[str, np.ndarray], keras.Model], dict[str, np.ndarray]]


@dataclass(frozen=True)
class ModelEntry:
    """One registered architecture: its builder (`builder(variant, **kwargs)`), its pretrained
    configs, timm's `checkpoint_filter_fn` for it (None where timm has none) and the `out_indices`
    its `features_only` model takes by default, and the `output_stride`s it builds (timm's dilated
    last stages for dense prediction; 32 alone where the family has none)."""

    name: str
    builder: Builder
    default_cfg: DefaultCfg
    checkpoint_filter: CheckpointFilter | None = None
    feature_out_indices: int | tuple[int, ...] | None = None
    output_strides: tuple[int, ...] = (32,)


_MODELS: dict[str, ModelEntry] = {}


def register_family(
    architectures: Iterable[str],
    builder: Builder,
    default_cfgs: Mapping[str, DefaultCfg],
    checkpoint_filter: CheckpointFilter | None = None,
    *,
    feature_out_indices: int | tuple[int, ...] | None = None,
    output_strides: tuple[int, ...] = (32,),
) -> None:
    """Registers each of a family's `architectures`: `builder(name, **kwargs)` builds it, and
    `default_cfgs[name]` (from `generate_default_cfgs`) holds its pretrained configs."""
    for name in architectures:
        if name in _MODELS:
            raise ValueError(f"model {name!r} is already registered")
        if name not in default_cfgs:
            raise ValueError(f"model {name!r} has no pretrained config")
        _MODELS[name] = ModelEntry(
            name, builder, default_cfgs[name], checkpoint_filter, feature_out_indices, tuple(output_strides)
        )


def list_models(pattern: str = "*", *, pretrained: bool = False) -> list[str]:
    """Registered architectures matching a shell-style pattern (`"vit_*"`), sorted; with
    `pretrained=True`, every `arch.tag` that has weights, as timm's `list_models(pretrained=True)`."""
    if not pretrained:
        return sorted(n for n in _MODELS if fnmatch.fnmatch(n, pattern))
    names = []
    for arch, entry in _MODELS.items():
        for tag in entry.default_cfg.tags:
            if entry.default_cfg.cfgs[tag].has_weights:
                name = f"{arch}.{tag}" if tag else arch
                if fnmatch.fnmatch(name, pattern) or fnmatch.fnmatch(arch, pattern):
                    names.append(name)
    return sorted(names)


def model_entry(name: str) -> ModelEntry:
    """The entry of an architecture (a tag, `arch.tag`, is allowed and ignored)."""
    arch, _ = split_model_name_tag(name)
    if arch not in _MODELS:
        close = difflib.get_close_matches(arch, list(_MODELS), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"Unknown model {arch!r}.{hint} `list_models()` (luximm-keras list-models) names the {len(_MODELS)}.")
    return _MODELS[arch]


def get_pretrained_cfg(model_name: str) -> PretrainedCfg:
    """The pretrained config of `"arch"` (its default tag) or `"arch.tag"`, a copy, equal to timm's
    `get_pretrained_cfg` for the same name.

    Raises:
        ValueError: unknown architecture, or a tag the architecture does not have (the error lists
            the tags that exist).
    """
    arch, tag = split_model_name_tag(model_name)
    default = model_entry(arch).default_cfg
    if not tag:
        tag = default.tags[0]
    if tag not in default.cfgs:
        raise ValueError(
            f"Invalid pretrained tag {tag!r} for {arch}. Its tags: {', '.join(default.tags)}."
        )
    return copy.deepcopy(default.cfgs[tag])
