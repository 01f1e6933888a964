"""PyTorch's initializers as Keras' own, configured: nothing new to serialize.

Reference: torch.nn.init.kaiming_normal_, torch.nn.init.normal_; timm's `_init_weights` functions.
"""

from __future__ import annotations

import keras


def kaiming_normal_fan_out() -> keras.initializers.Initializer:
    """PyTorch's `kaiming_normal_(mode="fan_out", nonlinearity="relu")`: N(0, 2 / fan_out).

    Keras' `VarianceScaling` computes `fan_out` of a conv kernel `(kh, kw, in, out)` as
    `out * kh * kw`, which is PyTorch's fan_out of the same kernel in OIHW layout.
    """
    return keras.initializers.VarianceScaling(scale=2.0, mode="fan_out", distribution="untruncated_normal")


def normal_init(std: float = 0.02, mean: float = 0.0) -> keras.initializers.Initializer:
    """PyTorch's `normal_(mean, std)`: untruncated N(mean, std^2)."""
    if std < 0:
        raise ValueError(f"`std` must not be negative, got {std}.")
    return keras.initializers.RandomNormal(mean=mean, stddev=std)


__all__ = ["kaiming_normal_fan_out", "normal_init"]
