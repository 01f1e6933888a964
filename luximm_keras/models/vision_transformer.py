"""Vision Transformers (ViT) as functional Keras models that load timm's state dicts: the block, the
prefix tokens and position embeddings, the architecture table (AugReg, CLIP, SigLIP, DINOv2, register
and `_gap` ViTs, ...), the pretrained configs, the builder, the intermediate features and the
checkpoint filter.

Layer names are timm's module paths with `__` for `.` (`patch_embed`, `norm_pre`, `blocks__0`, `norm`,
`attn_pool`, `fc_norm`, `head`); the class, register and distillation tokens and the position
embeddings live in a pathless `ClassTokenPosEmbed`, so they load from timm's bare `cls_token`,
`reg_token`, `dist_token` and `pos_embed`.

Reference: timm/models/vision_transformer.py
"""

from __future__ import annotations

import copy
import functools
import re
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
from luximm_keras.layers.attention_pool import AttentionPoolLatent
from luximm_keras.layers.diff_attention import (
    LAMBDA_TIMM_MAPPING,
    DiffAttention,
    add_lambda_weights,
    differential_attention,
    lambda_full,
    lambda_init_for,
)
from luximm_keras.layers.drop import DropPath, calculate_drop_path_rates
from luximm_keras.layers.layer_scale import LayerScale
from luximm_keras.layers.activations import get_act
from luximm_keras.layers.mlp import GluMlp, Mlp, SwiGLU
from luximm_keras.layers.norm import token_norm
from luximm_keras.layers.patch_embed import PatchEmbed
from luximm_keras.layers.pos_embed import resample_abs_pos_embed
from luximm_keras.models._builder import BuildArgs, FeatureMap, ModelGraph, feature_take_indices, model_input
from luximm_keras.models._pretrained import generate_default_cfgs
from luximm_keras.models._registry import register_family


# timm's `mlp_layer` choices in its ViT constructors, by name (timm's SwiGLUPacked is GluMlp gating
# its first half).
MLP_LAYERS = {
    "mlp": Mlp,
    "swiglu_packed": functools.partial(GluMlp, gate_last=False),
    "swiglu": SwiGLU,
}

# timm's `attn_layer` choices (`_create_attn`), by name.
ATTN_LAYERS = {"attention": MultiHeadSelfAttention, "diff": DiffAttention}


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
        norm_layer: the block's norms by timm's name: `"layernorm"` or `"rmsnorm"` (AIMv2).
        mlp_layer: `"mlp"` (timm's `Mlp`), `"swiglu_packed"` (`GluMlp` gating its first half: DINOv2's
            giant) or `"swiglu"` (`SwiGLU`: AIMv2); the gated ones' `fc1` width is `dim * mlp_ratio`.
        proj_bias: whether the attention's `proj` and the MLP's layers have biases.
        scale_attn_norm, scale_mlp_norm: BEiT3's extra norms, of the attention output before `proj`
            and of the MLP's hidden features before `fc2`.
        attn_layer: `"attention"` (`MultiHeadSelfAttention`, timm's `Attention`) or `"diff"`
            (`DiffAttention`).
        depth: the block's index in the model, which sets `DiffAttention`'s `lambda_init`.

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
        norm_layer: str = "layernorm",
        mlp_layer: str = "mlp",
        proj_bias: bool = True,
        scale_attn_norm: bool = False,
        scale_mlp_norm: bool = False,
        attn_layer: str = "attention",
        depth: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if mlp_layer not in MLP_LAYERS:
            raise ValueError(f"`mlp_layer` must be one of {sorted(MLP_LAYERS)}, got {mlp_layer!r}.")
        if attn_layer not in ATTN_LAYERS:
            raise ValueError(f"`attn_layer` must be one of {sorted(ATTN_LAYERS)}, got {attn_layer!r}.")
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
        self.norm_layer = norm_layer
        self.mlp_layer = mlp_layer
        self.proj_bias = bool(proj_bias)
        self.scale_attn_norm = bool(scale_attn_norm)
        self.scale_mlp_norm = bool(scale_mlp_norm)
        self.attn_layer = attn_layer
        self.depth = int(depth)
        self.input_spec = keras.layers.InputSpec(ndim=3, axes={-1: self.dim})

        sub = dict(dtype=self.dtype_policy)
        self.norm1 = token_norm(norm_layer, self.epsilon, name="norm1", **sub)
        # timm's `_create_attn`: only the differential attention takes the block's index.
        attn_kwargs = dict(depth=self.depth) if attn_layer == "diff" else {}
        self.attn = ATTN_LAYERS[attn_layer](
            self.dim,
            num_heads=self.num_heads,
            qkv_bias=self.qkv_bias,
            qk_norm=self.qk_norm,
            attn_drop=self.attn_drop_rate,
            proj_drop=self.proj_drop_rate,
            epsilon=self.epsilon,
            proj_bias=self.proj_bias,
            scale_norm=self.scale_attn_norm,
            norm_layer=norm_layer,
            name="attn",
            **attn_kwargs,
            **sub,
        )
        self.norm2 = token_norm(norm_layer, self.epsilon, name="norm2", **sub)
        self.mlp = MLP_LAYERS[mlp_layer](
            int(self.dim * self.mlp_ratio),
            activation=self.activation,
            use_bias=self.proj_bias,
            drop=self.proj_drop_rate,
            norm_layer=norm_layer if self.scale_mlp_norm else None,
            epsilon=self.epsilon,
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
                "norm_layer": self.norm_layer,
                "mlp_layer": self.mlp_layer,
                "proj_bias": self.proj_bias,
                "scale_attn_norm": self.scale_attn_norm,
                "scale_mlp_norm": self.scale_mlp_norm,
                "attn_layer": self.attn_layer,
                "depth": self.depth,
            }
        )
        return config


@serializable
class ResPostBlock(ViTBlock):
    """`ViTBlock` with the norms after each branch: `x + norm1(attn(x))`, then `x + norm2(mlp(x))`
    (no layer scale: `init_values` is the norms' initial scale instead, as timm's).

    Takes `ViTBlock`'s arguments.

    Example:
        >>> ResPostBlock(192, num_heads=3, init_values=1e-5)(keras.ops.ones((2, 196, 192))).shape
        (2, 196, 192)

    Reference: timm/models/vision_transformer.py `ResPostBlock`.
    """

    def __init__(self, dim: int, num_heads: int, init_values: float | None = None, **kwargs):
        super().__init__(dim, num_heads, init_values=None, **kwargs)
        self.init_values = None if init_values is None else float(init_values)
        if self.init_values is not None:
            if self.norm_layer != "layernorm":
                raise ValueError("ResPostBlock's `init_values` are LayerNorm scales: use norm_layer='layernorm'.")
            for norm in (self.norm1, self.norm2):  # not built yet: the initializer is still used
                norm.gamma_initializer = keras.initializers.Constant(self.init_values)

    def call(self, inputs, training=None):
        y = self.norm1(self.attn(inputs, training=training))
        x = inputs + backend_ops.call_layer(self.drop_path1, y, training)
        y = self.norm2(self.mlp(x, training=training))
        return x + backend_ops.call_layer(self.drop_path2, y, training)


@serializable
class ParallelScalingBlock(keras.layers.Layer):
    """The parallel ViT block of ViT-22B: one norm, one projection to the MLP's hidden features and
    `q`, `k`, `v` together, attention and MLP side by side, `x + ls(attn_out_proj(attn) +
    mlp_out_proj(act(mlp)))` (or one `out_proj` of both, concatenated, with `fuse_out_proj`).

    Sublayers carry timm's names (`in_norm`, `in_proj`, `q_norm`, `k_norm`, `attn_out_proj`,
    `mlp_out_proj` or `out_proj`, `ls`); `in_proj`'s columns are `[mlp hidden | q | k | v]`. Without
    `qkv_bias` the MLP's bias is a parameter of its own, `mlp_bias` (timm's); with it, `in_proj`'s bias
    covers both.

    Args:
        dim, num_heads, mlp_ratio, qkv_bias, qk_norm, epsilon, init_values, drop_path_rate, proj_drop,
            attn_drop, activation, norm_layer, proj_bias: as `ViTBlock`'s (layer scale whenever
            `init_values` is not None, as timm's).
        fuse_out_proj: one output projection of attention and MLP concatenated.

    Example:
        >>> ParallelScalingBlock(64, num_heads=4)(keras.ops.ones((2, 17, 64))).shape
        (2, 17, 64)

    Reference: timm/models/vision_transformer.py `ParallelScalingBlock`.
    """

    timm_mapping = {"mlp_bias": ("mlp_bias", "identity")}

    def __init__(
        self,
        dim: int,
        num_heads: int,
        mlp_ratio: float = 4.0,
        qkv_bias: bool = False,
        qk_norm: bool = False,
        epsilon: float = 1e-6,
        init_values: float | None = None,
        drop_path_rate: float = 0.0,
        proj_drop: float = 0.0,
        attn_drop: float = 0.0,
        activation="gelu",
        norm_layer: str = "layernorm",
        proj_bias: bool = True,
        fuse_out_proj: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(num_heads) < 1 or int(dim) % int(num_heads):
            raise ValueError(f"`dim` ({dim}) must be divisible by `num_heads` ({num_heads}).")
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
        self.norm_layer = norm_layer
        self.proj_bias = bool(proj_bias)
        self.fuse_out_proj = bool(fuse_out_proj)
        self.head_dim = self._head_dim()
        self.scale = self.head_dim**-0.5
        self.mlp_hidden_dim = int(self.mlp_ratio * self.dim)
        self.input_spec = keras.layers.InputSpec(ndim=3, axes={-1: self.dim})

        sub = dict(dtype=self.dtype_policy)
        self.in_norm = token_norm(norm_layer, self.epsilon, name="in_norm", **sub)
        self.in_proj = keras.layers.Dense(
            self.mlp_hidden_dim + 3 * self.dim, use_bias=self.qkv_bias, name="in_proj", **sub
        )
        self.q_norm = self.k_norm = None
        if self.qk_norm:
            self.q_norm = token_norm(norm_layer, self.epsilon, name="q_norm", **sub)
            self.k_norm = token_norm(norm_layer, self.epsilon, name="k_norm", **sub)
        self.attn_drop = keras.layers.Dropout(self.attn_drop_rate, name="attn_drop", **sub)
        self.mlp_drop = keras.layers.Dropout(self.proj_drop_rate, name="mlp_drop", **sub)
        self.out_proj = self.attn_out_proj = self.mlp_out_proj = None
        if self.fuse_out_proj:
            self.out_proj = keras.layers.Dense(self.dim, use_bias=self.proj_bias, name="out_proj", **sub)
        else:
            self.attn_out_proj = keras.layers.Dense(self.dim, use_bias=self.proj_bias, name="attn_out_proj", **sub)
            self.mlp_out_proj = keras.layers.Dense(self.dim, use_bias=self.proj_bias, name="mlp_out_proj", **sub)
        self.ls = LayerScale(self.init_values, name="ls", **sub) if self.init_values is not None else None
        self.drop_path = DropPath(self.drop_path_rate, name="drop_path", **sub)

    def _head_dim(self) -> int:
        return self.dim // self.num_heads

    def build(self, input_shape):
        if input_shape[-1] != self.dim:
            raise ValueError(
                f"{self.name}: expected tokens of width dim={self.dim}, got input shape {tuple(input_shape)}."
            )
        tokens = tuple(input_shape[:-1])
        self.in_norm.build(input_shape)
        self.in_proj.build(input_shape)
        if not self.qkv_bias:
            self.mlp_bias = self.add_weight(name="mlp_bias", shape=(self.mlp_hidden_dim,), initializer="zeros")
        if self.qk_norm:
            self.q_norm.build((*tokens, None, self.head_dim))
            self.k_norm.build((*tokens, None, self.head_dim))
        if self.fuse_out_proj:
            self.out_proj.build((*tokens, self.dim + self.mlp_hidden_dim))
        else:
            self.attn_out_proj.build(input_shape)
            self.mlp_out_proj.build((*tokens, self.mlp_hidden_dim))
        if self.ls is not None:
            self.ls.build(input_shape)

    def _attention(self, q, k, v, batch, tokens, training):
        """Heads of `q`, `k`, `v` (each `(B, T, dim)`) to the attention output `(B, T, dim)`."""
        heads = (batch, tokens, self.num_heads, self.head_dim)
        q, k, v = ops.reshape(q, heads), ops.reshape(k, heads), ops.reshape(v, heads)
        if self.qk_norm:
            q, k = self.q_norm(q), self.k_norm(k)
        x = backend_ops.attention(
            q, k, v, scale=self.scale, dropout=self.attn_drop, training=training, compute_dtype=self.compute_dtype
        )
        return ops.reshape(x, (batch, tokens, self.dim))

    def call(self, inputs, training=None):
        shape = ops.shape(inputs)
        batch, tokens = shape[0], shape[1]
        y = backend_ops.call_layer(self.in_proj, self.in_norm(inputs))
        hidden = self.mlp_hidden_dim
        x_mlp = y[..., :hidden]
        q, k, v = (y[..., hidden + i * self.dim : hidden + (i + 1) * self.dim] for i in range(3))
        if not self.qkv_bias:
            x_mlp = x_mlp + ops.cast(self.mlp_bias, x_mlp.dtype)
        x_attn = self._attention(q, k, v, batch, tokens, training)
        x_mlp = backend_ops.call_layer(self.mlp_drop, self.activation(x_mlp), training)
        if self.fuse_out_proj:
            y = backend_ops.call_layer(self.out_proj, ops.concatenate([x_attn, x_mlp], axis=-1))
        else:
            y = backend_ops.call_layer(self.attn_out_proj, x_attn) + backend_ops.call_layer(self.mlp_out_proj, x_mlp)
        if self.ls is not None:
            y = self.ls(y)
        return inputs + backend_ops.call_layer(self.drop_path, y, training)

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
                "norm_layer": self.norm_layer,
                "proj_bias": self.proj_bias,
                "fuse_out_proj": self.fuse_out_proj,
            }
        )
        return config


