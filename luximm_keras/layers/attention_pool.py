"""Attention pooling with a learned latent query (SigLIP's `global_pool="map"`).

Reference: timm/layers/attention_pool.py `AttentionPoolLatent`
"""

from __future__ import annotations

import keras
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.layers.mlp import Mlp


@serializable
class AttentionPoolLatent(keras.layers.Layer):
    """Pools `(B, N, D)` tokens by cross-attention from `latent_len` learned queries, then
    `x + mlp(norm(x))`, as timm's `AttentionPoolLatent` (multi-head attention pooling, MAP).

    Sublayers and the variable carry timm's names (`latent`, `q`, `kv`, `q_norm`, `k_norm`, `proj`,
    `norm`, `mlp`), so timm's `attn_pool.*` keys load as they are. `kv`'s output columns are ordered
    `[k|v][head][head_dim]`, as timm's weight rows. The output is `(B, D)` with `pool_type="token"`
    (the first latent) or `"avg"` (their mean), else `(B, latent_len, D)`.

    Args:
        num_heads: attention heads; the input width must be divisible by it.
        mlp_ratio: the MLP's hidden width as a multiple of the width.
        qkv_bias: whether `q` and `kv` have biases.
        qk_norm: layer-normalize queries and keys per head.
        latent_len: number of latent queries.
        pool_type: `"token"`, `"avg"` or `""` (no pooling over the latents).
        epsilon: epsilon of `norm` (and of `q_norm`/`k_norm`); ViT's LayerNorm 1e-6.
        activation: the MLP activation (exact GELU by default, timm's `nn.GELU`).
        drop: dropout after `proj` (training only).

    Example:
        >>> AttentionPoolLatent(num_heads=4)(keras.ops.ones((2, 196, 32))).shape
        (2, 32)

    Reference: timm/layers/attention_pool.py `AttentionPoolLatent`.
    """

    timm_mapping = {"latent": ("latent", "identity")}

    def __init__(
        self,
        num_heads: int = 8,
        mlp_ratio: float = 4.0,
        qkv_bias: bool = True,
        qk_norm: bool = False,
        latent_len: int = 1,
        pool_type: str = "token",
        epsilon: float = 1e-6,
        activation="gelu",
        drop: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if pool_type not in ("token", "avg", ""):
            raise ValueError(f"`pool_type` must be 'token', 'avg' or '', got {pool_type!r}.")
        self.num_heads = int(num_heads)
        self.mlp_ratio = float(mlp_ratio)
        self.qkv_bias = bool(qkv_bias)
        self.qk_norm = bool(qk_norm)
        self.latent_len = int(latent_len)
        self.pool_type = pool_type
        self.epsilon = float(epsilon)
        self.activation = keras.activations.get(activation)
        self.drop = float(drop)
        self.input_spec = keras.layers.InputSpec(ndim=3)

    def build(self, input_shape):
        dim = input_shape[-1]
        if dim is None or dim % self.num_heads:
            raise ValueError(
                f"{self.name}: the token width must be known and divisible by num_heads={self.num_heads}, "
                f"got input shape {tuple(input_shape)}."
            )
        self.dim = int(dim)
        self.head_dim = self.dim // self.num_heads
        self.scale = self.head_dim**-0.5
        self.input_spec = keras.layers.InputSpec(ndim=3, axes={-1: self.dim})
        sub = dict(dtype=self.dtype_policy)
        self.latent = self.add_weight(
            name="latent",
            shape=(1, self.latent_len, self.dim),
            # timm: trunc_normal_tf_(std=dim ** -0.5), cut at two standard deviations as Keras' is.
            initializer=keras.initializers.TruncatedNormal(stddev=self.dim**-0.5),
        )
        self.q = keras.layers.Dense(self.dim, use_bias=self.qkv_bias, name="q", **sub)
        self.kv = keras.layers.Dense(2 * self.dim, use_bias=self.qkv_bias, name="kv", **sub)
        self.q_norm = self.k_norm = None
        if self.qk_norm:
            self.q_norm = keras.layers.LayerNormalization(epsilon=self.epsilon, name="q_norm", **sub)
            self.k_norm = keras.layers.LayerNormalization(epsilon=self.epsilon, name="k_norm", **sub)
            self.q_norm.build((None, None, self.num_heads, self.head_dim))
            self.k_norm.build((None, None, self.num_heads, self.head_dim))
        self.proj = keras.layers.Dense(self.dim, name="proj", **sub)
        self.proj_drop = keras.layers.Dropout(self.drop, name="proj_drop", **sub)
        self.norm = keras.layers.LayerNormalization(epsilon=self.epsilon, name="norm", **sub)
        self.mlp = Mlp(int(self.dim * self.mlp_ratio), out_features=self.dim, activation=self.activation, name="mlp", **sub)
        latent_shape = (None, self.latent_len, self.dim)
        self.q.build(latent_shape)
        self.kv.build(input_shape)
        self.proj.build(latent_shape)
        self.norm.build(latent_shape)
        self.mlp.build(latent_shape)

    def call(self, inputs, training=None):
        shape = ops.shape(inputs)
        batch, tokens = shape[0], shape[1]
        latent = ops.broadcast_to(ops.cast(self.latent, inputs.dtype), (batch, self.latent_len, self.dim))
        q = ops.reshape(backend_ops.call_layer(self.q, latent), (batch, self.latent_len, self.num_heads, self.head_dim))
        kv = ops.reshape(backend_ops.call_layer(self.kv, inputs), (batch, tokens, 2, self.num_heads, self.head_dim))
        k, v = kv[:, :, 0], kv[:, :, 1]
        if self.qk_norm:
            q, k = self.q_norm(q), self.k_norm(k)
        x = backend_ops.attention(q, k, v, scale=self.scale, compute_dtype=self.compute_dtype)
        x = ops.reshape(x, (batch, self.latent_len, self.dim))
        x = backend_ops.call_layer(self.proj_drop, backend_ops.call_layer(self.proj, x), training)
        x = x + self.mlp(self.norm(x), training=training)
        if self.pool_type == "token":
            return x[:, 0]
        if self.pool_type == "avg":
            return ops.mean(x, axis=1)
        return x

    def compute_output_shape(self, input_shape):
        if self.pool_type:
            return (input_shape[0], input_shape[-1])
        return (input_shape[0], self.latent_len, input_shape[-1])

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_heads": self.num_heads,
                "mlp_ratio": self.mlp_ratio,
                "qkv_bias": self.qkv_bias,
                "qk_norm": self.qk_norm,
                "latent_len": self.latent_len,
                "pool_type": self.pool_type,
                "epsilon": self.epsilon,
                "activation": keras.activations.serialize(self.activation),
                "drop": self.drop,
            }
        )
        return config
