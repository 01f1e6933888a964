"""Scaled dot-product attention with the fastest exact path per backend.

Measured on a 2-core CPU (8 x 6 heads x 197 tokens x 64, float32): on torch, PyTorch's fused
`scaled_dot_product_attention` (what Keras' `ops.dot_product_attention` calls) took 12 ms against 38 ms
for explicit matmul-softmax-matmul; on jax the explicit form took 4 ms against 15 ms fused; on
tensorflow both took 8 ms. So torch takes the fused kernel (called directly with strided views, see
`fused.py`) and the others the explicit form. The fused path is used only in float32 and without
attention dropout, where both paths are the same math; the explicit path computes the softmax in
float32 whatever the compute dtype.
"""

from __future__ import annotations

import keras
from keras import ops

from luximm_keras.layers.fused import dropout as apply_dropout
from luximm_keras.layers.fused import torch_attention


def softmax_float32(logits, compute_dtype):
    """Softmax over the last axis in float32, cast back: bf16 softmax loses the small weights."""
    return ops.cast(ops.softmax(ops.cast(logits, "float32"), axis=-1), compute_dtype)


def _use_fused(compute_dtype, dropout, training) -> bool:
    dropping = dropout is not None and dropout.rate > 0 and bool(training)
    return keras.backend.backend() == "torch" and compute_dtype == "float32" and not dropping


def scaled_dot_product_attention(q, k, v, *, scale: float, bias=None, dropout=None, training=None,
                                 compute_dtype: str = "float32"):
    """`softmax(q k^T * scale + bias) v` for `q`, `k`, `v` of shape `(B, T, heads, head_dim)`.

    `bias` broadcasts against the `(B, heads, T, T)` scores; `dropout` (a Keras Dropout layer) acts on
    the attention weights when training. Returns `(B, T, heads, head_dim)`.
    """
    if _use_fused(compute_dtype, dropout, training):
        return torch_attention(q, k, v, scale=scale, bias=bias)
    q = ops.transpose(q, (0, 2, 1, 3)) * ops.cast(scale, q.dtype)
    scores = ops.matmul(q, ops.transpose(k, (0, 2, 3, 1)))
    if bias is not None:
        scores = scores + ops.cast(bias, scores.dtype)
    weights = softmax_float32(scores, compute_dtype)
    if dropout is not None:
        weights = apply_dropout(dropout, weights, training)
    return ops.transpose(ops.matmul(weights, ops.transpose(v, (0, 2, 1, 3))), (0, 2, 1, 3))
