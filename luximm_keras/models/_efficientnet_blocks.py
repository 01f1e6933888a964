"""The blocks of timm's EfficientNet family: its own squeeze-and-excitation, the depthwise-separable
block, the inverted residual (MBConv), the edge residual (FusedMBConv) and ConvBnAct.

Sublayers carry timm's module names (`conv_pw`, `bn1`, `conv_dw`, `bn2`, `se` with `conv_reduce` and
`conv_expand`, `conv_pwl`, `bn3`, `conv_exp`, `conv`), so timm's keys load as they are. `padding=""`
is timm's symmetric padding (`((s - 1) + (k - 1)) // 2`), `padding="same"` TensorFlow's SAME (the
extra pixel at the end), which timm's `tf_` variants use.

Reference: timm/models/_efficientnet_blocks.py
"""

from __future__ import annotations

import keras
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.layers import helpers
from luximm_keras.layers.drop import DropPath
from luximm_keras.layers.norm_act import BatchNormAct2D
from luximm_keras.layers.padding import get_padding

PADDINGS = ("", "same")
GATES = ("sigmoid", "hard_sigmoid")


def conv_init() -> keras.initializers.Initializer:
    """timm's `_init_weight_goog` for a conv: N(0, 2 / fan_out), fan_out = kh * kw * out / groups
    (for a depthwise kernel `(kh, kw, C, 1)` Keras' fan-out is kh * kw, the same)."""
    return keras.initializers.VarianceScaling(scale=2.0, mode="fan_out", distribution="untruncated_normal")


def _hard_sigmoid(x):
    # PyTorch's hardsigmoid: relu6(x + 3) / 6 (Keras' `hard_sigmoid` is the same function).
    return ops.relu6(x + 3.0) / 6.0


@serializable
class EfficientNetSqueezeExcite(keras.layers.Layer):
    """timm's EfficientNet squeeze-and-excitation: `x * gate(conv_expand(act(conv_reduce(mean_HW(x)))))`.

    Unlike `SqueezeExcite` (timm's `SEModule`), its bottleneck width is `round(C * rd_ratio)` (no
    rounding to a divisor) and its 1x1 convs are named `conv_reduce` and `conv_expand`.

    Args:
        rd_ratio: bottleneck width as a fraction of the input channels (timm's builder passes the
            block's SE ratio divided by its expansion, so it is a fraction of the block input).
        rd_channels: the bottleneck width, overriding `rd_ratio`.
        activation: the bottleneck activation (the block's).
        gate: `"sigmoid"` or `"hard_sigmoid"`.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> EfficientNetSqueezeExcite(0.25, activation="silu")(keras.ops.ones((2, 7, 7, 32))).shape
        (2, 7, 7, 32)

    Reference: timm/models/_efficientnet_blocks.py `SqueezeExcite`.
    """

    def __init__(self, rd_ratio: float = 0.25, rd_channels: int | None = None, activation="relu",
                 gate: str = "sigmoid", data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        if rd_channels is not None and int(rd_channels) < 1:
            raise ValueError(f"`rd_channels` must be a positive int or None, got {rd_channels!r}.")
        if rd_ratio <= 0:
            raise ValueError(f"`rd_ratio` must be positive, got {rd_ratio!r}.")
        if gate not in GATES:
            raise ValueError(f"`gate` must be one of {GATES}, got {gate!r}.")
        self.rd_ratio = float(rd_ratio)
        self.rd_channels = None if rd_channels is None else int(rd_channels)
        self.activation = keras.activations.get(activation)
        self.gate = gate
        self.data_format = helpers.standardize_data_format(data_format)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def bottleneck_channels(self, channels: int) -> int:
        return self.rd_channels or round(channels * self.rd_ratio)

    def build(self, input_shape):
        axis = helpers.channel_axis(self.data_format)
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: channels})
        # The 1x1 convs act on the pooled (N, 1, 1, C) vector, channels-last whatever the data format.
        conv = dict(kernel_size=1, data_format="channels_last", kernel_initializer=conv_init(), dtype=self.dtype_policy)
        self.conv_reduce = keras.layers.Conv2D(self.bottleneck_channels(channels), name="conv_reduce", **conv)
        self.conv_expand = keras.layers.Conv2D(channels, name="conv_expand", **conv)
        pooled = (input_shape[0], 1, 1, channels)
        self.conv_reduce.build(pooled)
        self.conv_expand.build(self.conv_reduce.compute_output_shape(pooled))

    def call(self, inputs):
        squeezed = ops.mean(inputs, axis=helpers.spatial_axes(self.data_format), keepdims=True)
        channels = inputs.shape[helpers.channel_axis(self.data_format)]
        if self.data_format == "channels_first":
            squeezed = ops.reshape(squeezed, (-1, 1, 1, channels))
        hidden = self.activation(backend_ops.call_layer(self.conv_reduce, squeezed))
        logits = backend_ops.call_layer(self.conv_expand, hidden)
        gate = ops.sigmoid(logits) if self.gate == "sigmoid" else _hard_sigmoid(logits)
        if self.data_format == "channels_first":
            gate = ops.reshape(gate, (-1, channels, 1, 1))
        return inputs * gate

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "rd_ratio": self.rd_ratio, "rd_channels": self.rd_channels,
            "activation": keras.activations.serialize(self.activation), "gate": self.gate,
            "data_format": self.data_format,
        })
        return config


