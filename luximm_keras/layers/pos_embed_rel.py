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
    """timm's `resize_rel_pos_bias_table` for a flat `(num_pos, heads)` or a TF MaxViT `(heads, H, W)` table, in numpy: each head's
    `(2Wh-1, 2Ww-1)` grid is resampled linearly from geometrically spaced source offsets (timm's
    default path, without scipy). Returns the table unchanged when the source grid already fits.

    Reference: timm/layers/pos_embed_rel.py `resize_rel_pos_bias_table`.
    """
    table = np.asarray(table)
    if table.ndim not in (2, 3):
        raise ValueError(f"expected a flat (num_pos, heads) or a TF (heads, H, W) table, got shape {table.shape}.")
    dst_size = (new_window_size[0] * 2 - 1, new_window_size[1] * 2 - 1)
    flat = table.ndim == 2
    if not flat:
        # TF MaxViT's (heads, 2Wh-1, 2Ww-1) table: no extra tokens.
        if tuple(new_bias_shape[1:]) != dst_size:
            raise ValueError(f"new_bias_shape {new_bias_shape} does not fit the window {new_window_size}.")
        num_heads, num_extra = table.shape[0], 0
        src_size = tuple(table.shape[1:])
    else:
        dst_num_pos = new_bias_shape[0]
        src_num_pos, num_heads = table.shape
        num_extra = dst_num_pos - dst_size[0] * dst_size[1]
    if flat and old_window_size is not None:
        src_size = (old_window_size[0] * 2 - 1, old_window_size[1] * 2 - 1)
    elif flat:
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
        z = (table[:, h].reshape(src_size) if flat else table[h]).astype(np.float32)
        heads.append(_interp_grid_linear(grid, z, query))
    if not flat:
        return np.stack(heads, axis=0).astype(dtype)
    out = np.concatenate([r.reshape(-1, 1) for r in heads], axis=-1)
    if extra is not None:
        out = np.concatenate([out, extra.astype(np.float32)], axis=0)
    return out.astype(dtype)


def gen_relative_log_coords(win_size: Sequence[int], mode: str = "cr") -> np.ndarray:
    """timm's `gen_relative_log_coords(win_size, mode="cr")`: the `(2Wh-1, 2Ww-1, 2)` float32 offsets
    `(dh, dw)` mapped through `sign(d) * log(1 + |d|)` (timm's 'cr' mode, the one maxxvit uses)."""
    if mode != "cr":
        raise ValueError(f"only timm's 'cr' log coordinates are ported, got mode={mode!r}.")
    hs = np.arange(-(win_size[0] - 1), win_size[0], dtype=np.float32)
    ws = np.arange(-(win_size[1] - 1), win_size[1], dtype=np.float32)
    coords = np.stack(np.meshgrid(hs, ws, indexing="ij"), axis=-1)
    return (np.sign(coords) * np.log1p(np.abs(coords))).astype(np.float32)


