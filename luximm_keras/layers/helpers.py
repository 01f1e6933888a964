"""Small pure helpers shared by the blocks: timm's channel rounding and argument normalisation (pairs,
data formats).

Reference: timm/layers/helpers.py (`make_divisible`, `to_2tuple`)
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np


def make_divisible(
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


se_make_divisible = make_divisible  # the reference design's name


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
