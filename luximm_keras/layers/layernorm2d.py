"""Layer normalization over the channels of a 2D feature map (ConvNeXt).

Reference: timm/layers/norm.py `LayerNorm2d`
"""

from __future__ import annotations

import keras
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
        x = ops.cast(inputs, "float32")
        gamma, beta = self.affine_weights()
        if self.data_format == "channels_last" and keras.backend.backend() == "torch":
            # Channels trailing: Keras' op is torch's fused `layer_norm` (one pass, what timm runs).
            outputs = ops.layer_normalization(x, gamma, beta, axis=-1, epsilon=self.epsilon)
        else:
            # Two passes (mean, then the centred square): under XLA this is the fastest form measured
            # (tensorflow 0.89 ms against 1.23 ms for `ops.moments` and 1.26 ms for Keras' op, for
            # 8x56x56x96 on a 2-core CPU; jax equal), and the variance never goes negative.
            centred = x - ops.mean(x, axis=self.channel_axis, keepdims=True)
            variance = ops.mean(ops.square(centred), axis=self.channel_axis, keepdims=True)
            outputs = centred * ops.rsqrt(variance + self.epsilon) * gamma + beta
        return ops.cast(outputs, self.compute_dtype)
