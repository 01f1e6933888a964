"""MaxxViT's family (CoAtNet, timm's `_rw` configurations) as functional Keras models: the 2D
attention with a relative position bias, the downsampling, the MBConv and transformer blocks, the
architecture table, the pretrained configs, the builder and the checkpoint filter.

Layer names are timm's module paths with `__` for `.` (`stem__conv1`, `stages__0__blocks__0`,
`norm`, `head__fc`), so `load_timm_weights(model, timm_model.state_dict())` loads every key.

Reference: timm/models/maxxvit.py
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import keras
import numpy as np
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.initializers import kaiming_normal_fan_out
from luximm_keras.layers import helpers
from luximm_keras.layers.drop import DropPath, calculate_drop_path_rates
from luximm_keras.layers.layer_scale import LayerScale2D
from luximm_keras.layers.norm import LayerNorm2D
from luximm_keras.layers.norm_act import BatchNormAct2D
from luximm_keras.layers.padding import get_padding
from luximm_keras.layers.pos_embed_rel import RelPosBias, resize_rel_pos_bias_table
from luximm_keras.layers.squeeze_excite import SqueezeExcite
from luximm_keras.models._builder import BuildArgs, FeatureMap, ModelGraph, model_input, timm_shapes
from luximm_keras.models._pretrained import generate_default_cfgs
from luximm_keras.models._registry import register_family


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
        filters: output channels (defaults to `dim`; timm's `dim_out`).
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

    # timm's qkv and proj are 1x1 convs: their (out, in, 1, 1) weights feed these Dense kernels.
    timm_mapping = {
        "qkv/kernel": ("qkv.weight", "conv1x1_to_dense"),
        "proj/kernel": ("proj.weight", "conv1x1_to_dense"),
    }

    def __init__(
        self,
        dim: int,
        filters: int | None = None,
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
        self.filters = int(filters or dim)
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
        self.proj = keras.layers.Dense(self.filters, use_bias=self.use_bias, name="proj", **sub)
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
        qkv = ops.reshape(backend_ops.call_layer(self.qkv, x), (-1, tokens, self.num_heads, 3, self.dim_head))
        q, k, v = qkv[:, :, :, 0], qkv[:, :, :, 1], qkv[:, :, :, 2]  # each (B, L, heads, dim_head)
        out = backend_ops.attention(
            q, k, v, scale=self.scale, bias=self.rel_pos.get_bias(), dropout=self.attn_drop,
            training=training, compute_dtype=self.compute_dtype,
        )
        # timm's `(v @ attn^T).view(B, -1, H, W)` puts channel `head * dim_head + d`: heads outermost.
        out = ops.reshape(out, (-1, wh, ww, self.dim))
        out = backend_ops.call_layer(self.proj_drop, backend_ops.call_layer(self.proj, out), training)
        if self.data_format == "channels_first":
            out = ops.transpose(out, (0, 3, 1, 2))
        return out

    def compute_output_shape(self, input_shape):
        self._check_input_shape(input_shape)
        if self.data_format == "channels_first":
            return (input_shape[0], self.filters, *self.window_size)
        return (input_shape[0], *self.window_size, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "dim": self.dim,
                "filters": self.filters,
                "dim_head": self.dim_head,
                "window_size": self.window_size,
                "use_bias": self.use_bias,
                "attn_drop": self.attn_drop_rate,
                "proj_drop": self.proj_drop_rate,
                "data_format": self.data_format,
            }
        )
        return config


# timm's `pool_type` names that pool without padding (kernel 2, stride 2), as Keras' "valid" pooling.
# 'max' / 'avg' (3x3, stride 2, symmetric padding 1, count_include_pad=False) are not ported.
POOL_TYPES = {"avg2": keras.layers.AveragePooling2D, "max2": keras.layers.MaxPooling2D}


def pool2x2(pool_type: str, *, name: str, data_format: str, dtype=None) -> keras.layers.Layer:
    """The Keras pooling layer for timm's `pool_type` (`"avg2"` or `"max2"`): kernel 2, stride 2, no
    padding, odd trailing rows/columns dropped (PyTorch's `ceil_mode=False`)."""
    if pool_type not in POOL_TYPES:
        raise ValueError(f"`pool_type` must be one of {sorted(POOL_TYPES)}, got {pool_type!r}.")
    return POOL_TYPES[pool_type](
        pool_size=2, strides=2, padding="valid", data_format=data_format, name=name, dtype=dtype
    )


@serializable
class Downsample2D(keras.layers.Layer):
    """Halves the spatial size with a 2x2 pool, then maps to `filters` channels with a 1x1 conv named
    `expand` (only when the input width differs, as timm uses `nn.Identity` otherwise).

    Args:
        filters: output channels.
        pool_type: `"avg2"` (timm's default) or `"max2"`.
        use_bias: whether `expand` has a bias.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        kernel_initializer: of `expand` (PyTorch's fan-out He normal by default).

    Example:
        >>> Downsample2D(128)(keras.ops.ones((2, 8, 8, 64))).shape
        (2, 4, 4, 128)

    Reference: timm/models/maxxvit.py `Downsample2d`.
    """

    def __init__(
        self,
        filters: int,
        pool_type: str = "avg2",
        use_bias: bool = True,
        data_format: str | None = None,
        kernel_initializer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(filters) < 1:
            raise ValueError(f"`filters` must be a positive int, got {filters!r}.")
        self.filters = int(filters)
        self.pool_type = pool_type
        self.use_bias = bool(use_bias)
        self.data_format = helpers.standardize_data_format(data_format)
        self.kernel_initializer = keras.initializers.get(kernel_initializer or kaiming_normal_fan_out())
        self.input_spec = keras.layers.InputSpec(ndim=4)
        self.pool = pool2x2(pool_type, name="pool", data_format=self.data_format, dtype=self.dtype_policy)
        self.expand = None

    def build(self, input_shape):
        axis = helpers.channel_axis(self.data_format)
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: channels})
        self.pool.build(input_shape)
        if channels != self.filters:
            self.expand = keras.layers.Conv2D(
                self.filters,
                1,
                use_bias=self.use_bias,
                data_format=self.data_format,
                kernel_initializer=self.kernel_initializer,
                name="expand",
                dtype=self.dtype_policy,
            )
            self.expand.build(self.pool.compute_output_shape(input_shape))

    def call(self, inputs):
        x = self.pool(inputs)
        return x if self.expand is None else backend_ops.call_layer(self.expand, x)

    def compute_output_shape(self, input_shape):
        shape = list(self.pool.compute_output_shape(input_shape))
        shape[helpers.channel_axis(self.data_format)] = self.filters
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "pool_type": self.pool_type,
                "use_bias": self.use_bias,
                "data_format": self.data_format,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            }
        )
        return config


