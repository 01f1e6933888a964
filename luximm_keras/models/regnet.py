"""RegNet-X, RegNet-Y, RegNet-Z and the pre-activation RegNet-V as functional Keras models: the
bottleneck and pre-activation bottleneck blocks, timm's width generator, the architecture table,
the pretrained configs, the builder and timm's checkpoint filter (torchvision's keys).

Layer names are timm's module paths with `__` for `.` (`stem__conv`, `s1__b1`, `final_conv__conv`,
`head__fc`; inside a block `conv1__conv`, `conv1__bn`, `se`, `downsample__conv`), so
`load_timm_weights(model, timm_model.state_dict())` loads every key.

Reference: timm/models/regnet.py
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import keras
import numpy as np

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.data.constants import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD
from luximm_keras.initializers import normal_init
from luximm_keras.layers import helpers
from luximm_keras.layers.create_attn import create_attn
from luximm_keras.layers.drop import DropPath, calculate_drop_path_rates
from luximm_keras.layers.norm_act import BatchNormAct2D
from luximm_keras.layers.padding import get_padding
from luximm_keras.models._builder import BuildArgs, FeatureMap, ModelGraph, model_input
from luximm_keras.models._pretrained import generate_default_cfgs
from luximm_keras.models._registry import register_family

ACTIVATIONS = ("relu", "silu")  # the `act_layer`s of timm's pretrained RegNets
DOWNSAMPLES = ("conv1x1", "avg", None)


def conv_init(groups: int = 1) -> keras.initializers.Initializer:
    """timm's RegNet `_init_weights` for a conv: N(0, 2 / (kh * kw * out / groups)) (the fan-out of
    one group; Keras' `VarianceScaling` fan-out is `kh * kw * out`, hence the scale)."""
    return keras.initializers.VarianceScaling(scale=2.0 * groups, mode="fan_out", distribution="untruncated_normal")