@serializable
class DiffParallelScalingBlock(ParallelScalingBlock):
    """`ParallelScalingBlock` with differential attention (see `DiffAttention`): `q`/`k` heads of half
    width in pairs, the RMS-normalised `sub_norm` and timm's lambda parameters; always one `out_proj`
    of attention and MLP concatenated.

    Args:
        ParallelScalingBlock's (without `fuse_out_proj`), and:
        depth: the block's index in the model, which sets `lambda_init`.
        dual_lambda: two scalar lambda parameters instead of four vectors.

    Example:
        >>> DiffParallelScalingBlock(64, num_heads=4, depth=3)(keras.ops.ones((2, 17, 64))).shape
        (2, 17, 64)

    Reference: timm/models/vision_transformer.py `DiffParallelScalingBlock`.
    """

    timm_mapping = {**ParallelScalingBlock.timm_mapping, **LAMBDA_TIMM_MAPPING}

    def __init__(self, dim: int, num_heads: int, depth: int = 0, dual_lambda: bool = False, **kwargs):
        if kwargs.pop("fuse_out_proj", True) is not True:
            raise ValueError("DiffParallelScalingBlock always fuses its output projections (as timm's).")
        super().__init__(dim, num_heads, fuse_out_proj=True, **kwargs)
        self.depth = int(depth)
        self.dual_lambda = bool(dual_lambda)
        self.lambda_init = lambda_init_for(self.depth)
        self.sub_norm = token_norm("rmsnorm", 1e-5, name="sub_norm", dtype=self.dtype_policy)

    def _head_dim(self) -> int:
        return self.dim // self.num_heads // 2

    def build(self, input_shape):
        super().build(input_shape)
        self.sub_norm.build((None, None, self.num_heads, 2 * self.head_dim))
        add_lambda_weights(self, self.head_dim, self.dual_lambda)

    def _attention(self, q, k, v, batch, tokens, training):
        q = ops.reshape(q, (batch, tokens, 2 * self.num_heads, self.head_dim))
        k = ops.reshape(k, (batch, tokens, 2 * self.num_heads, self.head_dim))
        v = ops.reshape(v, (batch, tokens, self.num_heads, 2 * self.head_dim))
        if self.qk_norm:
            q, k = self.q_norm(q), self.k_norm(k)
        x = differential_attention(
            q, k, v, lambda_full(self, self.dual_lambda, self.lambda_init), scale=self.scale,
            dropout=self.attn_drop, training=training, compute_dtype=self.compute_dtype,
        )
        x = self.sub_norm(x) * ops.cast(1.0 - self.lambda_init, x.dtype)
        return ops.reshape(x, (batch, tokens, self.dim))

    def get_config(self):
        config = super().get_config()
        config.pop("fuse_out_proj")
        config.update({"depth": self.depth, "dual_lambda": self.dual_lambda})
        return config


@serializable
class ClassTokenPosEmbed(keras.layers.Layer):
    """Turns a `(N, H, W, D)` patch grid into `(N, prefix + H*W, D)` tokens, as ViT does after `PatchEmbed`.

    The grid is flattened row-major (`t = row * W + col`), the prefix tokens are prepended in timm's
    order (`cls_token`, then DeiT's `dist_token`, then the `reg_token`s) and a learned absolute
    `pos_embed` is added. By default `pos_embed` also covers the prefix tokens and is added after the
    concatenation (original ViT, DeiT); with `no_embed_class=True` it covers only the patches and is
    added before (DeiT-3, DINOv2 with registers). The variables are named as timm's bare
    `VisionTransformer` parameters, and `pos_embed`'s length is fixed by the grid this layer is built
    for (`grid_size`): another image size needs resampled position embeddings (see
    `checkpoint_filter_fn`).

    Args:
        class_token: whether to prepend a class token.
        no_embed_class: whether `pos_embed` skips the prefix tokens (added before concatenating).
        reg_tokens: number of register tokens (`reg_token`, after the class token).
        dist_token: whether to prepend DeiT's distillation token (after the class token).
        use_pos_embed: whether there is a `pos_embed` at all (timm's `pos_embed="none"`: no).
        pos_embed_initializer: Keras initializer of `pos_embed` (timm: truncated normal, std 0.02).
        cls_token_initializer: Keras initializer of `cls_token` and `reg_token` (timm: normal, std 1e-6);
            `dist_token` takes timm's truncated normal, std 0.02.

    Example:
        >>> ClassTokenPosEmbed()(keras.ops.ones((2, 14, 14, 192))).shape
        (2, 197, 192)

    Reference: timm/models/vision_transformer.py `VisionTransformer._pos_embed`, timm/models/deit.py
    `VisionTransformerDistilled._pos_embed`.
    """

    # timm keeps these as bare parameters of the model, not of a submodule.
    timm_mapping = {
        "cls_token": ("cls_token", "identity"),
        "dist_token": ("dist_token", "identity"),
        "reg_token": ("reg_token", "identity"),
        "pos_embed": ("pos_embed", "identity"),
    }
    timm_pathless = True

    def __init__(
        self,
        class_token: bool = True,
        no_embed_class: bool = False,
        reg_tokens: int = 0,
        dist_token: bool = False,
        use_pos_embed: bool = True,
        pos_embed_initializer=None,
        cls_token_initializer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.class_token = bool(class_token)
        self.no_embed_class = bool(no_embed_class)
        self.reg_tokens = int(reg_tokens)
        self.dist_token = bool(dist_token)
        self.use_pos_embed = bool(use_pos_embed)
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
        return int(self.class_token) + int(self.dist_token) + self.reg_tokens

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
        if self.dist_token:
            self.dist_token_weight = self.add_weight(
                name="dist_token", shape=(1, 1, dim), initializer=keras.initializers.TruncatedNormal(stddev=0.02)
            )
        if self.reg_tokens:
            self.reg_token = self.add_weight(
                name="reg_token", shape=(1, self.reg_tokens, dim), initializer=self.cls_token_initializer
            )
        if self.use_pos_embed:
            self.pos_embed = self.add_weight(
                name="pos_embed",
                shape=(1, self._embed_len(rows, cols), dim),
                initializer=self.pos_embed_initializer,
            )

    def call(self, inputs):
        rows, cols = self.grid_size
        batch, dim = ops.shape(inputs)[0], inputs.shape[-1]
        x = ops.reshape(inputs, (batch, rows * cols, dim))
        if self.use_pos_embed and self.no_embed_class:
            x = x + self.pos_embed
        prefix = [
            ops.broadcast_to(ops.cast(token, x.dtype), (batch, token.shape[1], dim))
            for token, used in (
                (getattr(self, "cls_token", None), self.class_token),
                (getattr(self, "dist_token_weight", None), self.dist_token),
                (getattr(self, "reg_token", None), self.reg_tokens),
            )
            if used
        ]
        if prefix:
            x = ops.concatenate([*prefix, x], axis=1)
        if self.use_pos_embed and not self.no_embed_class:
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
                "reg_tokens": self.reg_tokens,
                "dist_token": self.dist_token,
                "use_pos_embed": self.use_pos_embed,
                "pos_embed_initializer": keras.initializers.serialize(self.pos_embed_initializer),
                "cls_token_initializer": keras.initializers.serialize(self.cls_token_initializer),
            }
        )
        return config


@dataclass(frozen=True)
class VisionTransformerCfg:
    """The arguments timm's constructors give `VisionTransformer` (and DeiT's
    `VisionTransformerDistilled`); the rest are timm's defaults.

    `epsilon` is the norms' (timm's `norm_layer`: 1e-6, CLIP's 1e-5), `norm_layer` their kind
    (`layernorm`, or AIMv2's `rmsnorm`), `embed_norm` a norm of that kind after the patch embedding
    (timm's `embed_norm_layer`), `act_layer` the MLPs' activation by timm's name (`gelu`,
    `quick_gelu`, `gelu_tanh`, `silu`), `mlp_layer` the MLP (see `MLP_LAYERS`), `proj_bias` the
    biases of the attention's `proj` and the MLP, `scale_attn_norm`/`scale_mlp_norm` BEiT3's extra
    norms, `block_fn` the block by name (see `BLOCK_FNS`), `attn_layer` its attention (see
    `ATTN_LAYERS`), `distilled` DeiT's distillation token and second head. `dynamic_img_size` is recorded, not used: the Keras graph is built for one
    image size, and another size gets position embeddings resampled at load (`checkpoint_filter_fn`),
    the resampling timm's dynamic models do at each call.
    """

    patch_size: int = 16
    embed_dim: int = 768
    depth: int = 12
    num_heads: int = 12
    mlp_ratio: float = 4.0
    qkv_bias: bool = True
    qk_norm: bool = False
    init_values: float | None = None
    class_token: bool = True
    no_embed_class: bool = False
    reg_tokens: int = 0
    pre_norm: bool = False
    final_norm: bool = True
    fc_norm: bool | None = None
    global_pool: str = "token"
    pool_include_prefix: bool = False
    epsilon: float = 1e-6
    act_layer: str = "gelu"
    norm_layer: str = "layernorm"
    embed_norm: bool = False
    mlp_layer: str = "mlp"
    proj_bias: bool = True
    scale_attn_norm: bool = False
    scale_mlp_norm: bool = False
    block_fn: str = "block"
    attn_layer: str = "attention"
    img_size: int | None = None
    dynamic_img_size: bool = False
    distilled: bool = False

    @property
    def num_prefix_tokens(self) -> int:
        return int(self.class_token) + int(self.distilled) + self.reg_tokens

    @property
    def use_fc_norm(self) -> bool:
        return self.global_pool in ("avg", "avgmax", "max") if self.fc_norm is None else self.fc_norm