STRIDE_MODES = ("pool", "1x1", "dw")


@serializable
class MbConvBlock(keras.layers.Layer):
    """`shortcut(x) + conv3_1x1(se(norm2(conv2_kxk(norm1(conv1_1x1(down(pre_norm(x))))))))`.

    Norms are `BatchNormAct2D` (batch norm, then `activation`); `pre_norm` applies the activation only
    with `pre_norm_act`. The squeeze-excite sits after `norm2` (`se`), or before it (`se_early`) with
    `attn_early`. With `strides=2` the shortcut is a `Downsample2D` (2x2 pool, 1x1 conv `expand`) and
    the block downsamples where `stride_mode` says: a 2x2 pool `down` before `conv1_1x1` (`"pool"`),
    `conv1_1x1` itself (`"1x1"`), or the kxk conv (`"dw"`, timm's symmetric padding). Sublayers carry
    timm's names, so a timm block's state dict loads key for key.

    The defaults are timm's `MaxxVitConvCfg` defaults; CoAtNet's `_rw` models use `stride_mode="pool"`,
    `pre_norm_act=True`, `expand_output=False`, `output_bias=False`, `activation="silu"`,
    `se_activation="relu"` (and `attn_early=True` for coatnet_0/1_rw).

    Args:
        filters: output channels.
        strides: 1 or 2.
        expand_ratio: the hidden width is `make_divisible(expand_ratio * (filters if expand_output else
            input channels))`.
        expand_output: compute the hidden (and squeeze-excite) width from the output channels.
        kernel_size: of `conv2_kxk`.
        group_size: channels per group of `conv2_kxk`: 1 is depthwise (a `DepthwiseConv2D`), 0 or None a
            dense conv.
        pre_norm_act: apply `activation` after `pre_norm`.
        output_bias: whether `conv3_1x1` and the shortcut's `expand` have biases.
        stride_mode: `"pool"`, `"1x1"` or `"dw"` (see above).
        pool_type: `"avg2"` or `"max2"`, of the shortcut and of `down`.
        attn_early: squeeze-excite between `conv2_kxk` and `norm2` (`se_early`) instead of after `norm2`.
        se_ratio: the squeeze-excite width is `int(se_ratio * (filters if expand_output else hidden))`.
        se_activation: the squeeze-excite activation.
        activation: the norms' activation.
        epsilon: epsilon of the batch norms (1e-5).
        momentum: Keras momentum of the batch norms (PyTorch's 0.1 is 0.9).
        drop_path_rate: stochastic-depth rate of the residual branch.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> MbConvBlock(96, strides=2)(keras.ops.ones((2, 16, 16, 64))).shape
        (2, 8, 8, 96)

    Reference: timm/models/maxxvit.py `MbConvBlock`.
    """

    def __init__(
        self,
        filters: int,
        strides: int = 1,
        expand_ratio: float = 4.0,
        expand_output: bool = True,
        kernel_size: int = 3,
        group_size: int | None = 1,
        pre_norm_act: bool = False,
        output_bias: bool = True,
        stride_mode: str = "dw",
        pool_type: str = "avg2",
        attn_early: bool = False,
        se_ratio: float = 0.25,
        se_activation="silu",
        activation="gelu",
        epsilon: float = 1e-5,
        momentum: float = 0.9,
        drop_path_rate: float = 0.0,
        data_format: str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(filters) < 1:
            raise ValueError(f"`filters` must be a positive int, got {filters!r}.")
        if int(strides) not in (1, 2):
            raise ValueError(f"`strides` must be 1 or 2, got {strides!r}.")
        if stride_mode not in STRIDE_MODES:
            raise ValueError(f"`stride_mode` must be one of {STRIDE_MODES}, got {stride_mode!r}.")
        if pool_type not in POOL_TYPES:
            raise ValueError(f"`pool_type` must be one of {sorted(POOL_TYPES)}, got {pool_type!r}.")
        self.filters = int(filters)
        self.strides = int(strides)
        self.expand_ratio = float(expand_ratio)
        self.expand_output = bool(expand_output)
        self.kernel_size = int(kernel_size)
        self.group_size = int(group_size) if group_size else None
        self.pre_norm_act = bool(pre_norm_act)
        self.output_bias = bool(output_bias)
        self.stride_mode = stride_mode
        self.pool_type = pool_type
        self.attn_early = bool(attn_early)
        self.se_ratio = float(se_ratio)
        self.se_activation = keras.activations.get(se_activation)
        self.activation = keras.activations.get(activation)
        self.epsilon = float(epsilon)
        self.momentum = float(momentum)
        self.drop_path_rate = float(drop_path_rate)
        self.data_format = helpers.standardize_data_format(data_format)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def _norm(self, name: str, activation) -> BatchNormAct2D:
        return BatchNormAct2D(
            epsilon=self.epsilon,
            momentum=self.momentum,
            activation=activation,
            data_format=self.data_format,
            name=name,
            dtype=self.dtype_policy,
        )

    def build(self, input_shape):
        axis = helpers.channel_axis(self.data_format)
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        if self.strides == 1 and channels != self.filters:
            raise ValueError(
                f"{self.name}: a stride-1 block keeps its width (identity shortcut), but the input has "
                f"{channels} channels and `filters` is {self.filters}."
            )
        if self.strides == 2 and self.stride_mode != "pool":
            # The strided conv gives ceil(n / 2), the pooled shortcut floor(n / 2): timm fails there too.
            odd = [input_shape[a] for a in helpers.spatial_axes(self.data_format) if (input_shape[a] or 0) % 2]
            if odd:
                raise ValueError(
                    f"{self.name}: stride_mode={self.stride_mode!r} needs even spatial sizes at stride 2, got "
                    f"input shape {tuple(input_shape)}."
                )
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: channels})
        sub = dict(data_format=self.data_format, dtype=self.dtype_policy)
        conv_init = kaiming_normal_fan_out()  # timm's "efficientnet like" init, N(0, 2 / fan_out)
        mid = helpers.make_divisible((self.filters if self.expand_output else channels) * self.expand_ratio)
        self.mid_channels = mid
        stride_pool, stride_1, stride_2 = 1, 1, 1
        if self.strides == 2:
            stride_pool = 2 if self.stride_mode == "pool" else 1
            stride_1 = 2 if self.stride_mode == "1x1" else 1
            stride_2 = 2 if self.stride_mode == "dw" else 1

        self.shortcut = None
        if self.strides == 2:
            self.shortcut = Downsample2D(
                self.filters,
                pool_type=self.pool_type,
                use_bias=self.output_bias,
                kernel_initializer=conv_init,
                name="shortcut",
                **sub,
            )
            self.shortcut.build(input_shape)
        self.pre_norm = self._norm("pre_norm", self.activation if self.pre_norm_act else None)
        self.pre_norm.build(input_shape)
        shape = input_shape
        self.down = None
        if stride_pool > 1:
            self.down = Downsample2D(channels, pool_type=self.pool_type, name="down", **sub)
            self.down.build(shape)
            shape = self.down.compute_output_shape(shape)

        self.conv1_1x1 = keras.layers.Conv2D(
            mid, 1, strides=stride_1, use_bias=False, kernel_initializer=conv_init, name="conv1_1x1", **sub
        )
        self.conv1_1x1.build(shape)
        shape = self.conv1_1x1.compute_output_shape(shape)
        self.norm1 = self._norm("norm1", self.activation)
        self.norm1.build(shape)

        # timm pads symmetrically ((s - 1) + (k - 1)) // 2; Keras' "same" is that only at stride 1.
        pad = get_padding(self.kernel_size, stride_2)
        self.conv2_kxk_pad = None
        padding = "same" if stride_2 == 1 and self.kernel_size % 2 == 1 else "valid"
        if padding == "valid" and pad:
            self.conv2_kxk_pad = keras.layers.ZeroPadding2D(pad, name="conv2_kxk_pad", **sub)
            self.conv2_kxk_pad.build(shape)
            shape = self.conv2_kxk_pad.compute_output_shape(shape)
        conv2 = dict(strides=stride_2, padding=padding, use_bias=False, name="conv2_kxk", **sub)
        if self.group_size == 1:
            self.conv2_kxk = keras.layers.DepthwiseConv2D(
                self.kernel_size, depthwise_initializer=conv_init, **conv2
            )
        else:
            groups = 1 if self.group_size is None else mid // self.group_size
            if self.group_size is not None and mid % self.group_size:
                raise ValueError(f"{self.name}: hidden width {mid} is not divisible by group_size {self.group_size}.")
            self.conv2_kxk = keras.layers.Conv2D(
                mid, self.kernel_size, groups=groups, kernel_initializer=conv_init, **conv2
            )
        self.conv2_kxk.build(shape)
        shape = self.conv2_kxk.compute_output_shape(shape)

        se_channels = int(self.se_ratio * (self.filters if self.expand_output else mid))
        se = SqueezeExcite(
            rd_channels=se_channels,
            activation=self.se_activation,
            name="se_early" if self.attn_early else "se",
            **sub,
        )
        se.build(shape)
        self.se_early, self.se = (se, None) if self.attn_early else (None, se)
        self.norm2 = self._norm("norm2", self.activation)
        self.norm2.build(shape)
        self.conv3_1x1 = keras.layers.Conv2D(
            self.filters, 1, use_bias=self.output_bias, kernel_initializer=conv_init, name="conv3_1x1", **sub
        )
        self.conv3_1x1.build(shape)
        self.drop_path = DropPath(self.drop_path_rate, name="drop_path", dtype=self.dtype_policy)

    def call(self, inputs, training=None):
        shortcut = inputs if self.shortcut is None else self.shortcut(inputs)
        x = self.pre_norm(inputs, training=training)
        if self.down is not None:
            x = self.down(x)
        x = self.norm1(backend_ops.call_layer(self.conv1_1x1, x), training=training)
        if self.conv2_kxk_pad is not None:
            x = backend_ops.call_layer(self.conv2_kxk_pad, x)
        x = backend_ops.call_layer(self.conv2_kxk, x)
        if self.se_early is not None:
            x = self.se_early(x)
        x = self.norm2(x, training=training)
        if self.se is not None:
            x = self.se(x)
        x = backend_ops.call_layer(self.conv3_1x1, x)
        return backend_ops.call_layer(self.drop_path, x, training) + shortcut

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for a in helpers.spatial_axes(self.data_format):
            if self.strides == 2 and shape[a] is not None:
                shape[a] = shape[a] // 2
        shape[helpers.channel_axis(self.data_format)] = self.filters
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "strides": self.strides,
                "expand_ratio": self.expand_ratio,
                "expand_output": self.expand_output,
                "kernel_size": self.kernel_size,
                "group_size": self.group_size,
                "pre_norm_act": self.pre_norm_act,
                "output_bias": self.output_bias,
                "stride_mode": self.stride_mode,
                "pool_type": self.pool_type,
                "attn_early": self.attn_early,
                "se_ratio": self.se_ratio,
                "se_activation": keras.activations.serialize(self.se_activation),
                "activation": keras.activations.serialize(self.activation),
                "epsilon": self.epsilon,
                "momentum": self.momentum,
                "drop_path_rate": self.drop_path_rate,
                "data_format": self.data_format,
            }
        )
        return config


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
        drop_path_rate: stochastic-depth rate of both branches.
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
        drop_path_rate: float = 0.0,
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
        self.drop_path_rate = float(drop_path_rate)
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
        x = shortcut + backend_ops.call_layer(self.drop_path1, y, training)
        y = self.activation(backend_ops.call_layer(self.mlp_fc1, self.norm2(x)))
        y = backend_ops.call_layer(self.mlp_fc2, backend_ops.call_layer(self.mlp_drop, y, training))
        if self.ls2 is not None:
            y = self.ls2(y)
        return x + backend_ops.call_layer(self.drop_path2, y, training)

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
                "drop_path_rate": self.drop_path_rate,
                "data_format": self.data_format,
            }
        )
        return config