class _RegNetBlock(keras.layers.Layer):
    """What timm's `Bottleneck` and `PreBottleneck` share: arguments, widths, the shortcut."""

    # No variables of its own: every sublayer carries timm's module name (`conv1__conv` is `conv1.conv`).
    timm_mapping = {}
    preact = False

    def __init__(
        self,
        filters: int,
        strides: int = 1,
        bottle_ratio: float = 1.0,
        group_size: int = 1,
        se_ratio: float = 0.25,
        downsample: str | None = "conv1x1",
        linear_out: bool = False,
        activation: str = "relu",
        zero_init_last: bool = True,
        drop_path_rate: float = 0.0,
        data_format: str | None = None,
        dilation: int = 1,
        first_dilation: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(filters) < 1:
            raise ValueError(f"`filters` must be a positive int, got {filters!r}.")
        if int(strides) not in (1, 2):
            raise ValueError(f"`strides` must be 1 or 2, got {strides!r}.")
        if downsample == "":
            downsample = None
        if downsample not in DOWNSAMPLES:
            raise ValueError(f"`downsample` must be one of {DOWNSAMPLES}, got {downsample!r}.")
        if activation not in ACTIVATIONS:
            raise ValueError(f"`activation` must be one of {ACTIVATIONS}, got {activation!r}.")
        if bottle_ratio <= 0 or se_ratio < 0:
            raise ValueError(f"`bottle_ratio` must be positive and `se_ratio` >= 0, got {bottle_ratio!r}, {se_ratio!r}.")
        self.filters = int(filters)
        self.strides = int(strides)
        self.bottle_ratio = float(bottle_ratio)
        self.group_size = int(group_size)
        self.se_ratio = float(se_ratio)
        self.downsample = downsample
        self.linear_out = bool(linear_out)
        self.activation = activation
        self.zero_init_last = bool(zero_init_last)
        self.drop_path_rate = float(drop_path_rate)
        self.data_format = helpers.standardize_data_format(data_format)
        self.dilation = int(dilation)
        self.first_dilation = int(first_dilation or dilation)
        if min(self.dilation, self.first_dilation) < 1:
            raise ValueError(f"`dilation` and `first_dilation` must be positive, got {dilation!r}, {first_dilation!r}.")
        self.bottleneck_filters = round(self.filters * self.bottle_ratio)
        if self.group_size < 1 or self.bottleneck_filters % self.group_size:
            raise ValueError(f"`group_size` ({group_size!r}) must divide the bottleneck width ({self.bottleneck_filters}).")
        self.groups = self.bottleneck_filters // self.group_size
        self.input_spec = keras.layers.InputSpec(ndim=4)
        self.drop_path = DropPath(self.drop_path_rate, name="drop_path", dtype=self.dtype_policy)

    # -- sublayer factories ---------------------------------------------------------------------
    def _fmt(self) -> dict:
        return {"data_format": self.data_format, "dtype": self.dtype_policy}

    def _conv(self, filters, kernel_size, name, strides=1, groups=1, dilation=1):
        return keras.layers.Conv2D(
            filters, kernel_size, strides=strides, padding="valid", groups=groups, dilation_rate=dilation,
            use_bias=False, kernel_initializer=conv_init(groups), name=name, **self._fmt(),
        )

    def _pad(self, kernel_size, strides, name, dilation=1):
        # timm's symmetric padding `((s - 1) + d * (k - 1)) // 2` (the dilation for every 3x3 conv here).
        padding = get_padding(kernel_size, strides, dilation)
        return keras.layers.ZeroPadding2D(padding, name=name, **self._fmt()) if padding else None

    def _norm(self, name, activation=None, zero_init=False):
        return BatchNormAct2D(activation=activation, gamma_initializer="zeros" if zero_init else "ones",
                              name=name, **self._fmt())

    def _build_chain(self, layers, shape):
        for layer in layers:
            if layer is not None:
                layer.build(shape)
                shape = layer.compute_output_shape(shape)
        return shape

    def _channels(self, input_shape) -> int:
        axis = helpers.channel_axis(self.data_format)
        if input_shape[axis] is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: input_shape[axis]})
        return int(input_shape[axis])

    def _build_se(self, in_channels, shape):
        # timm sizes the SE bottleneck from the block's *input* width: round(in_chs * se_ratio).
        self.se = None
        if self.se_ratio:
            self.se = create_attn("se", None, rd_channels=round(in_channels * self.se_ratio),
                                  activation=self.activation, name="se", **self._fmt())
            self.se.build(shape)

    def _build_shortcut(self, input_shape, in_channels):
        """timm's `create_shortcut`: the identity when neither the width nor the size changes;
        otherwise `downsample_conv` (a strided 1x1 conv, and a norm unless pre-activation),
        `downsample_avg` (a 2x2 ceil-mode average pool when strided, then the same), or no residual
        at all (`downsample=None`, RegNet-Z). Where a dilated stage begins (`first_dilation` differs),
        the same, unstrided; timm's `downsample_avg` pools there only from `first_dilation` 2 on
        (`AvgPool2dSame(2, 1)`), none at 1."""
        self.down_pad = self.down_pool = self.down_conv = self.down_norm = None
        self.residual = True
        if in_channels == self.filters and self.strides == 1 and self.first_dilation == self.dilation:
            return
        if self.downsample is None:
            self.residual = False
            return
        if self.downsample == "avg":
            # Sequential(pool, conv): the conv is `downsample.1`.
            prefix = "downsample__1"
            if self.first_dilation > 1:
                # timm's AvgPool2dSame(2, 1): zeros padded after the last row and column, and averaged in.
                self.down_pad = keras.layers.ZeroPadding2D(((0, 1), (0, 1)), name="downsample__0_pad", **self._fmt())
                self.down_pool = keras.layers.AveragePooling2D(
                    2, strides=1, padding="valid", name="downsample__0", **self._fmt())
            elif self.strides != 1:
                # PyTorch's AvgPool2d(2, stride, ceil_mode=True, count_include_pad=False): TF "SAME"
                # pooling adds the odd trailing pixel and averages over the valid ones alone, the same.
                self.down_pool = keras.layers.AveragePooling2D(
                    2, strides=self.strides, padding="same", name="downsample__0", **self._fmt())
            strides = 1
        else:
            prefix, strides = "downsample", self.strides
        if self.preact:  # a bare conv (`create_conv2d`)
            self.down_conv = self._conv(self.filters, 1, prefix, strides=strides)
        else:  # ConvNormAct(apply_act=False)
            self.down_conv = self._conv(self.filters, 1, f"{prefix}__conv", strides=strides)
            self.down_norm = self._norm(f"{prefix}__bn")
        self._build_chain([self.down_pad, self.down_pool, self.down_conv, self.down_norm], input_shape)

    # -- forward ----------------------------------------------------------------------------------
    def _shortcut(self, x, training):
        if self.down_pad is not None:
            x = backend_ops.call_layer(self.down_pad, x)
        if self.down_pool is not None:
            x = self.down_pool(x)
        if self.down_conv is not None:
            x = backend_ops.call_layer(self.down_conv, x)
        if self.down_norm is not None:
            x = self.down_norm(x, training=training)
        return x

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[helpers.channel_axis(self.data_format)] = self.filters
        if self.strides == 2:
            for a in helpers.spatial_axes(self.data_format):
                if shape[a] is not None:
                    shape[a] = (shape[a] + 1) // 2  # padded 3x3, unpadded 1x1 and ceil-mode pool alike
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "strides": self.strides,
                "bottle_ratio": self.bottle_ratio,
                "group_size": self.group_size,
                "se_ratio": self.se_ratio,
                "downsample": self.downsample,
                "linear_out": self.linear_out,
                "activation": self.activation,
                "zero_init_last": self.zero_init_last,
                "drop_path_rate": self.drop_path_rate,
                "data_format": self.data_format,
                "dilation": self.dilation,
                "first_dilation": self.first_dilation,
            }
        )
        return config


_BLOCK_ARGS_DOC = """
    Args:
        filters: timm's `out_chs`, the block's output width.
        strides: 1 or 2, on the grouped 3x3 conv and the shortcut.
        bottle_ratio: the bottleneck width is `round(filters * bottle_ratio)` (4 in RegNet-Z, an
            inverted bottleneck).
        group_size: channels per group of the 3x3 conv (`groups = bottleneck width // group_size`).
        se_ratio: squeeze-and-excitation after the 3x3 conv, its width `round(input width *
            se_ratio)`; 0 for none (RegNet-X).
        downsample: the shortcut where the width or size changes: "conv1x1" (a strided 1x1 conv),
            "avg" (a 2x2 average pool, then a 1x1 conv) or None (no residual in that block, RegNet-Z).
        linear_out: no activation after the residual sum (RegNet-Z).
        activation: "relu" or "silu" (timm's `act_layer`), in the norms and the SE bottleneck.
        zero_init_last: the last norm's scale starts at zero (timm's `zero_init_last`).
        drop_path_rate: stochastic-depth rate of the residual branch.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        dilation: the stage's dilation (timm's `output_stride` below 32 dilates the last stages).
        first_dilation: dilation of the 3x3 conv (timm's `dilation[0]`): 1 or 2 where a dilated stage
            begins, else the stage's; None: `dilation`. A change of dilation gives the block a
            (stride-1) projection shortcut, as timm.
"""


