"""Swin Transformer (v1) as functional Keras models that load timm's state dicts: the window attention
with its relative position bias, the (shifted) window block and its attention mask, the patch merging,
the architecture table (Swin-T/S/B/L and the S3 searched variants), the pretrained configs, the builder
and the checkpoint filter.

Layer names are timm's module paths with `__` for `.` (`patch_embed`, `patch_embed__norm`,
`layers__1__downsample`, `layers__1__blocks__0`, `norm`, `head__fc`), so `load_timm_weights(model,
timm_model.state_dict())` loads every key. Maps are NHWC throughout, as in timm's Swin.

Reference: timm/models/swin_transformer.py
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import keras
import numpy as np
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.data.constants import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD
from luximm_keras.initializers import normal_init
from luximm_keras.layers import helpers
from luximm_keras.layers.activations import get_act
from luximm_keras.layers.drop import DropPath, calculate_drop_path_rates
from luximm_keras.layers.mlp import Mlp
from luximm_keras.layers.patch_embed import PatchEmbed
from luximm_keras.layers.pos_embed_rel import (
    gen_relative_position_index,
    resize_rel_pos_bias_table,
)
from luximm_keras.layers.window_partition import partition, partition_reverse
from luximm_keras.models._builder import (
    BuildArgs,
    FeatureMap,
    ModelGraph,
    model_input,
    timm_shapes,
)
from luximm_keras.models._pretrained import generate_default_cfgs
from luximm_keras.models._registry import register_family

# timm's Swin uses torch's `nn.LayerNorm` default eps everywhere (patch embed, blocks, merging, final).
LAYER_NORM_EPS = 1e-5
# timm's shifted-window mask value between tokens of different regions (added to the scores, not -inf).
MASK_VALUE = -100.0


@serializable
class WindowAttention(keras.layers.Layer):
    """Multi-head self-attention among the `L = Wh * Ww` tokens of each window, `(N, L, C)` in and out,
    plus a learned relative position bias per head and, for shifted windows, an additive mask.

    `qkv` and `proj` are timm's `nn.Linear`; `qkv`'s output channels are ordered
    `[q|k|v][head][head_dim]`. The bias table `relative_position_bias_table` is
    `((2Wh-1)(2Ww-1), num_heads)`, a parameter of this module in timm (not of a `rel_pos` submodule),
    gathered with `gen_relative_position_index(window_size)`.

    `call(inputs, attn_mask=None)`: `attn_mask` is timm's `(num_windows, L, L)` mask (0 within a
    region, -100 across), for inputs holding `batch * num_windows` windows, batch outermost.

    Args:
        dim: input (and output) channels.
        num_heads: attention heads.
        window_size: `(Wh, Ww)` of a window.
        head_dim: width of each head (default `dim // num_heads`); the attention width is
            `num_heads * head_dim`.
        qkv_bias: whether `qkv` has a bias (`proj` always has one, as timm's).
        attn_drop, proj_drop: dropout rates (training only).

    Example:
        >>> WindowAttention(64, num_heads=4, window_size=(4, 4))(keras.ops.ones((2, 16, 64))).shape
        (2, 16, 64)

    Reference: timm/models/swin_transformer.py `WindowAttention`.
    """

    timm_mapping = {"relative_position_bias_table": ("relative_position_bias_table", "identity")}

    def __init__(
        self,
        dim: int,
        num_heads: int,
        window_size: int | Sequence[int] = (7, 7),
        head_dim: int | None = None,
        qkv_bias: bool = True,
        attn_drop: float = 0.0,
        proj_drop: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(num_heads) < 1:
            raise ValueError(f"`num_heads` must be a positive int, got {num_heads!r}.")
        if head_dim is None and int(dim) % int(num_heads):
            raise ValueError(f"`dim` ({dim}) must be divisible by `num_heads` ({num_heads}) unless `head_dim` is set.")
        self.dim = int(dim)
        self.num_heads = int(num_heads)
        self.window_size = helpers.to_pair(window_size, "window_size")
        self.head_dim = None if head_dim is None else int(head_dim)
        self.qkv_bias = bool(qkv_bias)
        self.attn_drop_rate = float(attn_drop)
        self.proj_drop_rate = float(proj_drop)
        self.window_area = self.window_size[0] * self.window_size[1]
        self._head_width = self.head_dim or self.dim // self.num_heads
        self.attn_dim = self._head_width * self.num_heads
        self.scale = self._head_width**-0.5
        self.relative_position_index = gen_relative_position_index(*self.window_size).reshape(-1)
        self.input_spec = keras.layers.InputSpec(ndim=3, axes={1: self.window_area, 2: self.dim})
        sub = dict(dtype=self.dtype_policy)
        self.qkv = keras.layers.Dense(3 * self.attn_dim, use_bias=self.qkv_bias, name="qkv", **sub)
        self.attn_drop = keras.layers.Dropout(self.attn_drop_rate, name="attn_drop", **sub)
        self.proj = keras.layers.Dense(self.dim, name="proj", **sub)
        self.proj_drop = keras.layers.Dropout(self.proj_drop_rate, name="proj_drop", **sub)

    def build(self, input_shape):
        num_relative = (2 * self.window_size[0] - 1) * (2 * self.window_size[1] - 1)
        self.relative_position_bias_table = self.add_weight(
            name="relative_position_bias_table",
            shape=(num_relative, self.num_heads),
            # timm's trunc_normal_(std=.02) cuts at +-2 absolute, i.e. 100 std: a plain normal.
            initializer=normal_init(0.02),
        )
        self.qkv.build((None, self.dim))
        self.proj.build((None, self.attn_dim))

    def _rel_pos_bias(self):
        """timm's `_get_rel_pos_bias`: `(1, heads, L, L)`."""
        bias = backend_ops.take(self.relative_position_bias_table, self.relative_position_index, axis=0)
        bias = ops.reshape(bias, (self.window_area, self.window_area, self.num_heads))
        return ops.expand_dims(ops.transpose(bias, (2, 0, 1)), 0)

    def call(self, inputs, attn_mask=None, training=None):
        tokens = self.window_area
        qkv = ops.reshape(backend_ops.call_layer(self.qkv, inputs), (-1, tokens, 3, self.num_heads, self._head_width))
        q, k, v = qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2]  # each (B_, L, heads, head_dim)
        bias = self._rel_pos_bias()
        if attn_mask is not None:
            # (windows, L, L) -> (windows, heads, L, L), repeated over the batch (windows vary fastest).
            num_windows = attn_mask.shape[0]
            bias = bias + ops.expand_dims(ops.cast(attn_mask, bias.dtype), 1)
            bias = ops.tile(bias, (ops.shape(inputs)[0] // num_windows, 1, 1, 1))
        out = backend_ops.attention(
            q, k, v, scale=self.scale, bias=bias, dropout=self.attn_drop, training=training,
            compute_dtype=self.compute_dtype,
        )
        out = ops.reshape(out, (-1, tokens, self.attn_dim))  # timm's transpose(1, 2): heads outermost
        return backend_ops.call_layer(self.proj_drop, backend_ops.call_layer(self.proj, out), training)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "dim": self.dim,
                "num_heads": self.num_heads,
                "window_size": self.window_size,
                "head_dim": self.head_dim,
                "qkv_bias": self.qkv_bias,
                "attn_drop": self.attn_drop_rate,
                "proj_drop": self.proj_drop_rate,
            }
        )
        return config