_BLOCK_ARGS_DOC = """
        strides: 1 or 2.
        padding: `""` (timm's symmetric padding) or `"same"` (TensorFlow's, timm's `tf_` variants).
        activation: the activation of the normed convs and of the SE bottleneck (a Keras name).
        epsilon: the batch norms' epsilon (timm's 1e-5; 1e-3 in the `tf_` variants).
        drop_path_rate: stochastic-depth rate of the residual branch.
        data_format: `"channels_last"` (default) or `"channels_first"`.
"""


class _EfficientNetBlock(keras.layers.Layer):
    """What the blocks share: arguments, sublayer factories, the residual."""

    # No variables of their own: every sublayer carries timm's module name.
    timm_mapping = {}

    def __init__(self, filters: int, strides: int = 1, padding: str = "", activation="relu",
                 epsilon: float = 1e-5, drop_path_rate: float = 0.0, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        if int(filters) < 1:
            raise ValueError(f"`filters` must be a positive int, got {filters!r}.")
        if int(strides) not in (1, 2):
            raise ValueError(f"`strides` must be 1 or 2, got {strides!r}.")
        if padding not in PADDINGS:
            raise ValueError(f"`padding` must be one of {PADDINGS}, got {padding!r}.")
        self.filters = int(filters)
        self.strides = int(strides)
        self.padding = padding
        self.activation = activation
        keras.activations.get(activation)  # fails early on an unknown name
        self.epsilon = float(epsilon)
        self.drop_path_rate = float(drop_path_rate)
        self.data_format = helpers.standardize_data_format(data_format)
        self.input_spec = keras.layers.InputSpec(ndim=4)
        self.drop_path = DropPath(self.drop_path_rate, name="drop_path", dtype=self.dtype_policy)

    def _fmt(self) -> dict:
        return {"data_format": self.data_format, "dtype": self.dtype_policy}

    def _channels(self, input_shape) -> int:
        axis = helpers.channel_axis(self.data_format)
        if input_shape[axis] is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: input_shape[axis]})
        return int(input_shape[axis])

    def _conv(self, filters, kernel_size, name, strides=1, depthwise=False):
        """timm's `create_conv2d`: (a `ZeroPadding2D` or None, the conv). "same" is TF SAME (Keras'
        "same" pads so on every backend); timm's own padding is symmetric, `get_padding(k, s)`."""
        pad, padding = None, "valid"
        if self.padding == "same":
            padding = "same"
        elif get_padding(kernel_size, strides):
            pad = keras.layers.ZeroPadding2D(get_padding(kernel_size, strides), name=f"{name}_pad", **self._fmt())
        args = dict(strides=strides, padding=padding, use_bias=False, name=name, **self._fmt())
        if depthwise:
            conv = keras.layers.DepthwiseConv2D(kernel_size, depthwise_initializer=conv_init(), **args)
        else:
            conv = keras.layers.Conv2D(filters, kernel_size, kernel_initializer=conv_init(), **args)
        return pad, conv

    def _norm(self, name, act=True):
        return BatchNormAct2D(epsilon=self.epsilon, activation=self.activation if act else None, name=name,
                              **self._fmt())

    def _se(self, rd_ratio):
        if not rd_ratio:
            return None
        return EfficientNetSqueezeExcite(rd_ratio, activation=self.activation, name="se", **self._fmt())

    def _ordered_layers(self) -> list:
        return [getattr(self, name) for name in self._order]

    @staticmethod
    def _build_chain(layers, shape):
        for layer in layers:
            if layer is not None:
                layer.build(shape)
                shape = layer.compute_output_shape(shape)
        return shape

    @staticmethod
    def _run(layers, x, training):
        for layer in layers:
            if layer is None:
                continue
            if isinstance(layer, BatchNormAct2D):
                x = layer(x, training=training)
            elif isinstance(layer, EfficientNetSqueezeExcite):
                x = layer(x)
            else:
                x = backend_ops.call_layer(layer, x)
        return x

    def _residual(self, x, inputs, training):
        if self.has_skip:
            return backend_ops.call_layer(self.drop_path, x, training) + inputs
        return x

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        axes = helpers.spatial_axes(self.data_format)
        for axis in axes:
            shape[axis] = None if shape[axis] is None else -(-shape[axis] // self.strides)
        shape[helpers.channel_axis(self.data_format)] = self.filters
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters, "strides": self.strides, "padding": self.padding,
            "activation": self.activation, "epsilon": self.epsilon, "drop_path_rate": self.drop_path_rate,
            "data_format": self.data_format,
        })
        return config


