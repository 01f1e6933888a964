"""The blocks of timm's EfficientNet family: its own squeeze-and-excitation, the depthwise-separable
block, the inverted residual (MBConv) and its CondConv form, the edge residual (FusedMBConv) and
ConvBnAct; and MobileNet-V4's universal inverted residual and mobile (multi-query) attention. The
blocks also take what timm's remaining variants use: MixNet's mixed kernels (`MixedConv2D`),
EfficientNet-X's space-to-depth start, grouped convs, GlobalContext in the SE slot, and the test
models' GroupNorm, LayerNorm and EvoNorm-S0 in place of BatchNorm.

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
from luximm_keras.layers.batch_norm import BatchNorm2D
from luximm_keras.layers.blur_pool import BlurPool2D
from luximm_keras.layers.cond_conv2d import CondConv2D
from luximm_keras.layers.drop import DropPath
from luximm_keras.layers.evo_norm import EvoNorm2DS0
from luximm_keras.layers.global_context import GlobalContext
from luximm_keras.layers.layer_scale import LayerScale2D
from luximm_keras.layers.mixed_conv2d import MixedConv2D
from luximm_keras.layers.norm_act import BatchNormAct2D, GroupNormAct, LayerNormAct2D
from luximm_keras.layers.padding import get_padding

PADDINGS = ("", "same")
GATES = ("sigmoid", "hard_sigmoid")
# timm's `aa_layer` names the MobileNet-V4 variants use: a 2x2 average pool ("avg"), a binomial blur
# with reflect ("blur") or zero ("blurpc") padding, each in place of a strided conv's stride.
AA_LAYERS = ("avg", "blur", "blurpc")
# timm's `norm_layer` of the models built on these blocks: BatchNorm (all pretrained ones but three),
# and the `test_efficientnet_gn/_ln/_evos` variants' GroupNormAct, LayerNormAct2d and EvoNorm2dS0.
NORM_LAYERS = ("batchnorm", "groupnorm", "layernorm", "evonorm_s0")
# timm's `se_layer`: EfficientNet's SqueezeExcite, or GlobalContext (`se_layer='gc'`).
SE_LAYERS = ("se", "gc")


def conv_init(groups: int = 1) -> keras.initializers.Initializer:
    """timm's `_init_weight_goog` for a conv: N(0, 2 / fan_out), fan_out = kh * kw * out / groups
    (for a depthwise kernel `(kh, kw, C, 1)` Keras' fan-out is kh * kw, the same; a grouped conv's
    Keras fan-out lacks the `/ groups`, hence the scale)."""
    return keras.initializers.VarianceScaling(scale=2.0 * groups, mode="fan_out", distribution="untruncated_normal")


def kernel_size_arg(value):
    """A block's kernel-size argument: an int, or a list of ints (MixNet's mixed kernels)."""
    if isinstance(value, (list, tuple)):
        return [int(k) for k in value]
    return int(value)


def norm_act(norm_layer: str, name: str, epsilon: float, activation=None, group_size: int | None = None,
             data_format: str = "channels_last", dtype=None) -> keras.layers.Layer:
    """timm's `get_norm_act_layer(norm_layer, act_layer)(channels, apply_act=...)`: the norm + act
    layer of `norm_layer` (see `NORM_LAYERS`). EvoNorm-S0 has its own gate: the activation only
    says whether it applies (timm's `apply_act`). `group_size` is what timm's variants bind to
    GroupNormAct and EvoNorm2dS0 (None: their 32 groups)."""
    fmt = dict(name=name, data_format=data_format, dtype=dtype)
    if norm_layer == "batchnorm":
        return BatchNormAct2D(epsilon=epsilon, activation=activation, **fmt)
    if norm_layer == "groupnorm":
        return GroupNormAct(epsilon=epsilon, activation=activation, group_size=group_size, **fmt)
    if norm_layer == "layernorm":
        return LayerNormAct2D(epsilon=epsilon, activation=activation, **fmt)
    if norm_layer == "evonorm_s0":
        return EvoNorm2DS0(group_size=group_size, apply_act=activation is not None, epsilon=epsilon, **fmt)
    raise ValueError(f"`norm_layer` must be one of {NORM_LAYERS}, got {norm_layer!r}.")


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
        round_limit: None (default): the width is `round(C * rd_ratio)`, timm's default `rd_round_fn`;
            a number: timm's `round_channels` (`make_divisible(C * rd_ratio, 8, round_limit=...)`), the
            `rd_round_fn` of MobileNet-V3 (0.9) and FBNet-V3 (0.95).

    Example:
        >>> EfficientNetSqueezeExcite(0.25, activation="silu")(keras.ops.ones((2, 7, 7, 32))).shape
        (2, 7, 7, 32)

    Reference: timm/models/_efficientnet_blocks.py `SqueezeExcite`.
    """

    def __init__(self, rd_ratio: float = 0.25, rd_channels: int | None = None, activation="relu",
                 gate: str = "sigmoid", data_format: str | None = None, round_limit: float | None = None,
                 **kwargs):
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
        self.round_limit = None if round_limit is None else float(round_limit)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def bottleneck_channels(self, channels: int) -> int:
        if self.rd_channels:
            return self.rd_channels
        if self.round_limit is None:
            return round(channels * self.rd_ratio)
        return helpers.make_divisible(channels * self.rd_ratio, 8, round_limit=self.round_limit)

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
            "data_format": self.data_format, "round_limit": self.round_limit,
        })
        return config