# timm's `vit_*` (and other) constructors' arguments, architectures in alphabetical order.
# AIMv2's blocks: RmsNorm everywhere (after the patch embedding too), SwiGLU, no projection biases.
_AIMV2 = dict(
    proj_bias=False, act_layer='silu', norm_layer='rmsnorm', epsilon=1e-5, embed_norm=True, mlp_layer='swiglu',
)
model_cfgs: dict[str, VisionTransformerCfg] = {
    "aimv2_1b_patch14_224": VisionTransformerCfg(
        patch_size=14, embed_dim=2048, depth=24, num_heads=16, class_token=False, fc_norm=False,
        mlp_ratio=2.75, global_pool='avg', qkv_bias=False, **_AIMV2,
    ),
    "aimv2_1b_patch14_336": VisionTransformerCfg(
        patch_size=14, embed_dim=2048, depth=24, num_heads=16, class_token=False, fc_norm=False,
        mlp_ratio=2.75, global_pool='avg', qkv_bias=False, **_AIMV2,
    ),
    "aimv2_1b_patch14_448": VisionTransformerCfg(
        patch_size=14, embed_dim=2048, depth=24, num_heads=16, class_token=False, fc_norm=False,
        mlp_ratio=2.75, global_pool='avg', qkv_bias=False, **_AIMV2,
    ),
    "aimv2_3b_patch14_224": VisionTransformerCfg(
        patch_size=14, embed_dim=3072, depth=24, num_heads=24, class_token=False, fc_norm=False,
        mlp_ratio=2.6667, global_pool='avg', qkv_bias=False, **_AIMV2,
    ),
    "aimv2_3b_patch14_336": VisionTransformerCfg(
        patch_size=14, embed_dim=3072, depth=24, num_heads=24, class_token=False, fc_norm=False,
        mlp_ratio=2.6667, global_pool='avg', qkv_bias=False, **_AIMV2,
    ),
    "aimv2_3b_patch14_448": VisionTransformerCfg(
        patch_size=14, embed_dim=3072, depth=24, num_heads=24, class_token=False, fc_norm=False,
        mlp_ratio=2.6667, global_pool='avg', qkv_bias=False, **_AIMV2,
    ),
    "aimv2_huge_patch14_224": VisionTransformerCfg(
        patch_size=14, embed_dim=1536, depth=24, num_heads=12, class_token=False, fc_norm=False,
        mlp_ratio=2.6667, global_pool='avg', qkv_bias=False, **_AIMV2,
    ),
    "aimv2_huge_patch14_336": VisionTransformerCfg(
        patch_size=14, embed_dim=1536, depth=24, num_heads=12, class_token=False, fc_norm=False,
        mlp_ratio=2.6667, global_pool='avg', qkv_bias=False, **_AIMV2,
    ),
    "aimv2_huge_patch14_448": VisionTransformerCfg(
        patch_size=14, embed_dim=1536, depth=24, num_heads=12, class_token=False, fc_norm=False,
        mlp_ratio=2.6667, global_pool='avg', qkv_bias=False, **_AIMV2,
    ),
    "aimv2_large_patch14_224": VisionTransformerCfg(
        patch_size=14, embed_dim=1024, depth=24, num_heads=8, class_token=False, fc_norm=False,
        mlp_ratio=2.75, global_pool='avg', qkv_bias=False, **_AIMV2,
    ),
    "aimv2_large_patch14_336": VisionTransformerCfg(
        patch_size=14, embed_dim=1024, depth=24, num_heads=8, class_token=False, fc_norm=False,
        mlp_ratio=2.75, global_pool='avg', qkv_bias=False, **_AIMV2,
    ),
    "aimv2_large_patch14_448": VisionTransformerCfg(
        patch_size=14, embed_dim=1024, depth=24, num_heads=8, class_token=False, fc_norm=False,
        mlp_ratio=2.75, global_pool='avg', qkv_bias=False, **_AIMV2,
    ),
    "beit3_base_patch16_224": VisionTransformerCfg(
        patch_size=16, embed_dim=768, depth=12, num_heads=12, mlp_ratio=4, scale_attn_norm=True,
        scale_mlp_norm=True, class_token=True, global_pool='avg', epsilon=1e-5,
    ),
    "beit3_large_patch16_224": VisionTransformerCfg(
        patch_size=16, embed_dim=1024, depth=24, num_heads=16, mlp_ratio=4, scale_attn_norm=True,
        scale_mlp_norm=True, class_token=True, global_pool='avg', epsilon=1e-5,
    ),
    "eva_large_patch14_196": VisionTransformerCfg(
        patch_size=14, embed_dim=1024, depth=24, num_heads=16, global_pool='avg',
    ),
    "eva_large_patch14_336": VisionTransformerCfg(
        patch_size=14, embed_dim=1024, depth=24, num_heads=16, global_pool='avg',
    ),
    "flexivit_base": VisionTransformerCfg(patch_size=16, embed_dim=768, depth=12, num_heads=12, no_embed_class=True),
    "flexivit_large": VisionTransformerCfg(patch_size=16, embed_dim=1024, depth=24, num_heads=16, no_embed_class=True),
    "flexivit_small": VisionTransformerCfg(patch_size=16, embed_dim=384, depth=12, num_heads=6, no_embed_class=True),
    "test_vit": VisionTransformerCfg(
        patch_size=16, embed_dim=64, depth=6, num_heads=2, mlp_ratio=3, dynamic_img_size=True,
    ),
    "test_vit2": VisionTransformerCfg(
        patch_size=16, embed_dim=64, depth=8, num_heads=2, mlp_ratio=3, class_token=False, reg_tokens=1,
        global_pool='avg', init_values=1e-05, dynamic_img_size=True,
    ),
    "test_vit3": VisionTransformerCfg(
        patch_size=16, embed_dim=96, depth=9, num_heads=3, mlp_ratio=2, class_token=False, reg_tokens=1,
        global_pool='map', pool_include_prefix=True, init_values=1e-05,
    ),
    "vit_base_patch14_dinov2": VisionTransformerCfg(
        patch_size=14, embed_dim=768, depth=12, num_heads=12, init_values=1e-05,
    ),
    "vit_base_patch14_reg1_tipsv2": VisionTransformerCfg(
        patch_size=14, embed_dim=768, depth=12, num_heads=12, init_values=1.0, reg_tokens=1, no_embed_class=True,
    ),
    "vit_base_patch14_reg4_dinov2": VisionTransformerCfg(
        patch_size=14, embed_dim=768, depth=12, num_heads=12, init_values=1e-05, reg_tokens=4, no_embed_class=True,
    ),
    "vit_base_patch16_224": VisionTransformerCfg(patch_size=16, embed_dim=768, depth=12, num_heads=12),
    "vit_base_patch16_224_miil": VisionTransformerCfg(
        patch_size=16, embed_dim=768, depth=12, num_heads=12, qkv_bias=False,
    ),
    "vit_base_patch16_384": VisionTransformerCfg(patch_size=16, embed_dim=768, depth=12, num_heads=12),
    "vit_base_patch16_clip_224": VisionTransformerCfg(
        patch_size=16, embed_dim=768, depth=12, num_heads=12, pre_norm=True, epsilon=1e-05,
    ),
    "vit_base_patch16_clip_384": VisionTransformerCfg(
        patch_size=16, embed_dim=768, depth=12, num_heads=12, pre_norm=True, epsilon=1e-05,
    ),
    "vit_base_patch16_clip_quickgelu_224": VisionTransformerCfg(
        patch_size=16, embed_dim=768, depth=12, num_heads=12, pre_norm=True, epsilon=1e-05, act_layer='quick_gelu',
    ),
    "vit_base_patch16_plus_clip_240": VisionTransformerCfg(
        patch_size=16, embed_dim=896, depth=12, num_heads=14, pre_norm=True, epsilon=1e-05,
    ),
    "vit_base_patch16_radio_v3": VisionTransformerCfg(
        img_size=512, patch_size=16, embed_dim=768, depth=12, num_heads=12, init_values=1e-05, reg_tokens=7,
        no_embed_class=True, final_norm=False,
    ),
    "vit_base_patch16_rpn_224": VisionTransformerCfg(
        patch_size=16, embed_dim=768, depth=12, num_heads=12, qkv_bias=False, init_values=1e-5, class_token=False,
        block_fn='res_post', global_pool='avg',
    ),
    "vit_base_patch16_siglip_224": VisionTransformerCfg(
        patch_size=16, embed_dim=768, depth=12, num_heads=12, class_token=False, global_pool='map',
    ),
    "vit_base_patch16_siglip_256": VisionTransformerCfg(
        patch_size=16, embed_dim=768, depth=12, num_heads=12, class_token=False, global_pool='map',
    ),
    "vit_base_patch16_siglip_384": VisionTransformerCfg(
        patch_size=16, embed_dim=768, depth=12, num_heads=12, class_token=False, global_pool='map',
    ),
    "vit_base_patch16_siglip_512": VisionTransformerCfg(
        patch_size=16, embed_dim=768, depth=12, num_heads=12, class_token=False, global_pool='map',
    ),
    "vit_base_patch16_siglip_gap_224": VisionTransformerCfg(
        patch_size=16, embed_dim=768, depth=12, num_heads=12, class_token=False, global_pool='avg', fc_norm=False,
    ),
    "vit_base_patch16_siglip_gap_256": VisionTransformerCfg(
        patch_size=16, embed_dim=768, depth=12, num_heads=12, class_token=False, global_pool='avg', fc_norm=False,
    ),
    "vit_base_patch16_siglip_gap_384": VisionTransformerCfg(
        patch_size=16, embed_dim=768, depth=12, num_heads=12, class_token=False, global_pool='avg', fc_norm=False,
    ),
    "vit_base_patch16_siglip_gap_512": VisionTransformerCfg(
        patch_size=16, embed_dim=768, depth=12, num_heads=12, class_token=False, global_pool='avg', fc_norm=False,
    ),
    "vit_base_patch32_224": VisionTransformerCfg(patch_size=32, embed_dim=768, depth=12, num_heads=12),
    "vit_base_patch32_384": VisionTransformerCfg(patch_size=32, embed_dim=768, depth=12, num_heads=12),
    "vit_base_patch32_clip_224": VisionTransformerCfg(
        patch_size=32, embed_dim=768, depth=12, num_heads=12, pre_norm=True, epsilon=1e-05,
    ),
    "vit_base_patch32_clip_256": VisionTransformerCfg(
        patch_size=32, embed_dim=768, depth=12, num_heads=12, pre_norm=True, epsilon=1e-05,
    ),
    "vit_base_patch32_clip_384": VisionTransformerCfg(
        patch_size=32, embed_dim=768, depth=12, num_heads=12, pre_norm=True, epsilon=1e-05,
    ),
    "vit_base_patch32_clip_448": VisionTransformerCfg(
        patch_size=32, embed_dim=768, depth=12, num_heads=12, pre_norm=True, epsilon=1e-05,
    ),
    "vit_base_patch32_clip_quickgelu_224": VisionTransformerCfg(
        patch_size=32, embed_dim=768, depth=12, num_heads=12, pre_norm=True, epsilon=1e-05, act_layer='quick_gelu',
    ),
    "vit_base_patch32_siglip_256": VisionTransformerCfg(
        patch_size=32, embed_dim=768, depth=12, num_heads=12, class_token=False, global_pool='map',
        act_layer='gelu_tanh',
    ),
    "vit_base_patch32_siglip_gap_256": VisionTransformerCfg(
        patch_size=32, embed_dim=768, depth=12, num_heads=12, class_token=False, global_pool='avg', fc_norm=False,
        act_layer='gelu_tanh',
    ),
    "vit_base_patch8_224": VisionTransformerCfg(patch_size=8, embed_dim=768, depth=12, num_heads=12),
    "vit_betwixt_patch16_reg1_gap_256": VisionTransformerCfg(
        patch_size=16, embed_dim=640, depth=12, num_heads=10, init_values=1e-05, class_token=False,
        no_embed_class=True, reg_tokens=1, global_pool='avg',
    ),
    "vit_betwixt_patch16_reg4_gap_256": VisionTransformerCfg(
        patch_size=16, embed_dim=640, depth=12, num_heads=10, init_values=1e-05, class_token=False,
        no_embed_class=True, reg_tokens=4, global_pool='avg',
    ),
    "vit_betwixt_patch16_reg4_gap_384": VisionTransformerCfg(
        patch_size=16, embed_dim=640, depth=12, num_heads=10, init_values=1e-05, class_token=False,
        no_embed_class=True, reg_tokens=4, global_pool='avg',
    ),
    "vit_betwixt_patch32_clip_224": VisionTransformerCfg(
        patch_size=32, embed_dim=640, depth=12, num_heads=10, pre_norm=True, epsilon=1e-05,
    ),
    "vit_dlittle_patch16_reg1_gap_256": VisionTransformerCfg(
        patch_size=16, embed_dim=320, depth=14, num_heads=5, init_values=1e-5, mlp_ratio=5.6, class_token=False,
        no_embed_class=True, reg_tokens=1, global_pool='avg', attn_layer='diff',
    ),
    "vit_dpwee_patch16_reg1_gap_256": VisionTransformerCfg(
        patch_size=16, embed_dim=256, depth=16, num_heads=4, init_values=1e-5, mlp_ratio=5, class_token=False,
        no_embed_class=True, reg_tokens=1, global_pool='avg', block_fn='diff_parallel_scaling',
    ),
    "vit_dwee_patch16_reg1_gap_256": VisionTransformerCfg(
        patch_size=16, embed_dim=256, depth=14, num_heads=4, init_values=1e-5, mlp_ratio=5, class_token=False,
        no_embed_class=True, reg_tokens=1, global_pool='avg', attn_layer='diff',
    ),
    "vit_giant_patch14_dinov2": VisionTransformerCfg(
        patch_size=14, embed_dim=1536, depth=40, num_heads=24, init_values=1e-5, mlp_ratio=2.66667 * 2,
        mlp_layer='swiglu_packed', act_layer='silu',
    ),
    "vit_giant_patch14_reg1_tipsv2": VisionTransformerCfg(
        patch_size=14, embed_dim=1536, depth=40, num_heads=24, init_values=1.0, mlp_ratio=2.66667 * 2,
        mlp_layer='swiglu_packed', act_layer='silu', reg_tokens=1, no_embed_class=True,
    ),
    "vit_giant_patch14_reg4_dinov2": VisionTransformerCfg(
        patch_size=14, embed_dim=1536, depth=40, num_heads=24, init_values=1e-5, mlp_ratio=2.66667 * 2,
        mlp_layer='swiglu_packed', act_layer='silu', reg_tokens=4, no_embed_class=True,
    ),
    "vit_giant_patch14_clip_224": VisionTransformerCfg(
        patch_size=14, embed_dim=1408, mlp_ratio=4.363636363636363, depth=40, num_heads=16, pre_norm=True,
        epsilon=1e-05,
    ),
    "vit_giant_patch16_gap_224": VisionTransformerCfg(
        patch_size=16, embed_dim=1408, depth=40, num_heads=16, mlp_ratio=4.363636363636363, class_token=False,
        global_pool='avg', fc_norm=False,
    ),
    "vit_giant_patch16_radio_v3": VisionTransformerCfg(
        img_size=512, patch_size=16, embed_dim=1536, depth=40, num_heads=24, reg_tokens=7, no_embed_class=True,
        final_norm=False,
    ),
    "vit_giantopt_patch16_siglip_256": VisionTransformerCfg(
        patch_size=16, embed_dim=1536, depth=40, num_heads=16, class_token=False, global_pool='map',
        act_layer='gelu_tanh',
    ),
    "vit_giantopt_patch16_siglip_384": VisionTransformerCfg(
        patch_size=16, embed_dim=1536, depth=40, num_heads=16, class_token=False, global_pool='map',
        act_layer='gelu_tanh',
    ),
    "vit_giantopt_patch16_siglip_gap_256": VisionTransformerCfg(
        patch_size=16, embed_dim=1536, depth=40, num_heads=16, class_token=False, global_pool='avg', fc_norm=False,
        act_layer='gelu_tanh',
    ),
    "vit_giantopt_patch16_siglip_gap_384": VisionTransformerCfg(
        patch_size=16, embed_dim=1536, depth=40, num_heads=16, class_token=False, global_pool='avg', fc_norm=False,
        act_layer='gelu_tanh',
    ),
    "vit_gigantic_patch14_clip_224": VisionTransformerCfg(
        patch_size=14, embed_dim=1664, mlp_ratio=4.923076923076923, depth=48, num_heads=16, pre_norm=True,
        epsilon=1e-05,
    ),
    "vit_gigantic_patch14_clip_378": VisionTransformerCfg(
        patch_size=14, embed_dim=1664, mlp_ratio=4.923076923076923, depth=48, num_heads=16, pre_norm=True,
        epsilon=1e-05,
    ),
    "vit_gigantic_patch14_clip_quickgelu_224": VisionTransformerCfg(
        patch_size=14, embed_dim=1664, mlp_ratio=4.923076923076923, depth=48, num_heads=16, pre_norm=True,
        epsilon=1e-05, act_layer='quick_gelu',
    ),
    "vit_huge_patch14_224": VisionTransformerCfg(patch_size=14, embed_dim=1280, depth=32, num_heads=16),
    "vit_huge_patch14_clip_224": VisionTransformerCfg(
        patch_size=14, embed_dim=1280, depth=32, num_heads=16, pre_norm=True, epsilon=1e-05,
    ),
    "vit_huge_patch14_clip_336": VisionTransformerCfg(
        patch_size=14, embed_dim=1280, depth=32, num_heads=16, pre_norm=True, epsilon=1e-05,
    ),
    "vit_huge_patch14_clip_378": VisionTransformerCfg(
        patch_size=14, embed_dim=1280, depth=32, num_heads=16, pre_norm=True, epsilon=1e-05,
    ),
    "vit_huge_patch14_clip_quickgelu_224": VisionTransformerCfg(
        patch_size=14, embed_dim=1280, depth=32, num_heads=16, pre_norm=True, epsilon=1e-05, act_layer='quick_gelu',
    ),
    "vit_huge_patch14_clip_quickgelu_378": VisionTransformerCfg(
        patch_size=14, embed_dim=1280, depth=32, num_heads=16, pre_norm=True, epsilon=1e-05, act_layer='quick_gelu',
    ),
    "vit_huge_patch14_gap_224": VisionTransformerCfg(
        patch_size=14, embed_dim=1280, depth=32, num_heads=16, class_token=False, global_pool='avg', fc_norm=False,
    ),
    "vit_huge_patch16_gap_448": VisionTransformerCfg(
        patch_size=16, embed_dim=1280, depth=32, num_heads=16, class_token=False, global_pool='avg', fc_norm=False,
    ),
    "vit_huge_patch16_radio_v3": VisionTransformerCfg(
        img_size=512, patch_size=16, embed_dim=1280, depth=32, num_heads=16, reg_tokens=7, no_embed_class=True,
        final_norm=False,
    ),
    "vit_huge_patch16_radio_v4": VisionTransformerCfg(
        img_size=512, patch_size=16, embed_dim=1280, depth=32, num_heads=16, reg_tokens=9, no_embed_class=True,
        final_norm=False,
    ),
    "vit_intern300m_patch14_448": VisionTransformerCfg(
        patch_size=14, embed_dim=1024, depth=24, num_heads=16, init_values=0.1, final_norm=False,
        dynamic_img_size=True,
    ),
    "vit_large_patch14_clip_224": VisionTransformerCfg(
        patch_size=14, embed_dim=1024, depth=24, num_heads=16, pre_norm=True, epsilon=1e-05,
    ),
    "vit_large_patch14_clip_336": VisionTransformerCfg(
        patch_size=14, embed_dim=1024, depth=24, num_heads=16, pre_norm=True, epsilon=1e-05,
    ),
    "vit_large_patch14_clip_quickgelu_224": VisionTransformerCfg(
        patch_size=14, embed_dim=1024, depth=24, num_heads=16, pre_norm=True, epsilon=1e-05, act_layer='quick_gelu',
    ),
    "vit_large_patch14_clip_quickgelu_336": VisionTransformerCfg(
        patch_size=14, embed_dim=1024, depth=24, num_heads=16, pre_norm=True, epsilon=1e-05, act_layer='quick_gelu',
    ),
    "vit_large_patch14_dinov2": VisionTransformerCfg(
        patch_size=14, embed_dim=1024, depth=24, num_heads=16, init_values=1e-05,
    ),
    "vit_large_patch14_reg1_tipsv2": VisionTransformerCfg(
        patch_size=14, embed_dim=1024, depth=24, num_heads=16, init_values=1.0, reg_tokens=1, no_embed_class=True,
    ),
    "vit_large_patch14_reg4_dinov2": VisionTransformerCfg(
        patch_size=14, embed_dim=1024, depth=24, num_heads=16, init_values=1e-05, reg_tokens=4, no_embed_class=True,
    ),
    "vit_large_patch16_224": VisionTransformerCfg(patch_size=16, embed_dim=1024, depth=24, num_heads=16),
    "vit_large_patch16_384": VisionTransformerCfg(patch_size=16, embed_dim=1024, depth=24, num_heads=16),
    "vit_large_patch16_radio_v3": VisionTransformerCfg(
        img_size=512, patch_size=16, embed_dim=1024, depth=24, num_heads=16, init_values=1e-05, reg_tokens=7,
        no_embed_class=True, final_norm=False,
    ),
    "vit_large_patch16_siglip_256": VisionTransformerCfg(
        patch_size=16, embed_dim=1024, depth=24, num_heads=16, class_token=False, global_pool='map',
    ),
    "vit_large_patch16_siglip_384": VisionTransformerCfg(
        patch_size=16, embed_dim=1024, depth=24, num_heads=16, class_token=False, global_pool='map',
    ),
    "vit_large_patch16_siglip_512": VisionTransformerCfg(
        patch_size=16, embed_dim=1024, depth=24, num_heads=16, class_token=False, global_pool='map',
        act_layer='gelu_tanh',
    ),
    "vit_large_patch16_siglip_gap_256": VisionTransformerCfg(
        patch_size=16, embed_dim=1024, depth=24, num_heads=16, class_token=False, global_pool='avg', fc_norm=False,
    ),
    "vit_large_patch16_siglip_gap_384": VisionTransformerCfg(
        patch_size=16, embed_dim=1024, depth=24, num_heads=16, class_token=False, global_pool='avg', fc_norm=False,
    ),
    "vit_large_patch16_siglip_gap_512": VisionTransformerCfg(
        patch_size=16, embed_dim=1024, depth=24, num_heads=16, class_token=False, global_pool='avg', fc_norm=False,
        act_layer='gelu_tanh',
    ),
    "vit_large_patch32_224": VisionTransformerCfg(patch_size=32, embed_dim=1024, depth=24, num_heads=16),
    "vit_large_patch32_384": VisionTransformerCfg(patch_size=32, embed_dim=1024, depth=24, num_heads=16),
    "vit_little_patch16_reg1_gap_256": VisionTransformerCfg(
        patch_size=16, embed_dim=320, depth=14, num_heads=5, init_values=1e-05, mlp_ratio=5.6, class_token=False,
        no_embed_class=True, reg_tokens=1, global_pool='avg',
    ),
    "vit_little_patch16_reg4_gap_256": VisionTransformerCfg(
        patch_size=16, embed_dim=320, depth=14, num_heads=5, init_values=1e-05, mlp_ratio=5.6, class_token=False,
        no_embed_class=True, reg_tokens=4, global_pool='avg',
    ),
    "vit_medium_patch16_clip_224": VisionTransformerCfg(
        embed_dim=512, depth=12, num_heads=8, pre_norm=True, epsilon=1e-05,
    ),
    "vit_medium_patch16_gap_240": VisionTransformerCfg(
        patch_size=16, embed_dim=512, depth=12, num_heads=8, class_token=False, global_pool='avg', qkv_bias=False,
        init_values=1e-06, fc_norm=False,
    ),
    "vit_medium_patch16_gap_256": VisionTransformerCfg(
        patch_size=16, embed_dim=512, depth=12, num_heads=8, class_token=False, global_pool='avg', qkv_bias=False,
        init_values=1e-06, fc_norm=False,
    ),
    "vit_medium_patch16_gap_384": VisionTransformerCfg(
        patch_size=16, embed_dim=512, depth=12, num_heads=8, class_token=False, global_pool='avg', qkv_bias=False,
        init_values=1e-06, fc_norm=False,
    ),
    "vit_medium_patch16_reg1_gap_256": VisionTransformerCfg(
        patch_size=16, embed_dim=512, depth=12, num_heads=8, init_values=1e-05, class_token=False,
        no_embed_class=True, reg_tokens=1, global_pool='avg',
    ),
    "vit_medium_patch16_reg4_gap_256": VisionTransformerCfg(
        patch_size=16, embed_dim=512, depth=12, num_heads=8, init_values=1e-05, class_token=False,
        no_embed_class=True, reg_tokens=4, global_pool='avg',
    ),
    "vit_medium_patch32_clip_224": VisionTransformerCfg(
        patch_size=32, embed_dim=512, depth=12, num_heads=8, pre_norm=True, epsilon=1e-05,
    ),
    "vit_mediumd_patch16_reg4_gap_256": VisionTransformerCfg(
        patch_size=16, embed_dim=512, depth=20, num_heads=8, init_values=1e-05, class_token=False,
        no_embed_class=True, reg_tokens=4, global_pool='avg',
    ),
    "vit_mediumd_patch16_reg4_gap_384": VisionTransformerCfg(
        patch_size=16, embed_dim=512, depth=20, num_heads=8, init_values=1e-05, class_token=False,
        no_embed_class=True, reg_tokens=4, global_pool='avg',
    ),
    "vit_pwee_patch16_reg1_gap_256": VisionTransformerCfg(
        patch_size=16, embed_dim=256, depth=16, num_heads=4, init_values=1e-5, mlp_ratio=5, class_token=False,
        no_embed_class=True, reg_tokens=1, global_pool='avg', block_fn='parallel_scaling',
    ),
    "vit_small_patch14_dinov2": VisionTransformerCfg(
        patch_size=14, embed_dim=384, depth=12, num_heads=6, init_values=1e-05,
    ),
    "vit_small_patch14_reg4_dinov2": VisionTransformerCfg(
        patch_size=14, embed_dim=384, depth=12, num_heads=6, init_values=1e-05, reg_tokens=4, no_embed_class=True,
    ),
    "vit_small_patch16_224": VisionTransformerCfg(patch_size=16, embed_dim=384, depth=12, num_heads=6),
    "vit_small_patch16_384": VisionTransformerCfg(patch_size=16, embed_dim=384, depth=12, num_heads=6),
    "vit_small_patch32_224": VisionTransformerCfg(patch_size=32, embed_dim=384, depth=12, num_heads=6),
    "vit_small_patch32_384": VisionTransformerCfg(patch_size=32, embed_dim=384, depth=12, num_heads=6),
    "vit_small_patch8_224": VisionTransformerCfg(patch_size=8, embed_dim=384, depth=12, num_heads=6),
    "vit_so150m2_patch16_reg1_gap_256": VisionTransformerCfg(
        patch_size=16, embed_dim=832, depth=21, num_heads=13, mlp_ratio=2.6153846153846154, init_values=1e-05,
        qkv_bias=False, class_token=False, reg_tokens=1, global_pool='avg',
    ),
    "vit_so150m2_patch16_reg1_gap_384": VisionTransformerCfg(
        patch_size=16, embed_dim=832, depth=21, num_heads=13, mlp_ratio=2.6153846153846154, init_values=1e-05,
        qkv_bias=False, class_token=False, reg_tokens=1, global_pool='avg',
    ),
    "vit_so150m2_patch16_reg1_gap_448": VisionTransformerCfg(
        patch_size=16, embed_dim=832, depth=21, num_heads=13, mlp_ratio=2.6153846153846154, init_values=1e-05,
        qkv_bias=False, class_token=False, reg_tokens=1, global_pool='avg',
    ),
    "vit_so150m_patch16_reg4_gap_256": VisionTransformerCfg(
        patch_size=16, embed_dim=896, depth=18, num_heads=14, mlp_ratio=2.572, class_token=False, reg_tokens=4,
        global_pool='avg', fc_norm=False,
    ),
    "vit_so150m_patch16_reg4_gap_384": VisionTransformerCfg(
        patch_size=16, embed_dim=896, depth=18, num_heads=14, mlp_ratio=2.572, class_token=False, reg_tokens=4,
        global_pool='avg', fc_norm=False,
    ),
    "vit_so400m_patch14_reg1_tipsv2": VisionTransformerCfg(
        patch_size=14, embed_dim=1152, depth=27, num_heads=16, init_values=1.0, mlp_ratio=3.736111111111111,
        reg_tokens=1, no_embed_class=True,
    ),
    "vit_so400m_patch14_siglip_224": VisionTransformerCfg(
        patch_size=14, embed_dim=1152, depth=27, num_heads=16, mlp_ratio=3.7362, class_token=False,
        global_pool='map',
    ),
    "vit_so400m_patch14_siglip_378": VisionTransformerCfg(
        patch_size=14, embed_dim=1152, depth=27, num_heads=16, mlp_ratio=3.7362, class_token=False,
        global_pool='map',
    ),
    "vit_so400m_patch14_siglip_384": VisionTransformerCfg(
        patch_size=14, embed_dim=1152, depth=27, num_heads=16, mlp_ratio=3.7362, class_token=False,
        global_pool='map',
    ),
    "vit_so400m_patch14_siglip_gap_224": VisionTransformerCfg(
        patch_size=14, embed_dim=1152, depth=27, num_heads=16, mlp_ratio=3.7362, class_token=False,
        global_pool='avg', fc_norm=False,
    ),
    "vit_so400m_patch14_siglip_gap_378": VisionTransformerCfg(
        patch_size=14, embed_dim=1152, depth=27, num_heads=16, mlp_ratio=3.7362, class_token=False,
        global_pool='avg', fc_norm=False,
    ),
    "vit_so400m_patch14_siglip_gap_384": VisionTransformerCfg(
        patch_size=14, embed_dim=1152, depth=27, num_heads=16, mlp_ratio=3.7362, class_token=False,
        global_pool='avg', fc_norm=False,
    ),
    "vit_so400m_patch14_siglip_gap_448": VisionTransformerCfg(
        patch_size=14, embed_dim=1152, depth=27, num_heads=16, mlp_ratio=3.7362, class_token=False,
        global_pool='avg', fc_norm=False,
    ),
    "vit_so400m_patch14_siglip_gap_896": VisionTransformerCfg(
        patch_size=14, embed_dim=1152, depth=27, num_heads=16, mlp_ratio=3.7362, class_token=False,
        global_pool='avg', fc_norm=False,
    ),
    "vit_so400m_patch16_radio_v4": VisionTransformerCfg(
        img_size=512, patch_size=16, embed_dim=1152, depth=27, num_heads=16, mlp_ratio=3.736111111111111,
        reg_tokens=9, no_embed_class=True, final_norm=False,
    ),
    "vit_so400m_patch16_siglip_256": VisionTransformerCfg(
        patch_size=16, embed_dim=1152, depth=27, num_heads=16, mlp_ratio=3.7362, class_token=False,
        global_pool='map', act_layer='gelu_tanh',
    ),
    "vit_so400m_patch16_siglip_384": VisionTransformerCfg(
        patch_size=16, embed_dim=1152, depth=27, num_heads=16, mlp_ratio=3.7362, class_token=False,
        global_pool='map', act_layer='gelu_tanh',
    ),
    "vit_so400m_patch16_siglip_512": VisionTransformerCfg(
        patch_size=16, embed_dim=1152, depth=27, num_heads=16, mlp_ratio=3.7362, class_token=False,
        global_pool='map', act_layer='gelu_tanh',
    ),
    "vit_so400m_patch16_siglip_gap_256": VisionTransformerCfg(
        patch_size=16, embed_dim=1152, depth=27, num_heads=16, mlp_ratio=3.7362, class_token=False,
        global_pool='avg', fc_norm=False, act_layer='gelu_tanh',
    ),
    "vit_so400m_patch16_siglip_gap_384": VisionTransformerCfg(
        patch_size=16, embed_dim=1152, depth=27, num_heads=16, mlp_ratio=3.7362, class_token=False,
        global_pool='avg', fc_norm=False, act_layer='gelu_tanh',
    ),
    "vit_so400m_patch16_siglip_gap_512": VisionTransformerCfg(
        patch_size=16, embed_dim=1152, depth=27, num_heads=16, mlp_ratio=3.7362, class_token=False,
        global_pool='avg', fc_norm=False, act_layer='gelu_tanh',
    ),
    "vit_tiny_patch16_224": VisionTransformerCfg(patch_size=16, embed_dim=192, depth=12, num_heads=3),
    "vit_tiny_patch16_384": VisionTransformerCfg(patch_size=16, embed_dim=192, depth=12, num_heads=3),
    "vit_wee_patch16_reg1_gap_256": VisionTransformerCfg(
        patch_size=16, embed_dim=256, depth=14, num_heads=4, init_values=1e-05, mlp_ratio=5, class_token=False,
        no_embed_class=True, reg_tokens=1, global_pool='avg',
    ),
    "vit_xsmall_patch16_clip_224": VisionTransformerCfg(
        embed_dim=256, depth=10, num_heads=4, pre_norm=True, epsilon=1e-05,
    ),
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
default_cfgs = {
    "vit_base_patch16_224.augreg2_in21k_ft_in1k": _cfg(
        hf_hub_id='timm/'),
    "vit_base_patch8_224.augreg2_in21k_ft_in1k": _cfg(
        hf_hub_id='timm/'),
    "vit_tiny_patch16_224.augreg_in21k_ft_in1k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/Ti_16-i21k-300ep-lr_0.001-aug_none-wd_0.03-do_0.0-sd_0.0--imagenet2012-steps_20k-lr_0.03-res_224.npz',
        hf_hub_id='timm/',
        custom_load=True),
    "vit_tiny_patch16_384.augreg_in21k_ft_in1k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/Ti_16-i21k-300ep-lr_0.001-aug_none-wd_0.03-do_0.0-sd_0.0--imagenet2012-steps_20k-lr_0.03-res_384.npz',
        hf_hub_id='timm/',
        custom_load=True, input_size=(3, 384, 384), crop_pct=1.0),
    "vit_small_patch32_224.augreg_in21k_ft_in1k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/S_32-i21k-300ep-lr_0.001-aug_light1-wd_0.03-do_0.0-sd_0.0--imagenet2012-steps_20k-lr_0.03-res_224.npz',
        hf_hub_id='timm/',
        custom_load=True),
    "vit_small_patch32_384.augreg_in21k_ft_in1k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/S_32-i21k-300ep-lr_0.001-aug_light1-wd_0.03-do_0.0-sd_0.0--imagenet2012-steps_20k-lr_0.03-res_384.npz',
        hf_hub_id='timm/',
        custom_load=True, input_size=(3, 384, 384), crop_pct=1.0),
    "vit_small_patch16_224.augreg_in21k_ft_in1k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/S_16-i21k-300ep-lr_0.001-aug_light1-wd_0.03-do_0.0-sd_0.0--imagenet2012-steps_20k-lr_0.03-res_224.npz',
        hf_hub_id='timm/',
        custom_load=True),
    "vit_small_patch16_384.augreg_in21k_ft_in1k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/S_16-i21k-300ep-lr_0.001-aug_light1-wd_0.03-do_0.0-sd_0.0--imagenet2012-steps_20k-lr_0.03-res_384.npz',
        hf_hub_id='timm/',
        custom_load=True, input_size=(3, 384, 384), crop_pct=1.0),
    "vit_base_patch32_224.augreg_in21k_ft_in1k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/B_32-i21k-300ep-lr_0.001-aug_medium1-wd_0.03-do_0.0-sd_0.0--imagenet2012-steps_20k-lr_0.03-res_224.npz',
        hf_hub_id='timm/',
        custom_load=True),
    "vit_base_patch32_384.augreg_in21k_ft_in1k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/B_32-i21k-300ep-lr_0.001-aug_light1-wd_0.1-do_0.0-sd_0.0--imagenet2012-steps_20k-lr_0.03-res_384.npz',
        hf_hub_id='timm/',
        custom_load=True, input_size=(3, 384, 384), crop_pct=1.0),
    "vit_base_patch16_224.augreg_in21k_ft_in1k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/B_16-i21k-300ep-lr_0.001-aug_medium1-wd_0.1-do_0.0-sd_0.0--imagenet2012-steps_20k-lr_0.01-res_224.npz',
        hf_hub_id='timm/',
        custom_load=True),
    "vit_base_patch16_384.augreg_in21k_ft_in1k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/B_16-i21k-300ep-lr_0.001-aug_medium1-wd_0.1-do_0.0-sd_0.0--imagenet2012-steps_20k-lr_0.01-res_384.npz',
        hf_hub_id='timm/',
        custom_load=True, input_size=(3, 384, 384), crop_pct=1.0),
    "vit_base_patch8_224.augreg_in21k_ft_in1k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/B_8-i21k-300ep-lr_0.001-aug_medium1-wd_0.1-do_0.0-sd_0.0--imagenet2012-steps_20k-lr_0.01-res_224.npz',
        hf_hub_id='timm/',
        custom_load=True),
    "vit_large_patch16_224.augreg_in21k_ft_in1k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/L_16-i21k-300ep-lr_0.001-aug_medium1-wd_0.1-do_0.1-sd_0.1--imagenet2012-steps_20k-lr_0.01-res_224.npz',
        hf_hub_id='timm/',
        custom_load=True),
    "vit_large_patch16_384.augreg_in21k_ft_in1k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/L_16-i21k-300ep-lr_0.001-aug_medium1-wd_0.1-do_0.1-sd_0.1--imagenet2012-steps_20k-lr_0.01-res_384.npz',
        hf_hub_id='timm/',
        custom_load=True, input_size=(3, 384, 384), crop_pct=1.0),
    "vit_base_patch16_224.orig_in21k_ft_in1k": _cfg(
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-vitjx/jx_vit_base_p16_224-80ecf9dd.pth',
        hf_hub_id='timm/'),
    "vit_base_patch16_384.orig_in21k_ft_in1k": _cfg(
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-vitjx/jx_vit_base_p16_384-83fb41ba.pth',
        hf_hub_id='timm/',
        input_size=(3, 384, 384), crop_pct=1.0),
    "vit_large_patch32_384.orig_in21k_ft_in1k": _cfg(
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-vitjx/jx_vit_large_p32_384-9b920ba8.pth',
        hf_hub_id='timm/',
        input_size=(3, 384, 384), crop_pct=1.0),
    "vit_small_patch16_224.augreg_in1k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/S_16-i1k-300ep-lr_0.001-aug_medium2-wd_0.1-do_0.0-sd_0.0--imagenet2012-steps_20k-lr_0.01-res_224.npz',
        hf_hub_id='timm/',
        custom_load=True),
    "vit_small_patch16_384.augreg_in1k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/S_16-i1k-300ep-lr_0.001-aug_medium2-wd_0.1-do_0.0-sd_0.0--imagenet2012-steps_20k-lr_0.01-res_384.npz',
        hf_hub_id='timm/',
        custom_load=True, input_size=(3, 384, 384), crop_pct=1.0),
    "vit_base_patch32_224.augreg_in1k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/B_32-i1k-300ep-lr_0.001-aug_medium2-wd_0.1-do_0.1-sd_0.1--imagenet2012-steps_20k-lr_0.01-res_224.npz',
        hf_hub_id='timm/',
        custom_load=True),
    "vit_base_patch32_384.augreg_in1k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/B_32-i1k-300ep-lr_0.001-aug_medium2-wd_0.1-do_0.1-sd_0.1--imagenet2012-steps_20k-lr_0.01-res_384.npz',
        hf_hub_id='timm/',
        custom_load=True, input_size=(3, 384, 384), crop_pct=1.0),
    "vit_base_patch16_224.augreg_in1k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/B_16-i1k-300ep-lr_0.001-aug_strong2-wd_0.1-do_0.1-sd_0.1--imagenet2012-steps_20k-lr_0.01-res_224.npz',
        hf_hub_id='timm/',
        custom_load=True),
    "vit_base_patch16_384.augreg_in1k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/B_16-i1k-300ep-lr_0.001-aug_strong2-wd_0.1-do_0.1-sd_0.1--imagenet2012-steps_20k-lr_0.01-res_384.npz',
        hf_hub_id='timm/',
        custom_load=True, input_size=(3, 384, 384), crop_pct=1.0),
    "vit_huge_patch14_224.untrained": _cfg(url=''),
    "vit_base_patch32_224.orig_in21k": _cfg(
        #url='https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-vitjx/jx_vit_base_patch32_224_in21k-8db57226.pth',
        hf_hub_id='timm/',
        num_classes=0),
    "vit_base_patch16_224.orig_in21k": _cfg(
        #url='https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-vitjx/jx_vit_base_patch16_224_in21k-e5005f0a.pth',
        hf_hub_id='timm/',
        num_classes=0),
    "vit_large_patch32_224.orig_in21k": _cfg(
        #url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-vitjx/jx_vit_large_patch32_224_in21k-9046d2e7.pth',
        hf_hub_id='timm/',
        num_classes=0),
    "vit_large_patch16_224.orig_in21k": _cfg(
        #url='https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-vitjx/jx_vit_large_patch16_224_in21k-606da67d.pth',
        hf_hub_id='timm/',
        num_classes=0),
    "vit_huge_patch14_224.orig_in21k": _cfg(
        hf_hub_id='timm/',
        num_classes=0),
    "vit_tiny_patch16_224.augreg_in21k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/Ti_16-i21k-300ep-lr_0.001-aug_none-wd_0.03-do_0.0-sd_0.0.npz',
        hf_hub_id='timm/',
        custom_load=True, num_classes=21843),
    "vit_small_patch32_224.augreg_in21k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/S_32-i21k-300ep-lr_0.001-aug_light1-wd_0.03-do_0.0-sd_0.0.npz',
        hf_hub_id='timm/',
        custom_load=True, num_classes=21843),
    "vit_small_patch16_224.augreg_in21k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/S_16-i21k-300ep-lr_0.001-aug_light1-wd_0.03-do_0.0-sd_0.0.npz',
        hf_hub_id='timm/',
        custom_load=True, num_classes=21843),
    "vit_base_patch32_224.augreg_in21k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/B_32-i21k-300ep-lr_0.001-aug_medium1-wd_0.03-do_0.0-sd_0.0.npz',
        hf_hub_id='timm/',
        custom_load=True, num_classes=21843),
    "vit_base_patch16_224.augreg_in21k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/B_16-i21k-300ep-lr_0.001-aug_medium1-wd_0.1-do_0.0-sd_0.0.npz',
        hf_hub_id='timm/',
        custom_load=True, num_classes=21843),
    "vit_base_patch8_224.augreg_in21k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/B_8-i21k-300ep-lr_0.001-aug_medium1-wd_0.1-do_0.0-sd_0.0.npz',
        hf_hub_id='timm/',
        custom_load=True, num_classes=21843),
    "vit_large_patch16_224.augreg_in21k": _cfg(
        url='https://storage.googleapis.com/vit_models/augreg/L_16-i21k-300ep-lr_0.001-aug_medium1-wd_0.1-do_0.1-sd_0.1.npz',
        hf_hub_id='timm/',
        custom_load=True, num_classes=21843),
    "vit_base_patch32_224.sam_in1k": _cfg(
        url='https://storage.googleapis.com/vit_models/sam/ViT-B_32.npz', custom_load=True,
        hf_hub_id='timm/'),
    "vit_base_patch16_224.sam_in1k": _cfg(
        url='https://storage.googleapis.com/vit_models/sam/ViT-B_16.npz', custom_load=True,
        hf_hub_id='timm/'),
    "vit_base_patch16_224.bamboo": _cfg(
        hf_hub_id='timm/', num_classes=115217, crop_pct=1.0,
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        license=None, origin_url='https://github.com/ZhangYuanhan-AI/Bamboo', paper_ids='arXiv:2203.07845'),
    "vit_small_patch16_224.dino": _cfg(
        url='https://dl.fbaipublicfiles.com/dino/dino_deitsmall16_pretrain/dino_deitsmall16_pretrain.pth',
        hf_hub_id='timm/',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, num_classes=0),
    "vit_small_patch8_224.dino": _cfg(
        url='https://dl.fbaipublicfiles.com/dino/dino_deitsmall8_pretrain/dino_deitsmall8_pretrain.pth',
        hf_hub_id='timm/',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, num_classes=0),
    "vit_base_patch16_224.dino": _cfg(
        url='https://dl.fbaipublicfiles.com/dino/dino_vitbase16_pretrain/dino_vitbase16_pretrain.pth',
        hf_hub_id='timm/',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, num_classes=0),
    "vit_base_patch8_224.dino": _cfg(
        url='https://dl.fbaipublicfiles.com/dino/dino_vitbase8_pretrain/dino_vitbase8_pretrain.pth',
        hf_hub_id='timm/',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, num_classes=0),
    "vit_small_patch14_dinov2.lvd142m": _cfg(
        url='https://dl.fbaipublicfiles.com/dinov2/dinov2_vits14/dinov2_vits14_pretrain.pth',
        hf_hub_id='timm/',
        license='apache-2.0',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, num_classes=0,
        input_size=(3, 518, 518), crop_pct=1.0),
    "vit_base_patch14_dinov2.lvd142m": _cfg(
        url='https://dl.fbaipublicfiles.com/dinov2/dinov2_vitb14/dinov2_vitb14_pretrain.pth',
        hf_hub_id='timm/',
        license='apache-2.0',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, num_classes=0,
        input_size=(3, 518, 518), crop_pct=1.0),
    "vit_large_patch14_dinov2.lvd142m": _cfg(
        url='https://dl.fbaipublicfiles.com/dinov2/dinov2_vitl14/dinov2_vitl14_pretrain.pth',
        hf_hub_id='timm/',
        license='apache-2.0',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, num_classes=0,
        input_size=(3, 518, 518), crop_pct=1.0),
    "vit_small_patch14_reg4_dinov2.lvd142m": _cfg(
        url='https://dl.fbaipublicfiles.com/dinov2/dinov2_vits14/dinov2_vits14_reg4_pretrain.pth',
        hf_hub_id='timm/',
        license='apache-2.0',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, num_classes=0,
        input_size=(3, 518, 518), crop_pct=1.0),
    "vit_base_patch14_reg4_dinov2.lvd142m": _cfg(
        url='https://dl.fbaipublicfiles.com/dinov2/dinov2_vitb14/dinov2_vitb14_reg4_pretrain.pth',
        hf_hub_id='timm/',
        license='apache-2.0',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, num_classes=0,
        input_size=(3, 518, 518), crop_pct=1.0),
    "vit_large_patch14_reg4_dinov2.lvd142m": _cfg(
        url='https://dl.fbaipublicfiles.com/dinov2/dinov2_vitl14/dinov2_vitl14_reg4_pretrain.pth',
        hf_hub_id='timm/',
        license='apache-2.0',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, num_classes=0,
        input_size=(3, 518, 518), crop_pct=1.0),
    "vit_base_patch14_reg1_tipsv2.webli": _cfg(
        hf_hub_id='timm/',
        license='apache-2.0',
        mean=(0., 0., 0.), std=(1., 1., 1.), num_classes=0,
        input_size=(3, 448, 448), crop_pct=1.0),
    "vit_large_patch14_reg1_tipsv2.webli": _cfg(
        hf_hub_id='timm/',
        license='apache-2.0',
        mean=(0., 0., 0.), std=(1., 1., 1.), num_classes=0,
        input_size=(3, 448, 448), crop_pct=1.0),
    "vit_so400m_patch14_reg1_tipsv2.webli": _cfg(
        hf_hub_id='timm/',
        license='apache-2.0',
        mean=(0., 0., 0.), std=(1., 1., 1.), num_classes=0,
        input_size=(3, 448, 448), crop_pct=1.0),
    "vit_base_patch16_224_miil.in21k": _cfg(
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-tresnet/vit_base_patch16_224_in21k_miil-887286df.pth',
        hf_hub_id='timm/',
        mean=(0., 0., 0.), std=(1., 1., 1.), crop_pct=0.875, interpolation='bilinear', num_classes=11221),
    "vit_base_patch16_224_miil.in21k_ft_in1k": _cfg(
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-tresnet/vit_base_patch16_224_1k_miil_84_4-2deb18e3.pth',
        hf_hub_id='timm/',
        mean=(0., 0., 0.), std=(1., 1., 1.), crop_pct=0.875, interpolation='bilinear'),
    "vit_base_patch16_rpn_224.sw_in1k": _cfg(
        url='https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-tpu-weights/vit_base_patch16_rpn_224-sw-3b07e89d.pth',
        hf_hub_id='timm/'),
    "vit_medium_patch16_gap_240.sw_in12k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 240, 240), crop_pct=0.95, num_classes=11821),
    "vit_medium_patch16_gap_256.sw_in12k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_medium_patch16_gap_384.sw_in12k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 384, 384), crop_pct=0.95, crop_mode='squash'),
    "vit_base_patch32_clip_224.laion2b_ft_in12k_in1k": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD),
    "vit_base_patch32_clip_384.laion2b_ft_in12k_in1k": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, input_size=(3, 384, 384)),
    "vit_base_patch32_clip_448.laion2b_ft_in12k_in1k": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, input_size=(3, 448, 448)),
    "vit_base_patch16_clip_224.laion2b_ft_in12k_in1k": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=0.95),
    "vit_base_patch16_clip_384.laion2b_ft_in12k_in1k": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        crop_pct=1.0, input_size=(3, 384, 384), crop_mode='squash'),
    "vit_large_patch14_clip_224.laion2b_ft_in12k_in1k": _cfg(
        hf_hub_id='timm/',
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD, crop_pct=1.0),
    "vit_large_patch14_clip_336.laion2b_ft_in12k_in1k": _cfg(
        hf_hub_id='timm/',
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD,
        crop_pct=1.0, input_size=(3, 336, 336), crop_mode='squash'),
    "vit_huge_patch14_clip_224.laion2b_ft_in12k_in1k": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0),
    "vit_huge_patch14_clip_336.laion2b_ft_in12k_in1k": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        crop_pct=1.0, input_size=(3, 336, 336), crop_mode='squash'),
    "vit_base_patch32_clip_224.openai_ft_in12k_in1k": _cfg(
        # hf_hub_id='timm/vit_base_patch32_clip_224.openai_ft_in12k_in1k',  # FIXME weight exists, need to push
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD),
    "vit_base_patch32_clip_384.openai_ft_in12k_in1k": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        crop_pct=0.95, input_size=(3, 384, 384), crop_mode='squash'),
    "vit_base_patch16_clip_224.openai_ft_in12k_in1k": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=0.95),
    "vit_base_patch16_clip_384.openai_ft_in12k_in1k": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        crop_pct=0.95, input_size=(3, 384, 384), crop_mode='squash'),
    "vit_large_patch14_clip_224.openai_ft_in12k_in1k": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0),
    "vit_large_patch14_clip_336.openai_ft_in12k_in1k": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        crop_pct=1.0, input_size=(3, 336, 336), crop_mode='squash'),
    "vit_base_patch32_clip_224.laion2b_ft_in1k": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD),
    "vit_base_patch16_clip_224.laion2b_ft_in1k": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0),
    "vit_base_patch16_clip_384.laion2b_ft_in1k": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        crop_pct=1.0, input_size=(3, 384, 384), crop_mode='squash'),
    "vit_large_patch14_clip_224.laion2b_ft_in1k": _cfg(
        hf_hub_id='timm/',
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD, crop_pct=1.0),
    "vit_large_patch14_clip_336.laion2b_ft_in1k": _cfg(
        hf_hub_id='timm/',
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD,
        crop_pct=1.0, input_size=(3, 336, 336), crop_mode='squash'),
    "vit_huge_patch14_clip_224.laion2b_ft_in1k": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0),
    "vit_huge_patch14_clip_336.laion2b_ft_in1k": _cfg(
        hf_hub_id='',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        crop_pct=1.0, input_size=(3, 336, 336), crop_mode='squash'),
    "vit_base_patch32_clip_224.openai_ft_in1k": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD),
    "vit_base_patch16_clip_224.openai_ft_in1k": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD),
    "vit_base_patch16_clip_384.openai_ft_in1k": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        crop_pct=1.0, input_size=(3, 384, 384), crop_mode='squash'),
    "vit_large_patch14_clip_224.openai_ft_in1k": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0),
    "vit_base_patch16_clip_224.laion2b_ft_in12k": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, num_classes=11821),
    "vit_large_patch14_clip_224.laion2b_ft_in12k": _cfg(
        hf_hub_id='timm/',
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD, crop_pct=1.0, num_classes=11821),
    "vit_huge_patch14_clip_224.laion2b_ft_in12k": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=11821),
    "vit_base_patch16_clip_224.openai_ft_in12k": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, num_classes=11821),
    "vit_large_patch14_clip_224.openai_ft_in12k": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=11821),
    "vit_base_patch32_clip_224.laion2b": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, num_classes=512),
    "vit_base_patch16_clip_224.laion2b": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=512),
    "vit_large_patch14_clip_224.laion2b": _cfg(
        hf_hub_id='timm/',
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD, crop_pct=1.0, num_classes=768),
    "vit_huge_patch14_clip_224.laion2b": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=1024),
    "vit_giant_patch14_clip_224.laion2b": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=1024),
    "vit_gigantic_patch14_clip_224.laion2b": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=1280),
    "vit_base_patch32_clip_224.laion400m_e32": _cfg(
        hf_hub_id='timm/',
        license='mit',
        notes=('natively QuickGELU, use quickgelu model variant for original results',),
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, num_classes=512),
    "vit_base_patch16_clip_224.laion400m_e32": _cfg(
        hf_hub_id='timm/',
        license='mit',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=512),
    "vit_base_patch16_plus_clip_240.laion400m_e32": _cfg(
        hf_hub_id='timm/',
        license='mit',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 240, 240), crop_pct=1.0, num_classes=640),
    "vit_large_patch14_clip_224.laion400m_e32": _cfg(
        hf_hub_id='timm/',
        license='mit',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=768),
    "vit_base_patch32_clip_224.datacompxl": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=512),
    "vit_base_patch32_clip_256.datacompxl": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        crop_pct=1.0, input_size=(3, 256, 256), num_classes=512),
    "vit_base_patch16_clip_224.datacompxl": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=512),
    "vit_large_patch14_clip_224.datacompxl": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=768),
    "vit_base_patch16_clip_224.dfn2b": _cfg(
        hf_hub_id='timm/',
        license='apple-ascl',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=512),
    "vit_large_patch14_clip_224.dfn2b_s39b": _cfg(
        hf_hub_id='timm/',
        license='apple-ascl',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=768),
    "vit_large_patch14_clip_224.dfn2b": _cfg(
        hf_hub_id='timm/',
        license='apple-ascl',
        notes=('natively QuickGELU, use quickgelu model variant for original results',),
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=768),
    "vit_huge_patch14_clip_224.dfn5b": _cfg(
        hf_hub_id='timm/',
        license='apple-ascl',
        notes=('natively QuickGELU, use quickgelu model variant for original results',),
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=1024),
    "vit_huge_patch14_clip_378.dfn5b": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        license='apple-ascl',
        notes=('natively QuickGELU, use quickgelu model variant for original results',),
        crop_pct=1.0, input_size=(3, 378, 378), num_classes=1024),
    "vit_huge_patch14_clip_224.metaclip2_worldwide": _cfg(
        hf_hub_id='timm/',
        license='cc-by-nc-4.0',
        notes=('natively QuickGELU, use quickgelu model variant for original results',),
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=1024),
    "vit_huge_patch14_clip_378.metaclip2_worldwide": _cfg(
        hf_hub_id='timm/',
        license='cc-by-nc-4.0',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 378, 378), crop_pct=1.0, crop_mode='squash', num_classes=1024),
    "vit_gigantic_patch14_clip_224.metaclip2_worldwide": _cfg(
        hf_hub_id='timm/',
        license='cc-by-nc-4.0',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=1280),
    "vit_gigantic_patch14_clip_378.metaclip2_worldwide": _cfg(
        hf_hub_id='timm/',
        license='cc-by-nc-4.0',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 378, 378), crop_pct=1.0, crop_mode='squash', num_classes=1280),
    "vit_base_patch32_clip_224.metaclip_2pt5b": _cfg(
        hf_hub_id='timm/',
        license='cc-by-nc-4.0',
        notes=('natively QuickGELU, use quickgelu model variant for original results',),
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=512),
    "vit_base_patch16_clip_224.metaclip_2pt5b": _cfg(
        hf_hub_id='timm/',
        license='cc-by-nc-4.0',
        notes=('natively QuickGELU, use quickgelu model variant for original results',),
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=512),
    "vit_large_patch14_clip_224.metaclip_2pt5b": _cfg(
        hf_hub_id='timm/',
        license='cc-by-nc-4.0',
        notes=('natively QuickGELU, use quickgelu model variant for original results',),
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=768),
    "vit_huge_patch14_clip_224.metaclip_2pt5b": _cfg(
        hf_hub_id='timm/',
        license='cc-by-nc-4.0',
        notes=('natively QuickGELU, use quickgelu model variant for original results',),
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=1024),
    "vit_huge_patch14_clip_224.metaclip_altogether": _cfg(
        hf_hub_id='timm/',
        license='cc-by-nc-4.0',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=1024),
    "vit_gigantic_patch14_clip_224.metaclip_2pt5b": _cfg(
        hf_hub_id='timm/',
        license='cc-by-nc-4.0',
        notes=('natively QuickGELU, use quickgelu model variant for original results',),
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=1280),
    "vit_base_patch32_clip_224.metaclip_400m": _cfg(
        hf_hub_id='timm/',
        license='cc-by-nc-4.0',
        notes=('natively QuickGELU, use quickgelu model variant for original results',),
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=512),
    "vit_base_patch16_clip_224.metaclip_400m": _cfg(
        hf_hub_id='timm/',
        license='cc-by-nc-4.0',
        notes=('natively QuickGELU, use quickgelu model variant for original results',),
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=512),
    "vit_large_patch14_clip_224.metaclip_400m": _cfg(
        hf_hub_id='timm/',
        license='cc-by-nc-4.0',
        notes=('natively QuickGELU, use quickgelu model variant for original results',),
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=768),
    "vit_base_patch32_clip_224.openai": _cfg(
        hf_hub_id='timm/',
        notes=('natively QuickGELU, use quickgelu model variant for original results',),
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, num_classes=512),
    "vit_base_patch16_clip_224.openai": _cfg(
        hf_hub_id='timm/',
        notes=('natively QuickGELU, use quickgelu model variant for original results',),
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, num_classes=512),
    "vit_large_patch14_clip_224.openai": _cfg(
        hf_hub_id='timm/',
        notes=('natively QuickGELU, use quickgelu model variant for original results',),
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0, num_classes=768),
    "vit_large_patch14_clip_336.openai": _cfg(
        hf_hub_id='timm/',
        notes=('natively QuickGELU, use quickgelu model variant for original results',),
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        crop_pct=1.0, input_size=(3, 336, 336), num_classes=768),
    "vit_large_patch14_clip_224.apple_mclip2_dfndr2b": _cfg(
        hf_hub_id='timm/',
        num_classes=768,
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, crop_pct=1.0,
        license='apple-amlr'
    ),
    "eva_large_patch14_196.in22k_ft_in22k_in1k": _cfg(
        # hf_hub_id='BAAI/EVA', hf_hub_filename='eva_l_psz14_196px_21k_to_1k_ft_88p6.pt',
        hf_hub_id='timm/', license='mit',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 196, 196), crop_pct=1.0),
    "eva_large_patch14_336.in22k_ft_in22k_in1k": _cfg(
        # hf_hub_id='BAAI/EVA', hf_hub_filename='eva_l_psz14_336px_21k_to_1k_ft_89p2.pt',
        hf_hub_id='timm/', license='mit',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 336, 336), crop_pct=1.0, crop_mode='squash'),
    "eva_large_patch14_196.in22k_ft_in1k": _cfg(
        # hf_hub_id='BAAI/EVA', hf_hub_filename='eva_l_psz14_196px_1k_ft_88p0.pt',
        hf_hub_id='timm/', license='mit',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 196, 196), crop_pct=1.0),
    "eva_large_patch14_336.in22k_ft_in1k": _cfg(
        # hf_hub_id='BAAI/EVA', hf_hub_filename='eva_l_psz14_336px_1k_ft_88p65.pt',
        hf_hub_id='timm/', license='mit',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 336, 336), crop_pct=1.0, crop_mode='squash'),
    "flexivit_small.1200ep_in1k": _cfg(
        url='https://storage.googleapis.com/big_vision/flexivit/flexivit_s_i1k.npz', custom_load=True,
        hf_hub_id='timm/',
        input_size=(3, 240, 240), crop_pct=0.95),
    "flexivit_small.600ep_in1k": _cfg(
        url='https://storage.googleapis.com/big_vision/flexivit/flexivit_s_i1k_600ep.npz', custom_load=True,
        hf_hub_id='timm/',
        input_size=(3, 240, 240), crop_pct=0.95),
    "flexivit_small.300ep_in1k": _cfg(
        url='https://storage.googleapis.com/big_vision/flexivit/flexivit_s_i1k_300ep.npz', custom_load=True,
        hf_hub_id='timm/',
        input_size=(3, 240, 240), crop_pct=0.95),
    "flexivit_base.1200ep_in1k": _cfg(
        url='https://storage.googleapis.com/big_vision/flexivit/flexivit_b_i1k.npz', custom_load=True,
        hf_hub_id='timm/',
        input_size=(3, 240, 240), crop_pct=0.95),
    "flexivit_base.600ep_in1k": _cfg(
        url='https://storage.googleapis.com/big_vision/flexivit/flexivit_b_i1k_600ep.npz', custom_load=True,
        hf_hub_id='timm/',
        input_size=(3, 240, 240), crop_pct=0.95),
    "flexivit_base.300ep_in1k": _cfg(
        url='https://storage.googleapis.com/big_vision/flexivit/flexivit_b_i1k_300ep.npz', custom_load=True,
        hf_hub_id='timm/',
        input_size=(3, 240, 240), crop_pct=0.95),
    "flexivit_base.1000ep_in21k": _cfg(
        url='https://storage.googleapis.com/big_vision/flexivit/flexivit_b_i21k_1000ep.npz', custom_load=True,
        hf_hub_id='timm/',
        input_size=(3, 240, 240), crop_pct=0.95, num_classes=21843),
    "flexivit_base.300ep_in21k": _cfg(
        url='https://storage.googleapis.com/big_vision/flexivit/flexivit_b_i21k_300ep.npz', custom_load=True,
        hf_hub_id='timm/',
        input_size=(3, 240, 240), crop_pct=0.95, num_classes=21843),
    "flexivit_large.1200ep_in1k": _cfg(
        url='https://storage.googleapis.com/big_vision/flexivit/flexivit_l_i1k.npz', custom_load=True,
        hf_hub_id='timm/',
        input_size=(3, 240, 240), crop_pct=0.95),
    "flexivit_large.600ep_in1k": _cfg(
        url='https://storage.googleapis.com/big_vision/flexivit/flexivit_l_i1k_600ep.npz', custom_load=True,
        hf_hub_id='timm/',
        input_size=(3, 240, 240), crop_pct=0.95),
    "flexivit_large.300ep_in1k": _cfg(
        url='https://storage.googleapis.com/big_vision/flexivit/flexivit_l_i1k_300ep.npz', custom_load=True,
        hf_hub_id='timm/',
        input_size=(3, 240, 240), crop_pct=0.95),
    "flexivit_base.patch16_in21k": _cfg(
        url='https://storage.googleapis.com/big_vision/flexivit/vit_b16_i21k_300ep.npz', custom_load=True,
        hf_hub_id='timm/',
        input_size=(3, 240, 240), crop_pct=0.95, num_classes=21843),
    "flexivit_base.patch30_in21k": _cfg(
        url='https://storage.googleapis.com/big_vision/flexivit/vit_b30_i21k_300ep.npz', custom_load=True,
        hf_hub_id='timm/',
        input_size=(3, 240, 240), crop_pct=0.95, num_classes=21843),
    "vit_base_patch16_224.mae": _cfg(
        url='https://dl.fbaipublicfiles.com/mae/pretrain/mae_pretrain_vit_base.pth',
        hf_hub_id='timm/',
        license='cc-by-nc-4.0',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, num_classes=0),
    "vit_large_patch16_224.mae": _cfg(
        url='https://dl.fbaipublicfiles.com/mae/pretrain/mae_pretrain_vit_large.pth',
        hf_hub_id='timm/',
        license='cc-by-nc-4.0',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, num_classes=0),
    "vit_huge_patch14_224.mae": _cfg(
        url='https://dl.fbaipublicfiles.com/mae/pretrain/mae_pretrain_vit_huge.pth',
        hf_hub_id='timm/',
        license='cc-by-nc-4.0',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, num_classes=0),
    "vit_huge_patch14_gap_224.in1k_ijepa": _cfg(
        url='https://dl.fbaipublicfiles.com/ijepa/IN1K-vit.h.14-300e.pth.tar',
        # hf_hub_id='timm/',
        license='cc-by-nc-4.0',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, num_classes=0),
    "vit_huge_patch14_gap_224.in22k_ijepa": _cfg(
        url='https://dl.fbaipublicfiles.com/ijepa/IN22K-vit.h.14-900e.pth.tar',
        # hf_hub_id='timm/',
        license='cc-by-nc-4.0',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, num_classes=0),
    "vit_huge_patch16_gap_448.in1k_ijepa": _cfg(
        url='https://dl.fbaipublicfiles.com/ijepa/IN1K-vit.h.16-448px-300e.pth.tar',
        # hf_hub_id='timm/',
        license='cc-by-nc-4.0',
        input_size=(3, 448, 448), crop_pct=1.0,
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, num_classes=0),
    "vit_giant_patch16_gap_224.in22k_ijepa": _cfg(
        url='https://dl.fbaipublicfiles.com/ijepa/IN22K-vit.g.16-600e.pth.tar',
        # hf_hub_id='timm/',
        license='cc-by-nc-4.0',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, num_classes=0),
    "vit_base_patch32_siglip_256.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256),
        num_classes=0),
    "vit_base_patch16_siglip_224.v2_webli": _cfg(
        hf_hub_id='timm/',
        num_classes=0),
    "vit_base_patch16_siglip_224.webli": _cfg(
        hf_hub_id='timm/',
        num_classes=0),
    "vit_base_patch16_siglip_256.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256),
        num_classes=0),
    "vit_base_patch16_siglip_256.webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256),
        num_classes=0),
    "vit_base_patch16_siglip_256.webli_i18n": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256),
        num_classes=0),
    "vit_base_patch16_siglip_384.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 384, 384),
        num_classes=0),
    "vit_base_patch16_siglip_384.webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 384, 384),
        num_classes=0),
    "vit_base_patch16_siglip_512.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 512, 512),
        num_classes=0),
    "vit_base_patch16_siglip_512.webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 512, 512),
        num_classes=0),
    "vit_large_patch16_siglip_256.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256),
        num_classes=0),
    "vit_large_patch16_siglip_256.webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256),
        num_classes=0),
    "vit_large_patch16_siglip_384.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 384, 384),
        num_classes=0),
    "vit_large_patch16_siglip_384.webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 384, 384),
        num_classes=0),
    "vit_large_patch16_siglip_512.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 512, 512),
        num_classes=0),
    "vit_so400m_patch14_siglip_224.v2_webli": _cfg(
        hf_hub_id='timm/',
        num_classes=0),
    "vit_so400m_patch14_siglip_224.webli": _cfg(
        hf_hub_id='timm/',
        num_classes=0),
    "vit_so400m_patch14_siglip_378.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 378, 378),
        num_classes=0),
    "vit_so400m_patch14_siglip_378.webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 378, 378),
        num_classes=0),
    "vit_so400m_patch14_siglip_384.webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 384, 384),
        num_classes=0),
    "vit_so400m_patch16_siglip_256.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256),
        num_classes=0),
    "vit_so400m_patch16_siglip_256.webli_i18n": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256),
        num_classes=0),
    "vit_so400m_patch16_siglip_384.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 384, 384),
        num_classes=0),
    "vit_so400m_patch16_siglip_512.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 512, 512),
        num_classes=0),
    "vit_giantopt_patch16_siglip_256.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256),
        num_classes=0),
    "vit_giantopt_patch16_siglip_384.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 384, 384),
        num_classes=0),
    "vit_base_patch32_siglip_gap_256.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256),
        num_classes=0),
    "vit_base_patch16_siglip_gap_224.v2_webli": _cfg(
        hf_hub_id='timm/',
        num_classes=0),
    "vit_base_patch16_siglip_gap_224.webli": _cfg(
        hf_hub_id='timm/',
        num_classes=0),
    "vit_base_patch16_siglip_gap_256.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256),
        num_classes=0),
    "vit_base_patch16_siglip_gap_256.webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256),
        num_classes=0),
    "vit_base_patch16_siglip_gap_256.webli_i18n": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256),
        num_classes=0),
    "vit_base_patch16_siglip_gap_384.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 384, 384),
        num_classes=0),
    "vit_base_patch16_siglip_gap_384.webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 384, 384),
        num_classes=0),
    "vit_base_patch16_siglip_gap_512.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 512, 512),
        num_classes=0),
    "vit_base_patch16_siglip_gap_512.webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 512, 512),
        num_classes=0),
    "vit_large_patch16_siglip_gap_256.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256),
        num_classes=0),
    "vit_large_patch16_siglip_gap_256.webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256),
        num_classes=0),
    "vit_large_patch16_siglip_gap_384.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 384, 384),
        num_classes=0),
    "vit_large_patch16_siglip_gap_384.webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 384, 384),
        num_classes=0),
    "vit_large_patch16_siglip_gap_512.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 512, 512),
        num_classes=0),
    "vit_so400m_patch14_siglip_gap_224.v2_webli": _cfg(
        hf_hub_id='timm/',
        num_classes=0),
    "vit_so400m_patch14_siglip_gap_224.webli": _cfg(
        hf_hub_id='timm/',
        num_classes=0),
    "vit_so400m_patch14_siglip_gap_224.pali_mix": _cfg(
        hf_hub_id='timm/',
        num_classes=0),
    "vit_so400m_patch14_siglip_gap_224.pali_pt": _cfg(
        hf_hub_id='timm/',
        num_classes=0),
    "vit_so400m_patch14_siglip_gap_224.pali2_3b_pt": _cfg(
        hf_hub_id='timm/',
        num_classes=0),
    "vit_so400m_patch14_siglip_gap_224.pali2_10b_pt": _cfg(
        hf_hub_id='timm/',
        num_classes=0),
    "vit_so400m_patch14_siglip_gap_378.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 378, 378),
        num_classes=0),
    "vit_so400m_patch14_siglip_gap_378.webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 378, 378), crop_pct=1.0,
        num_classes=0),
    "vit_so400m_patch14_siglip_gap_384.webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 384, 384), crop_pct=1.0,
        num_classes=0),
    "vit_so400m_patch14_siglip_gap_448.pali_mix": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 448, 448), crop_pct=1.0,
        num_classes=0),
    "vit_so400m_patch14_siglip_gap_448.pali_pt": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 448, 448), crop_pct=1.0,
        num_classes=0),
    "vit_so400m_patch14_siglip_gap_448.pali_refcoco_seg": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 448, 448), crop_pct=1.0,
        num_classes=0),
    "vit_so400m_patch14_siglip_gap_448.pali_ocrvqa": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 448, 448), crop_pct=1.0,
        num_classes=0),
    "vit_so400m_patch14_siglip_gap_448.pali2_3b_pt": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 448, 448), crop_pct=1.0,
        num_classes=0),
    "vit_so400m_patch14_siglip_gap_448.pali2_10b_pt": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 448, 448), crop_pct=1.0,
        num_classes=0),
    "vit_so400m_patch14_siglip_gap_448.pali2_3b_docci": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 448, 448), crop_pct=1.0,
        num_classes=0),
    "vit_so400m_patch14_siglip_gap_448.pali2_10b_docci": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 448, 448), crop_pct=1.0,
        num_classes=0),
    "vit_so400m_patch14_siglip_gap_896.pali_pt": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 896, 896), crop_pct=1.0,
        num_classes=0),
    "vit_so400m_patch14_siglip_gap_896.pali_refcoco_seg": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 896, 896), crop_pct=1.0,
        num_classes=0),
    "vit_so400m_patch14_siglip_gap_896.pali_ocrvqa": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 896, 896), crop_pct=1.0,
        num_classes=0),
    "vit_so400m_patch14_siglip_gap_896.pali2_3b_pt": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 896, 896), crop_pct=1.0,
        num_classes=0),
    "vit_so400m_patch14_siglip_gap_896.pali2_10b_pt": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 896, 896), crop_pct=1.0,
        num_classes=0),
    "vit_so400m_patch16_siglip_gap_256.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256),
        num_classes=0),
    "vit_so400m_patch16_siglip_gap_256.webli_i18n": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256),
        num_classes=0),
    "vit_so400m_patch16_siglip_gap_384.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 384, 384),
        num_classes=0),
    "vit_so400m_patch16_siglip_gap_512.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 512, 512),
        num_classes=0),
    "vit_giantopt_patch16_siglip_gap_256.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256),
        num_classes=0),
    "vit_giantopt_patch16_siglip_gap_384.v2_webli": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 384, 384),
        num_classes=0),
    "vit_so400m_patch14_siglip_378.webli_ft_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 378, 378), crop_pct=1.0, crop_mode='squash',
    ),
    "vit_so400m_patch14_siglip_gap_378.webli_ft_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 378, 378), crop_pct=1.0, crop_mode='squash',
    ),
    "vit_xsmall_patch16_clip_224.tinyclip_yfcc15m": _cfg(
        hf_hub_id='timm/',
        license='mit',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, num_classes=512),
    "vit_medium_patch32_clip_224.tinyclip_laion400m": _cfg(
        hf_hub_id='timm/',
        license='mit',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, num_classes=512),
    "vit_medium_patch16_clip_224.tinyclip_yfcc15m": _cfg(
        hf_hub_id='timm/',
        license='mit',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, num_classes=512),
    "vit_betwixt_patch32_clip_224.tinyclip_laion400m": _cfg(
        hf_hub_id='timm/',
        license='mit',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, num_classes=512),
    "vit_wee_patch16_reg1_gap_256.sbb_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_dwee_patch16_reg1_gap_256.sbb_nadamuon_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_dwee_patch16_reg1_gap_256.sbb_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_pwee_patch16_reg1_gap_256.sbb_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_dpwee_patch16_reg1_gap_256.sbb_nadamuon_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_dpwee_patch16_reg1_gap_256.sbb_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_little_patch16_reg1_gap_256.sbb_in12k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_little_patch16_reg1_gap_256.sbb_in12k": _cfg(
        hf_hub_id='timm/',
        num_classes=11821,
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_little_patch16_reg4_gap_256.sbb_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_dlittle_patch16_reg1_gap_256.sbb_nadamuon_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_medium_patch16_reg1_gap_256.sbb_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_medium_patch16_reg4_gap_256.sbb_in12k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_medium_patch16_reg4_gap_256.sbb_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_medium_patch16_reg4_gap_256.sbb_in12k": _cfg(
        hf_hub_id='timm/',
        num_classes=11821,
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_mediumd_patch16_reg4_gap_256.sbb2_e200_in12k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_mediumd_patch16_reg4_gap_256.sbb_in12k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_mediumd_patch16_reg4_gap_256.sbb2_e200_in12k": _cfg(
        hf_hub_id='timm/',
        num_classes=11821,
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_mediumd_patch16_reg4_gap_256.sbb_in12k": _cfg(
        hf_hub_id='timm/',
        num_classes=11821,
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_mediumd_patch16_reg4_gap_384.sbb2_e200_in12k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 384, 384), crop_pct=1.0),
    "vit_betwixt_patch16_reg1_gap_256.sbb_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_betwixt_patch16_reg4_gap_256.sbb2_e200_in12k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_betwixt_patch16_reg4_gap_256.sbb_in12k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_betwixt_patch16_reg4_gap_256.sbb_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_betwixt_patch16_reg4_gap_256.sbb2_e200_in12k": _cfg(
        hf_hub_id='timm/',
        num_classes=11821,
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_betwixt_patch16_reg4_gap_256.sbb_in12k": _cfg(
        hf_hub_id='timm/',
        num_classes=11821,
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_betwixt_patch16_reg4_gap_384.sbb2_e200_in12k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 384, 384), crop_pct=1.0),
    "vit_so150m_patch16_reg4_gap_256.sbb_e250_in12k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_so150m_patch16_reg4_gap_256.sbb_e250_in12k": _cfg(
        hf_hub_id='timm/',
        num_classes=11821,
        input_size=(3, 256, 256), crop_pct=0.95),
    "vit_so150m_patch16_reg4_gap_384.sbb_e250_in12k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 384, 384), crop_pct=1.0),
    "vit_so150m2_patch16_reg1_gap_256.sbb_e200_in12k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 256, 256), crop_pct=1.0),
    "vit_so150m2_patch16_reg1_gap_256.sbb_e200_in12k": _cfg(
        hf_hub_id='timm/',
        num_classes=11821,
        input_size=(3, 256, 256), crop_pct=1.0),
    "vit_so150m2_patch16_reg1_gap_384.sbb_e200_in12k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 384, 384), crop_pct=1.0),
    "vit_so150m2_patch16_reg1_gap_448.sbb_e200_in12k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 448, 448), crop_pct=1.0, crop_mode='squash'),
    "vit_intern300m_patch14_448.ogvl_dist": _cfg(
        hf_hub_id='timm/',
        license='mit',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD,
        input_size=(3, 448, 448), crop_pct=1.0, num_classes=0,
    ),
    "vit_intern300m_patch14_448.ogvl_2pt5": _cfg(
        hf_hub_id='timm/',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD,
        input_size=(3, 448, 448), crop_pct=1.0, num_classes=0,
    ),
    "test_vit.r160_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 160, 160), crop_pct=0.95),
    "test_vit2.r160_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 160, 160), crop_pct=0.95),
    "test_vit3.r160_in1k": _cfg(
        hf_hub_id='timm/',
        input_size=(3, 160, 160), crop_pct=0.95),
    "vit_base_patch16_radio_v3.c_radio": _cfg(
        hf_hub_id='timm/',
        # hf_hub_id='nvidia/C-RADIOv3-B', hf_hub_filename='model.safetensors',  # original NVIDIA weights
        paper_ids='arXiv:2412.07679', origin_url='https://github.com/NVlabs/RADIO', license='nvidia-open-model-license',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, input_size=(3, 512, 512), crop_pct=1.0,
        num_classes=0,
    ),
    "vit_large_patch16_radio_v3.c_radio": _cfg(
        hf_hub_id='timm/',
        # hf_hub_id='nvidia/C-RADIOv3-L', hf_hub_filename='model.safetensors',  # original NVIDIA weights
        paper_ids='arXiv:2412.07679', origin_url='https://github.com/NVlabs/RADIO', license='nvidia-open-model-license',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, input_size=(3, 512, 512), crop_pct=1.0,
        num_classes=0,
    ),
    "vit_huge_patch16_radio_v3.c_radio": _cfg(
        hf_hub_id='timm/',
        # hf_hub_id='nvidia/C-RADIOv3-H', hf_hub_filename='model.safetensors',  # original NVIDIA weights
        paper_ids='arXiv:2412.07679', origin_url='https://github.com/NVlabs/RADIO', license='nvidia-open-model-license',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, input_size=(3, 512, 512), crop_pct=1.0,
        num_classes=0,
    ),
    "vit_giant_patch16_radio_v3.c_radio": _cfg(
        hf_hub_id='timm/',
        # hf_hub_id='nvidia/C-RADIOv3-g', hf_hub_filename='model.safetensors',  # original NVIDIA weights
        paper_ids='arXiv:2412.07679', origin_url='https://github.com/NVlabs/RADIO', license='nvidia-open-model-license',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, input_size=(3, 512, 512), crop_pct=1.0,
        num_classes=0,
    ),
    "vit_so400m_patch16_radio_v4.c_radio": _cfg(
        hf_hub_id='timm/',
        # hf_hub_id='nvidia/C-RADIOv4-SO400M', hf_hub_filename='model.safetensors',  # original NVIDIA weights
        paper_ids='arXiv:2601.17237', origin_url='https://github.com/NVlabs/RADIO', license='nvidia-open-model-license',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, input_size=(3, 512, 512), crop_pct=1.0,
        num_classes=0,
    ),
    "vit_huge_patch16_radio_v4.c_radio": _cfg(
        hf_hub_id='timm/',
        # hf_hub_id='nvidia/C-RADIOv4-H', hf_hub_filename='model.safetensors',  # original NVIDIA weights
        paper_ids='arXiv:2601.17237', origin_url='https://github.com/NVlabs/RADIO', license='nvidia-open-model-license',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, input_size=(3, 512, 512), crop_pct=1.0,
        num_classes=0,
    ),
    "vit_giant_patch14_dinov2.lvd142m": _cfg(
        url='https://dl.fbaipublicfiles.com/dinov2/dinov2_vitg14/dinov2_vitg14_pretrain.pth',
        hf_hub_id='timm/',
        license='apache-2.0',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, num_classes=0,
        input_size=(3, 518, 518), crop_pct=1.0),
    "vit_giant_patch14_reg4_dinov2.lvd142m": _cfg(
        url='https://dl.fbaipublicfiles.com/dinov2/dinov2_vitg14/dinov2_vitg14_reg4_pretrain.pth',
        hf_hub_id='timm/',
        license='apache-2.0',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, num_classes=0,
        input_size=(3, 518, 518), crop_pct=1.0),
    "vit_giant_patch14_reg1_tipsv2.webli": _cfg(
        hf_hub_id='timm/',
        license='apache-2.0',
        mean=(0., 0., 0.), std=(1., 1., 1.), num_classes=0,
        input_size=(3, 448, 448), crop_pct=1.0),
    "aimv2_large_patch14_224.apple_pt": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, license='apple-ascl',
        crop_pct=1.0, num_classes=0),
    "aimv2_large_patch14_224.apple_pt_dist": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, license='apple-ascl',
        crop_pct=1.0, num_classes=0),
    "aimv2_huge_patch14_224.apple_pt": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, license='apple-ascl',
        crop_pct=1.0, num_classes=0),
    "aimv2_1b_patch14_224.apple_pt": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, license='apple-ascl',
        crop_pct=1.0, num_classes=0),
    "aimv2_3b_patch14_224.apple_pt": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, license='apple-ascl',
        crop_pct=1.0, num_classes=0),
    "aimv2_large_patch14_336.apple_pt": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, license='apple-ascl',
        input_size=(3, 336, 336), crop_pct=1.0, num_classes=0),
    "aimv2_large_patch14_336.apple_pt_dist": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, license='apple-ascl',
        input_size=(3, 336, 336), crop_pct=1.0, num_classes=0),
    "aimv2_huge_patch14_336.apple_pt": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, license='apple-ascl',
        input_size=(3, 336, 336), crop_pct=1.0, num_classes=0),
    "aimv2_1b_patch14_336.apple_pt": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, license='apple-ascl',
        input_size=(3, 336, 336), crop_pct=1.0, num_classes=0),
    "aimv2_3b_patch14_336.apple_pt": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, license='apple-ascl',
        input_size=(3, 336, 336), crop_pct=1.0, num_classes=0),
    "aimv2_large_patch14_448.apple_pt": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, license='apple-ascl',
        input_size=(3, 448, 448), crop_pct=1.0, num_classes=0),
    "aimv2_huge_patch14_448.apple_pt": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, license='apple-ascl',
        input_size=(3, 448, 448), crop_pct=1.0, num_classes=0),
    "aimv2_1b_patch14_448.apple_pt": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, license='apple-ascl',
        input_size=(3, 448, 448), crop_pct=1.0, num_classes=0),
    "aimv2_3b_patch14_448.apple_pt": _cfg(
        hf_hub_id='timm/',
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, license='apple-ascl',
        input_size=(3, 448, 448), crop_pct=1.0, num_classes=0),
    "beit3_base_patch16_224.in22k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, crop_pct=1.0),
    "beit3_base_patch16_224.indomain_in22k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, crop_pct=1.0),
    "beit3_large_patch16_224.in22k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, crop_pct=1.0),
    "beit3_large_patch16_224.indomain_in22k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, crop_pct=1.0),
    "beit3_base_patch16_224.pt": _cfg(
        hf_hub_id='timm/',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, crop_pct=1.0,
        num_classes=0,
    ),
    "beit3_base_patch16_224.indomain_pt": _cfg(
        hf_hub_id='timm/',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, crop_pct=1.0,
        num_classes=0,
    ),
    "beit3_large_patch16_224.pt": _cfg(
        hf_hub_id='timm/',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, crop_pct=1.0,
        num_classes=0,
    ),
    "beit3_large_patch16_224.indomain_pt": _cfg(
        hf_hub_id='timm/',
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, crop_pct=1.0,
        num_classes=0,
    ),
}
# As timm: the OpenAI CLIP weights also serve the `_clip_quickgelu_` architectures, named by their notes.
for _name in [n for n, c in default_cfgs.items() if c.get("notes", ()) and "quickgelu" in c["notes"][0]]:
    _cfg_copy = copy.deepcopy(default_cfgs[_name])
    if _cfg_copy["hf_hub_id"] == "timm/":
        _cfg_copy["hf_hub_id"] = "timm/" + _name  # the hub repo is the non-quickgelu model's
    default_cfgs[_name.replace("_clip_", "_clip_quickgelu_")] = _cfg_copy
