"""Normalization over the channels of a 2D feature map (timm's `LayerNorm2d`, `RmsNorm2d`,
`SimpleNorm2d`), and the affine frame they share with `GlobalResponseNorm`.

Reference: timm/layers/norm.py (`LayerNorm2d`, `RmsNorm2d`, `SimpleNorm2d`)
"""

from __future__ import annotations

import keras
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.layers import helpers


class _ChannelNorm2D(keras.layers.Layer):
    """The frame of the per-channel affine norms on 2D maps (`LayerNorm2D`, `GlobalResponseNorm`,
    `RmsNorm2D`, `SimpleNorm2D`): float32 `gamma`/`beta` over the channel axis, either data format,
    shape kept. Subclasses write `call` and read `gamma`/`beta` through `affine_weights`; those with
    `center = False` have no `beta` (timm's RMS-style norms keep a weight only)."""

    timm_mapping = {"gamma": ("weight", "identity"), "beta": ("bias", "identity")}
    center = True

    def __init__(
        self,
        epsilon: float = 1e-6,
        data_format: str | None = None,
        gamma_initializer="ones",
        beta_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)
        self.data_format = helpers.standardize_data_format(data_format)
        self.gamma_initializer = keras.initializers.get(gamma_initializer)
        self.beta_initializer = keras.initializers.get(beta_initializer)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    @property
    def channel_axis(self) -> int:
        return helpers.channel_axis(self.data_format)

    def build(self, input_shape):
        channels = input_shape[self.channel_axis]
        if channels is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={self.channel_axis: channels})
        # Norm variables stay float32 under mixed precision, as in Keras' own normalization layers.
        self.gamma = self.add_weight(
            name="gamma", shape=(channels,), initializer=self.gamma_initializer, autocast=False
        )
        self.beta = None
        if self.center:
            self.beta = self.add_weight(
                name="beta", shape=(channels,), initializer=self.beta_initializer, autocast=False
            )

    def affine_weights(self):
        """`gamma`, `beta` in float32 (the math runs in float32 even under a pure `"bfloat16"` policy,
        whose variables are bf16), shaped to broadcast against an input in this layer's data format."""
        gamma = ops.cast(self.gamma, "float32")
        beta = None if self.beta is None else ops.cast(self.beta, "float32")
        if self.data_format == "channels_first":
            gamma = ops.reshape(gamma, (1, -1, 1, 1))
            beta = None if beta is None else ops.reshape(beta, (1, -1, 1, 1))
        return gamma, beta

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "epsilon": self.epsilon,
                "data_format": self.data_format,
                "gamma_initializer": keras.initializers.serialize(self.gamma_initializer),
                "beta_initializer": keras.initializers.serialize(self.beta_initializer),
            }
        )
        return config


@serializable
class LayerNorm2D(_ChannelNorm2D):
    """Normalizes each pixel's channel vector to zero mean and unit (biased) variance, then scales and
    shifts it per channel.

    Statistics are computed in float32 and the variables stay float32 under mixed precision; the
    result is cast to the layer's compute dtype.

    Args:
        epsilon: added to the variance (timm's 1e-6, not Keras' 1e-3).
        data_format: `"channels_last"` (default) or `"channels_first"` (timm's NCHW).
        gamma_initializer, beta_initializer: Keras initializers (ones, zeros).

    Example:
        >>> LayerNorm2D()(keras.ops.ones((2, 7, 7, 96))).shape
        (2, 7, 7, 96)

    Reference: timm/layers/norm.py `LayerNorm2d`.
    """

    def __init__(self, epsilon: float = 1e-6, data_format: str | None = None, **kwargs):
        kwargs.setdefault("gamma_initializer", "ones")
        kwargs.setdefault("beta_initializer", "zeros")
        super().__init__(epsilon=epsilon, data_format=data_format, **kwargs)

    def call(self, inputs):
        gamma, beta = self.affine_weights()
        outputs = backend_ops.channel_layer_norm(
            ops.cast(inputs, "float32"), gamma, beta, epsilon=self.epsilon, axis=self.channel_axis
        )
        return ops.cast(outputs, self.compute_dtype)