@serializable
class DepthwiseSeparableConv(_EfficientNetBlock):
    __doc__ = (
        """The depthwise-separable block: depthwise conv, norm + act, SE, 1x1 conv, norm (+ act when
    `pw_act`), and the residual when the shape is kept and `noskip` is not set.

    Sublayers: `conv_dw`, `bn1`, `se`, `conv_pw`, `bn2`.

    Args:
        filters: output channels.
        dw_kernel_size: the depthwise kernel size.
        pw_kernel_size: the pointwise kernel size (1).
        pw_act: activate after the pointwise conv's norm (timm's `dsa` block).
        se_ratio: SE bottleneck width as a fraction of the block input (0: no SE).
        noskip: no residual.
"""
        + _BLOCK_ARGS_DOC
        + """
    Example:
        >>> DepthwiseSeparableConv(16, se_ratio=0.25, activation="silu")(keras.ops.ones((2, 8, 8, 32))).shape
        (2, 8, 8, 16)

    Reference: timm/models/_efficientnet_blocks.py `DepthwiseSeparableConv`.
    """
    )

    def __init__(self, filters: int, dw_kernel_size: int = 3, pw_kernel_size: int = 1, pw_act: bool = False,
                 se_ratio: float = 0.0, noskip: bool = False, **kwargs):
        super().__init__(filters, **kwargs)
        self.dw_kernel_size = int(dw_kernel_size)
        self.pw_kernel_size = int(pw_kernel_size)
        self.pw_act = bool(pw_act)
        self.se_ratio = float(se_ratio)
        self.noskip = bool(noskip)

    def build(self, input_shape):
        in_chs = self._channels(input_shape)
        self.has_skip = self.strides == 1 and in_chs == self.filters and not self.noskip
        self.conv_dw_pad, self.conv_dw = self._conv(in_chs, self.dw_kernel_size, "conv_dw", self.strides, True)
        self.bn1 = self._norm("bn1")
        self.se = self._se(self.se_ratio)
        self.conv_pw_pad, self.conv_pw = self._conv(self.filters, self.pw_kernel_size, "conv_pw")
        self.bn2 = self._norm("bn2", act=self.pw_act)
        self._order = ("conv_dw_pad", "conv_dw", "bn1", "se", "conv_pw_pad", "conv_pw", "bn2",)
        self._build_chain(self._ordered_layers(), input_shape)

    def call(self, inputs, training=None):
        return self._residual(self._run(self._ordered_layers(), inputs, training), inputs, training)

    def get_config(self):
        config = super().get_config()
        config.update({"dw_kernel_size": self.dw_kernel_size, "pw_kernel_size": self.pw_kernel_size,
                       "pw_act": self.pw_act, "se_ratio": self.se_ratio, "noskip": self.noskip})
        return config