default_cfgs = generate_default_cfgs(default_cfgs)


def build_vision_transformer(cfg: VisionTransformerCfg, variant: str, args: BuildArgs) -> ModelGraph:
    """The functional graph of a `VisionTransformerCfg` (timm's `VisionTransformer.forward`, or
    `VisionTransformerDistilled`'s with `cfg.distilled`): NHWC images of `args.img_size` in (default:
    the architecture's own size, else 224), logits out, or the pooled features (timm's
    `forward_head(pre_logits=True)`) when `num_classes=0`. `drop_path_rate` is the stochastic depth of
    the last block, rising linearly from 0 at the first (timm's rule). The feature maps are the
    blocks' patch tokens on their grid (timm's `forward_intermediates`)."""
    img_size = args.img_size or (cfg.img_size or 224, cfg.img_size or 224)
    rows, cols = img_size
    # As timm's (strict_img_size) PatchEmbed: a size that is no multiple of the patch size leaves the
    # pixels beyond the last whole patch out.
    grid = (rows // cfg.patch_size, cols // cfg.patch_size)
    activation = get_act(cfg.act_layer)
    eps = cfg.epsilon
    num_prefix = cfg.num_prefix_tokens

    inputs = model_input(args.in_chans, (rows, cols))
    # CLIP's patch projection has no bias (timm: `bias=not pre_norm`).
    x = PatchEmbed(
        cfg.embed_dim, patch_size=cfg.patch_size, use_bias=not cfg.pre_norm, flatten=False, drop_remainder=True,
        name="patch_embed",
    )(inputs)
    if cfg.embed_norm:
        x = token_norm(cfg.norm_layer, eps, name="patch_embed__norm")(x)
    x = ClassTokenPosEmbed(
        class_token=cfg.class_token, no_embed_class=cfg.no_embed_class, reg_tokens=cfg.reg_tokens,
        dist_token=cfg.distilled, name="pos_embed",
    )(x)
    if cfg.pre_norm:
        x = token_norm(cfg.norm_layer, eps, name="norm_pre")(x)
    features = []
    for i, rate in enumerate(calculate_drop_path_rates(args.drop_path_rate, cfg.depth)):
        x = _block(cfg, i, rate, activation)(x)
        patch_tokens = ops.reshape(x[:, num_prefix:], (-1, *grid, cfg.embed_dim))
        features.append(FeatureMap(patch_tokens, cfg.embed_dim, cfg.patch_size, f"blocks.{i}"))
    if cfg.final_norm and not cfg.use_fc_norm:
        x = token_norm(cfg.norm_layer, eps, name="norm")(x)

    if cfg.distilled:
        # DeiT: the class and distillation tokens through their own heads, averaged at inference.
        if not args.num_classes:
            return ModelGraph(inputs, (x[:, 0] + x[:, 1]) / 2, features)
        logits = keras.layers.Dense(args.num_classes, name="head")(x[:, 0])
        logits_dist = keras.layers.Dense(args.num_classes, name="head_dist")(x[:, 1])
        return ModelGraph(inputs, (logits + logits_dist) / 2, features)

    tokens = x if cfg.pool_include_prefix else x[:, num_prefix:]
    if cfg.global_pool == "map":
        x = AttentionPoolLatent(
            num_heads=cfg.num_heads, mlp_ratio=cfg.mlp_ratio, epsilon=eps, activation=activation, name="attn_pool"
        )(tokens)
    elif cfg.global_pool == "avg":
        x = ops.mean(tokens, axis=1)
    elif cfg.global_pool == "token":
        x = x[:, 0]
    else:
        raise ValueError(f"{variant}: global_pool={cfg.global_pool!r} is not supported.")
    if cfg.final_norm and cfg.use_fc_norm:
        x = token_norm(cfg.norm_layer, eps, name="fc_norm")(x)
    if args.num_classes:
        x = keras.layers.Dense(args.num_classes, name="head")(x)
    return ModelGraph(inputs, x, features)


# timm's `block_fn` choices, by name.
BLOCK_FNS = {
    "block": ViTBlock,
    "res_post": ResPostBlock,
    "parallel_scaling": ParallelScalingBlock,
    "diff_parallel_scaling": DiffParallelScalingBlock,
}


def _block(cfg: VisionTransformerCfg, index: int, drop_path_rate: float, activation) -> keras.layers.Layer:
    """Block `index` of the model, with the arguments timm's `VisionTransformer` gives every `block_fn`
    (the parallel blocks take no MLP or attention kind, and no scale norms, as timm's)."""
    kwargs = dict(
        mlp_ratio=cfg.mlp_ratio, qkv_bias=cfg.qkv_bias, qk_norm=cfg.qk_norm, epsilon=cfg.epsilon,
        init_values=cfg.init_values, drop_path_rate=drop_path_rate, activation=activation,
        norm_layer=cfg.norm_layer, proj_bias=cfg.proj_bias, name=f"blocks__{index}",
    )
    if cfg.block_fn in ("block", "res_post"):
        kwargs.update(
            mlp_layer=cfg.mlp_layer, scale_attn_norm=cfg.scale_attn_norm, scale_mlp_norm=cfg.scale_mlp_norm,
            attn_layer=cfg.attn_layer, depth=index,
        )
    elif cfg.block_fn == "diff_parallel_scaling":
        kwargs.update(depth=index)
    return BLOCK_FNS[cfg.block_fn](cfg.embed_dim, cfg.num_heads, **kwargs)


def _create_vision_transformer(variant: str, args: BuildArgs) -> ModelGraph:
    """timm's `variant` (a key of `model_cfgs`), see `build_vision_transformer`."""
    return build_vision_transformer(model_cfgs[variant], variant, args)


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

    Returns `(final, intermediates)`: the tokens after the final norm, `(B, prefix + H*W, D)`, and the
    output of each block in `indices` (an int n: the last n; None: all), normalized by the final norm
    with `norm=True`, without the prefix (class, distillation, register) tokens, as `(B, H, W, D)` maps (`output_fmt="NHWC"`, the
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
    # timm's `norm` is an identity where the model has no final norm (fc_norm after pooling, or none).
    names = {layer.name for layer in model.layers}
    final_norm = model.get_layer("norm") if "norm" in names else (lambda y: y)
    intermediates = []
    embed = model.get_layer("pos_embed")
    grid, num_prefix = embed.grid_size, embed.num_prefix_tokens
    for y in block_outputs:
        if norm:
            y = final_norm(y)
        prefix, patches = y[:, :num_prefix], y[:, num_prefix:]
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


def checkpoint_filter_fn(
    state: Mapping[str, np.ndarray],
    model: keras.Model,
    adapt_layer_scale: bool = False,
    interpolation: str = "bicubic",
    antialias: bool = True,
    align_corners: bool | None = None,
) -> dict[str, np.ndarray]:
    """timm's `checkpoint_filter_fn` for a timm ViT state dict: `pre_logits` entries dropped, a
    pre-conv `(out, in * p * p)` patch projection reshaped to the conv's, `pos_embed` resampled to
    the model's patch grid (timm's default bicubic, antialiased; FlexiViT's and RADIO's bilinear
    without antialias, via `functools.partial` as timm registers them; the prefix tokens kept), and
    with `adapt_layer_scale` (DeiT-3's original checkpoints) `blocks.N.gamma_1/2` renamed
    `blocks.N.ls1/2.gamma`.

    Checkpoints from other codebases (OpenAI CLIP, DINOv2, BEiT-3, RADIO, AIMv2, ...) and another
    patch size, which timm's filter also converts, are not converted: use timm's own checkpoints of
    these models.
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
        elif key == "pos_embed" and embeds and embeds[0].use_pos_embed:
            embed = embeds[0]
            num_prefix = 0 if embed.no_embed_class else embed.num_prefix_tokens
            old_size = _pretrained_grid_size(model, state.get("patch_embed.proj.weight"), np.shape(value)[1] - num_prefix)
            if np.shape(value)[1] != embed.pos_embed.shape[1] or (old_size is not None and old_size != embed.grid_size):
                value = resample_abs_pos_embed(
                    value, embed.grid_size, old_size, num_prefix,
                    interpolation=interpolation, antialias=antialias, align_corners=align_corners,
                )
        elif adapt_layer_scale and "gamma_" in key:
            key = re.sub(r"gamma_([0-9])", r"ls\1.gamma", key)
        out[key] = value
    return out


def _filter_for(variant: str):
    """The filter timm's `_create_vision_transformer` gives `variant`."""
    if "flexi" in variant:
        # Google's FlexiViT weights prefer bilinear resampling (timm's note).
        return functools.partial(checkpoint_filter_fn, interpolation="bilinear", antialias=False)
    if "radio" in variant:
        align_corners = any(n in variant for n in _RADIO_ALIGN_CORNERS)
        return functools.partial(
            checkpoint_filter_fn, interpolation="bilinear", antialias=False, align_corners=align_corners
        )
    return checkpoint_filter_fn


_RADIO_ALIGN_CORNERS = ("base_patch16_radio_v3", "huge_patch16_radio_v3")

for _variant in model_cfgs:
    register_family(
        [_variant],
        _create_vision_transformer,
        default_cfgs,
        _filter_for(_variant),
        feature_out_indices=3,  # timm's ViT features: the last three blocks
    )