def calc_window_shift(
    input_resolution: Sequence[int],
    window_size: int | Sequence[int],
    shift_size: int | Sequence[int],
    always_partition: bool = False,
) -> tuple[tuple[int, int], tuple[int, int]]:
    """timm's `SwinTransformerBlock._calc_window_shift`: unless `always_partition`, a window larger
    than the map shrinks to it, and there is no shift along an axis the window covers."""
    window_size = helpers.to_pair(window_size, "window_size")
    shift_size = helpers.to_pair(shift_size, "shift_size")
    if always_partition:
        return window_size, shift_size
    window = tuple(r if r <= w else w for r, w in zip(input_resolution, window_size))
    shift = tuple(0 if r <= w else s for r, w, s in zip(input_resolution, window, shift_size))
    return window, shift


def swin_attn_mask(
    input_resolution: Sequence[int], window_size: Sequence[int], shift_size: Sequence[int]
) -> np.ndarray | None:
    """timm's `SwinTransformerBlock.get_attn_mask` as float32 numpy: `(num_windows, L, L)`, 0 between
    tokens of the same region of the shifted (and padded) map, -100 otherwise; None without a shift."""
    if not any(shift_size):
        return None
    wh, ww = window_size
    sh, sw = shift_size
    height = math.ceil(input_resolution[0] / wh) * wh
    width = math.ceil(input_resolution[1] / ww) * ww
    img_mask = np.zeros((height, width), np.float32)
    count = 0
    # The same slices as timm's (numpy's negative and zero bounds behave as torch's).
    for h in (slice(0, -wh), slice(-wh, -sh), slice(-sh, None)):
        for w in (slice(0, -ww), slice(-ww, -sw), slice(-sw, None)):
            img_mask[h, w] = count
            count += 1
    windows = img_mask.reshape(height // wh, wh, width // ww, ww).transpose(0, 2, 1, 3).reshape(-1, wh * ww)
    diff = windows[:, None, :] - windows[:, :, None]
    return np.where(diff != 0, np.float32(MASK_VALUE), np.float32(0.0)).astype(np.float32)


@serializable
class SwinTransformerBlock(keras.layers.Layer):
    """`x + attn(norm1(x))` over (shifted) windows, then `x + mlp(norm2(x))`, on an NHWC map.

    The map is rolled by `-shift_size`, padded at the end to whole windows, split into windows of
    `window_size` for `attn` (`WindowAttention`, with timm's region mask when shifted), merged,
    cropped and rolled back. As in timm, a window larger than the map shrinks to the map and then does
    not shift (unless `always_partition`). The norms are `LayerNormalization`, `mlp` timm's `Mlp`
    (`mlp__fc1`, `mlp__fc2`). The map's height and width are fixed at build (the mask depends on them).

    Args:
        dim: channels of the map.
        num_heads: attention heads.
        window_size: `(Wh, Ww)` (an int: square).
        shift_size: the cyclic shift, 0 for none (timm shifts every second block by `window // 2`).
        head_dim: width of each head (default `dim // num_heads`).
        always_partition: keep the window and shift even where the map is smaller.
        mlp_ratio: the MLP hidden width is `int(dim * mlp_ratio)`.
        qkv_bias: whether the attention's `qkv` has a bias.
        activation: the MLP activation (exact GELU).
        epsilon: epsilon of the layer norms (torch's 1e-5).
        attn_drop, proj_drop: dropout rates of the attention weights and the projections / MLP.
        drop_path_rate: stochastic-depth rate of both branches.

    Example:
        >>> SwinTransformerBlock(64, num_heads=4, window_size=4, shift_size=2)(keras.ops.ones((2, 8, 8, 64))).shape
        (2, 8, 8, 64)

    Reference: timm/models/swin_transformer.py `SwinTransformerBlock`.
    """

    def __init__(
        self,
        dim: int,
        num_heads: int,
        window_size: int | Sequence[int] = 7,
        shift_size: int | Sequence[int] = 0,
        head_dim: int | None = None,
        always_partition: bool = False,
        mlp_ratio: float = 4.0,
        qkv_bias: bool = True,
        activation="gelu",
        epsilon: float = LAYER_NORM_EPS,
        attn_drop: float = 0.0,
        proj_drop: float = 0.0,
        drop_path_rate: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.dim = int(dim)
        self.num_heads = int(num_heads)
        self.window_size = helpers.to_pair(window_size, "window_size")
        self.shift_size = helpers.to_pair(shift_size, "shift_size")
        if any(s < 0 or s >= w for s, w in zip(self.shift_size, self.window_size)):
            raise ValueError(f"`shift_size` {self.shift_size} must be in [0, window_size) for window {self.window_size}.")
        self.head_dim = None if head_dim is None else int(head_dim)
        self.always_partition = bool(always_partition)
        self.mlp_ratio = float(mlp_ratio)
        self.qkv_bias = bool(qkv_bias)
        self.activation = get_act(activation)
        self.epsilon = float(epsilon)
        self.attn_drop_rate = float(attn_drop)
        self.proj_drop_rate = float(proj_drop)
        self.drop_path_rate = float(drop_path_rate)
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={-1: self.dim})
        sub = dict(dtype=self.dtype_policy)
        self.norm1 = keras.layers.LayerNormalization(epsilon=self.epsilon, name="norm1", **sub)
        self.norm2 = keras.layers.LayerNormalization(epsilon=self.epsilon, name="norm2", **sub)
        self.mlp = Mlp(int(self.dim * self.mlp_ratio), activation=self.activation, drop=self.proj_drop_rate, name="mlp", **sub)
        self.drop_path1 = DropPath(self.drop_path_rate, name="drop_path1", **sub)
        self.drop_path2 = DropPath(self.drop_path_rate, name="drop_path2", **sub)

    def build(self, input_shape):
        rows, cols, channels = input_shape[1:]
        if rows is None or cols is None:
            raise ValueError(f"{self.name}: the map's height and width must be known (the attention mask depends on them), got {input_shape}.")
        if channels != self.dim:
            raise ValueError(f"{self.name}: expected {self.dim} channels, got input shape {tuple(input_shape)}.")
        self.input_resolution = (int(rows), int(cols))
        self.input_spec = keras.layers.InputSpec(shape=(None, rows, cols, channels))
        self.attn_window, self.attn_shift = calc_window_shift(
            self.input_resolution, self.window_size, self.shift_size, self.always_partition
        )
        self.attn_mask = swin_attn_mask(self.input_resolution, self.attn_window, self.attn_shift)
        self.padding = tuple((w - r % w) % w for r, w in zip(self.input_resolution, self.attn_window))
        self.attn = WindowAttention(
            self.dim, self.num_heads, self.attn_window, head_dim=self.head_dim, qkv_bias=self.qkv_bias,
            attn_drop=self.attn_drop_rate, proj_drop=self.proj_drop_rate, name="attn", dtype=self.dtype_policy,
        )
        self.attn.build((None, self.attn_window[0] * self.attn_window[1], self.dim))
        self.norm1.build(input_shape)
        self.norm2.build(input_shape)
        self.mlp.build(input_shape)

    def _attn(self, x, training=None):
        rows, cols = self.input_resolution
        sh, sw = self.attn_shift
        if sh:
            x = ops.roll(x, -sh, axis=1)
        if sw:
            x = ops.roll(x, -sw, axis=2)
        pad_h, pad_w = self.padding
        if pad_h or pad_w:
            x = backend_ops.pad(x, [(0, 0), (0, pad_h), (0, pad_w), (0, 0)])
        padded = (rows + pad_h, cols + pad_w)
        windows = partition(x, "block", self.attn_window)
        mask = None if self.attn_mask is None else backend_ops.constant(self.attn_mask, "float32")
        windows = self.attn(windows, attn_mask=mask, training=training)
        x = partition_reverse(windows, "block", self.attn_window, padded)
        if pad_h or pad_w:
            x = x[:, :rows, :cols, :]
        if sh:
            x = ops.roll(x, sh, axis=1)
        if sw:
            x = ops.roll(x, sw, axis=2)
        return x

    def call(self, inputs, training=None):
        x = inputs + backend_ops.call_layer(self.drop_path1, self._attn(self.norm1(inputs), training), training)
        y = self.mlp(self.norm2(x), training=training)
        return x + backend_ops.call_layer(self.drop_path2, y, training)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "dim": self.dim,
                "num_heads": self.num_heads,
                "window_size": self.window_size,
                "shift_size": self.shift_size,
                "head_dim": self.head_dim,
                "always_partition": self.always_partition,
                "mlp_ratio": self.mlp_ratio,
                "qkv_bias": self.qkv_bias,
                "activation": keras.activations.serialize(self.activation),
                "epsilon": self.epsilon,
                "attn_drop": self.attn_drop_rate,
                "proj_drop": self.proj_drop_rate,
                "drop_path_rate": self.drop_path_rate,
            }
        )
        return config


