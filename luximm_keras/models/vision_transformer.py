"""Vision Transformers (ViT) as functional Keras models that load timm's state dicts: the block, the
class token and position embeddings, the architecture table, the pretrained configs, the builder, the
intermediate features and the checkpoint filter.

Layer names are timm's module paths with `__` for `.` (`patch_embed`, `blocks__0`, `norm`, `head`);
the class token and position embeddings live in a pathless `ClassTokenPosEmbed`, so they load from
timm's bare `cls_token` and `pos_embed`.

Reference: timm/models/vision_transformer.py
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import keras
import numpy as np
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.data.constants import (
    IMAGENET_DEFAULT_MEAN,
    IMAGENET_DEFAULT_STD,
    IMAGENET_INCEPTION_MEAN,
    IMAGENET_INCEPTION_STD,
    OPENAI_CLIP_MEAN,
    OPENAI_CLIP_STD,
)
from luximm_keras.layers.attention import MultiHeadSelfAttention
from luximm_keras.layers.drop import DropPath, calculate_drop_path_rates
from luximm_keras.layers.layer_scale import LayerScale
from luximm_keras.layers.mlp import Mlp
from luximm_keras.layers.patch_embed import PatchEmbed
from luximm_keras.layers.pos_embed import resample_abs_pos_embed
from luximm_keras.models._builder import BuildArgs, FeatureMap, ModelGraph, feature_take_indices, model_input
from luximm_keras.models._pretrained import generate_default_cfgs
from luximm_keras.models._registry import register_family


@serializable
class ViTBlock(keras.layers.Layer):
    """`x + ls1(attn(norm1(x)))`, then `x + ls2(mlp(norm2(x)))`, each branch under stochastic depth.

    Sublayers carry timm's names (`norm1`, `attn`, `ls1`, `norm2`, `mlp`, `ls2`), so a timm block's
    state dict loads key for key. `ls1`/`ls2` exist only when `init_values` is set.

    Args:
        dim: token width.
        num_heads: attention heads; `dim` must be divisible by it.
        mlp_ratio: MLP hidden width as a multiple of `dim` (`int(dim * mlp_ratio)`, as timm).
        qkv_bias: whether the attention's `qkv` has a bias.
        qk_norm: layer-normalize queries and keys per head.
        epsilon: epsilon of every LayerNorm in the block (ViT's 1e-6).
        init_values: LayerScale's initial value, or None for no LayerScale.
        drop_path_rate: stochastic-depth rate of both branches.
        proj_drop, attn_drop: dropout rates of the projections and attention weights.
        activation: the MLP activation (exact GELU).

    Example:
        >>> ViTBlock(192, num_heads=3)(keras.ops.ones((2, 197, 192))).shape
        (2, 197, 192)

    Reference: timm/models/vision_transformer.py `Block`.
    """

    def __init__(
        self,
        dim: int,
        num_heads: int,
        mlp_ratio: float = 4.0,
        qkv_bias: bool = True,
        qk_norm: bool = False,
        epsilon: float = 1e-6,
        init_values: float | None = None,
        drop_path_rate: float = 0.0,
        proj_drop: float = 0.0,
        attn_drop: float = 0.0,
        activation="gelu",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.dim = int(dim)
        self.num_heads = int(num_heads)
        self.mlp_ratio = float(mlp_ratio)
        self.qkv_bias = bool(qkv_bias)
        self.qk_norm = bool(qk_norm)
        self.epsilon = float(epsilon)
        self.init_values = None if init_values is None else float(init_values)
        self.drop_path_rate = float(drop_path_rate)
        self.proj_drop_rate = float(proj_drop)
        self.attn_drop_rate = float(attn_drop)
        self.activation = keras.activations.get(activation)
        self.input_spec = keras.layers.InputSpec(ndim=3, axes={-1: self.dim})

        sub = dict(dtype=self.dtype_policy)
        self.norm1 = keras.layers.LayerNormalization(epsilon=self.epsilon, name="norm1", **sub)
        self.attn = MultiHeadSelfAttention(
            self.dim,
            num_heads=self.num_heads,
            qkv_bias=self.qkv_bias,
            qk_norm=self.qk_norm,
            attn_drop=self.attn_drop_rate,
            proj_drop=self.proj_drop_rate,
            epsilon=self.epsilon,
            name="attn",
            **sub,
        )
        self.norm2 = keras.layers.LayerNormalization(epsilon=self.epsilon, name="norm2", **sub)
        self.mlp = Mlp(
            int(self.dim * self.mlp_ratio),
            activation=self.activation,
            drop=self.proj_drop_rate,
            name="mlp",
            **sub,
        )
        # timm uses nn.Identity where these are off; no layer at all keeps the weights list equal to timm's.
        self.ls1 = self.ls2 = None
        if self.init_values:
            self.ls1 = LayerScale(self.init_values, name="ls1", **sub)
            self.ls2 = LayerScale(self.init_values, name="ls2", **sub)
        self.drop_path1 = DropPath(self.drop_path_rate, name="drop_path1", **sub)
        self.drop_path2 = DropPath(self.drop_path_rate, name="drop_path2", **sub)

    def build(self, input_shape):
        if input_shape[-1] != self.dim:
            raise ValueError(
                f"{self.name}: expected tokens of width dim={self.dim}, got input shape {tuple(input_shape)}."
            )
        for layer in (self.norm1, self.attn, self.ls1, self.norm2, self.mlp, self.ls2):
            if layer is not None:
                layer.build(input_shape)

    def call(self, inputs, training=None):
        y = self.attn(self.norm1(inputs), training=training)
        if self.ls1 is not None:
            y = self.ls1(y)
        x = inputs + backend_ops.call_layer(self.drop_path1, y, training)
        y = self.mlp(self.norm2(x), training=training)
        if self.ls2 is not None:
            y = self.ls2(y)
        return x + backend_ops.call_layer(self.drop_path2, y, training)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "dim": self.dim,
                "num_heads": self.num_heads,
                "mlp_ratio": self.mlp_ratio,
                "qkv_bias": self.qkv_bias,
                "qk_norm": self.qk_norm,
                "epsilon": self.epsilon,
                "init_values": self.init_values,
                "drop_path_rate": self.drop_path_rate,
                "proj_drop": self.proj_drop_rate,
                "attn_drop": self.attn_drop_rate,
                "activation": keras.activations.serialize(self.activation),
            }
        )
        return config


@serializable
class ClassTokenPosEmbed(keras.layers.Layer):
    """Turns a `(N, H, W, D)` patch grid into `(N, 1 + H*W, D)` tokens, as ViT does after `PatchEmbed`.

    The grid is flattened row-major (`t = row * W + col`), a learned `cls_token` is prepended and a
    learned absolute `pos_embed` is added. By default `pos_embed` also covers the class token and is
    added after the concatenation (original ViT, DeiT); with `no_embed_class=True` it covers only the
    patches and is added before (DeiT-3). The variables are named as timm's bare `VisionTransformer`
    parameters (`cls_token`, `pos_embed`), and `pos_embed`'s length is fixed by the grid this layer is
    built for (`grid_size`): another image size needs resampled position embeddings (see
    `checkpoint_filter_fn`).

    Args:
        class_token: whether to prepend a class token.
        no_embed_class: whether `pos_embed` skips the class token (added before concatenating).
        pos_embed_initializer: Keras initializer of `pos_embed` (timm: truncated normal, std 0.02).
        cls_token_initializer: Keras initializer of `cls_token` (timm: normal, std 1e-6).

    Example:
        >>> ClassTokenPosEmbed()(keras.ops.ones((2, 14, 14, 192))).shape
        (2, 197, 192)

    Reference: timm/models/vision_transformer.py `VisionTransformer._pos_embed`.
    """

    # timm keeps these as bare parameters of the model, not of a submodule.
    timm_mapping = {"cls_token": ("cls_token", "identity"), "pos_embed": ("pos_embed", "identity")}
    timm_pathless = True

    def __init__(
        self,
        class_token: bool = True,
        no_embed_class: bool = False,
        pos_embed_initializer=None,
        cls_token_initializer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.class_token = bool(class_token)
        self.no_embed_class = bool(no_embed_class)
        self.pos_embed_initializer = keras.initializers.get(
            pos_embed_initializer or keras.initializers.TruncatedNormal(stddev=0.02)
        )
        self.cls_token_initializer = keras.initializers.get(
            cls_token_initializer or keras.initializers.RandomNormal(stddev=1e-6)
        )
        self.input_spec = keras.layers.InputSpec(ndim=4)
        self.grid_size = None

    @property
    def num_prefix_tokens(self) -> int:
        return 1 if self.class_token else 0

    def _embed_len(self, rows: int, cols: int) -> int:
        return rows * cols + (0 if self.no_embed_class else self.num_prefix_tokens)

    def build(self, input_shape):
        rows, cols, dim = input_shape[1:]
        if None in (rows, cols, dim):
            raise ValueError(
                f"{self.name}: the patch grid and width must be known to size the position embeddings, "
                f"got input shape {tuple(input_shape)}."
            )
        self.grid_size = (int(rows), int(cols))
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={1: rows, 2: cols, 3: dim})
        if self.class_token:
            self.cls_token = self.add_weight(
                name="cls_token", shape=(1, 1, dim), initializer=self.cls_token_initializer
            )
        self.pos_embed = self.add_weight(
            name="pos_embed",
            shape=(1, self._embed_len(rows, cols), dim),
            initializer=self.pos_embed_initializer,
        )

    def call(self, inputs):
        rows, cols = self.grid_size
        batch, dim = ops.shape(inputs)[0], inputs.shape[-1]
        x = ops.reshape(inputs, (batch, rows * cols, dim))
        if self.no_embed_class:
            x = x + self.pos_embed
        if self.class_token:
            x = ops.concatenate([ops.broadcast_to(self.cls_token, (batch, 1, dim)), x], axis=1)
        if not self.no_embed_class:
            x = x + self.pos_embed
        return x

    def compute_output_shape(self, input_shape):
        rows, cols, dim = input_shape[1:]
        tokens = None if None in (rows, cols) else rows * cols + self.num_prefix_tokens
        return (input_shape[0], tokens, dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "class_token": self.class_token,
                "no_embed_class": self.no_embed_class,
                "pos_embed_initializer": keras.initializers.serialize(self.pos_embed_initializer),
                "cls_token_initializer": keras.initializers.serialize(self.cls_token_initializer),
            }
        )
        return config


@dataclass(frozen=True)
class VisionTransformerCfg:
    """The arguments timm's `vit_*` constructors give `VisionTransformer`; the rest are its defaults
    (class token, position embedding over it, `global_pool="token"`, final norm, no fc_norm)."""

    patch_size: int
    embed_dim: int
    depth: int
    num_heads: int
    mlp_ratio: float = 4.0


model_cfgs: dict[str, VisionTransformerCfg] = {
    "vit_tiny_patch16_224": VisionTransformerCfg(patch_size=16, embed_dim=192, depth=12, num_heads=3),
    "vit_small_patch16_224": VisionTransformerCfg(patch_size=16, embed_dim=384, depth=12, num_heads=6),
    "vit_base_patch16_224": VisionTransformerCfg(patch_size=16, embed_dim=768, depth=12, num_heads=12),
}


def _cfg(url: str = "", **kwargs) -> dict:
    return {
        "url": url,
        "num_classes": 1000,
        "input_size": (3, 224, 224),
        "pool_size": None,
        "crop_pct": 0.9,
        "interpolation": "bicubic",
        "fixed_input_size": True,
        "mean": IMAGENET_INCEPTION_MEAN,
        "std": IMAGENET_INCEPTION_STD,
        "first_conv": "patch_embed.proj",
        "classifier": "head",
        "license": "apache-2.0",
        **kwargs,
    }


# timm's entries for the architectures above, in timm's order (the first with weights is the default).
default_cfgs = generate_default_cfgs({
    "vit_base_patch16_224.augreg2_in21k_ft_in1k": _cfg(hf_hub_id="timm/"),
    "vit_tiny_patch16_224.augreg_in21k_ft_in1k": _cfg(
        url="https://storage.googleapis.com/vit_models/augreg/Ti_16-i21k-300ep-lr_0.001-aug_none-wd_0.03-do_0.0-sd_0.0--imagenet2012-steps_20k-lr_0.03-res_224.npz",
        hf_hub_id="timm/", custom_load=True),
    "vit_small_patch16_224.augreg_in21k_ft_in1k": _cfg(
        url="https://storage.googleapis.com/vit_models/augreg/S_16-i21k-300ep-lr_0.001-aug_light1-wd_0.03-do_0.0-sd_0.0--imagenet2012-steps_20k-lr_0.03-res_224.npz",
        hf_hub_id="timm/", custom_load=True),
    "vit_base_patch16_224.augreg_in21k_ft_in1k": _cfg(
        url="https://storage.googleapis.com/vit_models/augreg/B_16-i21k-300ep-lr_0.001-aug_medium1-wd_0.1-do_0.0-sd_0.0--imagenet2012-steps_20k-lr_0.01-res_224.npz",
        hf_hub_id="timm/", custom_load=True),
    "vit_base_patch16_224.orig_in21k_ft_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-vitjx/jx_vit_base_p16_224-80ecf9dd.pth",
        hf_hub_id="timm/"),
    "vit_small_patch16_224.augreg_in1k": _cfg(
        url="https://storage.googleapis.com/vit_models/augreg/S_16-i1k-300ep-lr_0.001-aug_medium2-wd_0.1-do_0.0-sd_0.0--imagenet2012-steps_20k-lr_0.01-res_224.npz",
        hf_hub_id="timm/", custom_load=True),
    "vit_base_patch16_224.augreg_in1k": _cfg(
        url="https://storage.googleapis.com/vit_models/augreg/B_16-i1k-300ep-lr_0.001-aug_strong2-wd_0.1-do_0.1-sd_0.1--imagenet2012-steps_20k-lr_0.01-res_224.npz",
        hf_hub_id="timm/", custom_load=True),
    "vit_base_patch16_224.orig_in21k": _cfg(hf_hub_id="timm/", num_classes=0),
    "vit_tiny_patch16_224.augreg_in21k": _cfg(
        url="https://storage.googleapis.com/vit_models/augreg/Ti_16-i21k-300ep-lr_0.001-aug_none-wd_0.03-do_0.0-sd_0.0.npz",
        hf_hub_id="timm/", custom_load=True, num_classes=21843),
    "vit_small_patch16_224.augreg_in21k": _cfg(
        url="https://storage.googleapis.com/vit_models/augreg/S_16-i21k-300ep-lr_0.001-aug_light1-wd_0.03-do_0.0-sd_0.0.npz",
        hf_hub_id="timm/", custom_load=True, num_classes=21843),
    "vit_base_patch16_224.augreg_in21k": _cfg(
        url="https://storage.googleapis.com/vit_models/augreg/B_16-i21k-300ep-lr_0.001-aug_medium1-wd_0.1-do_0.0-sd_0.0.npz",
        hf_hub_id="timm/", custom_load=True, num_classes=21843),
    "vit_base_patch16_224.sam_in1k": _cfg(
        url="https://storage.googleapis.com/vit_models/sam/ViT-B_16.npz", custom_load=True, hf_hub_id="timm/"),
    "vit_base_patch16_224.bamboo": _cfg(
        hf_hub_id="timm/", num_classes=115217, crop_pct=1.0, mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        license=None, origin_url="https://github.com/ZhangYuanhan-AI/Bamboo", paper_ids="arXiv:2203.07845"),
    "vit_small_patch16_224.dino": _cfg(
        url="https://dl.fbaipublicfiles.com/dino/dino_deitsmall16_pretrain/dino_deitsmall16_pretrain.pth",
        hf_hub_id="timm/", mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, num_classes=0),
    "vit_base_patch16_224.dino": _cfg(
        url="https://dl.fbaipublicfiles.com/dino/dino_vitbase16_pretrain/dino_vitbase16_pretrain.pth",
        hf_hub_id="timm/", mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, num_classes=0),
    "vit_base_patch16_224.mae": _cfg(
        url="https://dl.fbaipublicfiles.com/mae/pretrain/mae_pretrain_vit_base.pth",
        hf_hub_id="timm/", license="cc-by-nc-4.0", mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD,
        num_classes=0),
})

EPSILON = 1e-6  # timm's LayerNorm in ViT
NUM_PREFIX_TOKENS = 1  # the class token


def _create_vision_transformer(variant: str, args: BuildArgs) -> ModelGraph:
    """timm's `variant` (a key of `model_cfgs`): NHWC images of `img_size` (default 224) in, logits out
    (the class token after the final norm when `num_classes=0`). `drop_path_rate` is the stochastic
    depth of the last block, rising linearly from 0 at the first (timm's rule). The feature maps are
    the blocks' patch tokens on their grid (timm's `forward_intermediates`)."""
    cfg = model_cfgs[variant]
    rows, cols = args.img_size
    if rows % cfg.patch_size or cols % cfg.patch_size:
        raise ValueError(f"{variant}: img_size {args.img_size} is not divisible by the patch size {cfg.patch_size}.")
    grid = (rows // cfg.patch_size, cols // cfg.patch_size)
    inputs = model_input(args.in_chans, (rows, cols))
    x = PatchEmbed(cfg.embed_dim, patch_size=cfg.patch_size, flatten=False, name="patch_embed")(inputs)
    x = ClassTokenPosEmbed(name="pos_embed")(x)
    features = []
    for i, rate in enumerate(calculate_drop_path_rates(args.drop_path_rate, cfg.depth)):
        x = ViTBlock(
            cfg.embed_dim, cfg.num_heads, mlp_ratio=cfg.mlp_ratio, epsilon=EPSILON, drop_path_rate=rate,
            name=f"blocks__{i}",
        )(x)
        patch_tokens = ops.reshape(x[:, NUM_PREFIX_TOKENS:], (-1, *grid, cfg.embed_dim))
        features.append(FeatureMap(patch_tokens, cfg.embed_dim, cfg.patch_size, f"blocks.{i}"))
    x = keras.layers.LayerNormalization(epsilon=EPSILON, name="norm")(x)
    x = x[:, 0]  # global_pool="token"
    if args.num_classes:
        x = keras.layers.Dense(args.num_classes, name="head")(x)
    return ModelGraph(inputs, x, features)


# ------------------------------------------------------------------------------------------------
# Intermediate features


def forward_intermediates(
    model: keras.Model,
    images,
    indices: int | Sequence[int] | None = None,
    *,
    return_prefix_tokens: bool = False,
    norm: bool = False,
    output_fmt: str = "NHWC",
    intermediates_only: bool = False,
):
    """timm's `VisionTransformer.forward_intermediates` for a ViT from `create_model`.

    Returns `(final, intermediates)`: the tokens after the final norm, `(B, 1 + H*W, D)`, and the
    output of each block in `indices` (an int n: the last n; None: all), normalized by the final norm
    with `norm=True`, without the class token, as `(B, H, W, D)` maps (`output_fmt="NHWC"`, the
    channels-last twin of timm's NCHW) or `(B, H*W, D)` tokens (`"NLC"`). With
    `return_prefix_tokens=True` each intermediate is a `(patch tokens, class token)` pair; with
    `intermediates_only=True` only the list is returned.
    """
    if output_fmt not in ("NHWC", "NLC"):
        raise ValueError(f"`output_fmt` must be 'NHWC' or 'NLC', got {output_fmt!r}.")
    blocks = sorted(
        (layer for layer in model.layers if isinstance(layer, ViTBlock)), key=lambda b: int(b.name.split("__")[-1])
    )
    if not blocks:
        raise ValueError(f"{model.name} has no ViT blocks.")
    taken = feature_take_indices(len(blocks), indices)
    extractor = _intermediates_model(model, tuple(b.name for b in blocks), tuple(taken))
    outputs = extractor(images)
    final, block_outputs = outputs[0], outputs[1:]
    final_norm = model.get_layer("norm")
    intermediates = []
    grid = model.get_layer("pos_embed").grid_size
    for y in block_outputs:
        if norm:
            y = final_norm(y)
        prefix, patches = y[:, :NUM_PREFIX_TOKENS], y[:, NUM_PREFIX_TOKENS:]
        if output_fmt == "NHWC":
            patches = ops.reshape(patches, (-1, *grid, patches.shape[-1]))
        intermediates.append((patches, prefix) if return_prefix_tokens else patches)
    if intermediates_only:
        return intermediates
    return final_norm(final), intermediates


def _intermediates_model(model: keras.Model, block_names: tuple[str, ...], taken: tuple[int, ...]) -> keras.Model:
    """A model sharing `model`'s layers whose outputs are the last block's and the taken blocks',
    made once per selection and kept on `model`."""
    cache = model.__dict__.setdefault("_intermediate_extractors", {})
    if taken not in cache:
        outputs = [model.get_layer(block_names[-1]).output] + [model.get_layer(block_names[i]).output for i in taken]
        cache[taken] = keras.Model(model.input, outputs)
    return cache[taken]


# ------------------------------------------------------------------------------------------------
# Checkpoints


def _pretrained_grid_size(model: keras.Model, patch_weight, num_patches: int) -> tuple[int, int] | None:
    """timm's `get_pretrained_grid_size`: the checkpoint's grid is its pretrained image size over its
    patch size, when that grid accounts for every token; otherwise None (a square grid)."""
    if patch_weight is None or np.ndim(patch_weight) != 4:
        return None
    input_size = getattr(model, "pretrained_cfg", {}).get("input_size", (3, 224, 224))
    grid = tuple(s // p for s, p in zip(input_size[-2:], np.shape(patch_weight)[-2:]))
    return grid if grid[0] * grid[1] == num_patches else None


def checkpoint_filter_fn(state: Mapping[str, np.ndarray], model: keras.Model) -> dict[str, np.ndarray]:
    """timm's `checkpoint_filter_fn` for a timm ViT state dict: `pre_logits` entries dropped, a
    pre-conv `(out, in * p * p)` patch projection reshaped to the conv's, and `pos_embed` resampled
    to the model's patch grid (bicubic, antialiased; the class token kept).

    Checkpoints from other codebases (OpenAI CLIP, DINOv2, BEiT-3, ...) and another patch size, which
    timm's filter also converts, are not converted: use timm's own checkpoints of these models.
    """
    embeds = [layer for layer in model.layers if isinstance(layer, ClassTokenPosEmbed)]
    projections = [layer for layer in model.layers if isinstance(layer, PatchEmbed)]
    out = {}
    for key, value in state.items():
        if "pre_logits" in key:
            continue
        if key == "patch_embed.proj.weight" and np.ndim(value) < 4 and projections:
            kh, kw, _, filters = projections[0].proj.kernel.shape
            value = np.asarray(value).reshape(filters, -1, kh, kw)
        elif key == "pos_embed" and embeds:
            embed = embeds[0]
            num_prefix = 0 if embed.no_embed_class else embed.num_prefix_tokens
            old_size = _pretrained_grid_size(model, state.get("patch_embed.proj.weight"), np.shape(value)[1] - num_prefix)
            if np.shape(value)[1] != embed.pos_embed.shape[1] or (old_size is not None and old_size != embed.grid_size):
                value = resample_abs_pos_embed(value, embed.grid_size, old_size, num_prefix)
        out[key] = value
    return out


register_family(
    model_cfgs,
    _create_vision_transformer,
    default_cfgs,
    checkpoint_filter_fn,
    feature_out_indices=3,  # timm's ViT features: the last three blocks
)
