"""Squeeze-and-excitation channel attention (SE-ResNet, CoAtNet's MBConv).

Reference: timm/layers/squeeze_excite.py `SEModule`
"""

from __future__ import annotations

import keras
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.layers import helpers


@serializable
class SqueezeExcite(keras.layers.Layer):
    """Rescales channels by a gate computed from their global average.

    `s = mean_HW(x)`, `y = x * sigmoid(fc2(act(fc1(s))))`. `fc1`/`fc2` are 1x1 convolutions named as
    timm names them, so their weights load from `fc1.weight`, `fc1.bias`, `fc2.weight`, `fc2.bias`.

    Args:
        rd_ratio: bottleneck width as a fraction of the input channels.
        rd_divisor: the bottleneck width is rounded to a multiple of this (timm's `make_divisible` with
            `round_limit=0`, so no 10% rule: 176 channels give 8, as timm).
        rd_channels: the bottleneck width, overriding `rd_ratio` (CoAtNet passes it).
        activation: the bottleneck activation, a Keras activation name or callable ("relu"; CoAtNet
            uses "silu").
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> SqueezeExcite(rd_channels=16, activation="silu")(keras.ops.ones((2, 7, 7, 64))).shape
        (2, 7, 7, 64)

    Reference: timm/layers/squeeze_excite.py `SEModule`.
    """

    def __init__(
        self,
        rd_ratio: float = 1.0 / 16,
        rd_divisor: int = 8,
        rd_channels: int | None = None,
        activation="relu",
        data_format: str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if rd_channels is not None and int(rd_channels) < 1:
            raise ValueError(f"`rd_channels` must be a positive int or None, got {rd_channels!r}.")
        if rd_ratio <= 0:
            raise ValueError(f"`rd_ratio` must be positive, got {rd_ratio!r}.")
        self.rd_ratio = float(rd_ratio)
        self.rd_divisor = int(rd_divisor)
        self.rd_channels = None if rd_channels is None else int(rd_channels)
        self.activation = keras.activations.get(activation)
        self.data_format = helpers.standardize_data_format(data_format)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def bottleneck_channels(self, channels: int) -> int:
        """The width timm's `SEModule` picks for `channels` input channels."""
        if self.rd_channels:
            return self.rd_channels
        return helpers.make_divisible(channels * self.rd_ratio, self.rd_divisor, round_limit=0.0)

    def build(self, input_shape):
        axis = helpers.channel_axis(self.data_format)
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: channels})
        # The 1x1 convs act on the pooled (N, 1, 1, C) vector, channels-last whatever the data format:
        # Keras' channels_first Conv2D can misplace its bias on TensorFlow (see std_conv.py).
        conv = dict(kernel_size=1, data_format="channels_last", dtype=self.dtype_policy)
        self.fc1 = keras.layers.Conv2D(self.bottleneck_channels(channels), name="fc1", **conv)
        self.fc2 = keras.layers.Conv2D(channels, name="fc2", **conv)
        pooled_shape = (input_shape[0], 1, 1, channels)
        self.fc1.build(pooled_shape)
        self.fc2.build(self.fc1.compute_output_shape(pooled_shape))

    def call(self, inputs):
        squeezed = ops.mean(inputs, axis=helpers.spatial_axes(self.data_format), keepdims=True)
        channels = inputs.shape[helpers.channel_axis(self.data_format)]
        if self.data_format == "channels_first":
            squeezed = ops.reshape(squeezed, (-1, 1, 1, channels))
        hidden = self.activation(backend_ops.call_layer(self.fc1, squeezed))
        gate = ops.sigmoid(backend_ops.call_layer(self.fc2, hidden))
        if self.data_format == "channels_first":
            gate = ops.reshape(gate, (-1, channels, 1, 1))
        return inputs * gate

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "rd_ratio": self.rd_ratio,
                "rd_divisor": self.rd_divisor,
                "rd_channels": self.rd_channels,
                "activation": keras.activations.serialize(self.activation),
                "data_format": self.data_format,
            }
        )
        return config