@serializable
class PatchMerging(keras.layers.Layer):
    """Halves an NHWC map's height and width by concatenating each 2x2 neighbourhood's channels, then
    `norm` (`LayerNormalization` over `4C`) and `reduction` (a `Dense` to `filters`, no bias).

    The 4C channels are ordered as timm's `reshape(B, H/2, 2, W/2, 2, C).permute(0, 1, 3, 4, 2, 5)`:
    `[(row 0, col 0), (row 1, col 0), (row 0, col 1), (row 1, col 1)]`. An odd height or width is
    padded with zeros at the end first, as timm's.

    Args:
        filters: output channels (timm's `out_dim`; default twice the input's).
        epsilon: epsilon of `norm` (torch's 1e-5).

    Example:
        >>> PatchMerging()(keras.ops.ones((2, 8, 8, 64))).shape
        (2, 4, 4, 128)

    Reference: timm/models/swin_transformer.py `PatchMerging`.
    """

    def __init__(self, filters: int | None = None, epsilon: float = LAYER_NORM_EPS, **kwargs):
        super().__init__(**kwargs)
        if filters is not None and int(filters) < 1:
            raise ValueError(f"`filters` must be a positive int, got {filters!r}.")
        self.filters = None if filters is None else int(filters)
        self.epsilon = float(epsilon)
        self.input_spec = keras.layers.InputSpec(ndim=4)
        sub = dict(dtype=self.dtype_policy)
        self.norm = keras.layers.LayerNormalization(epsilon=self.epsilon, name="norm", **sub)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={-1: channels})
        self.reduction = keras.layers.Dense(
            self.filters or 2 * channels, use_bias=False, name="reduction", dtype=self.dtype_policy
        )
        self.norm.build((None, None, None, 4 * channels))
        self.reduction.build((None, None, None, 4 * channels))

    def call(self, inputs):
        x = inputs
        rows, cols = x.shape[1], x.shape[2]
        if rows is None or cols is None or rows % 2 or cols % 2:
            # One zero row / column at the end; slicing below keeps ceil(n / 2) of each parity
            # (a known even size needs no padding).
            x = backend_ops.pad(x, [(0, 0), (0, 1), (0, 1), (0, 0)])
            even = x[:, 0:-1:2]
            parts = [even[:, :, 0:-1:2], x[:, 1::2, 0:-1:2], even[:, :, 1::2], x[:, 1::2, 1::2]]
        else:
            parts = [x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]]
        x = ops.concatenate(parts, axis=-1)
        return backend_ops.call_layer(self.reduction, self.norm(x))

    def compute_output_shape(self, input_shape):
        rows, cols, channels = input_shape[1:]
        half = [None if n is None else (n + 1) // 2 for n in (rows, cols)]
        return (input_shape[0], *half, self.filters or 2 * channels)

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters, "epsilon": self.epsilon})
        return config


