"""The pre-activation bottleneck block of ResNet-V2 / BiT.

Reference: timm/models/resnetv2.py `PreActBottleneck`, `DownsampleConv`
"""

from __future__ import annotations

import keras

from luximm_keras._serializable import serializable
from luximm_keras.layers import fused, helpers
from luximm_keras.layers.drop_path import DropPath
from luximm_keras.layers.group_norm_act import GroupNormAct
from luximm_keras.layers.std_conv import StdConv2D


@serializable
class PreActBottleneck(keras.layers.Layer):
    """`x' = norm1(x)`; `shortcut(x') or x + conv3(norm3(conv2(norm2(conv1(x')))))`.

    Every conv is a weight-standardized `StdConv2D` (no bias) and every norm a `GroupNormAct`
    (group norm then ReLU), as timm's BiT. The stride sits on the 3x3 `conv2` (symmetric padding 1).
    The projection shortcut is a strided 1x1 `StdConv2D` on the *pre-activated* input, named
    `downsample__conv` so that it loads timm's `downsample.conv.weight`. Sublayers carry timm's names
    (`norm1`, `conv1`, `norm2`, `conv2`, `norm3`, `conv3`).

    Args:
        filters: output channels.
        bottle_ratio: the bottleneck width is `make_divisible(filters * bottle_ratio)` (timm's rounding
            to a multiple of 8).
        strides: stride of `conv2` and of the shortcut projection.
        groups: groups of `conv2`.
        downsample: whether the block has a projection shortcut; None means "when the input width
            differs from `filters` or `strides` is not 1" (timm gives one to the first block of every
            stage, which that rule reproduces for ResNet-V2).
        norm_groups: groups of every group norm (32 in BiT).
        epsilon: epsilon of every group norm (1e-5).
        conv_eps: epsilon of the weight standardization (BiT's 1e-8).
        activation: activation of every norm (ReLU).
        drop_path: stochastic-depth rate of the residual branch.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> PreActBottleneck(256)(keras.ops.ones((2, 56, 56, 64))).shape
        (2, 56, 56, 256)

    Reference: timm/models/resnetv2.py `PreActBottleneck`.
    """

    def __init__(
        self,
        filters: int,
        bottle_ratio: float = 0.25,
        strides: int = 1,
        groups: int = 1,
        downsample: bool | None = None,
        norm_groups: int = 32,
        epsilon: float = 1e-5,
        conv_eps: float = 1e-8,
        activation="relu",
        drop_path: float = 0.0,
        data_format: str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(filters) < 1:
            raise ValueError(f"`filters` must be a positive int, got {filters!r}.")
        if int(strides) < 1:
            raise ValueError(f"`strides` must be a positive int, got {strides!r}.")
        self.filters = int(filters)
        self.bottle_ratio = float(bottle_ratio)
        self.strides = int(strides)
        self.groups = int(groups)
        self.downsample = None if downsample is None else bool(downsample)
        self.norm_groups = int(norm_groups)
        self.epsilon = float(epsilon)
        self.conv_eps = float(conv_eps)
        self.activation = keras.activations.get(activation)
        self.drop_path_rate = float(drop_path)
        self.data_format = helpers.standardize_data_format(data_format)
        self.mid_channels = helpers.se_make_divisible(self.filters * self.bottle_ratio)
        self.input_spec = keras.layers.InputSpec(ndim=4)

        conv = self._conv_kwargs()
        norm = dict(
            groups=self.norm_groups,
            epsilon=self.epsilon,
            activation=self.activation,
            data_format=self.data_format,
            dtype=self.dtype_policy,
        )
        self.norm1 = GroupNormAct(name="norm1", **norm)
        self.conv1 = StdConv2D(self.mid_channels, 1, name="conv1", **conv)
        self.norm2 = GroupNormAct(name="norm2", **norm)
        self.conv2 = StdConv2D(
            self.mid_channels, 3, strides=self.strides, padding=None, groups=self.groups, name="conv2", **conv
        )
        self.norm3 = GroupNormAct(name="norm3", **norm)
        self.conv3 = StdConv2D(self.filters, 1, name="conv3", **conv)
        self.drop_path = DropPath(self.drop_path_rate, name="drop_path", dtype=self.dtype_policy)
        self.downsample_conv = None

    def _conv_kwargs(self) -> dict:
        return dict(use_bias=False, eps=self.conv_eps, data_format=self.data_format, dtype=self.dtype_policy)

    def _has_downsample(self, channels: int) -> bool:
        if self.downsample is not None:
            return self.downsample
        return channels != self.filters or self.strides != 1

    def build(self, input_shape):
        axis = helpers.channel_axis(self.data_format)
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        if not self._has_downsample(channels) and channels != self.filters:
            raise ValueError(
                f"{self.name}: without a projection shortcut the input width ({channels}) must equal "
                f"`filters` ({self.filters})."
            )
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: channels})
        if self._has_downsample(channels):
            self.downsample_conv = StdConv2D(
                self.filters, 1, strides=self.strides, name="downsample__conv", **self._conv_kwargs()
            )
            self.downsample_conv.build(input_shape)
        self.norm1.build(input_shape)
        self.conv1.build(input_shape)
        shape = self.conv1.compute_output_shape(input_shape)
        self.norm2.build(shape)
        self.conv2.build(shape)
        shape = self.conv2.compute_output_shape(shape)
        self.norm3.build(shape)
        self.conv3.build(shape)

    def call(self, inputs, training=None):
        x_preact = self.norm1(inputs)
        shortcut = inputs if self.downsample_conv is None else self.downsample_conv(x_preact)
        x = self.conv1(x_preact)
        x = self.conv2(self.norm2(x))
        x = self.conv3(self.norm3(x))
        return fused.dropout(self.drop_path, x, training) + shortcut

    def compute_output_shape(self, input_shape):
        shape = list(self.conv2.compute_output_shape(tuple(input_shape)))
        shape[helpers.channel_axis(self.data_format)] = self.filters
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "bottle_ratio": self.bottle_ratio,
                "strides": self.strides,
                "groups": self.groups,
                "downsample": self.downsample,
                "norm_groups": self.norm_groups,
                "epsilon": self.epsilon,
                "conv_eps": self.conv_eps,
                "activation": keras.activations.serialize(self.activation),
                "drop_path": self.drop_path_rate,
                "data_format": self.data_format,
            }
        )
        return config
