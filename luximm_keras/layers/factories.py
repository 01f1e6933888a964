"""The reference design's constructors (`std_conv`, `layernorm2d`, ...), one per block, with its
parameter names, so its documentation maps one to one onto this package.

They take the channel counts that the reference design needs and Keras infers, and return the layer
already built for them (channels-last): the weights exist at once (a checkpoint can be loaded straight
away) and an input with other channels is refused with Keras' input-spec error.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from luximm_keras.layers import helpers
from luximm_keras.layers.attention import MultiHeadSelfAttention
from luximm_keras.layers.grn import GlobalResponseNorm
from luximm_keras.layers.norm import LayerNorm2D
from luximm_keras.layers.patch_embed import PatchEmbed
from luximm_keras.layers.squeeze_excite import SqueezeExcite
from luximm_keras.layers.std_conv import StdConv2D

# The two blocks that belong to a model family (ViT's `Block`, MaxxViT's `Attention2d`) live in their
# family's module, which imports this package: imported where used, not at import time.


def _positive(name: str, value) -> int:
    if not isinstance(value, int) or value < 1:
        raise ValueError(f"`{name}` must be a positive int, got {value!r}.")
    return value


def _built(layer: keras.layers.Layer, input_shape: tuple) -> keras.layers.Layer:
    layer.build(input_shape)
    return layer


def std_conv(
    kh: int, kw: int, in_channels: int, out_channels: int, *, stride: int = 1, pad=0, eps: float = 1e-8
) -> StdConv2D:
    """A built `StdConv2D(out_channels, (kh, kw), strides=stride, padding=pad, epsilon=eps)` for
    `in_channels` inputs (BiT)."""
    layer = StdConv2D(
        _positive("out_channels", out_channels), (kh, kw), strides=stride, padding=pad, epsilon=eps
    )
    return _built(layer, (None, None, None, _positive("in_channels", in_channels)))


def layernorm2d(channels: int, *, eps: float = 1e-6) -> LayerNorm2D:
    """A built `LayerNorm2D(epsilon=eps)` for `channels` channels (ConvNeXt)."""
    return _built(LayerNorm2D(epsilon=eps), (None, None, None, _positive("channels", channels)))


def grn_layer(channels: int, *, eps: float = 1e-6) -> GlobalResponseNorm:
    """A built `GlobalResponseNorm(epsilon=eps)` for `channels` channels (ConvNeXt-V2)."""
    return _built(GlobalResponseNorm(epsilon=eps), (None, None, None, _positive("channels", channels)))


def se_block(
    channels: int,
    *,
    rd_ratio: float = 1 / 16,
    rd_divisor: int = 8,
    rd_channels: int | None = None,
    act="relu",
) -> SqueezeExcite:
    """A built `SqueezeExcite` for `channels` channels (SE-ResNet; CoAtNet with `act="silu"`)."""
    layer = SqueezeExcite(rd_ratio=rd_ratio, rd_divisor=rd_divisor, rd_channels=rd_channels, activation=act)
    return _built(layer, (None, None, None, _positive("channels", channels)))


def patch_embed(in_chans: int, embed_dim: int, *, patch: int | Sequence[int] = 16) -> PatchEmbed:
    """A built `PatchEmbed(embed_dim, patch_size=patch)` for `in_chans`-channel images (ViT)."""
    layer = PatchEmbed(_positive("embed_dim", embed_dim), patch_size=patch)
    return _built(layer, (None, None, None, _positive("in_chans", in_chans)))


def mhsa(dim: int, *, num_heads: int, qkv_bias: bool = True) -> MultiHeadSelfAttention:
    """A built `MultiHeadSelfAttention(dim, num_heads, qkv_bias)` (ViT)."""
    layer = MultiHeadSelfAttention(_positive("dim", dim), num_heads=num_heads, qkv_bias=qkv_bias)
    return _built(layer, (None, None, dim))


def vit_block(dim: int, *, num_heads: int, mlp_ratio: float = 4, eps: float = 1e-6):
    """A built pre-norm `ViTBlock(dim, num_heads, mlp_ratio, epsilon=eps)` (timm's ViT `Block`)."""
    from luximm_keras.models.vision_transformer import ViTBlock

    layer = ViTBlock(_positive("dim", dim), num_heads=num_heads, mlp_ratio=mlp_ratio, epsilon=eps)
    return _built(layer, (None, None, dim))


def vit_layernorm(dim: int, *, eps: float = 1e-6) -> keras.layers.LayerNormalization:
    """A built `keras.layers.LayerNormalization(epsilon=eps)` over the last axis, width `dim` (ViT's
    `norm`); Keras' default epsilon is 1e-3, timm's ViT uses 1e-6."""
    layer = _built(keras.layers.LayerNormalization(axis=-1, epsilon=eps), (None, _positive("dim", dim)))
    # Keras' LayerNormalization sets no input spec; without one a wrong width fails deep in the op.
    layer.input_spec = keras.layers.InputSpec(min_ndim=2, axes={-1: dim})
    return layer


def rel_pos_attention(
    dim: int, dim_out: int | None = None, *, dim_head: int = 32, window: int | Sequence[int]
):
    """A built `RelPosAttention2D(dim, dim_out, dim_head, window_size=window)` (CoAtNet's
    `Attention2d` with `RelPosBias`)."""
    from luximm_keras.models.maxxvit import RelPosAttention2D

    wh, ww = helpers.to_pair(window, "window")
    layer = RelPosAttention2D(_positive("dim", dim), dim_out, dim_head=dim_head, window_size=(wh, ww))
    return _built(layer, (None, wh, ww, dim))