_BLOCK_ARGS_DOC = """
        strides: 1 or 2.
        dilation: the dilation of the block's spatial (kxk) convs (timm's builder dilates them
            instead of striding past `output_stride`); a strided block is undilated, as timm's
            builder makes them.
        padding: `""` (timm's symmetric padding) or `"same"` (TensorFlow's, timm's `tf_` variants).
        activation: the activation of the normed convs and of the SE bottleneck (a Keras name).
        epsilon: the batch norms' epsilon (timm's 1e-5; 1e-3 in the `tf_` variants).
        drop_path_rate: stochastic-depth rate of the residual branch.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        se_gate, se_activation, se_round_limit: what timm's model-level `se_layer` partial fixes: the
            SE's gate (`"sigmoid"`; MobileNet-V3's `"hard_sigmoid"`), its bottleneck activation when
            forced (timm's `force_act_layer`; None: the block's) and its width rounding (see
            `EfficientNetSqueezeExcite.round_limit`).
        aa_layer: None, or timm's anti-aliasing (`"avg"`, `"blur"`, `"blurpc"`) after a strided
            conv's norm, the conv then unstrided (blocks that take it: EdgeResidual, ConvBnAct,
            UniversalInvertedResidual).
        norm_layer: `"batchnorm"` (default), `"groupnorm"`, `"layernorm"` or `"evonorm_s0"` (timm's
            `norm_layer`: BatchNormAct2d, GroupNormAct, LayerNormAct2d, EvoNorm2dS0).
        norm_group_size: channels per group of the group norms (None: 32 groups).
        se_layer: `"se"` (EfficientNet's squeeze-excite) or `"gc"` (timm's GlobalContext).
"""


class _EfficientNetBlock(keras.layers.Layer):
    """What the blocks share: arguments, sublayer factories, the residual."""

    # No variables of their own: every sublayer carries timm's module name.
    timm_mapping = {}

    def __init__(self, filters: int, strides: int = 1, padding: str = "", activation="relu",
                 epsilon: float = 1e-5, drop_path_rate: float = 0.0, data_format: str | None = None,
                 se_gate: str = "sigmoid", se_activation=None, se_round_limit: float | None = None,
                 aa_layer: str | None = None, norm_layer: str = "batchnorm", norm_group_size: int | None = None,
                 se_layer: str = "se", dilation: int = 1, **kwargs):
        super().__init__(**kwargs)
        if int(filters) < 1:
            raise ValueError(f"`filters` must be a positive int, got {filters!r}.")
        if int(strides) not in (1, 2):
            raise ValueError(f"`strides` must be 1 or 2, got {strides!r}.")
        if padding not in PADDINGS:
            raise ValueError(f"`padding` must be one of {PADDINGS}, got {padding!r}.")
        if int(dilation) < 1:
            raise ValueError(f"`dilation` must be a positive int, got {dilation!r}.")
        if int(dilation) > 1 and int(strides) > 1:
            # Keras convs take no stride with a dilation; timm's builder never makes one (a stride
            # past `output_stride` becomes the next blocks' dilation).
            raise ValueError(f"a block is strided or dilated, not both: strides={strides!r}, dilation={dilation!r}.")
        self.filters = int(filters)
        self.strides = int(strides)
        self.dilation = int(dilation)
        self.padding = padding
        self.activation = activation
        keras.activations.get(activation)  # fails early on an unknown name
        self.epsilon = float(epsilon)
        self.drop_path_rate = float(drop_path_rate)
        self.data_format = helpers.standardize_data_format(data_format)
        if se_gate not in GATES:
            raise ValueError(f"`se_gate` must be one of {GATES}, got {se_gate!r}.")
        if aa_layer is not None and aa_layer not in AA_LAYERS:
            raise ValueError(f"`aa_layer` must be None or one of {AA_LAYERS}, got {aa_layer!r}.")
        self.se_gate = se_gate
        self.se_activation = se_activation
        if se_activation is not None:
            keras.activations.get(se_activation)
        self.se_round_limit = None if se_round_limit is None else float(se_round_limit)
        self.aa_layer = aa_layer
        if norm_layer not in NORM_LAYERS:
            raise ValueError(f"`norm_layer` must be one of {NORM_LAYERS}, got {norm_layer!r}.")
        if se_layer not in SE_LAYERS:
            raise ValueError(f"`se_layer` must be one of {SE_LAYERS}, got {se_layer!r}.")
        self.norm_layer = norm_layer
        self.norm_group_size = None if not norm_group_size else int(norm_group_size)
        self.se_layer = se_layer
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

    def _conv(self, filters, kernel_size, name, strides=1, depthwise=False, groups=1, padding=None, dilation=1):
        """timm's `create_conv2d`: (a `ZeroPadding2D` or None, the conv). "same" is TF SAME (Keras'
        "same" pads so on every backend, dilated too); timm's own padding is symmetric,
        `get_padding(k, s, d)`. `dilation` is given only where timm passes the block's. A
        list of kernel sizes is timm's `MixedConv2d` (depthwise, or each split a full conv), which
        pads per kernel itself. `padding` overrides the block's (timm's space-to-depth convs)."""
        padding_type = self.padding if padding is None else padding
        if isinstance(kernel_size, list):
            if groups != 1:
                raise ValueError(f"{self.name}: timm's MixedConv2d is depthwise or ungrouped, got groups={groups}.")
            return None, MixedConv2D(filters, kernel_size, strides=strides, padding=padding_type, depthwise=depthwise,
                                     dilation_rate=dilation, kernel_initializer=conv_init(), name=name, **self._fmt())
        pad, conv_padding = None, "valid"
        if padding_type == "same":
            conv_padding = "same"
        elif get_padding(kernel_size, strides, dilation):
            pad = keras.layers.ZeroPadding2D(get_padding(kernel_size, strides, dilation), name=f"{name}_pad",
                                             **self._fmt())
        args = dict(strides=strides, dilation_rate=dilation, padding=conv_padding, use_bias=False, name=name,
                    **self._fmt())
        if depthwise:
            conv = keras.layers.DepthwiseConv2D(kernel_size, depthwise_initializer=conv_init(), **args)
        else:
            conv = keras.layers.Conv2D(filters, kernel_size, groups=groups, kernel_initializer=conv_init(groups),
                                       **args)
        return pad, conv

    def _norm(self, name, act=True):
        return norm_act(self.norm_layer, name, self.epsilon, self.activation if act else None, self.norm_group_size,
                        self.data_format, self.dtype_policy)

    def _se(self, rd_ratio, rd_channels=None):
        if not rd_ratio and not rd_channels:
            return None
        activation = self.activation if self.se_activation is None else self.se_activation
        if self.se_layer == "gc":
            # timm's builder hands GlobalContext the block's SE ratio and activation; its other
            # arguments keep their defaults (attention pooling, the sigmoid-gated scale branch).
            return GlobalContext(rd_ratio=rd_ratio, rd_channels=rd_channels, activation=activation, name="se",
                                 **self._fmt())
        return EfficientNetSqueezeExcite(rd_ratio or 0.25, rd_channels=rd_channels, activation=activation,
                                         gate=self.se_gate, round_limit=self.se_round_limit, name="se", **self._fmt())

    def _space_to_depth(self, in_chs):
        """timm's space-to-depth stem of a block (`s2d=1`, EfficientNet-X): a 2x2 stride-2 conv with TF
        SAME padding to 4x the channels, then norm + act; (conv_s2d, bn_s2d), or Nones."""
        if getattr(self, "s2d", 0) != 1:
            return None, None
        _, conv = self._conv(4 * in_chs, 2, "conv_s2d", strides=2, padding="same")
        return conv, self._norm("bn_s2d")

    def _downsampling(self) -> int:
        """The block's total stride: its own, times 2 for a space-to-depth block."""
        return self.strides * (2 if getattr(self, "s2d", 0) == 1 else 1)

    def _use_aa(self, strides) -> bool:
        return self.aa_layer is not None and strides > 1

    def _aa(self, channels, strides, name="aa"):
        """timm's `create_aa(aa_layer, channels, stride)` where the conv before it was unstrided;
        None where timm's is the identity (no `aa_layer`, or stride 1)."""
        if not self._use_aa(strides):
            return None
        if self.aa_layer == "avg":  # timm's `nn.AvgPool2d(stride)`: kernel = stride, no padding, floor
            return keras.layers.AveragePooling2D(strides, strides, padding="valid", name=name, **self._fmt())
        pad_mode = "constant" if self.aa_layer == "blurpc" else "reflect"
        return BlurPool2D(channels, filt_size=3, stride=strides, pad_mode=pad_mode, name=name, **self._fmt())

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
            elif isinstance(layer, (EfficientNetSqueezeExcite, GlobalContext, MixedConv2D)):
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
            if shape[axis] is None:
                continue
            if self.aa_layer == "avg":  # a 2x2 average pool after the unstrided conv: floor, not ceil
                shape[axis] = shape[axis] // self.strides
            else:
                shape[axis] = -(-shape[axis] // self._downsampling())
        shape[helpers.channel_axis(self.data_format)] = self.filters
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters, "strides": self.strides, "dilation": self.dilation, "padding": self.padding,
            "activation": self.activation, "epsilon": self.epsilon, "drop_path_rate": self.drop_path_rate,
            "data_format": self.data_format, "se_gate": self.se_gate, "se_activation": self.se_activation,
            "se_round_limit": self.se_round_limit, "aa_layer": self.aa_layer, "norm_layer": self.norm_layer,
            "norm_group_size": self.norm_group_size, "se_layer": self.se_layer,
        })
        return config


