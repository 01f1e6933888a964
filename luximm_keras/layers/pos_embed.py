"""Absolute position embeddings resampled to another patch grid (timm's pretrained loading at
another image size).

Reference: timm/layers/pos_embed.py (`resample_abs_pos_embed`)
"""

from __future__ import annotations

import math

import keras
import numpy as np


def resample_abs_pos_embed(
    pos_embed: np.ndarray,
    new_size: tuple[int, int],
    old_size: tuple[int, int] | None = None,
    num_prefix_tokens: int = 1,
) -> np.ndarray:
    """timm's `resample_abs_pos_embed` (bicubic, antialiased) on a `(1, prefix + H*W, D)` array; the
    prefix (class token) entries are kept as they are. `old_size` defaults to a square grid."""
    pos_embed = np.asarray(pos_embed)
    num_new_tokens = new_size[0] * new_size[1] + num_prefix_tokens
    if old_size is None:
        side = int(math.sqrt(pos_embed.shape[1] - num_prefix_tokens))
        old_size = (side, side)
    if num_new_tokens == pos_embed.shape[1] and tuple(old_size) == tuple(new_size):
        return pos_embed
    prefix, grid = pos_embed[:, :num_prefix_tokens], pos_embed[:, num_prefix_tokens:]
    grid = grid.astype("float32").reshape(1, old_size[0], old_size[1], -1)
    # Keras' antialiased bicubic matches torch's F.interpolate(..., antialias=True) to ~5e-6 on every backend.
    grid = keras.ops.image.resize(
        grid, tuple(new_size), interpolation="bicubic", antialias=True, data_format="channels_last"
    )
    grid = keras.ops.convert_to_numpy(grid).reshape(1, new_size[0] * new_size[1], -1).astype(pos_embed.dtype)
    return np.concatenate([prefix, grid], axis=1)
