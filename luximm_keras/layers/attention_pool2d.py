"""Attention pooling of a 2D feature map (CLIP's ResNet head): the map's mean as a query token over
the map's positions, with a learned absolute position embedding.

Reference: timm/layers/attention_pool2d.py `AttentionPool2d`
"""

from __future__ import annotations

import keras
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.layers import helpers


@serializable
class AttentionPool2d(keras.layers.Layer):
    """Pools a `(B, H, W, C)` map: tokens `[mean_HW(x), x_1, ..., x_HW] + pos_embed`, multi-head
    attention of every token over all of them (`q`, `k`, `v` separate linears, timm's
    `qkv_separate=True`, or one `qkv`), then the first token (`pool_type="token"`) through `proj`.

    The variable `pos_embed` is `(H*W + 1, C)` for `feat_size`; another map size resamples it as timm
    does (bicubic, antialiased). Sublayers carry timm's names (`q`, `k`, `v` or `qkv`, `proj`).

    Args:
        feat_size: the map size the position embedding is made for (an int or a pair).
        out_features: `proj`'s width; None: the input width; 0: no `proj` (pooled embeddings out).
        embed_dim: the attention width (None: the input width).
        head_dim: the width of a head (64), unless `num_heads` is given.
        num_heads: the number of heads (None: `embed_dim // head_dim`).
        qkv_bias: biases in `q`, `k`, `v`.
        qkv_separate: three linears (`q`, `k`, `v`, CLIP's layout) instead of one `qkv`.
        pool_type: `"token"` (the mean token, `(B, D)`) or `""` (the map's tokens, `(B, H, W, D)`).
        drop_rate: dropout after the attention (training only).

    Example:
        >>> AttentionPool2d(feat_size=7, out_features=16)(keras.ops.ones((2, 7, 7, 128))).shape
        (2, 16)

    Reference: timm/layers/attention_pool2d.py `AttentionPool2d`.
    """

    timm_mapping = {"pos_embed": ("pos_embed", "identity")}

    def __init__(
        self,
        feat_size: int | tuple[int, int] = 7,
        out_features: int | None = None,
        embed_dim: int | None = None,
        head_dim: int = 64,
        num_heads: int | None = None,
        qkv_bias: bool = True,
        qkv_separate: bool = False,
        pool_type: str = "token",
        drop_rate: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if pool_type not in ("token", ""):
            raise ValueError(f"`pool_type` must be 'token' or '', got {pool_type!r}.")
        self.feat_size = helpers.to_pair(feat_size, "feat_size")
        self.out_features = None if out_features is None else int(out_features)
        self.embed_dim = None if embed_dim is None else int(embed_dim)
        self.head_dim = int(head_dim)
        self.num_heads = None if num_heads is None else int(num_heads)
        self.qkv_bias = bool(qkv_bias)
        self.qkv_separate = bool(qkv_separate)
        self.pool_type = pool_type
        self.drop_rate = float(drop_rate)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        in_features = input_shape[-1]
        if in_features is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        self.in_features = int(in_features)
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={-1: self.in_features})
        embed_dim = self.embed_dim or self.in_features
        if self.num_heads is not None:
            if embed_dim % self.num_heads:
                raise ValueError(f"{self.name}: embed_dim {embed_dim} is not divisible by num_heads {self.num_heads}.")
            self.heads, self.width = self.num_heads, embed_dim // self.num_heads
        else:
            if embed_dim % self.head_dim:
                raise ValueError(f"{self.name}: embed_dim {embed_dim} is not divisible by head_dim {self.head_dim}.")
            self.heads, self.width = embed_dim // self.head_dim, self.head_dim
        self.dim = embed_dim
        if self.out_features is None:
            self.units = self.in_features
        else:
            self.units = self.out_features or embed_dim
        # timm: trunc_normal_(std=in_features ** -0.5) on q, k, v and the embedding (timm cuts at +-2, Keras at 2 std).
        init = keras.initializers.TruncatedNormal(stddev=self.in_features**-0.5)
        seq_len = self.feat_size[0] * self.feat_size[1]
        self.pos_embed = self.add_weight(name="pos_embed", shape=(seq_len + 1, self.in_features), initializer=init)
        sub = {"dtype": self.dtype_policy, "use_bias": self.qkv_bias, "kernel_initializer": init}
        tokens = (None, None, self.in_features)
        if self.qkv_separate:
            self.q = keras.layers.Dense(embed_dim, name="q", **sub)
            self.k = keras.layers.Dense(embed_dim, name="k", **sub)
            self.v = keras.layers.Dense(embed_dim, name="v", **sub)
            self.qkv = None
            for layer in (self.q, self.k, self.v):
                layer.build(tokens)
        else:
            self.q = self.k = self.v = None
            self.qkv = keras.layers.Dense(3 * embed_dim, name="qkv", **sub)
            self.qkv.build(tokens)
        self.drop = keras.layers.Dropout(self.drop_rate, name="drop", dtype=self.dtype_policy)
        self.proj = None
        if self.out_features != 0:
            self.proj = keras.layers.Dense(self.units, name="proj", dtype=self.dtype_policy)
            self.proj.build((None, embed_dim))

    def _pos_embed(self, height, width):
        pos = ops.cast(self.pos_embed, self.compute_dtype)
        if (height, width) == self.feat_size or height is None or width is None:
            return pos
        # timm's resample_abs_pos_embed: the grid resized bicubic with antialias, the prefix token kept.
        grid = ops.reshape(pos[1:], (1, self.feat_size[0], self.feat_size[1], self.in_features))
        grid = ops.image.resize(grid, (height, width), interpolation="bicubic", antialias=True,
                                data_format="channels_last")
        return ops.concatenate([pos[:1], ops.reshape(grid, (height * width, self.in_features))], axis=0)

    def call(self, inputs, training=None):
        height, width = inputs.shape[1], inputs.shape[2]
        shape = ops.shape(inputs)
        batch = shape[0]
        x = ops.reshape(inputs, (batch, -1, self.in_features))
        x = ops.concatenate([ops.mean(x, axis=1, keepdims=True), x], axis=1)
        x = x + self._pos_embed(height, width)[None]
        tokens = ops.shape(x)[1]
        if self.qkv is None:
            q, k, v = (ops.reshape(backend_ops.call_layer(layer, x), (batch, tokens, self.heads, self.width))
                       for layer in (self.q, self.k, self.v))
        else:
            qkv = ops.reshape(backend_ops.call_layer(self.qkv, x), (batch, tokens, 3, self.heads, self.width))
            q, k, v = qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2]
        x = backend_ops.attention(q, k, v, scale=self.width**-0.5, compute_dtype=self.compute_dtype)
        x = ops.reshape(x, (batch, tokens, self.dim))
        x = backend_ops.call_layer(self.drop, x, training)
        if self.pool_type == "token":
            x = x[:, 0]
        else:
            x = ops.reshape(x[:, 1:], (batch, shape[1], shape[2], self.dim))
        if self.proj is not None:
            x = backend_ops.call_layer(self.proj, x)
        return x

    def compute_output_shape(self, input_shape):
        units = self.units if hasattr(self, "units") else (self.out_features or self.embed_dim or input_shape[-1])
        if self.pool_type == "token":
            return (input_shape[0], units)
        return (*input_shape[:3], units)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "feat_size": self.feat_size,
                "out_features": self.out_features,
                "embed_dim": self.embed_dim,
                "head_dim": self.head_dim,
                "num_heads": self.num_heads,
                "qkv_bias": self.qkv_bias,
                "qkv_separate": self.qkv_separate,
                "pool_type": self.pool_type,
                "drop_rate": self.drop_rate,
            }
        )
        return config


__all__ = ["AttentionPool2d"]
