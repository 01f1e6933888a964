"""Normalization-free networks (NFNet-F, NFNet-L, ECA-NFNet, NF-RegNet, NF-ResNet) as functional Keras
models: the pre-activation `NormFreeBlock`, the architecture table, the pretrained configs and the
builder (timm has no checkpoint filter for these models).

Every convolution is a `ScaledStdConv2D` (scaled weight standardization with a learnable gain); the
activations' variance-preserving gains (`NONLIN_GAMMA`) sit in the convolutions' scale, or, for the
DeepMind-compatible `dm_` variants, in the activations themselves (`GammaAct`), whose convolutions
also pad as TensorFlow does ("SAME").

Layer names are timm's module paths with `__` for `.` (`stem__conv1`, `stages__0__0`, `final_conv`,
`head__fc`), so `load_timm_weights(model, timm_model.state_dict())` loads every key.

Reference: timm/models/nfnet.py
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import keras
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.data.constants import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD
from luximm_keras.initializers import normal_init
from luximm_keras.layers import helpers
from luximm_keras.layers.activations import NONLIN_GAMMA, GammaAct
from luximm_keras.layers.create_attn import create_attn
from luximm_keras.layers.drop import DropPath, calculate_drop_path_rates
from luximm_keras.layers.std_conv import ScaledStdConv2D
from luximm_keras.models._builder import BuildArgs, FeatureMap, ModelGraph, model_input
from luximm_keras.models._pretrained import generate_default_cfgs
from luximm_keras.models._registry import register_family

# timm's activation names -> Keras activations that compute the same function (timm's `gelu` is the
# exact, erf form, as Keras' `gelu` by default). `leaky_relu` is left out: Keras' default slope
# (0.2) is not PyTorch's (0.01).
ACTIVATIONS = {
    "identity": "linear",
    "celu": "celu",
    "elu": "elu",
    "gelu": "gelu",
    "relu": "relu",
    "relu6": "relu6",
    "selu": "selu",
    "sigmoid": "sigmoid",
    "silu": "silu",
    "softsign": "softsign",
    "softplus": "softplus",
    "tanh": "tanh",
}
ATTN_LAYERS = ("se", "eca")


def _check_activation(activation: str) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"`activation` must be one of {sorted(ACTIVATIONS)} (timm's names), got {activation!r}.")
    return activation


def _conv_initializer():
    # timm's NormFreeNet init: `kaiming_normal_(mode="fan_in", nonlinearity="linear")` on every conv.
    return keras.initializers.VarianceScaling(scale=1.0, mode="fan_in", distribution="untruncated_normal")


def _attention(kind: str, kwargs: dict, name: str, data_format: str, dtype) -> keras.layers.Layer:
    """timm's `get_attn(kind)(channels, **kwargs)`: SE (ReLU bottleneck, sigmoid gate) or ECA (its
    kernel size from the channels); the width comes from the input at build."""
    return create_attn(kind, None, **kwargs, name=name, data_format=data_format, dtype=dtype)


@serializable
class NormFreeBlock(keras.layers.Layer):
    """Normalization-free pre-activation bottleneck:
    `out = act(x) * beta`; `x' = alpha * branch(out) + (downsample(out) or x)`.

    The branch is `conv1` (1x1), `conv2` (3x3, strided, grouped), optionally `conv2b` (another 3x3),
    `conv3` (1x1), each after the activation, with SE or ECA attention (times `attn_gain`) after
    `conv2` in RegNet blocks (`attn`) or after `conv3` otherwise (`attn_last`), then stochastic depth
    and, with `skipinit`, a learnable scalar `skipinit_gain` (initialised to 0). Every conv is a
    `ScaledStdConv2D` (eps `conv_epsilon`); the projection shortcut (`downsample__pool`, a 2x2 average
    pool with PyTorch's `ceil_mode=True, count_include_pad=False` when strided, then the 1x1
    `downsample__conv`) exists when the width or the resolution changes.

    Args:
        filters: output channels.
        strides: stride of `conv2` and of the shortcut's pool.
        alpha: the residual branch's scale.
        beta: the pre-activation's scale, `1 / sqrt(expected variance)` of the input.
        bottle_ratio: the bottleneck width is `make_divisible(width * bottle_ratio, ch_div)`, the
            width being the input's (`reg=True`) or `filters`.
        group_size: channels per group of the 3x3 convs (None: one group).
        ch_div: the bottleneck width's divisor.
        reg: RegNet-style block (bottleneck from the input width, attention between conv2 and conv3).
        extra_conv: add `conv2b` (NFNet-F).
        skipinit: add the scalar `skipinit_gain` (and start `conv3`'s gain at 1 instead of 0).
        attn_layer: `"se"`, `"eca"` or None.
        attn_kwargs: arguments of the attention layer (SE: `rd_ratio`, `rd_divisor`).
        attn_gain: the attention output's scale.
        activation: timm's activation name (`"relu"`, `"gelu"` (exact), `"silu"`, ...).
        gamma_in_act: the activation's gain (`NONLIN_GAMMA`) multiplies the activation (DeepMind's
            form); otherwise it is folded into the convolutions' scale (timm's default).
        same_padding: the convs pad as TensorFlow ("SAME", the extra pixel at the end) instead of
            PyTorch's symmetric padding.
        conv_epsilon: the weight standardization's epsilon.
        drop_path_rate: stochastic-depth rate of the residual branch.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        dilation: dilation of `conv2b` (and of `conv2` within a dilated stage): timm's `output_stride`
            below 32 dilates the last stages, and the shortcut's pool is then timm's `AvgPool2dSame(2, 1)`.
        first_dilation: dilation of `conv2`: 1 or 2 where a dilated stage begins (timm's rule); None:
            `dilation`. A change of dilation gives the block a projection shortcut, as timm.

    Example:
        >>> NormFreeBlock(64, strides=2, attn_layer="se", attn_kwargs={"rd_ratio": 0.5})(
        ...     keras.ops.ones((2, 16, 16, 32))).shape
        (2, 8, 8, 64)

    Reference: timm/models/nfnet.py `NormFreeBlock`, `DownsampleAvg`.
    """

    timm_mapping = {"skipinit_gain": ("skipinit_gain", "identity")}

    def __init__(
        self,
        filters: int,
        strides: int = 1,
        alpha: float = 1.0,
        beta: float = 1.0,
        bottle_ratio: float = 0.25,
        group_size: int | None = None,
        ch_div: int = 1,
        reg: bool = True,
        extra_conv: bool = False,
        skipinit: bool = False,
        attn_layer: str | None = None,
        attn_kwargs: dict | None = None,
        attn_gain: float = 2.0,
        activation: str = "relu",
        gamma_in_act: bool = False,
        same_padding: bool = False,
        conv_epsilon: float = 1e-5,
        drop_path_rate: float = 0.0,
        data_format: str | None = None,
        dilation: int = 1,
        first_dilation: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(filters) < 1:
            raise ValueError(f"`filters` must be a positive int, got {filters!r}.")
        if int(strides) < 1:
            raise ValueError(f"`strides` must be a positive int, got {strides!r}.")
        if attn_layer is not None and attn_layer not in ATTN_LAYERS:
            raise ValueError(f"`attn_layer` must be one of {ATTN_LAYERS} or None, got {attn_layer!r}.")
        self.filters = int(filters)
        self.strides = int(strides)
        self.alpha = float(alpha)
        self.beta = float(beta)
        self.bottle_ratio = float(bottle_ratio)
        self.group_size = None if not group_size else int(group_size)
        self.ch_div = int(ch_div)
        self.reg = bool(reg)
        self.extra_conv = bool(extra_conv)
        self.skipinit = bool(skipinit)
        self.attn_layer = attn_layer
        self.attn_kwargs = dict(attn_kwargs or {})
        self.attn_gain = float(attn_gain)
        self.activation = _check_activation(activation)
        self.gamma_in_act = bool(gamma_in_act)
        self.same_padding = bool(same_padding)
        self.conv_epsilon = float(conv_epsilon)
        self.drop_path_rate = float(drop_path_rate)
        self.data_format = helpers.standardize_data_format(data_format)
        self.dilation = int(dilation)
        self.first_dilation = int(first_dilation or dilation)
        if min(self.dilation, self.first_dilation) < 1:
            raise ValueError(f"`dilation` and `first_dilation` must be positive, got {dilation!r}, {first_dilation!r}.")
        self.input_spec = keras.layers.InputSpec(ndim=4)
        self._act_fn = keras.activations.get(ACTIVATIONS[self.activation])
        self._act_gamma = NONLIN_GAMMA[self.activation]
        self.drop_path = DropPath(self.drop_path_rate, name="drop_path", dtype=self.dtype_policy)

    def _conv(self, filters: int, kernel_size: int, name: str, **kwargs) -> ScaledStdConv2D:
        return ScaledStdConv2D(
            filters,
            kernel_size,
            padding="same" if self.same_padding else None,
            gamma=1.0 if self.gamma_in_act else self._act_gamma,
            epsilon=self.conv_epsilon,
            kernel_initializer=_conv_initializer(),
            data_format=self.data_format,
            dtype=self.dtype_policy,
            name=name,
            **kwargs,
        )

    def _act(self, x):
        x = self._act_fn(x)
        return x * self._act_gamma if self.gamma_in_act else x

    def build(self, input_shape):
        axis = helpers.channel_axis(self.data_format)
        in_chs = input_shape[axis]
        if in_chs is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: in_chs})
        out_chs = self.filters
        mid_chs = helpers.make_divisible((in_chs if self.reg else out_chs) * self.bottle_ratio, self.ch_div)
        groups = 1 if not self.group_size else mid_chs // self.group_size
        if self.group_size and self.group_size % self.ch_div == 0:
            mid_chs = self.group_size * groups  # timm's correction (an error otherwise, in timm too)
        self.mid_channels = mid_chs

        self.downsample_pad = self.downsample_pool = self.downsample_conv = None
        if in_chs != out_chs or self.strides != 1 or self.dilation != self.first_dilation:
            if self.dilation > 1:
                # timm's AvgPool2dSame(2, 1) in a dilated stage: zeros padded after the last row and
                # column, and averaged in.
                self.downsample_pad = keras.layers.ZeroPadding2D(
                    ((0, 1), (0, 1)), data_format=self.data_format, dtype=self.dtype_policy,
                    name="downsample__pool_pad",
                )
                self.downsample_pool = keras.layers.AveragePooling2D(
                    2, strides=1, padding="valid", data_format=self.data_format, dtype=self.dtype_policy,
                    name="downsample__pool",
                )
                self.downsample_pad.build(input_shape)
                self.downsample_pool.build(self.downsample_pad.compute_output_shape(tuple(input_shape)))
            elif self.strides > 1:
                # PyTorch's AvgPool2d(2, stride, ceil_mode=True, count_include_pad=False): TF "SAME"
                # pooling adds the odd trailing pixel and averages over the valid ones alone, the same.
                self.downsample_pool = keras.layers.AveragePooling2D(
                    2, strides=self.strides, padding="same", data_format=self.data_format,
                    dtype=self.dtype_policy, name="downsample__pool",
                )
                self.downsample_pool.build(input_shape)
            self.downsample_conv = self._conv(out_chs, 1, "downsample__conv")
            self.downsample_conv.build(self._pooled_shape(input_shape))

        self.conv1 = self._conv(mid_chs, 1, "conv1")
        self.conv1.build(input_shape)
        shape = self.conv1.compute_output_shape(input_shape)
        self.conv2 = self._conv(mid_chs, 3, "conv2", strides=self.strides, groups=groups,
                                dilation_rate=self.first_dilation)
        self.conv2.build(shape)
        shape = self.conv2.compute_output_shape(shape)
        self.conv2b = None
        if self.extra_conv:
            self.conv2b = self._conv(mid_chs, 3, "conv2b", groups=groups, dilation_rate=self.dilation)
            self.conv2b.build(shape)
        self.attn = self.attn_last = None
        fmt = dict(data_format=self.data_format, dtype=self.dtype_policy)
        if self.reg and self.attn_layer is not None:
            self.attn = _attention(self.attn_layer, self.attn_kwargs, "attn", **fmt)
            self.attn.build(shape)
        self.conv3 = self._conv(out_chs, 1, "conv3", gain_init=1.0 if self.skipinit else 0.0)
        self.conv3.build(shape)
        shape = self.conv3.compute_output_shape(shape)
        if not self.reg and self.attn_layer is not None:
            self.attn_last = _attention(self.attn_layer, self.attn_kwargs, "attn_last", **fmt)
            self.attn_last.build(shape)
        self.skipinit_gain = (
            self.add_weight(name="skipinit_gain", shape=(), initializer="zeros") if self.skipinit else None
        )

    def _pooled_shape(self, input_shape):
        shape = tuple(input_shape)
        if self.downsample_pad is not None:
            shape = self.downsample_pad.compute_output_shape(shape)
        if self.downsample_pool is None:
            return shape
        return self.downsample_pool.compute_output_shape(shape)

    def call(self, inputs, training=None):
        out = self._act(inputs) * self.beta
        shortcut = inputs
        if self.downsample_conv is not None:
            pooled = out if self.downsample_pad is None else backend_ops.call_layer(self.downsample_pad, out)
            pooled = pooled if self.downsample_pool is None else self.downsample_pool(pooled)
            shortcut = self.downsample_conv(pooled)
        out = self.conv1(out)
        out = self.conv2(self._act(out))
        if self.conv2b is not None:
            out = self.conv2b(self._act(out))
        if self.attn is not None:
            out = self.attn_gain * self.attn(out)
        out = self.conv3(self._act(out))
        if self.attn_last is not None:
            out = self.attn_gain * self.attn_last(out)
        out = backend_ops.call_layer(self.drop_path, out, training)
        if self.skipinit_gain is not None:
            out = out * ops.cast(self.skipinit_gain, out.dtype)
        return out * self.alpha + shortcut

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis in helpers.spatial_axes(self.data_format):
            if shape[axis] is not None:
                shape[axis] = -(-shape[axis] // self.strides)  # symmetric and SAME padding alike
        shape[helpers.channel_axis(self.data_format)] = self.filters
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "strides": self.strides,
                "alpha": self.alpha,
                "beta": self.beta,
                "bottle_ratio": self.bottle_ratio,
                "group_size": self.group_size,
                "ch_div": self.ch_div,
                "reg": self.reg,
                "extra_conv": self.extra_conv,
                "skipinit": self.skipinit,
                "attn_layer": self.attn_layer,
                "attn_kwargs": dict(self.attn_kwargs),
                "attn_gain": self.attn_gain,
                "activation": self.activation,
                "gamma_in_act": self.gamma_in_act,
                "same_padding": self.same_padding,
                "conv_epsilon": self.conv_epsilon,
                "drop_path_rate": self.drop_path_rate,
                "data_format": self.data_format,
                "dilation": self.dilation,
                "first_dilation": self.first_dilation,
            }
        )
        return config


@dataclass(frozen=True)
class NfCfg:
    """One normalization-free variant, as timm's `NfCfg` (same fields and defaults)."""

    depths: tuple[int, int, int, int]
    channels: tuple[int, int, int, int]
    alpha: float = 0.2
    stem_type: str = "3x3"
    stem_chs: int | None = None
    group_size: int | None = None
    attn_layer: str | None = None
    attn_kwargs: dict[str, Any] = field(default_factory=dict)
    attn_gain: float = 2.0
    width_factor: float = 1.0
    bottle_ratio: float = 0.5
    num_features: int = 0  # width of the final 1x1 conv; none if 0
    ch_div: int = 8
    reg: bool = False
    extra_conv: bool = False
    gamma_in_act: bool = False
    same_padding: bool = False
    std_conv_eps: float = 1e-5
    skipinit: bool = False
    zero_init_fc: bool = False
    act_layer: str = "silu"


def _nfres_cfg(depths, channels=(256, 512, 1024, 2048), group_size=None, act_layer="relu", attn_layer=None,
               attn_kwargs=None) -> NfCfg:
    return NfCfg(
        depths=depths, channels=channels, stem_type="7x7_pool", stem_chs=64, bottle_ratio=0.25,
        group_size=group_size, act_layer=act_layer, attn_layer=attn_layer, attn_kwargs=attn_kwargs or {},
    )


def _nfreg_cfg(depths, channels=(48, 104, 208, 440)) -> NfCfg:
    return NfCfg(
        depths=depths, channels=channels, stem_type="3x3", group_size=8, width_factor=0.75, bottle_ratio=2.25,
        num_features=1280 * channels[-1] // 440, reg=True, attn_layer="se", attn_kwargs=dict(rd_ratio=0.5),
    )


def _nfnet_cfg(depths, channels=(256, 512, 1536, 1536), group_size=128, bottle_ratio=0.5, feat_mult=2.0,
               act_layer="gelu", attn_layer="se", attn_kwargs=None) -> NfCfg:
    return NfCfg(
        depths=depths, channels=channels, stem_type="deep_quad", stem_chs=128, group_size=group_size,
        bottle_ratio=bottle_ratio, extra_conv=True, num_features=int(channels[-1] * feat_mult),
        act_layer=act_layer, attn_layer=attn_layer,
        attn_kwargs=attn_kwargs if attn_kwargs is not None else dict(rd_ratio=0.5),
    )


def _dm_nfnet_cfg(depths, channels=(256, 512, 1536, 1536), act_layer="gelu", skipinit=True) -> NfCfg:
    return NfCfg(
        depths=depths, channels=channels, stem_type="deep_quad", stem_chs=128, group_size=128, bottle_ratio=0.5,
        extra_conv=True, gamma_in_act=True, same_padding=True, skipinit=skipinit,
        num_features=int(channels[-1] * 2.0), act_layer=act_layer, attn_layer="se", attn_kwargs=dict(rd_ratio=0.5),
    )


# timm's table, for the architectures that have pretrained weights.
model_cfgs: dict[str, NfCfg] = {
    # NFNet-F models w/ GELU compatible with DeepMind weights
    "dm_nfnet_f0": _dm_nfnet_cfg(depths=(1, 2, 6, 3)),
    "dm_nfnet_f1": _dm_nfnet_cfg(depths=(2, 4, 12, 6)),
    "dm_nfnet_f2": _dm_nfnet_cfg(depths=(3, 6, 18, 9)),
    "dm_nfnet_f3": _dm_nfnet_cfg(depths=(4, 8, 24, 12)),
    "dm_nfnet_f4": _dm_nfnet_cfg(depths=(5, 10, 30, 15)),
    "dm_nfnet_f5": _dm_nfnet_cfg(depths=(6, 12, 36, 18)),
    "dm_nfnet_f6": _dm_nfnet_cfg(depths=(7, 14, 42, 21)),
    # Experimental 'light' versions of NFNet-F, w/ SiLU
    "nfnet_l0": _nfnet_cfg(
        depths=(1, 2, 6, 3), feat_mult=1.5, group_size=64, bottle_ratio=0.25,
        attn_kwargs=dict(rd_ratio=0.25, rd_divisor=8), act_layer="silu"),
    "eca_nfnet_l0": _nfnet_cfg(
        depths=(1, 2, 6, 3), feat_mult=1.5, group_size=64, bottle_ratio=0.25,
        attn_layer="eca", attn_kwargs=dict(), act_layer="silu"),
    "eca_nfnet_l1": _nfnet_cfg(
        depths=(2, 4, 12, 6), feat_mult=2, group_size=64, bottle_ratio=0.25,
        attn_layer="eca", attn_kwargs=dict(), act_layer="silu"),
    "eca_nfnet_l2": _nfnet_cfg(
        depths=(3, 6, 18, 9), feat_mult=2, group_size=64, bottle_ratio=0.25,
        attn_layer="eca", attn_kwargs=dict(), act_layer="silu"),
    # EffNet influenced RegNet
    "nf_regnet_b1": _nfreg_cfg(depths=(2, 4, 7, 7)),
    # ResNet (preact, D style deep stem/avg down)
    "nf_resnet50": _nfres_cfg(depths=(3, 4, 6, 3)),
    "test_nfnet": _nfnet_cfg(
        depths=(1, 1, 1, 1), channels=(32, 64, 96, 128), feat_mult=1.5, group_size=8, bottle_ratio=0.25,
        attn_kwargs=dict(rd_ratio=0.25, rd_divisor=8), act_layer="silu"),
}


def _dcfg(url: str = "", **kwargs) -> dict:
    return {
        "url": url,
        "num_classes": 1000, "input_size": (3, 224, 224), "pool_size": (7, 7),
        "crop_pct": 0.9, "interpolation": "bicubic",
        "mean": IMAGENET_DEFAULT_MEAN, "std": IMAGENET_DEFAULT_STD,
        "first_conv": "stem.conv1", "classifier": "head.fc", "license": "apache-2.0",
        **kwargs,
    }


_RELEASES = "https://github.com/rwightman/pytorch-image-models/releases/download"

# timm's entries for the architectures above, in timm's order.
default_cfgs = generate_default_cfgs({
    "dm_nfnet_f0.dm_in1k": _dcfg(
        hf_hub_id="timm/", url=f"{_RELEASES}/v0.1-dnf-weights/dm_nfnet_f0-604f9c3a.pth",
        pool_size=(6, 6), input_size=(3, 192, 192), test_input_size=(3, 256, 256), crop_pct=.9, crop_mode="squash"),
    "dm_nfnet_f1.dm_in1k": _dcfg(
        hf_hub_id="timm/", url=f"{_RELEASES}/v0.1-dnf-weights/dm_nfnet_f1-fc540f82.pth",
        pool_size=(7, 7), input_size=(3, 224, 224), test_input_size=(3, 320, 320), crop_pct=0.91, crop_mode="squash"),
    "dm_nfnet_f2.dm_in1k": _dcfg(
        hf_hub_id="timm/", url=f"{_RELEASES}/v0.1-dnf-weights/dm_nfnet_f2-89875923.pth",
        pool_size=(8, 8), input_size=(3, 256, 256), test_input_size=(3, 352, 352), crop_pct=0.92, crop_mode="squash"),
    "dm_nfnet_f3.dm_in1k": _dcfg(
        hf_hub_id="timm/", url=f"{_RELEASES}/v0.1-dnf-weights/dm_nfnet_f3-d74ab3aa.pth",
        pool_size=(10, 10), input_size=(3, 320, 320), test_input_size=(3, 416, 416), crop_pct=0.94,
        crop_mode="squash"),
    "dm_nfnet_f4.dm_in1k": _dcfg(
        hf_hub_id="timm/", url=f"{_RELEASES}/v0.1-dnf-weights/dm_nfnet_f4-0ac5b10b.pth",
        pool_size=(12, 12), input_size=(3, 384, 384), test_input_size=(3, 512, 512), crop_pct=0.951,
        crop_mode="squash"),
    "dm_nfnet_f5.dm_in1k": _dcfg(
        hf_hub_id="timm/", url=f"{_RELEASES}/v0.1-dnf-weights/dm_nfnet_f5-ecb20ab1.pth",
        pool_size=(13, 13), input_size=(3, 416, 416), test_input_size=(3, 544, 544), crop_pct=0.954,
        crop_mode="squash"),
    "dm_nfnet_f6.dm_in1k": _dcfg(
        hf_hub_id="timm/", url=f"{_RELEASES}/v0.1-dnf-weights/dm_nfnet_f6-e0f12116.pth",
        pool_size=(14, 14), input_size=(3, 448, 448), test_input_size=(3, 576, 576), crop_pct=0.956,
        crop_mode="squash"),
    "nfnet_l0.ra2_in1k": _dcfg(
        hf_hub_id="timm/", url=f"{_RELEASES}/v0.1-weights/nfnet_l0_ra2-45c6688d.pth",
        pool_size=(7, 7), input_size=(3, 224, 224), test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "eca_nfnet_l0.ra2_in1k": _dcfg(
        hf_hub_id="timm/", url=f"{_RELEASES}/v0.1-weights/ecanfnet_l0_ra2-e3e9ac50.pth",
        pool_size=(7, 7), input_size=(3, 224, 224), test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "eca_nfnet_l1.ra2_in1k": _dcfg(
        hf_hub_id="timm/", url=f"{_RELEASES}/v0.1-weights/ecanfnet_l1_ra2-7dce93cd.pth",
        pool_size=(8, 8), input_size=(3, 256, 256), test_input_size=(3, 320, 320), test_crop_pct=1.0),
    "eca_nfnet_l2.ra3_in1k": _dcfg(
        hf_hub_id="timm/", url=f"{_RELEASES}/v0.1-weights/ecanfnet_l2_ra3-da781a61.pth",
        pool_size=(10, 10), input_size=(3, 320, 320), test_input_size=(3, 384, 384), test_crop_pct=1.0),
    "nf_regnet_b1.ra2_in1k": _dcfg(
        hf_hub_id="timm/", url=f"{_RELEASES}/v0.1-weights/nf_regnet_b1_256_ra2-ad85cfef.pth",
        pool_size=(8, 8), input_size=(3, 256, 256), test_input_size=(3, 288, 288), first_conv="stem.conv"),
    "nf_resnet50.ra2_in1k": _dcfg(
        hf_hub_id="timm/", url=f"{_RELEASES}/v0.1-weights/nf_resnet50_ra2-9f236009.pth",
        pool_size=(8, 8), input_size=(3, 256, 256), test_input_size=(3, 288, 288), crop_pct=0.94,
        first_conv="stem.conv"),
    "test_nfnet.r160_in1k": _dcfg(
        hf_hub_id="timm/", mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        crop_pct=0.95, input_size=(3, 160, 160), pool_size=(5, 5)),
})


def _stem(x, out_chs: int, stem_type: str, conv, act) -> tuple[Any, int, FeatureMap]:
    """timm's `create_stem`: the stem's output, its stride, and its feature map (the output of the
    conv before the last, for deep stems)."""
    if stem_type == "deep_quad":  # 4 deep conv stack as in NFNet-F
        chs, strides = (out_chs // 8, out_chs // 4, out_chs // 2, out_chs), (2, 1, 1, 2)
        feature = None
        for i, (c, s) in enumerate(zip(chs, strides)):
            x = conv(c, 3, strides=s, name=f"stem__conv{i + 1}")(x)
            if i == 2:
                feature = FeatureMap(x, c, 2, "stem.conv3")
            if i != len(chs) - 1:
                x = act(f"stem__act{i + 2}")(x)
        return x, 4, feature
    if stem_type == "3x3":  # RegNet
        x = conv(out_chs, 3, strides=2, name="stem__conv")(x)
        return x, 2, FeatureMap(x, out_chs, 2, "stem.conv")
    if stem_type == "7x7_pool":  # ResNet
        x = conv(out_chs, 7, strides=2, name="stem__conv")(x)
        feature = FeatureMap(x, out_chs, 2, "stem.conv")
        # nn.MaxPool2d(3, stride=2, padding=1) pads with -inf: no activation precedes it, so zeros would
        # win over negative values (and TF "SAME" pads an even size at the end only).
        x = ops.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], constant_values=float("-inf"))
        x = keras.layers.MaxPooling2D(3, strides=2, padding="valid", name="stem__pool")(x)
        return x, 4, feature
    raise ValueError(f"stem type {stem_type!r} is not ported (timm's NFNets with weights use deep_quad, 3x3, 7x7_pool).")


def _create_normfreenet(variant: str, args: BuildArgs) -> ModelGraph:
    """timm's `variant` (a key of `model_cfgs`): NHWC images of any size (or `img_size`) in, logits out
    (pooled features when `num_classes=0`). The feature maps are the stem's (see `_stem`) and the
    stages' outputs, the last one after `final_conv` (before the final activation) where there is one,
    as timm's `feature_info`."""
    cfg = model_cfgs[variant]
    act_name = cfg.act_layer
    keras_act = ACTIVATIONS[_check_activation(act_name)]

    def act(name):
        if cfg.gamma_in_act:
            return GammaAct(keras_act, gamma=NONLIN_GAMMA[act_name], name=name)
        return keras.layers.Activation(keras_act, name=name)

    def conv(filters, kernel_size, **kwargs):
        return ScaledStdConv2D(
            filters, kernel_size,
            padding="same" if cfg.same_padding else None,
            gamma=1.0 if cfg.gamma_in_act else NONLIN_GAMMA[act_name],
            epsilon=cfg.std_conv_eps,
            kernel_initializer=_conv_initializer(),
            **kwargs,
        )

    inputs = model_input(args.in_chans, args.img_size)
    stem_chs = helpers.make_divisible((cfg.stem_chs or cfg.channels[0]) * cfg.width_factor, cfg.ch_div)
    x, stem_stride, stem_feature = _stem(inputs, stem_chs, cfg.stem_type, conv, act)
    features = [stem_feature]

    rates = calculate_drop_path_rates(args.drop_path_rate, cfg.depths, stagewise=True)
    net_stride, dilation = stem_stride, 1
    expected_var = 1.0
    for stage_idx, depth in enumerate(cfg.depths):
        stride = 1 if stage_idx == 0 and stem_stride > 2 else 2
        # timm's `NormFreeNet.__init__`: past `output_stride` a stage dilates instead of striding, its
        # first block's conv2 dilated 1 or 2 (timm's rule), every other 3x3 as the stage.
        if net_stride >= args.output_stride and stride > 1:
            dilation, stride = dilation * stride, 1
        net_stride *= stride
        first_dilation = 1 if dilation in (1, 2) else 2
        out_chs = helpers.make_divisible(cfg.channels[stage_idx] * cfg.width_factor, cfg.ch_div)
        for block_idx in range(depth):
            first_block = block_idx == 0 and stage_idx == 0
            x = NormFreeBlock(
                out_chs,
                strides=stride if block_idx == 0 else 1,
                dilation=dilation,
                first_dilation=first_dilation if block_idx == 0 else dilation,
                alpha=cfg.alpha,
                beta=1.0 / expected_var**0.5,
                bottle_ratio=1.0 if cfg.reg and first_block else cfg.bottle_ratio,
                group_size=cfg.group_size,
                ch_div=cfg.ch_div,
                reg=cfg.reg,
                extra_conv=cfg.extra_conv,
                skipinit=cfg.skipinit,
                attn_layer=cfg.attn_layer,
                attn_kwargs=cfg.attn_kwargs,
                attn_gain=cfg.attn_gain,
                activation=act_name,
                gamma_in_act=cfg.gamma_in_act,
                same_padding=cfg.same_padding,
                conv_epsilon=cfg.std_conv_eps,
                drop_path_rate=rates[stage_idx][block_idx],
                name=f"stages__{stage_idx}__{block_idx}",
            )(x)
            if block_idx == 0:
                expected_var = 1.0  # reset after the first block of each stage
            expected_var += cfg.alpha**2
        features.append(FeatureMap(x, out_chs, net_stride, f"stages.{stage_idx}"))

    if cfg.num_features:
        # The NF-RegNet/NFNet final 1x1 conv (EfficientNet-like head).
        num_features = helpers.make_divisible(cfg.width_factor * cfg.num_features, cfg.ch_div)
        x = conv(num_features, 1, name="final_conv")(x)
        features[-1] = FeatureMap(x, num_features, net_stride, "final_conv")
    x = act("final_act")(x)
    # timm's ClassifierHead: average pool, (dropout 0), Linear.
    x = keras.layers.GlobalAveragePooling2D(name="head__global_pool")(x)
    if args.num_classes:
        x = keras.layers.Dense(
            args.num_classes,
            kernel_initializer="zeros" if cfg.zero_init_fc else normal_init(0.01),
            name="head__fc",
        )(x)
    return ModelGraph(inputs, x, features)


register_family(
    model_cfgs, _create_normfreenet, default_cfgs, None, feature_out_indices=(0, 1, 2, 3, 4), output_strides=(8, 16, 32)
)
