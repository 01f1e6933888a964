"""timm's `Eva` family as functional Keras models that load timm's state dicts: EVA and EVA-02, timm's
SBB ViTs with rope, ROPE-ViT (axial and mixed rope), Perception Encoder (core, lang, spatial), DINOv3,
LingBot-Vision and Sapiens2. The attention with rotary position embeddings and separate q/v biases
(`AttentionRope` for the others), the pre-norm and post-norm blocks, the architecture table, the
pretrained configs, the builder and the checkpoint filter (timm's conversions of the original EVA,
Perception Encoder, DINOv3 and Sapiens2 layouts).

Layer names are timm's module paths with `__` for `.` (`patch_embed`, `blocks__0`, `norm`, `fc_norm`,
`head`); the class token and position embeddings load from timm's bare `cls_token` and `pos_embed`
(`ClassTokenPosEmbed`, as ViT's). timm's fixed rope modules (EVA-02's, DINOv3's) hold only
non-persistent buffers: here each attention layer keeps the same table as a host-computed constant for
the model's fixed patch grid. ROPE-ViT's mixed rope has learned frequencies: a `rope` layer holding
`rope.freqs` computes every block's table in the graph.

Eval-mode only where timm differs in training: timm's rope coordinate augmentation (Sapiens2's
`rope_rescale_coords`; none of the other pretrained models set one) draws random coordinates in
training; here the tables are the eval tables always.

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
from luximm_keras.layers.attention_pool import AttentionPoolLatent
from luximm_keras.layers.attention_rope import AttentionRope
from luximm_keras.layers.drop import DropPath, calculate_drop_path_rates
from luximm_keras.layers.mlp import GluMlp, Mlp, SwiGLU
from luximm_keras.layers.norm import token_norm
from luximm_keras.layers.patch_embed import PatchEmbed
from luximm_keras.layers.pos_embed import resample_abs_pos_embed
from luximm_keras.layers.pos_embed_sincos import RotaryEmbeddingMixed
from luximm_keras.models._builder import (
    BuildArgs,
    FeatureMap,
    ModelGraph,
    model_input,
    timm_shapes,
)
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
class EvaAttention(AttentionRope):
    """EVA's self-attention: queries and values with their own biases and keys without (`q_bias`,
    `v_bias` beside a bias-free fused `qkv`, or `q_proj`/`k_proj`/`v_proj` with `k_proj` bias-free),
    rotary position embeddings on the patch tokens (those after the `num_prefix_tokens` class/register
    tokens), and an optional norm of the heads' output before `proj` (`scale_norm`: EVA-02's
    `scale_attn_inner`). Everything else is `AttentionRope`'s (no grouped-query attention).

    The rotary table: EVA-02's is timm's `RotaryEmbeddingCat` (inverse-frequency bands,
    `embed_dim // num_heads` wide) for the patch grid `rope_grid_size`, DINOv3's `RotaryEmbeddingDinoV3`
    (`rope_type="dinov3"`, half layout), computed once on the host; the input must then hold
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
        rotate_half, rope_type, rope_grid_offset, rope_grid_indexing: as `AttentionRope`'s.

    Example:
        >>> EvaAttention(64, num_heads=2, rope_grid_size=(4, 4))(keras.ops.ones((2, 17, 64))).shape
        (2, 17, 64)

    Reference: timm/models/eva.py `EvaAttention`.
    """

    timm_mapping = {"q_bias": ("q_bias", "identity"), "v_bias": ("v_bias", "identity")}

    def __init__(self, dim: int, num_heads: int = 8, **kwargs):
        kv_heads = kwargs.pop("num_kv_heads", None)
        if kv_heads is not None and int(kv_heads) != int(num_heads):
            raise ValueError("EvaAttention has no grouped-query attention (as timm): use AttentionRope.")
        if not kwargs.pop("proj_bias", True):
            raise ValueError("EvaAttention's `proj` always has a bias (as timm).")
        super().__init__(dim, num_heads=num_heads, **kwargs)

    def _make_projections(self, sub: dict) -> None:
        if self.qkv_fused:
            self.qkv = keras.layers.Dense(3 * self.dim, use_bias=False, name="qkv", **sub)
        else:
            self.q_proj = keras.layers.Dense(self.dim, use_bias=self.qkv_bias, name="q_proj", **sub)
            self.k_proj = keras.layers.Dense(self.dim, use_bias=False, name="k_proj", **sub)
            self.v_proj = keras.layers.Dense(self.dim, use_bias=self.qkv_bias, name="v_proj", **sub)

    def _build_biases(self) -> None:
        if self.qkv_fused and self.qkv_bias:
            self.q_bias = self.add_weight(name="q_bias", shape=(self.dim,), initializer="zeros")
            self.v_bias = self.add_weight(name="v_bias", shape=(self.dim,), initializer="zeros")

    def _fused_qkv(self, inputs):
        qkv = backend_ops.call_layer(self.qkv, inputs)
        if self.qkv_bias:
            # timm's k_bias: a non-persistent buffer of zeros
            q_bias = ops.convert_to_tensor(self.q_bias)
            bias = ops.concatenate([q_bias, ops.zeros_like(q_bias), ops.convert_to_tensor(self.v_bias)])
            qkv = ops.cast(bias, qkv.dtype) + qkv
        return qkv


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
        attn_type: `"eva"` (`EvaAttention`) or `"rope"` (`AttentionRope`: biases on all projections,
            grouped-query attention with `num_kv_heads`).
        num_kv_heads: `AttentionRope`'s key/value heads (None: `num_heads`).
        swiglu_align_to: with `swiglu_mlp`, round the hidden width up to a multiple of it (then the
            separate `SwiGLU` is used, as timm).
        rotate_half, rope_type, rope_grid_offset, rope_grid_indexing: the attention's rotary table.

    A rotary table computed in the graph (ROPE-ViT's learned mixed embeddings) is given to `call` as
    `rope`.

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
        attn_type: str = "eva",
        num_kv_heads: int | None = None,
        swiglu_align_to: int = 0,
        rotate_half: bool = False,
        rope_type: str = "cat",
        rope_grid_offset: float = 0.0,
        rope_grid_indexing: str = "ij",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if attn_type not in ("eva", "rope"):
            raise ValueError(f"`attn_type` must be 'eva' or 'rope', got {attn_type!r}.")
        self.attn_type = attn_type
        self.num_kv_heads = None if num_kv_heads is None else int(num_kv_heads)
        self.swiglu_align_to = int(swiglu_align_to)
        self.rotate_half = bool(rotate_half)
        self.rope_type = rope_type
        self.rope_grid_offset = float(rope_grid_offset)
        self.rope_grid_indexing = rope_grid_indexing
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
        attn_cls, attn_extra = (AttentionRope, dict(num_kv_heads=self.num_kv_heads)) if attn_type == "rope" else (
            EvaAttention, {}
        )
        self.attn = attn_cls(
            self.dim, num_heads=self.num_heads, qkv_bias=self.qkv_bias, qkv_fused=self.qkv_fused,
            num_prefix_tokens=self.num_prefix_tokens, attn_drop=self.attn_drop_rate, proj_drop=self.proj_drop_rate,
            qk_norm=self.qk_norm, scale_norm=self.scale_attn_inner, epsilon=self.epsilon, norm_layer=norm_layer,
            rope_grid_size=self.rope_grid_size, rope_ref_feat_shape=self.rope_ref_feat_shape,
            rope_temperature=self.rope_temperature, rotate_half=self.rotate_half, rope_type=self.rope_type,
            rope_grid_offset=self.rope_grid_offset, rope_grid_indexing=self.rope_grid_indexing, name="attn",
            **attn_extra, **sub,
        )
        self.norm2 = token_norm(norm_layer, self.epsilon, name="norm2", **sub)
        hidden = int(self.dim * self.mlp_ratio)
        mlp_norm = norm_layer if self.scale_mlp else None
        mlp_args = dict(drop=self.proj_drop_rate, epsilon=self.epsilon, name="mlp", **sub)
        if self.swiglu_mlp and (self.scale_mlp or self.swiglu_align_to):
            if self.swiglu_align_to:
                hidden += -hidden % self.swiglu_align_to
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

    def call(self, inputs, rope=None, training=None):
        y = self.attn(self.norm1(inputs), rope=rope, training=training)
        if self.gamma_1 is not None:
            y = ops.cast(self.gamma_1, y.dtype) * y
        x = inputs + backend_ops.call_layer(self.drop_path1, y, training)
        y = self.mlp(self.norm2(x), training=training)
        if self.gamma_2 is not None:
            y = ops.cast(self.gamma_2, y.dtype) * y
        return x + backend_ops.call_layer(self.drop_path2, y, training)

    def compute_output_shape(self, inputs_shape, rope_shape=None):
        return tuple(inputs_shape)

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
                "attn_type": self.attn_type,
                "num_kv_heads": self.num_kv_heads,
                "swiglu_align_to": self.swiglu_align_to,
                "rotate_half": self.rotate_half,
                "rope_type": self.rope_type,
                "rope_grid_offset": self.rope_grid_offset,
                "rope_grid_indexing": self.rope_grid_indexing,
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
        if kwargs.get("qk_norm") or kwargs.get("attn_only_layer_scale") or kwargs.get("num_kv_heads"):
            raise ValueError("EvaBlockPostNorm supports neither `qk_norm` nor `attn_only_layer_scale` (as timm).")
        kwargs["init_values"] = None
        super().__init__(dim, num_heads, **kwargs)

    def call(self, inputs, rope=None, training=None):
        attn = self.attn(inputs, rope=rope, training=training)
        x = inputs + backend_ops.call_layer(self.drop_path1, self.norm1(attn), training)
        return x + backend_ops.call_layer(self.drop_path2, self.norm2(self.mlp(x, training=training)), training)


@dataclass(frozen=True)
class EvaCfg:
    """The arguments timm's `eva*` constructors give `Eva`; the rest are timm's defaults (norms:
    timm's `LayerNorm`, eps 1e-6). `use_rot_pos_emb` with timm's default `rope_type="cat"` (the
    EVA-02 rotary embeddings, inverse-frequency bands rescaled onto `ref_feat_shape`), `"dinov3"`
    (DINOv3's, fixed) or `"mixed"` (ROPE-ViT's learned frequencies); `norm_layer`/`norm_eps` stand
    for timm's `norm_layer` partials (`LayerNorm` or `RmsNorm` and their eps)."""

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
    img_size: int | tuple[int, int] = 224
    attn_type: str = "eva"
    num_kv_heads: int | tuple[int, ...] | None = None
    swiglu_align_to: int = 0
    attn_only_layer_scale: bool = False
    rope_type: str = "cat"
    rope_grid_offset: float = 0.0
    rope_grid_indexing: str = "ij"
    rope_rotate_half: bool = False
    # timm's training-time rope coordinate augmentation (Sapiens2): no effect in eval, not ported.
    rope_rescale_coords: float | None = None
    norm_layer: str = "layernorm"
    norm_eps: float = 1e-6
    attn_pool_num_heads: int | None = None
    attn_pool_mlp_ratio: float | None = None
    # timm's flag to rebuild the rope table and resample `pos_embed` per call; here the graph is built
    # for one image size (`img_size`), which gives the same outputs at that size.
    dynamic_img_size: bool = False

    @property
    def num_prefix_tokens(self) -> int:
        return int(self.class_token) + self.num_reg_tokens

    @property
    def fc_norm(self) -> bool:
        return self.global_pool == "avg" if self.use_fc_norm is None else self.use_fc_norm

    @property
    def final_norm(self) -> bool:
        return (not self.fc_norm) if self.use_post_transformer_norm is None else self.use_post_transformer_norm


# timm's constructors' arguments.
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

# timm's SBB ViTs with EVA-02's rope, register tokens and average pooling.
_SBB = dict(
    img_size=256, patch_size=16, qkv_fused=True, init_values=1e-5, class_token=False, use_rot_pos_emb=True,
    use_abs_pos_emb=False, ref_feat_shape=(16, 16),
)
# Perception Encoder: timm's AttentionRope, a norm before the blocks, EVA-02's rope on an offset xy grid.
_PE = dict(
    mlp_ratio=4.0, attn_type="rope", use_pre_transformer_norm=True, use_rot_pos_emb=True, rope_grid_indexing="xy",
    norm_eps=1e-5,
)
_PE_CORE = dict(_PE, global_pool="map", rope_grid_offset=1.0, attn_pool_num_heads=8, attn_pool_mlp_ratio=4.0)
_PE_GIANT = dict(embed_dim=1536, num_heads=16, mlp_ratio=8960 / 1536, class_token=False)
_PE_DENSE = dict(_PE, use_post_transformer_norm=False, use_fc_norm=False)
# ROPE-ViT (Naver): AttentionRope, layer scale, class-token pooling, axial ("cat") or learned mixed rope.
_ROPE_VIT = dict(
    patch_size=16, mlp_ratio=4, attn_type="rope", qkv_bias=True, init_values=1e-5, class_token=True,
    global_pool="token", use_abs_pos_emb=False, use_rot_pos_emb=True, rope_grid_indexing="xy",
)
_AXIAL = dict(_ROPE_VIT, rope_temperature=100.0)
_MIXED = dict(_ROPE_VIT, rope_temperature=10.0, rope_type="mixed")
_APE = dict(no_embed_class=True, use_abs_pos_emb=True)
# DINOv3 (and LingBot-Vision, its derivative): DINOv3's rope, 4 storage (register) tokens, layer scale.
_DINOV3 = dict(
    patch_size=16, dynamic_img_size=True, init_values=1e-5, rope_type="dinov3", rope_temperature=100,
    rope_rotate_half=True, use_rot_pos_emb=True, use_abs_pos_emb=False, num_reg_tokens=4, use_fc_norm=False,
    norm_eps=1e-5,
)
_DINOV3_PLUS = dict(_DINOV3, swiglu_mlp=True, swiglu_align_to=8)


def _sapiens2(embed_dim: int, depth: int, num_heads: int, num_kv_heads: int, num_full_attn_blocks: int = 8) -> EvaCfg:
    """timm's `_sapiens2_args`: grouped-query attention in the middle blocks only, RmsNorm, DINOv3's rope,
    8 register tokens, layer scale on the attention branch only."""
    kv_heads = tuple(
        num_heads if (i < num_full_attn_blocks or i >= depth - num_full_attn_blocks) else num_kv_heads
        for i in range(depth)
    )
    return EvaCfg(
        img_size=(1024, 768), patch_size=16, dynamic_img_size=True, embed_dim=embed_dim, depth=depth,
        num_heads=num_heads, num_kv_heads=kv_heads, attn_type="rope", qkv_fused=False, qkv_bias=True, qk_norm=True,
        global_pool="token", swiglu_mlp=True, mlp_ratio=4.0, init_values=1.0, attn_only_layer_scale=True,
        rope_type="dinov3", rope_temperature=100, rope_rotate_half=True, rope_rescale_coords=2.0,
        use_rot_pos_emb=True, use_abs_pos_emb=False, class_token=True, num_reg_tokens=8, use_fc_norm=False,
        norm_layer="rmsnorm", norm_eps=1e-6,
    )


model_cfgs.update({
    "vit_medium_patch16_rope_reg1_gap_256": EvaCfg(embed_dim=512, depth=12, num_heads=8, qkv_bias=True, num_reg_tokens=1, **_SBB),
    "vit_mediumd_patch16_rope_reg1_gap_256": EvaCfg(embed_dim=512, depth=20, num_heads=8, qkv_bias=False, num_reg_tokens=1, **_SBB),
    "vit_betwixt_patch16_rope_reg4_gap_256": EvaCfg(embed_dim=640, depth=12, num_heads=10, qkv_bias=True, num_reg_tokens=4, **_SBB),
    "vit_base_patch16_rope_reg1_gap_256": EvaCfg(embed_dim=768, depth=12, num_heads=12, qkv_bias=True, num_reg_tokens=1, **_SBB),
    "vit_pe_core_tiny_patch16_384": EvaCfg(patch_size=16, embed_dim=192, depth=12, num_heads=3, ref_feat_shape=(24, 24), **_PE_CORE),
    "vit_pe_core_small_patch16_384": EvaCfg(patch_size=16, embed_dim=384, depth=12, num_heads=6, ref_feat_shape=(24, 24), **_PE_CORE),
    "vit_pe_core_base_patch16_224": EvaCfg(patch_size=16, embed_dim=768, depth=12, num_heads=12, ref_feat_shape=(14, 14), **_PE_CORE),
    "vit_pe_core_large_patch14_336": EvaCfg(patch_size=14, embed_dim=1024, depth=24, num_heads=16, ref_feat_shape=(24, 24), **_PE_CORE),
    "vit_pe_core_gigantic_patch14_448": EvaCfg(
        patch_size=14, depth=50, ref_feat_shape=(32, 32), **{**_PE_CORE, **_PE_GIANT, "rope_grid_offset": 0.0}),
    "vit_pe_lang_large_patch14_448": EvaCfg(
        patch_size=14, embed_dim=1024, depth=23, num_heads=16, class_token=True, ref_feat_shape=(32, 32),
        rope_grid_offset=1.0, init_values=0.1, **_PE_DENSE),
    "vit_pe_lang_gigantic_patch14_448": EvaCfg(
        patch_size=14, depth=47, ref_feat_shape=(32, 32), init_values=0.1, **{**_PE_DENSE, **_PE_GIANT}),
    "vit_pe_spatial_tiny_patch16_512": EvaCfg(
        patch_size=16, embed_dim=192, depth=12, num_heads=3, ref_feat_shape=(32, 32), rope_grid_offset=1.0, **_PE_DENSE),
    "vit_pe_spatial_small_patch16_512": EvaCfg(
        patch_size=16, embed_dim=384, depth=12, num_heads=6, ref_feat_shape=(32, 32), rope_grid_offset=1.0, **_PE_DENSE),
    "vit_pe_spatial_base_patch16_512": EvaCfg(
        patch_size=16, embed_dim=768, depth=12, num_heads=12, ref_feat_shape=(32, 32), rope_grid_offset=1.0, **_PE_DENSE),
    "vit_pe_spatial_large_patch14_448": EvaCfg(
        patch_size=14, embed_dim=1024, depth=24, num_heads=16, ref_feat_shape=(32, 32), rope_grid_offset=1.0, **_PE_DENSE),
    "vit_pe_spatial_gigantic_patch14_448": EvaCfg(
        patch_size=14, depth=50, ref_feat_shape=(32, 32), init_values=0.1, **{**_PE_DENSE, **_PE_GIANT}),
    "vit_small_patch16_rope_224": EvaCfg(embed_dim=384, depth=12, num_heads=6, **_AXIAL),
    "vit_base_patch16_rope_224": EvaCfg(embed_dim=768, depth=12, num_heads=12, use_fc_norm=False, **_AXIAL),
    "vit_large_patch16_rope_224": EvaCfg(embed_dim=1024, depth=24, num_heads=16, **_AXIAL),
    "vit_small_patch16_rope_mixed_224": EvaCfg(embed_dim=384, depth=12, num_heads=6, **_MIXED),
    "vit_base_patch16_rope_mixed_224": EvaCfg(embed_dim=768, depth=12, num_heads=12, **_MIXED),
    "vit_large_patch16_rope_mixed_224": EvaCfg(embed_dim=1024, depth=24, num_heads=16, **_MIXED),
    "vit_small_patch16_rope_ape_224": EvaCfg(embed_dim=384, depth=12, num_heads=6, **{**_AXIAL, **_APE}),
    "vit_base_patch16_rope_ape_224": EvaCfg(embed_dim=768, depth=12, num_heads=12, **{**_AXIAL, **_APE}),
    "vit_large_patch16_rope_ape_224": EvaCfg(embed_dim=1024, depth=24, num_heads=16, **{**_AXIAL, **_APE}),
    "vit_small_patch16_rope_mixed_ape_224": EvaCfg(embed_dim=384, depth=12, num_heads=6, **{**_MIXED, **_APE}),
    "vit_base_patch16_rope_mixed_ape_224": EvaCfg(embed_dim=768, depth=12, num_heads=12, **{**_MIXED, **_APE}),
    "vit_large_patch16_rope_mixed_ape_224": EvaCfg(embed_dim=1024, depth=24, num_heads=16, **{**_MIXED, **_APE}),
    "vit_tiny_patch16_dinov3_qkvb": EvaCfg(embed_dim=192, depth=12, num_heads=3, qkv_bias=True, **_DINOV3),
    "vit_small_patch16_dinov3": EvaCfg(embed_dim=384, depth=12, num_heads=6, qkv_bias=False, **_DINOV3),
    "vit_small_patch16_dinov3_qkvb": EvaCfg(embed_dim=384, depth=12, num_heads=6, qkv_bias=True, **_DINOV3),
    "vit_small_plus_patch16_dinov3": EvaCfg(embed_dim=384, depth=12, num_heads=6, qkv_bias=False, **_DINOV3_PLUS),
    "vit_small_plus_patch16_dinov3_qkvb": EvaCfg(embed_dim=384, depth=12, num_heads=6, qkv_bias=True, **_DINOV3_PLUS),
    "vit_base_patch16_dinov3": EvaCfg(embed_dim=768, depth=12, num_heads=12, qkv_bias=False, **_DINOV3),
    "vit_base_patch16_dinov3_qkvb": EvaCfg(embed_dim=768, depth=12, num_heads=12, qkv_bias=True, **_DINOV3),
    "vit_large_patch16_dinov3": EvaCfg(embed_dim=1024, depth=24, num_heads=16, qkv_bias=False, **_DINOV3),
    "vit_large_patch16_dinov3_qkvb": EvaCfg(embed_dim=1024, depth=24, num_heads=16, qkv_bias=True, **_DINOV3),
    "vit_huge_plus_patch16_dinov3": EvaCfg(embed_dim=1280, depth=32, num_heads=20, qkv_bias=False, **_DINOV3_PLUS),
    "vit_huge_plus_patch16_dinov3_qkvb": EvaCfg(embed_dim=1280, depth=32, num_heads=20, qkv_bias=True, **_DINOV3_PLUS),
    "vit_7b_patch16_dinov3": EvaCfg(
        embed_dim=4096, depth=40, num_heads=32, qkv_bias=False, mlp_ratio=2, **{**_DINOV3_PLUS, "swiglu_align_to": 64}),
    "vit_small_patch16_lingbot": EvaCfg(embed_dim=384, depth=12, num_heads=6, qkv_bias=True, global_pool="token", **_DINOV3),
    "vit_base_patch16_lingbot": EvaCfg(embed_dim=768, depth=12, num_heads=12, qkv_bias=True, global_pool="token", **_DINOV3),
    "vit_large_patch16_lingbot": EvaCfg(embed_dim=1024, depth=24, num_heads=16, qkv_bias=True, global_pool="token", **_DINOV3),
    "vit_giant_patch16_lingbot": EvaCfg(
        embed_dim=1536, depth=40, num_heads=24, qkv_bias=False, global_pool="token", mlp_ratio=4 * 2 / 3, **_DINOV3_PLUS),
    "vit_base_patch16_sapiens2": _sapiens2(embed_dim=768, depth=12, num_heads=12, num_kv_heads=6),
    "vit_large_patch16_sapiens2": _sapiens2(embed_dim=1024, depth=24, num_heads=16, num_kv_heads=8),
    "vit_huge_patch16_sapiens2": _sapiens2(embed_dim=1280, depth=32, num_heads=16, num_kv_heads=8),
    "vit_giant_patch16_sapiens2": _sapiens2(embed_dim=1536, depth=40, num_heads=24, num_kv_heads=12),
    "vit_5b_patch16_sapiens2": _sapiens2(embed_dim=2432, depth=56, num_heads=32, num_kv_heads=16),
})


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


def _pe_cfg(url: str = "", **kwargs) -> dict:
    return {
        "url": url,
        "num_classes": 0,
        "input_size": (3, 224, 224),
        "pool_size": None,
        "crop_pct": 1.0,
        "interpolation": "bicubic",
        "fixed_input_size": True,
        "mean": (0.5, 0.5, 0.5),
        "std": (0.5, 0.5, 0.5),
        "first_conv": "patch_embed.proj",
        "classifier": "head",
        "license": "apache-2.0",
        **kwargs,
    }


def _dinov3_cfg(url: str = "", **kwargs) -> dict:
    return {
        "url": url,
        "num_classes": 0,
        "input_size": (3, 256, 256),
        "pool_size": None,
        "crop_pct": 1.0,
        "interpolation": "bicubic",
        "fixed_input_size": True,
        "mean": IMAGENET_DEFAULT_MEAN,
        "std": IMAGENET_DEFAULT_STD,
        "first_conv": "patch_embed.proj",
        "classifier": "head",
        "license": "dinov3-license",
        **kwargs,
    }


def _eupe_cfg(url: str = "", **kwargs) -> dict:
    return {**_dinov3_cfg(url), "license": "fair-noncommercial-research-license", **kwargs}


def _lingbot_cfg(url: str = "", **kwargs) -> dict:
    return {
        "url": url,
        "num_classes": 0,
        "input_size": (3, 512, 512),
        "pool_size": None,
        "crop_pct": 1.0,
        "crop_mode": "squash",
        "interpolation": "bilinear",
        "fixed_input_size": True,
        "mean": IMAGENET_DEFAULT_MEAN,
        "std": IMAGENET_DEFAULT_STD,
        "first_conv": "patch_embed.proj",
        "classifier": "head",
        "license": "apache-2.0",
        "origin_url": "https://github.com/robbyant/lingbot-vision",
        "paper_ids": "arXiv:2607.05247",
        **kwargs,
    }


def _sapiens2_cfg(url: str = "", **kwargs) -> dict:
    return {
        "url": url,
        "num_classes": 0,
        "input_size": (3, 1024, 768),
        "pool_size": None,
        "crop_pct": 1.0,
        "crop_mode": "squash",
        "interpolation": "bilinear",
        "fixed_input_size": False,
        "min_input_size": (3, 256, 192),
        "mean": IMAGENET_DEFAULT_MEAN,
        "std": IMAGENET_DEFAULT_STD,
        "first_conv": "patch_embed.proj",
        "classifier": "head",
        "license": "sapiens2-license",
        "origin_url": "https://github.com/facebookresearch/sapiens2",
        "paper_ids": "arXiv:2604.21681",
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
    "vit_medium_patch16_rope_reg1_gap_256.sbb_in1k": _cfg(
        hf_hub_id='timm/', input_size=(3, 256, 256), crop_pct=0.95, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)),
    "vit_mediumd_patch16_rope_reg1_gap_256.sbb_in1k": _cfg(
        hf_hub_id='timm/', input_size=(3, 256, 256), crop_pct=0.95, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)),
    "vit_betwixt_patch16_rope_reg4_gap_256.sbb_in1k": _cfg(
        hf_hub_id='timm/', input_size=(3, 256, 256), crop_pct=0.95),
    "vit_base_patch16_rope_reg1_gap_256.sbb_in1k": _cfg(
        hf_hub_id='timm/', input_size=(3, 256, 256), crop_pct=0.95, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)),
    "vit_pe_core_tiny_patch16_384.fb": _pe_cfg(
        hf_hub_id='timm/', input_size=(3, 384, 384), num_classes=512),
    "vit_pe_core_small_patch16_384.fb": _pe_cfg(
        hf_hub_id='timm/', input_size=(3, 384, 384), num_classes=512),
    "vit_pe_core_base_patch16_224.fb": _pe_cfg(
        hf_hub_id='timm/', num_classes=1024),
    "vit_pe_core_large_patch14_336.fb": _pe_cfg(
        hf_hub_id='timm/', input_size=(3, 336, 336), num_classes=1024),
    "vit_pe_core_gigantic_patch14_448.fb": _pe_cfg(
        hf_hub_id='timm/', input_size=(3, 448, 448), num_classes=1280),
    "vit_pe_lang_large_patch14_448.fb": _pe_cfg(
        hf_hub_id='timm/', input_size=(3, 448, 448)),
    "vit_pe_lang_large_patch14_448.fb_tiling": _pe_cfg(
        hf_hub_id='timm/', input_size=(3, 448, 448)),
    "vit_pe_lang_gigantic_patch14_448.fb": _pe_cfg(
        hf_hub_id='timm/', input_size=(3, 448, 448)),
    "vit_pe_lang_gigantic_patch14_448.fb_tiling": _pe_cfg(
        hf_hub_id='timm/', input_size=(3, 448, 448)),
    "vit_pe_spatial_tiny_patch16_512.fb": _pe_cfg(
        hf_hub_id='timm/', input_size=(3, 512, 512)),
    "vit_pe_spatial_small_patch16_512.fb": _pe_cfg(
        hf_hub_id='timm/', input_size=(3, 512, 512)),
    "vit_pe_spatial_base_patch16_512.fb": _pe_cfg(
        hf_hub_id='timm/', input_size=(3, 512, 512)),
    "vit_pe_spatial_large_patch14_448.fb": _pe_cfg(
        hf_hub_id='timm/', input_size=(3, 448, 448)),
    "vit_pe_spatial_gigantic_patch14_448.fb": _pe_cfg(
        hf_hub_id='timm/', input_size=(3, 448, 448)),
    "vit_small_patch16_rope_224.naver_in1k": _cfg(
        hf_hub_id='timm/', mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, license='apache-2.0'),
    "vit_base_patch16_rope_224.naver_in1k": _cfg(
        hf_hub_id='timm/', mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, license='apache-2.0'),
    "vit_large_patch16_rope_224.naver_in1k": _cfg(
        hf_hub_id='timm/', mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, license='apache-2.0'),
    "vit_small_patch16_rope_mixed_224.naver_in1k": _cfg(
        hf_hub_id='timm/', mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, license='apache-2.0'),
    "vit_base_patch16_rope_mixed_224.naver_in1k": _cfg(
        hf_hub_id='timm/', mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, license='apache-2.0'),
    "vit_large_patch16_rope_mixed_224.naver_in1k": _cfg(
        hf_hub_id='timm/', mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, license='apache-2.0'),
    "vit_small_patch16_rope_ape_224.naver_in1k": _cfg(
        hf_hub_id='timm/', mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, license='apache-2.0'),
    "vit_base_patch16_rope_ape_224.naver_in1k": _cfg(
        hf_hub_id='timm/', mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, license='apache-2.0'),
    "vit_large_patch16_rope_ape_224.naver_in1k": _cfg(
        hf_hub_id='timm/', mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, license='apache-2.0'),
    "vit_small_patch16_rope_mixed_ape_224.naver_in1k": _cfg(
        hf_hub_id='timm/', mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, license='apache-2.0'),
    "vit_base_patch16_rope_mixed_ape_224.naver_in1k": _cfg(
        hf_hub_id='timm/', mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, license='apache-2.0'),
    "vit_large_patch16_rope_mixed_ape_224.naver_in1k": _cfg(
        hf_hub_id='timm/', mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, license='apache-2.0'),
    "vit_small_patch16_dinov3.lvd1689m": _dinov3_cfg(
        hf_hub_id='timm/'),
    "vit_small_patch16_dinov3_qkvb.lvd1689m": _dinov3_cfg(
        hf_hub_id='timm/'),
    "vit_small_patch16_dinov3_qkvb.eupe_lvd1689m": _eupe_cfg(
        hf_hub_id='timm/'),
    "vit_small_plus_patch16_dinov3.lvd1689m": _dinov3_cfg(
        hf_hub_id='timm/'),
    "vit_small_plus_patch16_dinov3_qkvb.lvd1689m": _dinov3_cfg(
        hf_hub_id='timm/'),
    "vit_base_patch16_dinov3.lvd1689m": _dinov3_cfg(
        hf_hub_id='timm/'),
    "vit_base_patch16_dinov3_qkvb.lvd1689m": _dinov3_cfg(
        hf_hub_id='timm/'),
    "vit_base_patch16_dinov3_qkvb.eupe_lvd1689m": _eupe_cfg(
        hf_hub_id='timm/'),
    "vit_tiny_patch16_dinov3_qkvb.eupe_lvd1689m": _eupe_cfg(
        hf_hub_id='timm/'),
    "vit_large_patch16_dinov3.lvd1689m": _dinov3_cfg(
        hf_hub_id='timm/'),
    "vit_large_patch16_dinov3.sat493m": _dinov3_cfg(
        hf_hub_id='timm/', mean=(0.43, 0.411, 0.296), std=(0.213, 0.156, 0.143)),
    "vit_large_patch16_dinov3_qkvb.lvd1689m": _dinov3_cfg(
        hf_hub_id='timm/'),
    "vit_large_patch16_dinov3_qkvb.sat493m": _dinov3_cfg(
        hf_hub_id='timm/', mean=(0.43, 0.411, 0.296), std=(0.213, 0.156, 0.143)),
    "vit_huge_plus_patch16_dinov3.lvd1689m": _dinov3_cfg(
        hf_hub_id='timm/'),
    "vit_huge_plus_patch16_dinov3_qkvb.lvd1689m": _dinov3_cfg(
        hf_hub_id='timm/'),
    "vit_7b_patch16_dinov3.lvd1689m": _dinov3_cfg(
        hf_hub_id='timm/'),
    "vit_7b_patch16_dinov3.sat493m": _dinov3_cfg(
        hf_hub_id='timm/', mean=(0.43, 0.411, 0.296), std=(0.213, 0.156, 0.143)),
    "vit_small_patch16_lingbot.robbyant": _lingbot_cfg(
        hf_hub_id='belfner/vit_small_patch16_lingbot.robbyant'),
    "vit_base_patch16_lingbot.robbyant": _lingbot_cfg(
        hf_hub_id='belfner/vit_base_patch16_lingbot.robbyant'),
    "vit_large_patch16_lingbot.robbyant": _lingbot_cfg(
        hf_hub_id='belfner/vit_large_patch16_lingbot.robbyant'),
    "vit_giant_patch16_lingbot.robbyant": _lingbot_cfg(
        hf_hub_id='belfner/vit_giant_patch16_lingbot.robbyant'),
    "vit_base_patch16_sapiens2.fb": _sapiens2_cfg(
        hf_hub_id='timm/'),
    "vit_large_patch16_sapiens2.fb": _sapiens2_cfg(
        hf_hub_id='timm/'),
    "vit_huge_patch16_sapiens2.fb": _sapiens2_cfg(
        hf_hub_id='timm/'),
    "vit_giant_patch16_sapiens2.fb": _sapiens2_cfg(
        hf_hub_id='timm/'),
    "vit_5b_patch16_sapiens2.fb": _sapiens2_cfg(
        hf_hub_id='timm/'),
})