@dataclass(frozen=True)
class ConvConfig:
    """The MBConv options of timm's `MaxxVitConvCfg` (block_type "mbconv", batchnorm2d, no padding
    override); the defaults are timm's."""

    expand_ratio: float = 4.0
    expand_output: bool = True
    kernel_size: int = 3
    group_size: int = 1
    pre_norm_act: bool = False
    output_bias: bool = True
    stride_mode: str = "dw"
    pool_type: str = "avg2"
    attn_early: bool = False
    attn_act: str = "silu"
    attn_ratio: float = 0.25
    act: str = "gelu"
    norm_epsilon: float = 1e-5


@dataclass(frozen=True)
class TransformerConfig:
    """The options of timm's `MaxxVitTransformerCfg` that `TransformerBlock2d` uses, for the ported
    case: `expand_first=False`, `head_first=True`, `rel_pos_type="bias"`, `layernorm2d`."""

    dim_head: int = 32
    expand_ratio: float = 4.0
    shortcut_bias: bool = True
    attn_bias: bool = True
    pool_type: str = "avg2"
    init_values: float | None = None
    act: str = "gelu"
    norm_epsilon: float = 1e-6


@dataclass(frozen=True)
class CoAtNetConfig:
    """One variant, as timm's `MaxxVitCfg` with `C` (MBConv) and `T` (transformer) stages."""

    embed_dim: tuple[int, ...]
    depths: tuple[int, ...]
    block_type: tuple[str, ...] = ("C", "C", "T", "T")
    stem_width: tuple[int, int] = (32, 64)
    stem_bias: bool = False
    conv: ConvConfig = field(default_factory=ConvConfig)
    transformer: TransformerConfig = field(default_factory=TransformerConfig)


