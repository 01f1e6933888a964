"""ResNet-V2 as functional Keras models: the pre-activation blocks (bottleneck and basic), BiT's
weight-standardized convs and group norms, and the later timm variants with plain convs and batch,
group or EvoNorm-S0 norms, deep stems and average-pool shortcuts; the architecture table, the
pretrained configs and the builder (timm has no checkpoint filter for these models).

Layer names are timm's module paths with `__` for `.` (`stem__conv`, `stages__0__blocks__0`,
`norm`, `head__fc`), so `load_timm_weights(model, timm_model.state_dict())` loads every key.

Reference: timm/models/resnetv2.py
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.data.constants import IMAGENET_INCEPTION_MEAN, IMAGENET_INCEPTION_STD
from luximm_keras.initializers import kaiming_normal_fan_out, normal_init
from luximm_keras.layers import helpers
from luximm_keras.layers.drop import DropPath, calculate_drop_path_rates
from luximm_keras.layers.evo_norm import EvoNorm2DS0
from luximm_keras.layers.norm_act import BatchNormAct2D, GroupNormAct
from luximm_keras.layers.padding import get_padding
from luximm_keras.layers.std_conv import StdConv2D
from luximm_keras.models._builder import BuildArgs, FeatureMap, ModelGraph, model_input
from luximm_keras.models._pretrained import generate_default_cfgs
from luximm_keras.models._registry import register_family

NORM_LAYERS = ("groupnorm", "batchnorm", "evonorm")


def norm_act(norm_layer: str, *, groups: int = 32, epsilon: float = 1e-5, activation="relu", **kwargs):
    """timm's norm-act layer for `norm_layer`: `"groupnorm"` (`GroupNormAct`), `"batchnorm"`
    (`BatchNormAct2d`) or `"evonorm"` (`EvoNorm2dS0`, whose activation is its own sigmoid gate)."""
    if norm_layer == "groupnorm":
        return GroupNormAct(groups, epsilon=epsilon, activation=activation, **kwargs)
    if norm_layer == "batchnorm":
        return BatchNormAct2D(epsilon=epsilon, activation=activation, **kwargs)
    if norm_layer == "evonorm":
        return EvoNorm2DS0(groups=groups, epsilon=epsilon, **kwargs)
    raise ValueError(f"`norm_layer` must be one of {NORM_LAYERS}, got {norm_layer!r}.")


def conv2d(filters: int, kernel_size: int, *, strides: int = 1, groups: int = 1, std_conv: bool, conv_epsilon: float,
           name: str, data_format: str, dtype=None, dilation: int = 1) -> tuple[keras.layers.Layer | None, keras.layers.Layer]:
    """timm's conv without bias and with its symmetric padding `((s - 1) + d * (k - 1)) // 2`: a `StdConv2D`
    (BiT) or `create_conv2d`'s plain `nn.Conv2d`. Returns `(padding layer or None, conv)`: a plain conv
    whose padding Keras' "same" would place differently (strided) gets an explicit `ZeroPadding2D`."""
    fmt = dict(data_format=data_format, dtype=dtype)
    if std_conv:
        return None, StdConv2D(filters, kernel_size, strides=strides, padding=None, dilation_rate=dilation,
                               groups=groups, use_bias=False, epsilon=conv_epsilon, name=name, **fmt)
    pad = get_padding(kernel_size, strides, dilation)
    conv = dict(use_bias=False, groups=groups, dilation_rate=dilation, kernel_initializer=kaiming_normal_fan_out(),
                name=name, **fmt)
    if pad == 0 or (strides == 1 and 2 * pad == dilation * (kernel_size - 1)):  # Keras' "same" pads alike at stride 1
        padding = "valid" if pad == 0 else "same"
        return None, keras.layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, **conv)
    return (keras.layers.ZeroPadding2D(pad, name=f"{name}_pad", **fmt),
            keras.layers.Conv2D(filters, kernel_size, strides=strides, padding="valid", **conv))


