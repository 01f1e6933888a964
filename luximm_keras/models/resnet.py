"""ResNet, ResNeXt, SE-ResNeXt, ECA-ResNet, ResNet-RS, ResNet-Blur/AA, Wide ResNet and SENet-154 as
functional Keras models: the basic and bottleneck blocks, the architecture table, the pretrained
configs and the builder (timm has no checkpoint filter for these models).

Layer names are timm's module paths with `__` for `.` (`conv1`, `bn1`, `layer1__0__conv2`,
`layer2__0__downsample__1`, `fc`), so `load_timm_weights(model, timm_model.state_dict())` loads
every key.

Reference: timm/models/resnet.py
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.data.constants import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD
from luximm_keras.initializers import kaiming_normal_fan_out
from luximm_keras.layers import helpers
from luximm_keras.layers.batch_norm import BatchNorm2D
from luximm_keras.layers.blur_pool import BlurPool2D
from luximm_keras.layers.create_attn import create_attn
from luximm_keras.layers.drop import DropPath
from luximm_keras.layers.padding import get_padding
from luximm_keras.models._builder import BuildArgs, FeatureMap, ModelGraph, model_input
from luximm_keras.models._pretrained import generate_default_cfgs
from luximm_keras.models._registry import register_family

NORM_LAYERS = ("batchnorm", "groupnorm")
AA_LAYERS = ("blur", "avg")


def create_norm(norm_layer: str, name: str, data_format: str, dtype=None, zero_init: bool = False):
    """timm's `get_norm_layer(norm_layer)(channels)` for the two norms of resnet.py: PyTorch's
    BatchNorm2d (`BatchNorm2D`) or timm's `GroupNorm` (32 groups, eps 1e-5)."""
    gamma = "zeros" if zero_init else "ones"
    if norm_layer == "batchnorm":
        return BatchNorm2D(data_format=data_format, gamma_initializer=gamma, name=name, dtype=dtype)
    if norm_layer == "groupnorm":
        return keras.layers.GroupNormalization(
            groups=32, axis=helpers.channel_axis(data_format), epsilon=1e-5, gamma_initializer=gamma,
            name=name, dtype=dtype,
        )
    raise ValueError(f"`norm_layer` must be one of {NORM_LAYERS}, got {norm_layer!r}.")


def create_aa(aa_layer: str | None, name: str, data_format: str, dtype=None, stride: int = 2):
    """timm's `create_aa` for resnet.py's anti-aliasing layers: `BlurPool2d(channels, stride)` ("blur")
    or `nn.AvgPool2d(stride)` ("avg": a `stride` x `stride` window, no padding)."""
    if aa_layer == "blur":
        return BlurPool2D(stride=stride, data_format=data_format, name=name, dtype=dtype)
    if aa_layer == "avg":
        return keras.layers.AveragePooling2D(stride, strides=stride, padding="valid", data_format=data_format,
                                             name=name, dtype=dtype)
    raise ValueError(f"`aa_layer` must be one of {AA_LAYERS} or None, got {aa_layer!r}.")


class _ResNetBlock(keras.layers.Layer):
    """What timm's `BasicBlock` and `Bottleneck` share: arguments, the shortcut, the residual sum."""

    expansion = 1

    def __init__(
        self,
        filters: int,
        strides: int = 1,
        downsample: bool | None = None,
        avg_down: bool = False,
        down_kernel_size: int = 1,
        cardinality: int = 1,
        base_width: int = 64,
        reduce_first: int = 1,
        attn_layer: str | None = None,
        attn_kwargs: dict | None = None,
        aa_layer: str | None = None,
        norm_layer: str = "batchnorm",
        widths: tuple[int, ...] | None = None,
        zero_init_last: bool = True,
        drop_path_rate: float = 0.0,
        dilation: int = 1,
        first_dilation: int | None = None,
        data_format: str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(filters) < 1:
            raise ValueError(f"`filters` must be a positive int, got {filters!r}.")
        if int(strides) not in (1, 2):
            raise ValueError(f"`strides` must be 1 or 2, got {strides!r}.")
        if norm_layer not in NORM_LAYERS:
            raise ValueError(f"`norm_layer` must be one of {NORM_LAYERS}, got {norm_layer!r}.")
        if aa_layer is not None and aa_layer not in AA_LAYERS:
            raise ValueError(f"`aa_layer` must be one of {AA_LAYERS} or None, got {aa_layer!r}.")
        self.filters = int(filters)
        self.strides = int(strides)
        self.downsample = None if downsample is None else bool(downsample)
        self.avg_down = bool(avg_down)
        self.down_kernel_size = int(down_kernel_size)
        self.cardinality = int(cardinality)
        self.base_width = int(base_width)
        self.reduce_first = int(reduce_first)
        self.attn_layer = attn_layer or None
        self.attn_kwargs = dict(attn_kwargs or {})
        self.aa_layer = aa_layer
        self.norm_layer = norm_layer
        self.widths = None if widths is None else tuple(int(w) for w in widths)
        self.zero_init_last = bool(zero_init_last)
        self.drop_path_rate = float(drop_path_rate)
        self.dilation = int(dilation)
        self.first_dilation = int(first_dilation or dilation)
        if min(self.dilation, self.first_dilation) < 1:
            raise ValueError(f"`dilation` and `first_dilation` must be positive, got {dilation!r}, {first_dilation!r}.")
        self.data_format = helpers.standardize_data_format(data_format)
        # timm also anti-aliases the block where a dilated stage begins (its stride went to dilation).
        self.use_aa = self.aa_layer is not None and (self.strides == 2 or self.first_dilation != self.dilation)
        self.input_spec = keras.layers.InputSpec(ndim=4)
        self.drop_path = DropPath(self.drop_path_rate, name="drop_path", dtype=self.dtype_policy)

    @property
    def out_channels(self) -> int:
        return self.widths[-1] if self.widths else self.filters * self.expansion

    # -- sublayer factories ---------------------------------------------------------------------
    def _fmt(self) -> dict:
        return {"data_format": self.data_format, "dtype": self.dtype_policy}

    def _conv(self, filters, kernel_size, name, strides=1, groups=1, dilation=1):
        return keras.layers.Conv2D(
            filters, kernel_size, strides=strides, padding="valid", groups=groups, dilation_rate=dilation,
            use_bias=False, kernel_initializer=kaiming_normal_fan_out(), name=name, **self._fmt(),
        )

    def _pad(self, padding, name):
        return keras.layers.ZeroPadding2D(padding, name=name, **self._fmt()) if padding else None

    def _norm(self, name, zero_init=False):
        return create_norm(self.norm_layer, name, self.data_format, self.dtype_policy, zero_init)

    def _build_chain(self, layers, shape):
        for layer in layers:
            if layer is not None:
                layer.build(shape)
                shape = layer.compute_output_shape(shape)
        return shape

    def _build_shortcut(self, input_shape):
        """timm's `downsample_conv` (a strided kxk conv then a norm, `downsample.0/.1`) or
        `downsample_avg` (a 2x2 ceil-mode average pool, a 1x1 conv and a norm, `downsample.0/.1/.2`)."""
        channels = input_shape[helpers.channel_axis(self.data_format)]
        needed = self.downsample if self.downsample is not None else (
            self.strides != 1 or channels != self.out_channels)
        self.down_pool = self.down_pad = self.down_conv = self.down_norm = None
        if not needed:
            if channels != self.out_channels:
                raise ValueError(f"{self.name}: without a downsample the input width ({channels}) must equal "
                                 f"the output width ({self.out_channels}).")
            return
        if self.avg_down:
            if self.dilation > 1:
                # timm's AvgPool2dSame(2, 1) where a dilated stage begins: zeros padded after the last
                # row and column, and averaged in.
                self.down_pad = self._pad(((0, 1), (0, 1)), "downsample__0_pad")
                self.down_pool = keras.layers.AveragePooling2D(
                    2, strides=1, padding="valid", name="downsample__0", **self._fmt())
            elif self.strides != 1:
                # PyTorch's AvgPool2d(2, stride, ceil_mode=True, count_include_pad=False): TF "SAME"
                # pooling adds the odd trailing pixel and averages over the valid ones alone, the same.
                self.down_pool = keras.layers.AveragePooling2D(
                    2, strides=self.strides, padding="same", name="downsample__0", **self._fmt())
            self.down_conv = self._conv(self.out_channels, 1, "downsample__1")
            self.down_norm = self._norm("downsample__2")
            self._build_chain([self.down_pad, self.down_pool, self.down_conv, self.down_norm], input_shape)
        else:
            k = 1 if self.strides == 1 and self.dilation == 1 else self.down_kernel_size
            dilation = self.first_dilation if k > 1 else 1
            self.down_pad = self._pad(get_padding(k, self.strides, dilation), "downsample__0_pad")
            self.down_conv = self._conv(
                self.out_channels, k, "downsample__0", strides=self.strides, dilation=dilation)
            self.down_norm = self._norm("downsample__1")
            self._build_chain([self.down_pad, self.down_conv, self.down_norm], input_shape)

    def _build_attn(self, shape):
        # Channels from the input (timm passes them; ECA sizes its kernel from them, or from
        # attn_kwargs' `kernel_size` in the pruned models).
        self.se = create_attn(self.attn_layer, None, name="se", **self.attn_kwargs, **self._fmt())
        if self.se is not None:
            self.se.build(shape)

    # -- forward ----------------------------------------------------------------------------------
    def _shortcut(self, inputs, training):
        if self.down_conv is None:
            return inputs
        x = inputs
        if self.down_pad is not None:
            x = backend_ops.call_layer(self.down_pad, x)
        if self.down_pool is not None:
            x = self.down_pool(x)
        x = backend_ops.call_layer(self.down_conv, x)
        return self.down_norm(x, training=training)

    def _residual(self, x, shortcut, training):
        if self.se is not None:
            x = self.se(x)
        x = backend_ops.call_layer(self.drop_path, x, training)
        return ops.relu(x + shortcut)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[helpers.channel_axis(self.data_format)] = self.out_channels
        if self.strides == 2:
            for a in helpers.spatial_axes(self.data_format):
                if shape[a] is not None:
                    # A 2x2 average pool (resnetaa) floors, the padded 3x3 conv and the blur pool round up.
                    shape[a] = shape[a] // 2 if self.aa_layer == "avg" else (shape[a] + 1) // 2
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "strides": self.strides,
                "downsample": self.downsample,
                "avg_down": self.avg_down,
                "down_kernel_size": self.down_kernel_size,
                "cardinality": self.cardinality,
                "base_width": self.base_width,
                "reduce_first": self.reduce_first,
                "attn_layer": self.attn_layer,
                "attn_kwargs": dict(self.attn_kwargs),
                "aa_layer": self.aa_layer,
                "norm_layer": self.norm_layer,
                "widths": None if self.widths is None else list(self.widths),
                "zero_init_last": self.zero_init_last,
                "drop_path_rate": self.drop_path_rate,
                "dilation": self.dilation,
                "first_dilation": self.first_dilation,
                "data_format": self.data_format,
            }
        )
        return config