@serializable
class RelPosMlp(keras.layers.Layer):
    """Adds a bias computed by a small MLP from the log-spaced relative offsets of a window, shaped
    `(1, heads, L, L)`, to attention scores.

    The MLP is `mlp__fc1` (2 -> `hidden_dim`, ReLU) then `mlp__fc2` (-> `num_heads`), timm's
    `rel_pos.mlp.fc1` / `.fc2`, evaluated on `gen_relative_log_coords(window_size)` and gathered with
    `gen_relative_position_index`. The weights do not depend on the window, so checkpoints load at any
    window size.

    Args:
        window_size: `(Wh, Ww)` of the attention window.
        num_heads: number of attention heads.
        hidden_dim: width of the MLP.

    Reference: timm/layers/pos_embed_rel.py `RelPosMlp` (mode "cr", no prefix tokens).
    """

    def __init__(self, window_size: int | Sequence[int], num_heads: int = 8, hidden_dim: int = 128, **kwargs):
        super().__init__(**kwargs)
        self.window_size = helpers.to_pair(window_size, "window_size")
        self.num_heads = int(num_heads)
        self.hidden_dim = int(hidden_dim)
        self.window_area = self.window_size[0] * self.window_size[1]
        self.relative_position_index = gen_relative_position_index(*self.window_size).reshape(-1)
        self.rel_coords_log = gen_relative_log_coords(self.window_size).reshape(-1, 2)
        sub = dict(dtype=self.dtype_policy)
        self.mlp_fc1 = keras.layers.Dense(self.hidden_dim, name="mlp__fc1", **sub)
        self.mlp_fc2 = keras.layers.Dense(self.num_heads, name="mlp__fc2", **sub)

    def build(self, input_shape=None):
        self.mlp_fc1.build((None, 2))
        self.mlp_fc2.build((None, self.hidden_dim))

    def get_bias(self):
        """The `(1, heads, L, L)` bias."""
        coords = backend_ops.constant(self.rel_coords_log, self.compute_dtype)
        bias = backend_ops.call_layer(self.mlp_fc2, ops.relu(backend_ops.call_layer(self.mlp_fc1, coords)))  # timm's Mlp dropouts are 0 here
        bias = backend_ops.take(bias, self.relative_position_index, axis=0)
        bias = ops.reshape(bias, (self.window_area, self.window_area, self.num_heads))
        return ops.expand_dims(ops.transpose(bias, (2, 0, 1)), 0)

    def call(self, attn):
        return attn + ops.cast(self.get_bias(), attn.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"window_size": self.window_size, "num_heads": self.num_heads, "hidden_dim": self.hidden_dim})
        return config


def gen_relative_position_index_tf(wh: int, ww: int) -> np.ndarray:
    """The `(wh*ww, wh*ww)` index into a flattened `(2wh-1, 2ww-1)` TF MaxViT table: for query `(qh, qw)`
    and key `(kh, kw)`, `(kh - qh + wh - 1) * (2ww - 1) + (kw - qw + ww - 1)` (key minus query, the
    opposite of `gen_relative_position_index`). Equal to timm's one-hot einsum lookup."""
    hs, ws = np.meshgrid(np.arange(wh), np.arange(ww), indexing="ij")
    hs, ws = hs.reshape(-1), ws.reshape(-1)
    dh = hs[None, :] - hs[:, None] + wh - 1
    dw = ws[None, :] - ws[:, None] + ww - 1
    return (dh * (2 * ww - 1) + dw).astype("int32")


@serializable
class RelPosBiasTf(keras.layers.Layer):
    """Adds the TensorFlow MaxViT relative position bias, shaped `(1, heads, L, L)`, to attention scores.

    The table `relative_position_bias_table` is `(num_heads, 2Wh-1, 2Ww-1)`, timm's parameter; the
    entry for a query/key pair is at the key-minus-query offset. timm gathers it with one-hot einsums;
    this takes the same entries with `gen_relative_position_index_tf`.

    Args:
        window_size: `(Wh, Ww)` of the attention window.
        num_heads: number of attention heads.

    Reference: timm/layers/pos_embed_rel.py `RelPosBiasTf`.
    """

    timm_mapping = {"relative_position_bias_table": ("relative_position_bias_table", "identity")}

    def __init__(self, window_size: int | Sequence[int], num_heads: int, **kwargs):
        super().__init__(**kwargs)
        self.window_size = helpers.to_pair(window_size, "window_size")
        self.num_heads = int(num_heads)
        self.window_area = self.window_size[0] * self.window_size[1]
        self.vocab_size = (2 * self.window_size[0] - 1, 2 * self.window_size[1] - 1)
        self.relative_position_index = gen_relative_position_index_tf(*self.window_size).reshape(-1)

    def build(self, input_shape=None):
        self.relative_position_bias_table = self.add_weight(
            name="relative_position_bias_table",
            shape=(self.num_heads, *self.vocab_size),
            initializer=normal_init(0.02),  # timm's nn.init.normal_(std=.02)
        )

    def get_bias(self):
        """The `(1, heads, L, L)` bias, in the table's dtype."""
        table = ops.reshape(self.relative_position_bias_table, (self.num_heads, -1))
        bias = backend_ops.take(table, self.relative_position_index, axis=1)
        return ops.reshape(bias, (1, self.num_heads, self.window_area, self.window_area))

    def call(self, attn):
        return attn + ops.cast(self.get_bias(), attn.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"window_size": self.window_size, "num_heads": self.num_heads})
        return config