class _PreActBlock(keras.layers.Layer):
    """What timm's `PreActBottleneck` and `PreActBasic` share: the pre-activation `norm1`, the
    projection shortcut on the pre-activated input (`downsample.conv`, after `downsample.pool` with
    `avg_down`), the drop path, the arguments and the build of the conv chain."""

    def __init__(
        self,
        filters: int,
        bottle_ratio: float = 0.25,
        strides: int = 1,
        groups: int = 1,
        downsample: bool | None = None,
        norm_groups: int = 32,
        epsilon: float = 1e-5,
        conv_epsilon: float = 1e-8,
        activation="relu",
        drop_path_rate: float = 0.0,
        data_format: str | None = None,
        norm_layer: str = "groupnorm",
        std_conv: bool = True,
        avg_down: bool = False,
        dilation: int = 1,
        first_dilation: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(filters) < 1:
            raise ValueError(f"`filters` must be a positive int, got {filters!r}.")
        if int(strides) < 1:
            raise ValueError(f"`strides` must be a positive int, got {strides!r}.")
        if norm_layer not in NORM_LAYERS:
            raise ValueError(f"`norm_layer` must be one of {NORM_LAYERS}, got {norm_layer!r}.")
        self.filters = int(filters)
        self.bottle_ratio = float(bottle_ratio)
        self.strides = int(strides)
        self.groups = int(groups)
        self.downsample = None if downsample is None else bool(downsample)
        self.norm_groups = int(norm_groups)
        self.epsilon = float(epsilon)
        self.conv_epsilon = float(conv_epsilon)
        self.activation = keras.activations.get(activation)
        self.drop_path_rate = float(drop_path_rate)
        self.data_format = helpers.standardize_data_format(data_format)
        self.norm_layer = norm_layer
        self.std_conv = bool(std_conv)
        self.avg_down = bool(avg_down)
        self.dilation = int(dilation)
        self.first_dilation = int(first_dilation or dilation)
        if min(self.dilation, self.first_dilation) < 1:
            raise ValueError(f"`dilation` and `first_dilation` must be positive, got {dilation!r}, {first_dilation!r}.")
        self.mid_channels = helpers.make_divisible(self.filters * self.bottle_ratio)
        self.input_spec = keras.layers.InputSpec(ndim=4)
        self.drop_path = DropPath(self.drop_path_rate, name="drop_path", dtype=self.dtype_policy)
        self.downsample_pad = self.downsample_pool = self.downsample_conv = None
        self.chain = []  # (padding or None, conv, norm before it) in order, filled by subclasses

    def _norm(self, name: str):
        return norm_act(self.norm_layer, groups=self.norm_groups, epsilon=self.epsilon, activation=self.activation,
                        name=name, data_format=self.data_format, dtype=self.dtype_policy)

    def _conv(self, filters: int, kernel_size: int, name: str, strides: int = 1, groups: int = 1, dilation: int = 1):
        return conv2d(filters, kernel_size, strides=strides, groups=groups, std_conv=self.std_conv,
                      conv_epsilon=self.conv_epsilon, name=name, data_format=self.data_format,
                      dtype=self.dtype_policy, dilation=dilation)

    def _has_downsample(self, channels: int) -> bool:
        if self.downsample is not None:
            return self.downsample
        return channels != self.filters or self.strides != 1 or self.first_dilation != self.dilation

    def build(self, input_shape):
        axis = helpers.channel_axis(self.data_format)
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        if not self._has_downsample(channels) and (channels != self.filters or self.strides != 1):
            raise ValueError(
                f"{self.name}: without a projection shortcut the input width ({channels}) must equal "
                f"`filters` ({self.filters}) and the stride be 1 (got {self.strides})."
            )
        self.downsample_pad = None
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: channels})
        if self._has_downsample(channels):
            shape = input_shape
            if self.avg_down:
                if self.dilation > 1:
                    # timm's AvgPool2dSame(2, 1) in a dilated stage: zeros padded after the last row
                    # and column, and averaged in.
                    self.downsample_pad = keras.layers.ZeroPadding2D(
                        ((0, 1), (0, 1)), name="downsample__pool_pad", data_format=self.data_format,
                        dtype=self.dtype_policy)
                    self.downsample_pool = keras.layers.AveragePooling2D(
                        2, strides=1, padding="valid", name="downsample__pool",
                        data_format=self.data_format, dtype=self.dtype_policy,
                    )
                    self.downsample_pad.build(shape)
                    shape = self.downsample_pad.compute_output_shape(shape)
                    self.downsample_pool.build(shape)
                    shape = self.downsample_pool.compute_output_shape(shape)
                elif self.strides > 1:
                    # PyTorch's AvgPool2d(2, stride, ceil_mode=True, count_include_pad=False): TF "SAME"
                    # pooling adds the odd trailing pixel and averages over the valid ones alone, the same.
                    self.downsample_pool = keras.layers.AveragePooling2D(
                        2, strides=self.strides, padding="same", name="downsample__pool",
                        data_format=self.data_format, dtype=self.dtype_policy,
                    )
                    self.downsample_pool.build(shape)
                    shape = self.downsample_pool.compute_output_shape(shape)
                _, self.downsample_conv = self._conv(self.filters, 1, "downsample__conv")
            else:
                _, self.downsample_conv = self._conv(self.filters, 1, "downsample__conv", strides=self.strides)
            self.downsample_conv.build(shape)
        shape = input_shape
        for pad, conv, norm in self.chain:
            norm.build(shape)
            if pad is not None:
                pad.build(shape)
                shape = pad.compute_output_shape(shape)
            conv.build(shape)
            shape = conv.compute_output_shape(shape)

    def call(self, inputs, training=None):
        x = inputs
        shortcut = inputs
        for index, (pad, conv, norm) in enumerate(self.chain):
            x = backend_ops.call_layer(norm, x, training)
            if index == 0 and self.downsample_conv is not None:  # the projection sees the pre-activated input
                y = x if self.downsample_pad is None else backend_ops.call_layer(self.downsample_pad, x, training)
                y = y if self.downsample_pool is None else self.downsample_pool(y)
                shortcut = backend_ops.call_layer(self.downsample_conv, y, training)
            if pad is not None:
                x = backend_ops.call_layer(pad, x, training)
            x = backend_ops.call_layer(conv, x, training)
        return backend_ops.call_layer(self.drop_path, x, training) + shortcut

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis in helpers.spatial_axes(self.data_format):
            if shape[axis] is not None:
                shape[axis] = (shape[axis] - 1) // self.strides + 1  # every conv here keeps ceil(size / stride)
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
                "conv_epsilon": self.conv_epsilon,
                "activation": keras.activations.serialize(self.activation),
                "drop_path_rate": self.drop_path_rate,
                "data_format": self.data_format,
                "norm_layer": self.norm_layer,
                "std_conv": self.std_conv,
                "avg_down": self.avg_down,
                "dilation": self.dilation,
                "first_dilation": self.first_dilation,
            }
        )
        return config