@serializable
class DepthwiseSeparableConv(_EfficientNetBlock):
    __doc__ = (
        """The depthwise-separable block: depthwise conv, norm + act, SE, 1x1 conv, norm (+ act when
    `pw_act`), and the residual when the shape is kept and `noskip` is not set.

    Sublayers: `conv_s2d`, `bn_s2d`, `conv_dw`, `bn1`, `se`, `conv_pw`, `bn2`.

    Args:
        filters: output channels.
        dw_kernel_size: the depthwise kernel size (a list: MixNet's mixed depthwise kernels).
        pw_kernel_size: the pointwise kernel size (1; a list: split pointwise convs).
        pw_act: activate after the pointwise conv's norm (timm's `dsa` block).
        se_ratio: SE bottleneck width as a fraction of the block input (0: no SE).
        noskip: no residual.
        group_size: channels per group of the `conv_dw` (1: depthwise, timm's default).
        s2d: 1: timm's space-to-depth start (EfficientNet-X): a 2x2 stride-2 conv to 4x the input
            width (`conv_s2d`, `bn_s2d`) before the depthwise conv, whose kernel becomes
            `(k + 1) // 2`; `filters` is then the (already 4x) output width.
        se_channels: the SE bottleneck width, overriding `se_ratio` (timm's pruned models).
"""
        + _BLOCK_ARGS_DOC
        + """
    Example:
        >>> DepthwiseSeparableConv(16, se_ratio=0.25, activation="silu")(keras.ops.ones((2, 8, 8, 32))).shape
        (2, 8, 8, 16)

    Reference: timm/models/_efficientnet_blocks.py `DepthwiseSeparableConv`.
    """
    )

    def __init__(self, filters: int, dw_kernel_size=3, pw_kernel_size=1, pw_act: bool = False,
                 se_ratio: float = 0.0, noskip: bool = False, group_size: int = 1, s2d: int = 0,
                 se_channels: int | None = None, **kwargs):
        super().__init__(filters, **kwargs)
        self.dw_kernel_size = kernel_size_arg(dw_kernel_size)
        self.pw_kernel_size = kernel_size_arg(pw_kernel_size)
        self.pw_act = bool(pw_act)
        self.se_ratio = float(se_ratio)
        self.noskip = bool(noskip)
        self.group_size = int(group_size or 0)
        if int(s2d) not in (0, 1):
            raise ValueError(f"`s2d` must be 0 or 1, got {s2d!r}.")
        self.s2d = int(s2d)
        if self.s2d and (self.strides != 1 or isinstance(self.dw_kernel_size, list)):
            raise ValueError("a space-to-depth block has stride 1 and one depthwise kernel size (as timm's builder).")
        self.se_channels = None if not se_channels else int(se_channels)

    def build(self, input_shape):
        in_chs = self._channels(input_shape)
        if self._use_aa(self.strides):
            raise ValueError(f"{self.name}: anti-aliasing is not ported for DepthwiseSeparableConv.")
        self.has_skip = self.strides == 1 and in_chs == self.filters and not self.noskip
        self.conv_s2d, self.bn_s2d = self._space_to_depth(in_chs)
        dw_kernel_size, dw_padding = self.dw_kernel_size, None
        if self.s2d:
            in_chs *= 4
            dw_kernel_size = (dw_kernel_size + 1) // 2
            dw_padding = "same" if dw_kernel_size == 2 else None
        groups = in_chs // self.group_size if self.group_size else 1
        self.conv_dw_pad, self.conv_dw = self._conv(in_chs, dw_kernel_size, "conv_dw", self.strides,
                                                    groups == in_chs, 1 if groups == in_chs else groups, dw_padding,
                                                    self.dilation)
        self.bn1 = self._norm("bn1")
        self.se = self._se(self.se_ratio, self.se_channels)
        self.conv_pw_pad, self.conv_pw = self._conv(self.filters, self.pw_kernel_size, "conv_pw")
        self.bn2 = self._norm("bn2", act=self.pw_act)
        self._order = ("conv_s2d", "bn_s2d", "conv_dw_pad", "conv_dw", "bn1", "se", "conv_pw_pad", "conv_pw", "bn2",)
        self._build_chain(self._ordered_layers(), input_shape)

    def call(self, inputs, training=None):
        return self._residual(self._run(self._ordered_layers(), inputs, training), inputs, training)

    def get_config(self):
        config = super().get_config()
        config.update({"dw_kernel_size": self.dw_kernel_size, "pw_kernel_size": self.pw_kernel_size,
                       "pw_act": self.pw_act, "se_ratio": self.se_ratio, "noskip": self.noskip,
                       "group_size": self.group_size, "s2d": self.s2d, "se_channels": self.se_channels})
        return config


