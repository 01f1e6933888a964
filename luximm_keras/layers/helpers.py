"""Small pure helpers shared by the blocks: timm's channel rounding, the relative-position index, and
argument normalisation (pairs, data formats, padding).

Reference: timm/layers/helpers.py, timm/layers/pos_embed_rel.py, timm/layers/padding.py
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np


def se_make_divisible(
    v: float, divisor: int = 8, min_value: int | None = None, round_limit: float = 0.9
) -> int:
    """timm's `make_divisible`: round `v` to the nearest multiple of `divisor`, at least `min_value`.

    When rounding down would lose more than `1 - round_limit` of `v`, one more `divisor` is added.
    timm's `SEModule` calls it with `round_limit=0.0`, which switches that rule off.
    """
    min_value = min_value or divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < round_limit * v:
        new_v += divisor
    return new_v


def rel_pos_index(wh: int, ww: int) -> np.ndarray:
    """The `(wh*ww, wh*ww)` int array indexing a `((2wh-1)(2ww-1), heads)` relative-position table.

    Equal to timm's `gen_relative_position_index((wh, ww))`: tokens are row-major (`t = h*ww + w`) and
    `index[q, k] = (qh - kh + wh - 1) * (2ww - 1) + (qw - kw + ww - 1)`.
    """
    if wh < 1 or ww < 1:
        raise ValueError(f"rel_pos_index needs a window of at least 1x1, got ({wh}, {ww}).")
    hs, ws = np.meshgrid(np.arange(wh), np.arange(ww), indexing="ij")
    hs, ws = hs.reshape(-1), ws.reshape(-1)
    dh = hs[:, None] - hs[None, :] + wh - 1
    dw = ws[:, None] - ws[None, :] + ww - 1
    return (dh * (2 * ww - 1) + dw).astype("int32")


def to_pair(value: int | Sequence[int], name: str) -> tuple[int, int]:
    """`3 -> (3, 3)`, `(3, 5) -> (3, 5)`; anything else is a ValueError naming the argument."""
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    if isinstance(value, Sequence) and len(value) == 2 and all(isinstance(v, (int, np.integer)) for v in value):
        return int(value[0]), int(value[1])
    raise ValueError(f"`{name}` must be an int or a pair of ints, got {value!r}.")


def standardize_data_format(data_format: str | None) -> str:
    """None means Keras' global `image_data_format()`, as in Keras' own conv layers."""
    data_format = data_format or keras.config.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f"`data_format` must be 'channels_last' or 'channels_first', got {data_format!r}."
        )
    return data_format


def channel_axis(data_format: str) -> int:
    return -1 if data_format == "channels_last" else 1


def spatial_axes(data_format: str) -> tuple[int, int]:
    return (1, 2) if data_format == "channels_last" else (2, 3)


def timm_symmetric_padding(kernel_size: int, stride: int = 1, dilation: int = 1) -> int:
    """timm's `get_padding`: the symmetric padding its convs use when `padding=None`."""
    return ((stride - 1) + dilation * (kernel_size - 1)) // 2


def conv_output_length(length, kernel_size: int, stride: int, dilation: int, padding) -> int | None:
    """Output length of one spatial axis; `padding` is `"same"` or a symmetric pixel count."""
    if length is None:
        return None
    if padding == "same":
        return -(-length // stride)
    effective_kernel = dilation * (kernel_size - 1) + 1
    return (length + 2 * padding - effective_kernel) // stride + 1
