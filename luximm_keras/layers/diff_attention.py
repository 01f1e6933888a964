"""Differential attention: two softmax attention maps over the same values, the second subtracted with a
learned weight `lambda`, then an RMS norm per head (Differential Transformer, arXiv 2410.05258).

`DiffAttention` is timm's attention module; `add_lambda_weights`, `lambda_full` and
`differential_attention` are the pieces timm's `DiffParallelScalingBlock` (the ViT parallel block with
this attention) repeats, shared here.

Reference: timm/layers/diff_attention.py
"""

from __future__ import annotations

import math

import keras
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.layers.attention import MultiHeadSelfAttention
from luximm_keras.layers.norm import token_norm

# timm's lambda parameters: four vectors of head_dim (the paper's), or two scalars (`dual_lambda`).
LAMBDA_TIMM_MAPPING = {
    name: (name, "identity") for name in ("lambda_q1", "lambda_k1", "lambda_q2", "lambda_k2", "lambda_a", "lambda_b")
}


def lambda_init_for(depth: int) -> float:
    """The constant added to the learned lambda, by the block's index (timm's `set_lambda_init`)."""
    return 0.8 - 0.6 * math.exp(-0.3 * depth)


def add_lambda_weights(layer: keras.layers.Layer, head_dim: int, dual_lambda: bool) -> None:
    """Adds timm's lambda parameters to `layer`: `lambda_a`, `lambda_b` (scalars, zeros) with
    `dual_lambda`, else `lambda_q1`, `lambda_k1`, `lambda_q2`, `lambda_k2` (`head_dim`, normal, std 0.1).
    They are not autocast: timm computes lambda in float32 whatever the compute dtype."""
    if dual_lambda:
        for name in ("lambda_a", "lambda_b"):
            setattr(layer, name, layer.add_weight(name=name, shape=(), initializer="zeros", autocast=False))
    else:
        for name in ("lambda_q1", "lambda_k1", "lambda_q2", "lambda_k2"):
            initializer = keras.initializers.RandomNormal(stddev=0.1)
            weight = layer.add_weight(name=name, shape=(head_dim,), initializer=initializer, autocast=False)
            setattr(layer, name, weight)


def lambda_full(layer: keras.layers.Layer, dual_lambda: bool, lambda_init: float):
    """`exp(l1) - exp(l2) + lambda_init` from the parameters `add_lambda_weights` made (timm's
    `_compute_lambda`), in float32 like timm's."""
    if dual_lambda:
        first, second = ops.exp(layer.lambda_a), ops.exp(layer.lambda_b)
    else:
        first = ops.exp(ops.sum(layer.lambda_q1 * layer.lambda_k1, axis=-1))
        second = ops.exp(ops.sum(layer.lambda_q2 * layer.lambda_k2, axis=-1))
    return first - second + lambda_init


def differential_attention(q, k, v, weight, *, scale, dropout=None, training=None, compute_dtype="float32"):
    """`softmax(q1 k1^T) v - weight * softmax(q2 k2^T) v` for `q`, `k` of shape `(B, T, 2 * heads,
    head_dim)` (head `2h` is the first map's, `2h + 1` the second's, as timm's reshape pairs them) and `v`
    of shape `(B, T, heads, 2 * head_dim)`. Returns `(B, T, heads, 2 * head_dim)`."""
    shape = ops.shape(q)
    heads = v.shape[2]
    paired = (shape[0], shape[1], heads, 2, q.shape[-1])
    q, k = ops.reshape(q, paired), ops.reshape(k, paired)
    common = dict(scale=scale, dropout=dropout, training=training, compute_dtype=compute_dtype)
    first = backend_ops.attention(q[:, :, :, 0], k[:, :, :, 0], v, **common)
    second = backend_ops.attention(q[:, :, :, 1], k[:, :, :, 1], v, **common)
    return first - ops.cast(weight, first.dtype) * second