@serializable
class InvertedResidual(_EfficientNetBlock):
    __doc__ = (
        """The inverted residual (MBConv): 1x1 expansion conv, norm + act, depthwise conv, norm + act,
    SE, 1x1 projection conv, norm, and the residual when the shape is kept and `noskip` is not set.

    Sublayers: `conv_s2d`, `bn_s2d`, `conv_pw`, `bn1`, `conv_dw`, `bn2`, `se`, `conv_pwl`, `bn3`.

    Args:
        filters: output channels.
        dw_kernel_size: the depthwise kernel size (a list: MixNet's mixed depthwise kernels).
        exp_ratio: the hidden width is `make_divisible(in * exp_ratio)`.
        exp_kernel_size, pw_kernel_size: the expansion and projection kernel sizes (1; a list: the
            channels split over that many convs, MixNet's `a1.1`/`p1.1`).
        se_ratio: SE bottleneck width as a fraction of the hidden width (timm's builder divides the
            block string's ratio by `exp_ratio`).
        noskip: no residual.
        group_size: channels per group of the `conv_dw` (1: depthwise, timm's default).
        s2d: 1: timm's space-to-depth start (see `DepthwiseSeparableConv`).
        mid_chs, se_channels: the hidden and SE bottleneck widths, overriding `exp_ratio` and
            `se_ratio` (timm's pruned models).
"""
        + _BLOCK_ARGS_DOC
        + """
    Example:
        >>> InvertedResidual(24, strides=2, exp_ratio=6.0)(keras.ops.ones((2, 8, 8, 16))).shape
        (2, 4, 4, 24)

    Reference: timm/models/_efficientnet_blocks.py `InvertedResidual`.
    """
    )

    def __init__(self, filters: int, dw_kernel_size=3, exp_ratio: float = 1.0, exp_kernel_size=1,
                 pw_kernel_size=1, se_ratio: float = 0.0, noskip: bool = False, group_size: int = 1, s2d: int = 0,
                 mid_chs: int | None = None, se_channels: int | None = None, **kwargs):
        super().__init__(filters, **kwargs)
        if exp_ratio <= 0:
            raise ValueError(f"`exp_ratio` must be positive, got {exp_ratio!r}.")
        self.dw_kernel_size = kernel_size_arg(dw_kernel_size)
        self.exp_ratio = float(exp_ratio)
        self.exp_kernel_size = kernel_size_arg(exp_kernel_size)
        self.pw_kernel_size = kernel_size_arg(pw_kernel_size)
        self.se_ratio = float(se_ratio)
        self.noskip = bool(noskip)
        self.group_size = int(group_size or 0)
        if int(s2d) not in (0, 1):
            raise ValueError(f"`s2d` must be 0 or 1, got {s2d!r}.")
        self.s2d = int(s2d)
        if self.s2d and (self.strides != 1 or isinstance(self.dw_kernel_size, list)):
            raise ValueError("a space-to-depth block has stride 1 and one depthwise kernel size (as timm's builder).")
        self.mid_chs = None if not mid_chs else int(mid_chs)
        self.se_channels = None if not se_channels else int(se_channels)

    def _hidden(self, in_chs):
        mid_chs = self.mid_chs or helpers.make_divisible(in_chs * self.exp_ratio)
        groups = mid_chs // self.group_size if self.group_size else 1
        return mid_chs, groups

    def build(self, input_shape):
        in_chs = self._channels(input_shape)
        if self._use_aa(self.strides):
            raise ValueError(f"{self.name}: anti-aliasing is not ported for InvertedResidual.")
        self.has_skip = self.strides == 1 and in_chs == self.filters and not self.noskip
        self.conv_s2d, self.bn_s2d = self._space_to_depth(in_chs)
        dw_kernel_size, dw_padding = self.dw_kernel_size, None
        if self.s2d:
            in_chs *= 4
            dw_kernel_size = (dw_kernel_size + 1) // 2
            dw_padding = "same" if dw_kernel_size == 2 else None
        mid_chs, groups = self._hidden(in_chs)
        self.conv_pw_pad, self.conv_pw = self._conv(mid_chs, self.exp_kernel_size, "conv_pw")
        self.bn1 = self._norm("bn1")
        self.conv_dw_pad, self.conv_dw = self._conv(mid_chs, dw_kernel_size, "conv_dw", self.strides,
                                                    groups == mid_chs, 1 if groups == mid_chs else groups, dw_padding,
                                                    self.dilation)
        self.bn2 = self._norm("bn2")
        self.se = self._se(self.se_ratio, self.se_channels)
        self.conv_pwl_pad, self.conv_pwl = self._conv(self.filters, self.pw_kernel_size, "conv_pwl")
        self.bn3 = self._norm("bn3", act=False)
        self._order = ("conv_s2d", "bn_s2d", "conv_pw_pad", "conv_pw", "bn1", "conv_dw_pad", "conv_dw", "bn2", "se",
                       "conv_pwl_pad", "conv_pwl", "bn3",)
        self._build_chain(self._ordered_layers(), input_shape)

    def call(self, inputs, training=None):
        return self._residual(self._run(self._ordered_layers(), inputs, training), inputs, training)

    def get_config(self):
        config = super().get_config()
        config.update({"dw_kernel_size": self.dw_kernel_size, "exp_ratio": self.exp_ratio,
                       "exp_kernel_size": self.exp_kernel_size, "pw_kernel_size": self.pw_kernel_size,
                       "se_ratio": self.se_ratio, "noskip": self.noskip, "group_size": self.group_size,
                       "s2d": self.s2d, "mid_chs": self.mid_chs, "se_channels": self.se_channels})
        return config