# ----------------------------------------------------------------------------------------------------
# The architectures


@dataclass(frozen=True)
class SwinConfig:
    """timm's `SwinTransformer` constructor arguments of one registered architecture: the first
    stage's width (doubled per stage), depths, heads and window per stage."""

    embed_dim: int
    depths: tuple[int, ...]
    num_heads: tuple[int, ...]
    window_size: tuple[int, ...]  # per stage (square windows)
    patch_size: int = 4
    head_dim: int | None = None
    mlp_ratio: float = 4.0
    qkv_bias: bool = True
    always_partition: bool = False


def _cfg4(embed_dim, depths, num_heads, window) -> SwinConfig:
    window = (window,) * len(depths) if isinstance(window, int) else tuple(window)
    return SwinConfig(embed_dim, tuple(depths), tuple(num_heads), window)


# timm's `swin_*` entrypoints with pretrained weights.
model_cfgs: dict[str, SwinConfig] = {
    "swin_tiny_patch4_window7_224": _cfg4(96, (2, 2, 6, 2), (3, 6, 12, 24), 7),
    "swin_small_patch4_window7_224": _cfg4(96, (2, 2, 18, 2), (3, 6, 12, 24), 7),
    "swin_base_patch4_window7_224": _cfg4(128, (2, 2, 18, 2), (4, 8, 16, 32), 7),
    "swin_base_patch4_window12_384": _cfg4(128, (2, 2, 18, 2), (4, 8, 16, 32), 12),
    "swin_large_patch4_window7_224": _cfg4(192, (2, 2, 18, 2), (6, 12, 24, 48), 7),
    "swin_large_patch4_window12_384": _cfg4(192, (2, 2, 18, 2), (6, 12, 24, 48), 12),
    "swin_s3_tiny_224": _cfg4(96, (2, 2, 6, 2), (3, 6, 12, 24), (7, 7, 14, 7)),
    "swin_s3_small_224": _cfg4(96, (2, 2, 18, 2), (3, 6, 12, 24), (14, 14, 14, 7)),
    "swin_s3_base_224": _cfg4(96, (2, 2, 30, 2), (3, 6, 12, 24), (7, 7, 14, 7)),
}


