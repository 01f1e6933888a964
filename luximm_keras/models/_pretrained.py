"""Pretrained configurations as data: timm's `PretrainedCfg`, grouped per architecture with a default tag.

Each family module keeps a `default_cfgs` table written as timm writes its own (`"arch.tag":
_cfg(hf_hub_id="timm/", ...)`); `generate_default_cfgs` groups it per architecture, and the registry
serves it through `get_pretrained_cfg("arch")` or `get_pretrained_cfg("arch.tag")`.

Reference: timm/models/_pretrained.py (`PretrainedCfg`, `DefaultCfg`), timm/models/_registry.py
(`generate_default_cfgs`, `split_model_name_tag`)
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any


@dataclass
class PretrainedCfg:
    """timm's `PretrainedCfg`: where a checkpoint comes from and what it was made for (input size,
    preprocessing, classifier). Field names, defaults and meanings are timm's."""

    # weight source locations
    url: str | tuple[str, str] | None = None
    file: str | None = None
    state_dict: dict[str, Any] | None = None
    hf_hub_id: str | None = None
    hf_hub_filename: str | None = None

    source: str | None = None
    architecture: str | None = None
    tag: str | None = None
    custom_load: bool = False

    # input / data config
    input_size: tuple[int, int, int] = (3, 224, 224)
    test_input_size: tuple[int, int, int] | None = None
    min_input_size: tuple[int, int, int] | None = None
    fixed_input_size: bool = False
    interpolation: str = "bicubic"
    crop_pct: float = 0.875
    test_crop_pct: float | None = None
    crop_mode: str = "center"
    mean: tuple[float, ...] = (0.485, 0.456, 0.406)
    std: tuple[float, ...] = (0.229, 0.224, 0.225)

    # head / classifier config and meta-data
    num_classes: int = 1000
    label_offset: int | None = None
    label_names: tuple[str, ...] | None = None
    label_descriptions: dict[str, str] | None = None

    # model attributes that vary with the above or are needed to adapt the weights
    pool_size: tuple[int, ...] | None = None
    test_pool_size: tuple[int, ...] | None = None
    first_conv: str | tuple[str, ...] | None = None
    classifier: str | tuple[str, ...] | None = None

    license: str | None = None
    description: str | None = None
    origin_url: str | None = None
    paper_name: str | None = None
    paper_ids: str | tuple[str, ...] | None = None
    notes: tuple[str, ...] | None = None

    @property
    def has_weights(self) -> bool:
        return bool(self.url or self.file or self.hf_hub_id)

    def to_dict(self, remove_source: bool = False, remove_null: bool = True) -> dict[str, Any]:
        """As timm's `to_dict`: the fields, without the null ones (and the source ones on request)."""
        out = {}
        for name, value in dataclasses.asdict(self).items():
            if remove_null and value is None:
                continue
            if remove_source and name in ("url", "file", "hf_hub_id", "hf_hub_filename", "source"):
                continue
            out[name] = value
        return out

    def replace(self, **changes) -> "PretrainedCfg":
        return dataclasses.replace(self, **changes)


@dataclass
class DefaultCfg:
    """An architecture's pretrained tags, the default first, and the config of each."""

    tags: list[str] = field(default_factory=list)
    cfgs: dict[str, PretrainedCfg] = field(default_factory=OrderedDict)
    is_pretrained: bool = False

    @property
    def default(self) -> PretrainedCfg:
        return self.cfgs[self.tags[0]]


def split_model_name_tag(model_name: str, no_tag: str = "") -> tuple[str, str]:
    """`"resnet50.a1_in1k"` -> `("resnet50", "a1_in1k")`; `no_tag` when the name has none."""
    model_name, *tag_list = model_name.split(".", 1)
    return model_name, tag_list[0] if tag_list else no_tag


def generate_default_cfgs(cfgs: dict[str, dict[str, Any] | PretrainedCfg]) -> dict[str, DefaultCfg]:
    """Groups `"arch.tag"`-keyed configs per architecture, as timm does.

    The first tag with weights becomes the default, unless an untagged key with weights or a tag
    ending in `*` marks the default explicitly. A `hf_hub_id` of `"timm/"` is completed to
    `"timm/arch.tag"`, and `architecture`/`tag` are filled in, as timm's registration does.
    """
    out: dict[str, DefaultCfg] = {}
    default_set = set()
    for key, value in cfgs.items():
        cfg = PretrainedCfg(**value) if isinstance(value, dict) else value
        arch, tag = split_model_name_tag(key)
        priority = (cfg.has_weights and not tag) or (tag.endswith("*") and arch not in default_set)
        tag = tag.strip("*")
        default = out.setdefault(arch, DefaultCfg())
        if priority:
            default.tags.insert(0, tag)
            default_set.add(arch)
        elif cfg.has_weights and not default.is_pretrained:
            default.tags.insert(0, tag)
        else:
            default.tags.append(tag)
        if cfg.has_weights:
            default.is_pretrained = True
        hub_id = cfg.hf_hub_id
        if hub_id and hub_id.endswith("/"):
            hub_id = hub_id + (f"{arch}.{tag}" if tag else arch)
        default.cfgs[tag] = cfg.replace(architecture=arch, tag=tag or None, hf_hub_id=hub_id)
    return out
