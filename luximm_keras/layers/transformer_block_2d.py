"""The pre-norm transformer block of CoAtNet's attention stages, on a 2D feature map.

Reference: timm/models/maxxvit.py `TransformerBlock2d`
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from luximm_keras._serializable import serializable
from luximm_keras.layers import fused, helpers
from luximm_keras.layers.downsample_2d import POOL_TYPES, Downsample2D
from luximm_keras.layers.drop_path import DropPath
from luximm_keras.layers.layer_scale_2d import LayerScale2D
from luximm_keras.layers.layernorm2d import LayerNorm2D
from luximm_keras.layers.rel_pos_attention import RelPosAttention2D


@serializable
class TransformerBlock2D(keras.layers.Layer):
    """`x = shortcut(x) + ls1(attn(norm1(x)))`, then `x + ls2(mlp(norm2(x)))`, on the whole feature map.

    `attn` is a `RelPosAttention2D` over every pixel of the (possibly downsampled) map, so
    `window_size` must be the block's output feature size. With `strides=2`, `norm1` is a
    `LayerNorm2D` followed by a 2x2 pool (`norm1__norm`, `norm1__down`, timm's `norm1.norm` /
    `norm1.down`) and the shortcut is a `Downsample2D` (2x2 pool, then a 1x1 conv `expand` to the
    new width). Attention runs at the input width (timm's `expand_first=False`, as in CoAtNet's `_rw`
    models) and its `proj` maps to `filters`. The MLP is timm's `ConvMlp`: 1x1 convs `mlp__fc1` and
    `mlp__fc2` with `activation` between. `ls1`/`ls2` (`LayerScale2D`) exist only with `init_values`.

    Args:
        filters: output channels; must equal the input's at stride 1.
        window_size: `(H, W)` of the output feature map (the relative-position window).
        strides: 1 or 2.
        dim_head: width of each attention head; the input width must divide by it.
        expand_ratio: the MLP hidden width is `int(filters * expand_ratio)`.
        attn_bias: whether `qkv` and `proj` have biases.
        shortcut_bias: whether the shortcut's `expand` has a bias.
        init_values: LayerScale's initial value, or None for none.
        activation: the MLP activation (exact GELU).
        epsilon: epsilon of the layer norms (1e-6).
        pool_type: `"avg2"` or `"max2"`, of the shortcut and of `norm1__down`.
        attn_drop, proj_drop: dropout rates of the attention weights and the projections / MLP.
        drop_path: stochastic-depth rate of both branches.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> TransformerBlock2D(384, window_size=7, strides=2)(keras.ops.ones((2, 14, 14, 192))).shape
        (2, 7, 7, 384)

    Reference: timm/models/maxxvit.py `TransformerBlock2d`.
    """

    def __init__(
        self,
        filters: int,
        window_size: int | Sequence[int],
        strides: int = 1,
        dim_head: int = 32,
        expand_ratio: float = 4.0,
        attn_bias: bool = True,
        shortcut_bias: bool = True,
        init_values: float | None = None,
        activation="gelu",
        epsilon: float = 1e-6,
        pool_type: str = "avg2",
        attn_drop: float = 0.0,
        proj_drop: float = 0.0,
        drop_path: float = 0.0,
        data_format: str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(filters) < 1:
            raise ValueError(f"`filters` must be a positive int, got {filters!r}.")
        if int(strides) not in (1, 2):
            raise ValueError(f"`strides` must be 1 or 2, got {strides!r}.")
        if pool_type not in POOL_TYPES:
            raise ValueError(f"`pool_type` must be one of {sorted(POOL_TYPES)}, got {pool_type!r}.")
        self.filters = int(filters)
        self.window_size = helpers.to_pair(window_size, "window_size")
        self.strides = int(strides)
        self.dim_head = int(dim_head)
        self.expand_ratio = float(expand_ratio)
        self.attn_bias = bool(attn_bias)
        self.shortcut_bias = bool(shortcut_bias)
        self.init_values = None if init_values is None else float(init_values)
        self.activation = keras.activations.get(activation)
        self.epsilon = float(epsilon)
        self.pool_type = pool_type
        self.attn_drop_rate = float(attn_drop)
        self.proj_drop_rate = float(proj_drop)
        self.drop_path_rate = float(drop_path)
        self.data_format = helpers.standardize_data_format(data_format)
        self.input_spec = keras.layers.InputSpec(ndim=4)

        sub = dict(data_format=self.data_format, dtype=self.dtype_policy)
        conv = dict(kernel_size=1, kernel_initializer="glorot_uniform", **sub)  # timm's "vit like" init
        self.norm2 = LayerNorm2D(self.epsilon, name="norm2", **sub)
        self.mlp_fc1 = keras.layers.Conv2D(int(self.filters * self.expand_ratio), name="mlp__fc1", **conv)
        self.mlp_drop = keras.layers.Dropout(self.proj_drop_rate, name="mlp__drop", dtype=self.dtype_policy)
        self.mlp_fc2 = keras.layers.Conv2D(self.filters, name="mlp__fc2", **conv)
        self.ls1 = self.ls2 = None
        if self.init_values:
            self.ls1 = LayerScale2D(self.init_values, name="ls1", **sub)
            self.ls2 = LayerScale2D(self.init_values, name="ls2", **sub)
        self.drop_path1 = DropPath(self.drop_path_rate, name="drop_path1", dtype=self.dtype_policy)
        self.drop_path2 = DropPath(self.drop_path_rate, name="drop_path2", dtype=self.dtype_policy)

    def build(self, input_shape):
        axis = helpers.channel_axis(self.data_format)
        dim = input_shape[axis]
        if dim is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        if self.strides == 1 and dim != self.filters:
            raise ValueError(
                f"{self.name}: a stride-1 block keeps its width (identity shortcut), but the input has "
                f"{dim} channels and `filters` is {self.filters}."
            )
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: dim})
        sub = dict(data_format=self.data_format, dtype=self.dtype_policy)
        self.shortcut = self.norm1_down = None
        if self.strides == 2:
            self.shortcut = Downsample2D(
                self.filters,
                pool_type=self.pool_type,
                use_bias=self.shortcut_bias,
                kernel_initializer="glorot_uniform",
                name="shortcut",
                **sub,
            )
            self.shortcut.build(input_shape)
            self.norm1 = LayerNorm2D(self.epsilon, name="norm1__norm", **sub)
            self.norm1_down = Downsample2D(dim, pool_type=self.pool_type, name="norm1__down", **sub)
            self.norm1_down.build(input_shape)
            attn_shape = self.norm1_down.compute_output_shape(input_shape)
        else:
            self.norm1 = LayerNorm2D(self.epsilon, name="norm1", **sub)
            attn_shape = tuple(input_shape)
        self.norm1.build(input_shape)
        self.attn = RelPosAttention2D(
            dim,
            self.filters,
            dim_head=self.dim_head,
            window_size=self.window_size,
            use_bias=self.attn_bias,
            attn_drop=self.attn_drop_rate,
            proj_drop=self.proj_drop_rate,
            name="attn",
            **sub,
        )
        self.attn.build(attn_shape)
        out_shape = self.attn.compute_output_shape(attn_shape)
        self.norm2.build(out_shape)
        self.mlp_fc1.build(out_shape)
        self.mlp_fc2.build(self.mlp_fc1.compute_output_shape(out_shape))
        for layer in (self.ls1, self.ls2):
            if layer is not None:
                layer.build(out_shape)

    def call(self, inputs, training=None):
        shortcut = inputs if self.shortcut is None else self.shortcut(inputs)
        x = self.norm1(inputs)
        if self.norm1_down is not None:
            x = self.norm1_down(x)
        y = self.attn(x, training=training)
        if self.ls1 is not None:
            y = self.ls1(y)
        x = shortcut + fused.dropout(self.drop_path1, y, training)
        y = self.activation(fused.pointwise(self.mlp_fc1, self.norm2(x)))
        y = fused.pointwise(self.mlp_fc2, fused.dropout(self.mlp_drop, y, training))
        if self.ls2 is not None:
            y = self.ls2(y)
        return x + fused.dropout(self.drop_path2, y, training)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        rows, cols = helpers.spatial_axes(self.data_format)
        shape[rows], shape[cols] = self.window_size
        shape[helpers.channel_axis(self.data_format)] = self.filters
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "window_size": self.window_size,
                "strides": self.strides,
                "dim_head": self.dim_head,
                "expand_ratio": self.expand_ratio,
                "attn_bias": self.attn_bias,
                "shortcut_bias": self.shortcut_bias,
                "init_values": self.init_values,
                "activation": keras.activations.serialize(self.activation),
                "epsilon": self.epsilon,
                "pool_type": self.pool_type,
                "attn_drop": self.attn_drop_rate,
                "proj_drop": self.proj_drop_rate,
                "drop_path": self.drop_path_rate,
                "data_format": self.data_format,
            }
        )
        return config
