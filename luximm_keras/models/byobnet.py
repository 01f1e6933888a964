"""ByobNet ("bring your own blocks"): timm's configurable ResNet-like network, as functional Keras
models: its blocks (basic, bottle, dark, edge, RepVGG's `rep`, MobileOne's `one`), stems
(`create_byob_stem`: 3x3, tiered, quad, deep, rep, one, 7x7), the `ByoBlockCfg`/`ByoModelCfg` tables
as timm has them (GERNet, RepVGG, ResNet-T/-Q/-TS with SE/ECA/GC/BAT attention, RegNetZ incl. EvoNorm,
MobileOne, CLIP's ResNets with their attention-pool head), the pretrained configs, the builder and
timm's checkpoint filter (OpenAI CLIP's keys).

Layer names are timm's module paths with `__` for `.` (`stem__conv1`, `stages__0__0`,
`final_conv`, `head__fc`; inside a block `conv1_1x1`, `conv2_kxk`, `attn`, `attn_last`, `shortcut`;
inside a ConvNormAct `conv` and `bn`), so `load_timm_weights(model, timm_model.state_dict())` loads
every key. RepVGG and MobileOne blocks are the training-time (multi-branch) modules the checkpoints
hold; timm's `reparameterize()` fusion is not ported.

Reference: timm/models/byobnet.py
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import keras
import numpy as np
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.data.constants import (
    IMAGENET_DEFAULT_MEAN,
    IMAGENET_DEFAULT_STD,
    OPENAI_CLIP_MEAN,
    OPENAI_CLIP_STD,
)
from luximm_keras.initializers import normal_init
from luximm_keras.layers import helpers
from luximm_keras.layers.attention_pool2d import AttentionPool2d
from luximm_keras.layers.create_attn import create_attn
from luximm_keras.layers.drop import DropPath, calculate_drop_path_rates
from luximm_keras.layers.evo_norm import EvoNorm2DS0a
from luximm_keras.layers.global_context import GlobalContext
from luximm_keras.layers.non_local_attn import BatNonLocalAttn
from luximm_keras.layers.norm_act import BatchNormAct2D
from luximm_keras.layers.padding import get_padding
from luximm_keras.models._builder import BuildArgs, FeatureMap, ModelGraph, model_input
from luximm_keras.models._pretrained import generate_default_cfgs
from luximm_keras.models._registry import register_family

NORM_LAYERS = ("batchnorm", "evonorms0a")
DOWNSAMPLES = ("avg", "conv1x1", "")
AA_LAYERS = (None, "avg")


def conv_init(groups: int = 1) -> keras.initializers.Initializer:
    """timm's ByobNet `_init_weights` for a conv: N(0, 2 / (kh * kw * out / groups)) (Keras' fan-out
    is `kh * kw * out`, hence the scale)."""
    return keras.initializers.VarianceScaling(scale=2.0 * groups, mode="fan_out", distribution="untruncated_normal")


def num_groups(group_size: int | None, channels: int) -> int:
    """timm's `num_groups`: 1 for no group size (0 or None), else `channels // group_size` (1: depthwise)."""
    if not group_size:
        return 1
    if channels % group_size:
        raise ValueError(f"group size {group_size} does not divide {channels} channels.")
    return channels // group_size


# ----------------------------------------------------------------------------------------------------
# timm's ConvNormAct (timm/layers/conv_bn_act.py), with ByobNet's conv initialisation


@serializable
class ConvNormAct(keras.layers.Layer):
    """timm's `ConvNormAct`: a bias-free conv with timm's symmetric padding (`conv`), a norm with its
    activation (`bn`: batch norm, or EvoNorm-S0a whose activation is its own gate), and with
    `aa_layer="avg"` at stride 2 the conv at stride 1 followed by a 2x2 average pool (`aa`, CLIP's
    anti-aliased ResNets).

    Args:
        filters: output channels.
        kernel_size: the square kernel.
        strides: 1 or 2.
        groups: conv groups.
        apply_act: the activation after the norm (timm's `apply_act`).
        activation: a Keras activation name ("relu", "silu").
        norm_layer: "batchnorm" (eps 1e-5) or "evonorms0a" (timm's `EvoNorm2dS0a`).
        norm_kwargs: extra arguments of the norm (EvoNorm's `group_size`).
        aa_layer: None or "avg".
        zero_init_norm: the norm's scale starts at zero (timm's `zero_init_last` on a block's last norm).
        data_format: `"channels_last"` (default) or `"channels_first"`.
        dilation: the conv's dilation (timm's `output_stride` below 32), padded symmetrically by
            `((s - 1) + dilation * (kernel_size - 1)) // 2`, as timm.

    Example:
        >>> ConvNormAct(32, 3, strides=2, activation="silu")(keras.ops.ones((2, 15, 15, 8))).shape
        (2, 8, 8, 32)

    Reference: timm/layers/conv_bn_act.py `ConvNormAct`.
    """

    timm_mapping = {}

    def __init__(
        self,
        filters: int,
        kernel_size: int = 1,
        strides: int = 1,
        groups: int = 1,
        apply_act: bool = True,
        activation="relu",
        norm_layer: str = "batchnorm",
        norm_kwargs: dict | None = None,
        aa_layer: str | None = None,
        zero_init_norm: bool = False,
        data_format: str | None = None,
        dilation: int = 1,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(filters) < 1 or int(kernel_size) < 1 or int(groups) < 1 or int(dilation) < 1:
            raise ValueError(f"`filters`, `kernel_size`, `groups` and `dilation` must be positive, got {filters!r}, "
                             f"{kernel_size!r}, {groups!r}, {dilation!r}.")
        if int(strides) not in (1, 2):
            raise ValueError(f"`strides` must be 1 or 2, got {strides!r}.")
        if norm_layer not in NORM_LAYERS:
            raise ValueError(f"`norm_layer` must be one of {NORM_LAYERS}, got {norm_layer!r}.")
        if aa_layer not in AA_LAYERS:
            raise ValueError(f"`aa_layer` must be one of {AA_LAYERS}, got {aa_layer!r}.")
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.strides = int(strides)
        self.groups = int(groups)
        self.apply_act = bool(apply_act)
        self.activation = activation
        self.norm_layer = norm_layer
        self.norm_kwargs = dict(norm_kwargs or {})
        self.aa_layer = aa_layer
        self.zero_init_norm = bool(zero_init_norm)
        self.data_format = helpers.standardize_data_format(data_format)
        self.dilation = int(dilation)
        self.use_aa = aa_layer is not None and self.strides > 1
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        fmt = {"data_format": self.data_format, "dtype": self.dtype_policy}
        conv_strides = 1 if self.use_aa else self.strides
        padding = get_padding(self.kernel_size, conv_strides, self.dilation)
        self.conv_pad = keras.layers.ZeroPadding2D(padding, name="conv_pad", **fmt) if padding else None
        self.conv = keras.layers.Conv2D(
            self.filters, self.kernel_size, strides=conv_strides, padding="valid", groups=self.groups,
            dilation_rate=self.dilation, use_bias=False, kernel_initializer=conv_init(self.groups), name="conv", **fmt,
        )
        gamma = "zeros" if self.zero_init_norm else "ones"
        if self.norm_layer == "batchnorm":
            self.bn = BatchNormAct2D(activation=self.activation if self.apply_act else None,
                                     gamma_initializer=gamma, name="bn", **fmt)
        else:
            self.bn = EvoNorm2DS0a(apply_act=self.apply_act, gamma_initializer=gamma, name="bn",
                                   **self.norm_kwargs, **fmt)
        # timm's create_aa("avg") falls back to nn.AvgPool2d(stride): a 2x2/2 pool, floor mode.
        self.aa = keras.layers.AveragePooling2D(self.strides, name="aa", **fmt) if self.use_aa else None
        shape = input_shape
        for layer in (self.conv_pad, self.conv, self.bn, self.aa):
            if layer is not None:
                layer.build(shape)
                shape = layer.compute_output_shape(shape)
        axis = helpers.channel_axis(self.data_format)
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: input_shape[axis]})

    def call(self, inputs, training=None):
        x = inputs
        if self.conv_pad is not None:
            x = backend_ops.call_layer(self.conv_pad, x)
        x = backend_ops.call_layer(self.conv, x)
        x = self.bn(x, training=training) if self.norm_layer == "batchnorm" else self.bn(x)
        if self.aa is not None:
            x = self.aa(x)
        return x

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[helpers.channel_axis(self.data_format)] = self.filters
        pad = get_padding(self.kernel_size, 1 if self.use_aa else self.strides, self.dilation)
        span = self.dilation * (self.kernel_size - 1) + 1
        for a in helpers.spatial_axes(self.data_format):
            if shape[a] is not None:
                if self.use_aa:
                    shape[a] = (shape[a] + 2 * pad - span + 1) // self.strides
                else:
                    shape[a] = (shape[a] + 2 * pad - span) // self.strides + 1
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "groups": self.groups,
                "apply_act": self.apply_act,
                "activation": self.activation,
                "norm_layer": self.norm_layer,
                "norm_kwargs": self.norm_kwargs,
                "aa_layer": self.aa_layer,
                "zero_init_norm": self.zero_init_norm,
                "data_format": self.data_format,
                "dilation": self.dilation,
            }
        )
        return config


def create_byob_attn(attn_layer: str | None, channels: int, attn_kwargs: dict | None, name: str,
                     data_format: str, dtype) -> keras.layers.Layer | None:
    """timm's `get_attn(attn_layer)(channels, **attn_kwargs)` for the attention modules ByobNet's
    configs use: "se" (`SEModule`, a ReLU bottleneck), "eca", "gc" and "gca" (`GlobalContext`, "gca"
    with `fuse_add=True, fuse_scale=False`) and "bat" (`BatNonLocalAttn`, channels-last only)."""
    if not attn_layer:
        return None
    kwargs = dict(attn_kwargs or {}, name=name, data_format=data_format, dtype=dtype)
    if attn_layer in ("gc", "gca"):
        if attn_layer == "gca":
            kwargs.update(fuse_add=True, fuse_scale=False)
        if "act_layer" in kwargs:
            kwargs["activation"] = kwargs.pop("act_layer")
        return GlobalContext(**kwargs)
    if attn_layer == "bat":
        if kwargs.pop("data_format") != "channels_last":
            raise ValueError("timm's 'bat' attention (BatNonLocalAttn) takes channels_last maps only.")
        if "act_layer" in kwargs:
            kwargs["activation"] = kwargs.pop("act_layer")
        return BatNonLocalAttn(**kwargs)
    return create_attn(attn_layer, channels, **kwargs)


# ----------------------------------------------------------------------------------------------------
# The blocks


