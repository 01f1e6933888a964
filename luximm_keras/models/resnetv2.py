"""ResNet-V2 with BiT's weight-standardized convs and group norms, as functional Keras models: the
pre-activation bottleneck, the architecture table, the pretrained configs and the builder (timm has
no checkpoint filter for these models).

Layer names are timm's module paths with `__` for `.` (`stem__conv`, `stages__0__blocks__0`,
`norm`, `head__fc`), so `load_timm_weights(model, timm_model.state_dict())` loads every key.

Reference: timm/models/resnetv2.py
"""

from __future__ import annotations

from dataclasses import dataclass

import keras

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.data.constants import IMAGENET_INCEPTION_MEAN, IMAGENET_INCEPTION_STD
from luximm_keras.initializers import normal_init
from luximm_keras.layers import helpers
from luximm_keras.layers.drop import DropPath, calculate_drop_path_rates
from luximm_keras.layers.norm_act import GroupNormAct
from luximm_keras.layers.std_conv import StdConv2D
from luximm_keras.models._builder import BuildArgs, FeatureMap, ModelGraph, model_input
from luximm_keras.models._pretrained import generate_default_cfgs
from luximm_keras.models._registry import register_family


@serializable
class PreActBottleneck(keras.layers.Layer):
    """`x' = norm1(x)`; `shortcut(x') or x + conv3(norm3(conv2(norm2(conv1(x')))))`.

    Every conv is a weight-standardized `StdConv2D` (no bias) and every norm a `GroupNormAct`
    (group norm then ReLU), as timm's BiT. The stride sits on the 3x3 `conv2` (symmetric padding 1).
    The projection shortcut is a strided 1x1 `StdConv2D` on the *pre-activated* input, named
    `downsample__conv` so that it loads timm's `downsample.conv.weight`. Sublayers carry timm's names
    (`norm1`, `conv1`, `norm2`, `conv2`, `norm3`, `conv3`).

    Args:
        filters: output channels.
        bottle_ratio: the bottleneck width is `make_divisible(filters * bottle_ratio)` (timm's rounding
            to a multiple of 8).
        strides: stride of `conv2` and of the shortcut projection.
        groups: groups of `conv2`.
        downsample: whether the block has a projection shortcut; None means "when the input width
            differs from `filters` or `strides` is not 1" (timm gives one to the first block of every
            stage, which that rule reproduces for ResNet-V2).
        norm_groups: groups of every group norm (32 in BiT).
        epsilon: epsilon of every group norm (1e-5).
        conv_epsilon: epsilon of the weight standardization (BiT's 1e-8).
        activation: activation of every norm (ReLU).
        drop_path_rate: stochastic-depth rate of the residual branch.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> PreActBottleneck(256)(keras.ops.ones((2, 56, 56, 64))).shape
        (2, 56, 56, 256)

    Reference: timm/models/resnetv2.py `PreActBottleneck`.
    """

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
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(filters) < 1:
            raise ValueError(f"`filters` must be a positive int, got {filters!r}.")
        if int(strides) < 1:
            raise ValueError(f"`strides` must be a positive int, got {strides!r}.")
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
        self.mid_channels = helpers.make_divisible(self.filters * self.bottle_ratio)
        self.input_spec = keras.layers.InputSpec(ndim=4)

        conv = self._conv_kwargs()
        norm = dict(
            groups=self.norm_groups,
            epsilon=self.epsilon,
            activation=self.activation,
            data_format=self.data_format,
            dtype=self.dtype_policy,
        )
        self.norm1 = GroupNormAct(name="norm1", **norm)
        self.conv1 = StdConv2D(self.mid_channels, 1, name="conv1", **conv)
        self.norm2 = GroupNormAct(name="norm2", **norm)
        self.conv2 = StdConv2D(
            self.mid_channels, 3, strides=self.strides, padding=None, groups=self.groups, name="conv2", **conv
        )
        self.norm3 = GroupNormAct(name="norm3", **norm)
        self.conv3 = StdConv2D(self.filters, 1, name="conv3", **conv)
        self.drop_path = DropPath(self.drop_path_rate, name="drop_path", dtype=self.dtype_policy)
        self.downsample_conv = None

    def _conv_kwargs(self) -> dict:
        return dict(use_bias=False, epsilon=self.conv_epsilon, data_format=self.data_format, dtype=self.dtype_policy)

    def _has_downsample(self, channels: int) -> bool:
        if self.downsample is not None:
            return self.downsample
        return channels != self.filters or self.strides != 1

    def build(self, input_shape):
        axis = helpers.channel_axis(self.data_format)
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        if not self._has_downsample(channels) and channels != self.filters:
            raise ValueError(
                f"{self.name}: without a projection shortcut the input width ({channels}) must equal "
                f"`filters` ({self.filters})."
            )
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: channels})
        if self._has_downsample(channels):
            self.downsample_conv = StdConv2D(
                self.filters, 1, strides=self.strides, name="downsample__conv", **self._conv_kwargs()
            )
            self.downsample_conv.build(input_shape)
        self.norm1.build(input_shape)
        self.conv1.build(input_shape)
        shape = self.conv1.compute_output_shape(input_shape)
        self.norm2.build(shape)
        self.conv2.build(shape)
        shape = self.conv2.compute_output_shape(shape)
        self.norm3.build(shape)
        self.conv3.build(shape)

    def call(self, inputs, training=None):
        x_preact = self.norm1(inputs)
        shortcut = inputs if self.downsample_conv is None else self.downsample_conv(x_preact)
        x = self.conv1(x_preact)
        x = self.conv2(self.norm2(x))
        x = self.conv3(self.norm3(x))
        return backend_ops.call_layer(self.drop_path, x, training) + shortcut

    def compute_output_shape(self, input_shape):
        shape = list(self.conv2.compute_output_shape(tuple(input_shape)))
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
            }
        )
        return config


