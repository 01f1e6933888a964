"""Mixed convolution (MixNet's MixConv): the channels split into groups, each convolved with its own
kernel size, the results concatenated.

Reference: timm/layers/mixed_conv2d.py `MixedConv2d`
"""

from __future__ import annotations

import keras
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.layers import helpers
from luximm_keras.layers.padding import conv_output_length, get_padding

PADDINGS = ("", "same")


def split_channels(channels: int, num_groups: int) -> list[int]:
    """timm's `_split_channels`: equal splits, the remainder added to the first."""
    split = [channels // num_groups for _ in range(num_groups)]
    split[0] += channels - sum(split)
    return split


@serializable
class MixedConv2D(keras.layers.Layer):
    """Splits the input channels into `len(kernel_size)` groups (`split_channels`), convolves group
    `i` with a `kernel_size[i]` kernel into split `i` of `filters`, and concatenates the results.

    With `depthwise`, each group is a depthwise convolution (`filters` must equal the input width);
    otherwise each is a full convolution of its input split (timm's `a1.1`/`p1.1` grouped
    pointwise convolutions of MixNet are `kernel_size=[1, 1]`). Sublayers are named `0`, `1`, ...,
    timm's `ModuleDict` keys, so `conv_dw.0.weight` loads as it is.

    Args:
        filters: output channels.
        kernel_size: one kernel size per group (an int is one group).
        strides: the stride of every group's convolution.
        padding: `""` (timm's symmetric padding, per kernel) or `"same"` (TensorFlow's).
        dilation_rate: the dilation of every group's convolution.
        depthwise: depthwise convolutions (timm's `depthwise=True`, a conv with `groups == in`).
        use_bias: a bias per convolution.
        kernel_initializer: the initializer of every convolution's kernel.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> MixedConv2D(32, kernel_size=[3, 5, 7], depthwise=True)(keras.ops.ones((2, 8, 8, 32))).shape
        (2, 8, 8, 32)

    Reference: timm/layers/mixed_conv2d.py `MixedConv2d`.
    """

    def __init__(
        self,
        filters: int,
        kernel_size=3,
        strides: int = 1,
        padding: str = "",
        dilation_rate: int = 1,
        depthwise: bool = False,
        use_bias: bool = False,
        kernel_initializer="glorot_uniform",
        data_format: str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        kernel_size = list(kernel_size) if isinstance(kernel_size, (list, tuple)) else [kernel_size]
        if not kernel_size or any(int(k) < 1 for k in kernel_size):
            raise ValueError(f"`kernel_size` must be a positive int or a list of them, got {kernel_size!r}.")
        if int(filters) < len(kernel_size):
            raise ValueError(f"`filters` ({filters}) must be at least the number of groups ({len(kernel_size)}).")
        if padding not in PADDINGS:
            raise ValueError(f"`padding` must be one of {PADDINGS}, got {padding!r}.")
        self.filters = int(filters)
        self.kernel_size = [int(k) for k in kernel_size]
        self.strides = int(strides)
        self.padding = padding
        self.dilation_rate = int(dilation_rate)
        self.depthwise = bool(depthwise)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.data_format = helpers.standardize_data_format(data_format)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        axis = helpers.channel_axis(self.data_format)
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        if self.depthwise and channels != self.filters:
            raise ValueError(f"{self.name}: a depthwise MixedConv2D keeps the width: {channels} in, {self.filters} filters.")
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: channels})
        groups = len(self.kernel_size)
        self.in_splits = split_channels(int(channels), groups)
        out_splits = split_channels(self.filters, groups)
        fmt = dict(data_format=self.data_format, dtype=self.dtype_policy)
        self.pads, self.convs = [], []
        for idx, (k, in_ch, out_ch) in enumerate(zip(self.kernel_size, self.in_splits, out_splits)):
            common = dict(strides=self.strides, dilation_rate=self.dilation_rate, use_bias=self.use_bias,
                          padding="same" if self.padding == "same" else "valid", name=str(idx), **fmt)
            if self.depthwise:
                conv = keras.layers.DepthwiseConv2D(k, depthwise_initializer=self.kernel_initializer, **common)
            else:
                conv = keras.layers.Conv2D(out_ch, k, kernel_initializer=self.kernel_initializer, **common)
            pad = None
            amount = get_padding(k, self.strides, self.dilation_rate)
            if self.padding == "" and amount:
                pad = keras.layers.ZeroPadding2D(amount, name=f"{idx}_pad", **fmt)
            shape = list(input_shape)
            shape[axis] = in_ch
            if pad is not None:
                pad.build(tuple(shape))
                shape = list(pad.compute_output_shape(tuple(shape)))
            conv.build(tuple(shape))
            self.pads.append(pad)
            self.convs.append(conv)

    def call(self, inputs):
        channels_last = self.data_format == "channels_last"
        outputs, start = [], 0
        for width, pad, conv in zip(self.in_splits, self.pads, self.convs):
            # Static slices, not `ops.split` (whose index arithmetic breaks torch.compile's graph).
            part = inputs[..., start:start + width] if channels_last else inputs[:, start:start + width]
            start += width
            if pad is not None:
                part = backend_ops.call_layer(pad, part)
            if self.depthwise:
                # The op on the sublayer's kernel: calling a Keras DepthwiseConv2D inside another
                # layer breaks torch.compile's graph (its call-signature dict is mutated).
                y = ops.depthwise_conv(part, ops.cast(conv.kernel, part.dtype), strides=self.strides,
                                       padding=conv.padding, data_format=self.data_format,
                                       dilation_rate=self.dilation_rate)
                if conv.bias is not None:
                    bias = ops.cast(conv.bias, y.dtype)
                    y = (bias if channels_last else ops.reshape(bias, (1, -1, 1, 1))) + y
            else:
                y = backend_ops.call_layer(conv, part)
            outputs.append(y)
        return ops.concatenate(outputs, axis=helpers.channel_axis(self.data_format)) if len(outputs) > 1 else outputs[0]

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        k = self.kernel_size[0]  # every group gives the same size (symmetric padding keeps it per kernel)
        for axis in helpers.spatial_axes(self.data_format):
            pad = "same" if self.padding == "same" else get_padding(k, self.strides, self.dilation_rate)
            shape[axis] = conv_output_length(shape[axis], k, self.strides, self.dilation_rate, pad)
        shape[helpers.channel_axis(self.data_format)] = self.filters
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters, "kernel_size": list(self.kernel_size), "strides": self.strides,
            "padding": self.padding, "dilation_rate": self.dilation_rate, "depthwise": self.depthwise,
            "use_bias": self.use_bias, "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "data_format": self.data_format,
        })
        return config


__all__ = ["MixedConv2D", "split_channels"]
