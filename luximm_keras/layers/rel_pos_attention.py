"""Window self-attention over a 2D feature map with a learned relative-position bias (CoAtNet).

Reference: timm/models/maxxvit.py `Attention2d` (head_first=True, expand_first=False) with
timm/layers/pos_embed_rel.py `RelPosBias`
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import ops

from luximm_keras._serializable import serializable
from luximm_keras.layers import fused, helpers
from luximm_keras.layers.rel_pos_bias import RelPosBias
from luximm_keras.layers.sdpa import scaled_dot_product_attention


@serializable
class RelPosAttention2D(keras.layers.Layer):
    """Multi-head self-attention among all pixels of a `window_size` feature map, plus a relative
    position bias per head.

    timm computes `qkv` and `proj` as 1x1 convolutions; here they are `Dense` layers on the channel
    axis (the same product), loaded from timm's `(out, in, 1, 1)` weights. timm's `head_first` layout
    orders `qkv`'s output channels `[head][q|k|v][dim_head]`, which this layer reproduces. Heads are
    `dim // dim_head` (timm's `expand_first=False`: attention runs at the input width).

    Args:
        dim: input channels; must be divisible by `dim_head`.
        dim_out: output channels (defaults to `dim`).
        dim_head: width of each head.
        window_size: `(Wh, Ww)`; the input's spatial size must equal it (the bias table depends on it).
        use_bias: whether `qkv` and `proj` have biases.
        attn_drop, proj_drop: dropout rates (training only).
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> RelPosAttention2D(64, 96, dim_head=32, window_size=(7, 7))(keras.ops.ones((2, 7, 7, 64))).shape
        (2, 7, 7, 96)

    Reference: timm/models/maxxvit.py `Attention2d`, timm/layers/pos_embed_rel.py `RelPosBias`.
    """

    def __init__(
        self,
        dim: int,
        dim_out: int | None = None,
        dim_head: int = 32,
        window_size: int | Sequence[int] = (7, 7),
        use_bias: bool = True,
        attn_drop: float = 0.0,
        proj_drop: float = 0.0,
        data_format: str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(dim_head) < 1 or int(dim) % int(dim_head):
            raise ValueError(f"`dim` ({dim}) must be divisible by `dim_head` ({dim_head}).")
        self.dim = int(dim)
        self.dim_out = int(dim_out or dim)
        self.dim_head = int(dim_head)
        self.num_heads = self.dim // self.dim_head
        self.scale = self.dim_head**-0.5
        self.window_size = helpers.to_pair(window_size, "window_size")
        self.use_bias = bool(use_bias)
        self.attn_drop_rate = float(attn_drop)
        self.proj_drop_rate = float(proj_drop)
        self.data_format = helpers.standardize_data_format(data_format)
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={helpers.channel_axis(self.data_format): self.dim})

        sub = dict(dtype=self.dtype_policy)
        self.qkv = keras.layers.Dense(3 * self.dim, use_bias=self.use_bias, name="qkv", **sub)
        self.rel_pos = RelPosBias(self.window_size, self.num_heads, name="rel_pos", **sub)
        self.attn_drop = keras.layers.Dropout(self.attn_drop_rate, name="attn_drop", **sub)
        self.proj = keras.layers.Dense(self.dim_out, use_bias=self.use_bias, name="proj", **sub)
        self.proj_drop = keras.layers.Dropout(self.proj_drop_rate, name="proj_drop", **sub)

    def _check_input_shape(self, input_shape):
        rows, cols = [input_shape[a] for a in helpers.spatial_axes(self.data_format)]
        channels = input_shape[helpers.channel_axis(self.data_format)]
        if channels != self.dim:
            raise ValueError(f"{self.name}: expected {self.dim} channels, got input shape {tuple(input_shape)}.")
        for size, window, what in ((rows, self.window_size[0], "height"), (cols, self.window_size[1], "width")):
            if size is not None and size != window:
                raise ValueError(
                    f"{self.name}: feature map {what} {size} differs from the attention window "
                    f"{self.window_size} (input shape {tuple(input_shape)}); partition the map into "
                    f"windows first."
                )

    def build(self, input_shape):
        self._check_input_shape(input_shape)
        self.qkv.build((None, self.dim))
        self.rel_pos.build()
        self.proj.build((None, self.dim))

    def call(self, inputs, training=None):
        self._check_input_shape(tuple(inputs.shape))
        x = inputs
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 2, 3, 1))
        wh, ww = self.window_size
        tokens = wh * ww
        qkv = ops.reshape(fused.dense(self.qkv, x), (-1, tokens, self.num_heads, 3, self.dim_head))
        q, k, v = qkv[:, :, :, 0], qkv[:, :, :, 1], qkv[:, :, :, 2]  # each (B, L, heads, dim_head)
        out = scaled_dot_product_attention(
            q, k, v, scale=self.scale, bias=self.rel_pos.get_bias(), dropout=self.attn_drop,
            training=training, compute_dtype=self.compute_dtype,
        )
        # timm's `(v @ attn^T).view(B, -1, H, W)` puts channel `head * dim_head + d`: heads outermost.
        out = ops.reshape(out, (-1, wh, ww, self.dim))
        out = fused.dropout(self.proj_drop, fused.dense(self.proj, out), training)
        if self.data_format == "channels_first":
            out = ops.transpose(out, (0, 3, 1, 2))
        return out

    def compute_output_shape(self, input_shape):
        self._check_input_shape(input_shape)
        if self.data_format == "channels_first":
            return (input_shape[0], self.dim_out, *self.window_size)
        return (input_shape[0], *self.window_size, self.dim_out)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "dim": self.dim,
                "dim_out": self.dim_out,
                "dim_head": self.dim_head,
                "window_size": self.window_size,
                "use_bias": self.use_bias,
                "attn_drop": self.attn_drop_rate,
                "proj_drop": self.proj_drop_rate,
                "data_format": self.data_format,
            }
        )
        return config
