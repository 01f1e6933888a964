"""Self-attention with rotary position embeddings on the patch tokens (timm's `AttentionRope`: ROPE-ViT,
Perception Encoder, Sapiens2's grouped-query attention).

Reference: timm/layers/attention.py `AttentionRope`
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.layers.norm import token_norm
from luximm_keras.layers.pos_embed_sincos import apply_rot_embed_cat, rope_table


def _pair(value) -> tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, int):
        return (value, value)
    return tuple(int(v) for v in value)


@serializable
class AttentionRope(keras.layers.Layer):
    """Multi-head self-attention whose queries and keys are rotated by rotary position embeddings on
    the patch tokens (those after the `num_prefix_tokens` class/register tokens), as timm's
    `AttentionRope`: a fused `qkv` or separate `q_proj`/`k_proj`/`v_proj` (all with biases when
    `qkv_bias`), optional per-head `q_norm`/`k_norm`, grouped-query attention (`num_kv_heads` key/value
    heads, each shared by `num_heads // num_kv_heads` consecutive query heads), an optional norm before
    `proj` (`scale_norm`).

    The rotary table is either fixed, made once on the host for the patch grid `rope_grid_size`
    (`rope_type` `"cat"`: timm's `RotaryEmbeddingCat`, `"dinov3"`: `RotaryEmbeddingDinoV3`; the input
    must then hold `num_prefix_tokens + H * W` tokens), or given to `call` as `rope` (ROPE-ViT's learned
    mixed embeddings, `(H * W, num_heads, 2 * head_dim)`), or absent.

    Args:
        dim: token width.
        num_heads: query heads; `dim` must be divisible by it.
        qkv_bias: biases on the projections.
        qkv_fused: one `qkv` projection or separate ones (required for grouped-query attention).
        num_prefix_tokens: leading tokens the rotation skips.
        attn_drop, proj_drop: dropout of the attention weights and after `proj` (training only).
        qk_norm: normalize queries and keys per head (`q_norm`, `k_norm`).
        scale_norm: normalize the attention output before `proj` (`norm`).
        proj_bias: whether `proj` has a bias.
        num_kv_heads: key/value heads (None: `num_heads`).
        epsilon, norm_layer: the norms' epsilon and kind (`"layernorm"` or `"rmsnorm"`).
        rotate_half: the half rotary layout instead of the interleaved one.
        rope_type: `"cat"` or `"dinov3"` for a fixed table.
        rope_grid_size: the patch grid `(H, W)` of a fixed table, or None.
        rope_ref_feat_shape, rope_temperature, rope_grid_offset, rope_grid_indexing: the fixed table's
            arguments (timm's `Eva` rope arguments).

    Example:
        >>> AttentionRope(64, num_heads=2, rope_grid_size=(4, 4))(keras.ops.ones((2, 17, 64))).shape
        (2, 17, 64)

    Reference: timm/layers/attention.py `AttentionRope`.
    """

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
        proj_bias: bool = True,
        num_kv_heads: int | None = None,
        epsilon: float = 1e-6,
        norm_layer: str = "layernorm",
        rotate_half: bool = False,
        rope_type: str = "cat",
        rope_grid_size: Sequence[int] | None = None,
        rope_ref_feat_shape: Sequence[int] | None = None,
        rope_temperature: float = 10000.0,
        rope_grid_offset: float = 0.0,
        rope_grid_indexing: str = "ij",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(num_heads) < 1 or int(dim) % int(num_heads):
            raise ValueError(f"`dim` ({dim}) must be divisible by `num_heads` ({num_heads}).")
        self.dim = int(dim)
        self.num_heads = int(num_heads)
        self.head_dim = self.dim // self.num_heads
        self.scale = self.head_dim**-0.5
        self.num_kv_heads = self.num_heads if num_kv_heads is None else int(num_kv_heads)
        if self.num_kv_heads < 1 or self.num_heads % self.num_kv_heads:
            raise ValueError(f"`num_heads` ({num_heads}) must be divisible by `num_kv_heads` ({num_kv_heads}).")
        self.num_kv_groups = self.num_heads // self.num_kv_heads
        self.qkv_bias = bool(qkv_bias)
        self.qkv_fused = bool(qkv_fused)
        if self.qkv_fused and self.num_kv_groups > 1:
            raise ValueError("a fused qkv projection does not support grouped-query attention (as timm).")
        self.num_prefix_tokens = int(num_prefix_tokens)
        self.attn_drop_rate = float(attn_drop)
        self.proj_drop_rate = float(proj_drop)
        self.qk_norm = bool(qk_norm)
        self.scale_norm = bool(scale_norm)
        self.proj_bias = bool(proj_bias)
        self.epsilon = float(epsilon)
        self.norm_layer = norm_layer
        self.rotate_half = bool(rotate_half)
        self.rope_type = rope_type
        self.rope_grid_size = _pair(rope_grid_size)
        self.rope_ref_feat_shape = _pair(rope_ref_feat_shape)
        self.rope_temperature = float(rope_temperature)
        self.rope_grid_offset = float(rope_grid_offset)
        self.rope_grid_indexing = rope_grid_indexing
        self.input_spec = keras.layers.InputSpec(ndim=3, axes={-1: self.dim})
        self._rope = None
        if self.rope_grid_size is not None:
            if self.head_dim % 4:
                raise ValueError(f"rotary embeddings need a head width divisible by 4, got {self.head_dim}.")
            table = rope_table(
                self.rope_type, self.head_dim, self.rope_grid_size, temperature=self.rope_temperature,
                ref_feat_shape=self.rope_ref_feat_shape, grid_offset=self.rope_grid_offset,
                grid_indexing=self.rope_grid_indexing, rotate_half=self.rotate_half,
            )
            self._rope = np.ascontiguousarray(table[:, None, :])  # (H*W, 1, 2 * head_dim): broadcasts over heads

        sub = dict(dtype=self.dtype_policy)
        self._make_projections(sub)
        if self.qk_norm:
            self.q_norm = token_norm(norm_layer, self.epsilon, name="q_norm", **sub)
            self.k_norm = token_norm(norm_layer, self.epsilon, name="k_norm", **sub)
        self.attn_drop = keras.layers.Dropout(self.attn_drop_rate, name="attn_drop", **sub)
        self.norm = token_norm(norm_layer, self.epsilon, name="norm", **sub) if self.scale_norm else None
        self.proj = keras.layers.Dense(self.dim, use_bias=self.proj_bias, name="proj", **sub)
        self.proj_drop = keras.layers.Dropout(self.proj_drop_rate, name="proj_drop", **sub)

    def _make_projections(self, sub: dict) -> None:
        kv_dim = self.num_kv_heads * self.head_dim
        if self.qkv_fused:
            self.qkv = keras.layers.Dense(3 * self.dim, use_bias=self.qkv_bias, name="qkv", **sub)
        else:
            self.q_proj = keras.layers.Dense(self.dim, use_bias=self.qkv_bias, name="q_proj", **sub)
            self.k_proj = keras.layers.Dense(kv_dim, use_bias=self.qkv_bias, name="k_proj", **sub)
            self.v_proj = keras.layers.Dense(kv_dim, use_bias=self.qkv_bias, name="v_proj", **sub)

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
        self._build_biases()
        if self.qk_norm:
            self.q_norm.build((None, None, self.num_heads, self.head_dim))
            self.k_norm.build((None, None, self.num_kv_heads, self.head_dim))
        if self.norm is not None:
            self.norm.build(input_shape)
        self.proj.build(input_shape)

    def _build_biases(self) -> None:
        pass

    def _fused_qkv(self, inputs):
        return backend_ops.call_layer(self.qkv, inputs)

    def _qkv(self, inputs, batch, tokens):
        if self.qkv_fused:
            qkv = ops.reshape(self._fused_qkv(inputs), (batch, tokens, 3, self.num_heads, self.head_dim))
            return qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2]
        q = ops.reshape(backend_ops.call_layer(self.q_proj, inputs), (batch, tokens, self.num_heads, self.head_dim))
        kv_heads = (batch, tokens, self.num_kv_heads, self.head_dim)
        k = ops.reshape(backend_ops.call_layer(self.k_proj, inputs), kv_heads)
        v = ops.reshape(backend_ops.call_layer(self.v_proj, inputs), kv_heads)
        return q, k, v

    def _rotate(self, x, rope):
        npt = self.num_prefix_tokens
        rotated = apply_rot_embed_cat(x[:, npt:], ops.cast(rope, x.dtype), half=self.rotate_half)
        return ops.concatenate([x[:, :npt], rotated], axis=1) if npt else rotated

    def call(self, inputs, rope=None, training=None):
        shape = ops.shape(inputs)
        batch, tokens = shape[0], shape[1]
        q, k, v = self._qkv(inputs, batch, tokens)
        if self.qk_norm:
            q, k = self.q_norm(q), self.k_norm(k)
        if self._rope is not None:
            rope = backend_ops.constant(self._rope, "float32")
        if rope is not None:
            q, k = self._rotate(q, rope), self._rotate(k, rope)
        if self.num_kv_groups > 1:
            # head h uses key/value head h // groups, as timm's repeat_interleave
            k = ops.repeat(k, self.num_kv_groups, axis=2)
            v = ops.repeat(v, self.num_kv_groups, axis=2)
        x = backend_ops.attention(
            q, k, v, scale=self.scale, dropout=self.attn_drop, training=training, compute_dtype=self.compute_dtype,
        )
        x = ops.reshape(x, (batch, tokens, self.dim))
        if self.norm is not None:
            x = self.norm(x)
        return backend_ops.call_layer(self.proj_drop, backend_ops.call_layer(self.proj, x), training)

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
                "num_prefix_tokens": self.num_prefix_tokens,
                "attn_drop": self.attn_drop_rate,
                "proj_drop": self.proj_drop_rate,
                "qk_norm": self.qk_norm,
                "scale_norm": self.scale_norm,
                "proj_bias": self.proj_bias,
                "num_kv_heads": self.num_kv_heads,
                "epsilon": self.epsilon,
                "norm_layer": self.norm_layer,
                "rotate_half": self.rotate_half,
                "rope_type": self.rope_type,
                "rope_grid_size": self.rope_grid_size,
                "rope_ref_feat_shape": self.rope_ref_feat_shape,
                "rope_temperature": self.rope_temperature,
                "rope_grid_offset": self.rope_grid_offset,
                "rope_grid_indexing": self.rope_grid_indexing,
            }
        )
        return config
