"""Multi-head self-attention with a fused qkv projection (ViT).

Reference: timm/layers/attention.py `Attention`
"""

from __future__ import annotations

import keras
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.layers.norm import token_norm


@serializable
class MultiHeadSelfAttention(keras.layers.Layer):
    """Scaled dot-product self-attention over tokens, with timm's fused `qkv` and `proj` layout.

    `qkv` is one `Dense(3 * dim)` whose output columns are ordered `[q|k|v][head][head_dim]`, as
    timm's `qkv.weight` rows are; scores are scaled by `head_dim ** -0.5` and the softmax runs over
    keys in float32 (torch in float32 takes PyTorch's fused kernel, see `backend_ops.attention`).

    Args:
        dim: token width (input and output).
        num_heads: number of heads; `dim` must be divisible by it.
        qkv_bias: whether `qkv` has a bias.
        qk_norm: layer-normalize queries and keys per head (`q_norm`, `k_norm`), as timm's `qk_norm`.
        attn_drop: dropout on the attention weights (training only).
        proj_drop: dropout after `proj` (training only).
        epsilon: epsilon of the norms (ViT's LayerNorm uses 1e-6).
        proj_bias: whether `proj` has a bias (AIMv2's has none).
        scale_norm: normalize the heads' concatenated output before `proj` (`norm`; BEiT3).
        norm_layer: the norms' kind by timm's name, `"layernorm"` or `"rmsnorm"`.

    Example:
        >>> MultiHeadSelfAttention(192, num_heads=3)(keras.ops.ones((2, 197, 192))).shape
        (2, 197, 192)

    Reference: timm/layers/attention.py `Attention`.
    """

    def __init__(
        self,
        dim: int,
        num_heads: int = 8,
        qkv_bias: bool = True,
        qk_norm: bool = False,
        attn_drop: float = 0.0,
        proj_drop: float = 0.0,
        epsilon: float = 1e-6,
        proj_bias: bool = True,
        scale_norm: bool = False,
        norm_layer: str = "layernorm",
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
        self.qk_norm = bool(qk_norm)
        self.attn_drop_rate = float(attn_drop)
        self.proj_drop_rate = float(proj_drop)
        self.epsilon = float(epsilon)
        self.proj_bias = bool(proj_bias)
        self.scale_norm = bool(scale_norm)
        self.norm_layer = norm_layer
        self.input_spec = keras.layers.InputSpec(ndim=3, axes={-1: self.dim})

        sub = dict(dtype=self.dtype_policy)
        self.qkv = keras.layers.Dense(3 * self.dim, use_bias=self.qkv_bias, name="qkv", **sub)
        if self.qk_norm:
            self.q_norm = token_norm(norm_layer, self.epsilon, name="q_norm", **sub)
            self.k_norm = token_norm(norm_layer, self.epsilon, name="k_norm", **sub)
        self.attn_drop = keras.layers.Dropout(self.attn_drop_rate, name="attn_drop", **sub)
        self.norm = token_norm(norm_layer, self.epsilon, name="norm", **sub) if self.scale_norm else None
        self.proj = keras.layers.Dense(self.dim, use_bias=self.proj_bias, name="proj", **sub)
        self.proj_drop = keras.layers.Dropout(self.proj_drop_rate, name="proj_drop", **sub)

    def build(self, input_shape):
        if input_shape[-1] != self.dim:
            raise ValueError(
                f"{self.name}: expected tokens of width dim={self.dim}, got input shape {tuple(input_shape)}."
            )
        self.qkv.build(input_shape)
        if self.qk_norm:
            self.q_norm.build((None, None, self.num_heads, self.head_dim))
            self.k_norm.build((None, None, self.num_heads, self.head_dim))
        if self.norm is not None:
            self.norm.build(input_shape)
        self.proj.build(input_shape)

    def call(self, inputs, training=None):
        shape = ops.shape(inputs)
        batch, tokens = shape[0], shape[1]
        qkv = ops.reshape(backend_ops.call_layer(self.qkv, inputs), (batch, tokens, 3, self.num_heads, self.head_dim))
        q, k, v = qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2]  # each (B, T, heads, head_dim)
        if self.qk_norm:
            q, k = self.q_norm(q), self.k_norm(k)
        x = backend_ops.attention(
            q, k, v, scale=self.scale, dropout=self.attn_drop, training=training,
            compute_dtype=self.compute_dtype,
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
                "qk_norm": self.qk_norm,
                "attn_drop": self.attn_drop_rate,
                "proj_drop": self.proj_drop_rate,
                "epsilon": self.epsilon,
                "proj_bias": self.proj_bias,
                "scale_norm": self.scale_norm,
                "norm_layer": self.norm_layer,
            }
        )
        return config
