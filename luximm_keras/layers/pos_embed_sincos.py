"""Rotary position embeddings: EVA-02's and ROPE-ViT's axial tables (`RotaryEmbeddingCat`) and DINOv3's
(`RotaryEmbeddingDinoV3`), computed on the host as numpy constants for one fixed patch grid; ROPE-ViT's
mixed embeddings (`RotaryEmbeddingMixed`), whose frequencies are learned, as a Keras layer; and their
application to queries and keys, in the interleaved or the half layout.

Reference: timm/layers/pos_embed_sincos.py (`freq_bands`, `pixel_freq_bands`, `build_rotary_pos_embed`,
`RotaryEmbeddingCat`, `RotaryEmbeddingDinoV3`, `RotaryEmbeddingMixed`, `apply_rot_embed_cat`)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable


def freq_bands(num_bands: int, temperature: float = 10000.0, step: int = 2) -> np.ndarray:
    """timm's `freq_bands`: `1 / temperature ** (arange(0, num_bands, step) / num_bands)`, float32."""
    exp = np.arange(0, num_bands, step, dtype=np.int64).astype(np.float32) / np.float32(num_bands)
    return (np.float32(1.0) / (np.float32(temperature) ** exp)).astype(np.float32)


def pixel_freq_bands(num_bands: int, max_freq: float = 224.0, linear_bands: bool = True) -> np.ndarray:
    """timm's `pixel_freq_bands`: linearly or log spaced bands up to `max_freq / 2`, times pi, float32."""
    if linear_bands:
        bands = np.linspace(1.0, max_freq / 2, num_bands, dtype=np.float32)
    else:
        bands = (2 ** np.linspace(0, np.log2(max_freq) - 1, num_bands, dtype=np.float32)).astype(np.float32)
    return (bands * np.float32(np.pi)).astype(np.float32)