_BLOCK_ARGS_DOC = """
    Args:
        filters: timm's `planes`; the block outputs `filters * expansion` channels.
        strides: 1 or 2, on the 3x3 conv (on the anti-aliasing layer instead when `aa_layer` is set).
        downsample: whether the block has a projection shortcut; None: when the stride is not 1 or
            the width changes (timm's rule, which gives one to the first block of a stage).
        avg_down: the shortcut is timm's `downsample_avg` (2x2 ceil-mode average pool, 1x1 conv,
            norm) rather than `downsample_conv` (strided conv, norm).
        down_kernel_size: kernel of `downsample_conv` when strided (3 in SENet-154).
        cardinality: groups of the 3x3 conv (ResNeXt).
        base_width: the bottleneck width is `floor(filters * base_width / 64) * cardinality`.
        reduce_first: the first conv's width is divided by this (2 in SENet-154).
        attn_layer: channel attention after the last norm: "se", "eca" or None (`create_attn`).
        attn_kwargs: its arguments (ResNet-RS: `{"rd_ratio": 0.25}`).
        aa_layer: anti-aliasing downsampling after the 3x3 conv of a strided block: "blur"
            (`BlurPool2D`) or "avg" (2x2 average pool).
        norm_layer: "batchnorm" (`BatchNorm2D`, PyTorch's) or "groupnorm" (32 groups).
        widths: every conv's output width, overriding the ones derived above (timm's pruned models).
        zero_init_last: the last norm's scale starts at zero (timm's `zero_init_last`).
        drop_path_rate: stochastic-depth rate of the residual branch.
        dilation: dilation of the 3x3 convs (timm's `output_stride` below 32 dilates the last stages).
        first_dilation: dilation of the first 3x3 conv (and of a kxk shortcut conv): the previous
            stage's, where a dilated stage begins; None: `dilation`.
        data_format: `"channels_last"` (default) or `"channels_first"`.
"""