@serializable
class InvertedResidual(_EfficientNetBlock):
    __doc__ = (
        """The inverted residual (MBConv): 1x1 expansion conv, norm + act, depthwise conv, norm + act,
    SE, 1x1 projection conv, norm, and the residual when the shape is kept and `noskip` is not set.

    Sublayers: `conv_pw`, `bn1`, `conv_dw`, `bn2`, `se`, `conv_pwl`, `bn3`.

    Args:
        filters: output channels.
        dw_kernel_size: the depthwise kernel size.
        exp_ratio: the hidden width is `make_divisible(in * exp_ratio)`.
        exp_kernel_size, pw_kernel_size: the expansion and projection kernel sizes (1).
        se_ratio: SE bottleneck width as a fraction of the hidden width (timm's builder divides the
            block string's ratio by `exp_ratio`).
        noskip: no residual.
"""
        + _BLOCK_ARGS_DOC
        + """
    Example:
        >>> InvertedResidual(24, strides=2, exp_ratio=6.0)(keras.ops.ones((2, 8, 8, 16))).shape
        (2, 4, 4, 24)

    Reference: timm/models/_efficientnet_blocks.py `InvertedResidual`.
    """
    )

    def __init__(self, filters: int, dw_kernel_size: int = 3, exp_ratio: float = 1.0, exp_kernel_size: int = 1,
                 pw_kernel_size: int = 1, se_ratio: float = 0.0, noskip: bool = False, **kwargs):
        super().__init__(filters, **kwargs)
        if exp_ratio <= 0:
            raise ValueError(f"`exp_ratio` must be positive, got {exp_ratio!r}.")
        self.dw_kernel_size = int(dw_kernel_size)
        self.exp_ratio = float(exp_ratio)
        self.exp_kernel_size = int(exp_kernel_size)
        self.pw_kernel_size = int(pw_kernel_size)
        self.se_ratio = float(se_ratio)
        self.noskip = bool(noskip)

    def build(self, input_shape):
        in_chs = self._channels(input_shape)
        self.has_skip = self.strides == 1 and in_chs == self.filters and not self.noskip
        mid_chs = helpers.make_divisible(in_chs * self.exp_ratio)
        self.conv_pw_pad, self.conv_pw = self._conv(mid_chs, self.exp_kernel_size, "conv_pw")
        self.bn1 = self._norm("bn1")
        self.conv_dw_pad, self.conv_dw = self._conv(mid_chs, self.dw_kernel_size, "conv_dw", self.strides, True)
        self.bn2 = self._norm("bn2")
        self.se = self._se(self.se_ratio)
        self.conv_pwl_pad, self.conv_pwl = self._conv(self.filters, self.pw_kernel_size, "conv_pwl")
        self.bn3 = self._norm("bn3", act=False)
        self._order = ("conv_pw_pad", "conv_pw", "bn1", "conv_dw_pad", "conv_dw", "bn2", "se", "conv_pwl_pad", "conv_pwl", "bn3",)
        self._build_chain(self._ordered_layers(), input_shape)

    def call(self, inputs, training=None):
        return self._residual(self._run(self._ordered_layers(), inputs, training), inputs, training)

    def get_config(self):
        config = super().get_config()
        config.update({"dw_kernel_size": self.dw_kernel_size, "exp_ratio": self.exp_ratio,
                       "exp_kernel_size": self.exp_kernel_size, "pw_kernel_size": self.pw_kernel_size,
                       "se_ratio": self.se_ratio, "noskip": self.noskip})
        return config