def build_eva(cfg: EvaCfg, variant: str, args: BuildArgs) -> ModelGraph:
    """The functional graph of an `EvaCfg` (timm's `Eva.forward`, eval mode): NHWC images of
    `args.img_size` in (default: the architecture's), logits out, or the pooled features when
    `num_classes=0`. The fixed rotary tables and `pos_embed` are made for that image size's patch grid
    (timm's `dynamic_img_size` models give the same outputs at that size); ROPE-ViT's mixed tables are
    computed in the graph from the learned `rope.freqs`. The feature maps are the blocks' patch tokens on
    their grid (timm's `forward_intermediates`)."""
    img_size = args.img_size or _pair(cfg.img_size)
    rows, cols = img_size
    if rows % cfg.patch_size or cols % cfg.patch_size:
        raise ValueError(f"{variant}: img_size {tuple(img_size)} is not divisible by the patch size {cfg.patch_size}.")
    if cfg.global_pool not in ("avg", "token", "map"):
        raise ValueError(f"{variant}: global_pool={cfg.global_pool!r} is not supported.")
    grid = (rows // cfg.patch_size, cols // cfg.patch_size)
    eps, norm = cfg.norm_eps, cfg.norm_layer
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
    rope_tables, rope = None, {}
    if cfg.use_rot_pos_emb and cfg.rope_type == "mixed":
        if cfg.rope_rotate_half:
            raise ValueError(f"{variant}: mixed rope needs the interleaved layout (rope_rotate_half=False), as timm.")
        rope_tables = RotaryEmbeddingMixed(
            cfg.embed_dim, cfg.depth, cfg.num_heads, grid, temperature=cfg.rope_temperature,
            grid_indexing=cfg.rope_grid_indexing, name="rope",
        )(x)
    elif cfg.use_rot_pos_emb:
        if cfg.rope_type not in ("cat", "dinov3"):
            raise ValueError(f"{variant}: rope_type={cfg.rope_type!r} is not supported.")
        rope = dict(
            rope_grid_size=grid, rope_type=cfg.rope_type, rope_temperature=cfg.rope_temperature,
            rope_grid_offset=cfg.rope_grid_offset, rope_grid_indexing=cfg.rope_grid_indexing,
            # timm's create_rope_embed drops ref_feat_shape for DINOv3's rope
            rope_ref_feat_shape=cfg.ref_feat_shape if cfg.rope_type == "cat" else None,
        )
    if cfg.use_pre_transformer_norm:
        x = token_norm(norm, eps, name="norm_pre")(x)
    kv_heads = cfg.num_kv_heads if isinstance(cfg.num_kv_heads, tuple) else (cfg.num_kv_heads,) * cfg.depth
    if len(kv_heads) != cfg.depth:
        raise ValueError(f"{variant}: num_kv_heads needs one entry per block, got {len(kv_heads)} for {cfg.depth}.")
    block_cls = EvaBlockPostNorm if cfg.use_post_norm else EvaBlock
    features = []
    for i, rate in enumerate(calculate_drop_path_rates(args.drop_path_rate, cfg.depth)):
        extra = {} if cfg.use_post_norm else dict(
            qk_norm=cfg.qk_norm, init_values=cfg.init_values, attn_only_layer_scale=cfg.attn_only_layer_scale,
            num_kv_heads=kv_heads[i],
        )
        block = block_cls(
            cfg.embed_dim, cfg.num_heads, qkv_bias=cfg.qkv_bias, qkv_fused=cfg.qkv_fused, mlp_ratio=cfg.mlp_ratio,
            swiglu_mlp=cfg.swiglu_mlp, swiglu_align_to=cfg.swiglu_align_to, scale_mlp=cfg.scale_mlp,
            scale_attn_inner=cfg.scale_attn_inner, attn_type=cfg.attn_type, rotate_half=cfg.rope_rotate_half,
            num_prefix_tokens=num_prefix, drop_path_rate=rate, epsilon=eps, norm_layer=norm, name=f"blocks__{i}",
            **rope, **extra,
        )
        x = block(x) if rope_tables is None else block(x, rope=rope_tables[i])
        patch_tokens = ops.reshape(x[:, num_prefix:], (-1, *grid, cfg.embed_dim))
        features.append(FeatureMap(patch_tokens, cfg.embed_dim, cfg.patch_size, f"blocks.{i}"))
    if cfg.final_norm:
        x = token_norm(norm, eps, name="norm")(x)
    if cfg.global_pool == "map":
        x = AttentionPoolLatent(
            num_heads=cfg.attn_pool_num_heads or cfg.num_heads, mlp_ratio=cfg.attn_pool_mlp_ratio or cfg.mlp_ratio,
            epsilon=eps, name="attn_pool",
        )(x)
    elif cfg.global_pool == "avg":
        x = ops.mean(x[:, num_prefix:], axis=1)
    else:
        x = x[:, 0]
    if cfg.fc_norm:
        x = token_norm(norm, eps, name="fc_norm")(x)
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


# timm's `_convert_pe` renames of Meta's Perception Encoder keys (in its order).
_PE_SWAPS = (
    ("conv1", "patch_embed.proj"),
    ("positional_embedding", "pos_embed"),
    ("transformer.resblocks.", "blocks."),
    ("ln_pre", "norm_pre"),
    ("ln_post", "norm"),
    ("ln_", "norm"),
    ("ls_1.gamma", "gamma_1"),
    ("ls_2.gamma", "gamma_2"),
    ("in_proj_", "qkv."),
    ("out_proj", "proj"),
    ("mlp.c_fc", "mlp.fc1"),
    ("mlp.c_proj", "mlp.fc2"),
)


def _convert_pe(state: Mapping[str, np.ndarray], prefix: str = "visual.") -> dict[str, np.ndarray]:
    """timm's `_convert_pe`: Meta's Perception Encoder layout to timm's (the attention pool's packed
    `in_proj` split into `q`/`kv`, the output projection `proj` as `head.weight` with a zero bias, the
    class embedding and position embedding given their batch axes)."""
    state = state.get("model", state) if hasattr(state, "get") else state
    state = {k.replace("module.", ""): v for k, v in state.items()}
    out = {}
    for key, value in state.items():
        if prefix:
            if not key.startswith(prefix):
                continue
            key = key[len(prefix):]
        for old, new in _PE_SWAPS:
            key = key.replace(old, new)
        value = np.asarray(value)
        if key.startswith("attn_pool"):
            key = key.replace("attn_pool.attn", "attn_pool")
            key = key.replace("attn_pool.layernorm", "attn_pool.norm")
            key = key.replace("attn_pool.probe", "attn_pool.latent")
            if key.startswith("attn_pool.qkv"):
                dim = value.shape[0] // 3
                kind = "weight" if key.endswith("weight") else "bias" if key.endswith("bias") else None
                if kind is not None:
                    out[f"attn_pool.q.{kind}"] = value[:dim]
                    out[f"attn_pool.kv.{kind}"] = value[dim:]
                continue
        elif key == "proj":
            key = "head.weight"
            value = value.T
            out["head.bias"] = np.zeros(value.shape[0], value.dtype)
        elif key == "class_embedding":
            key = "cls_token"
            value = value[None, None]
        elif key == "pos_embed":
            value = value[None]
        out[key] = value
    return out


def checkpoint_filter_fn(
    state: Mapping[str, np.ndarray],
    model: keras.Model,
    interpolation: str = "bicubic",
    antialias: bool = True,
) -> dict[str, np.ndarray]:
    """timm's `checkpoint_filter_fn` for EVA checkpoints: a nested `model_ema`/`model`/`module`/
    `state_dict` unwrapped, Meta's Perception Encoder layout converted (`_convert_pe`), OpenCLIP's
    `visual.trunk.`/`visual.` prefix stripped (other keys dropped), the rotary buffers dropped (`rope.*`
    but `rope.freqs`), MIM-pretraining keys handled as timm (`mask_token`, `lm_head.*` dropped, `norm.*`
    moved to `fc_norm.*`), Meta's DINOv3 layout converted (`storage_tokens` -> `reg_token`,
    `ls1/ls2.gamma` -> `gamma_1/2`, a packed `qkv.bias` split into `q_bias`/`v_bias` where the model has
    them and dropped where not, `periods`/`bias_mask`/`mask_token`, `projectors.*`, `local_cls_norm.*`
    dropped), Meta's Sapiens2 layout renamed (`wq/wk/wv`, `ffn`, `ln1/ln2`, attention-only layer scale),
    `pos_embed` resampled to the model's patch grid (bicubic, antialiased; the prefix tokens kept), and
    the original EVA names renamed (`mlp.ffn_ln` -> `mlp.norm`, `attn.inner_attn_ln` -> `attn.norm`,
    `mlp.w12/w1/w2/w3` -> `mlp.fc1/fc1_g/fc1_x/fc2`, `q_bias`/`v_bias` -> `q_proj.bias`/`v_proj.bias` for
    unfused checkpoints).

    Not converted (as for ViT): a patch embedding of another patch size (timm's `resample_patch_embed`).
    """
    for wrapper in ("model_ema", "model", "module", "state_dict"):
        inner = state.get(wrapper) if hasattr(state, "get") else None
        if isinstance(inner, Mapping):
            state = inner
    if "visual.conv1.weight" in state:
        return _convert_pe(state)
    if "conv1.weight" in state:
        return _convert_pe(state, prefix="")
    if "visual.trunk.pos_embed" in state:
        prefix = "visual.trunk."
    elif "visual.pos_embed" in state:
        prefix = "visual."
    else:
        prefix = ""
    sapiens2_weights = "blocks.0.attn.wq.weight" in state and "blocks.0.ffn.w12.weight" in state
    dinov3_weights = "storage_tokens" in state and not sapiens2_weights
    mim_weights = not dinov3_weights and prefix + "mask_token" in state
    no_qkv = prefix + "blocks.0.attn.q_proj.weight" in state
    model_keys = set(timm_shapes(model)) if dinov3_weights else set()
    embeds = [layer for layer in model.layers if isinstance(layer, ClassTokenPosEmbed)]
    out = {}
    for key, value in state.items():
        if prefix:
            if not key.startswith(prefix):
                continue
            key = key[len(prefix):]
        if "rope" in key and key != "rope.freqs":
            continue  # fixed embedding, a buffer
        if sapiens2_weights:
            if key == "mask_token":
                continue  # pretraining only
            for old, new in (
                ("storage_tokens", "reg_token"),
                ("patch_embed.projection.", "patch_embed.proj."),
                ("attn.wq.", "attn.q_proj."),
                ("attn.wk.", "attn.k_proj."),
                ("attn.wv.", "attn.v_proj."),
                ("attn.gamma.weight", "gamma_1"),  # the original keeps the attention-only layer scale in attn
                (".ffn.", ".mlp."),
                (".ln1.", ".norm1."),
                (".ln2.", ".norm2."),
            ):
                key = key.replace(old, new)
            if key.startswith("ln1."):
                key = "norm." + key[len("ln1."):]  # the final norm
        elif dinov3_weights:
            if key.endswith((".periods", ".bias_mask", "mask_token")):
                continue  # unused, non-persistent or pretraining only
            if key.startswith(("projectors.", "local_cls_norm")):
                continue  # EUPE's distillation heads; DINOv3 7B's local-crop pretraining norm
            if key.endswith("qkv.bias"):
                q_key = key.replace("qkv.bias", "q_bias")
                if q_key not in model_keys:
                    continue  # the model has no qkv bias (the distilled checkpoints' are all zero)
                # the k third is EVA's fixed zero k_bias
                q, _, v = np.split(np.asarray(value), 3, axis=-1)
                out[q_key] = q
                out[key.replace("qkv.bias", "v_bias")] = v
                continue
            key = key.replace("ls1.gamma", "gamma_1").replace("ls2.gamma", "gamma_2")
            key = key.replace("storage_tokens", "reg_token")
        elif mim_weights and key in ("mask_token", "lm_head.weight", "lm_head.bias", "norm.weight", "norm.bias"):
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