def _cfg(url: str = "", **kwargs) -> dict:
    return {
        "url": url,
        "num_classes": 1000, "input_size": (3, 224, 224), "pool_size": (7, 7),
        "crop_pct": 0.9, "interpolation": "bicubic", "fixed_input_size": True,
        "mean": IMAGENET_DEFAULT_MEAN, "std": IMAGENET_DEFAULT_STD,
        "first_conv": "patch_embed.proj", "classifier": "head.fc",
        "license": "mit", **kwargs,
    }


# timm's entries, in timm's order (the first with weights is an architecture's default tag).
default_cfgs = generate_default_cfgs({
    "swin_small_patch4_window7_224.ms_in22k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/SwinTransformer/storage/releases/download/v1.0.8/swin_small_patch4_window7_224_22kto1k_finetune.pth", ),
    "swin_base_patch4_window7_224.ms_in22k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/SwinTransformer/storage/releases/download/v1.0.0/swin_base_patch4_window7_224_22kto1k.pth",),
    "swin_base_patch4_window12_384.ms_in22k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/SwinTransformer/storage/releases/download/v1.0.0/swin_base_patch4_window12_384_22kto1k.pth",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0),
    "swin_large_patch4_window7_224.ms_in22k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/SwinTransformer/storage/releases/download/v1.0.0/swin_large_patch4_window7_224_22kto1k.pth",),
    "swin_large_patch4_window12_384.ms_in22k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/SwinTransformer/storage/releases/download/v1.0.0/swin_large_patch4_window12_384_22kto1k.pth",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0),

    "swin_tiny_patch4_window7_224.ms_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/SwinTransformer/storage/releases/download/v1.0.0/swin_tiny_patch4_window7_224.pth",),
    "swin_small_patch4_window7_224.ms_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/SwinTransformer/storage/releases/download/v1.0.0/swin_small_patch4_window7_224.pth",),
    "swin_base_patch4_window7_224.ms_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/SwinTransformer/storage/releases/download/v1.0.0/swin_base_patch4_window7_224.pth",),
    "swin_base_patch4_window12_384.ms_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/SwinTransformer/storage/releases/download/v1.0.0/swin_base_patch4_window12_384.pth",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0),

    # tiny 22k pretrain is worse than 1k, so moved after (untagged priority is based on order)
    "swin_tiny_patch4_window7_224.ms_in22k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/SwinTransformer/storage/releases/download/v1.0.8/swin_tiny_patch4_window7_224_22kto1k_finetune.pth",),

    "swin_tiny_patch4_window7_224.ms_in22k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/SwinTransformer/storage/releases/download/v1.0.8/swin_tiny_patch4_window7_224_22k.pth",
        num_classes=21841),
    "swin_small_patch4_window7_224.ms_in22k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/SwinTransformer/storage/releases/download/v1.0.8/swin_small_patch4_window7_224_22k.pth",
        num_classes=21841),
    "swin_base_patch4_window7_224.ms_in22k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/SwinTransformer/storage/releases/download/v1.0.0/swin_base_patch4_window7_224_22k.pth",
        num_classes=21841),
    "swin_base_patch4_window12_384.ms_in22k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/SwinTransformer/storage/releases/download/v1.0.0/swin_base_patch4_window12_384_22k.pth",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, num_classes=21841),
    "swin_large_patch4_window7_224.ms_in22k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/SwinTransformer/storage/releases/download/v1.0.0/swin_large_patch4_window7_224_22k.pth",
        num_classes=21841),
    "swin_large_patch4_window12_384.ms_in22k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/SwinTransformer/storage/releases/download/v1.0.0/swin_large_patch4_window12_384_22k.pth",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, num_classes=21841),

    "swin_s3_tiny_224.ms_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/s3_t-1d53f6a8.pth"),
    "swin_s3_small_224.ms_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/s3_s-3bb4c69d.pth"),
    "swin_s3_base_224.ms_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/s3_b-a1e95db4.pth"),
})