def build_rotary_pos_embed(
    feat_shape: Sequence[int],
    dim: int = 64,
    max_res: int = 224,
    temperature: float = 10000.0,
    linear_bands: bool = False,
    in_pixels: bool = True,
    ref_feat_shape: Sequence[int] | None = None,
    grid_offset: float = 0.0,
    grid_indexing: str = "ij",
    rotate_half: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """timm's `build_rotary_pos_embed` (no coordinate augmentation): `(sin, cos)`, each
    `(prod(feat_shape), dim)` float32, rows in row-major grid order, over the axes' bands concatenated
    (`dim // 4` bands per axis), each frequency repeated twice: interleaved (`[f0, f0, f1, f1, ...]`)
    or, with `rotate_half`, the half layout (`[f0, f1, ..., f0, f1, ...]`).

    `in_pixels` chooses timm's pixel bands on a `[-1, 1]` grid; otherwise inverse-frequency bands
    (`temperature`) on integer positions (plus `grid_offset`), rescaled onto `ref_feat_shape` when given
    (EVA's scheme for fine-tuning at another resolution).
    """
    num_bands = dim // 4
    if in_pixels:
        bands = pixel_freq_bands(num_bands, float(max_res), linear_bands=linear_bands)
    else:
        bands = freq_bands(num_bands, temperature=temperature, step=1)
    shape = list(feat_shape)
    ref = None if ref_feat_shape is None else list(ref_feat_shape)
    if grid_indexing == "xy":
        shape[0], shape[1] = shape[1], shape[0]
        if ref is not None:
            ref[0], ref[1] = ref[1], ref[0]
    if in_pixels:
        axes = [np.linspace(-1.0, 1.0, s, dtype=np.float32) for s in shape]
    else:
        axes = [np.arange(s, dtype=np.int64).astype(np.float32) + np.float32(grid_offset) for s in shape]
    if ref is not None:
        axes = [(t / np.float32(f) * np.float32(r)).astype(np.float32) for t, f, r in zip(axes, shape, ref)]
    grid = np.stack(np.meshgrid(*axes, indexing=grid_indexing), axis=-1).astype(np.float32)
    pos = grid[..., None] * bands  # (*feat_shape, ndim, num_bands)
    rows = int(np.prod(feat_shape))
    sin = rope_layout(np.sin(pos).reshape(rows, -1), rotate_half)
    cos = rope_layout(np.cos(pos).reshape(rows, -1), rotate_half)
    return sin, cos


def rope_layout(x: np.ndarray, rotate_half: bool = False) -> np.ndarray:
    """timm's `_rope_layout`: per-frequency values `(..., D/2)` to `(..., D)`, interleaved
    (`[f0, f0, f1, f1, ...]`) or half (`[f0, f1, ..., f0, f1, ...]`)."""
    if rotate_half:
        return np.concatenate([x, x], axis=-1).astype(np.float32)
    return np.repeat(x, 2, axis=-1).astype(np.float32)


class RotaryEmbeddingCat:
    """Axial rotary position embeddings for a fixed patch grid, as the concatenated `[sin | cos]`
    table timm's `RotaryEmbeddingCat.get_embed()` returns: `(H * W, 2 * dim)`, float32 numpy, made once
    on the host (timm keeps it as a non-persistent buffer: nothing to load).

    Args:
        dim: the per-head width the rotation acts on (timm builds it with `embed_dim // num_heads`).
        feat_shape: the patch grid `(H, W)`.
        temperature, in_pixels, linear_bands, max_res, ref_feat_shape, grid_offset, grid_indexing,
            rotate_half: as `build_rotary_pos_embed`.

    Example:
        >>> RotaryEmbeddingCat(64, (16, 16), in_pixels=False).get_embed().shape
        (256, 128)

    Reference: timm/layers/pos_embed_sincos.py `RotaryEmbeddingCat`.
    """

    def __init__(
        self,
        dim: int,
        feat_shape: Sequence[int],
        max_res: int = 224,
        temperature: float = 10000.0,
        in_pixels: bool = True,
        linear_bands: bool = False,
        ref_feat_shape: Sequence[int] | None = None,
        grid_offset: float = 0.0,
        grid_indexing: str = "ij",
        rotate_half: bool = False,
    ):
        self.dim = int(dim)
        self.feat_shape = tuple(int(s) for s in feat_shape)
        self.max_res = max_res
        self.temperature = float(temperature)
        self.in_pixels = bool(in_pixels)
        self.linear_bands = bool(linear_bands)
        self.ref_feat_shape = None if ref_feat_shape is None else tuple(int(s) for s in ref_feat_shape)
        self.grid_offset = float(grid_offset)
        self.grid_indexing = grid_indexing
        self.rotate_half = bool(rotate_half)

    def get_embed(self) -> np.ndarray:
        sin, cos = build_rotary_pos_embed(
            self.feat_shape, dim=self.dim, max_res=self.max_res, temperature=self.temperature,
            linear_bands=self.linear_bands, in_pixels=self.in_pixels, ref_feat_shape=self.ref_feat_shape,
            grid_offset=self.grid_offset, grid_indexing=self.grid_indexing, rotate_half=self.rotate_half,
        )
        return np.concatenate([sin, cos], axis=-1)


def rot(x):
    """`[x0, x1, x2, x3, ...] -> [-x1, x0, -x3, x2, ...]` over the last axis (timm's `rot`)."""
    shape = ops.shape(x)
    pairs = ops.reshape(x, (*shape[:-1], x.shape[-1] // 2, 2))
    return ops.reshape(ops.stack([-pairs[..., 1], pairs[..., 0]], axis=-1), shape)


def rope_rotate_half(x):
    """`[x0, x1, x2, x3, x4, x5] -> [-x3, -x4, -x5, x0, x1, x2]` over the last axis (timm's
    `rope_rotate_half`)."""
    first, second = ops.split(x, 2, axis=-1)
    return ops.concatenate([-second, first], axis=-1)


def apply_rot_embed_cat(x, emb, half: bool = False):
    """`x * cos + rot(x) * sin` with `emb = [sin | cos]` on its last axis, as timm's
    `apply_rot_embed_cat`: the interleaved layout (`rot`), or with `half` the half layout
    (`rope_rotate_half`); `emb` broadcasts against `x`, the result has x's dtype."""
    x = ops.convert_to_tensor(x)
    sin_emb, cos_emb = ops.split(emb, 2, axis=-1)
    rotated = rope_rotate_half(x) if half else rot(x)
    out = x * ops.cast(cos_emb, x.dtype) + rotated * ops.cast(sin_emb, x.dtype)
    return out


class RotaryEmbeddingDinoV3:
    """DINOv3's rotary position embeddings for a fixed patch grid, as the concatenated `[sin | cos]`
    table timm's `RotaryEmbeddingDinoV3.get_embed()` returns in eval mode: `(H * W, 2 * dim)`, float32
    numpy, made once on the host (timm keeps it, and the periods, as non-persistent buffers).

    Coordinates are the 0.5-centred patch positions (plus `grid_offset`) divided by the grid's size
    (`normalize_coords`: each axis by its own, or both by the smaller or larger side), mapped to
    `[-1, 1]`; the angles are `2 pi * coord / period` with periods `temperature ** (2 i / (dim / 2))`
    (or geometric from `min_period` to `max_period`), per axis then concatenated.

    Not ported: timm's training-time coordinate augmentation (`shift_coords`, `jitter_coords`,
    `rescale_coords`, applied only when the module is training); the table here is timm's eval table
    in training too.

    Args:
        dim: the per-head width the rotation acts on.
        feat_shape: the patch grid `(H, W)`.
        temperature, min_period, max_period: the period schedule.
        normalize_coords: `"separate"`, `"min"` or `"max"`.
        grid_offset: added to the centred positions before normalizing.
        grid_indexing: `"ij"` (height, then width coordinates) or `"xy"`.
        rotate_half: the half layout (timm's default here) or interleaved.

    Example:
        >>> RotaryEmbeddingDinoV3(64, (16, 16)).get_embed().shape
        (256, 128)

    Reference: timm/layers/pos_embed_sincos.py `RotaryEmbeddingDinoV3`.
    """

    def __init__(
        self,
        dim: int,
        feat_shape: Sequence[int],
        temperature: float | None = 100.0,
        min_period: float | None = None,
        max_period: float | None = None,
        normalize_coords: str = "separate",
        grid_offset: float = 0.0,
        grid_indexing: str = "ij",
        rotate_half: bool = True,
    ):
        if normalize_coords not in ("separate", "min", "max"):
            raise ValueError(f"`normalize_coords` must be 'separate', 'min' or 'max', got {normalize_coords!r}.")
        self.dim = int(dim)
        self.feat_shape = tuple(int(s) for s in feat_shape)
        self.temperature = None if temperature is None else float(temperature)
        self.min_period = min_period
        self.max_period = max_period
        self.normalize_coords = normalize_coords
        self.grid_offset = float(grid_offset)
        self.grid_indexing = grid_indexing
        self.rotate_half = bool(rotate_half)

    def periods(self) -> np.ndarray:
        bands = self.dim // 4
        if self.min_period is not None and self.max_period is not None:
            exponents = np.linspace(0, 1, bands, dtype=np.float32)
            ratio = np.float32(self.max_period / self.min_period)
            return (np.float32(self.min_period) * ratio**exponents).astype(np.float32)
        if self.temperature is None:
            raise ValueError("Provide either min/max periods or `temperature`.")
        exponents = np.float32(2.0) * np.arange(bands, dtype=np.float32) / np.float32(self.dim // 2)
        return (np.float32(self.temperature) ** exponents).astype(np.float32)

    def coords(self) -> np.ndarray:
        """timm's `_build_grid(grid_type="centered")`, flattened: `(H * W, 2)` float32."""
        shape = list(self.feat_shape)
        if self.grid_indexing == "xy":
            shape[0], shape[1] = shape[1], shape[0]
        if self.normalize_coords == "max":
            denom = [float(max(shape))] * 2
        elif self.normalize_coords == "min":
            denom = [float(min(shape))] * 2
        else:
            denom = [float(s) for s in shape]
        axes = [
            ((np.arange(0.5, s, dtype=np.float32) + np.float32(self.grid_offset)) / np.float32(d)).astype(np.float32)
            for s, d in zip(shape, denom)
        ]
        grid = np.stack(np.meshgrid(*axes, indexing=self.grid_indexing), axis=-1).astype(np.float32)
        grid = (np.float32(2.0) * grid - np.float32(1.0)).astype(np.float32)
        return grid.reshape(-1, 2)

    def get_embed(self) -> np.ndarray:
        coords = self.coords()
        angles = (np.float32(2 * math.pi) * coords[:, :, None]).astype(np.float32) / self.periods()[None, None, :]
        angles = angles.astype(np.float32).reshape(coords.shape[0], -1)
        sin = rope_layout(np.sin(angles), self.rotate_half)
        cos = rope_layout(np.cos(angles), self.rotate_half)
        return np.concatenate([sin, cos], axis=-1)


def rope_table(
    rope_type: str,
    dim: int,
    feat_shape: Sequence[int],
    temperature: float = 10000.0,
    ref_feat_shape: Sequence[int] | None = None,
    grid_offset: float = 0.0,
    grid_indexing: str = "ij",
    rotate_half: bool = False,
) -> np.ndarray:
    """The fixed `[sin | cos]` table `(H * W, 2 * dim)` of timm's `Eva` rope types with fixed tables:
    `"cat"` (`RotaryEmbeddingCat`, inverse-frequency bands on integer positions, `in_pixels=False`) and
    `"dinov3"` (`RotaryEmbeddingDinoV3`). Reference: timm/models/eva.py `Eva.__init__`,
    timm/layers/pos_embed_sincos.py `create_rope_embed`."""
    if rope_type == "cat":
        return RotaryEmbeddingCat(
            dim, feat_shape, temperature=temperature, in_pixels=False, ref_feat_shape=ref_feat_shape,
            grid_offset=grid_offset, grid_indexing=grid_indexing, rotate_half=rotate_half,
        ).get_embed()
    if rope_type == "dinov3":
        return RotaryEmbeddingDinoV3(
            dim, feat_shape, temperature=temperature, grid_offset=grid_offset, grid_indexing=grid_indexing,
            rotate_half=rotate_half,
        ).get_embed()
    raise ValueError(f"`rope_type` must be 'cat' or 'dinov3' for a fixed table, got {rope_type!r}.")


def mixed_grid(feat_shape: Sequence[int], grid_indexing: str = "xy") -> tuple[np.ndarray, np.ndarray]:
    """timm's `get_mixed_grid`: integer patch positions `(t_x, t_y)`, each `(H * W,)` float32, rows in
    row-major grid order; with `"xy"`, `t_x` runs along the width."""
    shape = list(feat_shape)
    if grid_indexing == "xy":
        shape[0], shape[1] = shape[1], shape[0]
    axes = [np.arange(s, dtype=np.int64).astype(np.float32) for s in shape]
    grid = np.stack(np.meshgrid(*axes, indexing=grid_indexing), axis=-1).astype(np.float32).reshape(-1, 2)
    return np.ascontiguousarray(grid[:, 0]), np.ascontiguousarray(grid[:, 1])


def init_random_2d_freqs(
    head_dim: int, depth: int, num_heads: int, temperature: float = 10.0, rotate: bool = True, seed=None
) -> np.ndarray:
    """timm's `init_random_2d_freqs`: `(2, depth, num_heads, head_dim // 2)` float32 frequencies, the
    inverse-frequency magnitudes turned by a random angle per block and head (NumPy's draws, not
    torch's: the same distribution). The angles come from `seed`'s generator, or without one from
    NumPy's global generator, which `keras.utils.set_random_seed` seeds: builds then repeat."""
    mag = (1.0 / (np.float32(temperature) ** (np.arange(0, head_dim, 4, dtype=np.float32) / np.float32(head_dim))))
    mag = mag.astype(np.float32)[None, None, :]
    if rotate:
        shape = (depth, num_heads, 1)
        uniform = np.random.random_sample(shape) if seed is None else np.random.default_rng(seed).random(shape)
        angles = uniform.astype(np.float32) * np.float32(2 * np.pi)
    else:
        angles = np.zeros((depth, num_heads, 1), np.float32)
    fx = np.concatenate([mag * np.cos(angles), mag * np.cos(angles + np.pi / 2)], axis=-1)
    fy = np.concatenate([mag * np.sin(angles), mag * np.sin(angles + np.pi / 2)], axis=-1)
    return np.stack([fx, fy], axis=0).astype(np.float32)


@serializable
class RotaryEmbeddingMixed(keras.layers.Layer):
    """ROPE-ViT's mixed rotary embeddings: learned 2-D frequencies per block and head (`freqs`,
    `(2, depth, num_heads, head_dim // 2)`, timm's `rope.freqs`), combined over a fixed patch grid into
    each block's `[sin | cos]` table (interleaved layout).

    Called on the tokens (only to place it in a graph; their values are not used), it returns every
    block's table, `(depth, H * W, num_heads, 2 * head_dim)`: block `i` takes `[i]`, which broadcasts
    over the batch of `(B, H * W, num_heads, head_dim)` queries and keys. The angles and sin/cos are
    computed in float32 whatever the compute dtype (as timm's `get_mixed_freqs`), the tables returned in
    the compute dtype. The output depends on the variable only, not on the input's values, and has no
    batch axis.

    Not ported: timm's training-time coordinate augmentation (none of the pretrained models set it).

    Args:
        dim: the model width (timm's `RotaryEmbeddingMixed(dim=embed_dim)`); `dim // num_heads` must be
            divisible by 4.
        depth: blocks.
        num_heads: attention heads.
        feat_shape: the patch grid `(H, W)`.
        temperature: the frequencies' initial temperature.
        grid_indexing: `"xy"` (timm's default) or `"ij"`.

    Example:
        >>> RotaryEmbeddingMixed(64, depth=2, num_heads=2, feat_shape=(4, 4))(keras.ops.ones((1, 17, 64))).shape
        (2, 16, 2, 64)

    Reference: timm/layers/pos_embed_sincos.py `RotaryEmbeddingMixed`, `get_mixed_freqs`.
    """

    timm_mapping = {"freqs": ("freqs", "identity")}

    def __init__(
        self,
        dim: int,
        depth: int,
        num_heads: int,
        feat_shape: Sequence[int],
        temperature: float = 10.0,
        grid_indexing: str = "xy",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.dim = int(dim)
        self.depth = int(depth)
        self.num_heads = int(num_heads)
        self.head_dim = self.dim // self.num_heads
        if self.dim % self.num_heads or self.head_dim % 4:
            raise ValueError(f"mixed rope needs dim ({dim}) / num_heads ({num_heads}) divisible by 4.")
        self.feat_shape = tuple(int(s) for s in feat_shape)
        self.temperature = float(temperature)
        self.grid_indexing = grid_indexing
        self._t_x, self._t_y = mixed_grid(self.feat_shape, grid_indexing)

    def build(self, input_shape):
        freqs = init_random_2d_freqs(self.head_dim, self.depth, self.num_heads, self.temperature)
        self.freqs = self.add_weight(
            name="freqs", shape=freqs.shape, initializer=keras.initializers.Constant(freqs), autocast=False,
        )

    def call(self, inputs):
        freqs = ops.cast(ops.convert_to_tensor(self.freqs), "float32")  # (2, depth, heads, half)
        t_x = backend_ops.constant(self._t_x, "float32")[None, :, None, None]
        t_y = backend_ops.constant(self._t_y, "float32")[None, :, None, None]
        angles = t_x * freqs[0][:, None] + t_y * freqs[1][:, None]  # (depth, N, heads, half)
        sin = ops.repeat(ops.sin(angles), 2, axis=-1)
        cos = ops.repeat(ops.cos(angles), 2, axis=-1)
        return ops.cast(ops.concatenate([sin, cos], axis=-1), self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (self.depth, int(np.prod(self.feat_shape)), self.num_heads, 2 * self.head_dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "dim": self.dim,
                "depth": self.depth,
                "num_heads": self.num_heads,
                "feat_shape": self.feat_shape,
                "temperature": self.temperature,
                "grid_indexing": self.grid_indexing,
            }
        )
        return config