@serializable
class CondConvResidual(InvertedResidual):
    __doc__ = (
        """The inverted residual with CondConv (EfficientNet-CondConv): routing weights
    `sigmoid(routing_fn(mean_HW(x)))` per sample mix `num_experts` kernels in each of the expansion,
    depthwise and projection convs (`CondConv2D`); norms, SE and residual as `InvertedResidual`'s.

    Sublayers: `routing_fn`, `conv_pw`, `bn1`, `conv_dw`, `bn2`, `se`, `conv_pwl`, `bn3`.

    Args:
        filters: output channels.
        num_experts: the experts of each CondConv.
        dw_kernel_size, exp_ratio, se_ratio, noskip: as `InvertedResidual`'s (single kernel
            sizes; the 1x1 expansion and projection).
"""
        + _BLOCK_ARGS_DOC
        + """
    Example:
        >>> CondConvResidual(24, num_experts=4, exp_ratio=6.0)(keras.ops.ones((2, 8, 8, 16))).shape
        (2, 8, 8, 24)

    Reference: timm/models/_efficientnet_blocks.py `CondConvResidual`.
    """
    )

    def __init__(self, filters: int, num_experts: int = 4, **kwargs):
        super().__init__(filters, **kwargs)
        if int(num_experts) < 1:
            raise ValueError(f"`num_experts` must be a positive int, got {num_experts!r}.")
        for arg in ("dw_kernel_size", "exp_kernel_size", "pw_kernel_size"):
            if isinstance(getattr(self, arg), list):
                raise ValueError(f"timm does not combine MixedConv2d with CondConv (`{arg}`).")
        if self.s2d or self.aa_layer is not None or self.group_size != 1:
            raise ValueError("CondConvResidual is ported without space-to-depth, anti-aliasing or grouped convs.")
        self.num_experts = int(num_experts)

    def _cond_conv(self, filters, kernel_size, name, strides=1, depthwise=False, channels=None, dilation=1):
        return CondConv2D(filters, kernel_size, strides=strides, padding=self.padding, dilation_rate=dilation,
                          groups=channels if depthwise else 1, num_experts=self.num_experts, name=name,
                          **self._fmt())

    def build(self, input_shape):
        in_chs = self._channels(input_shape)
        self.has_skip = self.strides == 1 and in_chs == self.filters and not self.noskip
        mid_chs, _ = self._hidden(in_chs)
        # timm's nn.Linear init in `_init_weight_goog`: U(+-1/sqrt(fan_out)), fan_out the experts.
        limit = 1.0 / self.num_experts ** 0.5
        self.routing_fn = keras.layers.Dense(self.num_experts, kernel_initializer=keras.initializers.RandomUniform(
            -limit, limit), name="routing_fn", dtype=self.dtype_policy)
        self.routing_fn.build((input_shape[0], in_chs))
        self.conv_pw = self._cond_conv(mid_chs, self.exp_kernel_size, "conv_pw")
        self.bn1 = self._norm("bn1")
        self.conv_dw = self._cond_conv(mid_chs, self.dw_kernel_size, "conv_dw", self.strides, True, mid_chs,
                                       self.dilation)
        self.bn2 = self._norm("bn2")
        self.se = self._se(self.se_ratio, self.se_channels)
        self.conv_pwl = self._cond_conv(self.filters, self.pw_kernel_size, "conv_pwl")
        self.bn3 = self._norm("bn3", act=False)
        shape = input_shape
        for layer in (self.conv_pw, self.bn1, self.conv_dw, self.bn2, self.se, self.conv_pwl, self.bn3):
            if layer is None:
                continue
            layer.build(shape)
            shape = layer.compute_output_shape(shape)

    def call(self, inputs, training=None):
        pooled = ops.mean(inputs, axis=helpers.spatial_axes(self.data_format))
        routing = ops.sigmoid(backend_ops.call_layer(self.routing_fn, pooled))
        x = self.conv_pw(inputs, routing)
        x = self._run([self.bn1], x, training)
        x = self.conv_dw(x, routing)
        x = self._run([self.bn2, self.se], x, training)
        x = self.conv_pwl(x, routing)
        x = self._run([self.bn3], x, training)
        return self._residual(x, inputs, training)

    def get_config(self):
        config = super().get_config()
        config["num_experts"] = self.num_experts
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
        group_size: channels per group of the expansion conv, counted on its output as timm does
            (0: an ordinary conv).
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
                 pw_kernel_size: int = 1, se_ratio: float = 0.0, noskip: bool = False, group_size: int = 0, **kwargs):
        super().__init__(filters, **kwargs)
        self.group_size = int(group_size or 0)
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
        groups = mid_chs // self.group_size if self.group_size else 1  # timm counts the groups on the output
        conv_strides = 1 if self._use_aa(self.strides) else self.strides
        self.conv_exp_pad, self.conv_exp = self._conv(mid_chs, self.exp_kernel_size, "conv_exp", conv_strides,
                                                      groups=groups, dilation=self.dilation)
        self.bn1 = self._norm("bn1")
        self.aa = self._aa(mid_chs, self.strides)
        self.se = self._se(self.se_ratio)
        self.conv_pwl_pad, self.conv_pwl = self._conv(self.filters, self.pw_kernel_size, "conv_pwl")
        self.bn2 = self._norm("bn2", act=False)
        self._order = ("conv_exp_pad", "conv_exp", "bn1", "aa", "se", "conv_pwl_pad", "conv_pwl", "bn2",)
        self._build_chain(self._ordered_layers(), input_shape)

    def call(self, inputs, training=None):
        return self._residual(self._run(self._ordered_layers(), inputs, training), inputs, training)

    def get_config(self):
        config = super().get_config()
        config.update({"exp_kernel_size": self.exp_kernel_size, "exp_ratio": self.exp_ratio,
                       "force_in_chs": self.force_in_chs, "pw_kernel_size": self.pw_kernel_size,
                       "se_ratio": self.se_ratio, "noskip": self.noskip, "group_size": self.group_size})
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
        group_size: channels per group of the conv, counted on its input (0: an ordinary conv).
