"""timm's attention factory: `get_attn(name)` gives a constructor `(channels, **kwargs) -> layer`,
`create_attn(name, channels, **kwargs)` the layer (None for no attention).

Only the channel attentions ported to this package are known: "se" (`SqueezeExcite`, timm's
`SEModule`), "eca" (`EcaModule`), "ceca" (`CecaModule`), and `True` for "se" as in timm. Other
names of timm's table raise.

Reference: timm/layers/create_attn.py
"""

from __future__ import annotations

from collections.abc import Callable

import keras

from luximm_keras.layers.eca import CecaModule, EcaModule
from luximm_keras.layers.squeeze_excite import SqueezeExcite

# timm's SEModule arguments that have another name (or no counterpart) in SqueezeExcite.
_SE_RENAMES = {"act_layer": "activation"}


def _se_module(channels: int | None = None, **kwargs) -> SqueezeExcite:
    """timm's `SEModule(channels, **kwargs)`: the width comes from the input at build, so `channels`
    is not needed; timm's `act_layer` is accepted as `activation`."""
    del channels
    for timm_name, name in _SE_RENAMES.items():
        if timm_name in kwargs:
            kwargs[name] = kwargs.pop(timm_name)
    for fixed, default in (("bias", True), ("add_maxpool", False), ("norm_layer", None), ("gate_layer", "sigmoid")):
        if kwargs.pop(fixed, default) != default:
            raise ValueError(f"SqueezeExcite supports only timm's default {fixed}={default!r}.")
    return SqueezeExcite(**kwargs)


_ATTN_LAYERS: dict[str, Callable[..., keras.layers.Layer]] = {
    "se": _se_module,
    "eca": EcaModule,
    "ceca": CecaModule,
}


def get_attn(attn_type) -> Callable[..., keras.layers.Layer] | None:
    """The constructor for `attn_type`: a name of the table above, `True` ("se"), a callable (returned
    as it is), or None/""/False (no attention: None)."""
    if not attn_type:
        return None
    if attn_type is True:
        return _se_module
    if isinstance(attn_type, str):
        key = attn_type.lower()
        if key not in _ATTN_LAYERS:
            raise ValueError(f"Attention layer {attn_type!r} is not ported; known: {sorted(_ATTN_LAYERS)}.")
        return _ATTN_LAYERS[key]
    if callable(attn_type):
        return attn_type
    raise ValueError(f"Invalid attention layer {attn_type!r}.")


def create_attn(attn_type, channels: int | None, **kwargs) -> keras.layers.Layer | None:
    """timm's `create_attn`: `get_attn(attn_type)(channels, **kwargs)`, or None when `attn_type` is
    empty. `kwargs` also takes Keras layer arguments (`name`, `data_format`, `dtype`)."""
    module_cls = get_attn(attn_type)
    if module_cls is None:
        return None
    return module_cls(channels, **kwargs)


__all__ = ["create_attn", "get_attn"]