def _rw_coat_cfg(
    stride_mode: str = "pool",
    pool_type: str = "avg2",
    conv_output_bias: bool = False,
    conv_attn_early: bool = False,
    conv_attn_act_layer: str = "relu",
    transformer_shortcut_bias: bool = True,
    init_values: float | None = None,
) -> dict:
    """timm's `_rw_coat_cfg` (rel_pos_type "bias", layernorm2d transformer norms)."""
    return dict(
        conv=ConvConfig(
            stride_mode=stride_mode,
            pool_type=pool_type,
            pre_norm_act=True,
            expand_output=False,
            output_bias=conv_output_bias,
            attn_early=conv_attn_early,
            attn_act=conv_attn_act_layer,
            act="silu",
        ),
        transformer=TransformerConfig(
            shortcut_bias=transformer_shortcut_bias, pool_type=pool_type, init_values=init_values
        ),
    )


def _rw_max_cfg(
    stride_mode: str = "dw",
    pool_type: str = "avg2",
    conv_output_bias: bool = False,
    conv_attn_ratio: float = 1 / 16,
) -> dict:
    """timm's `_rw_max_cfg` (as CoAtNet pico / nano use it: rel_pos_type "bias", no window override)."""
    return dict(
        conv=ConvConfig(
            stride_mode=stride_mode,
            pool_type=pool_type,
            expand_output=False,
            output_bias=conv_output_bias,
            attn_ratio=conv_attn_ratio,
            act="silu",
        ),
        transformer=TransformerConfig(pool_type=pool_type),
    )