@serializable
class EdgeResidual(_EfficientNetBlock):
    __doc__ = (
        """The edge residual (FusedMBConv): a full kxk expansion conv (strided), norm + act, SE, 1x1
    projection conv, norm, and the residual when the shape is kept and `noskip` is not set.

    Sublayers: `conv_exp`, `bn1`, `se`, `conv_pwl`, `bn2`.

    Args:
        filters: output channels.
        exp_kernel_size: the expansion conv's kernel size.
        exp_ratio: the hidden width is `make_divisible(in * exp_ratio)`.
        force_in_chs: when > 0, the hidden width is computed from it instead of the input width
            (timm's hack for the TF EdgeTPU definitions).
        pw_kernel_size: the projection kernel size (1).
        se_ratio: SE bottleneck width as a fraction of the hidden width.
        noskip: no residual.
"""
        + _BLOCK_ARGS_DOC
        + """
    Example:
        >>> EdgeResidual(32, strides=2, exp_ratio=4.0)(keras.ops.ones((2, 8, 8, 16))).shape
        (2, 4, 4, 32)

    Reference: timm/models/_efficientnet_blocks.py `EdgeResidual`.
    """
    )

    def __init__(self, filters: int, exp_kernel_size: int = 3, exp_ratio: float = 1.0, force_in_chs: int = 0,
                 pw_kernel_size: int = 1, se_ratio: float = 0.0, noskip: bool = False, **kwargs):
        super().__init__(filters, **kwargs)
        if exp_ratio <= 0:
            raise ValueError(f"`exp_ratio` must be positive, got {exp_ratio!r}.")
        self.exp_kernel_size = int(exp_kernel_size)
        self.exp_ratio = float(exp_ratio)
        self.force_in_chs = int(force_in_chs)
        self.pw_kernel_size = int(pw_kernel_size)
        self.se_ratio = float(se_ratio)
        self.noskip = bool(noskip)

    def build(self, input_shape):
        in_chs = self._channels(input_shape)
        self.has_skip = self.strides == 1 and in_chs == self.filters and not self.noskip
        mid_chs = helpers.make_divisible((self.force_in_chs if self.force_in_chs > 0 else in_chs) * self.exp_ratio)
        self.conv_exp_pad, self.conv_exp = self._conv(mid_chs, self.exp_kernel_size, "conv_exp", self.strides)
        self.bn1 = self._norm("bn1")
        self.se = self._se(self.se_ratio)
        self.conv_pwl_pad, self.conv_pwl = self._conv(self.filters, self.pw_kernel_size, "conv_pwl")
        self.bn2 = self._norm("bn2", act=False)
        self._order = ("conv_exp_pad", "conv_exp", "bn1", "se", "conv_pwl_pad", "conv_pwl", "bn2",)
        self._build_chain(self._ordered_layers(), input_shape)

    def call(self, inputs, training=None):
        return self._residual(self._run(self._ordered_layers(), inputs, training), inputs, training)

    def get_config(self):
        config = super().get_config()
        config.update({"exp_kernel_size": self.exp_kernel_size, "exp_ratio": self.exp_ratio,
                       "force_in_chs": self.force_in_chs, "pw_kernel_size": self.pw_kernel_size,
                       "se_ratio": self.se_ratio, "noskip": self.noskip})
        return config


@serializable
class ConvBnAct(_EfficientNetBlock):
    __doc__ = (
        """A kxk conv, norm + act, and the residual when `skip` is set and the shape is kept
    (EfficientNet-V2's first stage).

    Sublayers: `conv`, `bn1`.

    Args:
        filters: output channels.
        kernel_size: the conv's kernel size.
        skip: add the input when the shape is kept.
"""
        + _BLOCK_ARGS_DOC
        + """
    Example:
        >>> ConvBnAct(24, kernel_size=3, skip=True)(keras.ops.ones((2, 8, 8, 24))).shape
        (2, 8, 8, 24)

    Reference: timm/models/_efficientnet_blocks.py `ConvBnAct`.
    """
    )

    def __init__(self, filters: int, kernel_size: int = 3, skip: bool = False, **kwargs):
        super().__init__(filters, **kwargs)
        self.kernel_size = int(kernel_size)
        self.skip = bool(skip)

    def build(self, input_shape):
        in_chs = self._channels(input_shape)
        self.has_skip = self.skip and self.strides == 1 and in_chs == self.filters
        self.conv_pad, self.conv = self._conv(self.filters, self.kernel_size, "conv", self.strides)
        self.bn1 = self._norm("bn1")
        self._order = ("conv_pad", "conv", "bn1",)
        self._build_chain(self._ordered_layers(), input_shape)

    def call(self, inputs, training=None):
        return self._residual(self._run(self._ordered_layers(), inputs, training), inputs, training)

    def get_config(self):
        config = super().get_config()
        config.update({"kernel_size": self.kernel_size, "skip": self.skip})
        return config


__all__ = ["EfficientNetSqueezeExcite", "DepthwiseSeparableConv", "InvertedResidual", "EdgeResidual", "ConvBnAct"]
