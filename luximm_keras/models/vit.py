"""Vision Transformers (ViT) as functional Keras models that load timm's state dicts.

Layer names are timm's module paths with `__` for `.` (`patch_embed`, `blocks__0`, `norm`, `head`);
the class token and position embeddings live in a pathless `ClassTokenPosEmbed`, so they load from
timm's bare `cls_token` and `pos_embed`.

Reference: timm/models/vision_transformer.py
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass

import keras
import numpy as np

from luximm_keras.interop import identity, read_checkpoint, register_rule
from luximm_keras.layers import helpers
from luximm_keras.layers.class_token_pos_embed import ClassTokenPosEmbed
from luximm_keras.layers.patch_embed import PatchEmbed
from luximm_keras.layers.vit_block import ViTBlock
from luximm_keras.models.pretrained import adapt_to_model
from luximm_keras.models.registry import register_model


@dataclass(frozen=True)
class ViTConfig:
    """The arguments timm's `vit_*` constructors give `VisionTransformer`; the rest are its defaults
    (class token, position embedding over it, `global_pool="token"`, final norm, no fc_norm)."""

    patch_size: int
    embed_dim: int
    depth: int
    num_heads: int
    mlp_ratio: float = 4.0


VIT_CONFIGS: dict[str, ViTConfig] = {
    "vit_tiny_patch16_224": ViTConfig(patch_size=16, embed_dim=192, depth=12, num_heads=3),
    "vit_small_patch16_224": ViTConfig(patch_size=16, embed_dim=384, depth=12, num_heads=6),
    "vit_base_patch16_224": ViTConfig(patch_size=16, embed_dim=768, depth=12, num_heads=12),
}

# timm's pretrained_cfg["input_size"] of these models: what their checkpoints were made for.
PRETRAINED_IMG_SIZE = 224
EPSILON = 1e-6  # timm's LayerNorm


def vision_transformer(
    name: str,
    num_classes: int = 1000,
    in_chans: int = 3,
    img_size: int | tuple[int, int] | None = None,
    drop_path_rate: float = 0.0,
) -> keras.Model:
    """timm's `name` (a key of `VIT_CONFIGS`) as a functional model: NHWC images in, logits out
    (the class token after the final norm when `num_classes=0`). `drop_path_rate` is the stochastic
    depth of the last block, rising linearly from 0 at the first (timm's rule).

    Raises:
        ValueError: `img_size` is not divisible by the patch size.
    """
    cfg = VIT_CONFIGS[name]
    rows, cols = helpers.to_pair(PRETRAINED_IMG_SIZE if img_size is None else img_size, "img_size")
    if rows % cfg.patch_size or cols % cfg.patch_size:
        raise ValueError(
            f"{name}: img_size {img_size!r} is not divisible by the patch size {cfg.patch_size}."
        )
    inputs = keras.Input((rows, cols, in_chans), name="images")
    x = PatchEmbed(cfg.embed_dim, patch_size=cfg.patch_size, flatten=False, name="patch_embed")(inputs)
    x = ClassTokenPosEmbed(name="pos_embed")(x)
    for i, rate in enumerate(np.linspace(0.0, drop_path_rate, cfg.depth).tolist()):
        x = ViTBlock(
            cfg.embed_dim,
            cfg.num_heads,
            mlp_ratio=cfg.mlp_ratio,
            epsilon=EPSILON,
            drop_path=rate,
            name=f"blocks__{i}",
        )(x)
    x = keras.layers.LayerNormalization(epsilon=EPSILON, name="norm")(x)
    x = x[:, 0]  # global_pool="token"
    if num_classes:
        x = keras.layers.Dense(num_classes, name="head")(x)
    return keras.Model(inputs, x, name=name)


# --- ViT's own filter ---


def resample_abs_pos_embed(
    pos_embed: np.ndarray,
    new_size: tuple[int, int],
    old_size: tuple[int, int] | None = None,
    num_prefix_tokens: int = 1,
) -> np.ndarray:
    """timm's `resample_abs_pos_embed` (bicubic, antialiased) on a `(1, prefix + H*W, D)` array; the
    prefix (class token) entries are kept as they are. `old_size` defaults to a square grid."""
    pos_embed = np.asarray(pos_embed)
    num_new_tokens = new_size[0] * new_size[1] + num_prefix_tokens
    if old_size is None:
        side = int(math.sqrt(pos_embed.shape[1] - num_prefix_tokens))
        old_size = (side, side)
    if num_new_tokens == pos_embed.shape[1] and tuple(old_size) == tuple(new_size):
        return pos_embed
    prefix, grid = pos_embed[:, :num_prefix_tokens], pos_embed[:, num_prefix_tokens:]
    grid = grid.astype("float32").reshape(1, old_size[0], old_size[1], -1)
    # Keras' antialiased bicubic matches torch's F.interpolate(..., antialias=True) to ~5e-6 on every backend.
    grid = keras.ops.image.resize(
        grid, tuple(new_size), interpolation="bicubic", antialias=True, data_format="channels_last"
    )
    grid = keras.ops.convert_to_numpy(grid).reshape(1, new_size[0] * new_size[1], -1).astype(pos_embed.dtype)
    return np.concatenate([prefix, grid], axis=1)


def checkpoint_filter_fn(state: Mapping[str, np.ndarray], model: keras.Model) -> dict[str, np.ndarray]:
    """A timm ViT state dict (or checkpoint path) made to fit `model`, as timm's `checkpoint_filter_fn`
    and `load_pretrained` do: `pre_logits` entries dropped, `pos_embed` resampled to the model's patch
    grid (bicubic, antialiased; the class token kept), the patch projection adapted to the model's
    `in_chans` and a classifier of another width dropped (see `adapt_to_model`).

    Checkpoints from other codebases (OpenAI CLIP, DINOv2, ...) and another patch size are not converted.
    """
    state = {k: v for k, v in read_checkpoint(state).items() if "pre_logits" not in k}
    embeds = [layer for layer in model.layers if isinstance(layer, ClassTokenPosEmbed)]
    if "pos_embed" in state and embeds:
        embed = embeds[0]
        num_prefix = 0 if embed.no_embed_class else embed.num_prefix_tokens
        pos_embed = state["pos_embed"]
        # timm's get_pretrained_grid_size: the pretrained image size over the checkpoint's patch size,
        # when that grid accounts for every token; otherwise a square grid.
        old_size = None
        patch_weight = state.get("patch_embed.proj.weight")
        if patch_weight is not None and np.ndim(patch_weight) == 4:
            grid = tuple(PRETRAINED_IMG_SIZE // p for p in patch_weight.shape[-2:])
            old_size = grid if grid[0] * grid[1] == pos_embed.shape[1] - num_prefix else None
        other_grid = old_size is not None and old_size != embed.grid_size
        if pos_embed.shape[1] != embed.pos_embed.shape[1] or other_grid:
            state["pos_embed"] = resample_abs_pos_embed(pos_embed, embed.grid_size, old_size, num_prefix)
    return adapt_to_model(state, model, first_conv="patch_embed.proj", classifier="head")


register_rule(
    ClassTokenPosEmbed,
    {"cls_token": ("cls_token", identity), "pos_embed": ("pos_embed", identity)},
    pathless=True,
)

for _name in VIT_CONFIGS:
    register_model(_name, functools.partial(vision_transformer, _name), checkpoint_filter_fn)