@serializable
class RegNetBottleneck(_RegNetBlock):
    __doc__ = (
        """`act3(shortcut(x) + conv3(se(conv2(conv1(x)))))`, each conv a ConvNormAct (conv, batch
    norm, activation; `conv3`'s norm without one): a 1x1 conv to the bottleneck width, a grouped 3x3
    conv, SE, and a 1x1 conv back. A ResNet bottleneck with the SE moved after the 3x3 conv.

    Sublayers carry timm's names (`conv1__conv`, `conv1__bn`, `conv2__conv`, `conv2__bn`, `se`,
    `conv3__conv`, `conv3__bn`, `downsample__conv`, `downsample__bn`).
"""
        + _BLOCK_ARGS_DOC
        + """
    Example:
        >>> RegNetBottleneck(64, strides=2, group_size=16)(keras.ops.ones((2, 56, 56, 32))).shape
        (2, 28, 28, 64)

    Reference: timm/models/regnet.py `Bottleneck`.
    """
    )

    def build(self, input_shape):
        in_channels = self._channels(input_shape)
        width = self.bottleneck_filters
        self._build_shortcut(input_shape, in_channels)
        self.conv1__conv = self._conv(width, 1, "conv1__conv")
        self.conv1__bn = self._norm("conv1__bn", self.activation)
        self.conv2__pad = self._pad(3, self.strides, "conv2__conv_pad", self.first_dilation)
        self.conv2__conv = self._conv(width, 3, "conv2__conv", strides=self.strides, groups=self.groups,
                                      dilation=self.first_dilation)
        self.conv2__bn = self._norm("conv2__bn", self.activation)
        shape = self._build_chain(
            [self.conv1__conv, self.conv1__bn, self.conv2__pad, self.conv2__conv, self.conv2__bn], input_shape)
        self._build_se(in_channels, shape)
        self.conv3__conv = self._conv(self.filters, 1, "conv3__conv")
        self.conv3__bn = self._norm("conv3__bn", zero_init=self.zero_init_last)
        self._build_chain([self.conv3__conv, self.conv3__bn], shape)

    def call(self, inputs, training=None):
        x = backend_ops.call_layer(self.conv1__conv, inputs)
        x = self.conv1__bn(x, training=training)
        if self.conv2__pad is not None:
            x = backend_ops.call_layer(self.conv2__pad, x)
        x = backend_ops.call_layer(self.conv2__conv, x)
        x = self.conv2__bn(x, training=training)
        if self.se is not None:
            x = self.se(x)
        x = backend_ops.call_layer(self.conv3__conv, x)
        x = self.conv3__bn(x, training=training)
        if self.residual:
            x = backend_ops.call_layer(self.drop_path, x, training) + self._shortcut(inputs, training)
        if not self.linear_out:
            x = keras.activations.get(self.activation)(x)
        return x


@serializable
class RegNetPreBottleneck(_RegNetBlock):
    __doc__ = (
        """The pre-activation RegNet bottleneck (RegNet-V): `x = norm1(x)`, then `shortcut(x) +
    conv3(norm3(se(conv2(norm2(conv1(x))))))`, each norm a batch norm with the activation, the convs
    bare; no activation after the sum. The shortcut starts from the normalized input.

    Sublayers carry timm's names (`norm1`, `conv1`, `norm2`, `conv2`, `se`, `norm3`, `conv3`,
    `downsample`, or `downsample__1` after the average pool).
"""
        + _BLOCK_ARGS_DOC.replace(
            "        linear_out: no activation after the residual sum (RegNet-Z).\n",
            "        linear_out: accepted for timm's signature; the block never activates its output.\n",
        ).replace(
            "        zero_init_last: the last norm's scale starts at zero (timm's `zero_init_last`).\n",
            "        zero_init_last: accepted for timm's signature; no-op (the last layer is a conv).\n",
        )
        + """
    Example:
        >>> RegNetPreBottleneck(64, strides=2, group_size=16)(keras.ops.ones((2, 56, 56, 32))).shape
        (2, 28, 28, 64)

    Reference: timm/models/regnet.py `PreBottleneck`.
    """
    )

    preact = True

    def build(self, input_shape):
        in_channels = self._channels(input_shape)
        width = self.bottleneck_filters
        self.norm1 = self._norm("norm1", self.activation)
        self.norm1.build(input_shape)
        self._build_shortcut(input_shape, in_channels)
        self.conv1 = self._conv(width, 1, "conv1")
        self.norm2 = self._norm("norm2", self.activation)
        self.conv2_pad = self._pad(3, self.strides, "conv2_pad", self.first_dilation)
        self.conv2 = self._conv(width, 3, "conv2", strides=self.strides, groups=self.groups,
                                dilation=self.first_dilation)
        shape = self._build_chain([self.conv1, self.norm2, self.conv2_pad, self.conv2], input_shape)
        self._build_se(in_channels, shape)
        self.norm3 = self._norm("norm3", self.activation)
        self.conv3 = self._conv(self.filters, 1, "conv3")
        self._build_chain([self.norm3, self.conv3], shape)

    def call(self, inputs, training=None):
        shortcut = self.norm1(inputs, training=training)
        x = backend_ops.call_layer(self.conv1, shortcut)
        x = self.norm2(x, training=training)
        if self.conv2_pad is not None:
            x = backend_ops.call_layer(self.conv2_pad, x)
        x = backend_ops.call_layer(self.conv2, x)
        if self.se is not None:
            x = self.se(x)
        x = self.norm3(x, training=training)
        x = backend_ops.call_layer(self.conv3, x)
        if self.residual:
            x = backend_ops.call_layer(self.drop_path, x, training) + self._shortcut(shortcut, training)
        return x


