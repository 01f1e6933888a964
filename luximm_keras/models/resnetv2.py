"""ResNet-V2 with BiT's weight-standardized convs and group norms, as functional Keras models.

Layer names are timm's module paths with `__` for `.` (`stem__conv`, `stages__0__blocks__0`,
`norm`, `head__fc`), so `load_timm_weights(model, timm_model.state_dict())` loads every key.

Reference: timm/models/resnetv2.py (`ResNetV2`, `create_resnetv2_stem`, `ResNetStage`,
`_create_resnetv2_bit`)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import functools

import keras
import numpy as np

from luximm_keras.initializers import normal_init
from luximm_keras.layers import helpers
from luximm_keras.layers.group_norm_act import GroupNormAct
from luximm_keras.layers.preact_bottleneck import PreActBottleneck
from luximm_keras.layers.std_conv import StdConv2D
from luximm_keras.models.pretrained import adapt_to_model
from luximm_keras.models.registry import register_model

DEFAULT_IMG_SIZE = 224
FIRST_CONV = "stem.conv"  # timm's pretrained_cfg["first_conv"]
CLASSIFIER = "head.fc"  # timm's pretrained_cfg["classifier"]


@dataclass(frozen=True)
class ResNetV2Config:
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
    norm_eps: float = 1e-5  # GroupNormAct's eps
    conv_eps: float = 1e-8  # StdConv2d eps that `_create_resnetv2_bit` passes


CONFIGS: dict[str, ResNetV2Config] = {
    "resnetv2_50x1_bit": ResNetV2Config(depths=(3, 4, 6, 3), width_factor=1),
    "resnetv2_50x3_bit": ResNetV2Config(depths=(3, 4, 6, 3), width_factor=3),
    "resnetv2_101x1_bit": ResNetV2Config(depths=(3, 4, 23, 3), width_factor=1),
    "resnetv2_101x3_bit": ResNetV2Config(depths=(3, 4, 23, 3), width_factor=3),
    "resnetv2_152x2_bit": ResNetV2Config(depths=(3, 8, 36, 3), width_factor=2),
    "resnetv2_152x4_bit": ResNetV2Config(depths=(3, 8, 36, 3), width_factor=4),
}


def _stagewise_drop_path_rates(drop_path_rate: float, depths) -> list[list[float]]:
    """timm's `calculate_drop_path_rates(rate, depths, stagewise=True)`: a linear ramp over all blocks,
    split per stage."""
    rates = np.linspace(0.0, drop_path_rate, sum(depths)).tolist()
    out, start = [], 0
    for depth in depths:
        out.append(rates[start : start + depth])
        start += depth
    return out


def _image_size(img_size) -> tuple[int, int]:
    return helpers.to_pair(DEFAULT_IMG_SIZE if img_size is None else img_size, "img_size")


def build_resnetv2(
    name: str,
    config: ResNetV2Config,
    *,
    num_classes: int = 1000,
    in_chans: int = 3,
    img_size: int | tuple[int, int] | None = None,
    drop_path_rate: float = 0.0,
) -> keras.Model:
    """A functional ResNet-V2 (BiT) taking NHWC images, giving logits, or pooled features when
    `num_classes=0`. The network is fully convolutional; `img_size` (default 224) fixes the input
    shape only."""
    height, width = _image_size(img_size)
    fmt = dict(data_format="channels_last")
    wf = config.width_factor
    stem_chs = helpers.se_make_divisible(config.stem_channels * wf)  # timm's make_divisible

    inputs = keras.Input((height, width, in_chans), name="image")
    x = StdConv2D(stem_chs, 7, strides=2, padding=None, eps=config.conv_eps, name="stem__conv", **fmt)(inputs)
    # BiT's "fixed" stem: nn.ConstantPad2d(1, 0.) then nn.MaxPool2d(3, stride=2, padding=0).
    x = keras.layers.ZeroPadding2D(1, name="stem__pad", **fmt)(x)
    x = keras.layers.MaxPooling2D(3, strides=2, padding="valid", name="stem__pool", **fmt)(x)

    dprs = _stagewise_drop_path_rates(drop_path_rate, config.depths)
    for stage_idx, (depth, channels) in enumerate(zip(config.depths, config.channels)):
        filters = helpers.se_make_divisible(channels * wf)
        for block_idx in range(depth):
            x = PreActBottleneck(
                filters,
                bottle_ratio=config.bottle_ratio,
                strides=(1 if stage_idx == 0 else 2) if block_idx == 0 else 1,
                downsample=block_idx == 0,
                norm_groups=config.norm_groups,
                epsilon=config.norm_eps,
                conv_eps=config.conv_eps,
                drop_path=dprs[stage_idx][block_idx],
                name=f"stages__{stage_idx}__blocks__{block_idx}",
                **fmt,
            )(x)
    x = GroupNormAct(config.norm_groups, epsilon=config.norm_eps, activation="relu", name="norm", **fmt)(x)
    # timm's ClassifierHead(use_conv=True): pool keeping 1x1, a 1x1 conv, then flatten.
    x = keras.layers.GlobalAveragePooling2D(keepdims=True, name="head__global_pool", **fmt)(x)
    if num_classes:
        x = keras.layers.Conv2D(
            num_classes, 1, kernel_initializer=normal_init(0.01), name="head__fc", **fmt
        )(x)
    outputs = keras.layers.Flatten(name="head__flatten", **fmt)(x)
    return keras.Model(inputs, outputs, name=name)


def checkpoint_filter(state: Mapping[str, np.ndarray], model: keras.Model) -> dict[str, np.ndarray]:
    """What timm's `load_pretrained` does to a ResNet-V2 checkpoint for `model` (timm has no
    family-specific `checkpoint_filter_fn` for ResNet-V2):

    - the first conv (`stem.conv`, timm's `first_conv`) is adapted with `adapt_input_conv` when the
      model's input channels differ from the checkpoint's 3;
    - the classifier (`head.fc.*`) is dropped when the model has no classifier (`num_classes=0`) or one
      of another width; a new classifier then stays at its initial values (load with `strict=False`).
    """
    return adapt_to_model(dict(state), model, first_conv=FIRST_CONV, classifier=CLASSIFIER)


for _name in CONFIGS:
    register_model(_name, functools.partial(build_resnetv2, _name, CONFIGS[_name]), checkpoint_filter)