model_cfgs: dict[str, CoAtNetConfig] = {
    "coatnet_pico_rw_224": CoAtNetConfig(
        embed_dim=(64, 128, 256, 512),
        depths=(2, 3, 5, 2),
        **_rw_max_cfg(conv_output_bias=True, conv_attn_ratio=0.25),
    ),
    "coatnet_nano_rw_224": CoAtNetConfig(
        embed_dim=(64, 128, 256, 512),
        depths=(3, 4, 6, 3),
        **_rw_max_cfg(stride_mode="pool", conv_output_bias=True, conv_attn_ratio=0.25),
    ),
    "coatnet_0_rw_224": CoAtNetConfig(
        embed_dim=(96, 192, 384, 768),
        depths=(2, 3, 7, 2),
        **_rw_coat_cfg(conv_attn_early=True, transformer_shortcut_bias=False),
    ),
    "coatnet_1_rw_224": CoAtNetConfig(
        embed_dim=(96, 192, 384, 768),
        depths=(2, 6, 14, 2),
        **_rw_coat_cfg(stride_mode="dw", conv_attn_early=True, transformer_shortcut_bias=False),
    ),
    "coatnet_2_rw_224": CoAtNetConfig(
        embed_dim=(128, 256, 512, 1024),
        depths=(2, 6, 14, 2),
        stem_width=(64, 128),
        **_rw_coat_cfg(stride_mode="dw", conv_attn_act_layer="silu"),
    ),
    "coatnet_3_rw_224": CoAtNetConfig(
        embed_dim=(192, 384, 768, 1536),
        depths=(2, 6, 14, 2),
        stem_width=(96, 192),
        **_rw_coat_cfg(stride_mode="dw", conv_attn_act_layer="silu", init_values=1e-6),
    ),
}