@serializable
class PreActBottleneck(_PreActBlock):
    """`x' = norm1(x)`; `shortcut(x') or x + conv3(norm3(conv2(norm2(conv1(x')))))`.

    BiT's block by default: every conv a weight-standardized `StdConv2D` (no bias) and every norm a
    `GroupNormAct` (group norm then ReLU). `std_conv=False` gives timm's plain convs and `norm_layer`
    its batch norm or EvoNorm-S0 (resnetv2_50, _50d_evos, ...). The stride sits on the 3x3 `conv2`
    (symmetric padding 1). The projection shortcut is a 1x1 conv on the *pre-activated* input, named
    `downsample__conv` so that it loads timm's `downsample.conv.weight`; strided, or (`avg_down`, the
    'd' variants) after a 2x2 average pool. Sublayers carry timm's names (`norm1`, `conv1`, `norm2`,
    `conv2`, `norm3`, `conv3`).

    Args:
        filters: output channels.
        bottle_ratio: the bottleneck width is `make_divisible(filters * bottle_ratio)` (timm's rounding
            to a multiple of 8).
        strides: stride of `conv2` and of the shortcut projection.
        groups: groups of `conv2`.
        downsample: whether the block has a projection shortcut; None means "when the input width
            differs from `filters` or `strides` is not 1" (timm gives one to the first block of every
            stage, which that rule reproduces for ResNet-V2).
        norm_groups: groups of every group norm or EvoNorm (32 in timm).
        epsilon: epsilon of every norm (1e-5).
        conv_epsilon: epsilon of the weight standardization (BiT's 1e-8).
        activation: activation of every group or batch norm (ReLU).
        drop_path_rate: stochastic-depth rate of the residual branch.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        norm_layer: `"groupnorm"` (default), `"batchnorm"` or `"evonorm"`.
        std_conv: weight-standardized convs (BiT, default) or plain ones.
        avg_down: the projection shortcut average-pools, then applies an unstrided 1x1 conv.
        dilation: dilation of the 3x3 convs (timm's `output_stride` below 32 dilates the last stages;
            `avg_down`'s pool is then timm's `AvgPool2dSame(2, 1)`).
        first_dilation: dilation of the first 3x3 conv: 1 or 2 where a dilated stage begins (timm's
            `ResNetStage`); None: `dilation`.

    Example:
        >>> PreActBottleneck(256)(keras.ops.ones((2, 56, 56, 64))).shape
        (2, 56, 56, 256)

    Reference: timm/models/resnetv2.py `PreActBottleneck`, `DownsampleConv`, `DownsampleAvg`.
    """

    def __init__(self, filters: int, bottle_ratio: float = 0.25, strides: int = 1, groups: int = 1, **kwargs):
        super().__init__(filters, bottle_ratio=bottle_ratio, strides=strides, groups=groups, **kwargs)
        mid = self.mid_channels
        self.norm1, self.norm2, self.norm3 = self._norm("norm1"), self._norm("norm2"), self._norm("norm3")
        _, self.conv1 = self._conv(mid, 1, "conv1")
        self.conv2_pad, self.conv2 = self._conv(mid, 3, "conv2", strides=self.strides, groups=self.groups,
                                                dilation=self.first_dilation)
        _, self.conv3 = self._conv(self.filters, 1, "conv3")
        self.chain = [(None, self.conv1, self.norm1), (self.conv2_pad, self.conv2, self.norm2),
                      (None, self.conv3, self.norm3)]


