"""The data config of a pretrained model: input size, interpolation, mean, std, crop, as timm resolves it.

Reference: timm/data/config.py (`resolve_data_config`, `resolve_model_data_config`),
timm/data/constants.py (`DEFAULT_CROP_PCT`, `DEFAULT_CROP_MODE`)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from luximm_keras.data.constants import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD

DEFAULT_CROP_PCT = 0.875
DEFAULT_CROP_MODE = "center"

# timm's `args` keys that override the pretrained config (its command-line names).
_OVERRIDES = ("in_chans", "chans", "input_size", "img_size", "interpolation", "mean", "std", "crop_pct", "crop_mode")


def _as_tuple(value):
    return tuple(value) if isinstance(value, list) else value


def _pretrained_cfg_of(name_or_model) -> dict[str, Any]:
    if isinstance(name_or_model, str):
        from luximm_keras.models import get_pretrained_cfg  # the models import Keras; the data config does not

        return get_pretrained_cfg(name_or_model).to_dict()
    cfg = getattr(name_or_model, "pretrained_cfg", None)
    if cfg is None:
        raise TypeError(
            "Expected a model name ('arch' or 'arch.tag') or a model with a `pretrained_cfg` (from "
            f"luximm_keras.models.create_model), got {type(name_or_model).__name__}."
        )
    return dict(cfg)


def _per_channel(name: str, value, in_chans: int) -> tuple[float, ...]:
    value = tuple(value)
    if len(value) == 1:
        return value * in_chans
    if len(value) != in_chans:
        raise ValueError(f"`{name}` has {len(value)} values for {in_chans} input channels: {value!r}.")
    return value


def resolve_data_config(
    name_or_model=None,
    *,
    pretrained_cfg: Mapping[str, Any] | None = None,
    use_test_size: bool = False,
    **overrides,
) -> dict[str, Any]:
    """The data config timm resolves for a pretrained model: the keys `input_size`, `interpolation`,
    `mean`, `std`, `crop_pct`, `crop_mode`, with timm's values and types, ready for
    `create_transform(**config)` or `create_preprocessing(**config)`.

    As timm, the config describes the pretrained weights (the model's `pretrained_cfg`), not the
    model's own input shape: a model made with another `img_size` still resolves to the config's
    `input_size` unless `input_size=`/`img_size=` is given.

    Args:
        name_or_model: a model name, `"arch"` (its default tag) or `"arch.tag"`, or a model from
            `luximm_keras.models.create_model` (its `pretrained_cfg` attribute is read). May be None
            when `pretrained_cfg` or overrides are given.
        pretrained_cfg: a pretrained config (dict or `PretrainedCfg`); takes precedence over the model's,
            as in timm.
        use_test_size: use the config's `test_input_size` and `test_crop_pct` where it has them.
        **overrides: timm's `args`: `input_size` (3 ints), `img_size` (an int), `in_chans` (or `chans`),
            `interpolation`, `mean`, `std` (one value, or one per channel), `crop_pct`, `crop_mode`.

    Returns:
        timm's data config dict.

    Example:
        >>> resolve_data_config("vit_base_patch16_224.augreg_in1k")
        {'input_size': (3, 224, 224), 'interpolation': 'bicubic', 'mean': (0.5, 0.5, 0.5),
         'std': (0.5, 0.5, 0.5), 'crop_pct': 0.9, 'crop_mode': 'center'}

    Reference: timm/data/config.py `resolve_data_config` (`pretrained_cfg=`, `model=`, `args=`),
    `resolve_model_data_config`.
    """
    unknown = sorted(set(overrides) - set(_OVERRIDES))
    if unknown:
        raise TypeError(f"resolve_data_config() got unexpected keyword arguments {unknown}; it takes {_OVERRIDES}.")
    args = {k: v for k, v in overrides.items() if v is not None}
    if pretrained_cfg is not None and hasattr(pretrained_cfg, "to_dict"):
        pretrained_cfg = pretrained_cfg.to_dict()
    pretrained_cfg = dict(pretrained_cfg or {})
    if not pretrained_cfg and name_or_model is not None:
        pretrained_cfg = _pretrained_cfg_of(name_or_model)
    if not pretrained_cfg and not args:
        raise ValueError("resolve_data_config needs a model name, a model, a pretrained_cfg or overrides.")

    in_chans = args.get("in_chans", args.get("chans", 3))
    input_size = (in_chans, 224, 224)
    if "input_size" in args:
        input_size = tuple(args["input_size"])
        if len(input_size) != 3:
            raise ValueError(f"`input_size` must be (channels, height, width), got {args['input_size']!r}.")
        in_chans = input_size[0]  # input_size overrides in_chans, as in timm
    elif "img_size" in args:
        if not isinstance(args["img_size"], int):
            raise ValueError(f"`img_size` must be an int (use input_size for a rectangle), got {args['img_size']!r}.")
        input_size = (in_chans, args["img_size"], args["img_size"])
    elif use_test_size and pretrained_cfg.get("test_input_size") is not None:
        input_size = pretrained_cfg["test_input_size"]
    elif pretrained_cfg.get("input_size") is not None:
        input_size = pretrained_cfg["input_size"]

    config: dict[str, Any] = {"input_size": _as_tuple(input_size)}
    config["interpolation"] = args.get("interpolation") or pretrained_cfg.get("interpolation") or "bicubic"
    for key, default in (("mean", IMAGENET_DEFAULT_MEAN), ("std", IMAGENET_DEFAULT_STD)):
        if key in args:
            config[key] = _per_channel(key, args[key], in_chans)
        else:
            config[key] = _as_tuple(pretrained_cfg.get(key) or default)
    if args.get("crop_pct"):
        config["crop_pct"] = args["crop_pct"]
    elif use_test_size and pretrained_cfg.get("test_crop_pct"):
        config["crop_pct"] = pretrained_cfg["test_crop_pct"]
    else:
        config["crop_pct"] = pretrained_cfg.get("crop_pct") or DEFAULT_CROP_PCT
    config["crop_mode"] = args.get("crop_mode") or pretrained_cfg.get("crop_mode") or DEFAULT_CROP_MODE
    return config


def resolve_model_data_config(model, *, pretrained_cfg: Mapping[str, Any] | None = None, use_test_size: bool = False,
                              **overrides) -> dict[str, Any]:
    """`resolve_data_config` with the model first, as timm's `resolve_model_data_config`."""
    return resolve_data_config(model, pretrained_cfg=pretrained_cfg, use_test_size=use_test_size, **overrides)