"""
        + _BLOCK_ARGS_DOC
        + """
    Example:
        >>> ConvBnAct(24, kernel_size=3, skip=True)(keras.ops.ones((2, 8, 8, 24))).shape
        (2, 8, 8, 24)

    Reference: timm/models/_efficientnet_blocks.py `ConvBnAct`.
    """
    )

    def __init__(self, filters: int, kernel_size: int = 3, skip: bool = False, group_size: int = 0, **kwargs):
        super().__init__(filters, **kwargs)
        self.kernel_size = int(kernel_size)
        self.skip = bool(skip)
        self.group_size = int(group_size or 0)

    def build(self, input_shape):
        in_chs = self._channels(input_shape)
        self.has_skip = self.skip and self.strides == 1 and in_chs == self.filters
        conv_strides = 1 if self._use_aa(self.strides) else self.strides
        groups = in_chs // self.group_size if self.group_size else 1
        self.conv_pad, self.conv = self._conv(self.filters, self.kernel_size, "conv", conv_strides, groups=groups,
                                              dilation=self.dilation)
        self.bn1 = self._norm("bn1")
        self.aa = self._aa(self.filters, self.strides)
        self._order = ("conv_pad", "conv", "bn1", "aa",)
        self._build_chain(self._ordered_layers(), input_shape)

    def call(self, inputs, training=None):
        return self._residual(self._run(self._ordered_layers(), inputs, training), inputs, training)

    def get_config(self):
        config = super().get_config()
        config.update({"kernel_size": self.kernel_size, "skip": self.skip, "group_size": self.group_size})
        return config



@serializable
class UniversalInvertedResidual(_EfficientNetBlock):
    __doc__ = (
        """MobileNet-V4's universal inverted bottleneck: an optional depthwise conv + norm at the start,
    a 1x1 expansion + norm + act, an optional middle depthwise conv + norm + act, SE, a 1x1 projection
    + norm, an optional depthwise conv + norm at the end, layer scale, and the residual when the shape
    is kept and `noskip` is not set. With kernels (start, mid) it is timm's ExtraDW (k, k), inverted
    bottleneck (0, k), ConvNeXt-like (k, 0) or FFN (0, 0) block.

    The stride sits on the middle depthwise conv, else on the start one, else on the end one.

    Sublayers: `dw_start__conv`, `dw_start__bn`, `pw_exp__conv`, `pw_exp__bn`, `dw_mid__conv`,
    `dw_mid__bn`, `dw_mid__aa`, `se`, `pw_proj__conv`, `pw_proj__bn`, `dw_end__conv`, `dw_end__bn`,
    `layer_scale` (timm's `ConvNormAct` modules `dw_start`, `pw_exp`, ...).

    Args:
        filters: output channels.
        dw_kernel_size_start, dw_kernel_size_mid, dw_kernel_size_end: the depthwise kernels (0: none).
        exp_ratio: the hidden width is `make_divisible(in * exp_ratio)`.
        se_ratio: SE bottleneck width as a fraction of the hidden width (0: no SE).
        noskip: no residual.
        layer_scale_init_value: the initial layer-scale value (None: no layer scale; timm's builder
            passes 1e-5 in the hybrid models and None in the conv ones).
"""
        + _BLOCK_ARGS_DOC
        + """
    Example:
        >>> UniversalInvertedResidual(32, dw_kernel_size_start=3, dw_kernel_size_mid=5, strides=2,
        ...                           exp_ratio=4.0)(keras.ops.ones((2, 8, 8, 16))).shape
        (2, 4, 4, 32)

    Reference: timm/models/_efficientnet_blocks.py `UniversalInvertedResidual`.
    """
    )

    def __init__(self, filters: int, dw_kernel_size_start: int = 0, dw_kernel_size_mid: int = 3,
                 dw_kernel_size_end: int = 0, exp_ratio: float = 1.0, se_ratio: float = 0.0, noskip: bool = False,
                 layer_scale_init_value: float | None = 1e-5, **kwargs):
        super().__init__(filters, **kwargs)
        if exp_ratio <= 0:
            raise ValueError(f"`exp_ratio` must be positive, got {exp_ratio!r}.")
        self.dw_kernel_size_start = int(dw_kernel_size_start)
        self.dw_kernel_size_mid = int(dw_kernel_size_mid)
        self.dw_kernel_size_end = int(dw_kernel_size_end)
        if self.strides > 1 and not (self.dw_kernel_size_start or self.dw_kernel_size_mid or self.dw_kernel_size_end):
            raise ValueError("a strided UniversalInvertedResidual needs a depthwise conv to carry the stride.")
        self.exp_ratio = float(exp_ratio)
        self.se_ratio = float(se_ratio)
        self.noskip = bool(noskip)
        self.layer_scale_init_value = None if layer_scale_init_value is None else float(layer_scale_init_value)

    def _conv_norm(self, prefix, filters, kernel_size, strides=1, depthwise=False, act=True, aa=False, dilation=1):
        """timm's `ConvNormAct`: (pad, conv, norm + act, anti-aliasing) named `{prefix}__conv`, ..."""
        use_aa = aa and self._use_aa(strides)
        pad, conv = self._conv(filters, kernel_size, f"{prefix}__conv", 1 if use_aa else strides, depthwise,
                               dilation=dilation)
        norm = self._norm(f"{prefix}__bn", act=act)
        return [pad, conv, norm, self._aa(filters, strides, f"{prefix}__aa") if use_aa else None]

    def build(self, input_shape):
        in_chs = self._channels(input_shape)
        self.has_skip = self.strides == 1 and in_chs == self.filters and not self.noskip
        if self.dw_kernel_size_end and not (self.dw_kernel_size_start or self.dw_kernel_size_mid) and self._use_aa(self.strides):
            raise ValueError("timm refuses anti-aliasing on the end depthwise conv.")
        mid_chs = helpers.make_divisible(in_chs * self.exp_ratio)
        layers = []
        if self.dw_kernel_size_start:
            strides = 1 if self.dw_kernel_size_mid else self.strides
            layers += self._conv_norm("dw_start", in_chs, self.dw_kernel_size_start, strides, True, act=False, aa=True,
                                      dilation=self.dilation)
        layers += self._conv_norm("pw_exp", mid_chs, 1)
        if self.dw_kernel_size_mid:
            layers += self._conv_norm("dw_mid", mid_chs, self.dw_kernel_size_mid, self.strides, True, aa=True,
                                      dilation=self.dilation)
        self.se = self._se(self.se_ratio)
        layers.append(self.se)
        layers += self._conv_norm("pw_proj", self.filters, 1, act=False)
        if self.dw_kernel_size_end:
            strides = self.strides if not (self.dw_kernel_size_start or self.dw_kernel_size_mid) else 1
            layers += self._conv_norm("dw_end", self.filters, self.dw_kernel_size_end, strides, True, act=False,
                                      dilation=self.dilation)
        self.layer_scale = None
        if self.layer_scale_init_value is not None:
            self.layer_scale = LayerScale2D(self.layer_scale_init_value, name="layer_scale", **self._fmt())
        layers.append(self.layer_scale)
        # Tracked as a list attribute: Keras collects the sublayers' variables through it.
        self.sublayers = [layer for layer in layers if layer is not None]
        self._build_chain(self.sublayers, input_shape)

    def call(self, inputs, training=None):
        return self._residual(self._run(self.sublayers, inputs, training), inputs, training)

    def get_config(self):
        config = super().get_config()
        config.update({"dw_kernel_size_start": self.dw_kernel_size_start, "dw_kernel_size_mid": self.dw_kernel_size_mid,
                       "dw_kernel_size_end": self.dw_kernel_size_end, "exp_ratio": self.exp_ratio,
                       "se_ratio": self.se_ratio, "noskip": self.noskip,
                       "layer_scale_init_value": self.layer_scale_init_value})
        return config


@serializable
class MobileAttention(_EfficientNetBlock):
    __doc__ = (
        """MobileNet-V4's mobile multi-query attention block: norm, multi-query attention (every head's
    query against one shared key and value, both optionally downsampled by a strided depthwise conv
    + norm), layer scale, and the residual when the shape is kept and `noskip` is not set.

    The query, key, value and output projections are 1x1 convs without bias; the query's channels
    are ordered [head][key_dim], the output's input channels [head][value_dim], as timm's.

    Sublayers: `norm`, `attn__query__proj`, `attn__key__down_conv`, `attn__key__norm`,
    `attn__key__proj`, `attn__value__down_conv`, `attn__value__norm`, `attn__value__proj`,
    `attn__output__proj`, `layer_scale` (timm's `norm`, `attn.query.proj`, ...).

    Args:
        filters: output channels.
        num_heads: query heads.
        key_dim, value_dim: the width of a head's query and key, and of the value.
        kv_stride: the stride of the key's and value's depthwise downsampling (1: none).
        dw_kernel_size: that depthwise conv's kernel.
        noskip: no residual.
        layer_scale_init_value: the initial layer-scale value (None: no layer scale).
"""
        + _BLOCK_ARGS_DOC
        + """
    Only timm's multi-query form (`mqa`, `use_multi_query=True`) without query strides or the
    conditional position encoding (`use_cpe`) is ported, as MobileNet-V4's hybrid models use it;
    `strides` must be 1.

    Example:
        >>> MobileAttention(32, num_heads=4, key_dim=16, value_dim=16, kv_stride=2)(
        ...     keras.ops.ones((2, 8, 8, 32))).shape
        (2, 8, 8, 32)

    Reference: timm/models/_efficientnet_blocks.py `MobileAttention`, timm/layers/attention2d.py
    `MultiQueryAttention2d`.
    """
    )

    def __init__(self, filters: int, num_heads: int = 8, key_dim: int = 64, value_dim: int = 64, kv_stride: int = 1,
                 dw_kernel_size: int = 3, noskip: bool = False, layer_scale_init_value: float | None = 1e-5, **kwargs):
        super().__init__(filters, **kwargs)
        if self.strides != 1:
            raise ValueError(f"MobileAttention is ported with `strides=1` only, got {self.strides}.")
        if self.dilation > 1 and int(kv_stride) > 1 and self.padding == "same":
            # TF SAME of a strided dilated conv pads by the input size (timm's Conv2dSame); no
            # timm model builds it.
            raise ValueError("MobileAttention's dilated strided key/value conv is ported with symmetric padding only.")
        for arg, value in (("num_heads", num_heads), ("key_dim", key_dim), ("value_dim", value_dim),
                           ("kv_stride", kv_stride)):
            if int(value) < 1:
                raise ValueError(f"`{arg}` must be a positive int, got {value!r}.")
        self.num_heads = int(num_heads)
        self.key_dim = int(key_dim)
        self.value_dim = int(value_dim)
        self.kv_stride = int(kv_stride)
        self.dw_kernel_size = int(dw_kernel_size)
        self.noskip = bool(noskip)
        self.layer_scale_init_value = None if layer_scale_init_value is None else float(layer_scale_init_value)

    def _proj(self, filters, name):
        # timm's init: xavier_uniform (Keras' glorot_uniform has the same fans for a conv kernel).
        return keras.layers.Conv2D(filters, 1, use_bias=False, kernel_initializer="glorot_uniform", name=name,
                                   **self._fmt())

    def _kv(self, name, filters):
        layers = []
        if self.kv_stride > 1:
            # timm's `create_conv2d(..., depthwise=True)` with `padding` and the block's dilation,
            # xavier-initialised. Keras convs take no stride with a dilation: a dilated one runs at
            # stride 1 and `_branch` keeps every `kv_stride`-th output, the same samples.
            dilated = self.dilation > 1
            pad, padding = None, "valid"
            if self.padding == "same":
                padding = "same"
            else:
                pad = keras.layers.ZeroPadding2D(get_padding(self.dw_kernel_size, self.kv_stride, self.dilation),
                                                 name=f"attn__{name}__down_conv_pad", **self._fmt())
            conv = keras.layers.DepthwiseConv2D(self.dw_kernel_size, strides=1 if dilated else self.kv_stride,
                                                dilation_rate=self.dilation, padding=padding,
                                                use_bias=False, depthwise_initializer="glorot_uniform",
                                                name=f"attn__{name}__down_conv", **self._fmt())
            norm = BatchNorm2D(epsilon=self.epsilon, name=f"attn__{name}__norm", **self._fmt())
            layers = [pad, conv, norm]
        return [layer for layer in layers if layer is not None] + [self._proj(filters, f"attn__{name}__proj")]

    def build(self, input_shape):
        in_chs = self._channels(input_shape)
        self.has_skip = self.strides == 1 and in_chs == self.filters and not self.noskip
        self.norm = self._norm("norm", act=False)
        self.norm.build(input_shape)
        self.query_proj = self._proj(self.num_heads * self.key_dim, "attn__query__proj")
        self.query_proj.build(input_shape)
        self.key_layers = self._kv("key", self.key_dim)
        self.value_layers = self._kv("value", self.value_dim)
        self._build_chain(self.key_layers, input_shape)
        self._build_chain(self.value_layers, input_shape)
        self.output_proj = self._proj(self.filters, "attn__output__proj")
        shape = list(input_shape)
        shape[helpers.channel_axis(self.data_format)] = self.num_heads * self.value_dim
        self.output_proj.build(tuple(shape))
        self.layer_scale = None
        if self.layer_scale_init_value is not None:
            self.layer_scale = LayerScale2D(self.layer_scale_init_value, name="layer_scale", **self._fmt())
            self.layer_scale.build(self.compute_output_shape(input_shape))

    def _tokens(self, x, heads, dim):
        """(B, H, W, heads * dim) (or channels-first) -> (B, H * W, heads, dim)."""
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 2, 3, 1))
        return ops.reshape(x, (ops.shape(x)[0], -1, heads, dim))

    def _branch(self, layers, x, training):
        for layer in layers:
            x = layer(x, training=training) if isinstance(layer, BatchNorm2D) else backend_ops.call_layer(layer, x)
            if isinstance(layer, keras.layers.DepthwiseConv2D) and self.dilation > 1:
                s = self.kv_stride  # the stride the dilated conv ran without (see `_kv`)
                x = x[:, :, ::s, ::s] if self.data_format == "channels_first" else x[:, ::s, ::s, :]
        return x

    def call(self, inputs, training=None):
        x = self.norm(inputs, training=training)
        q = self._tokens(backend_ops.call_layer(self.query_proj, x), self.num_heads, self.key_dim)
        k = self._tokens(self._branch(self.key_layers, x, training), 1, self.key_dim)
        v = self._tokens(self._branch(self.value_layers, x, training), 1, self.value_dim)
        # One key and value head, broadcast against the query heads (timm's `unsqueeze(1)`).
        o = backend_ops.attention(q, k, v, scale=self.key_dim ** -0.5, compute_dtype=self.compute_dtype)
        shape = ops.shape(inputs)
        rows, cols = (shape[2], shape[3]) if self.data_format == "channels_first" else (shape[1], shape[2])
        o = ops.reshape(o, (shape[0], rows, cols, self.num_heads * self.value_dim))
        if self.data_format == "channels_first":
            o = ops.transpose(o, (0, 3, 1, 2))
        x = backend_ops.call_layer(self.output_proj, o)
        if self.layer_scale is not None:
            x = backend_ops.call_layer(self.layer_scale, x)
        return self._residual(x, inputs, training)

    def get_config(self):
        config = super().get_config()
        config.update({"num_heads": self.num_heads, "key_dim": self.key_dim, "value_dim": self.value_dim,
                       "kv_stride": self.kv_stride, "dw_kernel_size": self.dw_kernel_size, "noskip": self.noskip,
                       "layer_scale_init_value": self.layer_scale_init_value})
        return config


__all__ = ["EfficientNetSqueezeExcite", "DepthwiseSeparableConv", "InvertedResidual", "CondConvResidual",
           "EdgeResidual", "ConvBnAct", "UniversalInvertedResidual", "MobileAttention"]
