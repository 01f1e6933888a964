"""Global context attention (GCNet): a softmax-weighted spatial sum of the map, passed through a small
bottleneck, added to (`fuse_add`) and/or gating (`fuse_scale`) every position.

Reference: timm/layers/global_context.py `GlobalContext`
"""

from __future__ import annotations

import keras
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.layers import helpers
from luximm_keras.layers.norm import LayerNorm2D


@serializable
class GlobalContext(keras.layers.Layer):
    """`c = sum_HW softmax_HW(conv_attn(x)) * x` (or `mean_HW(x)` without `use_attn`), then
    `x = x * sigmoid(mlp_scale(c))` and/or `x = x + mlp_add(c)`, each MLP a 1x1 conv, a LayerNorm2d
    (eps 1e-6), the activation and a 1x1 conv back (timm's `ConvMlp`).

    Sublayers carry timm's names (`conv_attn`, `mlp_add__fc1`, `mlp_add__norm`, `mlp_add__fc2`, and the
    same under `mlp_scale`), so timm's keys load as they are. timm's `gca` attention is
    `fuse_add=True, fuse_scale=False`.

    Args:
        use_attn: the softmax attention pooling (else a plain spatial mean).
        fuse_add: the additive context branch (`mlp_add`).
        fuse_scale: the sigmoid-gated multiplicative branch (`mlp_scale`).
        rd_ratio: the bottleneck width as a fraction of the input width (timm's 1/8).
        rd_channels: the bottleneck width, overriding `rd_ratio`.
        rd_divisor: the bottleneck width is a multiple of this (`make_divisible`, `round_limit=0`).
        activation: the bottleneck activation ("relu", timm's default).
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> GlobalContext(fuse_add=True, fuse_scale=False)(keras.ops.ones((2, 7, 7, 64))).shape
        (2, 7, 7, 64)

    Reference: timm/layers/global_context.py `GlobalContext`.
    """

    def __init__(
        self,
        use_attn: bool = True,
        fuse_add: bool = False,
        fuse_scale: bool = True,
        rd_ratio: float = 1.0 / 8,
        rd_channels: int | None = None,
        rd_divisor: int = 1,
        activation="relu",
        data_format: str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if rd_channels is not None and int(rd_channels) < 1:
            raise ValueError(f"`rd_channels` must be a positive int or None, got {rd_channels!r}.")
        if rd_ratio <= 0:
            raise ValueError(f"`rd_ratio` must be positive, got {rd_ratio!r}.")
        self.use_attn = bool(use_attn)
        self.fuse_add = bool(fuse_add)
        self.fuse_scale = bool(fuse_scale)
        self.rd_ratio = float(rd_ratio)
        self.rd_channels = None if rd_channels is None else int(rd_channels)
        self.rd_divisor = int(rd_divisor)
        self.activation = keras.activations.get(activation)
        self.data_format = helpers.standardize_data_format(data_format)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def _mlp(self, prefix: str, channels: int, hidden: int, zero_last: bool):
        # The MLP acts on the pooled (N, 1, 1, C) context, channels-last whatever the data format.
        conv = {"kernel_size": 1, "data_format": "channels_last", "dtype": self.dtype_policy}
        fc1 = keras.layers.Conv2D(hidden, name=f"{prefix}__fc1", **conv)
        norm = LayerNorm2D(epsilon=1e-6, data_format="channels_last", name=f"{prefix}__norm", dtype=self.dtype_policy)
        fc2 = keras.layers.Conv2D(channels, name=f"{prefix}__fc2",
                                  kernel_initializer="zeros" if zero_last else "glorot_uniform", **conv)
        fc1.build((None, 1, 1, channels))
        norm.build((None, 1, 1, hidden))
        fc2.build((None, 1, 1, hidden))
        return fc1, norm, fc2

    def build(self, input_shape):
        axis = helpers.channel_axis(self.data_format)
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: channels})
        self.channels = int(channels)
        self.conv_attn = None
        if self.use_attn:
            # timm: kaiming_normal_(mode='fan_in', nonlinearity='relu').
            self.conv_attn = keras.layers.Conv2D(
                1, 1, name="conv_attn", data_format=self.data_format, dtype=self.dtype_policy,
                kernel_initializer=keras.initializers.VarianceScaling(2.0, "fan_in", "untruncated_normal"),
            )
            self.conv_attn.build(input_shape)
        hidden = self.rd_channels or helpers.make_divisible(self.channels * self.rd_ratio, self.rd_divisor, round_limit=0.0)
        self.hidden = hidden
        self.mlp_add = self._mlp("mlp_add", self.channels, hidden, zero_last=True) if self.fuse_add else None
        self.mlp_scale = self._mlp("mlp_scale", self.channels, hidden, zero_last=False) if self.fuse_scale else None

    def _run_mlp(self, mlp, context):
        fc1, norm, fc2 = mlp
        return backend_ops.call_layer(fc2, self.activation(norm(backend_ops.call_layer(fc1, context))))

    def call(self, inputs):
        spatial = helpers.spatial_axes(self.data_format)
        channels_last = self.data_format == "channels_last"
        if self.conv_attn is not None:
            logits = backend_ops.call_layer(self.conv_attn, inputs)  # (B, H, W, 1) or (B, 1, H, W)
            shape = ops.shape(logits)
            flat = ops.reshape(logits, (shape[0], -1))
            weights = ops.reshape(ops.softmax(flat, axis=-1), shape)
            context = ops.sum(inputs * weights, axis=spatial, keepdims=True)
        else:
            context = ops.mean(inputs, axis=spatial, keepdims=True)
        if not channels_last:
            context = ops.reshape(context, (-1, 1, 1, self.channels))
        x = inputs
        if self.mlp_scale is not None:
            gate = ops.sigmoid(self._run_mlp(self.mlp_scale, context))
            x = x * (gate if channels_last else ops.reshape(gate, (-1, self.channels, 1, 1)))
        if self.mlp_add is not None:
            add = self._run_mlp(self.mlp_add, context)
            x = x + (add if channels_last else ops.reshape(add, (-1, self.channels, 1, 1)))
        return x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "use_attn": self.use_attn,
                "fuse_add": self.fuse_add,
                "fuse_scale": self.fuse_scale,
                "rd_ratio": self.rd_ratio,
                "rd_channels": self.rd_channels,
                "rd_divisor": self.rd_divisor,
                "activation": keras.activations.serialize(self.activation),
                "data_format": self.data_format,
            }
        )
        return config


__all__ = ["GlobalContext"]
