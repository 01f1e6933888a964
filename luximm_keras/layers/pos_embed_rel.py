"""Relative position embeddings: the index of a window's offsets, the learned bias per head, and
resizing a bias table to another window.

Reference: timm/layers/pos_embed_rel.py (`gen_relative_position_index`, `RelPosBias`,
`resize_rel_pos_bias_table`)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.initializers import normal_init
from luximm_keras.layers import helpers


def gen_relative_position_index(wh: int, ww: int) -> np.ndarray:
    """The `(wh*ww, wh*ww)` int array indexing a `((2wh-1)(2ww-1), heads)` relative-position table.

    Equal to timm's `gen_relative_position_index((wh, ww))`: tokens are row-major (`t = h*ww + w`) and
    `index[q, k] = (qh - kh + wh - 1) * (2ww - 1) + (qw - kw + ww - 1)`.
    """
    if wh < 1 or ww < 1:
        raise ValueError(f"gen_relative_position_index needs a window of at least 1x1, got ({wh}, {ww}).")
    hs, ws = np.meshgrid(np.arange(wh), np.arange(ww), indexing="ij")
    hs, ws = hs.reshape(-1), ws.reshape(-1)
    dh = hs[:, None] - hs[None, :] + wh - 1
    dw = ws[:, None] - ws[None, :] + ww - 1
    return (dh * (2 * ww - 1) + dw).astype("int32")


rel_pos_index = gen_relative_position_index  # the reference design's name


@serializable
class RelPosBias(keras.layers.Layer):
    """Adds `table[gen_relative_position_index(window)]`, shaped `(1, heads, L, L)`, to attention scores.

    The table `relative_position_bias_table` is `((2Wh-1)(2Ww-1), num_heads)`, timm's parameter of the
    same name; the index is a constant derived from the window (timm keeps it as a non-persistent
    buffer, so it is not in checkpoints either).

    Args:
        window_size: `(Wh, Ww)` of the attention window.
        num_heads: number of attention heads.

    Reference: timm/layers/pos_embed_rel.py `RelPosBias`.
    """

    timm_mapping = {"relative_position_bias_table": ("relative_position_bias_table", "identity")}

    def __init__(self, window_size: int | Sequence[int], num_heads: int, **kwargs):
        super().__init__(**kwargs)
        self.window_size = helpers.to_pair(window_size, "window_size")
        self.num_heads = int(num_heads)
        self.window_area = self.window_size[0] * self.window_size[1]
        self.relative_position_index = gen_relative_position_index(*self.window_size).reshape(-1)

    def build(self, input_shape=None):
        num_relative = (2 * self.window_size[0] - 1) * (2 * self.window_size[1] - 1)
        self.relative_position_bias_table = self.add_weight(
            name="relative_position_bias_table",
            shape=(num_relative, self.num_heads),
            # timm's trunc_normal_(std=.02) cuts at +-2 absolute, i.e. 100 std: a plain normal.
            initializer=normal_init(0.02),
        )

    def get_bias(self):
        """The `(1, heads, L, L)` bias, in the table's dtype."""
        bias = backend_ops.take(self.relative_position_bias_table, self.relative_position_index, axis=0)
        bias = ops.reshape(bias, (self.window_area, self.window_area, self.num_heads))
        return ops.expand_dims(ops.transpose(bias, (2, 0, 1)), 0)

    def call(self, attn):
        return attn + ops.cast(self.get_bias(), attn.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"window_size": self.window_size, "num_heads": self.num_heads})
        return config


# Resizing a checkpoint's table to another window (timm's pretrained loading)