def swin_block(cfg: SwinConfig, stage: int, index: int, dim: int, **kwargs) -> SwinTransformerBlock:
    """timm's `SwinTransformerStage` block `index` of `stage`: shifted by half the window every
    second block."""
    window = cfg.window_size[stage]
    return SwinTransformerBlock(
        dim,
        cfg.num_heads[stage],
        window_size=window,
        shift_size=0 if index % 2 == 0 else window // 2,
        head_dim=cfg.head_dim,
        always_partition=cfg.always_partition,
        mlp_ratio=cfg.mlp_ratio,
        qkv_bias=cfg.qkv_bias,
        **kwargs,
    )


def _create_swin_transformer(variant: str, args: BuildArgs) -> ModelGraph:
    """timm's `variant` (a key of `model_cfgs`): NHWC images of `img_size` (the default pretrained
    size; the shifted-window masks depend on it) in, logits out (pooled features when
    `num_classes=0`). The feature maps are the stages' outputs (`layers.N`, NHWC), as timm's."""
    cfg = model_cfgs[variant]
    height, width = args.img_size
    patch = cfg.patch_size
    if height < patch or width < patch:
        raise ValueError(f"`img_size` must be at least the patch size {patch}, got {args.img_size!r}.")
    inputs = model_input(args.in_chans, (height, width))
    x = PatchEmbed(cfg.embed_dim, patch_size=patch, flatten=False, name="patch_embed")(inputs)
    x = keras.layers.LayerNormalization(epsilon=LAYER_NORM_EPS, name="patch_embed__norm")(x)

    features = []
    rates = calculate_drop_path_rates(args.drop_path_rate, cfg.depths, stagewise=True)
    for stage, depth in enumerate(cfg.depths):
        dim = cfg.embed_dim * 2**stage
        if stage > 0:
            x = PatchMerging(dim, epsilon=LAYER_NORM_EPS, name=f"layers__{stage}__downsample")(x)
        for index in range(depth):
            x = swin_block(
                cfg, stage, index, dim, epsilon=LAYER_NORM_EPS, drop_path_rate=rates[stage][index],
                name=f"layers__{stage}__blocks__{index}",
            )(x)
        features.append(FeatureMap(x, dim, patch * 2**stage, f"layers.{stage}"))

    x = keras.layers.LayerNormalization(epsilon=LAYER_NORM_EPS, name="norm")(x)
    # timm's ClassifierHead on NHWC: average pool over H and W, then Linear.
    x = keras.layers.GlobalAveragePooling2D(name="head__global_pool")(x)
    if args.num_classes:
        x = keras.layers.Dense(args.num_classes, name="head__fc")(x)
    return ModelGraph(inputs, x, features)