@serializable
class PreActBasic(_PreActBlock):
    """`x' = norm1(x)`; `shortcut(x') or x + conv2(norm2(conv1(x')))`, two 3x3 convs.

    timm's pre-activation basic block (resnetv2_18/34 and their 'd' twins): the stride sits on
    `conv1`; the projection shortcut, as `PreActBottleneck`'s, acts on the pre-activated input, and
    only when the width or the stride changes (timm's rule for this block). Sublayers carry timm's
    names (`norm1`, `conv1`, `norm2`, `conv2`, `downsample__conv`).

    Args:
        filters: output channels.
        bottle_ratio: the width of `conv1` is `make_divisible(filters * bottle_ratio)` (1.0 in timm).
        strides, groups, downsample, norm_groups, epsilon, conv_epsilon, activation, drop_path_rate,
        data_format, norm_layer, std_conv, avg_down, dilation, first_dilation: as `PreActBottleneck`,
            the stride and `first_dilation` on `conv1` and the groups on both convs; the projection
            shortcut also where `first_dilation` differs from `dilation`.

    Example:
        >>> PreActBasic(128, strides=2, norm_layer="batchnorm", std_conv=False)(keras.ops.ones((2, 56, 56, 64))).shape
        (2, 28, 28, 128)

    Reference: timm/models/resnetv2.py `PreActBasic`.
    """

    def __init__(self, filters: int, bottle_ratio: float = 1.0, strides: int = 1, groups: int = 1, **kwargs):
        super().__init__(filters, bottle_ratio=bottle_ratio, strides=strides, groups=groups, **kwargs)
        self.norm1, self.norm2 = self._norm("norm1"), self._norm("norm2")
        self.conv1_pad, self.conv1 = self._conv(
            self.mid_channels, 3, "conv1", strides=self.strides, groups=self.groups, dilation=self.first_dilation)
        self.conv2_pad, self.conv2 = self._conv(self.filters, 3, "conv2", groups=self.groups, dilation=self.dilation)
        self.chain = [(self.conv1_pad, self.conv1, self.norm1), (self.conv2_pad, self.conv2, self.norm2)]