@serializable
class DiffAttention(MultiHeadSelfAttention):
    """Differential multi-head self-attention with timm's fused `qkv` and `proj` layout.

    Queries and keys are split into `2 * num_heads` heads of `dim // num_heads // 2`; values into
    `num_heads` heads of twice that. Each head's output is `attn1 - lambda * attn2` (see
    `differential_attention`), RMS-normalised (`sub_norm`, epsilon 1e-5) and scaled by
    `1 - lambda_init`, where `lambda` is learned and `lambda_init` depends on the block's `depth`.
    The projections, norms and dropouts are `MultiHeadSelfAttention`'s.

    Args:
        dim, num_heads, qkv_bias, qk_norm, attn_drop, proj_drop, epsilon, proj_bias, scale_norm,
            norm_layer: as `MultiHeadSelfAttention`'s, with timm's defaults here (`qkv_bias=False`,
            `norm_layer="rmsnorm"`); `dim` must be divisible by `2 * num_heads`.
        depth: the block's index, which sets `lambda_init = 0.8 - 0.6 * exp(-0.3 * depth)`.
        dual_lambda: two scalar lambda parameters instead of four vectors.

    Example:
        >>> DiffAttention(64, num_heads=4)(keras.ops.ones((2, 17, 64))).shape
        (2, 17, 64)

    Reference: timm/layers/diff_attention.py `DiffAttention`.
    """

    timm_mapping = LAMBDA_TIMM_MAPPING

    def __init__(
        self,
        dim: int,
        num_heads: int = 8,
        qkv_bias: bool = False,
        qk_norm: bool = False,
        attn_drop: float = 0.0,
        proj_drop: float = 0.0,
        epsilon: float = 1e-6,
        proj_bias: bool = True,
        scale_norm: bool = False,
        norm_layer: str = "rmsnorm",
        depth: int = 0,
        dual_lambda: bool = False,
        **kwargs,
    ):
        if int(num_heads) < 1 or int(dim) % (2 * int(num_heads)):
            raise ValueError(f"`dim` ({dim}) must be divisible by twice `num_heads` ({num_heads}).")
        super().__init__(dim, num_heads, qkv_bias=qkv_bias, qk_norm=qk_norm, attn_drop=attn_drop,
                         proj_drop=proj_drop, epsilon=epsilon, proj_bias=proj_bias, scale_norm=scale_norm,
                         norm_layer=norm_layer, **kwargs)
        self.head_dim = self.dim // self.num_heads // 2  # per query/key head; a value head is twice as wide
        self.scale = self.head_dim**-0.5
        self.depth = int(depth)
        self.dual_lambda = bool(dual_lambda)
        self.lambda_init = lambda_init_for(self.depth)
        self.sub_norm = token_norm("rmsnorm", 1e-5, name="sub_norm", dtype=self.dtype_policy)

    def build(self, input_shape):
        super().build(input_shape)  # the q/k norms act on head_dim, whatever the head count
        self.sub_norm.build((None, None, self.num_heads, 2 * self.head_dim))
        add_lambda_weights(self, self.head_dim, self.dual_lambda)

    def call(self, inputs, training=None):
        shape = ops.shape(inputs)
        batch, tokens = shape[0], shape[1]
        qkv = ops.reshape(backend_ops.call_layer(self.qkv, inputs), (batch, tokens, 3, self.dim))
        q = ops.reshape(qkv[:, :, 0], (batch, tokens, 2 * self.num_heads, self.head_dim))
        k = ops.reshape(qkv[:, :, 1], (batch, tokens, 2 * self.num_heads, self.head_dim))
        v = ops.reshape(qkv[:, :, 2], (batch, tokens, self.num_heads, 2 * self.head_dim))
        if self.qk_norm:
            q, k = self.q_norm(q), self.k_norm(k)
        x = differential_attention(
            q, k, v, lambda_full(self, self.dual_lambda, self.lambda_init), scale=self.scale,
            dropout=self.attn_drop, training=training, compute_dtype=self.compute_dtype,
        )
        x = self.sub_norm(x) * ops.cast(1.0 - self.lambda_init, x.dtype)
        x = ops.reshape(x, (batch, tokens, self.dim))
        if self.norm is not None:
            x = self.norm(x)
        return backend_ops.call_layer(self.proj_drop, backend_ops.call_layer(self.proj, x), training)

    def get_config(self):
        return {**super().get_config(), "depth": self.depth, "dual_lambda": self.dual_lambda}