def _calc_positions(src: int, dst: int) -> list[float]:
    """timm's `_calc` in `resize_rel_pos_bias_table`: geometrically spaced source offsets (python floats)."""

    def geometric_progression(a, r, n):
        return a * (1.0 - r**n) / (1.0 - r)

    left, right = 1.01, 1.5
    while right - left > 1e-6:
        q = (left + right) / 2.0
        if geometric_progression(1, q, src // 2) > dst // 2:
            right = q
        else:
            left = q
    dis, cur = [], 1
    for i in range(src // 2):
        dis.append(cur)
        cur += q ** (i + 1)
    return [-d for d in reversed(dis)] + [0] + dis


def _interp_grid_linear(points: tuple[np.ndarray, np.ndarray], values: np.ndarray, query) -> np.ndarray:
    """timm's `RegularGridInterpolator` (linear on a rectilinear grid), in float32 as timm runs it."""
    idxs, dists, overalls = [], [], []
    for p, x in zip(points, query):
        idx_right = np.searchsorted(p, x, side="left")  # torch.bucketize(x, p), right=False
        idx_right = np.minimum(idx_right, p.shape[0] - 1)
        idx_left = np.clip(idx_right - 1, 0, p.shape[0] - 1)
        dist_left = np.maximum(x - p[idx_left], np.float32(0))
        dist_right = np.maximum(p[idx_right] - x, np.float32(0))
        both_zero = (dist_left == 0) & (dist_right == 0)
        dist_left[both_zero] = 1.0
        dist_right[both_zero] = 1.0
        idxs.append((idx_left, idx_right))
        dists.append((dist_left, dist_right))
        overalls.append(dist_left + dist_right)
    numerator = np.zeros(query[0].shape, np.float32)
    for onoff in itertools.product([0, 1], repeat=2):
        corner = values[idxs[0][onoff[0]], idxs[1][onoff[1]]]
        numerator = numerator + corner * (dists[0][1 - onoff[0]] * dists[1][1 - onoff[1]])
    return numerator / (overalls[0] * overalls[1])


def resize_rel_pos_bias_table(
    table: np.ndarray,
    new_window_size: tuple[int, int],
    new_bias_shape: tuple[int, int],
    old_window_size: tuple[int, int] | None = None,
) -> np.ndarray:
    """timm's `resize_rel_pos_bias_table` for a flat `(num_pos, heads)` table, in numpy: each head's
    `(2Wh-1, 2Ww-1)` grid is resampled linearly from geometrically spaced source offsets (timm's
    default path, without scipy). Returns the table unchanged when the source grid already fits.

    Reference: timm/layers/pos_embed_rel.py `resize_rel_pos_bias_table`.
    """
    table = np.asarray(table)
    if table.ndim != 2:
        raise ValueError(f"expected a flat (num_pos, heads) table, got shape {table.shape}.")
    dst_size = (new_window_size[0] * 2 - 1, new_window_size[1] * 2 - 1)
    dst_num_pos = new_bias_shape[0]
    src_num_pos, num_heads = table.shape
    num_extra = dst_num_pos - dst_size[0] * dst_size[1]
    if old_window_size is not None:
        src_size = (old_window_size[0] * 2 - 1, old_window_size[1] * 2 - 1)
    else:
        src_no_extra = src_num_pos - num_extra
        side = int(src_no_extra**0.5)
        if side * side == src_no_extra:
            src_size = (side, side)
        elif src_no_extra == dst_size[0] * dst_size[1]:
            src_size = dst_size
        else:
            raise ValueError(
                f"Cannot infer a non-square source window for a relative position table of size "
                f"{src_num_pos}; pass old_window_size."
            )
    if src_size == dst_size:
        return table

    dtype = table.dtype
    extra = None
    if num_extra:
        extra, table = table[-num_extra:], table[:-num_extra]
    grid = (
        np.asarray(_calc_positions(src_size[0], dst_size[0]), np.float32),
        np.asarray(_calc_positions(src_size[1], dst_size[1]), np.float32),
    )
    ty, tx = dst_size[0] // 2.0, dst_size[1] // 2.0
    dy = np.arange(-ty, ty + 0.1, 1.0, dtype=np.float32)
    dx = np.arange(-tx, tx + 0.1, 1.0, dtype=np.float32)
    query = np.meshgrid(dy, dx, indexing="ij")
    heads = []
    for h in range(num_heads):
        z = table[:, h].reshape(src_size).astype(np.float32)
        heads.append(_interp_grid_linear(grid, z, query).reshape(-1, 1))
    out = np.concatenate(heads, axis=-1)
    if extra is not None:
        out = np.concatenate([out, extra.astype(np.float32)], axis=0)
    return out.astype(dtype)