# ----------------------------------------------------------------------------------------------------
# The architectures


@dataclass(frozen=True)
class RegNetCfg:
    """timm's `RegNetCfg` (its `norm_layer` is always batch norm in the pretrained models, so absent)."""

    depth: int = 21
    w0: int = 80
    wa: float = 42.63
    wm: float = 2.66
    group_size: int = 24
    bottle_ratio: float = 1.0
    se_ratio: float = 0.0
    group_min_ratio: float = 0.0
    stem_width: int = 32
    downsample: str | None = "conv1x1"
    linear_out: bool = False
    preact: bool = False
    num_features: int = 0
    act_layer: str = "relu"


def quantize_float(f: float, q: int) -> int:
    """timm's `quantize_float`: the closest multiple of `q` (Python's round, half to even)."""
    return int(round(f / q) * q)


def adjust_widths_groups_comp(widths, bottle_ratios, groups, min_ratio: float = 0.0):
    """timm's `adjust_widths_groups_comp`: bottleneck widths made divisible by their group sizes
    (torchvision's `make_divisible` rounding when `min_ratio` is set), group sizes capped by them."""
    bottleneck_widths = [int(w * b) for w, b in zip(widths, bottle_ratios)]
    groups = [min(g, w_bot) for g, w_bot in zip(groups, bottleneck_widths)]
    if min_ratio:
        bottleneck_widths = [helpers.make_divisible(w_bot, g, min_ratio) for w_bot, g in zip(bottleneck_widths, groups)]
    else:
        bottleneck_widths = [quantize_float(w_bot, g) for w_bot, g in zip(bottleneck_widths, groups)]
    widths = [int(w_bot / b) for w_bot, b in zip(bottleneck_widths, bottle_ratios)]
    return widths, groups


def generate_regnet(width_slope: float, width_initial: int, width_mult: float, depth: int, group_size: int,
                    quant: int = 8) -> tuple[list[int], int, list[int]]:
    """timm's `generate_regnet`: the per-block widths of the linear-then-quantized RegNet rule, in
    float32 as timm computes them with torch (a float64 ramp rounds some widths differently)."""
    if not (width_slope >= 0 and width_initial > 0 and width_mult > 1 and width_initial % quant == 0):
        raise ValueError("invalid RegNet width parameters")
    f32 = np.float32
    widths_cont = np.arange(depth, dtype=f32) * f32(width_slope) + f32(width_initial)
    width_exps = np.round(np.log(widths_cont / f32(width_initial)) / f32(math.log(width_mult)))
    widths = np.round((f32(width_initial) * np.power(f32(width_mult), width_exps)) / f32(quant)) * f32(quant)
    num_stages = len(np.unique(widths))
    return widths.astype(np.int32).tolist(), num_stages, [group_size] * num_stages


def stage_args(cfg: RegNetCfg, drop_path_rate: float = 0.0, output_stride: int = 32) -> list[dict]:
    """timm's `RegNet._get_stage_args`: per stage its width, stride, dilation, depth, bottleneck
    ratio, group size and per-block drop-path rates (past `output_stride` a stage dilates instead of
    striding)."""
    widths, num_stages, stage_gs = generate_regnet(cfg.wa, cfg.w0, cfg.wm, cfg.depth, cfg.group_size)
    stage_widths, stage_depths = np.unique(np.asarray(widths), return_counts=True)
    stage_widths, stage_depths = [int(w) for w in stage_widths], [int(d) for d in stage_depths]
    stage_br = [cfg.bottle_ratio] * num_stages
    stage_strides, stage_dilations = [], []
    net_stride, dilation = 2, 1
    for _ in range(num_stages):
        if net_stride >= output_stride:
            dilation, stride = dilation * 2, 1
        else:
            stride = 2
            net_stride *= stride
        stage_strides.append(stride)
        stage_dilations.append(dilation)
    stage_dpr = calculate_drop_path_rates(drop_path_rate, stage_depths, stagewise=True)
    stage_widths, stage_gs = adjust_widths_groups_comp(stage_widths, stage_br, stage_gs, min_ratio=cfg.group_min_ratio)
    names = ("out_chs", "stride", "dilation", "depth", "bottle_ratio", "group_size", "drop_path_rates")
    return [
        dict(zip(names, p))
        for p in zip(stage_widths, stage_strides, stage_dilations, stage_depths, stage_br, stage_gs, stage_dpr)
    ]