@dataclass(frozen=True)
class ResNetV2Cfg:
    """One ResNet-V2 variant, as timm's `ResNetV2(...)` arguments (BiT's by default: the "fixed" stem,
    weight-standardized convs with eps 1e-8, group norms). Output stride 32, ReLU, average pooling and
    a 1x1-conv classifier throughout."""

    depths: tuple[int, ...]
    width_factor: int = 1
    channels: tuple[int, ...] = (256, 512, 1024, 2048)
    stem_channels: int = 64
    stem_type: str = "fixed"  # timm's '' (7x7 conv, padded max pool), 'fixed' (BiT) or 'deep' (three 3x3)
    basic: bool = False  # PreActBasic instead of PreActBottleneck
    bottle_ratio: float = 0.25
    avg_down: bool = False
    norm_layer: str = "groupnorm"  # "groupnorm", "batchnorm" or "evonorm"
    norm_groups: int = 32  # GroupNormAct(num_groups=32), EvoNorm2dS0(groups=32)
    norm_epsilon: float = 1e-5
    std_conv: bool = True  # BiT's StdConv2d; timm's later variants use create_conv2d (plain)
    conv_epsilon: float = 1e-8  # the StdConv2d eps that `_create_resnetv2_bit` passes


_RESNET_BASIC = dict(channels=(64, 128, 256, 512), basic=True, bottle_ratio=1.0)
_TIMM = dict(stem_type="", std_conv=False, norm_layer="batchnorm")  # timm's own (non-BiT) variants
_D = dict(stem_type="deep", avg_down=True)

model_cfgs: dict[str, ResNetV2Cfg] = {
    "resnetv2_50x1_bit": ResNetV2Cfg(depths=(3, 4, 6, 3), width_factor=1),
    "resnetv2_50x3_bit": ResNetV2Cfg(depths=(3, 4, 6, 3), width_factor=3),
    "resnetv2_101x1_bit": ResNetV2Cfg(depths=(3, 4, 23, 3), width_factor=1),
    "resnetv2_101x3_bit": ResNetV2Cfg(depths=(3, 4, 23, 3), width_factor=3),
    "resnetv2_152x2_bit": ResNetV2Cfg(depths=(3, 8, 36, 3), width_factor=2),
    "resnetv2_152x4_bit": ResNetV2Cfg(depths=(3, 8, 36, 3), width_factor=4),
    "resnetv2_18": ResNetV2Cfg(depths=(2, 2, 2, 2), **_RESNET_BASIC, **_TIMM),
    "resnetv2_18d": ResNetV2Cfg(depths=(2, 2, 2, 2), **_RESNET_BASIC, **{**_TIMM, **_D}),
    "resnetv2_34": ResNetV2Cfg(depths=(3, 4, 6, 3), **_RESNET_BASIC, **_TIMM),
    "resnetv2_34d": ResNetV2Cfg(depths=(3, 4, 6, 3), **_RESNET_BASIC, **{**_TIMM, **_D}),
    "resnetv2_50": ResNetV2Cfg(depths=(3, 4, 6, 3), **_TIMM),
    "resnetv2_101": ResNetV2Cfg(depths=(3, 4, 23, 3), **_TIMM),
    "resnetv2_50d_gn": ResNetV2Cfg(depths=(3, 4, 6, 3), **{**_TIMM, **_D, "norm_layer": "groupnorm"}),
    "resnetv2_50d_evos": ResNetV2Cfg(depths=(3, 4, 6, 3), **{**_TIMM, **_D, "norm_layer": "evonorm"}),
}