class _ByoBlock(keras.layers.Layer):
    """What timm's ByobNet blocks share: arguments (timm's block kwargs and `LayerFn`), the shortcut
    (`create_shortcut`), the sublayer factories. Subclasses list their steps in `_plan`."""

    # No variables of its own: every sublayer carries timm's module name.
    timm_mapping = {}
    default_downsample = "avg"
    default_attn_last = False

    def __init__(
        self,
        filters: int,
        kernel_size: int = 3,
        strides: int = 1,
        group_size: int | None = None,
        bottle_ratio: float = 1.0,
        downsample: str | None = None,
        attn_last: bool | None = None,
        linear_out: bool = False,
        activation: str = "relu",
        norm_layer: str = "batchnorm",
        norm_kwargs: dict | None = None,
        aa_layer: str | None = None,
        attn_layer: str | None = None,
        attn_kwargs: dict | None = None,
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
        if int(dilation) < 1 or int(first_dilation or dilation) < 1:
            raise ValueError(f"`dilation` and `first_dilation` must be positive, got {dilation!r}, {first_dilation!r}.")
        if int(strides) not in (1, 2):
            raise ValueError(f"`strides` must be 1 or 2, got {strides!r}.")
        downsample = self.default_downsample if downsample is None else downsample
        if downsample not in DOWNSAMPLES:
            raise ValueError(f"`downsample` must be one of {DOWNSAMPLES}, got {downsample!r}.")
        if norm_layer not in NORM_LAYERS:
            raise ValueError(f"`norm_layer` must be one of {NORM_LAYERS}, got {norm_layer!r}.")
        if aa_layer not in AA_LAYERS:
            raise ValueError(f"`aa_layer` must be one of {AA_LAYERS}, got {aa_layer!r}.")
        if bottle_ratio <= 0:
            raise ValueError(f"`bottle_ratio` must be positive, got {bottle_ratio!r}.")
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.strides = int(strides)
        self.group_size = int(group_size) if group_size else None
        self.bottle_ratio = float(bottle_ratio)
        self.downsample = downsample
        self.attn_last = self.default_attn_last if attn_last is None else bool(attn_last)
        self.linear_out = bool(linear_out)
        self.activation = activation
        self.norm_layer = norm_layer
        self.norm_kwargs = dict(norm_kwargs or {})
        self.aa_layer = aa_layer
        self.attn_layer = attn_layer or None
        self.attn_kwargs = dict(attn_kwargs or {})
        self.zero_init_last = bool(zero_init_last)
        self.drop_path_rate = float(drop_path_rate)
        self.data_format = helpers.standardize_data_format(data_format)
        self.dilation = int(dilation)
        self.first_dilation = int(first_dilation or dilation)
        self.input_spec = keras.layers.InputSpec(ndim=4)
        self.drop_path = DropPath(self.drop_path_rate, name="drop_path", dtype=self.dtype_policy)

    # -- factories ----------------------------------------------------------------------------------
    def _fmt(self) -> dict:
        return {"data_format": self.data_format, "dtype": self.dtype_policy}

    def _cna(self, filters, kernel_size, name, strides=1, groups=1, apply_act=True, zero=False, dilation=1):
        return ConvNormAct(filters, kernel_size, strides=strides, groups=groups, apply_act=apply_act,
                           dilation=dilation, activation=self.activation, norm_layer=self.norm_layer, norm_kwargs=self.norm_kwargs,
                           aa_layer=self.aa_layer, zero_init_norm=zero, name=name, **self._fmt())

    def _attn(self, channels, name):
        return create_byob_attn(self.attn_layer, channels, self.attn_kwargs, name, self.data_format, self.dtype_policy)

    def _channels(self, input_shape) -> int:
        axis = helpers.channel_axis(self.data_format)
        if input_shape[axis] is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: input_shape[axis]})
        return int(input_shape[axis])

    @staticmethod
    def _build_chain(layers, shape):
        for layer in layers:
            if layer is not None:
                layer.build(shape)
                shape = layer.compute_output_shape(shape)
        return shape

    def _build_shortcut(self, input_shape, in_channels):
        """timm's `create_shortcut`: the identity when neither the width nor the size changes;
        otherwise a strided 1x1 ConvNormAct without activation (`conv1x1`), timm's `DownsampleAvg`
        (`avg`: a 2x2 ceil-mode average pool when strided, then the 1x1 ConvNormAct) or no residual
        at all (`""`). Where a dilated stage begins (`first_dilation` differs) the same, unstrided;
        the `avg` pool then only from `first_dilation` 2 on: timm's `AvgPool2dSame(2, 1)`."""
        self.shortcut_pad = self.shortcut_pool = self.shortcut = None
        self.residual = True
        if in_channels == self.filters and self.strides == 1 and self.first_dilation == self.dilation:
            return
        if not self.downsample:
            self.residual = False
            return
        if self.downsample == "avg":
            if self.first_dilation > 1:
                # timm's AvgPool2dSame(2, 1): zeros padded after the last row and column, and averaged in.
                self.shortcut_pad = keras.layers.ZeroPadding2D(((0, 1), (0, 1)), name="shortcut__pool_pad",
                                                               **self._fmt())
                self.shortcut_pool = keras.layers.AveragePooling2D(
                    2, strides=1, padding="valid", name="shortcut__pool", **self._fmt())
            elif self.strides > 1:
                # PyTorch's AvgPool2d(2, 2, ceil_mode=True, count_include_pad=False): TF "SAME" pooling
                # adds the odd trailing pixel and averages over the valid ones alone, the same.
                self.shortcut_pool = keras.layers.AveragePooling2D(
                    2, strides=self.strides, padding="same", name="shortcut__pool", **self._fmt())
            self.shortcut = self._cna(self.filters, 1, "shortcut__conv", apply_act=False)
        else:
            self.shortcut = self._cna(self.filters, 1, "shortcut", strides=self.strides, apply_act=False)
        self._build_chain([self.shortcut_pad, self.shortcut_pool, self.shortcut], input_shape)

    def _shortcut(self, x, training):
        if self.shortcut_pad is not None:
            x = backend_ops.call_layer(self.shortcut_pad, x)
        if self.shortcut_pool is not None:
            x = self.shortcut_pool(x)
        return self.shortcut(x, training=training)

    # -- the residual blocks' frame -----------------------------------------------------------------
    def _plan(self, in_channels: int) -> list[tuple]:
        """The steps of the residual branch, in order: `("conv", name, filters, kernel, strides,
        groups, apply_act, last, dilation)` or `("attn", name, channels)`."""
        raise NotImplementedError

    def build(self, input_shape):
        in_channels = self._channels(input_shape)
        self._build_shortcut(input_shape, in_channels)
        # The sublayers' names are timm's (`attn_last` among them); as attributes they would shadow
        # the arguments of the same name, so they are kept in order in `steps` only.
        steps = []
        shape = input_shape
        for step in self._plan(in_channels):
            if step[0] == "conv":
                _, name, filters, kernel, strides, groups, apply_act, last, dilation = step
                layer = self._cna(filters, kernel, name, strides=strides, groups=groups, apply_act=apply_act,
                                  zero=last and self.zero_init_last and self.residual, dilation=dilation)
            else:
                layer = self._attn(step[2], step[1])
            if layer is None:
                continue
            steps.append(layer)
            layer.build(shape)
            shape = layer.compute_output_shape(shape)
        self.steps = steps

    def call(self, inputs, training=None):
        x = inputs
        for layer in self.steps:
            x = layer(x, training=training) if isinstance(layer, (ConvNormAct, BatNonLocalAttn)) else layer(x)
        x = backend_ops.call_layer(self.drop_path, x, training)
        if self.residual:
            x = x + (inputs if self.shortcut is None else self._shortcut(inputs, training))
        if not self.linear_out:
            x = keras.activations.get(self.activation)(x)
        return x

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[helpers.channel_axis(self.data_format)] = self.filters
        if self.strides == 2:
            for a in helpers.spatial_axes(self.data_format):
                if shape[a] is not None:
                    # padded kxk and unpadded 1x1 convs alike; the anti-aliased 2x2 pool floors
                    shape[a] = shape[a] // 2 if self.aa_layer else (shape[a] + 1) // 2
        return tuple(shape)

    def _mid(self, channels: int) -> int:
        return helpers.make_divisible(channels * self.bottle_ratio)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "group_size": self.group_size,
                "bottle_ratio": self.bottle_ratio,
                "downsample": self.downsample,
                "attn_last": self.attn_last,
                "linear_out": self.linear_out,
                "activation": self.activation,
                "norm_layer": self.norm_layer,
                "norm_kwargs": self.norm_kwargs,
                "aa_layer": self.aa_layer,
                "attn_layer": self.attn_layer,
                "attn_kwargs": self.attn_kwargs,
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
        filters: timm's `out_chs`.
        kernel_size: the kxk convs' kernel (3).
        strides: 1 or 2.
        group_size: channels per group of the grouped conv (None or 0: one group; 1: depthwise).
        bottle_ratio: the middle width is `make_divisible(filters * bottle_ratio)`.
        downsample: the shortcut where the shape changes: "avg" (2x2 average pool, 1x1 ConvNormAct),
            "conv1x1" (a strided 1x1 ConvNormAct) or "" (no residual in that block).
        attn_last: the attention after the last conv (`attn_last`) instead of in the middle (`attn`).
        linear_out: no activation after the residual sum.
        activation: the activation of the norms and the block ("relu", "silu").
        norm_layer: "batchnorm" or "evonorms0a"; `norm_kwargs` its extra arguments.
        aa_layer: None or "avg" (strided kxk convs at stride 1, then a 2x2 average pool; CLIP).
        attn_layer: None, "se", "eca", "gc" or "gca"; `attn_kwargs` its arguments (timm's).
        zero_init_last: the last norm's scale starts at zero where the block has a residual.
        drop_path_rate: stochastic-depth rate of the residual branch.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        dilation: the stage's dilation (timm's `output_stride` below 32 dilates the last stages): the
            block's second kxk conv where it has two.
        first_dilation: the (strided) first kxk conv's dilation, timm's `dilation[0]`: 1 or 2 where a
            dilated stage begins; None: `dilation`. A change of dilation gives the block an
            (unstrided) projection shortcut, as timm. (MobileOne's convs take no dilation, as timm's.)
"""


@serializable
class ByobBasicBlock(_ByoBlock):
    __doc__ = (
        """timm's ByobNet `BasicBlock`: `act(shortcut(x) + attn_last(conv2_kxk(attn(conv1_kxk(x)))))`,
    a strided kxk ConvNormAct to the middle width and a grouped kxk one (no activation) to `filters`.
"""
        + _BLOCK_ARGS_DOC
        + """
    Example:
        >>> ByobBasicBlock(64, strides=2)(keras.ops.ones((2, 15, 15, 32))).shape
        (2, 8, 8, 64)

    Reference: timm/models/byobnet.py `BasicBlock`.
    """
    )

    default_attn_last = True

    def _plan(self, in_channels):
        mid = self._mid(self.filters)
        groups = num_groups(self.group_size, mid)
        return [
            ("conv", "conv1_kxk", mid, self.kernel_size, self.strides, 1, True, False, self.first_dilation),
            *([] if self.attn_last else [("attn", "attn", mid)]),
            ("conv", "conv2_kxk", self.filters, self.kernel_size, 1, groups, False, True, self.dilation),
            *([("attn", "attn_last", self.filters)] if self.attn_last else []),
        ]


@serializable
class BottleneckBlock(_ByoBlock):
    __doc__ = (
        """timm's ByobNet `BottleneckBlock`: 1x1 ConvNormAct to the middle width, a strided grouped
    kxk ConvNormAct (and a second one with `extra_conv`, ResNet-61Q), attention, a 1x1 ConvNormAct
    without activation to `filters` (then `attn_last`), the residual sum and the activation.