# timm's table, less `regnety_040_sgn` and `regnetz_005` (no pretrained weights).
model_cfgs: dict[str, RegNetCfg] = {
    # RegNet-X
    "regnetx_002": RegNetCfg(w0=24, wa=36.44, wm=2.49, group_size=8, depth=13),
    "regnetx_004": RegNetCfg(w0=24, wa=24.48, wm=2.54, group_size=16, depth=22),
    "regnetx_004_tv": RegNetCfg(w0=24, wa=24.48, wm=2.54, group_size=16, depth=22, group_min_ratio=0.9),
    "regnetx_006": RegNetCfg(w0=48, wa=36.97, wm=2.24, group_size=24, depth=16),
    "regnetx_008": RegNetCfg(w0=56, wa=35.73, wm=2.28, group_size=16, depth=16),
    "regnetx_016": RegNetCfg(w0=80, wa=34.01, wm=2.25, group_size=24, depth=18),
    "regnetx_032": RegNetCfg(w0=88, wa=26.31, wm=2.25, group_size=48, depth=25),
    "regnetx_040": RegNetCfg(w0=96, wa=38.65, wm=2.43, group_size=40, depth=23),
    "regnetx_064": RegNetCfg(w0=184, wa=60.83, wm=2.07, group_size=56, depth=17),
    "regnetx_080": RegNetCfg(w0=80, wa=49.56, wm=2.88, group_size=120, depth=23),
    "regnetx_120": RegNetCfg(w0=168, wa=73.36, wm=2.37, group_size=112, depth=19),
    "regnetx_160": RegNetCfg(w0=216, wa=55.59, wm=2.1, group_size=128, depth=22),
    "regnetx_320": RegNetCfg(w0=320, wa=69.86, wm=2.0, group_size=168, depth=23),
    # RegNet-Y
    "regnety_002": RegNetCfg(w0=24, wa=36.44, wm=2.49, group_size=8, depth=13, se_ratio=0.25),
    "regnety_004": RegNetCfg(w0=48, wa=27.89, wm=2.09, group_size=8, depth=16, se_ratio=0.25),
    "regnety_006": RegNetCfg(w0=48, wa=32.54, wm=2.32, group_size=16, depth=15, se_ratio=0.25),
    "regnety_008": RegNetCfg(w0=56, wa=38.84, wm=2.4, group_size=16, depth=14, se_ratio=0.25),
    "regnety_008_tv": RegNetCfg(w0=56, wa=38.84, wm=2.4, group_size=16, depth=14, se_ratio=0.25, group_min_ratio=0.9),
    "regnety_016": RegNetCfg(w0=48, wa=20.71, wm=2.65, group_size=24, depth=27, se_ratio=0.25),
    "regnety_032": RegNetCfg(w0=80, wa=42.63, wm=2.66, group_size=24, depth=21, se_ratio=0.25),
    "regnety_040": RegNetCfg(w0=96, wa=31.41, wm=2.24, group_size=64, depth=22, se_ratio=0.25),
    "regnety_064": RegNetCfg(w0=112, wa=33.22, wm=2.27, group_size=72, depth=25, se_ratio=0.25),
    "regnety_080": RegNetCfg(w0=192, wa=76.82, wm=2.19, group_size=56, depth=17, se_ratio=0.25),
    "regnety_080_tv": RegNetCfg(w0=192, wa=76.82, wm=2.19, group_size=56, depth=17, se_ratio=0.25, group_min_ratio=0.9),
    "regnety_120": RegNetCfg(w0=168, wa=73.36, wm=2.37, group_size=112, depth=19, se_ratio=0.25),
    "regnety_160": RegNetCfg(w0=200, wa=106.23, wm=2.48, group_size=112, depth=18, se_ratio=0.25),
    "regnety_320": RegNetCfg(w0=232, wa=115.89, wm=2.53, group_size=232, depth=20, se_ratio=0.25),
    "regnety_640": RegNetCfg(w0=352, wa=147.48, wm=2.4, group_size=328, depth=20, se_ratio=0.25),
    "regnety_1280": RegNetCfg(w0=456, wa=160.83, wm=2.52, group_size=264, depth=27, se_ratio=0.25),
    "regnety_2560": RegNetCfg(w0=640, wa=230.83, wm=2.53, group_size=373, depth=27, se_ratio=0.25),
    # RegNet-V: pre-activation RegNet-Y
    "regnetv_040": RegNetCfg(depth=22, w0=96, wa=31.41, wm=2.24, group_size=64, se_ratio=0.25, preact=True,
                             act_layer="silu"),
    "regnetv_064": RegNetCfg(depth=25, w0=112, wa=33.22, wm=2.27, group_size=72, se_ratio=0.25, preact=True,
                             act_layer="silu", downsample="avg"),
    # RegNet-Z
    "regnetz_040": RegNetCfg(depth=28, w0=48, wa=14.5, wm=2.226, group_size=8, bottle_ratio=4.0, se_ratio=0.25,
                             downsample=None, linear_out=True, num_features=0, act_layer="silu"),
    "regnetz_040_h": RegNetCfg(depth=28, w0=48, wa=14.5, wm=2.226, group_size=8, bottle_ratio=4.0, se_ratio=0.25,
                               downsample=None, linear_out=True, num_features=1536, act_layer="silu"),
}

# timm passes zero_init_last=False for these.
NO_ZERO_INIT_LAST = ("regnetz_040", "regnetz_040_h")


def _cfg(url: str = "", **kwargs) -> dict:
    return {
        "url": url, "num_classes": 1000, "input_size": (3, 224, 224), "pool_size": (7, 7),
        "test_input_size": (3, 288, 288), "crop_pct": 0.95, "test_crop_pct": 1.0,
        "interpolation": "bicubic", "mean": IMAGENET_DEFAULT_MEAN, "std": IMAGENET_DEFAULT_STD,
        "first_conv": "stem.conv", "classifier": "head.fc",
        "license": "apache-2.0", **kwargs,
    }


def _cfgpyc(url: str = "", **kwargs) -> dict:
    return {
        "url": url, "num_classes": 1000, "input_size": (3, 224, 224), "pool_size": (7, 7),
        "crop_pct": 0.875, "interpolation": "bicubic",
        "mean": IMAGENET_DEFAULT_MEAN, "std": IMAGENET_DEFAULT_STD,
        "first_conv": "stem.conv", "classifier": "head.fc",
        "license": "mit", "origin_url": "https://github.com/facebookresearch/pycls", **kwargs,
    }


