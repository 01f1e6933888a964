"""Layer normalization over the channels of a 2D feature map (ConvNeXt).

Reference: timm/layers/norm.py `LayerNorm2d`
"""

from __future__ import annotations

from keras import ops

from luximm_keras._serializable import serializable
from luximm_keras.layers.channel_norm import ChannelNorm2D


@serializable
class LayerNorm2D(ChannelNorm2D):
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
        # Statistics by hand, not ops.layer_normalization: on the torch backend that op only normalizes
        # trailing axes, so it cannot serve channels_first.
        x = ops.cast(inputs, "float32")
        mean, variance = ops.moments(x, axes=[self.channel_axis], keepdims=True)
        gamma, beta = self.affine_weights()
        outputs = (x - mean) * ops.rsqrt(variance + self.epsilon) * gamma + beta
        return ops.cast(outputs, self.compute_dtype)