def mbconv_block(filters: int, cfg: ConvConfig, *, strides: int = 1, **kwargs) -> MbConvBlock:
    """timm's `MbConvBlock(in_chs, filters, stride, cfg=cfg)` as a Keras layer."""
    return MbConvBlock(
        filters,
        strides=strides,
        expand_ratio=cfg.expand_ratio,
        expand_output=cfg.expand_output,
        kernel_size=cfg.kernel_size,
        group_size=cfg.group_size,
        pre_norm_act=cfg.pre_norm_act,
        output_bias=cfg.output_bias,
        stride_mode=cfg.stride_mode,
        pool_type=cfg.pool_type,
        attn_early=cfg.attn_early,
        se_ratio=cfg.attn_ratio,
        se_activation=cfg.attn_act,
        activation=cfg.act,
        epsilon=cfg.norm_epsilon,
        **kwargs,
    )


def transformer_block(
    filters: int, window_size, cfg: TransformerConfig, *, strides: int = 1, **kwargs
) -> TransformerBlock2D:
    """timm's `TransformerBlock2d(dim, filters, stride, rel_pos_cls=RelPosBias(window_size), cfg=cfg)`
    as a Keras layer; `window_size` is the block's output feature size."""
    return TransformerBlock2D(
        filters,
        window_size=window_size,
        strides=strides,
        dim_head=cfg.dim_head,
        expand_ratio=cfg.expand_ratio,
        attn_bias=cfg.attn_bias,
        shortcut_bias=cfg.shortcut_bias,
        init_values=cfg.init_values,
        activation=cfg.act,
        epsilon=cfg.norm_epsilon,
        pool_type=cfg.pool_type,
        **kwargs,
    )