"""
        + _BLOCK_ARGS_DOC
        + """        extra_conv: a second grouped kxk ConvNormAct (`conv2b_kxk`).
        bottle_in: the middle width from the input width instead of `filters` (RegNetZ).

    Example:
        >>> BottleneckBlock(64, strides=2, bottle_ratio=0.25)(keras.ops.ones((2, 15, 15, 32))).shape
        (2, 8, 8, 64)

    Reference: timm/models/byobnet.py `BottleneckBlock`.
    """
    )

    def __init__(self, filters: int, extra_conv: bool = False, bottle_in: bool = False, **kwargs):
        super().__init__(filters, **kwargs)
        self.extra_conv = bool(extra_conv)
        self.bottle_in = bool(bottle_in)

    def _plan(self, in_channels):
        mid = self._mid(in_channels if self.bottle_in else self.filters)
        groups = num_groups(self.group_size, mid)
        return [
            ("conv", "conv1_1x1", mid, 1, 1, 1, True, False, 1),
            ("conv", "conv2_kxk", mid, self.kernel_size, self.strides, groups, True, False, self.first_dilation),
            *([("conv", "conv2b_kxk", mid, self.kernel_size, 1, groups, True, False, self.dilation)]
              if self.extra_conv else []),
            *([] if self.attn_last else [("attn", "attn", mid)]),
            ("conv", "conv3_1x1", self.filters, 1, 1, 1, False, True, 1),
            *([("attn", "attn_last", self.filters)] if self.attn_last else []),
        ]

    def get_config(self):
        config = super().get_config()
        config.update({"extra_conv": self.extra_conv, "bottle_in": self.bottle_in})
        return config


@serializable
class DarkBlock(_ByoBlock):
    __doc__ = (
        """timm's ByobNet `DarkBlock` (DarkNet-like): a 1x1 ConvNormAct to the middle width, attention,
    a strided grouped kxk ConvNormAct without activation to `filters`, the residual sum and the
    activation.
"""
        + _BLOCK_ARGS_DOC
        + """
    Example:
        >>> DarkBlock(64, strides=2, bottle_ratio=0.5)(keras.ops.ones((2, 15, 15, 32))).shape
        (2, 8, 8, 64)

    Reference: timm/models/byobnet.py `DarkBlock`.
    """
    )

    default_attn_last = True

    def _plan(self, in_channels):
        mid = self._mid(self.filters)
        groups = num_groups(self.group_size, mid)
        return [
            ("conv", "conv1_1x1", mid, 1, 1, 1, True, False, 1),
            *([] if self.attn_last else [("attn", "attn", mid)]),
            ("conv", "conv2_kxk", self.filters, self.kernel_size, self.strides, groups, False, True,
             self.first_dilation),
            *([("attn", "attn_last", self.filters)] if self.attn_last else []),
        ]


@serializable
class EdgeBlock(_ByoBlock):
    __doc__ = (
        """timm's ByobNet `EdgeBlock` (EdgeResidual-like): a strided grouped kxk ConvNormAct to the
    middle width, attention, a 1x1 ConvNormAct without activation to `filters`, the residual sum and
    the activation.