# ----------------------------------------------------------------------------------------------------
# Checkpoints

REL_POS_TABLE = "relative_position_bias_table"


def _window_attentions(model: keras.Model) -> dict[str, WindowAttention]:
    """timm module path -> the model's `WindowAttention` layers."""
    found = {}

    def walk(layer, prefix):
        for sub in layer._flatten_layers(include_self=False, recursive=False):
            path = f"{prefix}.{sub.name.replace('__', '.')}" if prefix else sub.name.replace("__", ".")
            if isinstance(sub, WindowAttention):
                found[path] = sub
            walk(sub, path)

    walk(model, "")
    return found


def checkpoint_filter_fn(state: Mapping[str, np.ndarray], model: keras.Model) -> dict[str, np.ndarray]:
    """timm's `swin_transformer.checkpoint_filter_fn`: the non-persistent buffers
    (`relative_position_index`, `attn_mask`) dropped; each relative-position table resized
    (`resize_rel_pos_bias_table`) when its shape differs from the model's (another `img_size`, where
    a window shrinks to the map) or the window is not square; and the original Microsoft checkpoints
    (downsampling at the end of a stage: `layers.0.downsample`) renamed to timm's layout
    (`layers.N.downsample` -> `layers.N+1.downsample`, `head.` -> `head.fc.`).

    timm also resamples `patch_embed.proj.weight` to another patch size; every registered
    architecture has the checkpoints' patch size (4), so a different one is left to the loader's
    shape check."""
    expected = timm_shapes(model)
    attentions = None
    old_weights = "layers.0.downsample.reduction.weight" in state
    out = {}
    for key, value in state.items():
        if "relative_position_index" in key or "attn_mask" in key:
            continue
        if key.endswith(REL_POS_TABLE) and key in expected:
            if attentions is None:
                attentions = _window_attentions(model)
            window = attentions[key[: -len("." + REL_POS_TABLE)]].window_size
            if tuple(value.shape) != expected[key] or window[0] != window[1]:
                value = resize_rel_pos_bias_table(np.asarray(value), window, expected[key])
        if old_weights:
            key = re.sub(r"layers.(\d+).downsample", lambda m: f"layers.{int(m.group(1)) + 1}.downsample", key)
            key = key.replace("head.", "head.fc.")
        out[key] = value
    return out


register_family(
    model_cfgs, _create_swin_transformer, default_cfgs, checkpoint_filter_fn, feature_out_indices=(0, 1, 2, 3)
)