def _cfg(url: str = "", **kwargs) -> dict:
    return {
        "url": url, "num_classes": 1000, "input_size": (3, 224, 224), "pool_size": (7, 7),
        "crop_pct": 0.95, "interpolation": "bicubic",
        "mean": (0.5, 0.5, 0.5), "std": (0.5, 0.5, 0.5),
        "first_conv": "stem.conv1", "classifier": "head.fc",
        "fixed_input_size": True,
        "license": "apache-2.0", **kwargs,
    }


# timm's entries for the architectures above, in timm's order (the first with weights is the default).
default_cfgs = generate_default_cfgs({
    "coatnet_pico_rw_224.untrained": _cfg(url=""),
    "coatnet_nano_rw_224.sw_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights-maxx/coatnet_nano_rw_224_sw-f53093b4.pth",
        crop_pct=0.9),
    "coatnet_0_rw_224.sw_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights-maxx/coatnet_0_rw_224_sw-a6439706.pth"),
    "coatnet_1_rw_224.sw_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights-maxx/coatnet_1_rw_224_sw-5cae1ea8.pth"),
    "coatnet_2_rw_224.sw_in12k_ft_in1k": _cfg(hf_hub_id="timm/"),
    "coatnet_2_rw_224.sw_in12k": _cfg(hf_hub_id="timm/", num_classes=11821),
    "coatnet_3_rw_224.sw_in12k": _cfg(hf_hub_id="timm/", num_classes=11821),
})

REL_POS_TABLE = "relative_position_bias_table"


def _image_size(img_size: tuple[int, int]) -> tuple[int, int]:
    size = img_size
    if any(s < 32 or s % 32 for s in size):
        # timm sizes each stage's relative-position window as ceil(n / 2) per stage but pools to
        # floor(n / 2): only multiples of 32 give windows that fit the feature maps (timm fails too).
        raise ValueError(f"`img_size` must be a multiple of 32 in each dimension, got {img_size!r}.")
    return size