def _cfg(url: str = "", **kwargs) -> dict:
    return {
        "url": url,
        "num_classes": 1000, "input_size": (3, 224, 224), "pool_size": (7, 7),
        "crop_pct": 0.875, "interpolation": "bilinear",
        "mean": IMAGENET_INCEPTION_MEAN, "std": IMAGENET_INCEPTION_STD,
        "first_conv": "stem.conv", "classifier": "head.fc",
        "license": "apache-2.0",
        **kwargs,
    }


# timm's entries for the architectures above, in timm's order (the first with weights is the default).
# timm's untrained-only architectures (resnetv2_50d, _50t, _101d, _152, _152d, _50d_frn) are not ported.
default_cfgs = generate_default_cfgs({
    "resnetv2_50x1_bit.goog_distilled_in1k": _cfg(hf_hub_id="timm/", interpolation="bicubic", custom_load=True),
    "resnetv2_152x2_bit.goog_teacher_in21k_ft_in1k": _cfg(
        hf_hub_id="timm/", interpolation="bicubic", custom_load=True),
    "resnetv2_152x2_bit.goog_teacher_in21k_ft_in1k_384": _cfg(
        hf_hub_id="timm/", input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, interpolation="bicubic",
        custom_load=True),
    "resnetv2_50x1_bit.goog_in21k_ft_in1k": _cfg(
        hf_hub_id="timm/", input_size=(3, 448, 448), pool_size=(14, 14), crop_pct=1.0, custom_load=True),
    "resnetv2_50x3_bit.goog_in21k_ft_in1k": _cfg(
        hf_hub_id="timm/", input_size=(3, 448, 448), pool_size=(14, 14), crop_pct=1.0, custom_load=True),
    "resnetv2_101x1_bit.goog_in21k_ft_in1k": _cfg(
        hf_hub_id="timm/", input_size=(3, 448, 448), pool_size=(14, 14), crop_pct=1.0, custom_load=True),
    "resnetv2_101x3_bit.goog_in21k_ft_in1k": _cfg(
        hf_hub_id="timm/", input_size=(3, 448, 448), pool_size=(14, 14), crop_pct=1.0, custom_load=True),
    "resnetv2_152x2_bit.goog_in21k_ft_in1k": _cfg(
        hf_hub_id="timm/", input_size=(3, 448, 448), pool_size=(14, 14), crop_pct=1.0, custom_load=True),
    "resnetv2_152x4_bit.goog_in21k_ft_in1k": _cfg(
        hf_hub_id="timm/", input_size=(3, 480, 480), pool_size=(15, 15), crop_pct=1.0, custom_load=True),
    "resnetv2_50x1_bit.goog_in21k": _cfg(hf_hub_id="timm/", num_classes=21843, custom_load=True),
    "resnetv2_50x3_bit.goog_in21k": _cfg(hf_hub_id="timm/", num_classes=21843, custom_load=True),
    "resnetv2_101x1_bit.goog_in21k": _cfg(hf_hub_id="timm/", num_classes=21843, custom_load=True),
    "resnetv2_101x3_bit.goog_in21k": _cfg(hf_hub_id="timm/", num_classes=21843, custom_load=True),
    "resnetv2_152x2_bit.goog_in21k": _cfg(hf_hub_id="timm/", num_classes=21843, custom_load=True),
    "resnetv2_152x4_bit.goog_in21k": _cfg(hf_hub_id="timm/", num_classes=21843, custom_load=True),

    "resnetv2_18.ra4_e3600_r224_in1k": _cfg(
        hf_hub_id="timm/", interpolation="bicubic", crop_pct=0.9, test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "resnetv2_18d.ra4_e3600_r224_in1k": _cfg(
        hf_hub_id="timm/", interpolation="bicubic", crop_pct=0.9, test_input_size=(3, 288, 288), test_crop_pct=1.0,
        first_conv="stem.conv1"),
    "resnetv2_34.ra4_e3600_r224_in1k": _cfg(
        hf_hub_id="timm/", interpolation="bicubic", crop_pct=0.9, test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "resnetv2_34d.ra4_e3600_r224_in1k": _cfg(
        hf_hub_id="timm/", interpolation="bicubic", crop_pct=0.9, test_input_size=(3, 288, 288), test_crop_pct=1.0,
        first_conv="stem.conv1"),
    "resnetv2_34d.ra4_e3600_r384_in1k": _cfg(
        hf_hub_id="timm/", crop_pct=1.0, input_size=(3, 384, 384), pool_size=(12, 12), test_input_size=(3, 448, 448),
        interpolation="bicubic", first_conv="stem.conv1"),
    "resnetv2_50.a1h_in1k": _cfg(
        hf_hub_id="timm/", interpolation="bicubic", crop_pct=0.95, test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "resnetv2_101.a1h_in1k": _cfg(
        hf_hub_id="timm/", interpolation="bicubic", crop_pct=0.95, test_input_size=(3, 288, 288), test_crop_pct=1.0),

    "resnetv2_50d_gn.ah_in1k": _cfg(
        hf_hub_id="timm/", interpolation="bicubic", first_conv="stem.conv1",
        crop_pct=0.95, test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "resnetv2_50d_evos.ah_in1k": _cfg(
        hf_hub_id="timm/", interpolation="bicubic", first_conv="stem.conv1",
        crop_pct=0.95, test_input_size=(3, 288, 288), test_crop_pct=1.0),
})


def _stem(x, cfg: ResNetV2Cfg, stem_chs: int, fmt: dict):
    """timm's `create_resnetv2_stem` (pre-activation: no norm after the last conv) for the stem types
    with weights: returns the pooled map and the stem's feature (the last conv's output)."""
    conv = dict(std_conv=cfg.std_conv, conv_epsilon=cfg.conv_epsilon, **fmt)

    def apply(layers, x):
        pad, layer = layers
        return layer(x if pad is None else pad(x))

    if cfg.stem_type == "deep":  # three 3x3 convs as ResNet-D, norm-act between them
        norm = dict(groups=cfg.norm_groups, epsilon=cfg.norm_epsilon, **fmt)
        x = apply(conv2d(stem_chs // 2, 3, strides=2, name="stem__conv1", **conv), x)
        x = norm_act(cfg.norm_layer, name="stem__norm1", **norm)(x)
        x = apply(conv2d(stem_chs // 2, 3, name="stem__conv2", **conv), x)
        x = norm_act(cfg.norm_layer, name="stem__norm2", **norm)(x)
        x = apply(conv2d(stem_chs, 3, name="stem__conv3", **conv), x)
        feature = FeatureMap(x, stem_chs, 2, "stem.conv3")
    elif cfg.stem_type in ("", "fixed"):
        x = apply(conv2d(stem_chs, 7, strides=2, name="stem__conv", **conv), x)
        feature = FeatureMap(x, stem_chs, 2, "stem.conv")
    else:
        raise ValueError(f"stem type {cfg.stem_type!r} is not ported.")
    if cfg.stem_type == "fixed":
        # BiT's "fixed" stem: nn.ConstantPad2d(1, 0.) then nn.MaxPool2d(3, stride=2, padding=0).
        x = keras.layers.ZeroPadding2D(1, name="stem__pad", **fmt)(x)
    else:
        # nn.MaxPool2d(3, stride=2, padding=1) pads with -inf: no activation precedes it here, so zeros
        # would win over negative values (and TF "SAME" pads an even size at the end only).
        x = ops.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], constant_values=float("-inf"))
    x = keras.layers.MaxPooling2D(3, strides=2, padding="valid", name="stem__pool", **fmt)(x)
    return x, feature


def _create_resnetv2(variant: str, args: BuildArgs) -> ModelGraph:
    """timm's `variant` (a key of `model_cfgs`): NHWC images of any size (or `img_size`) in, logits out
    (pooled features when `num_classes=0`). The feature maps are the stem's last conv output and the
    stages' outputs (before the final pre-activation norm), as timm's `feature_info`."""
    cfg = model_cfgs[variant]
    fmt = dict(data_format="channels_last")
    wf = cfg.width_factor
    stem_chs = helpers.make_divisible(cfg.stem_channels * wf)

    inputs = model_input(args.in_chans, args.img_size)
    x, stem_feature = _stem(inputs, cfg, stem_chs, fmt)
    features = [stem_feature]

    block_cls = PreActBasic if cfg.basic else PreActBottleneck
    rates = calculate_drop_path_rates(args.drop_path_rate, cfg.depths, stagewise=True)
    curr_stride, dilation = 4, 1
    for stage_idx, (depth, channels) in enumerate(zip(cfg.depths, cfg.channels)):
        filters = helpers.make_divisible(channels * wf)
        # timm's `ResNetV2.__init__` / `ResNetStage`: past `output_stride` a stage dilates instead of
        # striding, its first 3x3 conv dilated 1 or 2 (timm's rule), the others as the stage.
        stride = 1 if stage_idx == 0 else 2
        if curr_stride >= args.output_stride:
            dilation, stride = dilation * stride, 1
        curr_stride *= stride
        for block_idx in range(depth):
            first = block_idx == 0
            x = block_cls(
                filters,
                bottle_ratio=cfg.bottle_ratio,
                strides=stride if first else 1,
                dilation=dilation,
                first_dilation=(1 if dilation in (1, 2) else 2) if first else dilation,
                # timm: the first block of a stage is given a projection; the bottleneck always uses it,
                # the basic block only when the width or stride changes (the `None` rule).
                downsample=(None if cfg.basic else True) if first else False,
                norm_groups=cfg.norm_groups,
                epsilon=cfg.norm_epsilon,
                conv_epsilon=cfg.conv_epsilon,
                drop_path_rate=rates[stage_idx][block_idx],
                norm_layer=cfg.norm_layer,
                std_conv=cfg.std_conv,
                avg_down=cfg.avg_down,
                name=f"stages__{stage_idx}__blocks__{block_idx}",
                **fmt,
            )(x)
        features.append(FeatureMap(x, filters, curr_stride, f"stages.{stage_idx}"))
    x = norm_act(cfg.norm_layer, groups=cfg.norm_groups, epsilon=cfg.norm_epsilon, name="norm", **fmt)(x)
    # timm's ClassifierHead(use_conv=True): pool keeping 1x1, a 1x1 conv, then flatten.
    x = keras.layers.GlobalAveragePooling2D(keepdims=True, name="head__global_pool", **fmt)(x)
    if args.num_classes:
        x = keras.layers.Conv2D(args.num_classes, 1, kernel_initializer=normal_init(0.01), name="head__fc", **fmt)(x)
    outputs = keras.layers.Flatten(name="head__flatten", **fmt)(x)
    return ModelGraph(inputs, outputs, features)


register_family(
    model_cfgs, _create_resnetv2, default_cfgs, None, feature_out_indices=(0, 1, 2, 3, 4), output_strides=(8, 16, 32)
)
