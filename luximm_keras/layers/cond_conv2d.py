"""Conditionally parameterized convolution (CondConv): per sample, the kernel is a routing-weighted
sum of `num_experts` expert kernels.

Reference: timm/layers/cond_conv2d.py `CondConv2d`
"""

from __future__ import annotations

import math

import keras
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.layers import helpers
from luximm_keras.layers.padding import conv_output_length, get_padding

PADDINGS = ("", "same")


@serializable
class CondConv2D(keras.layers.Layer):
    """`y_b = conv(x_b, sum_e r_be W_e) + sum_e r_be b_e` for each sample `b`, `r` the routing weights
    (batch, num_experts) given with the input: `layer(x, routing_weights)`. Without routing weights
    (`layer(x)`, a Keras convenience timm does not have) every expert weighs `1 / num_experts`: the
    experts' mean kernel.

    The variables keep timm's layout, so its checkpoints load unchanged: `kernel` is
    `(num_experts, out * in / groups * kh * kw)`, each expert's PyTorch `(out, in / groups, kh, kw)`
    kernel flattened; `bias` is `(num_experts, out)`.

    timm mixes the kernel per sample and runs one grouped convolution over the batch folded into the
    channels. Here a 1x1 convolution mixes the kernel per sample too (one einsum); a kxk one runs
    every expert's kernel as one convolution (a depthwise one with `num_experts` outputs per channel)
    and mixes the outputs, the same sum by the linearity of convolution in its kernel, with static
    shapes for any batch size on every backend.

    Args:
        filters: output channels.
        kernel_size: the kernel size.
        strides: the stride.
        padding: `""` (timm's symmetric padding) or `"same"` (TensorFlow's, timm's `tf_` variants).
        dilation_rate: the dilation.
        groups: 1 or the input width (depthwise, `filters` equal to it); timm's other group counts
            are not used by its CondConv models and not ported.
        num_experts: the number of expert kernels.
        use_bias: a bias per expert.
        kernel_initializer: initializer of the `(num_experts, params)` kernel; None: timm's
            EfficientNet init, N(0, 2 / fan_out) with fan_out = kh * kw * filters / groups.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> conv = CondConv2D(32, kernel_size=1, num_experts=4)
        >>> conv(keras.ops.ones((2, 8, 8, 16)), keras.ops.ones((2, 4)) / 4).shape
        (2, 8, 8, 32)

    Reference: timm/layers/cond_conv2d.py `CondConv2d`.
    """

    timm_mapping = {"kernel": ("weight", "identity"), "bias": ("bias", "identity")}

    def __init__(
        self,
        filters: int,
        kernel_size: int = 3,
        strides: int = 1,
        padding: str = "",
        dilation_rate: int = 1,
        groups: int = 1,
        num_experts: int = 4,
        use_bias: bool = False,
        kernel_initializer=None,
        data_format: str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for arg, value in (("filters", filters), ("kernel_size", kernel_size), ("strides", strides),
                           ("dilation_rate", dilation_rate), ("groups", groups), ("num_experts", num_experts)):
            if int(value) < 1:
                raise ValueError(f"`{arg}` must be a positive int, got {value!r}.")
        if padding not in PADDINGS:
            raise ValueError(f"`padding` must be one of {PADDINGS}, got {padding!r}.")
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.strides = int(strides)
        self.padding = padding
        self.dilation_rate = int(dilation_rate)
        self.groups = int(groups)
        self.num_experts = int(num_experts)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = None if kernel_initializer is None else keras.initializers.get(kernel_initializer)
        self.data_format = helpers.standardize_data_format(data_format)

    def build(self, inputs_shape, routing_weights_shape=None):
        input_shape = inputs_shape
        axis = helpers.channel_axis(self.data_format)
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        channels = int(channels)
        if self.groups != 1 and not (self.groups == channels == self.filters):
            raise ValueError(f"{self.name}: only groups=1 or a depthwise conv (groups == input width == filters) "
                             f"is ported, got groups={self.groups} with {channels} -> {self.filters} channels.")
        self.in_channels = channels
        self.weight_shape = (self.filters, channels // self.groups, self.kernel_size, self.kernel_size)
        initializer = self.kernel_initializer
        if initializer is None:
            fan_out = self.kernel_size * self.kernel_size * self.filters // self.groups
            initializer = keras.initializers.RandomNormal(stddev=math.sqrt(2.0 / fan_out))
        self.kernel = self.add_weight(name="kernel", shape=(self.num_experts, math.prod(self.weight_shape)),
                                      initializer=initializer)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.num_experts, self.filters), initializer="zeros")

    @property
    def depthwise(self) -> bool:
        return self.groups > 1

    def call(self, inputs, routing_weights=None):
        x = ops.transpose(inputs, (0, 2, 3, 1)) if self.data_format == "channels_first" else inputs
        if routing_weights is None:
            routing_weights = ops.repeat(ops.ones_like(x[:, 0, 0, :1]) / self.num_experts, self.num_experts, axis=1)
        routing_weights = ops.cast(routing_weights, x.dtype)
        kernel = ops.cast(self.kernel, x.dtype)
        experts = ops.reshape(kernel, (self.num_experts, *self.weight_shape))  # (E, O, I/g, kh, kw)
        k = self.kernel_size
        if k == 1 and self.strides == 1 and not self.depthwise:
            # timm's order: the kernel mixed per sample, then each sample's 1x1 conv.
            mixed = ops.reshape(ops.matmul(routing_weights, kernel), (-1, self.filters, self.in_channels))
            y = ops.einsum("bhwi,boi->bhwo", x, mixed)
        else:
            pad = get_padding(k, self.strides, self.dilation_rate)
            if self.padding == "" and pad:
                x = backend_ops.pad(x, [(0, 0), (pad, pad), (pad, pad), (0, 0)])
            padding = "same" if self.padding == "same" else "valid"
            if self.depthwise:
                # (E, C, 1, kh, kw) -> (kh, kw, C, E): channel c's outputs c * E + e, one per expert.
                stacked = ops.transpose(experts[:, :, 0], (2, 3, 1, 0))
                y = ops.depthwise_conv(x, stacked, strides=self.strides, padding=padding,
                                       dilation_rate=self.dilation_rate, data_format="channels_last")
                shape = ops.shape(y)
                y = ops.reshape(y, (shape[0], shape[1], shape[2], self.filters, self.num_experts))
                y = ops.einsum("bhwce,be->bhwc", y, routing_weights)
            else:
                # (E, O, I, kh, kw) -> (kh, kw, I, E * O): output e * O + o is expert e's channel o.
                stacked = ops.reshape(ops.transpose(experts, (3, 4, 2, 0, 1)),
                                      (k, k, self.in_channels, self.num_experts * self.filters))
                y = ops.conv(x, stacked, strides=self.strides, padding=padding,
                             dilation_rate=self.dilation_rate, data_format="channels_last")
                shape = ops.shape(y)
                y = ops.reshape(y, (shape[0], shape[1], shape[2], self.num_experts, self.filters))
                y = ops.einsum("bhweo,be->bhwo", y, routing_weights)
        if self.bias is not None:
            bias = ops.matmul(routing_weights, ops.cast(self.bias, y.dtype))
            y = ops.reshape(bias, (-1, 1, 1, self.filters)) + y
        return ops.transpose(y, (0, 3, 1, 2)) if self.data_format == "channels_first" else y

    def compute_output_shape(self, inputs_shape, routing_weights_shape=None):
        shape = list(inputs_shape)
        pad = "same" if self.padding == "same" else get_padding(self.kernel_size, self.strides, self.dilation_rate)
        for axis in helpers.spatial_axes(self.data_format):
            shape[axis] = conv_output_length(shape[axis], self.kernel_size, self.strides, self.dilation_rate, pad)
        shape[helpers.channel_axis(self.data_format)] = self.filters
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "dilation_rate": self.dilation_rate, "groups": self.groups,
            "num_experts": self.num_experts, "use_bias": self.use_bias,
            "kernel_initializer": None if self.kernel_initializer is None
            else keras.initializers.serialize(self.kernel_initializer),
            "data_format": self.data_format,
        })
        return config


__all__ = ["CondConv2D"]