def _create_maxxvit(variant: str, args: BuildArgs) -> ModelGraph:
    """timm's `variant` (a key of `model_cfgs`): NHWC images of `img_size` (default 224; the transformer
    stages' relative-position windows depend on it) in, logits out (pooled features when
    `num_classes=0`). The feature maps are the stem's and the stages' outputs, as timm's."""
    cfg = model_cfgs[variant]
    height, width = _image_size(args.img_size)
    fmt = dict(data_format="channels_last")
    conv_cfg, tf_cfg = cfg.conv, cfg.transformer
    conv_init = kaiming_normal_fan_out()

    inputs = model_input(args.in_chans, (height, width))
    # timm's Stem: 3x3 stride-2 conv with symmetric padding 1 (not Keras' "same", which pads only at the
    # end for an even input), BatchNormAct2d, then a 3x3 stride-1 conv.
    x = keras.layers.ZeroPadding2D(1, name="stem__conv1_pad", **fmt)(inputs)
    x = keras.layers.Conv2D(
        cfg.stem_width[0], 3, strides=2, use_bias=cfg.stem_bias, kernel_initializer=conv_init,
        name="stem__conv1", **fmt,
    )(x)
    x = BatchNormAct2D(epsilon=conv_cfg.norm_epsilon, activation=conv_cfg.act, name="stem__norm1", **fmt)(x)
    x = keras.layers.Conv2D(
        cfg.stem_width[1], 3, padding="same", use_bias=cfg.stem_bias, kernel_initializer=conv_init,
        name="stem__conv2", **fmt,
    )(x)
    features = [FeatureMap(x, cfg.stem_width[1], 2, "stem")]

    feat_size = (height // 2, width // 2)
    rates = calculate_drop_path_rates(args.drop_path_rate, cfg.depths, stagewise=True)
    for stage_idx, (filters, depth, block_type) in enumerate(zip(cfg.embed_dim, cfg.depths, cfg.block_type)):
        feat_size = tuple((r - 1) // 2 + 1 for r in feat_size)
        for block_idx in range(depth):
            common = dict(
                strides=2 if block_idx == 0 else 1,
                drop_path_rate=rates[stage_idx][block_idx],
                name=f"stages__{stage_idx}__blocks__{block_idx}",
                **fmt,
            )
            if block_type == "C":
                block = mbconv_block(filters, conv_cfg, **common)
            elif block_type == "T":
                block = transformer_block(filters, feat_size, tf_cfg, **common)
            else:
                raise ValueError(f"{variant}: block type {block_type!r} is not ported (only 'C' and 'T').")
            x = block(x)
        features.append(FeatureMap(x, filters, 2 ** (stage_idx + 2), f"stages.{stage_idx}"))

    x = LayerNorm2D(tf_cfg.norm_epsilon, name="norm", **fmt)(x)
    # timm's ClassifierHead: average pool, flatten, Linear.
    x = keras.layers.GlobalAveragePooling2D(name="head__global_pool", **fmt)(x)
    if args.num_classes:
        x = keras.layers.Dense(args.num_classes, name="head__fc")(x)
    return ModelGraph(inputs, x, features)


def checkpoint_filter_fn(state: Mapping[str, np.ndarray], model: keras.Model) -> dict[str, np.ndarray]:
    """timm's `maxxvit.checkpoint_filter_fn`: relative-position tables resized (`resize_rel_pos_bias_table`)
    when the model's window differs (another `img_size`) or is not square, and a tensor with the
    model's number of entries but another rank (conv vs linear) reshaped to the model's."""
    expected = timm_shapes(model)
    out = dict(state)  # tensors pass through untouched (any array type the loader reads) unless adapted
    for key, value in state.items():
        if key not in expected:
            continue
        shape = tuple(value.shape)
        if key.endswith(REL_POS_TABLE):
            block = model.get_layer(key[: -len(".attn.rel_pos." + REL_POS_TABLE)].replace(".", "__"))
            window = block.attn.rel_pos.window_size
            if shape != expected[key] or window[0] != window[1]:
                out[key] = resize_rel_pos_bias_table(np.asarray(value), window, expected[key])
        elif len(shape) != len(expected[key]) and math.prod(shape) == math.prod(expected[key]):
            out[key] = np.asarray(value).reshape(expected[key])
    return out


register_family(model_cfgs, _create_maxxvit, default_cfgs, checkpoint_filter_fn, feature_out_indices=(0, 1, 2, 3, 4))
