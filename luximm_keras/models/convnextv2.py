"""ConvNeXt-V2 as functional Keras models that load timm's state dicts.

Layer names are timm's module paths with `__` for `.`: `stem__0` (4x4 stride-4 conv), `stem__1`
(LayerNorm2d), `stages__1__downsample__0`/`__1` (LayerNorm2d, 2x2 stride-2 conv), the blocks
`stages__0__blocks__2`, and the head `head__global_pool`, `head__norm`, `head__fc` (timm's
`NormMlpClassifierHead`: average pool, then LayerNorm, then the classifier).

Reference: timm/models/convnext.py
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import keras
import numpy as np

from luximm_keras.interop import identity, read_checkpoint, register_rule
from luximm_keras.layers import helpers
from luximm_keras.layers.convnext_block import ConvNeXtBlock
from luximm_keras.layers.layernorm2d import LayerNorm2D
from luximm_keras.models.registry import register_model
from luximm_keras.models.pretrained import adapt_to_model


@dataclass(frozen=True)
class ConvNeXtV2Config:
    """The arguments timm's `convnextv2_*` constructors give `ConvNeXt` (besides `use_grn=True`,
    `ls_init_value=None`); `conv_mlp` decides whether the blocks' MLPs take 1x1-conv or linear weights."""

    depths: tuple[int, int, int, int]
    dims: tuple[int, int, int, int]
    conv_mlp: bool = False


CONVNEXTV2_CONFIGS: dict[str, ConvNeXtV2Config] = {
    "convnextv2_atto": ConvNeXtV2Config(depths=(2, 2, 6, 2), dims=(40, 80, 160, 320), conv_mlp=True),
    "convnextv2_nano": ConvNeXtV2Config(depths=(2, 2, 8, 2), dims=(80, 160, 320, 640), conv_mlp=True),
    "convnextv2_tiny": ConvNeXtV2Config(depths=(3, 3, 9, 3), dims=(96, 192, 384, 768)),
}

# timm's pretrained_cfg["input_size"], the default; any size works, the weights do not depend on it.
PRETRAINED_IMG_SIZE = 224
PATCH_SIZE = 4  # the stem
EPSILON = 1e-6  # timm's LayerNorm2d and LayerNorm


def convnextv2(
    name: str,
    num_classes: int = 1000,
    in_chans: int = 3,
    img_size: int | tuple[int, int] | None = None,
    drop_path_rate: float = 0.0,
) -> keras.Model:
    """timm's `name` (a key of `CONVNEXTV2_CONFIGS`) as a functional model: NHWC images in, logits out
    (the pooled, normalized features when `num_classes=0`). `drop_path_rate` is the stochastic depth
    of the last block, rising linearly over all blocks from 0 at the first (timm's rule)."""
    cfg = CONVNEXTV2_CONFIGS[name]
    rates = iter(np.linspace(0.0, drop_path_rate, sum(cfg.depths)).tolist())
    rows, cols = helpers.to_pair(PRETRAINED_IMG_SIZE if img_size is None else img_size, "img_size")
    inputs = keras.Input((rows, cols, in_chans), name="images")
    x = keras.layers.Conv2D(cfg.dims[0], PATCH_SIZE, strides=PATCH_SIZE, name="stem__0")(inputs)
    x = LayerNorm2D(epsilon=EPSILON, name="stem__1")(x)
    for i, (depth, dim) in enumerate(zip(cfg.depths, cfg.dims)):
        if i > 0:
            x = LayerNorm2D(epsilon=EPSILON, name=f"stages__{i}__downsample__0")(x)
            x = keras.layers.Conv2D(dim, 2, strides=2, name=f"stages__{i}__downsample__1")(x)
        for j in range(depth):
            x = ConvNeXtBlock(
                dim,
                conv_mlp=cfg.conv_mlp,
                use_grn=True,
                ls_init_value=None,
                epsilon=EPSILON,
                drop_path=next(rates),
                name=f"stages__{i}__blocks__{j}",
            )(x)
    x = keras.layers.GlobalAveragePooling2D(name="head__global_pool")(x)
    x = keras.layers.LayerNormalization(epsilon=EPSILON, name="head__norm")(x)
    if num_classes:
        x = keras.layers.Dense(num_classes, name="head__fc")(x)
    return keras.Model(inputs, x, name=name)


def checkpoint_filter_fn(state: Mapping[str, np.ndarray], model: keras.Model) -> dict[str, np.ndarray]:
    """A timm ConvNeXt-V2 state dict (or checkpoint path) made to fit `model`, as timm's
    `load_pretrained` does: the stem conv adapted to the model's `in_chans` and a classifier of another
    width dropped (see `luximm_keras.models.pretrained.adapt_to_model`). The image size needs nothing.

    The original Facebook checkpoints' names (`downsample_layers.*`, `pwconv1`, ...), which timm's
    `checkpoint_filter_fn` renames, are not converted: use timm's own checkpoints.
    """
    state = dict(read_checkpoint(state).items())
    return adapt_to_model(state, model, first_conv="stem.0", classifier="head.fc")


register_rule(ConvNeXtBlock, {"gamma": ("gamma", identity)})

for _name in CONVNEXTV2_CONFIGS:
    register_model(_name, functools.partial(convnextv2, _name), checkpoint_filter_fn)