"""
        + _BLOCK_ARGS_DOC
        + """
    Example:
        >>> EdgeBlock(64, strides=2)(keras.ops.ones((2, 15, 15, 32))).shape
        (2, 8, 8, 64)

    Reference: timm/models/byobnet.py `EdgeBlock`.
    """
    )

    def _plan(self, in_channels):
        mid = self._mid(self.filters)
        groups = num_groups(self.group_size, mid)
        return [
            ("conv", "conv1_kxk", mid, self.kernel_size, self.strides, groups, True, False, self.first_dilation),
            *([] if self.attn_last else [("attn", "attn", mid)]),
            ("conv", "conv2_1x1", self.filters, 1, 1, 1, False, True, 1),
            *([("attn", "attn_last", self.filters)] if self.attn_last else []),
        ]


class _ReparamBlock(_ByoBlock):
    """RepVGG's and MobileOne's training-time form: parallel conv branches, each a ConvNormAct
    without activation, a BatchNorm `identity` branch where the shape is kept, summed, then
    attention and the activation. Groups count from the *input* width."""

    default_downsample = ""

    def _branches(self, in_channels, groups):
        raise NotImplementedError

    def build(self, input_shape):
        in_channels = self._channels(input_shape)
        groups = num_groups(self.group_size, in_channels)
        self.identity = None
        if in_channels == self.filters and self.strides == 1 and self.first_dilation == self.dilation:
            self.identity = BatchNormAct2D(activation=None, name="identity", **self._fmt())
            self.identity.build(input_shape)
        self.branches = self._branches(in_channels, groups)
        for layer in self.branches:
            layer.build(input_shape)
        shape = self.branches[0].compute_output_shape(input_shape)
        self.attn = self._attn(self.filters, "attn")
        if self.attn is not None:
            self.attn.build(shape)

    def _sum(self, x, training):
        raise NotImplementedError

    def call(self, inputs, training=None):
        x = self._sum(inputs, training)
        if self.attn is not None:
            x = self.attn(x)
        return keras.activations.get(self.activation)(x)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[helpers.channel_axis(self.data_format)] = self.filters
        if self.strides == 2:
            for a in helpers.spatial_axes(self.data_format):
                if shape[a] is not None:
                    shape[a] = (shape[a] + 1) // 2
        return tuple(shape)


@serializable
class RepVggBlock(_ReparamBlock):
    """timm's `RepVggBlock` in its training-time form: `act(attn(conv_kxk(x) + conv_1x1(x) +
    identity(x)))`, `conv_kxk` a strided grouped kxk ConvNormAct without activation, `conv_1x1` the
    same with a 1x1 kernel, `identity` a BatchNorm (only where the shape is kept; drop path applies
    to the conv sum there).

    Args:
        filters, kernel_size, strides, group_size (of the input width), activation, attn_layer,
        attn_kwargs, drop_path_rate, data_format: as the other ByobNet blocks'. The others are
        accepted for the common interface and unused, as in timm.

    Example:
        >>> RepVggBlock(32)(keras.ops.ones((2, 15, 15, 32))).shape
        (2, 15, 15, 32)

    Reference: timm/models/byobnet.py `RepVggBlock` (`inference_mode=False`).
    """

    def _branches(self, in_channels, groups):
        self.conv_kxk = self._cna(self.filters, self.kernel_size, "conv_kxk", strides=self.strides, groups=groups,
                                  apply_act=False, dilation=self.first_dilation)
        self.conv_1x1 = self._cna(self.filters, 1, "conv_1x1", strides=self.strides, groups=groups, apply_act=False)
        return [self.conv_kxk, self.conv_1x1]

    def _sum(self, x, training):
        out = self.conv_1x1(x, training=training) + self.conv_kxk(x, training=training)
        if self.identity is None:
            return out
        identity = self.identity(x, training=training)
        return backend_ops.call_layer(self.drop_path, out, training) + identity


@serializable
class MobileOneBlock(_ReparamBlock):
    """timm's `MobileOneBlock` in its training-time form: `act(attn(conv_scale(x) + sum_i
    conv_kxk__i(x) + identity(x)))`: `num_conv_branches` grouped kxk ConvNormActs without activation,
    a 1x1 one (`conv_scale`, only when the kernel is larger than 1) and a BatchNorm `identity` where
    the shape is kept (drop path applies to the conv sum).

    Args:
        num_conv_branches: the number of parallel kxk branches.
        filters, kernel_size, strides, group_size (of the input width; 1: depthwise), activation,
        attn_layer, attn_kwargs, drop_path_rate, data_format: as the other ByobNet blocks'.

    Example:
        >>> MobileOneBlock(32, group_size=1, num_conv_branches=2)(keras.ops.ones((2, 15, 15, 32))).shape
        (2, 15, 15, 32)

    Reference: timm/models/byobnet.py `MobileOneBlock` (`inference_mode=False`).
    """

    def __init__(self, filters: int, num_conv_branches: int = 1, **kwargs):
        super().__init__(filters, **kwargs)
        if int(num_conv_branches) < 1:
            raise ValueError(f"`num_conv_branches` must be a positive int, got {num_conv_branches!r}.")
        self.num_conv_branches = int(num_conv_branches)

    def _branches(self, in_channels, groups):
        self.conv_kxk = [
            self._cna(self.filters, self.kernel_size, f"conv_kxk__{i}", strides=self.strides, groups=groups,
                      apply_act=False)
            for i in range(self.num_conv_branches)
        ]
        self.conv_scale = None
        if self.kernel_size > 1:
            self.conv_scale = self._cna(self.filters, 1, "conv_scale", strides=self.strides, groups=groups,
                                        apply_act=False)
        return [*self.conv_kxk, *([self.conv_scale] if self.conv_scale is not None else [])]

    def _sum(self, x, training):
        out = self.conv_scale(x, training=training) if self.conv_scale is not None else None
        for conv in self.conv_kxk:
            y = conv(x, training=training)
            out = y if out is None else out + y
        out = backend_ops.call_layer(self.drop_path, out, training)
        if self.identity is not None:
            out = out + self.identity(x, training=training)
        return out

    def get_config(self):
        config = super().get_config()
        config["num_conv_branches"] = self.num_conv_branches
        return config


BLOCK_TYPES: dict[str, type] = {
    "basic": ByobBasicBlock,
    "bottle": BottleneckBlock,
    "dark": DarkBlock,
    "edge": EdgeBlock,
    "rep": RepVggBlock,
    "one": MobileOneBlock,
}


# ----------------------------------------------------------------------------------------------------
# The architectures: timm's dataclasses and table


@dataclass
class ByoBlockCfg:
    """timm's `ByoBlockCfg`: one stage (or `d` repeats of one block): type, depth, width, stride,
    group size (an int, or `f(out_chs, block_idx)`), bottleneck ratio, and per-block overrides of
    the model's attention and block arguments."""

    type: str
    d: int
    c: int
    s: int = 2
    gs: int | Callable | None = None
    br: float = 1.0
    attn_layer: str | None = None
    attn_kwargs: dict | None = None
    self_attn_layer: str | None = None
    self_attn_kwargs: dict | None = None
    block_kwargs: dict | None = None


@dataclass
class ByoModelCfg:
    """timm's `ByoModelCfg` (its `norm_layer` a name here, "batchnorm" or "evonorms0a", with
    `norm_kwargs`; timm passes `partial(EvoNorm2dS0a, group_size=16)`)."""

    blocks: tuple
    downsample: str = "conv1x1"
    stem_type: str = "3x3"
    stem_pool: str | None = "maxpool"
    stem_chs: int | tuple = 32
    width_factor: float = 1.0
    num_features: int = 0
    zero_init_last: bool = True
    fixed_input_size: bool = False
    act_layer: str = "relu"
    norm_layer: str = "batchnorm"
    norm_kwargs: dict = field(default_factory=dict)
    aa_layer: str = ""
    head_hidden_size: int | None = None
    head_type: str = "classifier"
    attn_layer: str | None = None
    attn_kwargs: dict = field(default_factory=dict)
    self_attn_layer: str | None = None
    self_attn_kwargs: dict = field(default_factory=dict)
    block_kwargs: dict = field(default_factory=dict)


def _rep_vgg_bcfg(d=(4, 6, 16, 1), wf=(1.0, 1.0, 1.0, 1.0), groups: int = 0) -> tuple:
    """timm's `_rep_vgg_bcfg`: four `rep` stages; with `groups`, every second block grouped."""
    c = (64, 128, 256, 512)
    group_size = 0
    if groups > 0:
        group_size = lambda chs, idx: chs // groups if (idx + 1) % 2 == 0 else 0
    return tuple(ByoBlockCfg(type="rep", d=depth, c=chs * f, gs=group_size) for depth, chs, f in zip(d, c, wf))


def _mobileone_bcfg(d=(2, 8, 10, 1), wf=(1.0, 1.0, 1.0, 1.0), se_blocks=(), num_conv_branches: int = 1) -> list:
    """timm's `_mobileone_bcfg`: per stage, pairs of a depthwise kxk and a pointwise `one` block,
    SE in the last `se_blocks` pairs."""
    c = (64, 128, 256, 512)
    prev_c = min(64, c[0] * wf[0])
    se_blocks = se_blocks or (0,) * len(d)
    bcfg = []
    for depth, chs, w, se in zip(d, c, wf, se_blocks):
        scfg = []
        for i in range(depth):
            out_c = chs * w
            bk = {"num_conv_branches": num_conv_branches}
            ak = {}
            if i >= depth - se:
                ak["attn_layer"] = "se"
            scfg += [ByoBlockCfg(type="one", d=1, c=prev_c, gs=1, block_kwargs=bk, **ak)]
            scfg += [ByoBlockCfg(type="one", d=1, c=out_c, gs=0, block_kwargs=dict(kernel_size=1, **bk), **ak)]
            prev_c = out_c
        bcfg += [scfg]
    return bcfg


def expand_blocks_cfg(stage_blocks_cfg) -> list[ByoBlockCfg]:
    """timm's `expand_blocks_cfg`: a stage's configs, one per block."""
    if not isinstance(stage_blocks_cfg, Sequence):
        stage_blocks_cfg = (stage_blocks_cfg,)
    return [replace(cfg, d=1) for cfg in stage_blocks_cfg for _ in range(cfg.d)]


def _override_kwargs(block_kwargs, model_kwargs) -> dict:
    """timm's `override_kwargs`: a block's kwargs, when set (even empty), replace the model's."""
    out = block_kwargs if block_kwargs is not None else model_kwargs
    return dict(out or {})


def stem_stride(cfg: ByoModelCfg) -> int:
    """The reduction of timm's `create_byob_stem` for `cfg`: 4 for the multi-conv and pooled stems,
    2 for a single conv or block."""
    if any(kind in cfg.stem_type for kind in ("quad", "tiered", "deep")):
        return 4
    if cfg.stem_type in ("rep", "one"):
        return 2
    return 4 if isinstance(cfg.stem_chs, (list, tuple)) or cfg.stem_pool else 2


def stage_args(cfg: ByoModelCfg, drop_path_rate: float = 0.0, output_stride: int = 32) -> list[list[dict]]:
    """timm's `create_byob_stages` + `update_block_kwargs`: per stage, per block, the block type and
    the arguments of its Keras class. Past `output_stride` a stage dilates instead of striding, its
    first block's first kxk conv dilated 1 or 2 (timm's rule), every other one as the stage."""
    block_cfgs = [expand_blocks_cfg(s) for s in cfg.blocks]
    depths = [len(s) for s in block_cfgs]
    dpr = calculate_drop_path_rates(drop_path_rate, depths, stagewise=True)
    stages = []
    net_stride, dilation = stem_stride(cfg), 1
    for stage_idx, stage_block_cfgs in enumerate(block_cfgs):
        stride = stage_block_cfgs[0].s
        if net_stride >= output_stride and stride > 1:
            dilation, stride = dilation * stride, 1
        net_stride *= stride
        first_dilation = 1 if dilation in (1, 2) else 2
        blocks = []
        for block_idx, block_cfg in enumerate(stage_block_cfgs):
            out_chs = helpers.make_divisible(block_cfg.c * cfg.width_factor)
            group_size = block_cfg.gs
            if callable(group_size):
                group_size = group_size(out_chs, block_idx)
            attn_layer, attn_kwargs = cfg.attn_layer, dict(cfg.attn_kwargs)
            if block_cfg.attn_layer is not None or block_cfg.attn_kwargs is not None:
                if block_cfg.attn_layer is not None and not block_cfg.attn_layer:
                    attn_layer = None
                else:
                    attn_kwargs = _override_kwargs(block_cfg.attn_kwargs, cfg.attn_kwargs)
                    attn_layer = block_cfg.attn_layer or cfg.attn_layer
            if block_cfg.self_attn_layer or cfg.self_attn_layer:
                raise NotImplementedError("ByobNet's self-attention blocks are not ported.")
            blocks.append(dict(
                type=block_cfg.type,
                filters=out_chs,
                strides=stride if block_idx == 0 else 1,
                dilation=dilation,
                first_dilation=first_dilation if block_idx == 0 else dilation,
                group_size=group_size,
                bottle_ratio=block_cfg.br,
                downsample=cfg.downsample,
                drop_path_rate=float(dpr[stage_idx][block_idx]),
                attn_layer=attn_layer,
                attn_kwargs=attn_kwargs,
                **_override_kwargs(block_cfg.block_kwargs, cfg.block_kwargs),
            ))
        stages.append(blocks)
    return stages


model_cfgs = {
    "gernet_l": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='basic', d=1, c=128, s=2, gs=0, br=1.),
            ByoBlockCfg(type='basic', d=2, c=192, s=2, gs=0, br=1.),
            ByoBlockCfg(type='bottle', d=6, c=640, s=2, gs=0, br=1 / 4),
            ByoBlockCfg(type='bottle', d=5, c=640, s=2, gs=1, br=3.),
            ByoBlockCfg(type='bottle', d=4, c=640, s=1, gs=1, br=3.),
        ),
        stem_chs=32,
        stem_pool=None,
        num_features=2560,
    ),
    "gernet_m": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='basic', d=1, c=128, s=2, gs=0, br=1.),
            ByoBlockCfg(type='basic', d=2, c=192, s=2, gs=0, br=1.),
            ByoBlockCfg(type='bottle', d=6, c=640, s=2, gs=0, br=1 / 4),
            ByoBlockCfg(type='bottle', d=4, c=640, s=2, gs=1, br=3.),
            ByoBlockCfg(type='bottle', d=1, c=640, s=1, gs=1, br=3.),
        ),
        stem_chs=32,
        stem_pool=None,
        num_features=2560,
    ),
    "gernet_s": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='basic', d=1, c=48, s=2, gs=0, br=1.),
            ByoBlockCfg(type='basic', d=3, c=48, s=2, gs=0, br=1.),
            ByoBlockCfg(type='bottle', d=7, c=384, s=2, gs=0, br=1 / 4),
            ByoBlockCfg(type='bottle', d=2, c=560, s=2, gs=1, br=3.),
            ByoBlockCfg(type='bottle', d=1, c=256, s=1, gs=1, br=3.),
        ),
        stem_chs=13,
        stem_pool=None,
        num_features=1920,
    ),

    "repvgg_a0": ByoModelCfg(
        blocks=_rep_vgg_bcfg(d=(2, 4, 14, 1), wf=(0.75, 0.75, 0.75, 2.5)),
        stem_type='rep',
        stem_chs=48,
    ),
    "repvgg_a1": ByoModelCfg(
        blocks=_rep_vgg_bcfg(d=(2, 4, 14, 1), wf=(1, 1, 1, 2.5)),
        stem_type='rep',
        stem_chs=64,
    ),
    "repvgg_a2": ByoModelCfg(
        blocks=_rep_vgg_bcfg(d=(2, 4, 14, 1), wf=(1.5, 1.5, 1.5, 2.75)),
        stem_type='rep',
        stem_chs=64,
    ),
    "repvgg_b0": ByoModelCfg(
        blocks=_rep_vgg_bcfg(wf=(1., 1., 1., 2.5)),
        stem_type='rep',
        stem_chs=64,
    ),
    "repvgg_b1": ByoModelCfg(
        blocks=_rep_vgg_bcfg(wf=(2., 2., 2., 4.)),
        stem_type='rep',
        stem_chs=64,
    ),
    "repvgg_b1g4": ByoModelCfg(
        blocks=_rep_vgg_bcfg(wf=(2., 2., 2., 4.), groups=4),
        stem_type='rep',
        stem_chs=64,
    ),
    "repvgg_b2": ByoModelCfg(
        blocks=_rep_vgg_bcfg(wf=(2.5, 2.5, 2.5, 5.)),
        stem_type='rep',
        stem_chs=64,
    ),
    "repvgg_b2g4": ByoModelCfg(
        blocks=_rep_vgg_bcfg(wf=(2.5, 2.5, 2.5, 5.), groups=4),
        stem_type='rep',
        stem_chs=64,
    ),
    "repvgg_b3": ByoModelCfg(
        blocks=_rep_vgg_bcfg(wf=(3., 3., 3., 5.)),
        stem_type='rep',
        stem_chs=64,
    ),
    "repvgg_b3g4": ByoModelCfg(
        blocks=_rep_vgg_bcfg(wf=(3., 3., 3., 5.), groups=4),
        stem_type='rep',
        stem_chs=64,
    ),
    "repvgg_d2se": ByoModelCfg(
        blocks=_rep_vgg_bcfg(d=(8, 14, 24, 1), wf=(2.5, 2.5, 2.5, 5.)),
        stem_type='rep',
        stem_chs=64,
        attn_layer='se',
        attn_kwargs={"rd_ratio": 0.0625, "rd_divisor": 1},
    ),

    # 4 x conv stem w/ 2 act, no maxpool, 2,4,6,4 repeats, group size 32 in first 3 blocks
    # DW convs in last block, 2048 pre-FC, silu act
    "resnet51q": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=2, c=256, s=1, gs=32, br=0.25),
            ByoBlockCfg(type='bottle', d=4, c=512, s=2, gs=32, br=0.25),
            ByoBlockCfg(type='bottle', d=6, c=1536, s=2, gs=32, br=0.25),
            ByoBlockCfg(type='bottle', d=4, c=1536, s=2, gs=1, br=1.0),
        ),
        stem_chs=128,
        stem_type='quad2',
        stem_pool=None,
        num_features=2048,
        act_layer='silu',
    ),

    # 4 x conv stem w/ 4 act, no maxpool, 1,4,6,4 repeats, edge block first, group size 32 in next 2 blocks
    # DW convs in last block, 4 conv for each bottle block, 2048 pre-FC, silu act
    "resnet61q": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='edge', d=1, c=256, s=1, gs=0, br=1.0, block_kwargs={}),
            ByoBlockCfg(type='bottle', d=4, c=512, s=2, gs=32, br=0.25),
            ByoBlockCfg(type='bottle', d=6, c=1536, s=2, gs=32, br=0.25),
            ByoBlockCfg(type='bottle', d=4, c=1536, s=2, gs=1, br=1.0),
        ),
        stem_chs=128,
        stem_type='quad',
        stem_pool=None,
        num_features=2048,
        act_layer='silu',
        block_kwargs={"extra_conv": True},
    ),

    # A series of ResNeXt-26 models w/ one of none, GC, SE, ECA, BAT attn, group size 32, SiLU act,
    # and a tiered stem w/ maxpool
    "resnext26ts": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=2, c=256, s=1, gs=32, br=0.25),
            ByoBlockCfg(type='bottle', d=2, c=512, s=2, gs=32, br=0.25),
            ByoBlockCfg(type='bottle', d=2, c=1024, s=2, gs=32, br=0.25),
            ByoBlockCfg(type='bottle', d=2, c=2048, s=2, gs=32, br=0.25),
        ),
        stem_chs=64,
        stem_type='tiered',
        stem_pool='maxpool',
        act_layer='silu',
    ),
    "gcresnext26ts": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=2, c=256, s=1, gs=32, br=0.25),
            ByoBlockCfg(type='bottle', d=2, c=512, s=2, gs=32, br=0.25),
            ByoBlockCfg(type='bottle', d=2, c=1024, s=2, gs=32, br=0.25),
            ByoBlockCfg(type='bottle', d=2, c=2048, s=2, gs=32, br=0.25),
        ),
        stem_chs=64,
        stem_type='tiered',
        stem_pool='maxpool',
        act_layer='silu',
        attn_layer='gca',
    ),
    "seresnext26ts": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=2, c=256, s=1, gs=32, br=0.25),
            ByoBlockCfg(type='bottle', d=2, c=512, s=2, gs=32, br=0.25),
            ByoBlockCfg(type='bottle', d=2, c=1024, s=2, gs=32, br=0.25),
            ByoBlockCfg(type='bottle', d=2, c=2048, s=2, gs=32, br=0.25),
        ),
        stem_chs=64,
        stem_type='tiered',
        stem_pool='maxpool',
        act_layer='silu',
        attn_layer='se',
    ),
    "eca_resnext26ts": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=2, c=256, s=1, gs=32, br=0.25),
            ByoBlockCfg(type='bottle', d=2, c=512, s=2, gs=32, br=0.25),
            ByoBlockCfg(type='bottle', d=2, c=1024, s=2, gs=32, br=0.25),
            ByoBlockCfg(type='bottle', d=2, c=2048, s=2, gs=32, br=0.25),
        ),
        stem_chs=64,
        stem_type='tiered',
        stem_pool='maxpool',
        act_layer='silu',
        attn_layer='eca',
    ),
    "bat_resnext26ts": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=2, c=256, s=1, gs=32, br=0.25),
            ByoBlockCfg(type='bottle', d=2, c=512, s=2, gs=32, br=0.25),
            ByoBlockCfg(type='bottle', d=2, c=1024, s=2, gs=32, br=0.25),
            ByoBlockCfg(type='bottle', d=2, c=2048, s=2, gs=32, br=0.25),
        ),
        stem_chs=64,
        stem_type='tiered',
        stem_pool='maxpool',
        act_layer='silu',
        attn_layer='bat',
        attn_kwargs={"block_size": 8}
    ),

    # ResNet-32 (2, 3, 3, 2) models w/ no attn, no groups, SiLU act, no pre-fc feat layer, tiered stem w/o maxpool
    "resnet32ts": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=2, c=256, s=1, gs=0, br=0.25),
            ByoBlockCfg(type='bottle', d=3, c=512, s=2, gs=0, br=0.25),
            ByoBlockCfg(type='bottle', d=3, c=1536, s=2, gs=0, br=0.25),
            ByoBlockCfg(type='bottle', d=2, c=1536, s=2, gs=0, br=0.25),
        ),
        stem_chs=64,
        stem_type='tiered',
        stem_pool='',
        num_features=0,
        act_layer='silu',
    ),

    # ResNet-33 (2, 3, 3, 2) models w/ no attn, no groups, SiLU act, 1280 pre-FC feat, tiered stem w/o maxpool
    "resnet33ts": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=2, c=256, s=1, gs=0, br=0.25),
            ByoBlockCfg(type='bottle', d=3, c=512, s=2, gs=0, br=0.25),
            ByoBlockCfg(type='bottle', d=3, c=1536, s=2, gs=0, br=0.25),
            ByoBlockCfg(type='bottle', d=2, c=1536, s=2, gs=0, br=0.25),
        ),
        stem_chs=64,
        stem_type='tiered',
        stem_pool='',
        num_features=1280,
        act_layer='silu',
    ),

    # A series of ResNet-33 (2, 3, 3, 2) models w/ one of GC, SE, ECA attn, no groups, SiLU act, 1280 pre-FC feat
    # and a tiered stem w/ no maxpool
    "gcresnet33ts": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=2, c=256, s=1, gs=0, br=0.25),
            ByoBlockCfg(type='bottle', d=3, c=512, s=2, gs=0, br=0.25),
            ByoBlockCfg(type='bottle', d=3, c=1536, s=2, gs=0, br=0.25),
            ByoBlockCfg(type='bottle', d=2, c=1536, s=2, gs=0, br=0.25),
        ),
        stem_chs=64,
        stem_type='tiered',
        stem_pool='',
        num_features=1280,
        act_layer='silu',
        attn_layer='gca',
    ),
    "seresnet33ts": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=2, c=256, s=1, gs=0, br=0.25),
            ByoBlockCfg(type='bottle', d=3, c=512, s=2, gs=0, br=0.25),
            ByoBlockCfg(type='bottle', d=3, c=1536, s=2, gs=0, br=0.25),
            ByoBlockCfg(type='bottle', d=2, c=1536, s=2, gs=0, br=0.25),
        ),
        stem_chs=64,
        stem_type='tiered',
        stem_pool='',
        num_features=1280,
        act_layer='silu',
        attn_layer='se',
    ),
    "eca_resnet33ts": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=2, c=256, s=1, gs=0, br=0.25),
            ByoBlockCfg(type='bottle', d=3, c=512, s=2, gs=0, br=0.25),
            ByoBlockCfg(type='bottle', d=3, c=1536, s=2, gs=0, br=0.25),
            ByoBlockCfg(type='bottle', d=2, c=1536, s=2, gs=0, br=0.25),
        ),
        stem_chs=64,
        stem_type='tiered',
        stem_pool='',
        num_features=1280,
        act_layer='silu',
        attn_layer='eca',
    ),

    "gcresnet50t": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=3, c=256, s=1, br=0.25),
            ByoBlockCfg(type='bottle', d=4, c=512, s=2, br=0.25),
            ByoBlockCfg(type='bottle', d=6, c=1024, s=2, br=0.25),
            ByoBlockCfg(type='bottle', d=3, c=2048, s=2, br=0.25),
        ),
        stem_chs=64,
        stem_type='tiered',
        stem_pool='',
        attn_layer='gca',
    ),

    "gcresnext50ts": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=3, c=256, s=1, gs=32, br=0.25),
            ByoBlockCfg(type='bottle', d=4, c=512, s=2, gs=32, br=0.25),
            ByoBlockCfg(type='bottle', d=6, c=1024, s=2, gs=32, br=0.25),
            ByoBlockCfg(type='bottle', d=3, c=2048, s=2, gs=32, br=0.25),
        ),
        stem_chs=64,
        stem_type='tiered',
        stem_pool='maxpool',
        act_layer='silu',
        attn_layer='gca',
    ),

    # experimental models, closer to a RegNetZ than a ResNet. Similar to EfficientNets but w/ groups instead of DW
    "regnetz_b16": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=2, c=48, s=2, gs=16, br=3),
            ByoBlockCfg(type='bottle', d=6, c=96, s=2, gs=16, br=3),
            ByoBlockCfg(type='bottle', d=12, c=192, s=2, gs=16, br=3),
            ByoBlockCfg(type='bottle', d=2, c=288, s=2, gs=16, br=3),
        ),
        stem_chs=32,
        stem_pool='',
        downsample='',
        num_features=1536,
        act_layer='silu',
        attn_layer='se',
        attn_kwargs={"rd_ratio": 0.25},
        block_kwargs={"bottle_in": True, "linear_out": True},
    ),
    "regnetz_c16": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=2, c=48, s=2, gs=16, br=4),
            ByoBlockCfg(type='bottle', d=6, c=96, s=2, gs=16, br=4),
            ByoBlockCfg(type='bottle', d=12, c=192, s=2, gs=16, br=4),
            ByoBlockCfg(type='bottle', d=2, c=288, s=2, gs=16, br=4),
        ),
        stem_chs=32,
        stem_pool='',
        downsample='',
        num_features=1536,
        act_layer='silu',
        attn_layer='se',
        attn_kwargs={"rd_ratio": 0.25},
        block_kwargs={"bottle_in": True, "linear_out": True},
    ),
    "regnetz_d32": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=3, c=64, s=1, gs=32, br=4),
            ByoBlockCfg(type='bottle', d=6, c=128, s=2, gs=32, br=4),
            ByoBlockCfg(type='bottle', d=12, c=256, s=2, gs=32, br=4),
            ByoBlockCfg(type='bottle', d=3, c=384, s=2, gs=32, br=4),
        ),
        stem_chs=64,
        stem_type='tiered',
        stem_pool='',
        downsample='',
        num_features=1792,
        act_layer='silu',
        attn_layer='se',
        attn_kwargs={"rd_ratio": 0.25},
        block_kwargs={"bottle_in": True, "linear_out": True},
    ),
    "regnetz_d8": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=3, c=64, s=1, gs=8, br=4),
            ByoBlockCfg(type='bottle', d=6, c=128, s=2, gs=8, br=4),
            ByoBlockCfg(type='bottle', d=12, c=256, s=2, gs=8, br=4),
            ByoBlockCfg(type='bottle', d=3, c=384, s=2, gs=8, br=4),
        ),
        stem_chs=64,
        stem_type='tiered',
        stem_pool='',
        downsample='',
        num_features=1792,
        act_layer='silu',
        attn_layer='se',
        attn_kwargs={"rd_ratio": 0.25},
        block_kwargs={"bottle_in": True, "linear_out": True},
    ),
    "regnetz_e8": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=3, c=96, s=1, gs=8, br=4),
            ByoBlockCfg(type='bottle', d=8, c=192, s=2, gs=8, br=4),
            ByoBlockCfg(type='bottle', d=16, c=384, s=2, gs=8, br=4),
            ByoBlockCfg(type='bottle', d=3, c=512, s=2, gs=8, br=4),
        ),
        stem_chs=64,
        stem_type='tiered',
        stem_pool='',
        downsample='',
        num_features=2048,
        act_layer='silu',
        attn_layer='se',
        attn_kwargs={"rd_ratio": 0.25},
        block_kwargs={"bottle_in": True, "linear_out": True},
    ),

    # experimental EvoNorm configs
    "regnetz_c16_evos": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=2, c=48, s=2, gs=16, br=4),
            ByoBlockCfg(type='bottle', d=6, c=96, s=2, gs=16, br=4),
            ByoBlockCfg(type='bottle', d=12, c=192, s=2, gs=16, br=4),
            ByoBlockCfg(type='bottle', d=2, c=288, s=2, gs=16, br=4),
        ),
        stem_chs=32,
        stem_pool='',
        downsample='',
        num_features=1536,
        act_layer='silu',
        norm_layer='evonorms0a',
        norm_kwargs={"group_size": 16},
        attn_layer='se',
        attn_kwargs={"rd_ratio": 0.25},
        block_kwargs={"bottle_in": True, "linear_out": True},
    ),
    "regnetz_d8_evos": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=3, c=64, s=1, gs=8, br=4),
            ByoBlockCfg(type='bottle', d=6, c=128, s=2, gs=8, br=4),
            ByoBlockCfg(type='bottle', d=12, c=256, s=2, gs=8, br=4),
            ByoBlockCfg(type='bottle', d=3, c=384, s=2, gs=8, br=4),
        ),
        stem_chs=64,
        stem_type='deep',
        stem_pool='',
        downsample='',
        num_features=1792,
        act_layer='silu',
        norm_layer='evonorms0a',
        norm_kwargs={"group_size": 16},
        attn_layer='se',
        attn_kwargs={"rd_ratio": 0.25},
        block_kwargs={"bottle_in": True, "linear_out": True},
    ),

    "mobileone_s0": ByoModelCfg(
        blocks=_mobileone_bcfg(wf=(0.75, 1.0, 1.0, 2.), num_conv_branches=4),
        stem_type='one',
        stem_chs=48,
    ),
    "mobileone_s1": ByoModelCfg(
        blocks=_mobileone_bcfg(wf=(1.5, 1.5, 2.0, 2.5)),
        stem_type='one',
        stem_chs=64,
    ),
    "mobileone_s2": ByoModelCfg(
        blocks=_mobileone_bcfg(wf=(1.5, 2.0, 2.5, 4.0)),
        stem_type='one',
        stem_chs=64,
    ),
    "mobileone_s3": ByoModelCfg(
        blocks=_mobileone_bcfg(wf=(2.0, 2.5, 3.0, 4.0)),
        stem_type='one',
        stem_chs=64,
    ),
    "mobileone_s4": ByoModelCfg(
        blocks=_mobileone_bcfg(wf=(3.0, 3.5, 3.5, 4.0), se_blocks=(0, 0, 5, 1)),
        stem_type='one',
        stem_chs=64,
    ),

    "resnet50_clip": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=3, c=256, s=1, br=0.25),
            ByoBlockCfg(type='bottle', d=4, c=512, s=2, br=0.25),
            ByoBlockCfg(type='bottle', d=6, c=1024, s=2, br=0.25),
            ByoBlockCfg(type='bottle', d=3, c=2048, s=2, br=0.25),
        ),
        stem_chs=(32, 32, 64),
        stem_type='',
        stem_pool='avg2',
        downsample='avg',
        aa_layer='avg',
        head_type='attn_abs',
    ),
    "resnet101_clip": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=3, c=256, s=1, br=0.25),
            ByoBlockCfg(type='bottle', d=4, c=512, s=2, br=0.25),
            ByoBlockCfg(type='bottle', d=23, c=1024, s=2, br=0.25),
            ByoBlockCfg(type='bottle', d=3, c=2048, s=2, br=0.25),
        ),
        stem_chs=(32, 32, 64),
        stem_type='',
        stem_pool='avg2',
        downsample='avg',
        aa_layer='avg',
        head_type='attn_abs',
    ),
    "resnet50x4_clip": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=4, c=256, s=1, br=0.25),
            ByoBlockCfg(type='bottle', d=6, c=512, s=2, br=0.25),
            ByoBlockCfg(type='bottle', d=10, c=1024, s=2, br=0.25),
            ByoBlockCfg(type='bottle', d=6, c=2048, s=2, br=0.25),
        ),
        width_factor=1.25,
        stem_chs=(32, 32, 64),
        stem_type='',
        stem_pool='avg2',
        downsample='avg',
        aa_layer='avg',
        head_type='attn_abs',
    ),
    "resnet50x16_clip": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=6, c=256, s=1, br=0.25),
            ByoBlockCfg(type='bottle', d=8, c=512, s=2, br=0.25),
            ByoBlockCfg(type='bottle', d=18, c=1024, s=2, br=0.25),
            ByoBlockCfg(type='bottle', d=8, c=2048, s=2, br=0.25),
        ),
        width_factor=1.5,
        stem_chs=(32, 32, 64),
        stem_type='',
        stem_pool='avg2',
        downsample='avg',
        aa_layer='avg',
        head_type='attn_abs',
    ),
    "resnet50x64_clip": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=3, c=256, s=1, br=0.25),
            ByoBlockCfg(type='bottle', d=15, c=512, s=2, br=0.25),
            ByoBlockCfg(type='bottle', d=36, c=1024, s=2, br=0.25),
            ByoBlockCfg(type='bottle', d=10, c=2048, s=2, br=0.25),
        ),
        width_factor=2.0,
        stem_chs=(32, 32, 64),
        stem_type='',
        stem_pool='avg2',
        downsample='avg',
        aa_layer='avg',
        head_type='attn_abs',
    ),


    "test_byobnet": ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='edge', d=1, c=32, s=2, gs=0, br=0.5),
            ByoBlockCfg(type='dark', d=1, c=64, s=2, gs=0, br=0.5),
            ByoBlockCfg(type='basic', d=1, c=128, s=2, gs=32, br=0.25),
            ByoBlockCfg(type='bottle', d=1, c=256, s=2, gs=64, br=0.25),
        ),
        stem_chs=24,
        downsample='avg',
        stem_pool='',
        act_layer='relu',
        attn_layer='se',
        attn_kwargs={"rd_ratio": 0.25},
    ),
}
for k in ('resnet50_clip', 'resnet101_clip', 'resnet50x4_clip', 'resnet50x16_clip', 'resnet50x64_clip'):
    model_cfgs[k + '_gap'] = replace(model_cfgs[k], head_type='classifier')



def _cfg(url: str = "", **kwargs) -> dict[str, Any]:
    return {
        "url": url, "num_classes": 1000, "input_size": (3, 224, 224), "pool_size": (7, 7),
        "crop_pct": 0.875, "interpolation": "bilinear",
        "mean": IMAGENET_DEFAULT_MEAN, "std": IMAGENET_DEFAULT_STD,
        "first_conv": "stem.conv", "classifier": "head.fc",
        "license": "apache-2.0",
        **kwargs,
    }


def _cfgr(url: str = "", **kwargs) -> dict[str, Any]:
    return {
        "url": url, "num_classes": 1000, "input_size": (3, 256, 256), "pool_size": (8, 8),
        "crop_pct": 0.9, "interpolation": "bicubic",
        "mean": IMAGENET_DEFAULT_MEAN, "std": IMAGENET_DEFAULT_STD,
        "first_conv": "stem.conv1.conv", "classifier": "head.fc",
        "license": "apache-2.0",
        **kwargs,
    }


# timm's entries, in timm's order (less the two untrained architectures', resnet50_mlp and regnetz_b16_evos).
default_cfgs = generate_default_cfgs({
    # GPU-Efficient (ResNet) weights
    'gernet_s.idstcv_in1k': _cfg(hf_hub_id='timm/'),
    'gernet_m.idstcv_in1k': _cfg(hf_hub_id='timm/'),
    'gernet_l.idstcv_in1k': _cfg(hf_hub_id='timm/', input_size=(3, 256, 256), pool_size=(8, 8)),

    # RepVGG weights
    'repvgg_a0.rvgg_in1k': _cfg(
        hf_hub_id='timm/',
        first_conv=('stem.conv_kxk.conv', 'stem.conv_1x1.conv'), license='mit'),
    'repvgg_a1.rvgg_in1k': _cfg(
        hf_hub_id='timm/',
        first_conv=('stem.conv_kxk.conv', 'stem.conv_1x1.conv'), license='mit'),
    'repvgg_a2.rvgg_in1k': _cfg(
        hf_hub_id='timm/',
        first_conv=('stem.conv_kxk.conv', 'stem.conv_1x1.conv'), license='mit'),
    'repvgg_b0.rvgg_in1k': _cfg(
        hf_hub_id='timm/',
        first_conv=('stem.conv_kxk.conv', 'stem.conv_1x1.conv'), license='mit'),
    'repvgg_b1.rvgg_in1k': _cfg(
        hf_hub_id='timm/',
        first_conv=('stem.conv_kxk.conv', 'stem.conv_1x1.conv'), license='mit'),
    'repvgg_b1g4.rvgg_in1k': _cfg(
        hf_hub_id='timm/',
        first_conv=('stem.conv_kxk.conv', 'stem.conv_1x1.conv'), license='mit'),
    'repvgg_b2.rvgg_in1k': _cfg(
        hf_hub_id='timm/',
        first_conv=('stem.conv_kxk.conv', 'stem.conv_1x1.conv'), license='mit'),
    'repvgg_b2g4.rvgg_in1k': _cfg(
        hf_hub_id='timm/',
        first_conv=('stem.conv_kxk.conv', 'stem.conv_1x1.conv'), license='mit'),
    'repvgg_b3.rvgg_in1k': _cfg(
        hf_hub_id='timm/',
        first_conv=('stem.conv_kxk.conv', 'stem.conv_1x1.conv'), license='mit'),
    'repvgg_b3g4.rvgg_in1k': _cfg(
        hf_hub_id='timm/',
        first_conv=('stem.conv_kxk.conv', 'stem.conv_1x1.conv'), license='mit'),
    'repvgg_d2se.rvgg_in1k': _cfg(
        hf_hub_id='timm/',
        first_conv=('stem.conv_kxk.conv', 'stem.conv_1x1.conv'), license='mit',
        input_size=(3, 320, 320), pool_size=(10, 10), crop_pct=1.0,
    ),

    # experimental ResNet configs
    'resnet51q.ra2_in1k': _cfg(
        hf_hub_id='timm/',
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/resnet51q_ra2-d47dcc76.pth',
        first_conv='stem.conv1', input_size=(3, 256, 256), pool_size=(8, 8),
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    'resnet61q.ra2_in1k': _cfgr(
        hf_hub_id='timm/',
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/resnet61q_ra2-6afc536c.pth',
        test_input_size=(3, 288, 288), test_crop_pct=1.0),

    # ResNeXt-26 models with different attention in Bottleneck blocks
    'resnext26ts.ra2_in1k': _cfgr(
        hf_hub_id='timm/',
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-attn-weights/resnext26ts_256_ra2-8bbd9106.pth',
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    'seresnext26ts.ch_in1k': _cfgr(
        hf_hub_id='timm/',
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-attn-weights/seresnext26ts_256-6f0d74a3.pth',
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    'gcresnext26ts.ch_in1k': _cfgr(
        hf_hub_id='timm/',
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-attn-weights/gcresnext26ts_256-e414378b.pth',
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    'eca_resnext26ts.ch_in1k': _cfgr(
        hf_hub_id='timm/',
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-attn-weights/eca_resnext26ts_256-5a1d030f.pth',
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    'bat_resnext26ts.ch_in1k': _cfgr(
        hf_hub_id='timm/',
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-attn-weights/bat_resnext26ts_256-fa6fd595.pth',
        min_input_size=(3, 256, 256)),

    # ResNet-32 / 33 models with different attention in Bottleneck blocks
    'resnet32ts.ra2_in1k': _cfgr(
        hf_hub_id='timm/',
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-attn-weights/resnet32ts_256-aacf5250.pth',
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    'resnet33ts.ra2_in1k': _cfgr(
        hf_hub_id='timm/',
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-attn-weights/resnet33ts_256-e91b09a4.pth',
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    'gcresnet33ts.ra2_in1k': _cfgr(
        hf_hub_id='timm/',
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-attn-weights/gcresnet33ts_256-0e0cd345.pth',
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    'seresnet33ts.ra2_in1k': _cfgr(
        hf_hub_id='timm/',
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-attn-weights/seresnet33ts_256-f8ad44d9.pth',
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    'eca_resnet33ts.ra2_in1k': _cfgr(
        hf_hub_id='timm/',
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-attn-weights/eca_resnet33ts_256-8f98face.pth',
        test_input_size=(3, 288, 288), test_crop_pct=1.0),

    'gcresnet50t.ra2_in1k': _cfgr(
        hf_hub_id='timm/',
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-attn-weights/gcresnet50t_256-96374d1c.pth',
        test_input_size=(3, 288, 288), test_crop_pct=1.0),

    'gcresnext50ts.ch_in1k': _cfgr(
        hf_hub_id='timm/',
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-attn-weights/gcresnext50ts_256-3e0f515e.pth',
        test_input_size=(3, 288, 288), test_crop_pct=1.0),

    # custom `timm` specific RegNetZ inspired models w/ different sizing from paper
    'regnetz_b16.ra3_in1k': _cfgr(
        hf_hub_id='timm/',
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-attn-weights/regnetz_b_raa-677d9606.pth',
        first_conv='stem.conv', mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        input_size=(3, 224, 224), pool_size=(7, 7), crop_pct=0.94, test_input_size=(3, 288, 288), test_crop_pct=1.0),
    'regnetz_c16.ra3_in1k': _cfgr(
        hf_hub_id='timm/',
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-attn-weights/regnetz_c_rab2_256-a54bf36a.pth',
        first_conv='stem.conv', mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        crop_pct=0.94, test_input_size=(3, 320, 320), test_crop_pct=1.0),
    'regnetz_d32.ra3_in1k': _cfgr(
        hf_hub_id='timm/',
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-attn-weights/regnetz_d_rab_256-b8073a89.pth',
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), crop_pct=0.95, test_input_size=(3, 320, 320)),
    'regnetz_d8.ra3_in1k': _cfgr(
        hf_hub_id='timm/',
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-attn-weights/regnetz_d8_bh-afc03c55.pth',
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), crop_pct=0.94, test_input_size=(3, 320, 320), test_crop_pct=1.0),
    'regnetz_e8.ra3_in1k': _cfgr(
        hf_hub_id='timm/',
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-attn-weights/regnetz_e8_bh-aace8e6e.pth',
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), crop_pct=0.94, test_input_size=(3, 320, 320), test_crop_pct=1.0),
    'regnetz_c16_evos.ch_in1k': _cfgr(
        hf_hub_id='timm/',
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-tpu-weights/regnetz_c16_evos_ch-d8311942.pth',
        first_conv='stem.conv', mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        crop_pct=0.95, test_input_size=(3, 320, 320)),
    'regnetz_d8_evos.ch_in1k': _cfgr(
        hf_hub_id='timm/',
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-tpu-weights/regnetz_d8_evos_ch-2bc12646.pth',
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), crop_pct=0.95, test_input_size=(3, 320, 320), test_crop_pct=1.0),

    'mobileone_s0.apple_in1k': _cfg(
        hf_hub_id='timm/',
        crop_pct=0.875,
        first_conv=('stem.conv_kxk.0.conv', 'stem.conv_scale.conv'),
        license='mobileone-license',
    ),
    'mobileone_s1.apple_in1k': _cfg(
        hf_hub_id='timm/',
        crop_pct=0.9,
        first_conv=('stem.conv_kxk.0.conv', 'stem.conv_scale.conv'),
        license='mobileone-license',
    ),
    'mobileone_s2.apple_in1k': _cfg(
        hf_hub_id='timm/',
        crop_pct=0.9,
        first_conv=('stem.conv_kxk.0.conv', 'stem.conv_scale.conv'),
        license='mobileone-license',
    ),
    'mobileone_s3.apple_in1k': _cfg(
        hf_hub_id='timm/',
        crop_pct=0.9,
        first_conv=('stem.conv_kxk.0.conv', 'stem.conv_scale.conv'),
        license='mobileone-license',
    ),
    'mobileone_s4.apple_in1k': _cfg(
        hf_hub_id='timm/',
        crop_pct=0.9,
        first_conv=('stem.conv_kxk.0.conv', 'stem.conv_scale.conv'),
        license='mobileone-license',
    ),

    # original attention pool head variants
    'resnet50_clip.openai': _cfgr(
        hf_hub_id='timm/',
        num_classes=1024, mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        fixed_input_size=True, input_size=(3, 224, 224), pool_size=(7, 7),
        classifier='head.proj',
        license='mit',
    ),
    'resnet101_clip.openai': _cfgr(
        hf_hub_id='timm/',
        num_classes=512, mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        fixed_input_size=True, input_size=(3, 224, 224), pool_size=(7, 7),
        classifier='head.proj',
        license='mit',
    ),
    'resnet50x4_clip.openai': _cfgr(
        hf_hub_id='timm/',
        num_classes=640, mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        fixed_input_size=True, input_size=(3, 288, 288), pool_size=(9, 9),
        classifier='head.proj',
        license='mit',
    ),
    'resnet50x16_clip.openai': _cfgr(
        hf_hub_id='timm/',
        num_classes=768, mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        fixed_input_size=True, input_size=(3, 384, 384), pool_size=(12, 12),
        classifier='head.proj',
        license='mit',
    ),
    'resnet50x64_clip.openai': _cfgr(
        hf_hub_id='timm/',
        num_classes=1024, mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        fixed_input_size=True, input_size=(3, 448, 448), pool_size=(14, 14),
        classifier='head.proj',
        license='mit',
    ),
    'resnet50_clip.cc12m': _cfgr(
        hf_hub_id='timm/',
        num_classes=1024, mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        fixed_input_size=True, input_size=(3, 224, 224), pool_size=(7, 7),
        classifier='head.proj',
        license='mit',
    ),
    'resnet50_clip.yfcc15m': _cfgr(
        hf_hub_id='timm/',
        num_classes=1024, mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        fixed_input_size=True, input_size=(3, 224, 224), pool_size=(7, 7),
        classifier='head.proj',
        license='mit',
    ),
    'resnet101_clip.yfcc15m': _cfgr(
        hf_hub_id='timm/',
        num_classes=512, mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        fixed_input_size=True, input_size=(3, 224, 224), pool_size=(7, 7),
        classifier='head.proj',
        license='mit',
    ),

    # avg-pool w/ optional standard classifier head variants
    'resnet50_clip_gap.openai': _cfgr(
        hf_hub_id='timm/',
        num_classes=0, mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 224, 224), pool_size=(7, 7),
        license='mit',
    ),
    'resnet101_clip_gap.openai': _cfgr(
        hf_hub_id='timm/',
        num_classes=0, mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 224, 224), pool_size=(7, 7),
        license='mit',
    ),
    'resnet50x4_clip_gap.openai': _cfgr(
        hf_hub_id='timm/',
        num_classes=0, mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 288, 288), pool_size=(9, 9),
        license='mit',
    ),
    'resnet50x16_clip_gap.openai': _cfgr(
        hf_hub_id='timm/',
        num_classes=0, mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 384, 384), pool_size=(12, 12),
        license='mit',
    ),
    'resnet50x64_clip_gap.openai': _cfgr(
        hf_hub_id='timm/',
        num_classes=0, mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 448, 448), pool_size=(14, 14),
        license='mit',
    ),
    'resnet50_clip_gap.cc12m': _cfgr(
        hf_hub_id='timm/',
        num_classes=0, mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 224, 224), pool_size=(7, 7),
        license='mit',
    ),
    'resnet50_clip_gap.yfcc15m': _cfgr(
        hf_hub_id='timm/',
        num_classes=0, mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 224, 224), pool_size=(7, 7),
        license='mit',
    ),
    'resnet101_clip_gap.yfcc15m': _cfgr(
        hf_hub_id='timm/',
        num_classes=0, mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 224, 224), pool_size=(7, 7),
        license='mit',
    ),
    'test_byobnet.r160_in1k': _cfgr(
        hf_hub_id='timm/',
        first_conv='stem.conv',
        input_size=(3, 160, 160), crop_pct=0.95, pool_size=(5, 5),
    ),
})


# ----------------------------------------------------------------------------------------------------
# The builder


@dataclass
class StageFeatureMap(FeatureMap):
    """A `feature_info` entry with timm's ByobNet `stage` index."""

    stage: int = 0

    def info(self) -> dict[str, Any]:
        return {**super().info(), "stage": self.stage}


def _max_pool_3x3_s2(x, name: str):
    # PyTorch's MaxPool2d(3, 2, padding=1) pads with -inf: padding never wins the max (a SiLU's
    # outputs can all be negative, so zero padding would).
    x = ops.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], constant_values=float("-inf"))
    return keras.layers.MaxPooling2D(3, strides=2, padding="valid", name=name)(x)


def _stem(x, cfg: ByoModelCfg, out_chs, in_chs: int):
    """timm's `create_byob_stem` (and its `Stem`): the stem's output, its width, and its `feature_info`
    entries with their maps (the last being the stem's output)."""
    stem_type, pool = cfg.stem_type, cfg.stem_pool
    fmt = {"data_format": "channels_last"}
    # The stem's layers take no anti-aliasing (timm's `get_layer_fns(cfg, allow_aa=False)`).
    cna = dict(activation=cfg.act_layer, norm_layer=cfg.norm_layer, norm_kwargs=cfg.norm_kwargs, **fmt)
    if stem_type not in ("", "quad", "quad2", "tiered", "deep", "rep", "one", "7x7", "3x3"):
        raise ValueError(f"unknown stem type {stem_type!r}")

    def multi(out, kernel_size=3, num_rep=3, num_act=None, chs_decay=0.5):
        nonlocal x
        if isinstance(out, (list, tuple)):
            num_rep, stem_chs = len(out), list(out)
        else:
            stem_chs = [round(out * chs_decay**i) for i in range(num_rep)][::-1]
        strides = [2] + [1] * (num_rep - 1)
        if not pool:
            strides[-1] = 2  # a stride-4 stem
        num_act = num_rep if num_act is None else num_act
        norm_acts = [False] * (num_rep - num_act) + [True] * num_act
        features, prev_chs, prev_feat, reduction = [], in_chs, "", 1
        for i, (ch, s, na) in enumerate(zip(stem_chs, strides, norm_acts)):
            if i > 0 and s > 1:
                features.append((prev_chs, reduction, prev_feat, x))
            name = f"stem__conv{i + 1}"
            if na:
                x = ConvNormAct(ch, kernel_size, strides=s, name=name, **cna)(x)
            else:  # timm's create_conv2d: a bare conv, symmetric padding, no bias
                padding = get_padding(kernel_size, s)
                if padding:
                    x = keras.layers.ZeroPadding2D(padding, name=f"{name}_pad", **fmt)(x)
                x = keras.layers.Conv2D(ch, kernel_size, strides=s, use_bias=False, kernel_initializer=conv_init(),
                                        name=name, **fmt)(x)
            prev_chs, reduction, prev_feat = ch, reduction * s, f"stem.conv{i + 1}"
        if pool:
            pool_type = pool.lower()
            features.append((prev_chs, reduction, prev_feat, x))
            if pool_type in ("max2", "avg2"):
                layer = keras.layers.MaxPooling2D if pool_type == "max2" else keras.layers.AveragePooling2D
                x = layer(2, strides=2, padding="valid", name="stem__pool", **fmt)(x)
            elif "max" in pool_type:
                x = _max_pool_3x3_s2(x, "stem__pool")
            else:
                raise NotImplementedError(f"stem pool {pool!r} is not ported (no pretrained ByobNet uses it).")
            reduction *= 2
            prev_feat = "stem.pool"
        if reduction != 4:
            raise ValueError(f"the stem's stride is {reduction}, not 4")
        features.append((prev_chs, reduction, prev_feat, x))
        return prev_chs, features

    if "quad" in stem_type:
        return multi(out_chs, num_rep=4, num_act=2 if "quad2" in stem_type else None)
    if "tiered" in stem_type:
        return multi((3 * out_chs // 8, out_chs // 2, out_chs))
    if "deep" in stem_type:
        return multi(out_chs, num_rep=3, chs_decay=1.0)
    if stem_type in ("rep", "one"):
        block = RepVggBlock if stem_type == "rep" else MobileOneBlock
        attn = {"attn_layer": cfg.attn_layer, "attn_kwargs": cfg.attn_kwargs}
        x = block(out_chs, kernel_size=3, strides=2, activation=cfg.act_layer, name="stem", **attn, **fmt)(x)
    elif isinstance(out_chs, (list, tuple)) or pool:
        kernel_size = 7 if stem_type == "7x7" else 3
        return multi(out_chs, kernel_size=kernel_size, num_rep=3 if isinstance(out_chs, (list, tuple)) else 1)
    else:
        x = ConvNormAct(out_chs, 7 if stem_type == "7x7" else 3, strides=2, name="stem", **cna)(x)
    return out_chs, [(out_chs, 2, "stem", x)]


def _create_byobnet(variant: str, args: BuildArgs) -> ModelGraph:
    """timm's `variant` (a key of `model_cfgs`): NHWC images of any size (the CLIP attention-pool
    variants: `img_size`) in, logits out (pooled features when `num_classes=0`). The feature maps are
    timm's `feature_info`: the stem's, each stage's where the next one strides, and `final_conv`."""
    cfg = model_cfgs[variant]
    fmt = {"data_format": "channels_last"}
    act = cfg.act_layer
    inputs = model_input(args.in_chans, args.img_size)
    if isinstance(cfg.stem_chs, (list, tuple)):
        stem_chs = [round(c * cfg.width_factor) for c in cfg.stem_chs]
    else:
        stem_chs = round((cfg.stem_chs or cfg.blocks[0].c) * cfg.width_factor)
    prev_chs, stem_feats = _stem(inputs, cfg, stem_chs, args.in_chans)
    x = stem_feats[-1][3]
    feature_info = [StageFeatureMap(t, c, r, m, stage=0) for c, r, m, t in stem_feats[:-1]]
    prev_feat = StageFeatureMap(x, prev_chs, stem_feats[-1][1], stem_feats[-1][2], stage=0)
    net_stride = prev_feat.reduction
    feat_size = None if args.img_size is None else tuple(s // net_stride for s in args.img_size)

    block_common = dict(activation=act, norm_layer=cfg.norm_layer, norm_kwargs=cfg.norm_kwargs,
                        aa_layer=cfg.aa_layer or None, **fmt)
    if net_stride != stem_stride(cfg):  # stage_args counts the strides from the stem's
        raise ValueError(f"the stem's stride is {net_stride}, not {stem_stride(cfg)}")
    stages = stage_args(cfg, args.drop_path_rate, args.output_stride)
    for stage_idx, blocks in enumerate(stages):
        # timm's `create_byob_stages`: a stage's input is a feature where its configured stride is
        # not 1, dilated or not; the reductions count the strides taken.
        if expand_blocks_cfg(cfg.blocks[stage_idx])[0].s != 1:
            feature_info.append(prev_feat)
        stride = blocks[0]["strides"]
        net_stride *= stride
        if stride > 1 and feat_size is not None:
            feat_size = tuple(s // stride for s in feat_size)
        for block_idx, block in enumerate(blocks):
            block = dict(block)
            block_cls = BLOCK_TYPES[block.pop("type")]
            x = block_cls(name=f"stages__{stage_idx}__{block_idx}", **block, **block_common)(x)
            prev_chs = block["filters"]
        prev_feat = StageFeatureMap(x, prev_chs, net_stride, f"stages.{stage_idx}", stage=stage_idx + 1)

    if cfg.num_features:
        num_features = round(cfg.width_factor * cfg.num_features)
        x = ConvNormAct(num_features, 1, activation=act, norm_layer=cfg.norm_layer, norm_kwargs=cfg.norm_kwargs,
                        aa_layer=cfg.aa_layer or None, name="final_conv", **fmt)(x)
    else:
        num_features = prev_chs
    feature_info.append(StageFeatureMap(x, num_features, net_stride, "final_conv", stage=len(cfg.blocks)))

    if cfg.head_type == "attn_abs":
        if feat_size is None:
            raise ValueError(f"{variant} pools with attention over a fixed grid: `img_size` is required.")
        x = AttentionPool2d(feat_size=feat_size, embed_dim=cfg.head_hidden_size, out_features=args.num_classes,
                            qkv_separate=True, pool_type="token", name="head")(x)
    elif cfg.head_type == "classifier":
        x = keras.layers.GlobalAveragePooling2D(name="head__global_pool", **fmt)(x)
        if args.num_classes:
            x = keras.layers.Dense(args.num_classes, kernel_initializer=normal_init(0.01), bias_initializer="zeros",
                                   name="head__fc")(x)
    else:
        raise NotImplementedError(f"ByobNet head {cfg.head_type!r} is not ported.")
    return ModelGraph(inputs, x, feature_info)


# ----------------------------------------------------------------------------------------------------
# timm's checkpoint filter: OpenAI's CLIP ResNet keys


def _convert_openai_clip(state: Mapping[str, np.ndarray], has_attn_pool: bool, prefix: str = "visual.") -> dict:
    """timm's `_convert_openai_clip`: OpenAI CLIP's `visual.*` ResNet keys renamed to ByobNet's."""

    def stage_sub(m):
        stage_idx = int(m.group(1)) - 1
        layer_idx, layer_type, layer_id = int(m.group(2)), m.group(3), int(m.group(4))
        id_map = {1: "conv1_1x1.", 2: "conv2_kxk.", 3: "conv3_1x1."}
        return f"stages.{stage_idx}.{layer_idx}." + id_map[layer_id] + layer_type

    def down_sub(m):
        stage_idx = int(m.group(1)) - 1
        layer_idx, layer_id = int(m.group(2)), int(m.group(3))
        return f"stages.{stage_idx}.{layer_idx}.shortcut." + ("conv.conv" if layer_id == 0 else "conv.bn")

    out = {}
    for k, v in state.items():
        if not k.startswith(prefix):
            continue
        k = re.sub(rf"{prefix}conv([0-9])", r"stem.conv\1.conv", k)
        k = re.sub(rf"{prefix}bn([0-9])", r"stem.conv\1.bn", k)
        k = re.sub(rf"{prefix}layer([0-9])\.([0-9]+)\.([a-z]+)([0-9])", stage_sub, k)
        k = re.sub(rf"{prefix}layer([0-9])\.([0-9]+)\.downsample\.([0-9])", down_sub, k)
        if k.startswith(f"{prefix}attnpool"):
            if not has_attn_pool:
                continue
            k = k.replace(prefix + "attnpool", "head")
            k = k.replace("positional_embedding", "pos_embed")
            k = k.replace("q_proj", "q")
            k = k.replace("k_proj", "k")
            k = k.replace("v_proj", "v")
            k = k.replace("c_proj", "proj")
        out[k] = v
    return out


def _has_attn_pool(model) -> bool:
    if model is None:
        return True
    try:
        return isinstance(model.get_layer("head"), AttentionPool2d)
    except ValueError:
        return False


def checkpoint_filter_fn(state: Mapping[str, np.ndarray], model: keras.Model) -> dict[str, np.ndarray]:
    """timm's `checkpoint_filter_fn`: an OpenAI CLIP checkpoint (`visual.conv1.weight`) renamed to
    ByobNet's keys (its attention pool kept only for a model with one); timm's own pass unchanged."""
    if "visual.conv1.weight" in state:
        return _convert_openai_clip(state, _has_attn_pool(model))
    return dict(state)


register_family(
    model_cfgs, _create_byobnet, default_cfgs, checkpoint_filter_fn, feature_out_indices=(0, 1, 2, 3, 4),
    output_strides=(8, 16, 32),
)