@dataclass(frozen=True)
class ResNetV2Cfg:
    """One ResNet-V2 variant, as timm's `ResNetV2(...)` arguments.

    BiT's fixed choices are constants of the family: the "fixed" stem (7x7 stride-2 `StdConv2D`, a
    1-pixel zero pad, a 3x3 stride-2 max pool without padding), pre-activation bottlenecks, output
    stride 32, ReLU, average pooling, and a 1x1-conv classifier.
    """

    depths: tuple[int, ...]
    width_factor: int = 1
    channels: tuple[int, ...] = (256, 512, 1024, 2048)
    stem_channels: int = 64
    bottle_ratio: float = 0.25
    norm_groups: int = 32  # GroupNormAct(num_groups=32)
    norm_epsilon: float = 1e-5  # GroupNormAct's eps
    conv_epsilon: float = 1e-8  # the StdConv2d eps that `_create_resnetv2_bit` passes


model_cfgs: dict[str, ResNetV2Cfg] = {
    "resnetv2_50x1_bit": ResNetV2Cfg(depths=(3, 4, 6, 3), width_factor=1),
    "resnetv2_50x3_bit": ResNetV2Cfg(depths=(3, 4, 6, 3), width_factor=3),
    "resnetv2_101x1_bit": ResNetV2Cfg(depths=(3, 4, 23, 3), width_factor=1),
    "resnetv2_101x3_bit": ResNetV2Cfg(depths=(3, 4, 23, 3), width_factor=3),
    "resnetv2_152x2_bit": ResNetV2Cfg(depths=(3, 8, 36, 3), width_factor=2),
    "resnetv2_152x4_bit": ResNetV2Cfg(depths=(3, 8, 36, 3), width_factor=4),
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
})


def _create_resnetv2(variant: str, args: BuildArgs) -> ModelGraph:
    """timm's `variant` (a key of `model_cfgs`): NHWC images of any size (or `img_size`) in, logits out
    (pooled features when `num_classes=0`). The feature maps are the stem conv's output and the
    stages' outputs (before the final pre-activation norm), as timm's `feature_info`."""
    cfg = model_cfgs[variant]
    fmt = dict(data_format="channels_last")
    wf = cfg.width_factor
    stem_chs = helpers.make_divisible(cfg.stem_channels * wf)

    inputs = model_input(args.in_chans, args.img_size)
    x = StdConv2D(stem_chs, 7, strides=2, padding=None, epsilon=cfg.conv_epsilon, name="stem__conv", **fmt)(inputs)
    features = [FeatureMap(x, stem_chs, 2, "stem.conv")]
    # BiT's "fixed" stem: nn.ConstantPad2d(1, 0.) then nn.MaxPool2d(3, stride=2, padding=0).
    x = keras.layers.ZeroPadding2D(1, name="stem__pad", **fmt)(x)
    x = keras.layers.MaxPooling2D(3, strides=2, padding="valid", name="stem__pool", **fmt)(x)

    rates = calculate_drop_path_rates(args.drop_path_rate, cfg.depths, stagewise=True)
    for stage_idx, (depth, channels) in enumerate(zip(cfg.depths, cfg.channels)):
        filters = helpers.make_divisible(channels * wf)
        for block_idx in range(depth):
            x = PreActBottleneck(
                filters,
                bottle_ratio=cfg.bottle_ratio,
                strides=(1 if stage_idx == 0 else 2) if block_idx == 0 else 1,
                downsample=block_idx == 0,
                norm_groups=cfg.norm_groups,
                epsilon=cfg.norm_epsilon,
                conv_epsilon=cfg.conv_epsilon,
                drop_path_rate=rates[stage_idx][block_idx],
                name=f"stages__{stage_idx}__blocks__{block_idx}",
                **fmt,
            )(x)
        features.append(FeatureMap(x, filters, 4 * 2**stage_idx, f"stages.{stage_idx}"))
    x = GroupNormAct(cfg.norm_groups, epsilon=cfg.norm_epsilon, activation="relu", name="norm", **fmt)(x)
    # timm's ClassifierHead(use_conv=True): pool keeping 1x1, a 1x1 conv, then flatten.
    x = keras.layers.GlobalAveragePooling2D(keepdims=True, name="head__global_pool", **fmt)(x)
    if args.num_classes:
        x = keras.layers.Conv2D(args.num_classes, 1, kernel_initializer=normal_init(0.01), name="head__fc", **fmt)(x)
    outputs = keras.layers.Flatten(name="head__flatten", **fmt)(x)
    return ModelGraph(inputs, outputs, features)


register_family(model_cfgs, _create_resnetv2, default_cfgs, None, feature_out_indices=(0, 1, 2, 3, 4))