def _cfgtv2(url: str = "", **kwargs) -> dict:
    return {
        "url": url, "num_classes": 1000, "input_size": (3, 224, 224), "pool_size": (7, 7),
        "crop_pct": 0.965, "interpolation": "bicubic",
        "mean": IMAGENET_DEFAULT_MEAN, "std": IMAGENET_DEFAULT_STD,
        "first_conv": "stem.conv", "classifier": "head.fc",
        "license": "bsd-3-clause", "origin_url": "https://github.com/pytorch/vision", **kwargs,
    }


_SEER = {"license": "seer-license", "origin_url": "https://github.com/facebookresearch/vissl"}
_SWAG = {"license": "cc-by-nc-4.0"}
_I384 = {"input_size": (3, 384, 384), "pool_size": (12, 12), "crop_pct": 1.0}

# timm's entries, in timm's order (less the two untrained architectures').
default_cfgs = generate_default_cfgs({
    # timm trained models
    "regnety_032.ra_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-weights/regnety_032_ra-7f2439f9.pth"),
    "regnety_040.ra3_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-tpu-weights/regnety_040_ra3-670e1166.pth"),
    "regnety_064.ra3_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-tpu-weights/regnety_064_ra3-aa26dc7d.pth"),
    "regnety_080.ra3_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-tpu-weights/regnety_080_ra3-1fdc4344.pth"),
    "regnety_120.sw_in12k_ft_in1k": _cfg(hf_hub_id="timm/"),
    "regnety_160.sw_in12k_ft_in1k": _cfg(hf_hub_id="timm/"),
    "regnety_160.lion_in12k_ft_in1k": _cfg(hf_hub_id="timm/"),

    # timm in12k pretrain
    "regnety_120.sw_in12k": _cfg(hf_hub_id="timm/", num_classes=11821),
    "regnety_160.sw_in12k": _cfg(hf_hub_id="timm/", num_classes=11821),

    # timm custom arch (v and z guess) + trained models
    "regnetv_040.ra3_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-tpu-weights/regnetv_040_ra3-c248f51f.pth",
        first_conv="stem"),
    "regnetv_064.ra3_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-tpu-weights/regnetv_064_ra3-530616c2.pth",
        first_conv="stem"),
    "regnetz_040.ra3_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-tpu-weights/regnetz_040_ra3-9007edf5.pth",
        input_size=(3, 256, 256), pool_size=(8, 8), crop_pct=1.0, test_input_size=(3, 320, 320)),
    "regnetz_040_h.ra3_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-tpu-weights/regnetz_040h_ra3-f594343b.pth",
        input_size=(3, 256, 256), pool_size=(8, 8), crop_pct=1.0, test_input_size=(3, 320, 320)),

    # used in DeiT for distillation (from Facebook DeiT GitHub repository)
    "regnety_160.deit_in1k": _cfg(
        hf_hub_id="timm/", url="https://dl.fbaipublicfiles.com/deit/regnety_160-a5fe301d.pth"),

    "regnetx_004_tv.tv2_in1k": _cfgtv2(
        hf_hub_id="timm/", url="https://download.pytorch.org/models/regnet_x_400mf-62229a5f.pth"),
    "regnetx_008.tv2_in1k": _cfgtv2(
        hf_hub_id="timm/", url="https://download.pytorch.org/models/regnet_x_800mf-94a99ebd.pth"),
    "regnetx_016.tv2_in1k": _cfgtv2(
        hf_hub_id="timm/", url="https://download.pytorch.org/models/regnet_x_1_6gf-a12f2b72.pth"),
    "regnetx_032.tv2_in1k": _cfgtv2(
        hf_hub_id="timm/", url="https://download.pytorch.org/models/regnet_x_3_2gf-7071aa85.pth"),
    "regnetx_080.tv2_in1k": _cfgtv2(
        hf_hub_id="timm/", url="https://download.pytorch.org/models/regnet_x_8gf-2b70d774.pth"),
    "regnetx_160.tv2_in1k": _cfgtv2(
        hf_hub_id="timm/", url="https://download.pytorch.org/models/regnet_x_16gf-ba3796d7.pth"),
    "regnetx_320.tv2_in1k": _cfgtv2(
        hf_hub_id="timm/", url="https://download.pytorch.org/models/regnet_x_32gf-6eb8fdc6.pth"),

    "regnety_004.tv2_in1k": _cfgtv2(
        hf_hub_id="timm/", url="https://download.pytorch.org/models/regnet_y_400mf-e6988f5f.pth"),
    "regnety_008_tv.tv2_in1k": _cfgtv2(
        hf_hub_id="timm/", url="https://download.pytorch.org/models/regnet_y_800mf-58fc7688.pth"),
    "regnety_016.tv2_in1k": _cfgtv2(
        hf_hub_id="timm/", url="https://download.pytorch.org/models/regnet_y_1_6gf-0d7bc02a.pth"),
    "regnety_032.tv2_in1k": _cfgtv2(
        hf_hub_id="timm/", url="https://download.pytorch.org/models/regnet_y_3_2gf-9180c971.pth"),
    "regnety_080_tv.tv2_in1k": _cfgtv2(
        hf_hub_id="timm/", url="https://download.pytorch.org/models/regnet_y_8gf-dc2b1b54.pth"),
    "regnety_160.tv2_in1k": _cfgtv2(
        hf_hub_id="timm/", url="https://download.pytorch.org/models/regnet_y_16gf-3e4a00f9.pth"),
    "regnety_320.tv2_in1k": _cfgtv2(
        hf_hub_id="timm/", url="https://download.pytorch.org/models/regnet_y_32gf-8db6d4b5.pth"),

    "regnety_160.swag_ft_in1k": _cfgtv2(
        hf_hub_id="timm/", url="https://download.pytorch.org/models/regnet_y_16gf_swag-43afe44d.pth",
        **_SWAG, **_I384),
    "regnety_320.swag_ft_in1k": _cfgtv2(
        hf_hub_id="timm/", url="https://download.pytorch.org/models/regnet_y_32gf_swag-04fdfa75.pth",
        **_SWAG, **_I384),
    "regnety_1280.swag_ft_in1k": _cfgtv2(
        hf_hub_id="timm/", url="https://download.pytorch.org/models/regnet_y_128gf_swag-c8ce3e52.pth",
        **_SWAG, **_I384),

    "regnety_160.swag_lc_in1k": _cfgtv2(
        hf_hub_id="timm/", url="https://download.pytorch.org/models/regnet_y_16gf_lc_swag-f3ec0043.pth", **_SWAG),
    "regnety_320.swag_lc_in1k": _cfgtv2(
        hf_hub_id="timm/", url="https://download.pytorch.org/models/regnet_y_32gf_lc_swag-e1583746.pth", **_SWAG),
    "regnety_1280.swag_lc_in1k": _cfgtv2(
        hf_hub_id="timm/", url="https://download.pytorch.org/models/regnet_y_128gf_lc_swag-cbe8ce12.pth", **_SWAG),

    "regnety_320.seer_ft_in1k": _cfgtv2(
        hf_hub_id="timm/", **_SEER,
        url="https://dl.fbaipublicfiles.com/vissl/model_zoo/seer_finetuned/seer_regnet32_finetuned_in1k_model_final_checkpoint_phase78.torch",
        **_I384),
    "regnety_640.seer_ft_in1k": _cfgtv2(
        hf_hub_id="timm/", **_SEER,
        url="https://dl.fbaipublicfiles.com/vissl/model_zoo/seer_finetuned/seer_regnet64_finetuned_in1k_model_final_checkpoint_phase78.torch",
        **_I384),
    "regnety_1280.seer_ft_in1k": _cfgtv2(
        hf_hub_id="timm/", **_SEER,
        url="https://dl.fbaipublicfiles.com/vissl/model_zoo/seer_finetuned/seer_regnet128_finetuned_in1k_model_final_checkpoint_phase78.torch",
        **_I384),
    "regnety_2560.seer_ft_in1k": _cfgtv2(
        hf_hub_id="timm/", **_SEER,
        url="https://dl.fbaipublicfiles.com/vissl/model_zoo/seer_finetuned/seer_regnet256_finetuned_in1k_model_final_checkpoint_phase38.torch",
        **_I384),

    "regnety_320.seer": _cfgtv2(
        hf_hub_id="timm/",
        url="https://dl.fbaipublicfiles.com/vissl/model_zoo/seer_regnet32d/seer_regnet32gf_model_iteration244000.torch",
        num_classes=0, **_SEER),
    "regnety_640.seer": _cfgtv2(
        hf_hub_id="timm/",
        url="https://dl.fbaipublicfiles.com/vissl/model_zoo/seer_regnet64/seer_regnet64gf_model_final_checkpoint_phase0.torch",
        num_classes=0, **_SEER),
    "regnety_1280.seer": _cfgtv2(
        hf_hub_id="timm/",
        url="https://dl.fbaipublicfiles.com/vissl/model_zoo/swav_ig1b_regnet128Gf_cnstant_bs32_node16_sinkhorn10_proto16k_syncBN64_warmup8k/model_final_checkpoint_phase0.torch",
        num_classes=0, **_SEER),

    "regnetx_002.pycls_in1k": _cfgpyc(hf_hub_id="timm/"),
    "regnetx_004.pycls_in1k": _cfgpyc(hf_hub_id="timm/"),
    "regnetx_006.pycls_in1k": _cfgpyc(hf_hub_id="timm/"),
    "regnetx_008.pycls_in1k": _cfgpyc(hf_hub_id="timm/"),
    "regnetx_016.pycls_in1k": _cfgpyc(hf_hub_id="timm/"),
    "regnetx_032.pycls_in1k": _cfgpyc(hf_hub_id="timm/"),
    "regnetx_040.pycls_in1k": _cfgpyc(hf_hub_id="timm/"),
    "regnetx_064.pycls_in1k": _cfgpyc(hf_hub_id="timm/"),
    "regnetx_080.pycls_in1k": _cfgpyc(hf_hub_id="timm/"),
    "regnetx_120.pycls_in1k": _cfgpyc(hf_hub_id="timm/"),
    "regnetx_160.pycls_in1k": _cfgpyc(hf_hub_id="timm/"),
    "regnetx_320.pycls_in1k": _cfgpyc(hf_hub_id="timm/"),

    "regnety_002.pycls_in1k": _cfgpyc(hf_hub_id="timm/"),
    "regnety_004.pycls_in1k": _cfgpyc(hf_hub_id="timm/"),
    "regnety_006.pycls_in1k": _cfgpyc(hf_hub_id="timm/"),
    "regnety_008.pycls_in1k": _cfgpyc(hf_hub_id="timm/"),
    "regnety_016.pycls_in1k": _cfgpyc(hf_hub_id="timm/"),
    "regnety_032.pycls_in1k": _cfgpyc(hf_hub_id="timm/"),
    "regnety_040.pycls_in1k": _cfgpyc(hf_hub_id="timm/"),
    "regnety_064.pycls_in1k": _cfgpyc(hf_hub_id="timm/"),
    "regnety_080.pycls_in1k": _cfgpyc(hf_hub_id="timm/"),
    "regnety_120.pycls_in1k": _cfgpyc(hf_hub_id="timm/"),
    "regnety_160.pycls_in1k": _cfgpyc(hf_hub_id="timm/"),
    "regnety_320.pycls_in1k": _cfgpyc(hf_hub_id="timm/"),
})


