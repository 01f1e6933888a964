"""Absolute position embeddings resampled to another patch grid (timm's pretrained loading at
another image size).

Reference: timm/layers/pos_embed.py (`resample_abs_pos_embed`)
"""

from __future__ import annotations

import math

import keras
import numpy as np


def _linear_align_corners(grid: np.ndarray, size: int, axis: int) -> np.ndarray:
    """Linear interpolation along `axis` with `align_corners=True` (the end samples kept), as torch's
    `F.interpolate(mode="bilinear", align_corners=True)` along one axis; Keras' resize has no such mode."""
    old = grid.shape[axis]
    if size == 1 or old == 1:
        return np.take(grid, np.zeros(size, dtype=int), axis=axis)
    where = np.arange(size, dtype="float64") * (old - 1) / (size - 1)
    lo = np.minimum(np.floor(where).astype(int), old - 2)
    frac = (where - lo).reshape([-1 if a == axis else 1 for a in range(grid.ndim)])
    return np.take(grid, lo, axis=axis) * (1 - frac) + np.take(grid, lo + 1, axis=axis) * frac


def resample_abs_pos_embed(
    pos_embed: np.ndarray,
    new_size: tuple[int, int],
    old_size: tuple[int, int] | None = None,
    num_prefix_tokens: int = 1,
    interpolation: str = "bicubic",
    antialias: bool = True,
    align_corners: bool | None = None,
) -> np.ndarray:
    """timm's `resample_abs_pos_embed` on a `(1, prefix + H*W, D)` array: the patch grid resized
    (timm's default: bicubic, antialiased; FlexiViT and RADIO: bilinear without antialias, some
    RADIO with `align_corners`), the prefix (class, register) entries kept as they are. `old_size`
    defaults to a square grid."""
    pos_embed = np.asarray(pos_embed)
    num_new_tokens = new_size[0] * new_size[1] + num_prefix_tokens
    if old_size is None:
        side = int(math.sqrt(pos_embed.shape[1] - num_prefix_tokens))
        old_size = (side, side)
    if num_new_tokens == pos_embed.shape[1] and tuple(old_size) == tuple(new_size):
        return pos_embed
    prefix, grid = pos_embed[:, :num_prefix_tokens], pos_embed[:, num_prefix_tokens:]
    grid = grid.astype("float32").reshape(1, old_size[0], old_size[1], -1)
    if align_corners:
        if interpolation != "bilinear" or antialias:
            raise ValueError("align_corners is only supported for bilinear resampling without antialias.")
        grid = _linear_align_corners(_linear_align_corners(grid, new_size[0], 1), new_size[1], 2)
    else:
        # Keras' antialiased bicubic matches torch's F.interpolate(..., antialias=True) to ~5e-6 on every
        # backend; its bilinear without antialias is torch's half-pixel `align_corners=False`.
        grid = keras.ops.image.resize(
            grid, tuple(new_size), interpolation=interpolation, antialias=antialias, data_format="channels_last"
        )
        grid = keras.ops.convert_to_numpy(grid)
    grid = np.asarray(grid).reshape(1, new_size[0] * new_size[1], -1).astype(pos_embed.dtype)
    return np.concatenate([prefix, grid], axis=1)
