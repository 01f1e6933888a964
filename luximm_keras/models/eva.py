"""EVA and EVA-02 Vision Transformers as functional Keras models that load timm's state dicts: the
attention with rotary position embeddings and separate q/v biases, the pre-norm and post-norm blocks,
the architecture table (EVA-02 tiny to enormous, EVA giant), the pretrained configs, the builder and
the checkpoint filter.

Layer names are timm's module paths with `__` for `.` (`patch_embed`, `blocks__0`, `norm`, `fc_norm`,
`head`); the class token and position embeddings load from timm's bare `cls_token` and `pos_embed`
(`ClassTokenPosEmbed`, as ViT's). timm's `rope` module holds only non-persistent buffers: here each
attention layer keeps the same table as a host-computed constant for the model's fixed patch grid.

Reference: timm/models/eva.py
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
    OPENAI_CLIP_MEAN,
    OPENAI_CLIP_STD,
)
from luximm_keras.layers.drop import DropPath, calculate_drop_path_rates
from luximm_keras.layers.mlp import GluMlp, Mlp, SwiGLU
from luximm_keras.layers.norm import token_norm
from luximm_keras.layers.patch_embed import PatchEmbed
from luximm_keras.layers.pos_embed import resample_abs_pos_embed
from luximm_keras.layers.pos_embed_sincos import RotaryEmbeddingCat, apply_rot_embed_cat
from luximm_keras.models._builder import BuildArgs, FeatureMap, ModelGraph, model_input
from luximm_keras.models._pretrained import generate_default_cfgs
from luximm_keras.models._registry import register_family
from luximm_keras.models.vision_transformer import (
    ClassTokenPosEmbed,
    _pretrained_grid_size,
)


def _pair(value) -> tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, int):
        return (value, value)
    return tuple(int(v) for v in value)


@serializable
class EvaAttention(keras.layers.Layer):
    """EVA's self-attention: queries and values with their own biases and keys without (`q_bias`,
    `v_bias` beside a bias-free fused `qkv`, or `q_proj`/`k_proj`/`v_proj` with `k_proj` bias-free),
    rotary position embeddings on the patch tokens (those after the `num_prefix_tokens` class/register
    tokens), and an optional norm of the heads' output before `proj` (`scale_norm`: EVA-02's
    `scale_attn_inner`).

    The rotary table is timm's `RotaryEmbeddingCat` (inverse-frequency bands, `embed_dim // num_heads`
    wide) for the patch grid `rope_grid_size`, computed once on the host; the input must then hold
    `num_prefix_tokens + H * W` tokens.

    Args:
        dim: token width.
        num_heads: attention heads; `dim` must be divisible by it.
        qkv_bias: whether queries and values have biases (keys never do).
        qkv_fused: one `qkv` projection (timm's default) or separate `q_proj`, `k_proj`, `v_proj`.
        num_prefix_tokens: leading tokens the rotation skips.
        attn_drop, proj_drop: dropout of the attention weights and after `proj` (training only).
        qk_norm: normalize queries and keys per head (`q_norm`, `k_norm`).
        scale_norm: normalize the attention output before `proj` (`norm`).
        epsilon: the norms' epsilon.
        norm_layer: the norms' kind, `"layernorm"` or `"rmsnorm"`.
        rope_grid_size: the patch grid `(H, W)` of the rotary embeddings, or None for none.
        rope_ref_feat_shape: the grid the rotary positions are rescaled onto (EVA-02: `(16, 16)`).
        rope_temperature: the rotary bands' temperature.

    Example:
        >>> EvaAttention(64, num_heads=2, rope_grid_size=(4, 4))(keras.ops.ones((2, 17, 64))).shape
        (2, 17, 64)

    Reference: timm/models/eva.py `EvaAttention`.
    """

    timm_mapping = {"q_bias": ("q_bias", "identity"), "v_bias": ("v_bias", "identity")}

    def __init__(
        self,
        dim: int,
        num_heads: int = 8,
        qkv_bias: bool = True,
        qkv_fused: bool = True,
        num_prefix_tokens: int = 1,
        attn_drop: float = 0.0,
        proj_drop: float = 0.0,
        qk_norm: bool = False,
        scale_norm: bool = False,
        epsilon: float = 1e-6,
        norm_layer: str = "layernorm",
        rope_grid_size: Sequence[int] | None = None,
        rope_ref_feat_shape: Sequence[int] | None = None,
        rope_temperature: float = 10000.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(num_heads) < 1 or int(dim) % int(num_heads):
            raise ValueError(f"`dim` ({dim}) must be divisible by `num_heads` ({num_heads}).")
        self.dim = int(dim)
        self.num_heads = int(num_heads)
        self.head_dim = self.dim // self.num_heads
        self.scale = self.head_dim**-0.5
        self.qkv_bias = bool(qkv_bias)
        self.qkv_fused = bool(qkv_fused)
        self.num_prefix_tokens = int(num_prefix_tokens)
        self.attn_drop_rate = float(attn_drop)
        self.proj_drop_rate = float(proj_drop)
        self.qk_norm = bool(qk_norm)
        self.scale_norm = bool(scale_norm)
        self.epsilon = float(epsilon)
        self.norm_layer = norm_layer
        self.rope_grid_size = _pair(rope_grid_size)
        self.rope_ref_feat_shape = _pair(rope_ref_feat_shape)
        self.rope_temperature = float(rope_temperature)
        self.input_spec = keras.layers.InputSpec(ndim=3, axes={-1: self.dim})
        self._rope = None
        if self.rope_grid_size is not None:
            if self.head_dim % 4:
                raise ValueError(f"rotary embeddings need a head width divisible by 4, got {self.head_dim}.")
            table = RotaryEmbeddingCat(
                self.head_dim, self.rope_grid_size, temperature=self.rope_temperature, in_pixels=False,
                ref_feat_shape=self.rope_ref_feat_shape,
            ).get_embed()
            self._rope = np.ascontiguousarray(table[:, None, :])  # (H*W, 1, 2 * head_dim): broadcasts over heads

        sub = dict(dtype=self.dtype_policy)
        if self.qkv_fused:
            self.qkv = keras.layers.Dense(3 * self.dim, use_bias=False, name="qkv", **sub)
        else:
            self.q_proj = keras.layers.Dense(self.dim, use_bias=self.qkv_bias, name="q_proj", **sub)
            self.k_proj = keras.layers.Dense(self.dim, use_bias=False, name="k_proj", **sub)
            self.v_proj = keras.layers.Dense(self.dim, use_bias=self.qkv_bias, name="v_proj", **sub)
        if self.qk_norm:
            self.q_norm = token_norm(norm_layer, self.epsilon, name="q_norm", **sub)
            self.k_norm = token_norm(norm_layer, self.epsilon, name="k_norm", **sub)
        self.attn_drop = keras.layers.Dropout(self.attn_drop_rate, name="attn_drop", **sub)
        self.norm = token_norm(norm_layer, self.epsilon, name="norm", **sub) if self.scale_norm else None
        self.proj = keras.layers.Dense(self.dim, name="proj", **sub)
        self.proj_drop = keras.layers.Dropout(self.proj_drop_rate, name="proj_drop", **sub)

    @property
    def _projections(self) -> list:
        return [self.qkv] if self.qkv_fused else [self.q_proj, self.k_proj, self.v_proj]

    def build(self, input_shape):
        if input_shape[-1] != self.dim:
            raise ValueError(
                f"{self.name}: expected tokens of width dim={self.dim}, got input shape {tuple(input_shape)}."
            )
        if self._rope is not None and input_shape[1] is not None:
            expected = self.num_prefix_tokens + self._rope.shape[0]
            if input_shape[1] != expected:
                raise ValueError(
                    f"{self.name}: the rotary embeddings of grid {self.rope_grid_size} need {expected} tokens "
                    f"({self.num_prefix_tokens} prefix), got input shape {tuple(input_shape)}."
                )
        for layer in self._projections:
            layer.build(input_shape)
        if self.qkv_fused and self.qkv_bias:
            self.q_bias = self.add_weight(name="q_bias", shape=(self.dim,), initializer="zeros")
            self.v_bias = self.add_weight(name="v_bias", shape=(self.dim,), initializer="zeros")
        if self.qk_norm:
            self.q_norm.build((None, None, self.num_heads, self.head_dim))
            self.k_norm.build((None, None, self.num_heads, self.head_dim))
        if self.norm is not None:
            self.norm.build(input_shape)
        self.proj.build(input_shape)

    def _rotate(self, x):
        npt = self.num_prefix_tokens
        rope = ops.cast(backend_ops.constant(self._rope, "float32"), x.dtype)
        rotated = apply_rot_embed_cat(x[:, npt:], rope)
        return ops.concatenate([x[:, :npt], rotated], axis=1) if npt else rotated

    def call(self, inputs, training=None):
        shape = ops.shape(inputs)
        batch, tokens = shape[0], shape[1]
        heads = (batch, tokens, self.num_heads, self.head_dim)
        if self.qkv_fused:
            qkv = backend_ops.call_layer(self.qkv, inputs)
            if self.qkv_bias:
                # timm's k_bias: a non-persistent buffer of zeros
                q_bias = ops.convert_to_tensor(self.q_bias)
                bias = ops.concatenate([q_bias, ops.zeros_like(q_bias), ops.convert_to_tensor(self.v_bias)])
                qkv = ops.cast(bias, qkv.dtype) + qkv
            qkv = ops.reshape(qkv, (batch, tokens, 3, self.num_heads, self.head_dim))
            q, k, v = qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2]
        else:
            q, k, v = (ops.reshape(backend_ops.call_layer(layer, inputs), heads) for layer in self._projections)
        if self.qk_norm:
            q, k = self.q_norm(q), self.k_norm(k)
        if self._rope is not None:
            q, k = self._rotate(q), self._rotate(k)
        x = backend_ops.attention(
            q, k, v, scale=self.scale, dropout=self.attn_drop, training=training, compute_dtype=self.compute_dtype,
        )
        x = ops.reshape(x, (batch, tokens, self.dim))
        if self.norm is not None:
            x = self.norm(x)
        return backend_ops.call_layer(self.proj_drop, backend_ops.call_layer(self.proj, x), training)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "dim": self.dim,
                "num_heads": self.num_heads,
                "qkv_bias": self.qkv_bias,
                "qkv_fused": self.qkv_fused,
                "num_prefix_tokens": self.num_prefix_tokens,
                "attn_drop": self.attn_drop_rate,
                "proj_drop": self.proj_drop_rate,
                "qk_norm": self.qk_norm,
                "scale_norm": self.scale_norm,
                "epsilon": self.epsilon,
                "norm_layer": self.norm_layer,
                "rope_grid_size": self.rope_grid_size,
                "rope_ref_feat_shape": self.rope_ref_feat_shape,
                "rope_temperature": self.rope_temperature,
            }
        )
        return config


@serializable
class EvaBlock(keras.layers.Layer):
    """EVA's pre-norm block: `x + gamma_1 * attn(norm1(x))`, then `x + gamma_2 * mlp(norm2(x))`, each
    branch under stochastic depth.

    The MLP is timm's choice: with `swiglu_mlp`, `SwiGLU` (separate `fc1_g`/`fc1_x`) when `scale_mlp`
    puts a norm on its hidden features, else the packed `GluMlp` (SiLU on the first half of a doubled
    `fc1`); otherwise `Mlp` (hidden norm with `scale_mlp`). Hidden width `int(dim * mlp_ratio)` as timm.
    `gamma_1`/`gamma_2` (timm's bare layer-scale parameters) exist only when `init_values` is set
    (`gamma_1` only, with `attn_only_layer_scale`).

    Args:
        dim, num_heads: token width and attention heads.
        qkv_bias, qkv_fused, qk_norm, num_prefix_tokens: as `EvaAttention`'s.
        mlp_ratio: MLP hidden width over `dim`.
        swiglu_mlp, scale_mlp: the MLP, above.
        scale_attn_inner: `EvaAttention`'s `scale_norm`.
        proj_drop, attn_drop: dropout rates.
        drop_path_rate: stochastic depth of both branches.
        init_values: layer scale's initial value, or None for none.
        attn_only_layer_scale: layer scale on the attention branch only.
        activation: `Mlp`'s activation (exact GELU).
        epsilon, norm_layer: the norms' epsilon and kind.
        rope_grid_size, rope_ref_feat_shape, rope_temperature: `EvaAttention`'s rotary embeddings.

    Example:
        >>> EvaBlock(64, num_heads=2, mlp_ratio=8 / 3, swiglu_mlp=True)(keras.ops.ones((2, 17, 64))).shape
        (2, 17, 64)

    Reference: timm/models/eva.py `EvaBlock`.
    """

    timm_mapping = {"gamma_1": ("gamma_1", "identity"), "gamma_2": ("gamma_2", "identity")}

    def __init__(
        self,
        dim: int,
        num_heads: int,
        qkv_bias: bool = True,
        qkv_fused: bool = True,
        mlp_ratio: float = 4.0,
        swiglu_mlp: bool = False,
        scale_mlp: bool = False,
        scale_attn_inner: bool = False,
        num_prefix_tokens: int = 1,
        qk_norm: bool = False,
        proj_drop: float = 0.0,
        attn_drop: float = 0.0,
        drop_path_rate: float = 0.0,
        init_values: float | None = None,
        attn_only_layer_scale: bool = False,
        activation="gelu",
        epsilon: float = 1e-6,
        norm_layer: str = "layernorm",
        rope_grid_size: Sequence[int] | None = None,
        rope_ref_feat_shape: Sequence[int] | None = None,
        rope_temperature: float = 10000.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.dim = int(dim)
        self.num_heads = int(num_heads)
        self.qkv_bias = bool(qkv_bias)
        self.qkv_fused = bool(qkv_fused)
        self.mlp_ratio = float(mlp_ratio)
        self.swiglu_mlp = bool(swiglu_mlp)
        self.scale_mlp = bool(scale_mlp)
        self.scale_attn_inner = bool(scale_attn_inner)
        self.num_prefix_tokens = int(num_prefix_tokens)
        self.qk_norm = bool(qk_norm)
        self.proj_drop_rate = float(proj_drop)
        self.attn_drop_rate = float(attn_drop)
        self.drop_path_rate = float(drop_path_rate)
        self.init_values = None if init_values is None else float(init_values)
        self.attn_only_layer_scale = bool(attn_only_layer_scale)
        self.activation = keras.activations.get(activation)
        self.epsilon = float(epsilon)
        self.norm_layer = norm_layer
        self.rope_grid_size = _pair(rope_grid_size)
        self.rope_ref_feat_shape = _pair(rope_ref_feat_shape)
        self.rope_temperature = float(rope_temperature)
        self.input_spec = keras.layers.InputSpec(ndim=3, axes={-1: self.dim})

        sub = dict(dtype=self.dtype_policy)
        self.norm1 = token_norm(norm_layer, self.epsilon, name="norm1", **sub)
        self.attn = EvaAttention(
            self.dim, num_heads=self.num_heads, qkv_bias=self.qkv_bias, qkv_fused=self.qkv_fused,
            num_prefix_tokens=self.num_prefix_tokens, attn_drop=self.attn_drop_rate, proj_drop=self.proj_drop_rate,
            qk_norm=self.qk_norm, scale_norm=self.scale_attn_inner, epsilon=self.epsilon, norm_layer=norm_layer,
            rope_grid_size=self.rope_grid_size, rope_ref_feat_shape=self.rope_ref_feat_shape,
            rope_temperature=self.rope_temperature, name="attn", **sub,
        )
        self.norm2 = token_norm(norm_layer, self.epsilon, name="norm2", **sub)
        hidden = int(self.dim * self.mlp_ratio)
        mlp_norm = norm_layer if self.scale_mlp else None
        mlp_args = dict(drop=self.proj_drop_rate, epsilon=self.epsilon, name="mlp", **sub)
        if self.swiglu_mlp and self.scale_mlp:
            self.mlp = SwiGLU(hidden, norm_layer=mlp_norm, **mlp_args)
        elif self.swiglu_mlp:
            self.mlp = GluMlp(hidden * 2, activation="silu", gate_last=False, **mlp_args)
        else:
            self.mlp = Mlp(hidden, activation=self.activation, norm_layer=mlp_norm, **mlp_args)
        self.drop_path1 = DropPath(self.drop_path_rate, name="drop_path1", **sub)
        self.drop_path2 = DropPath(self.drop_path_rate, name="drop_path2", **sub)

    @property
    def _layer_scales(self) -> tuple[bool, bool]:
        on = self.init_values is not None
        return on, on and not self.attn_only_layer_scale

    def build(self, input_shape):
        if input_shape[-1] != self.dim:
            raise ValueError(
                f"{self.name}: expected tokens of width dim={self.dim}, got input shape {tuple(input_shape)}."
            )
        for layer in (self.norm1, self.attn, self.norm2, self.mlp):
            layer.build(input_shape)
        self.gamma_1 = self.gamma_2 = None
        init = keras.initializers.Constant(self.init_values or 0.0)
        first, second = self._layer_scales
        if first:
            self.gamma_1 = self.add_weight(name="gamma_1", shape=(self.dim,), initializer=init)
        if second:
            self.gamma_2 = self.add_weight(name="gamma_2", shape=(self.dim,), initializer=init)

    def call(self, inputs, training=None):
        y = self.attn(self.norm1(inputs), training=training)
        if self.gamma_1 is not None:
            y = ops.cast(self.gamma_1, y.dtype) * y
        x = inputs + backend_ops.call_layer(self.drop_path1, y, training)
        y = self.mlp(self.norm2(x), training=training)
        if self.gamma_2 is not None:
            y = ops.cast(self.gamma_2, y.dtype) * y
        return x + backend_ops.call_layer(self.drop_path2, y, training)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "dim": self.dim,
                "num_heads": self.num_heads,
                "qkv_bias": self.qkv_bias,
                "qkv_fused": self.qkv_fused,
                "mlp_ratio": self.mlp_ratio,
                "swiglu_mlp": self.swiglu_mlp,
                "scale_mlp": self.scale_mlp,
                "scale_attn_inner": self.scale_attn_inner,
                "num_prefix_tokens": self.num_prefix_tokens,
                "qk_norm": self.qk_norm,
                "proj_drop": self.proj_drop_rate,
                "attn_drop": self.attn_drop_rate,
                "drop_path_rate": self.drop_path_rate,
                "init_values": self.init_values,
                "attn_only_layer_scale": self.attn_only_layer_scale,
                "activation": keras.activations.serialize(self.activation),
                "epsilon": self.epsilon,
                "norm_layer": self.norm_layer,
                "rope_grid_size": self.rope_grid_size,
                "rope_ref_feat_shape": self.rope_ref_feat_shape,
                "rope_temperature": self.rope_temperature,
            }
        )
        return config


@serializable
class EvaBlockPostNorm(EvaBlock):
    """EVA's post-norm block (EVA-02 enormous): `x + norm1(attn(x))`, then `x + norm2(mlp(x))`, each
    branch under stochastic depth; no layer scale (`init_values` is ignored, as timm) and no
    `qk_norm`. Other arguments as `EvaBlock`'s.

    Example:
        >>> EvaBlockPostNorm(64, num_heads=2)(keras.ops.ones((2, 17, 64))).shape
        (2, 17, 64)

    Reference: timm/models/eva.py `EvaBlockPostNorm`.
    """

    timm_mapping = {}

    def __init__(self, dim: int, num_heads: int, **kwargs):
        if kwargs.get("qk_norm") or kwargs.get("attn_only_layer_scale"):
            raise ValueError("EvaBlockPostNorm supports neither `qk_norm` nor `attn_only_layer_scale` (as timm).")
        kwargs["init_values"] = None
        super().__init__(dim, num_heads, **kwargs)

    def call(self, inputs, training=None):
        x = inputs + backend_ops.call_layer(self.drop_path1, self.norm1(self.attn(inputs, training=training)), training)
        return x + backend_ops.call_layer(self.drop_path2, self.norm2(self.mlp(x, training=training)), training)


@dataclass(frozen=True)
class EvaCfg:
    """The arguments timm's `eva*` constructors give `Eva`; the rest are timm's defaults (norms:
    timm's `LayerNorm`, eps 1e-6). `use_rot_pos_emb` with timm's default `rope_type="cat"` (the
    EVA-02 rotary embeddings, inverse-frequency bands rescaled onto `ref_feat_shape`)."""

    patch_size: int = 16
    embed_dim: int = 768
    depth: int = 12
    num_heads: int = 12
    qkv_bias: bool = True
    qkv_fused: bool = True
    qk_norm: bool = False
    mlp_ratio: float = 4.0
    swiglu_mlp: bool = False
    scale_mlp: bool = False
    scale_attn_inner: bool = False
    global_pool: str = "avg"
    init_values: float | None = None
    class_token: bool = True
    num_reg_tokens: int = 0
    no_embed_class: bool = False
    use_abs_pos_emb: bool = True
    use_rot_pos_emb: bool = False
    rope_temperature: float = 10000.0
    ref_feat_shape: tuple[int, int] | None = None
    use_post_norm: bool = False
    use_pre_transformer_norm: bool = False
    use_post_transformer_norm: bool | None = None
    use_fc_norm: bool | None = None
    img_size: int = 224

    @property
    def num_prefix_tokens(self) -> int:
        return int(self.class_token) + self.num_reg_tokens

    @property
    def fc_norm(self) -> bool:
        return self.global_pool == "avg" if self.use_fc_norm is None else self.use_fc_norm

    @property
    def final_norm(self) -> bool:
        return (not self.fc_norm) if self.use_post_transformer_norm is None else self.use_post_transformer_norm


# timm's constructors' arguments. Not ported: the other `Eva` models of timm's eva.py (PE, DINOv3,
# ROPE-ViT mixed/axial, SBB, LingBot, Sapiens2): their rope types, attention and checkpoints differ.
_EVA02 = dict(mlp_ratio=4 * 2 / 3, swiglu_mlp=True, use_rot_pos_emb=True, ref_feat_shape=(16, 16))
_EVA02_BL = dict(_EVA02, qkv_fused=False, scale_mlp=True)
_GIANT = dict(patch_size=14, embed_dim=1408, depth=40, num_heads=16, mlp_ratio=6144 / 1408)
model_cfgs: dict[str, EvaCfg] = {
    "eva_giant_patch14_224": EvaCfg(**_GIANT),
    "eva_giant_patch14_336": EvaCfg(**_GIANT),
    "eva_giant_patch14_560": EvaCfg(**_GIANT),
    "eva_giant_patch14_clip_224": EvaCfg(**_GIANT, global_pool="token"),
    "eva02_tiny_patch14_224": EvaCfg(img_size=224, patch_size=14, embed_dim=192, depth=12, num_heads=3, **_EVA02),
    "eva02_small_patch14_224": EvaCfg(img_size=224, patch_size=14, embed_dim=384, depth=12, num_heads=6, **_EVA02),
    "eva02_base_patch14_224": EvaCfg(img_size=224, patch_size=14, embed_dim=768, depth=12, num_heads=12, **_EVA02_BL),
    "eva02_large_patch14_224": EvaCfg(img_size=224, patch_size=14, embed_dim=1024, depth=24, num_heads=16, **_EVA02_BL),
    "eva02_tiny_patch14_336": EvaCfg(img_size=336, patch_size=14, embed_dim=192, depth=12, num_heads=3, **_EVA02),
    "eva02_small_patch14_336": EvaCfg(img_size=336, patch_size=14, embed_dim=384, depth=12, num_heads=6, **_EVA02),
    "eva02_base_patch14_448": EvaCfg(img_size=448, patch_size=14, embed_dim=768, depth=12, num_heads=12, **_EVA02_BL),
    "eva02_large_patch14_448": EvaCfg(img_size=448, patch_size=14, embed_dim=1024, depth=24, num_heads=16, **_EVA02_BL),
    "eva02_base_patch16_clip_224": EvaCfg(
        img_size=224, patch_size=16, embed_dim=768, depth=12, num_heads=12, scale_attn_inner=True,
        global_pool="token", **_EVA02_BL,
    ),
    "eva02_large_patch14_clip_224": EvaCfg(
        img_size=224, patch_size=14, embed_dim=1024, depth=24, num_heads=16, scale_attn_inner=True,
        global_pool="token", **_EVA02_BL,
    ),
    "eva02_large_patch14_clip_336": EvaCfg(
        img_size=336, patch_size=14, embed_dim=1024, depth=24, num_heads=16, scale_attn_inner=True,
        global_pool="token", **_EVA02_BL,
    ),
    "eva02_enormous_patch14_clip_224": EvaCfg(
        img_size=224, patch_size=14, embed_dim=1792, depth=64, num_heads=16, mlp_ratio=15360 / 1792,
        use_post_norm=True, global_pool="token",
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
        "mean": OPENAI_CLIP_MEAN,
        "std": OPENAI_CLIP_STD,
        "first_conv": "patch_embed.proj",
        "classifier": "head",
        "license": "mit",
        **kwargs,
    }


# timm's entries for the architectures above, in timm's order (the first with weights is the default).
default_cfgs = generate_default_cfgs({
    "eva_giant_patch14_224.clip_ft_in1k": _cfg(
        hf_hub_id='timm/'),
    "eva_giant_patch14_336.clip_ft_in1k": _cfg(
        hf_hub_id='timm/', input_size=(3, 336, 336), crop_pct=1.0, crop_mode='squash'),
    "eva_giant_patch14_336.m30m_ft_in22k_in1k": _cfg(
        hf_hub_id='timm/', input_size=(3, 336, 336), crop_pct=1.0, crop_mode='squash', mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD),
    "eva_giant_patch14_560.m30m_ft_in22k_in1k": _cfg(
        hf_hub_id='timm/', input_size=(3, 560, 560), crop_pct=1.0, crop_mode='squash', mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD),
    "eva02_tiny_patch14_224.mim_in22k": _cfg(
        hf_hub_id='timm/', num_classes=0),
    "eva02_small_patch14_224.mim_in22k": _cfg(
        hf_hub_id='timm/', num_classes=0),
    "eva02_base_patch14_224.mim_in22k": _cfg(
        hf_hub_id='timm/', num_classes=0),
    "eva02_large_patch14_224.mim_in22k": _cfg(
        hf_hub_id='timm/', num_classes=0),
    "eva02_large_patch14_224.mim_m38m": _cfg(
        hf_hub_id='timm/', num_classes=0),
    "eva02_tiny_patch14_336.mim_in22k_ft_in1k": _cfg(
        hf_hub_id='timm/', input_size=(3, 336, 336), crop_pct=1.0),
    "eva02_small_patch14_336.mim_in22k_ft_in1k": _cfg(
        hf_hub_id='timm/', input_size=(3, 336, 336), crop_pct=1.0),
    "eva02_base_patch14_448.mim_in22k_ft_in22k_in1k": _cfg(
        hf_hub_id='timm/', input_size=(3, 448, 448), crop_pct=1.0, crop_mode='squash'),
    "eva02_base_patch14_448.mim_in22k_ft_in1k": _cfg(
        hf_hub_id='timm/', input_size=(3, 448, 448), crop_pct=1.0),
    "eva02_base_patch14_448.mim_in22k_ft_in22k": _cfg(
        hf_hub_id='timm/', input_size=(3, 448, 448), crop_pct=1.0, crop_mode='squash', num_classes=21841),
    "eva02_large_patch14_448.mim_in22k_ft_in22k_in1k": _cfg(
        hf_hub_id='timm/', input_size=(3, 448, 448), crop_pct=1.0, crop_mode='squash'),
    "eva02_large_patch14_448.mim_m38m_ft_in22k_in1k": _cfg(
        hf_hub_id='timm/', input_size=(3, 448, 448), crop_pct=1.0, crop_mode='squash'),
    "eva02_large_patch14_448.mim_in22k_ft_in1k": _cfg(
        hf_hub_id='timm/', input_size=(3, 448, 448), crop_pct=1.0),
    "eva02_large_patch14_448.mim_m38m_ft_in1k": _cfg(
        hf_hub_id='timm/', input_size=(3, 448, 448), crop_pct=1.0),
    "eva02_large_patch14_448.mim_in22k_ft_in22k": _cfg(
        hf_hub_id='timm/', input_size=(3, 448, 448), crop_pct=1.0, crop_mode='squash', num_classes=21841),
    "eva02_large_patch14_448.mim_m38m_ft_in22k": _cfg(
        hf_hub_id='timm/', input_size=(3, 448, 448), crop_pct=1.0, crop_mode='squash', num_classes=21841),
    "eva_giant_patch14_clip_224.laion400m": _cfg(
        hf_hub_id='timm/', num_classes=1024),
    "eva_giant_patch14_clip_224.merged2b": _cfg(
        hf_hub_id='timm/', num_classes=1024),
    "eva02_base_patch16_clip_224.merged2b": _cfg(
        hf_hub_id='timm/', num_classes=512),
    "eva02_large_patch14_clip_224.merged2b": _cfg(
        hf_hub_id='timm/', num_classes=768),
    "eva02_large_patch14_clip_336.merged2b": _cfg(
        hf_hub_id='timm/', input_size=(3, 336, 336), crop_pct=1.0, num_classes=768),
    "eva02_enormous_patch14_clip_224.laion2b": _cfg(
        hf_hub_id='timm/', num_classes=1024),
    "eva02_enormous_patch14_clip_224.laion2b_plus": _cfg(
        hf_hub_id='timm/', num_classes=1024),
    "eva02_enormous_patch14_clip_224.pretrain": _cfg(
        # hf_hub_id='QuanSun/EVA-CLIP', hf_hub_filename='EVA02_E_psz14.pt',
        num_classes=0),
})


def build_eva(cfg: EvaCfg, variant: str, args: BuildArgs) -> ModelGraph:
    """The functional graph of an `EvaCfg` (timm's `Eva.forward`): NHWC images of `args.img_size` in
    (default: the architecture's), logits out, or the pooled features when `num_classes=0`. The rotary
    tables and `pos_embed` are made for that image size's patch grid. The feature maps are the blocks'
    patch tokens on their grid (timm's `forward_intermediates`)."""
    img_size = args.img_size or (cfg.img_size, cfg.img_size)
    rows, cols = img_size
    if rows % cfg.patch_size or cols % cfg.patch_size:
        raise ValueError(f"{variant}: img_size {tuple(img_size)} is not divisible by the patch size {cfg.patch_size}.")
    grid = (rows // cfg.patch_size, cols // cfg.patch_size)
    eps = 1e-6
    num_prefix = cfg.num_prefix_tokens

    inputs = model_input(args.in_chans, (rows, cols))
    x = PatchEmbed(
        cfg.embed_dim, patch_size=cfg.patch_size, use_bias=not cfg.use_pre_transformer_norm, flatten=False,
        name="patch_embed",
    )(inputs)
    x = ClassTokenPosEmbed(
        class_token=cfg.class_token, no_embed_class=cfg.no_embed_class, reg_tokens=cfg.num_reg_tokens,
        use_pos_embed=cfg.use_abs_pos_emb, name="pos_embed",
    )(x)
    if cfg.use_pre_transformer_norm:
        x = token_norm("layernorm", eps, name="norm_pre")(x)
    block_cls = EvaBlockPostNorm if cfg.use_post_norm else EvaBlock
    rope = dict(
        rope_grid_size=grid, rope_ref_feat_shape=cfg.ref_feat_shape, rope_temperature=cfg.rope_temperature,
    ) if cfg.use_rot_pos_emb else {}
    extra = {} if cfg.use_post_norm else dict(qk_norm=cfg.qk_norm, init_values=cfg.init_values)
    features = []
    for i, rate in enumerate(calculate_drop_path_rates(args.drop_path_rate, cfg.depth)):
        x = block_cls(
            cfg.embed_dim, cfg.num_heads, qkv_bias=cfg.qkv_bias, qkv_fused=cfg.qkv_fused, mlp_ratio=cfg.mlp_ratio,
            swiglu_mlp=cfg.swiglu_mlp, scale_mlp=cfg.scale_mlp, scale_attn_inner=cfg.scale_attn_inner,
            num_prefix_tokens=num_prefix, drop_path_rate=rate, epsilon=eps, name=f"blocks__{i}", **rope, **extra,
        )(x)
        patch_tokens = ops.reshape(x[:, num_prefix:], (-1, *grid, cfg.embed_dim))
        features.append(FeatureMap(patch_tokens, cfg.embed_dim, cfg.patch_size, f"blocks.{i}"))
    if cfg.final_norm:
        x = token_norm("layernorm", eps, name="norm")(x)
    if cfg.global_pool == "avg":
        x = ops.mean(x[:, num_prefix:], axis=1)
    elif cfg.global_pool == "token":
        x = x[:, 0]
    else:
        raise ValueError(f"{variant}: global_pool={cfg.global_pool!r} is not supported.")
    if cfg.fc_norm:
        x = token_norm("layernorm", eps, name="fc_norm")(x)
    if args.num_classes:
        x = keras.layers.Dense(args.num_classes, name="head")(x)
    return ModelGraph(inputs, x, features)


def _create_eva(variant: str, args: BuildArgs) -> ModelGraph:
    """timm's `variant` (a key of `model_cfgs`), see `build_eva`."""
    return build_eva(model_cfgs[variant], variant, args)


# ------------------------------------------------------------------------------------------------
# Checkpoints

# timm's renames of the original EVA / EVA-02 keys (in its order).
_RENAMES = (
    ("mlp.ffn_ln", "mlp.norm"),
    ("attn.inner_attn_ln", "attn.norm"),
    ("mlp.w12", "mlp.fc1"),
    ("mlp.w1", "mlp.fc1_g"),
    ("mlp.w2", "mlp.fc1_x"),
    ("mlp.w3", "mlp.fc2"),
)


def checkpoint_filter_fn(
    state: Mapping[str, np.ndarray],
    model: keras.Model,
    interpolation: str = "bicubic",
    antialias: bool = True,
) -> dict[str, np.ndarray]:
    """timm's `checkpoint_filter_fn` for EVA checkpoints: a nested `model_ema`/`model`/`module`/
    `state_dict` unwrapped, OpenCLIP's `visual.trunk.`/`visual.` prefix stripped (other keys
    dropped), the rotary buffers dropped (`rope.*` but `rope.freqs`), MIM-pretraining keys handled as
    timm (`mask_token`, `lm_head.*` dropped, `norm.*` moved to `fc_norm.*`), `pos_embed` resampled to the
    model's patch grid (bicubic, antialiased; the prefix tokens kept), and the original EVA names
    renamed (`mlp.ffn_ln` -> `mlp.norm`, `attn.inner_attn_ln` -> `attn.norm`, `mlp.w12/w1/w2/w3` ->
    `mlp.fc1/fc1_g/fc1_x/fc2`, `q_bias`/`v_bias` -> `q_proj.bias`/`v_proj.bias` for unfused
    checkpoints).

    Not converted (as for ViT): a patch embedding of another patch size (timm's
    `resample_patch_embed`), and the Perception Encoder, DINOv3 and Sapiens2 layouts, whose models are
    not ported.
    """
    for wrapper in ("model_ema", "model", "module", "state_dict"):
        inner = state.get(wrapper) if hasattr(state, "get") else None
        if isinstance(inner, Mapping):
            state = inner
    if "visual.conv1.weight" in state or "conv1.weight" in state:
        raise ValueError("Perception Encoder checkpoints are not supported: their models are not ported.")
    if "visual.trunk.pos_embed" in state:
        prefix = "visual.trunk."
    elif "visual.pos_embed" in state:
        prefix = "visual."
    else:
        prefix = ""
    mim_weights = prefix + "mask_token" in state
    no_qkv = prefix + "blocks.0.attn.q_proj.weight" in state
    embeds = [layer for layer in model.layers if isinstance(layer, ClassTokenPosEmbed)]
    out = {}
    for key, value in state.items():
        if prefix:
            if not key.startswith(prefix):
                continue
            key = key[len(prefix):]
        if "rope" in key and key != "rope.freqs":
            continue  # fixed embedding, a buffer
        if mim_weights and key in ("mask_token", "lm_head.weight", "lm_head.bias", "norm.weight", "norm.bias"):
            if key in ("norm.weight", "norm.bias"):
                key = key.replace("norm", "fc_norm")
            else:
                continue
        if key == "pos_embed" and embeds and embeds[0].use_pos_embed:
            embed = embeds[0]
            num_prefix = 0 if embed.no_embed_class else embed.num_prefix_tokens
            old_size = _pretrained_grid_size(
                model, state.get(prefix + "patch_embed.proj.weight"), np.shape(value)[1] - num_prefix
            )
            if np.shape(value)[1] != embed.pos_embed.shape[1] or (old_size is not None and old_size != embed.grid_size):
                value = resample_abs_pos_embed(
                    value, embed.grid_size, old_size, num_prefix, interpolation=interpolation, antialias=antialias,
                )
        for old, new in _RENAMES:
            key = key.replace(old, new)
        if no_qkv:
            key = key.replace("q_bias", "q_proj.bias").replace("v_bias", "v_proj.bias")
        out[key] = value
    return out


register_family(
    model_cfgs,
    _create_eva,
    default_cfgs,
    checkpoint_filter_fn,
    feature_out_indices=3,  # timm's `_create_eva`: out_indices=3, the last three blocks
)