class _UncenteredNorm2D(_ChannelNorm2D):
    """A channel norm with a scale only: `x * rsqrt(statistic(x) + epsilon) * gamma`."""

    center = False

    def __init__(self, epsilon: float = 1e-6, data_format: str | None = None, **kwargs):
        kwargs.setdefault("gamma_initializer", "ones")
        kwargs.pop("beta_initializer", None)  # no beta
        super().__init__(epsilon=epsilon, data_format=data_format, **kwargs)

    def statistic(self, x):
        raise NotImplementedError

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        gamma, _ = self.affine_weights()
        outputs = x * ops.rsqrt(self.statistic(x) + self.epsilon) * gamma
        return ops.cast(outputs, self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.pop("beta_initializer")
        return config


@serializable
class RmsNorm2D(_UncenteredNorm2D):
    """Divides each pixel's channel vector by its root mean square, then scales it per channel:
    `x * rsqrt(mean_C(x**2) + epsilon) * gamma` (no centring, no bias).

    Statistics are computed in float32 and the variable stays float32 under mixed precision; the
    result is cast to the layer's compute dtype.

    Args:
        epsilon: added to the mean square (timm's 1e-6).
        data_format: `"channels_last"` (default) or `"channels_first"` (timm's NCHW).
        gamma_initializer: Keras initializer (ones).

    Example:
        >>> RmsNorm2D()(keras.ops.ones((2, 7, 7, 96))).shape
        (2, 7, 7, 96)

    Reference: timm/layers/norm.py `RmsNorm2d` (timm/layers/fast_norm.py `rms_norm2d`).
    """

    def statistic(self, x):
        return ops.mean(ops.square(x), axis=self.channel_axis, keepdims=True)


@serializable
class SimpleNorm2D(_UncenteredNorm2D):
    """Divides each pixel's channel vector by its standard deviation, then scales it per channel:
    `x * rsqrt(var_C(x) + epsilon) * gamma`, the mean not subtracted and no bias.

    As timm's (`torch.var`), the variance is the unbiased one (divided by `C - 1`), so `C` must be
    at least 2. Statistics are computed in float32 and the variable stays float32 under mixed
    precision; the result is cast to the layer's compute dtype.

    Args:
        epsilon: added to the variance (timm's 1e-6).
        data_format: `"channels_last"` (default) or `"channels_first"` (timm's NCHW).
        gamma_initializer: Keras initializer (ones).

    Example:
        >>> SimpleNorm2D()(keras.ops.ones((2, 7, 7, 96))).shape
        (2, 7, 7, 96)

    Reference: timm/layers/norm.py `SimpleNorm2d` (timm/layers/fast_norm.py `simple_norm`).
    """

    def build(self, input_shape):
        if input_shape[self.channel_axis] is not None and input_shape[self.channel_axis] < 2:
            raise ValueError(f"{self.name}: the unbiased variance needs at least 2 channels, got {input_shape}.")
        super().build(input_shape)

    def statistic(self, x):
        centred = x - ops.mean(x, axis=self.channel_axis, keepdims=True)
        total = ops.sum(ops.square(centred), axis=self.channel_axis, keepdims=True)
        return total / float(self.gamma.shape[0] - 1)


# timm's `norm_layer` names for token (last-axis) norms -> Keras' layers.
TOKEN_NORMS = {"layernorm": keras.layers.LayerNormalization, "rmsnorm": keras.layers.RMSNormalization}


def token_norm(norm_layer: str, epsilon: float, **kwargs) -> keras.layers.Layer:
    """A norm over the last axis by timm's name: `"layernorm"` (`LayerNorm`, weight and bias) or
    `"rmsnorm"` (`RmsNorm`: `x / sqrt(mean(x^2) + eps) * weight`, no bias), as Keras' own layers."""
    if norm_layer not in TOKEN_NORMS:
        raise ValueError(f"`norm_layer` must be one of {sorted(TOKEN_NORMS)}, got {norm_layer!r}.")
    return TOKEN_NORMS[norm_layer](epsilon=epsilon, **kwargs)
