"""Convolutions with weight standardization: `StdConv2D` (BiT) and `ScaledStdConv2D` (NFNet).

Reference: timm/layers/std_conv.py (`StdConv2d`, `StdConv2dSame`, `ScaledStdConv2d`, `ScaledStdConv2dSame`)
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.initializers import kaiming_normal_fan_out
from luximm_keras.layers import helpers
from luximm_keras.layers.padding import conv_output_length, get_padding


def _standardize_padding(padding, kernel_size, strides, dilation_rate):
    """Returns `"same"` or a `(pad_h, pad_w)` pair of symmetric pixel counts, as PyTorch pads."""
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "same":
            # timm's StdConv2dSame pads dynamically like TF ("SAME", extra pixel at the end): Keras'
            # `backend_ops.conv2d` pads so on every backend (checked against timm's `pad_same`).
            return "same"
        if mode == "valid":
            return (0, 0)
        raise ValueError(f"`padding` must be an int, a pair, 'valid', 'same' or None, got {padding!r}.")
    if padding is None:
        return tuple(
            get_padding(k, s, d) for k, s, d in zip(kernel_size, strides, dilation_rate)
        )
    pair = helpers.to_pair(padding, "padding")
    if min(pair) < 0:
        raise ValueError(f"`padding` must not be negative, got {padding!r}.")
    return pair


@serializable
class StdConv2D(keras.layers.Layer):
    """2D convolution whose kernel is standardized per output channel before every use (BiT).

    Each output channel's kernel is shifted to zero mean and scaled to unit (biased) variance over its
    `(kh, kw, in_channels / groups)` entries, `(w - mean) / sqrt(var + epsilon)`, then convolved.

    Args:
        filters: number of output channels.
        kernel_size: int or pair.
        strides: int or pair.
        padding: an int or pair (symmetric zero padding, as PyTorch), `"valid"`, `"same"` (timm's
            dynamic TF-style SAME padding: the extra pixel goes at the end), or `None` (timm's default
            symmetric padding `((s - 1) + d * (k - 1)) // 2`).
        dilation_rate: int or pair.
        groups: number of channel groups; input and output channels must divide by it.
        use_bias: whether to add a bias.
        epsilon: added to the variance inside the square root; BiT uses 1e-8.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        kernel_initializer, bias_initializer: Keras initializers; the kernel default (None) is PyTorch's
            `kaiming_normal_(mode="fan_out", nonlinearity="relu")`, as timm's ResNetV2 initialises.

    Example:
        >>> layer = StdConv2D(64, 7, strides=2, padding="same")
        >>> layer(keras.ops.ones((1, 32, 32, 3))).shape
        (1, 16, 16, 64)

    Reference: timm/layers/std_conv.py `StdConv2d`, `StdConv2dSame`.
    """

    timm_mapping = {"kernel": ("weight", "oihw_to_hwio"), "bias": ("bias", "identity")}

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: int | Sequence[int] | str | None = 0,
        dilation_rate: int | Sequence[int] = 1,
        groups: int = 1,
        use_bias: bool = False,
        epsilon: float = 1e-8,
        data_format: str | None = None,
        kernel_initializer=None,
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(filters) < 1:
            raise ValueError(f"`filters` must be a positive int, got {filters!r}.")
        if int(groups) < 1 or int(filters) % int(groups):
            raise ValueError(f"`filters` ({filters}) must be divisible by `groups` ({groups}).")
        self.filters = int(filters)
        self.kernel_size = helpers.to_pair(kernel_size, "kernel_size")
        self.strides = helpers.to_pair(strides, "strides")
        self.dilation_rate = helpers.to_pair(dilation_rate, "dilation_rate")
        self.padding = padding if not isinstance(padding, list) else tuple(padding)
        self._padding = _standardize_padding(padding, self.kernel_size, self.strides, self.dilation_rate)
        self.groups = int(groups)
        self.use_bias = bool(use_bias)
        self.epsilon = float(epsilon)
        self.data_format = helpers.standardize_data_format(data_format)
        if kernel_initializer is None:
            kernel_initializer = kaiming_normal_fan_out()
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        axis = helpers.channel_axis(self.data_format)
        in_channels = input_shape[axis]
        if in_channels is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        if in_channels % self.groups:
            raise ValueError(
                f"{self.name}: input channels ({in_channels}) must be divisible by groups ({self.groups})."
            )
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: in_channels})
        # Standardization runs in float32 even under mixed precision: the statistics of a bf16 kernel
        # would lose the precision that makes timm's numbers reproducible.
        self.kernel = self.add_weight(
            name="kernel",
            shape=(*self.kernel_size, in_channels // self.groups, self.filters),
            initializer=self.kernel_initializer,
            autocast=False,
        )
        self.bias = (
            self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer)
            if self.use_bias
            else None
        )

    def standardized_kernel(self):
        """The kernel the convolution uses, in float32: standardized per output channel."""
        return backend_ops.standardize_kernel(self.kernel, self.epsilon)

    def call(self, inputs):
        kernel = ops.cast(self.standardized_kernel(), self.compute_dtype)
        return backend_ops.conv2d(
            inputs,
            kernel,
            self.bias,
            strides=self.strides,
            padding=self._padding,
            dilation_rate=self.dilation_rate,
            data_format=self.data_format,
        )

    def compute_output_shape(self, input_shape):
        rows, cols = [input_shape[a] for a in helpers.spatial_axes(self.data_format)]
        pad_h, pad_w = ("same", "same") if self._padding == "same" else self._padding
        out_rows = conv_output_length(rows, self.kernel_size[0], self.strides[0], self.dilation_rate[0], pad_h)
        out_cols = conv_output_length(cols, self.kernel_size[1], self.strides[1], self.dilation_rate[1], pad_w)
        if self.data_format == "channels_first":
            return (input_shape[0], self.filters, out_rows, out_cols)
        return (input_shape[0], out_rows, out_cols, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "padding": self.padding,
                "dilation_rate": self.dilation_rate,
                "groups": self.groups,
                "use_bias": self.use_bias,
                "epsilon": self.epsilon,
                "data_format": self.data_format,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            }
        )
        return config


@serializable
class ScaledStdConv2D(StdConv2D):
    """Convolution with scaled weight standardization and a learnable per-channel gain (NFNet).

    The kernel is standardized as in `StdConv2D`, then multiplied by `gain * gamma / sqrt(fan_in)`
    with `fan_in = kh * kw * in_channels / groups`.

    Args:
        filters, kernel_size, strides, padding, dilation_rate, groups, data_format: as `StdConv2D`.
        use_bias: whether to add a bias (NFNet: True).
        gamma: the activation's gain constant timm folds into the scale.
        epsilon: added to the variance inside the square root (timm's default 1e-6; NFNet passes 1e-5).
        gain_init: the gain's initial value.

    Example:
        >>> layer = ScaledStdConv2D(16, 3, padding=1, gamma=1.7139588594436646, epsilon=1e-5)
        >>> layer(keras.ops.ones((1, 8, 8, 4))).shape
        (1, 8, 8, 16)

    Reference: timm/layers/std_conv.py `ScaledStdConv2d`, `ScaledStdConv2dSame`.
    """

    timm_mapping = {**StdConv2D.timm_mapping, "gain": ("gain", "per_channel_to_vector")}

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: int | Sequence[int] | str | None = 0,
        dilation_rate: int | Sequence[int] = 1,
        groups: int = 1,
        use_bias: bool = True,
        gamma: float = 1.0,
        epsilon: float = 1e-6,
        gain_init: float = 1.0,
        data_format: str | None = None,
        **kwargs,
    ):
        super().__init__(
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            dilation_rate=dilation_rate,
            groups=groups,
            use_bias=use_bias,
            epsilon=epsilon,
            data_format=data_format,
            **kwargs,
        )
        self.gamma = float(gamma)
        self.gain_init = float(gain_init)

    def build(self, input_shape):
        super().build(input_shape)
        self.gain = self.add_weight(
            name="gain",
            shape=(self.filters,),
            initializer=keras.initializers.Constant(self.gain_init),
            autocast=False,
        )

    def standardized_kernel(self):
        kh, kw, fan_in_channels, _ = self.kernel.shape
        scale = self.gamma * float(kh * kw * fan_in_channels) ** -0.5
        # timm folds `gain * scale` into the standardization (batch_norm's weight); so does `backend_ops`.
        return backend_ops.standardize_kernel(self.kernel, self.epsilon, gain=ops.cast(self.gain, "float32") * scale)

    def get_config(self):
        config = super().get_config()
        config.update({"gamma": self.gamma, "gain_init": self.gain_init})
        return config