@serializable
class BasicBlock(_ResNetBlock):
    __doc__ = (
        """`relu(shortcut(x) + se(bn2(conv2(aa(relu(bn1(conv1(x))))))))`, two 3x3 convs (ResNet-18/34).

    Sublayers carry timm's names (`conv1`, `bn1`, `aa`, `conv2`, `bn2`, `se`, `downsample__0`, ...).
"""
        + _BLOCK_ARGS_DOC
        + """
    Example:
        >>> BasicBlock(64)(keras.ops.ones((2, 56, 56, 64))).shape
        (2, 56, 56, 64)

    Reference: timm/models/resnet.py `BasicBlock`.
    """
    )

    expansion = 1

    def build(self, input_shape):
        if self.cardinality != 1 or self.base_width != 64:
            raise ValueError(f"{self.name}: BasicBlock supports only cardinality=1 and base_width=64 (as timm).")
        axis = helpers.channel_axis(self.data_format)
        if input_shape[axis] is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: input_shape[axis]})
        first_planes, outplanes = self.widths or (self.filters // self.reduce_first, self.out_channels)
        self._build_shortcut(input_shape)
        self.conv1_pad = self._pad(self.first_dilation, "conv1_pad")
        self.conv1 = self._conv(first_planes, 3, "conv1", strides=1 if self.use_aa else self.strides,
                                dilation=self.first_dilation)
        self.bn1 = self._norm("bn1")
        self.aa = create_aa(self.aa_layer, "aa", **self._fmt(), stride=self.strides) if self.use_aa else None
        self.conv2_pad = self._pad(self.dilation, "conv2_pad")
        self.conv2 = self._conv(outplanes, 3, "conv2", dilation=self.dilation)
        self.bn2 = self._norm("bn2", zero_init=self.zero_init_last)
        shape = self._build_chain(
            [self.conv1_pad, self.conv1, self.bn1, self.aa, self.conv2_pad, self.conv2, self.bn2], input_shape)
        self._build_attn(shape)

    def call(self, inputs, training=None):
        shortcut = self._shortcut(inputs, training)
        x = backend_ops.call_layer(self.conv1, backend_ops.call_layer(self.conv1_pad, inputs))
        x = ops.relu(self.bn1(x, training=training))
        if self.aa is not None:
            x = self.aa(x)
        x = backend_ops.call_layer(self.conv2, backend_ops.call_layer(self.conv2_pad, x))
        x = self.bn2(x, training=training)
        return self._residual(x, shortcut, training)


@serializable
class Bottleneck(_ResNetBlock):
    __doc__ = (
        """`relu(shortcut(x) + se(bn3(conv3(aa(relu(bn2(conv2(relu(bn1(conv1(x)))))))))))`: a 1x1
    reduction, a (grouped) 3x3 conv, a 1x1 expansion by 4 (ResNet-50 and deeper, ResNeXt, SENet).

    Sublayers carry timm's names (`conv1`, `bn1`, `conv2`, `bn2`, `aa`, `conv3`, `bn3`, `se`,
    `downsample__0`, ...).
"""
        + _BLOCK_ARGS_DOC
        + """
    Example:
        >>> Bottleneck(64)(keras.ops.ones((2, 56, 56, 64))).shape
        (2, 56, 56, 256)

    Reference: timm/models/resnet.py `Bottleneck`.
    """
    )

    expansion = 4

    def build(self, input_shape):
        axis = helpers.channel_axis(self.data_format)
        if input_shape[axis] is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: input_shape[axis]})
        width = int(math.floor(self.filters * (self.base_width / 64)) * self.cardinality)
        first_planes, width, outplanes = self.widths or (width // self.reduce_first, width, self.out_channels)
        self._build_shortcut(input_shape)
        self.conv1 = self._conv(first_planes, 1, "conv1")
        self.bn1 = self._norm("bn1")
        self.conv2_pad = self._pad(self.first_dilation, "conv2_pad")
        self.conv2 = self._conv(width, 3, "conv2", strides=1 if self.use_aa else self.strides,
                                groups=self.cardinality, dilation=self.first_dilation)
        self.bn2 = self._norm("bn2")
        self.aa = create_aa(self.aa_layer, "aa", **self._fmt(), stride=self.strides) if self.use_aa else None
        self.conv3 = self._conv(outplanes, 1, "conv3")
        self.bn3 = self._norm("bn3", zero_init=self.zero_init_last)
        shape = self._build_chain(
            [self.conv1, self.bn1, self.conv2_pad, self.conv2, self.bn2, self.aa, self.conv3, self.bn3], input_shape)
        self._build_attn(shape)

    def call(self, inputs, training=None):
        shortcut = self._shortcut(inputs, training)
        x = backend_ops.call_layer(self.conv1, inputs)
        x = ops.relu(self.bn1(x, training=training))
        x = backend_ops.call_layer(self.conv2, backend_ops.call_layer(self.conv2_pad, x))
        x = ops.relu(self.bn2(x, training=training))
        if self.aa is not None:
            x = self.aa(x)
        x = backend_ops.call_layer(self.conv3, x)
        x = self.bn3(x, training=training)
        return self._residual(x, shortcut, training)


BLOCKS = {"basic": BasicBlock, "bottleneck": Bottleneck}


@dataclass(frozen=True)
class ResNetCfg:
    """One ResNet variant, as timm's `ResNet(...)` arguments (`block` "basic" or "bottleneck", or
    one per stage; `attn_kwargs` as (key, value) pairs). timm's pruned variants take their widths
    from `PRUNED_WIDTHS`."""

    layers: tuple[int, ...]
    block: str | tuple[str, ...] = "bottleneck"
    channels: tuple[int, ...] = (64, 128, 256, 512)
    cardinality: int = 1
    base_width: int = 64
    stem_width: int = 64
    stem_type: str = ""
    replace_stem_pool: bool = False
    block_reduce_first: int = 1
    down_kernel_size: int = 1
    avg_down: bool = False
    norm_layer: str = "batchnorm"
    aa_layer: str | None = None
    attn_layer: str | None = None
    attn_kwargs: tuple[tuple[str, object], ...] = ()


_BASIC, _BOTTLE = "basic", "bottleneck"
_D = {"stem_width": 32, "stem_type": "deep", "avg_down": True}  # the `d` variants
_T = {"stem_width": 32, "stem_type": "deep_tiered", "avg_down": True}  # the `t` variants
_C = {"stem_width": 32, "stem_type": "deep"}
_S = {"stem_width": 64, "stem_type": "deep"}
_RS = {"stem_width": 32, "stem_type": "deep", "replace_stem_pool": True, "avg_down": True, "attn_layer": "se",
           "attn_kwargs": (("rd_ratio", 0.25),)}

model_cfgs: dict[str, ResNetCfg] = {
    "resnet10t": ResNetCfg((1, 1, 1, 1), _BASIC, **_T),
    "resnet14t": ResNetCfg((1, 1, 1, 1), _BOTTLE, **_T),
    "resnet18": ResNetCfg((2, 2, 2, 2), _BASIC),
    "resnet18d": ResNetCfg((2, 2, 2, 2), _BASIC, **_D),
    "resnet34": ResNetCfg((3, 4, 6, 3), _BASIC),
    "resnet34d": ResNetCfg((3, 4, 6, 3), _BASIC, **_D),
    "resnet26": ResNetCfg((2, 2, 2, 2)),
    "resnet26t": ResNetCfg((2, 2, 2, 2), **_T),
    "resnet26d": ResNetCfg((2, 2, 2, 2), **_D),
    "resnet50": ResNetCfg((3, 4, 6, 3)),
    "resnet50c": ResNetCfg((3, 4, 6, 3), **_C),
    "resnet50d": ResNetCfg((3, 4, 6, 3), **_D),
    "resnet50s": ResNetCfg((3, 4, 6, 3), **_S),
    "resnet101": ResNetCfg((3, 4, 23, 3)),
    "resnet101c": ResNetCfg((3, 4, 23, 3), **_C),
    "resnet101d": ResNetCfg((3, 4, 23, 3), **_D),
    "resnet101s": ResNetCfg((3, 4, 23, 3), **_S),
    "resnet152": ResNetCfg((3, 8, 36, 3)),
    "resnet152c": ResNetCfg((3, 8, 36, 3), **_C),
    "resnet152d": ResNetCfg((3, 8, 36, 3), **_D),
    "resnet152s": ResNetCfg((3, 8, 36, 3), **_S),
    "resnet200d": ResNetCfg((3, 24, 36, 3), **_D),
    "wide_resnet50_2": ResNetCfg((3, 4, 6, 3), base_width=128),
    "wide_resnet101_2": ResNetCfg((3, 4, 23, 3), base_width=128),
    "resnet50_gn": ResNetCfg((3, 4, 6, 3), norm_layer="groupnorm"),
    "resnext50_32x4d": ResNetCfg((3, 4, 6, 3), cardinality=32, base_width=4),
    "resnext50d_32x4d": ResNetCfg((3, 4, 6, 3), cardinality=32, base_width=4, **_D),
    "resnext101_32x4d": ResNetCfg((3, 4, 23, 3), cardinality=32, base_width=4),
    "resnext101_32x8d": ResNetCfg((3, 4, 23, 3), cardinality=32, base_width=8),
    "resnext101_32x16d": ResNetCfg((3, 4, 23, 3), cardinality=32, base_width=16),
    "resnext101_32x32d": ResNetCfg((3, 4, 23, 3), cardinality=32, base_width=32),
    "resnext101_64x4d": ResNetCfg((3, 4, 23, 3), cardinality=64, base_width=4),
    "ecaresnet26t": ResNetCfg((2, 2, 2, 2), attn_layer="eca", **_T),
    "ecaresnet50d": ResNetCfg((3, 4, 6, 3), attn_layer="eca", **_D),
    "ecaresnet50d_pruned": ResNetCfg((3, 4, 6, 3), attn_layer="eca", **_D),
    "ecaresnet50t": ResNetCfg((3, 4, 6, 3), attn_layer="eca", **_T),
    "ecaresnetlight": ResNetCfg((1, 1, 11, 3), stem_width=32, avg_down=True, attn_layer="eca"),
    "ecaresnet101d": ResNetCfg((3, 4, 23, 3), attn_layer="eca", **_D),
    "ecaresnet101d_pruned": ResNetCfg((3, 4, 23, 3), attn_layer="eca", **_D),
    "ecaresnet269d": ResNetCfg((3, 30, 48, 8), attn_layer="eca", **_D),
    "seresnet50": ResNetCfg((3, 4, 6, 3), attn_layer="se"),
    "seresnet152d": ResNetCfg((3, 8, 36, 3), attn_layer="se", **_D),
    "seresnext26d_32x4d": ResNetCfg((2, 2, 2, 2), cardinality=32, base_width=4, attn_layer="se", **_D),
    "seresnext26t_32x4d": ResNetCfg((2, 2, 2, 2), cardinality=32, base_width=4, attn_layer="se", **_T),
    "seresnext50_32x4d": ResNetCfg((3, 4, 6, 3), cardinality=32, base_width=4, attn_layer="se"),
    "seresnext101_32x4d": ResNetCfg((3, 4, 23, 3), cardinality=32, base_width=4, attn_layer="se"),
    "seresnext101_32x8d": ResNetCfg((3, 4, 23, 3), cardinality=32, base_width=8, attn_layer="se"),
    "seresnext101d_32x8d": ResNetCfg((3, 4, 23, 3), cardinality=32, base_width=8, attn_layer="se", **_D),
    "seresnext101_64x4d": ResNetCfg((3, 4, 23, 3), cardinality=64, base_width=4, attn_layer="se"),
    "senet154": ResNetCfg((3, 8, 36, 3), cardinality=64, base_width=4, stem_type="deep", down_kernel_size=3,
                          block_reduce_first=2, attn_layer="se"),
    "resnetblur50": ResNetCfg((3, 4, 6, 3), aa_layer="blur"),
    "resnetaa50": ResNetCfg((3, 4, 6, 3), aa_layer="avg"),
    "resnetaa50d": ResNetCfg((3, 4, 6, 3), aa_layer="avg", **_D),
    "resnetaa101d": ResNetCfg((3, 4, 23, 3), aa_layer="avg", **_D),
    "seresnextaa101d_32x8d": ResNetCfg((3, 4, 23, 3), cardinality=32, base_width=8, aa_layer="avg",
                                       attn_layer="se", **_D),
    "seresnextaa201d_32x8d": ResNetCfg((3, 24, 36, 4), cardinality=32, base_width=8, stem_width=64,
                                       stem_type="deep", avg_down=True, aa_layer="avg", attn_layer="se"),
    "resnetrs50": ResNetCfg((3, 4, 6, 3), **_RS),
    "resnetrs101": ResNetCfg((3, 4, 23, 3), **_RS),
    "resnetrs152": ResNetCfg((3, 8, 36, 3), **_RS),
    "resnetrs200": ResNetCfg((3, 24, 36, 3), **_RS),
    "resnetrs270": ResNetCfg((4, 29, 53, 4), **_RS),
    "resnetrs350": ResNetCfg((4, 36, 72, 4), **_RS),
    "resnetrs420": ResNetCfg((4, 44, 87, 4), **_RS),
    "test_resnet": ResNetCfg((1, 1, 1, 1), (_BASIC, _BASIC, _BOTTLE, _BASIC), channels=(32, 48, 48, 96),
                             stem_width=16, stem_type="deep", avg_down=True),
}


def _cfg(url: str = "", **kwargs) -> dict:
    """Create a default configuration for ResNet models."""
    return {
        "url": url,
        "num_classes": 1000, "input_size": (3, 224, 224), "pool_size": (7, 7),
        "crop_pct": 0.875, "interpolation": "bilinear",
        "mean": IMAGENET_DEFAULT_MEAN, "std": IMAGENET_DEFAULT_STD,
        "first_conv": "conv1", "classifier": "fc",
        "license": "apache-2.0",
        **kwargs
    }


def _tcfg(url: str = "", **kwargs) -> dict:
    """Create a configuration with bicubic interpolation."""
    return _cfg(url=url, **dict({"interpolation": "bicubic"}, **kwargs))


def _ttcfg(url: str = "", **kwargs) -> dict:
    """Create a configuration for models trained with timm."""
    return _cfg(url=url, **dict({
        "interpolation": "bicubic", "test_input_size": (3, 288, 288), "test_crop_pct": 0.95,
        "origin_url": "https://github.com/huggingface/pytorch-image-models",
    }, **kwargs))


def _rcfg(url: str = "", **kwargs) -> dict:
    """Create a configuration for ResNet-RS models."""
    return _cfg(url=url, **dict({
        "interpolation": "bicubic", "crop_pct": 0.95, "test_input_size": (3, 288, 288), "test_crop_pct": 1.0,
        "origin_url": "https://github.com/huggingface/pytorch-image-models", "paper_ids": "arXiv:2110.00476"
    }, **kwargs))


def _r3cfg(url: str = "", **kwargs) -> dict:
    """Create a configuration for ResNet-RS models with 160x160 input."""
    return _cfg(url=url, **dict({
        "interpolation": "bicubic", "input_size": (3, 160, 160), "pool_size": (5, 5),
        "crop_pct": 0.95, "test_input_size": (3, 224, 224), "test_crop_pct": 0.95,
        "origin_url": "https://github.com/huggingface/pytorch-image-models", "paper_ids": "arXiv:2110.00476",
    }, **kwargs))


def _gcfg(url: str = "", **kwargs) -> dict:
    """Create a configuration for Gluon pretrained models."""
    return _cfg(url=url, **dict({
        "interpolation": "bicubic",
        "origin_url": "https://cv.gluon.ai/model_zoo/classification.html",
    }, **kwargs))


# timm's entries for the architectures above, in timm's order (the first with weights is the default).
default_cfgs = generate_default_cfgs({
    "resnet10t.c3_in1k":                          _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet10t_176_c3-f3215ab1.pth",
        input_size=(3, 176, 176), pool_size=(6, 6), test_crop_pct=0.95, test_input_size=(3, 224, 224),
        first_conv="conv1.0"),
    "resnet14t.c3_in1k":                          _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet14t_176_c3-c4ed2c37.pth",
        input_size=(3, 176, 176), pool_size=(6, 6), test_crop_pct=0.95, test_input_size=(3, 224, 224),
        first_conv="conv1.0"),
    "resnet18.a1_in1k":                         _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet18_a1_0-d63eafa0.pth"),
    "resnet18.a2_in1k":                         _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet18_a2_0-b61bd467.pth"),
    "resnet18.a3_in1k":                         _r3cfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet18_a3_0-40c531c8.pth"),
    "resnet18d.ra2_in1k":                           _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/resnet18d_ra2-48a79e06.pth",
        first_conv="conv1.0"),
    "resnet18d.ra4_e3600_r224_in1k":                                      _rcfg(
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), crop_pct=0.9, first_conv="conv1.0"),
    "resnet34.a1_in1k":                         _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet34_a1_0-46f8f793.pth"),
    "resnet34.a2_in1k":                         _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet34_a2_0-82d47d71.pth"),
    "resnet34.a3_in1k":                         _r3cfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet34_a3_0-a20cabb6.pth",
        crop_pct=0.95),
    "resnet34.bt_in1k":                         _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/resnet34-43635321.pth"),
    "resnet34.ra4_e3600_r224_in1k":                                     _rcfg(
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), crop_pct=0.9),
    "resnet34d.ra2_in1k":                           _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/resnet34d_ra2-f8dcfcaf.pth",
        first_conv="conv1.0"),
    "resnet26.bt_in1k":                         _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/resnet26-9aa10e23.pth"),
    "resnet26d.bt_in1k":                          _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/resnet26d-69e92c46.pth",
        first_conv="conv1.0"),
    "resnet26t.ra2_in1k":                           _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-attn-weights/resnet26t_256_ra2-6f6fa748.pth",
        first_conv="conv1.0", input_size=(3, 256, 256), pool_size=(8, 8),
        crop_pct=0.94, test_input_size=(3, 320, 320), test_crop_pct=1.0),
    "resnet50.a1_in1k":                         _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet50_a1_0-14fe96d1.pth"),
    "resnet50.a1h_in1k":                          _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet50_a1h2_176-001a1197.pth",
        input_size=(3, 176, 176), pool_size=(6, 6), crop_pct=0.9, test_input_size=(3, 224, 224), test_crop_pct=1.0),
    "resnet50.a2_in1k":                         _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet50_a2_0-a2746f79.pth"),
    "resnet50.a3_in1k":                         _r3cfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet50_a3_0-59cae1ef.pth"),
    "resnet50.b1k_in1k":                          _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet50_b1k-532a802a.pth"),
    "resnet50.b2k_in1k":                          _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet50_b2k-1ba180c1.pth"),
    "resnet50.c1_in1k":                         _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet50_c1-5ba5e060.pth"),
    "resnet50.c2_in1k":                         _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet50_c2-d01e05b2.pth"),
    "resnet50.d_in1k":                        _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet50_d-f39db8af.pth"),
    "resnet50.ram_in1k":                          _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-weights/resnet50_ram-a26f946b.pth"),
    "resnet50.am_in1k":                         _tcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-weights/resnet50_am-6c502b37.pth"),
    "resnet50.ra_in1k":                         _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-weights/resnet50_ra-85ebb6e5.pth"),
    "resnet50.bt_in1k":                         _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-weights/rw_resnet50-86acaeed.pth"),
    "resnet50d.ra2_in1k":                           _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/resnet50d_ra2-464e36ba.pth",
        first_conv="conv1.0"),
    "resnet50d.ra4_e3600_r224_in1k":                                      _rcfg(
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        crop_pct=0.95, test_input_size=(3, 288, 288), test_crop_pct=1.0,
        first_conv="conv1.0"),
    "resnet50d.a1_in1k":                          _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet50d_a1_0-e20cff14.pth",
        first_conv="conv1.0"),
    "resnet50d.a2_in1k":                          _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet50d_a2_0-a3adc64d.pth",
        first_conv="conv1.0"),
    "resnet50d.a3_in1k":                          _r3cfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet50d_a3_0-403fdfad.pth",
        first_conv="conv1.0"),
    "resnet101.a1h_in1k":                           _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet101_a1h-36d3f2aa.pth"),
    "resnet101.a1_in1k":                          _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet101_a1_0-cdcb52a9.pth"),
    "resnet101.a2_in1k":                          _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet101_a2_0-6edb36c7.pth"),
    "resnet101.a3_in1k":                          _r3cfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet101_a3_0-1db14157.pth"),
    "resnet101d.ra2_in1k":                            _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/resnet101d_ra2-2803ffab.pth",
        first_conv="conv1.0", input_size=(3, 256, 256), pool_size=(8, 8), crop_pct=0.95,
        test_crop_pct=1.0, test_input_size=(3, 320, 320)),
    "resnet152.a1h_in1k":                           _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet152_a1h-dc400468.pth"),
    "resnet152.a1_in1k":                          _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet152_a1_0-2eee8a7a.pth"),
    "resnet152.a2_in1k":                          _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet152_a2_0-b4c6978f.pth"),
    "resnet152.a3_in1k":                          _r3cfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet152_a3_0-134d4688.pth"),
    "resnet152d.ra2_in1k":                            _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/resnet152d_ra2-5cac0439.pth",
        first_conv="conv1.0", input_size=(3, 256, 256), pool_size=(8, 8), crop_pct=0.95,
        test_crop_pct=1.0, test_input_size=(3, 320, 320)),
    "resnet200d.ra2_in1k":                            _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/resnet200d_ra2-bdba9bf9.pth",
        first_conv="conv1.0", input_size=(3, 256, 256), pool_size=(8, 8), crop_pct=0.95,
        test_crop_pct=1.0, test_input_size=(3, 320, 320)),
    "wide_resnet50_2.racm_in1k":                                  _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/wide_resnet50_racm-8234f177.pth"),
    "resnet18.tv_in1k":                         _cfg(
        hf_hub_id="timm/",
        url="https://download.pytorch.org/models/resnet18-f37072fd.pth",
        license="bsd-3-clause", origin_url="https://github.com/pytorch/vision"),
    "resnet34.tv_in1k":                         _cfg(
        hf_hub_id="timm/",
        url="https://download.pytorch.org/models/resnet34-b627a593.pth",
        license="bsd-3-clause", origin_url="https://github.com/pytorch/vision"),
    "resnet50.tv_in1k":                         _cfg(
        hf_hub_id="timm/",
        url="https://download.pytorch.org/models/resnet50-0676ba61.pth",
        license="bsd-3-clause", origin_url="https://github.com/pytorch/vision"),
    "resnet50.tv2_in1k":                          _cfg(
        hf_hub_id="timm/",
        url="https://download.pytorch.org/models/resnet50-11ad3fa6.pth",
        input_size=(3, 176, 176), pool_size=(6, 6), test_input_size=(3, 224, 224), test_crop_pct=0.965,
        license="bsd-3-clause", origin_url="https://github.com/pytorch/vision"),
    "resnet101.tv_in1k":                          _cfg(
        hf_hub_id="timm/",
        url="https://download.pytorch.org/models/resnet101-63fe2227.pth",
        license="bsd-3-clause", origin_url="https://github.com/pytorch/vision"),
    "resnet101.tv2_in1k":                           _cfg(
        hf_hub_id="timm/",
        url="https://download.pytorch.org/models/resnet101-cd907fc2.pth",
        input_size=(3, 176, 176), pool_size=(6, 6), test_input_size=(3, 224, 224), test_crop_pct=0.965,
        license="bsd-3-clause", origin_url="https://github.com/pytorch/vision"),
    "resnet152.tv_in1k":                          _cfg(
        hf_hub_id="timm/",
        url="https://download.pytorch.org/models/resnet152-394f9c45.pth",
        license="bsd-3-clause", origin_url="https://github.com/pytorch/vision"),
    "resnet152.tv2_in1k":                           _cfg(
        hf_hub_id="timm/",
        url="https://download.pytorch.org/models/resnet152-f82ba261.pth",
        input_size=(3, 176, 176), pool_size=(6, 6), test_input_size=(3, 224, 224), test_crop_pct=0.965,
        license="bsd-3-clause", origin_url="https://github.com/pytorch/vision"),
    "wide_resnet50_2.tv_in1k":                                _cfg(
        hf_hub_id="timm/",
        url="https://download.pytorch.org/models/wide_resnet50_2-95faca4d.pth",
        license="bsd-3-clause", origin_url="https://github.com/pytorch/vision"),
    "wide_resnet50_2.tv2_in1k":                                 _cfg(
        hf_hub_id="timm/",
        url="https://download.pytorch.org/models/wide_resnet50_2-9ba9bcbe.pth",
        input_size=(3, 176, 176), pool_size=(6, 6), test_input_size=(3, 224, 224), test_crop_pct=0.965,
        license="bsd-3-clause", origin_url="https://github.com/pytorch/vision"),
    "wide_resnet101_2.tv_in1k":                                 _cfg(
        hf_hub_id="timm/",
        url="https://download.pytorch.org/models/wide_resnet101_2-32ee1156.pth",
        license="bsd-3-clause", origin_url="https://github.com/pytorch/vision"),
    "wide_resnet101_2.tv2_in1k":                                  _cfg(
        hf_hub_id="timm/",
        url="https://download.pytorch.org/models/wide_resnet101_2-d733dc28.pth",
        input_size=(3, 176, 176), pool_size=(6, 6), test_input_size=(3, 224, 224), test_crop_pct=0.965,
        license="bsd-3-clause", origin_url="https://github.com/pytorch/vision"),
    "resnet50_gn.a1h_in1k":                             _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet50_gn_a1h2-8fe6c4d0.pth",
        crop_pct=0.94),
    "resnext50_32x4d.a1h_in1k":                                 _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rsb-weights/resnext50_32x4d_a1h-0146ab0a.pth"),
    "resnext50_32x4d.a1_in1k":                                _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnext50_32x4d_a1_0-b5a91a1d.pth"),
    "resnext50_32x4d.a2_in1k":                                _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnext50_32x4d_a2_0-efc76add.pth"),
    "resnext50_32x4d.a3_in1k":                                _r3cfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/resnext50_32x4d_a3_0-3e450271.pth"),
    "resnext50_32x4d.ra_in1k":                                _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-weights/resnext50_32x4d_ra-d733960d.pth"),
    "resnext50d_32x4d.bt_in1k":                                 _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/resnext50d_32x4d-103e99f8.pth",
        first_conv="conv1.0"),
    "resnext101_32x4d.untrained": _ttcfg(),
    "resnext101_64x4d.c1_in1k":                                 _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-tpu-weights/resnext101_64x4d_c-0d0e0cc0.pth"),
    "resnet50.bamboo":                        _tcfg(
        hf_hub_id="timm/", num_classes=0, crop_pct=1.0,
        license=None, origin_url="https://github.com/ZhangYuanhan-AI/Bamboo", paper_ids="arXiv:2203.07845"),
    "resnext50_32x4d.tv_in1k":                                _cfg(
        hf_hub_id="timm/",
        url="https://download.pytorch.org/models/resnext50_32x4d-7cdf4587.pth",
        license="bsd-3-clause", origin_url="https://github.com/pytorch/vision"),
    "resnext101_32x8d.tv_in1k":                                 _cfg(
        hf_hub_id="timm/",
        url="https://download.pytorch.org/models/resnext101_32x8d-8ba56ff5.pth",
        license="bsd-3-clause", origin_url="https://github.com/pytorch/vision"),
    "resnext101_64x4d.tv_in1k":                                 _cfg(
        hf_hub_id="timm/",
        url="https://download.pytorch.org/models/resnext101_64x4d-173b62eb.pth",
        license="bsd-3-clause", origin_url="https://github.com/pytorch/vision"),
    "resnext50_32x4d.tv2_in1k":                                 _cfg(
        hf_hub_id="timm/",
        url="https://download.pytorch.org/models/resnext50_32x4d-1a0047aa.pth",
        input_size=(3, 176, 176), pool_size=(6, 6), test_input_size=(3, 224, 224), test_crop_pct=0.965,
        license="bsd-3-clause", origin_url="https://github.com/pytorch/vision"),
    "resnext101_32x8d.tv2_in1k":                                  _cfg(
        hf_hub_id="timm/",
        url="https://download.pytorch.org/models/resnext101_32x8d-110c445d.pth",
        input_size=(3, 176, 176), pool_size=(6, 6), test_input_size=(3, 224, 224), test_crop_pct=0.965,
        license="bsd-3-clause", origin_url="https://github.com/pytorch/vision"),
    "resnext101_32x8d.fb_wsl_ig1b_ft_in1k":                                             _cfg(
        hf_hub_id="timm/",
        url="https://download.pytorch.org/models/ig_resnext101_32x8-c38310e5.pth",
        license="cc-by-nc-4.0", origin_url="https://github.com/facebookresearch/WSL-Images"),
    "resnext101_32x16d.fb_wsl_ig1b_ft_in1k":                                              _cfg(
        hf_hub_id="timm/",
        url="https://download.pytorch.org/models/ig_resnext101_32x16-c6f796b0.pth",
        license="cc-by-nc-4.0", origin_url="https://github.com/facebookresearch/WSL-Images"),
    "resnext101_32x32d.fb_wsl_ig1b_ft_in1k":                                              _cfg(
        hf_hub_id="timm/",
        url="https://download.pytorch.org/models/ig_resnext101_32x32-e4b90b00.pth",
        license="cc-by-nc-4.0", origin_url="https://github.com/facebookresearch/WSL-Images"),
    "resnet18.fb_ssl_yfcc100m_ft_in1k":                                          _cfg(
        hf_hub_id="timm/",
        url="https://dl.fbaipublicfiles.com/semiweaksupervision/model_files/semi_supervised_resnet18-d92f0530.pth",
        license="cc-by-nc-4.0", origin_url="https://github.com/facebookresearch/semi-supervised-ImageNet1K-models"),
    "resnet50.fb_ssl_yfcc100m_ft_in1k":                                          _cfg(
        hf_hub_id="timm/",
        url="https://dl.fbaipublicfiles.com/semiweaksupervision/model_files/semi_supervised_resnet50-08389792.pth",
        license="cc-by-nc-4.0", origin_url="https://github.com/facebookresearch/semi-supervised-ImageNet1K-models"),
    "resnext50_32x4d.fb_ssl_yfcc100m_ft_in1k":                                                _cfg(
        hf_hub_id="timm/",
        url="https://dl.fbaipublicfiles.com/semiweaksupervision/model_files/semi_supervised_resnext50_32x4-ddb3e555.pth",
        license="cc-by-nc-4.0", origin_url="https://github.com/facebookresearch/semi-supervised-ImageNet1K-models"),
    "resnext101_32x4d.fb_ssl_yfcc100m_ft_in1k":                                                 _cfg(
        hf_hub_id="timm/",
        url="https://dl.fbaipublicfiles.com/semiweaksupervision/model_files/semi_supervised_resnext101_32x4-dc43570a.pth",
        license="cc-by-nc-4.0", origin_url="https://github.com/facebookresearch/semi-supervised-ImageNet1K-models"),
    "resnext101_32x8d.fb_ssl_yfcc100m_ft_in1k":                                                 _cfg(
        hf_hub_id="timm/",
        url="https://dl.fbaipublicfiles.com/semiweaksupervision/model_files/semi_supervised_resnext101_32x8-2cfe2f8b.pth",
        license="cc-by-nc-4.0", origin_url="https://github.com/facebookresearch/semi-supervised-ImageNet1K-models"),
    "resnext101_32x16d.fb_ssl_yfcc100m_ft_in1k":                                                  _cfg(
        hf_hub_id="timm/",
        url="https://dl.fbaipublicfiles.com/semiweaksupervision/model_files/semi_supervised_resnext101_32x16-15fffa57.pth",
        license="cc-by-nc-4.0", origin_url="https://github.com/facebookresearch/semi-supervised-ImageNet1K-models"),
    "resnet18.fb_swsl_ig1b_ft_in1k":                                      _cfg(
        hf_hub_id="timm/",
        url="https://dl.fbaipublicfiles.com/semiweaksupervision/model_files/semi_weakly_supervised_resnet18-118f1556.pth",
        license="cc-by-nc-4.0", origin_url="https://github.com/facebookresearch/semi-supervised-ImageNet1K-models"),
    "resnet50.fb_swsl_ig1b_ft_in1k":                                      _cfg(
        hf_hub_id="timm/",
        url="https://dl.fbaipublicfiles.com/semiweaksupervision/model_files/semi_weakly_supervised_resnet50-16a12f1b.pth",
        license="cc-by-nc-4.0", origin_url="https://github.com/facebookresearch/semi-supervised-ImageNet1K-models"),
    "resnext50_32x4d.fb_swsl_ig1b_ft_in1k":                                             _cfg(
        hf_hub_id="timm/",
        url="https://dl.fbaipublicfiles.com/semiweaksupervision/model_files/semi_weakly_supervised_resnext50_32x4-72679e44.pth",
        license="cc-by-nc-4.0", origin_url="https://github.com/facebookresearch/semi-supervised-ImageNet1K-models"),
    "resnext101_32x4d.fb_swsl_ig1b_ft_in1k":                                              _cfg(
        hf_hub_id="timm/",
        url="https://dl.fbaipublicfiles.com/semiweaksupervision/model_files/semi_weakly_supervised_resnext101_32x4-3f87e46b.pth",
        license="cc-by-nc-4.0", origin_url="https://github.com/facebookresearch/semi-supervised-ImageNet1K-models"),
    "resnext101_32x8d.fb_swsl_ig1b_ft_in1k":                                              _cfg(
        hf_hub_id="timm/",
        url="https://dl.fbaipublicfiles.com/semiweaksupervision/model_files/semi_weakly_supervised_resnext101_32x8-b4712904.pth",
        license="cc-by-nc-4.0", origin_url="https://github.com/facebookresearch/semi-supervised-ImageNet1K-models"),
    "resnext101_32x16d.fb_swsl_ig1b_ft_in1k":                                               _cfg(
        hf_hub_id="timm/",
        url="https://dl.fbaipublicfiles.com/semiweaksupervision/model_files/semi_weakly_supervised_resnext101_32x16-f3559a9c.pth",
        license="cc-by-nc-4.0", origin_url="https://github.com/facebookresearch/semi-supervised-ImageNet1K-models"),
    "ecaresnet26t.ra2_in1k":                              _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/ecaresnet26t_ra2-46609757.pth",
        first_conv="conv1.0", input_size=(3, 256, 256), pool_size=(8, 8),
        test_crop_pct=0.95, test_input_size=(3, 320, 320)),
    "ecaresnetlight.miil_in1k":                                 _tcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-tresnet/ecaresnetlight-75a9c627.pth",
        test_crop_pct=0.95, test_input_size=(3, 288, 288)),
    "ecaresnet50d.miil_in1k":                               _tcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-tresnet/ecaresnet50d-93c81e3b.pth",
        first_conv="conv1.0", test_crop_pct=0.95, test_input_size=(3, 288, 288)),
    "ecaresnet50d_pruned.miil_in1k":                                      _tcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-tresnet/ecaresnet50d_p-e4fa23c2.pth",
        first_conv="conv1.0", test_crop_pct=0.95, test_input_size=(3, 288, 288)),
    "ecaresnet50t.ra2_in1k":                              _tcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/ecaresnet50t_ra2-f7ac63c4.pth",
        first_conv="conv1.0", input_size=(3, 256, 256), pool_size=(8, 8),
        test_crop_pct=0.95, test_input_size=(3, 320, 320)),
    "ecaresnet50t.a1_in1k":                             _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/ecaresnet50t_a1_0-99bd76a8.pth",
        first_conv="conv1.0"),
    "ecaresnet50t.a2_in1k":                             _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/ecaresnet50t_a2_0-b1c7b745.pth",
        first_conv="conv1.0"),
    "ecaresnet50t.a3_in1k":                             _r3cfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/ecaresnet50t_a3_0-8cc311f1.pth",
        first_conv="conv1.0"),
    "ecaresnet101d.miil_in1k":                                _tcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-tresnet/ecaresnet101d-153dad65.pth",
        first_conv="conv1.0", test_crop_pct=0.95, test_input_size=(3, 288, 288)),
    "ecaresnet101d_pruned.miil_in1k":                                       _tcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-tresnet/ecaresnet101d_p-9e74cb91.pth",
        first_conv="conv1.0", test_crop_pct=0.95, test_input_size=(3, 288, 288)),
    "ecaresnet269d.ra2_in1k":                               _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/ecaresnet269d_320_ra2-7baa55cb.pth",
        first_conv="conv1.0", input_size=(3, 320, 320), pool_size=(10, 10), crop_pct=0.95,
        test_crop_pct=1.0, test_input_size=(3, 352, 352)),
    "seresnet50.a1_in1k":                           _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/seresnet50_a1_0-ffa00869.pth",
        crop_pct=0.95),
    "seresnet50.a2_in1k":                           _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/seresnet50_a2_0-850de0d9.pth",
        crop_pct=0.95),
    "seresnet50.a3_in1k":                           _r3cfg(
        hf_hub_id="timm/",
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-rsb-weights/seresnet50_a3_0-317ecd56.pth",
        crop_pct=0.95),
    "seresnet50.ra2_in1k":                            _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/seresnet50_ra_224-8efdb4bb.pth"),
    "seresnet152d.ra2_in1k":                              _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/seresnet152d_ra2-04464dd2.pth",
        first_conv="conv1.0", input_size=(3, 256, 256), pool_size=(8, 8), crop_pct=0.95,
        test_crop_pct=1.0, test_input_size=(3, 320, 320)
    ),
    "seresnext26d_32x4d.bt_in1k":                                   _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/seresnext26d_32x4d-80fa48a3.pth",
        first_conv="conv1.0"),
    "seresnext26t_32x4d.bt_in1k":                                   _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/seresnext26tn_32x4d-569cb627.pth",
        first_conv="conv1.0"),
    "seresnext50_32x4d.racm_in1k":                                    _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/seresnext50_32x4d_racm-a304a460.pth"),
    "seresnext101_32x4d.untrained": _ttcfg(),
    "seresnext101_32x8d.ah_in1k":                                   _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-tpu-weights/seresnext101_32x8d_ah-e6bc4c0a.pth"),
    "seresnext101d_32x8d.ah_in1k":                                    _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-tpu-weights/seresnext101d_32x8d_ah-191d7b94.pth",
        first_conv="conv1.0"),
    "resnetaa50d.sw_in12k_ft_in1k":                                     _ttcfg(
        hf_hub_id="timm/",
        first_conv="conv1.0", crop_pct=0.95, test_crop_pct=1.0),
    "resnetaa101d.sw_in12k_ft_in1k":                                      _ttcfg(
        hf_hub_id="timm/",
        first_conv="conv1.0", crop_pct=0.95, test_crop_pct=1.0),
    "seresnextaa101d_32x8d.sw_in12k_ft_in1k_288":                                                   _ttcfg(
        hf_hub_id="timm/",
        crop_pct=0.95, input_size=(3, 288, 288), pool_size=(9, 9), test_input_size=(3, 320, 320), test_crop_pct=1.0,
        first_conv="conv1.0"),
    "seresnextaa101d_32x8d.sw_in12k_ft_in1k":                                               _ttcfg(
        hf_hub_id="timm/",
        first_conv="conv1.0", test_crop_pct=1.0),
    "seresnextaa201d_32x8d.sw_in12k_ft_in1k_384":                                                   _cfg(
        hf_hub_id="timm/",
        interpolation="bicubic", first_conv="conv1.0", pool_size=(12, 12), input_size=(3, 384, 384), crop_pct=1.0),
    "seresnextaa201d_32x8d.sw_in12k":                                       _cfg(
        hf_hub_id="timm/",
        num_classes=11821, interpolation="bicubic", first_conv="conv1.0",
        crop_pct=0.95, input_size=(3, 320, 320), pool_size=(10, 10), test_input_size=(3, 384, 384), test_crop_pct=1.0),
    "resnetaa50d.sw_in12k":                             _ttcfg(
        hf_hub_id="timm/",
        num_classes=11821, first_conv="conv1.0", crop_pct=0.95, test_crop_pct=1.0),
    "resnetaa50d.d_in12k":                            _ttcfg(
        hf_hub_id="timm/",
        num_classes=11821, first_conv="conv1.0", crop_pct=0.95, test_crop_pct=1.0),
    "resnetaa101d.sw_in12k":                              _ttcfg(
        hf_hub_id="timm/",
        num_classes=11821, first_conv="conv1.0", crop_pct=0.95, test_crop_pct=1.0),
    "seresnextaa101d_32x8d.sw_in12k":                                       _ttcfg(
        hf_hub_id="timm/",
        num_classes=11821, first_conv="conv1.0", crop_pct=0.95, test_crop_pct=1.0),
    "resnetblur50.bt_in1k":                             _ttcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/resnetblur50-84f4748f.pth"),
    "resnetaa50.a1h_in1k":                            _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rsb-weights/resnetaa50_a1h-4cf422b3.pth"),
    "seresnextaa101d_32x8d.ah_in1k":                                      _rcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-tpu-weights/seresnextaa101d_32x8d_ah-83c8ae12.pth",
        first_conv="conv1.0"),
    "resnetrs50.tf_in1k":                           _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rs-weights/resnetrs50_ema-6b53758b.pth",
        input_size=(3, 160, 160), pool_size=(5, 5), crop_pct=0.91, test_input_size=(3, 224, 224),
        interpolation="bicubic", first_conv="conv1.0"),
    "resnetrs101.tf_in1k":                            _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rs-weights/resnetrs101_i192_ema-1509bbf6.pth",
        input_size=(3, 192, 192), pool_size=(6, 6), crop_pct=0.94, test_input_size=(3, 288, 288),
        interpolation="bicubic", first_conv="conv1.0"),
    "resnetrs152.tf_in1k":                            _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rs-weights/resnetrs152_i256_ema-a9aff7f9.pth",
        input_size=(3, 256, 256), pool_size=(8, 8), crop_pct=1.0, test_input_size=(3, 320, 320),
        interpolation="bicubic", first_conv="conv1.0"),
    "resnetrs200.tf_in1k":                            _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-tpu-weights/resnetrs200_c-6b698b88.pth",
        input_size=(3, 256, 256), pool_size=(8, 8), crop_pct=1.0, test_input_size=(3, 320, 320),
        interpolation="bicubic", first_conv="conv1.0"),
    "resnetrs270.tf_in1k":                            _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rs-weights/resnetrs270_ema-b40e674c.pth",
        input_size=(3, 256, 256), pool_size=(8, 8), crop_pct=1.0, test_input_size=(3, 352, 352),
        interpolation="bicubic", first_conv="conv1.0"),
    "resnetrs350.tf_in1k":                            _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rs-weights/resnetrs350_i256_ema-5a1aa8f1.pth",
        input_size=(3, 288, 288), pool_size=(9, 9), crop_pct=1.0, test_input_size=(3, 384, 384),
        interpolation="bicubic", first_conv="conv1.0"),
    "resnetrs420.tf_in1k":                            _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rs-weights/resnetrs420_ema-972dee69.pth",
        input_size=(3, 320, 320), pool_size=(10, 10), crop_pct=1.0, test_input_size=(3, 416, 416),
        interpolation="bicubic", first_conv="conv1.0"),
    "resnet18.gluon_in1k":                            _gcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-pretrained-gluonresnet/releases/download/v0.1/gluon_resnet18_v1b-0757602b.pth"),
    "resnet34.gluon_in1k":                            _gcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-pretrained-gluonresnet/releases/download/v0.1/gluon_resnet34_v1b-c6d82d59.pth"),
    "resnet50.gluon_in1k":                            _gcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-pretrained-gluonresnet/releases/download/v0.1/gluon_resnet50_v1b-0ebe02e2.pth"),
    "resnet101.gluon_in1k":                             _gcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-pretrained-gluonresnet/releases/download/v0.1/gluon_resnet101_v1b-3b017079.pth"),
    "resnet152.gluon_in1k":                             _gcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-pretrained-gluonresnet/releases/download/v0.1/gluon_resnet152_v1b-c1edb0dd.pth"),
    "resnet50c.gluon_in1k":                             _gcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-pretrained-gluonresnet/releases/download/v0.1/gluon_resnet50_v1c-48092f55.pth",
        first_conv="conv1.0"),
    "resnet101c.gluon_in1k":                              _gcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-pretrained-gluonresnet/releases/download/v0.1/gluon_resnet101_v1c-1f26822a.pth",
        first_conv="conv1.0"),
    "resnet152c.gluon_in1k":                              _gcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-pretrained-gluonresnet/releases/download/v0.1/gluon_resnet152_v1c-a3bb0b98.pth",
        first_conv="conv1.0"),
    "resnet50d.gluon_in1k":                             _gcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-pretrained-gluonresnet/releases/download/v0.1/gluon_resnet50_v1d-818a1b1b.pth",
        first_conv="conv1.0"),
    "resnet101d.gluon_in1k":                              _gcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-pretrained-gluonresnet/releases/download/v0.1/gluon_resnet101_v1d-0f9c8644.pth",
        first_conv="conv1.0"),
    "resnet152d.gluon_in1k":                              _gcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-pretrained-gluonresnet/releases/download/v0.1/gluon_resnet152_v1d-bd354e12.pth",
        first_conv="conv1.0"),
    "resnet50s.gluon_in1k":                             _gcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-pretrained-gluonresnet/releases/download/v0.1/gluon_resnet50_v1s-1762acc0.pth",
        first_conv="conv1.0"),
    "resnet101s.gluon_in1k":                              _gcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-pretrained-gluonresnet/releases/download/v0.1/gluon_resnet101_v1s-60fe0cc1.pth",
        first_conv="conv1.0"),
    "resnet152s.gluon_in1k":                              _gcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-pretrained-gluonresnet/releases/download/v0.1/gluon_resnet152_v1s-dcc41b81.pth",
        first_conv="conv1.0"),
    "resnext50_32x4d.gluon_in1k":                                   _gcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-pretrained-gluonresnet/releases/download/v0.1/gluon_resnext50_32x4d-e6a097c1.pth"),
    "resnext101_32x4d.gluon_in1k":                                    _gcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-pretrained-gluonresnet/releases/download/v0.1/gluon_resnext101_32x4d-b253c8c4.pth"),
    "resnext101_64x4d.gluon_in1k":                                    _gcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-pretrained-gluonresnet/releases/download/v0.1/gluon_resnext101_64x4d-f9a8e184.pth"),
    "seresnext50_32x4d.gluon_in1k":                                     _gcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-pretrained-gluonresnet/releases/download/v0.1/gluon_seresnext50_32x4d-90cf2d6e.pth"),
    "seresnext101_32x4d.gluon_in1k":                                      _gcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-pretrained-gluonresnet/releases/download/v0.1/gluon_seresnext101_32x4d-cf52900d.pth"),
    "seresnext101_64x4d.gluon_in1k":                                      _gcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-pretrained-gluonresnet/releases/download/v0.1/gluon_seresnext101_64x4d-f9926f93.pth"),
    "senet154.gluon_in1k":                            _gcfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-pretrained-gluonresnet/releases/download/v0.1/gluon_senet154-70a1a3c0.pth",
        first_conv="conv1.0"),
    "test_resnet.r160_in1k":                              _cfg(
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), crop_pct=0.95,
        input_size=(3, 160, 160), pool_size=(5, 5), first_conv="conv1.0"),
})


