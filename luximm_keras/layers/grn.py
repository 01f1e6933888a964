"""Global response normalization (ConvNeXt-V2).

Reference: timm/layers/grn.py `GlobalResponseNorm`
"""

from __future__ import annotations

from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.layers import helpers
from luximm_keras.layers.norm import _ChannelNorm2D


@serializable
class GlobalResponseNorm(_ChannelNorm2D):
    """Scales each channel by its spatial L2 norm relative to the mean norm over channels.

    `g = ||x||_2 over (H, W)`, `n = g / (mean_C(g) + epsilon)`, `y = x + beta + gamma * (x * n)`.
    Scale (`gamma`) and bias (`beta`) start at zero, so a fresh layer is the identity. Computed in
    float32 with float32 variables under mixed precision; an all-zero input gives zero gradients,
    not NaN.

    Args:
        epsilon: added to the mean norm (timm's 1e-6).
        data_format: `"channels_last"` (default) or `"channels_first"`.
        gamma_initializer, beta_initializer: Keras initializers (both zeros, as timm).

    Example:
        >>> GlobalResponseNorm()(keras.ops.ones((2, 7, 7, 96))).shape
        (2, 7, 7, 96)

    Reference: timm/layers/grn.py `GlobalResponseNorm`.
    """

    def __init__(self, epsilon: float = 1e-6, data_format: str | None = None, **kwargs):
        kwargs.setdefault("gamma_initializer", "zeros")
        kwargs.setdefault("beta_initializer", "zeros")
        super().__init__(epsilon=epsilon, data_format=data_format, **kwargs)

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        norm = backend_ops.spatial_l2_norm(x, helpers.spatial_axes(self.data_format))
        relative = norm / (ops.mean(norm, axis=self.channel_axis, keepdims=True) + self.epsilon)
        gamma, beta = self.affine_weights()
        # timm's `x + beta + gamma * (x * relative)` with the per-(sample, channel) factor folded first:
        # two passes over the map instead of four (the results agree to float32 rounding).
        outputs = x * (1.0 + gamma * relative) + beta
        return ops.cast(outputs, self.compute_dtype)