def _create_regnet(variant: str, args: BuildArgs) -> ModelGraph:
    """timm's `variant` (a key of `model_cfgs`): NHWC images of any size (or `img_size`) in, logits out
    (pooled features when `num_classes=0`). The feature maps are `stem` and `s1`..`s4`, as timm's
    `feature_info`."""
    cfg = model_cfgs[variant]
    fmt = {"data_format": "channels_last"}
    act = cfg.act_layer
    inputs = model_input(args.in_chans, args.img_size)

    # The stem: a 3x3/2 ConvNormAct (`stem.conv`, `stem.bn`), or a bare conv (`stem`) when pre-activation.
    x = keras.layers.ZeroPadding2D(1, name="stem_pad", **fmt)(inputs)
    stem_conv = dict(strides=2, padding="valid", use_bias=False, kernel_initializer=conv_init(), **fmt)
    if cfg.preact:
        x = keras.layers.Conv2D(cfg.stem_width, 3, name="stem", **stem_conv)(x)
    else:
        x = keras.layers.Conv2D(cfg.stem_width, 3, name="stem__conv", **stem_conv)(x)
        x = BatchNormAct2D(activation=act, name="stem__bn", **fmt)(x)
    features = [FeatureMap(x, cfg.stem_width, 2, "stem")]

    block_cls = RegNetPreBottleneck if cfg.preact else RegNetBottleneck
    reduction = 2
    for stage_idx, stage in enumerate(stage_args(cfg, args.drop_path_rate, args.output_stride)):
        dilation = stage["dilation"]
        for block_idx in range(stage["depth"]):
            x = block_cls(
                stage["out_chs"],
                strides=stage["stride"] if block_idx == 0 else 1,
                # timm's `RegStage`: the first 3x3 of a dilated stage dilated 1 or 2, the others as the stage.
                dilation=dilation,
                first_dilation=(1 if dilation in (1, 2) else 2) if block_idx == 0 else dilation,
                bottle_ratio=stage["bottle_ratio"],
                group_size=stage["group_size"],
                se_ratio=cfg.se_ratio,
                downsample=cfg.downsample,
                linear_out=cfg.linear_out,
                activation=act,
                zero_init_last=variant not in NO_ZERO_INIT_LAST,
                drop_path_rate=stage["drop_path_rates"][block_idx],
                name=f"s{stage_idx + 1}__b{block_idx + 1}",
                **fmt,
            )(x)
        reduction *= stage["stride"]
        features.append(FeatureMap(x, stage["out_chs"], reduction, f"s{stage_idx + 1}"))

    # The head: a 1x1 ConvNormAct to `num_features` (RegNetZ-4.0-H), or the activation the linear
    # outputs and the pre-activation blocks leave for the end, then timm's ClassifierHead.
    if cfg.num_features:
        x = keras.layers.Conv2D(cfg.num_features, 1, use_bias=False, kernel_initializer=conv_init(),
                                name="final_conv__conv", **fmt)(x)
        x = BatchNormAct2D(activation=act, name="final_conv__bn", **fmt)(x)
    elif cfg.linear_out or cfg.preact:
        x = keras.layers.Activation(act, name="final_conv")(x)
    x = keras.layers.GlobalAveragePooling2D(name="head__global_pool", **fmt)(x)
    if args.num_classes:
        x = keras.layers.Dense(args.num_classes, kernel_initializer=normal_init(0.01), bias_initializer="zeros",
                               name="head__fc")(x)
    return ModelGraph(inputs, x, features)