def _stem(x, cfg: ResNetCfg, in_chans: int, fmt: dict):
    """timm's stem: `conv1` (a 7x7/2 conv, or the deep 3x3 stack `conv1.0..6`), `bn1`, `act1`, then
    `maxpool` (a 3x3/2 max pool, the anti-aliased pools, or ResNet-RS's strided conv). Returns the
    map after the pool and the `act1` feature map."""
    conv_init = dict(use_bias=False, padding="valid", kernel_initializer=kaiming_normal_fan_out(), **fmt)
    deep = "deep" in cfg.stem_type
    inplanes = cfg.stem_width * 2 if deep else 64
    if deep:
        chs = (3 * (cfg.stem_width // 4), cfg.stem_width) if "tiered" in cfg.stem_type else (cfg.stem_width,) * 2
        x = keras.layers.ZeroPadding2D(1, name="conv1__0_pad", **fmt)(x)
        x = keras.layers.Conv2D(chs[0], 3, strides=2, name="conv1__0", **conv_init)(x)
        x = create_norm(cfg.norm_layer, "conv1__1", fmt["data_format"])(x)
        x = keras.layers.ReLU(name="conv1__2", **_dtype(fmt))(x)
        x = keras.layers.ZeroPadding2D(1, name="conv1__3_pad", **fmt)(x)
        x = keras.layers.Conv2D(chs[1], 3, name="conv1__3", **conv_init)(x)
        x = create_norm(cfg.norm_layer, "conv1__4", fmt["data_format"])(x)
        x = keras.layers.ReLU(name="conv1__5", **_dtype(fmt))(x)
        x = keras.layers.ZeroPadding2D(1, name="conv1__6_pad", **fmt)(x)
        x = keras.layers.Conv2D(inplanes, 3, name="conv1__6", **conv_init)(x)
    else:
        x = keras.layers.ZeroPadding2D(3, name="conv1_pad", **fmt)(x)
        x = keras.layers.Conv2D(inplanes, 7, strides=2, name="conv1", **conv_init)(x)
    x = create_norm(cfg.norm_layer, "bn1", fmt["data_format"])(x)
    x = keras.layers.ReLU(name="act1", **_dtype(fmt))(x)
    feature = FeatureMap(x, inplanes, 2, "act1")

    # Every pool below follows a ReLU, so zero padding equals PyTorch's -inf padding of max pools.
    if cfg.replace_stem_pool:
        if cfg.aa_layer is not None:
            raise ValueError("replace_stem_pool with an anti-aliasing layer is not ported (no timm weights use it).")
        x = keras.layers.ZeroPadding2D(1, name="maxpool__0_pad", **fmt)(x)
        x = keras.layers.Conv2D(inplanes, 3, strides=2, name="maxpool__0", **conv_init)(x)
        x = create_norm(cfg.norm_layer, "maxpool__1", fmt["data_format"])(x)
        x = keras.layers.ReLU(name="maxpool__2", **_dtype(fmt))(x)
    elif cfg.aa_layer == "avg":
        x = keras.layers.AveragePooling2D(2, strides=2, padding="valid", name="maxpool", **fmt)(x)
    elif cfg.aa_layer == "blur":
        x = keras.layers.ZeroPadding2D(1, name="maxpool__0_pad", **fmt)(x)
        x = keras.layers.MaxPooling2D(3, strides=1, padding="valid", name="maxpool__0", **fmt)(x)
        x = BlurPool2D(stride=2, name="maxpool__1", **fmt)(x)
    else:
        x = keras.layers.ZeroPadding2D(1, name="maxpool_pad", **fmt)(x)
        x = keras.layers.MaxPooling2D(3, strides=2, padding="valid", name="maxpool", **fmt)(x)
    return x, inplanes, feature


def _dtype(fmt: dict) -> dict:
    return {k: v for k, v in fmt.items() if k != "data_format"}


def _create_resnet(variant: str, args: BuildArgs) -> ModelGraph:
    """timm's `variant` (a key of `model_cfgs`): NHWC images of any size (or `img_size`) in, logits out
    (pooled features when `num_classes=0`). The feature maps are `act1` and `layer1`..`layer4`, as
    timm's `feature_info`."""
    cfg = model_cfgs[variant]
    fmt = {"data_format": "channels_last"}
    inputs = model_input(args.in_chans, args.img_size)
    x, inplanes, stem_feature = _stem(inputs, cfg, args.in_chans, fmt)
    features = [stem_feature]

    blocks = (cfg.block,) * len(cfg.channels) if isinstance(cfg.block, str) else cfg.block
    pruned = PRUNED_WIDTHS.get(variant)
    net_num_blocks = sum(cfg.layers)
    net_block_idx = 0
    net_stride, dilation = 4, 1
    for stage_idx, (block, planes, depth) in enumerate(zip(blocks, cfg.channels, cfg.layers)):
        block_cls = BLOCKS[block]
        attn_kwargs = dict(cfg.attn_kwargs)
        # timm's `make_blocks`: past `output_stride`, a stage dilates instead of striding.
        stride, prev_dilation = 1 if stage_idx == 0 else 2, dilation
        if net_stride >= args.output_stride:
            dilation, stride = dilation * stride, 1
        else:
            net_stride *= stride
        for block_idx in range(depth):
            name = f"layer{stage_idx + 1}.{block_idx}"
            widths = None
            if pruned is not None:
                widths, eca_k = pruned[name]
                attn_kwargs = dict(cfg.attn_kwargs, kernel_size=eca_k)
            # timm's stochastic-depth linear decay rule, in Python floats as timm computes it.
            dpr = args.drop_path_rate * net_block_idx / (net_num_blocks - 1) if net_num_blocks > 1 else 0.0
            x = block_cls(
                planes,
                strides=stride if block_idx == 0 else 1,
                dilation=dilation,
                first_dilation=prev_dilation if block_idx == 0 else dilation,
                avg_down=cfg.avg_down,
                down_kernel_size=cfg.down_kernel_size,
                cardinality=cfg.cardinality,
                base_width=cfg.base_width,
                reduce_first=cfg.block_reduce_first,
                attn_layer=cfg.attn_layer,
                attn_kwargs=attn_kwargs,
                aa_layer=cfg.aa_layer,
                norm_layer=cfg.norm_layer,
                widths=widths,
                drop_path_rate=dpr,
                name=name.replace(".", "__"),
                **fmt,
            )(x)
            net_block_idx += 1
        inplanes = x.shape[-1]
        features.append(FeatureMap(x, inplanes, net_stride, f"layer{stage_idx + 1}"))

    x = keras.layers.GlobalAveragePooling2D(name="global_pool", **fmt)(x)
    if args.num_classes:
        # PyTorch's nn.Linear default init (timm's ResNet re-initializes only the convs).
        bound = 1.0 / math.sqrt(inplanes)
        x = keras.layers.Dense(
            args.num_classes,
            kernel_initializer=keras.initializers.RandomUniform(-bound, bound),
            bias_initializer=keras.initializers.RandomUniform(-bound, bound),
            name="fc",
        )(x)
    return ModelGraph(inputs, x, features)


# The widths of timm's pruned models (timm/models/_pruned/*.txt, which timm applies to the built model):
# per block, the outputs of conv1, conv2 and conv3, and the ECA kernel size (from the unpruned width).
PRUNED_WIDTHS: dict[str, dict[str, tuple[tuple[int, ...], int]]] = {
    "ecaresnet50d_pruned": {
        "layer1.0": ((47, 18, 19), 5), "layer1.1": ((52, 22, 19), 5), "layer1.2": ((64, 35, 19), 5),
        "layer2.0": ((85, 37, 171), 5), "layer2.1": ((107, 80, 171), 5), "layer2.2": ((120, 85, 171), 5),
        "layer2.3": ((125, 87, 171), 5), "layer3.0": ((198, 126, 818), 5), "layer3.1": ((255, 232, 818), 5),
        "layer3.2": ((256, 233, 818), 5), "layer3.3": ((253, 235, 818), 5), "layer3.4": ((256, 225, 818), 5),
        "layer3.5": ((256, 239, 818), 5), "layer4.0": ((492, 237, 2022), 7), "layer4.1": ((512, 500, 2022), 7),
        "layer4.2": ((512, 490, 2022), 7),
    },
    "ecaresnet101d_pruned": {
        "layer1.0": ((45, 25, 26), 5), "layer1.1": ((53, 20, 26), 5), "layer1.2": ((60, 27, 26), 5),
        "layer2.0": ((81, 24, 142), 5), "layer2.1": ((93, 49, 142), 5), "layer2.2": ((102, 54, 142), 5),
        "layer2.3": ((122, 78, 142), 5), "layer3.0": ((101, 25, 278), 5), "layer3.1": ((239, 160, 278), 5),
        "layer3.2": ((234, 156, 278), 5), "layer3.3": ((250, 176, 278), 5), "layer3.4": ((253, 191, 278), 5),
        "layer3.5": ((251, 175, 278), 5), "layer3.6": ((230, 128, 278), 5), "layer3.7": ((244, 154, 278), 5),
        "layer3.8": ((244, 159, 278), 5), "layer3.9": ((238, 97, 278), 5), "layer3.10": ((244, 149, 278), 5),
        "layer3.11": ((253, 181, 278), 5), "layer3.12": ((245, 119, 278), 5), "layer3.13": ((255, 216, 278), 5),
        "layer3.14": ((256, 201, 278), 5), "layer3.15": ((253, 149, 278), 5), "layer3.16": ((254, 141, 278), 5),
        "layer3.17": ((256, 190, 278), 5), "layer3.18": ((256, 217, 278), 5), "layer3.19": ((255, 156, 278), 5),
        "layer3.20": ((256, 155, 278), 5), "layer3.21": ((256, 232, 278), 5), "layer3.22": ((256, 214, 278), 5),
        "layer4.0": ((499, 289, 2042), 7), "layer4.1": ((512, 512, 2042), 7), "layer4.2": ((512, 502, 2042), 7),
    },
}


register_family(
    model_cfgs, _create_resnet, default_cfgs, None, feature_out_indices=(0, 1, 2, 3, 4), output_strides=(8, 16, 32)
)
