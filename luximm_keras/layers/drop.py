"""Stochastic depth: drop a whole residual branch per sample, and timm's per-block rate schedule.

Reference: timm/layers/drop.py (`drop_path`, `DropPath`, `calculate_drop_path_rates`)
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

from luximm_keras._serializable import serializable


def drop_path(inputs, rate: float, training: bool = False, scale_by_keep: bool = True, seed=None):
    """Zeroes each sample of `inputs` with probability `rate` when training; survivors are divided
    by `1 - rate` when `scale_by_keep`, so the expected value is unchanged (timm's `drop_path`)."""
    if rate == 0.0 or not training:
        return inputs
    keep_prob = 1.0 - rate
    mask_shape = (ops.shape(inputs)[0],) + (1,) * (len(inputs.shape) - 1)
    mask = ops.cast(keras.random.uniform(mask_shape, seed=seed) < keep_prob, inputs.dtype)
    if keep_prob > 0.0 and scale_by_keep:
        mask = mask / ops.cast(keep_prob, inputs.dtype)
    return inputs * mask


@serializable
class DropPath(keras.layers.Layer):
    """Drops a residual branch per sample during training; the identity at inference.

    Args:
        rate: drop probability, in [0, 1).
        scale_by_keep: divide kept samples by `1 - rate` (timm's default), keeping the expectation.
        seed: optional int seed for reproducible masks.

    Example:
        >>> DropPath(0.1)(keras.ops.ones((2, 197, 192)), training=False).shape
        (2, 197, 192)

    Reference: timm/layers/drop.py `DropPath`.
    """

    def __init__(self, rate: float = 0.0, scale_by_keep: bool = True, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= float(rate) < 1.0:
            raise ValueError(f"`rate` must be in [0, 1), got {rate!r}.")
        self.rate = float(rate)
        self.scale_by_keep = bool(scale_by_keep)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=None):
        return drop_path(inputs, self.rate, bool(training), self.scale_by_keep, seed=self.seed_generator)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "scale_by_keep": self.scale_by_keep, "seed": self.seed})
        return config


def calculate_drop_path_rates(
    drop_path_rate: float, depths: int | Sequence[int], stagewise: bool = False
) -> list[float] | list[list[float]]:
    """timm's stochastic-depth schedule: a linear ramp from 0 at the first block to `drop_path_rate`
    at the last, over `depths` blocks (an int) or over all stages' blocks (a sequence), returned flat,
    or split per stage with `stagewise=True`. The ramp is float32, as timm's `torch.linspace`."""
    total = depths if isinstance(depths, int) else sum(depths)
    if isinstance(depths, int) and stagewise:
        raise ValueError("stagewise=True requires `depths` to be a list of stage depths.")
    rates = np.linspace(0.0, drop_path_rate, total, dtype=np.float32).tolist()
    if not stagewise:
        return rates
    bounds = np.cumsum([0, *depths]).tolist()
    return [rates[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