_TORCHVISION_RENAMES = (
    ("f.a.0", "conv1.conv"),
    ("f.a.1", "conv1.bn"),
    ("f.b.0", "conv2.conv"),
    ("f.b.1", "conv2.bn"),
    ("f.final_bn", "conv3.bn"),
    ("f.se.excitation.0", "se.fc1"),
    ("f.se.excitation.2", "se.fc2"),
    ("f.se", "se"),
    ("f.c.0", "conv3.conv"),
    ("f.c.1", "conv3.bn"),
    ("f.c", "conv3.conv"),
    ("proj.0", "downsample.conv"),
    ("proj.1", "downsample.bn"),
    ("proj", "downsample.conv"),
)


def checkpoint_filter_fn(state: Mapping[str, np.ndarray], model: keras.Model) -> dict[str, np.ndarray]:
    """timm's `regnet._filter_fn`: torchvision's RegNet keys (`stem.0`, `trunk_output.blockI.blockI-J`,
    `f.a.0`, ..., `fc`) renamed to timm's; timm's own checkpoints pass unchanged. (timm's third branch,
    classy-vision/VISSL SEER checkpoints, reads a nested `classy_state_dict`, which a flat checkpoint
    mapping cannot hold: timm's Hub copies of those weights are already converted.)"""
    if "stem.0.weight" not in state:
        return dict(state)
    out = {}
    for key, value in state.items():
        key = key.replace("stem.0", "stem.conv")
        key = key.replace("stem.1", "stem.bn")
        key = re.sub(r"trunk_output.block(\d)\.block(\d+)\-(\d+)",
                     lambda m: f"s{int(m.group(1))}.b{int(m.group(3)) + 1}", key)
        for old, new in _TORCHVISION_RENAMES:
            key = key.replace(old, new)
        key = key.replace("fc.", "head.fc.")
        out[key] = value
    return out


register_family(
    model_cfgs, _create_regnet, default_cfgs, checkpoint_filter_fn, feature_out_indices=(0, 1, 2, 3, 4),
    output_strides=(8, 16, 32),
)
