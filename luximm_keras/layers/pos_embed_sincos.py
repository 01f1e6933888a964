"""Rotary position embeddings (EVA-02's axial RoPE): the sin/cos tables computed on the host as numpy
constants for one fixed patch grid, and their application to queries and keys.

Reference: timm/layers/pos_embed_sincos.py (`freq_bands`, `pixel_freq_bands`, `build_rotary_pos_embed`,
`RotaryEmbeddingCat`, `apply_rot_embed_cat`)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from keras import ops


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
) -> tuple[np.ndarray, np.ndarray]:
    """timm's `build_rotary_pos_embed` (interleaved layout, no coordinate augmentation): `(sin, cos)`,
    each `(prod(feat_shape), dim)` float32, rows in row-major grid order, each frequency repeated twice
    (`[f0, f0, f1, f1, ...]`) over the axes' bands concatenated (`dim // 4` bands per axis).

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
    sin = np.repeat(np.sin(pos).reshape(rows, -1), 2, axis=-1).astype(np.float32)
    cos = np.repeat(np.cos(pos).reshape(rows, -1), 2, axis=-1).astype(np.float32)
    return sin, cos


class RotaryEmbeddingCat:
    """Axial rotary position embeddings for a fixed patch grid, as the concatenated `[sin | cos]`
    table timm's `RotaryEmbeddingCat.get_embed()` returns: `(H * W, 2 * dim)`, float32 numpy, made once
    on the host (timm keeps it as a non-persistent buffer: nothing to load).

    Args:
        dim: the per-head width the rotation acts on (timm builds it with `embed_dim // num_heads`).
        feat_shape: the patch grid `(H, W)`.
        temperature, in_pixels, linear_bands, max_res, ref_feat_shape, grid_offset, grid_indexing: as
            `build_rotary_pos_embed`.

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

    def get_embed(self) -> np.ndarray:
        sin, cos = build_rotary_pos_embed(
            self.feat_shape, dim=self.dim, max_res=self.max_res, temperature=self.temperature,
            linear_bands=self.linear_bands, in_pixels=self.in_pixels, ref_feat_shape=self.ref_feat_shape,
            grid_offset=self.grid_offset, grid_indexing=self.grid_indexing,
        )
        return np.concatenate([sin, cos], axis=-1)


def rot(x):
    """`[x0, x1, x2, x3, ...] -> [-x1, x0, -x3, x2, ...]` over the last axis (timm's `rot`)."""
    shape = ops.shape(x)
    pairs = ops.reshape(x, (*shape[:-1], x.shape[-1] // 2, 2))
    return ops.reshape(ops.stack([-pairs[..., 1], pairs[..., 0]], axis=-1), shape)


def apply_rot_embed_cat(x, emb):
    """`x * cos + rot(x) * sin` with `emb = [sin | cos]` on its last axis (interleaved layout), as
    timm's `apply_rot_embed_cat(half=False)`; `emb` broadcasts against `x`, the result has x's dtype."""
    x = ops.convert_to_tensor(x)
    sin_emb, cos_emb = ops.split(emb, 2, axis=-1)
    out = x * ops.cast(cos_emb, x.dtype) + rot(x) * ops.cast(sin_emb, x.dtype)
    return out
