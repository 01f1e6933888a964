"""MaxxViT's family as functional Keras models: CoAtNet (timm's `_rw` configurations, also with batch
norm, MLP relative positions or ConvNeXt blocks), MaxViT (timm's `_rw` / `rmlp` models and the
TensorFlow `_tf` weights), MaxxViT and MaxxViT-V2. Here: the 2D attention with a relative position
bias, the downsampling, the MBConv, ConvNeXt and transformer blocks, MaxViT's block / grid partition
attention, the architecture table, the pretrained configs, the builder and the checkpoint filter.

Layer names are timm's module paths with `__` for `.` (`stem__conv1`, `stages__0__blocks__0`,
`stages__0__blocks__0__attn_grid`, `norm`, `head__fc`), so `load_timm_weights(model,
timm_model.state_dict())` loads every key.

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
from luximm_keras.data.constants import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD
from luximm_keras.initializers import kaiming_normal_fan_out
from luximm_keras.layers import helpers
from luximm_keras.layers.activations import get_act
from luximm_keras.layers.batch_norm import BatchNorm2D
from luximm_keras.layers.drop import DropPath, calculate_drop_path_rates
from luximm_keras.layers.layer_scale import LayerScale, LayerScale2D
from luximm_keras.layers.mlp import Mlp
from luximm_keras.layers.norm import LayerNorm2D
from luximm_keras.layers.norm_act import BatchNormAct2D
from luximm_keras.layers.padding import get_padding
from luximm_keras.layers.pos_embed_rel import (
    RelPosBias,
    RelPosBiasTf,
    RelPosMlp,
    resize_rel_pos_bias_table,
)
from luximm_keras.layers.squeeze_excite import SqueezeExcite
from luximm_keras.layers.window_partition import partition, partition_reverse
from luximm_keras.models._builder import (
    BuildArgs,
    FeatureMap,
    ModelGraph,
    model_input,
    timm_shapes,
)
from luximm_keras.models._pretrained import generate_default_cfgs
from luximm_keras.models._registry import register_family

REL_POS_TYPES = ("bias", "mlp", "bias_tf")


def rel_pos_layer(rel_pos_type: str, window_size, num_heads: int, rel_pos_dim: int = 512, **kwargs):
    """timm's `get_rel_pos_cls(cfg, window_size)(num_heads=num_heads)`: `RelPosBias` ("bias"),
    `RelPosMlp` ("mlp", `rel_pos_dim` wide) or `RelPosBiasTf` ("bias_tf"), named `rel_pos`."""
    if rel_pos_type == "bias":
        return RelPosBias(window_size, num_heads, name="rel_pos", **kwargs)
    if rel_pos_type == "mlp":
        return RelPosMlp(window_size, num_heads, hidden_dim=rel_pos_dim, name="rel_pos", **kwargs)
    if rel_pos_type == "bias_tf":
        return RelPosBiasTf(window_size, num_heads, name="rel_pos", **kwargs)
    raise ValueError(f"`rel_pos_type` must be one of {REL_POS_TYPES}, got {rel_pos_type!r}.")


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
        rel_pos_type: `"bias"` (`RelPosBias`), `"mlp"` (`RelPosMlp`) or `"bias_tf"` (`RelPosBiasTf`).
        rel_pos_dim: hidden width of `RelPosMlp`.
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
        rel_pos_type: str = "bias",
        rel_pos_dim: int = 512,
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
        self.rel_pos_type = rel_pos_type
        self.rel_pos_dim = int(rel_pos_dim)
        self.attn_drop_rate = float(attn_drop)
        self.proj_drop_rate = float(proj_drop)
        self.data_format = helpers.standardize_data_format(data_format)
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={helpers.channel_axis(self.data_format): self.dim})

        sub = dict(dtype=self.dtype_policy)
        self.qkv = keras.layers.Dense(3 * self.dim, use_bias=self.use_bias, name="qkv", **sub)
        self.rel_pos = rel_pos_layer(rel_pos_type, self.window_size, self.num_heads, self.rel_pos_dim, **sub)
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
                "rel_pos_type": self.rel_pos_type,
                "rel_pos_dim": self.rel_pos_dim,
                "attn_drop": self.attn_drop_rate,
                "proj_drop": self.proj_drop_rate,
                "data_format": self.data_format,
            }
        )
        return config


# timm's `pool_type` names: "avg2" / "max2" pool 2x2 at stride 2 without padding, "max" 3x3 at stride
# 2 with padding 1 (`Downsample2D` pads with -inf first). "avg" (3x3, count_include_pad=False) is not ported.
POOL_TYPES = {"avg2": keras.layers.AveragePooling2D, "max2": keras.layers.MaxPooling2D, "max": keras.layers.MaxPooling2D}


def pool2x2(pool_type: str, *, name: str, data_format: str, dtype=None) -> keras.layers.Layer:
    """The Keras pooling layer for timm's `pool_type` (`"avg2"`, `"max2"`: kernel 2, stride 2, no
    padding, odd trailing rows/columns dropped as PyTorch's `ceil_mode=False`; `"max"`: kernel 3,
    stride 2, on an input already padded by 1)."""
    if pool_type not in POOL_TYPES:
        raise ValueError(f"`pool_type` must be one of {sorted(POOL_TYPES)}, got {pool_type!r}.")
    return POOL_TYPES[pool_type](
        pool_size=3 if pool_type == "max" else 2, strides=2, padding="valid", data_format=data_format, name=name,
        dtype=dtype,
    )


@serializable
class Downsample2D(keras.layers.Layer):
    """Halves the spatial size with a 2x2 pool (or timm's "max": 3x3, padding 1), then maps to `filters` channels with a 1x1 conv named
    `expand` (only when the input width differs, as timm uses `nn.Identity` otherwise).

    Args:
        filters: output channels.
        pool_type: `"avg2"` (timm's default), `"max2"` or `"max"`.
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
        pool_shape = self._padded_shape(input_shape)
        self.pool.build(pool_shape)
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
            self.expand.build(self.pool.compute_output_shape(pool_shape))

    def _padded_shape(self, input_shape):
        if self.pool_type != "max":
            return tuple(input_shape)
        shape = list(input_shape)
        for a in helpers.spatial_axes(self.data_format):
            shape[a] = None if shape[a] is None else shape[a] + 2
        return tuple(shape)

    def call(self, inputs):
        x = inputs
        if self.pool_type == "max":
            # PyTorch's MaxPool2d(3, 2, padding=1) pads with -inf: padding never wins the max.
            pad = [[0, 0], [0, 0], [0, 0], [0, 0]]
            for a in helpers.spatial_axes(self.data_format):
                pad[a] = [1, 1]
            x = backend_ops.pad(x, pad, constant_values=float("-inf"))
        x = self.pool(x)
        return x if self.expand is None else backend_ops.call_layer(self.expand, x)

    def compute_output_shape(self, input_shape):
        shape = list(self.pool.compute_output_shape(self._padded_shape(input_shape)))
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


def _block_output_shape(input_shape, filters: int, strides: int, data_format: str) -> tuple:
    """A conv block's output shape: `filters` channels, the spatial size halved at stride 2."""
    shape = list(input_shape)
    for a in helpers.spatial_axes(data_format):
        if strides == 2 and shape[a] is not None:
            shape[a] = shape[a] // 2
    shape[helpers.channel_axis(data_format)] = filters
    return tuple(shape)


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
        padding: `""` (timm's symmetric padding) or `"same"` (TF SAME, extra pixel at the end, as the
            `_tf_` MaxViT models; their 2x2 pools see even sizes only, where SAME adds nothing).
        pool_type: `"avg2"`, `"max2"` or `"max"`, of the shortcut.
        downsample_pool_type: of `down` (timm's `downsample_pool_type`; None: `pool_type`).
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
        padding: str = "",
        pool_type: str = "avg2",
        downsample_pool_type: str | None = None,
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
        if padding not in ("", "same"):
            raise ValueError(f"`padding` must be '' or 'same', got {padding!r}.")
        self.stride_mode = stride_mode
        self.padding = padding
        self.pool_type = pool_type
        self.downsample_pool_type = downsample_pool_type or pool_type
        if self.downsample_pool_type not in POOL_TYPES:
            raise ValueError(f"`downsample_pool_type` must be one of {sorted(POOL_TYPES)}, got {downsample_pool_type!r}.")
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
            self.down = Downsample2D(channels, pool_type=self.downsample_pool_type, name="down", **sub)
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
        padding = "same" if self.padding == "same" or (stride_2 == 1 and self.kernel_size % 2 == 1) else "valid"
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
        return _block_output_shape(input_shape, self.filters, self.strides, self.data_format)

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
                "padding": self.padding,
                "pool_type": self.pool_type,
                "downsample_pool_type": self.downsample_pool_type,
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


NORM_LAYERS_2D = ("layernorm2d", "batchnorm2d")


def norm2d(norm_layer: str, epsilon: float, **kwargs) -> keras.layers.Layer:
    """timm's `get_norm_layer(norm_layer)(C, eps=epsilon)` on a map: `LayerNorm2D` or `BatchNorm2D`."""
    if norm_layer == "layernorm2d":
        return LayerNorm2D(epsilon, **kwargs)
    if norm_layer == "batchnorm2d":
        return BatchNorm2D(epsilon, **kwargs)
    raise ValueError(f"`norm_layer` must be one of {NORM_LAYERS_2D}, got {norm_layer!r}.")


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
        epsilon: epsilon of the norms (1e-6).
        norm_layer: `"layernorm2d"` (`LayerNorm2D`) or `"batchnorm2d"` (`BatchNorm2D`, as coatnet_bn).
        rel_pos_type: `"bias"` or `"mlp"` (see `RelPosAttention2D`).
        rel_pos_dim: hidden width of `RelPosMlp`.
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
        norm_layer: str = "layernorm2d",
        rel_pos_type: str = "bias",
        rel_pos_dim: int = 512,
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
        if norm_layer not in NORM_LAYERS_2D:
            raise ValueError(f"`norm_layer` must be one of {NORM_LAYERS_2D}, got {norm_layer!r}.")
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
        self.norm_layer = norm_layer
        self.rel_pos_type = rel_pos_type
        self.rel_pos_dim = int(rel_pos_dim)
        self.pool_type = pool_type
        self.attn_drop_rate = float(attn_drop)
        self.proj_drop_rate = float(proj_drop)
        self.drop_path_rate = float(drop_path_rate)
        self.data_format = helpers.standardize_data_format(data_format)
        self.input_spec = keras.layers.InputSpec(ndim=4)

        sub = dict(data_format=self.data_format, dtype=self.dtype_policy)
        conv = dict(kernel_size=1, kernel_initializer="glorot_uniform", **sub)  # timm's "vit like" init
        self.norm2 = norm2d(self.norm_layer, self.epsilon, name="norm2", **sub)
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
            self.norm1 = norm2d(self.norm_layer, self.epsilon, name="norm1__norm", **sub)
            self.norm1_down = Downsample2D(dim, pool_type=self.pool_type, name="norm1__down", **sub)
            self.norm1_down.build(input_shape)
            attn_shape = self.norm1_down.compute_output_shape(input_shape)
        else:
            self.norm1 = norm2d(self.norm_layer, self.epsilon, name="norm1", **sub)
            attn_shape = tuple(input_shape)
        self.norm1.build(input_shape)
        self.attn = RelPosAttention2D(
            dim,
            self.filters,
            dim_head=self.dim_head,
            window_size=self.window_size,
            use_bias=self.attn_bias,
            rel_pos_type=self.rel_pos_type,
            rel_pos_dim=self.rel_pos_dim,
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
        x = self.norm1(inputs, training=training)
        if self.norm1_down is not None:
            x = self.norm1_down(x)
        y = self.attn(x, training=training)
        if self.ls1 is not None:
            y = self.ls1(y)
        x = shortcut + backend_ops.call_layer(self.drop_path1, y, training)
        y = self.activation(backend_ops.call_layer(self.mlp_fc1, self.norm2(x, training=training)))
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
                "norm_layer": self.norm_layer,
                "rel_pos_type": self.rel_pos_type,
                "rel_pos_dim": self.rel_pos_dim,
                "pool_type": self.pool_type,
                "attn_drop": self.attn_drop_rate,
                "proj_drop": self.proj_drop_rate,
                "drop_path_rate": self.drop_path_rate,
                "data_format": self.data_format,
            }
        )
        return config


@serializable
class AttentionCl(keras.layers.Layer):
    """Multi-head self-attention among the `L` tokens of each window, `(N, L, C)` in and out, plus a
    relative position bias per head (the window is `window_size`, `L = Wh * Ww`, row-major).

    `qkv` and `proj` are timm's `nn.Linear`. With `head_first` (timm's rw models) `qkv`'s output
    channels are ordered `[head][q|k|v][dim_head]`; without it (the `_tf_` models)
    `[q|k|v][head][dim_head]`.

    Args:
        dim: input (and output) channels; must be divisible by `dim_head`.
        window_size: `(Wh, Ww)` of a window.
        dim_head: width of each head.
        use_bias: whether `qkv` and `proj` have biases.
        head_first: the `qkv` channel order (see above).
        rel_pos_type: `"bias"`, `"mlp"` or `"bias_tf"` (see `rel_pos_layer`).
        rel_pos_dim: hidden width of `RelPosMlp`.
        attn_drop, proj_drop: dropout rates (training only).

    Example:
        >>> AttentionCl(64, window_size=(4, 4))(keras.ops.ones((2, 16, 64))).shape
        (2, 16, 64)

    Reference: timm/models/maxxvit.py `AttentionCl` (with `dim_out == dim`).
    """

    def __init__(
        self,
        dim: int,
        window_size: int | Sequence[int],
        dim_head: int = 32,
        use_bias: bool = True,
        head_first: bool = True,
        rel_pos_type: str = "bias",
        rel_pos_dim: int = 512,
        attn_drop: float = 0.0,
        proj_drop: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(dim_head) < 1 or int(dim) % int(dim_head):
            raise ValueError(f"`dim` ({dim}) must be divisible by `dim_head` ({dim_head}).")
        self.dim = int(dim)
        self.window_size = helpers.to_pair(window_size, "window_size")
        self.dim_head = int(dim_head)
        self.num_heads = self.dim // self.dim_head
        self.scale = self.dim_head**-0.5
        self.use_bias = bool(use_bias)
        self.head_first = bool(head_first)
        self.rel_pos_type = rel_pos_type
        self.rel_pos_dim = int(rel_pos_dim)
        self.attn_drop_rate = float(attn_drop)
        self.proj_drop_rate = float(proj_drop)
        self.tokens = self.window_size[0] * self.window_size[1]
        self.input_spec = keras.layers.InputSpec(ndim=3, axes={1: self.tokens, 2: self.dim})
        sub = dict(dtype=self.dtype_policy)
        self.qkv = keras.layers.Dense(3 * self.dim, use_bias=self.use_bias, name="qkv", **sub)
        self.rel_pos = rel_pos_layer(rel_pos_type, self.window_size, self.num_heads, self.rel_pos_dim, **sub)
        self.attn_drop = keras.layers.Dropout(self.attn_drop_rate, name="attn_drop", **sub)
        self.proj = keras.layers.Dense(self.dim, use_bias=self.use_bias, name="proj", **sub)
        self.proj_drop = keras.layers.Dropout(self.proj_drop_rate, name="proj_drop", **sub)

    def build(self, input_shape):
        self.qkv.build((None, self.dim))
        self.rel_pos.build()
        self.proj.build((None, self.dim))

    def call(self, inputs, training=None):
        qkv = backend_ops.call_layer(self.qkv, inputs)
        if self.head_first:
            qkv = ops.reshape(qkv, (-1, self.tokens, self.num_heads, 3, self.dim_head))
            q, k, v = qkv[:, :, :, 0], qkv[:, :, :, 1], qkv[:, :, :, 2]
        else:
            qkv = ops.reshape(qkv, (-1, self.tokens, 3, self.num_heads, self.dim_head))
            q, k, v = qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2]
        out = backend_ops.attention(
            q, k, v, scale=self.scale, bias=self.rel_pos.get_bias(), dropout=self.attn_drop,
            training=training, compute_dtype=self.compute_dtype,
        )
        out = ops.reshape(out, (-1, self.tokens, self.dim))
        return backend_ops.call_layer(self.proj_drop, backend_ops.call_layer(self.proj, out), training)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "dim": self.dim,
                "window_size": self.window_size,
                "dim_head": self.dim_head,
                "use_bias": self.use_bias,
                "head_first": self.head_first,
                "rel_pos_type": self.rel_pos_type,
                "rel_pos_dim": self.rel_pos_dim,
                "attn_drop": self.attn_drop_rate,
                "proj_drop": self.proj_drop_rate,
            }
        )
        return config


PARTITION_TYPES = ("block", "grid")


@serializable
class PartitionAttentionCl(keras.layers.Layer):
    """MaxViT's block or grid attention: `x + ls1(attn(partition(norm1(x))))`, then
    `x + ls2(mlp(norm2(x)))`, with `attn` (`AttentionCl`) inside each window of `partition_size`
    pixels ("block": contiguous windows, "grid": a grid strided over the map).

    Norms are `LayerNormalization` on the channels, `mlp` timm's `Mlp` (`mlp__fc1`, `mlp__fc2`),
    `ls1`/`ls2` `LayerScale` only with `init_values`. The map's height and width must divide by the
    partition size.

    Args:
        partition_type: `"block"` or `"grid"`.
        partition_size: `(Ph, Pw)`: the window (block) or the grid (grid).
        dim_head: width of each attention head.
        expand_ratio: the MLP hidden width is `int(C * expand_ratio)`.
        use_bias: whether `qkv` and `proj` have biases.
        head_first: `qkv`'s channel order (see `AttentionCl`).
        rel_pos_type, rel_pos_dim: the relative position bias (see `AttentionCl`).
        init_values: LayerScale's initial value, or None for none.
        activation: the MLP activation.
        epsilon: epsilon of the layer norms.
        attn_drop, proj_drop: dropout rates of the attention weights and the projections / MLP.
        drop_path_rate: stochastic-depth rate of both branches.
        data_format: `"channels_last"` (default) or `"channels_first"` (transposed to channels-last
            inside, as timm's block works channels-last).

    Example:
        >>> PartitionAttentionCl("grid", (4, 4))(keras.ops.ones((2, 8, 8, 64))).shape
        (2, 8, 8, 64)

    Reference: timm/models/maxxvit.py `PartitionAttentionCl`.
    """

    def __init__(
        self,
        partition_type: str = "block",
        partition_size: int | Sequence[int] = (7, 7),
        dim_head: int = 32,
        expand_ratio: float = 4.0,
        use_bias: bool = True,
        head_first: bool = True,
        rel_pos_type: str = "bias",
        rel_pos_dim: int = 512,
        init_values: float | None = None,
        activation="gelu",
        epsilon: float = 1e-6,
        attn_drop: float = 0.0,
        proj_drop: float = 0.0,
        drop_path_rate: float = 0.0,
        data_format: str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if partition_type not in PARTITION_TYPES:
            raise ValueError(f"`partition_type` must be one of {PARTITION_TYPES}, got {partition_type!r}.")
        self.partition_type = partition_type
        self.partition_size = helpers.to_pair(partition_size, "partition_size")
        self.dim_head = int(dim_head)
        self.expand_ratio = float(expand_ratio)
        self.use_bias = bool(use_bias)
        self.head_first = bool(head_first)
        self.rel_pos_type = rel_pos_type
        self.rel_pos_dim = int(rel_pos_dim)
        self.init_values = None if init_values is None else float(init_values)
        self.activation = keras.activations.get(activation)
        self.epsilon = float(epsilon)
        self.attn_drop_rate = float(attn_drop)
        self.proj_drop_rate = float(proj_drop)
        self.drop_path_rate = float(drop_path_rate)
        self.data_format = helpers.standardize_data_format(data_format)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        axis = helpers.channel_axis(self.data_format)
        dim = input_shape[axis]
        rows, cols = (input_shape[a] for a in helpers.spatial_axes(self.data_format))
        if dim is None or rows is None or cols is None:
            raise ValueError(f"{self.name}: the input's size must be known, got {input_shape}.")
        if rows % self.partition_size[0] or cols % self.partition_size[1]:
            raise ValueError(
                f"{self.name}: feature map {rows}x{cols} does not divide into {self.partition_type} "
                f"partitions of {self.partition_size}."
            )
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: dim})
        self.img_size = (rows, cols)
        sub = dict(dtype=self.dtype_policy)
        cl_shape = (None, rows, cols, dim)
        self.norm1 = keras.layers.LayerNormalization(epsilon=self.epsilon, name="norm1", **sub)
        self.norm1.build(cl_shape)
        self.attn = AttentionCl(
            dim, self.partition_size, dim_head=self.dim_head, use_bias=self.use_bias, head_first=self.head_first,
            rel_pos_type=self.rel_pos_type, rel_pos_dim=self.rel_pos_dim, attn_drop=self.attn_drop_rate,
            proj_drop=self.proj_drop_rate, name="attn", **sub,
        )
        self.attn.build((None, self.partition_size[0] * self.partition_size[1], dim))
        self.norm2 = keras.layers.LayerNormalization(epsilon=self.epsilon, name="norm2", **sub)
        self.norm2.build(cl_shape)
        self.mlp = Mlp(
            int(dim * self.expand_ratio), activation=self.activation, drop=self.proj_drop_rate, name="mlp", **sub
        )
        self.mlp.build(cl_shape)
        self.ls1 = self.ls2 = None
        if self.init_values:
            self.ls1 = LayerScale(self.init_values, name="ls1", **sub)
            self.ls2 = LayerScale(self.init_values, name="ls2", **sub)
            self.ls1.build(cl_shape)
            self.ls2.build(cl_shape)
        self.drop_path1 = DropPath(self.drop_path_rate, name="drop_path1", **sub)
        self.drop_path2 = DropPath(self.drop_path_rate, name="drop_path2", **sub)

    def call(self, inputs, training=None):
        x = inputs
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 2, 3, 1))
        y = partition(self.norm1(x), self.partition_type, self.partition_size)
        y = self.attn(y, training=training)
        y = partition_reverse(y, self.partition_type, self.partition_size, self.img_size)
        if self.ls1 is not None:
            y = self.ls1(y)
        x = x + backend_ops.call_layer(self.drop_path1, y, training)
        y = self.mlp(self.norm2(x), training=training)
        if self.ls2 is not None:
            y = self.ls2(y)
        x = x + backend_ops.call_layer(self.drop_path2, y, training)
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 3, 1, 2))
        return x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "partition_type": self.partition_type,
                "partition_size": self.partition_size,
                "dim_head": self.dim_head,
                "expand_ratio": self.expand_ratio,
                "use_bias": self.use_bias,
                "head_first": self.head_first,
                "rel_pos_type": self.rel_pos_type,
                "rel_pos_dim": self.rel_pos_dim,
                "init_values": self.init_values,
                "activation": keras.activations.serialize(self.activation),
                "epsilon": self.epsilon,
                "attn_drop": self.attn_drop_rate,
                "proj_drop": self.proj_drop_rate,
                "drop_path_rate": self.drop_path_rate,
                "data_format": self.data_format,
            }
        )
        return config


@serializable
class MaxxVitConvNeXtBlock(keras.layers.Layer):
    """maxxvit's ConvNeXt block (timm's `maxxvit.ConvNeXtBlock` with `conv_mlp=True`):
    `shortcut(x) + ls(mlp(norm(conv_dw(down(x)))))`.

    `conv_dw` is a depthwise `kernel_size` conv from the input width to `filters` (each input channel
    repeated `filters // C` times first, as timm's grouped conv reads them), `norm` a `LayerNorm2D`, `mlp` timm's `ConvMlp` (1x1 convs `mlp__fc1`,
    `mlp__fc2`), `ls` a `LayerScale2D` only with `init_values`. At stride 2 the shortcut is a
    `Downsample2D` (2x2 average pool, 1x1 conv `expand` with a bias, timm's defaults whatever the
    config), and the block downsamples in `conv_dw` (`stride_mode="dw"`, timm's symmetric padding)
    or with a 2x2 pool `down` before it (`"pool"`). At stride 1 with another width the shortcut is a
    1x1 conv.

    Args:
        filters: output channels; a multiple of the input channels.
        strides: 1 or 2.
        kernel_size: of `conv_dw`.
        stride_mode: `"dw"` or `"pool"`.
        pool_type: `"avg2"`, `"max2"` or `"max"`, of `down` (timm's `downsample_pool_type`).
        output_bias: whether `conv_dw`, the MLP and a stride-1 shortcut conv have biases.
        expand_ratio: the MLP hidden width is `int(expand_ratio * filters)`.
        init_values: LayerScale's initial value, or None for none.
        activation: the MLP activation.
        epsilon: epsilon of `norm` (1e-6).
        drop_path_rate: stochastic-depth rate of the residual branch.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> MaxxVitConvNeXtBlock(128, strides=2)(keras.ops.ones((2, 16, 16, 64))).shape
        (2, 8, 8, 128)

    Reference: timm/models/maxxvit.py `ConvNeXtBlock`.
    """

    # conv_dw's bias is the block's own variable: Keras' DepthwiseConv2D bias on TensorFlow, channels_first,
    # lands on the width axis when the width equals the channel count.
    timm_mapping = {"conv_dw_bias": ("conv_dw.bias", "identity")}

    def __init__(
        self,
        filters: int,
        strides: int = 1,
        kernel_size: int = 7,
        stride_mode: str = "dw",
        pool_type: str = "avg2",
        output_bias: bool = True,
        expand_ratio: float = 4.0,
        init_values: float | None = 1e-6,
        activation="gelu",
        epsilon: float = 1e-6,
        drop_path_rate: float = 0.0,
        data_format: str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(strides) not in (1, 2):
            raise ValueError(f"`strides` must be 1 or 2, got {strides!r}.")
        if stride_mode not in ("dw", "pool"):
            raise ValueError(f"`stride_mode` must be 'dw' or 'pool', got {stride_mode!r}.")
        self.filters = int(filters)
        self.strides = int(strides)
        self.kernel_size = int(kernel_size)
        self.stride_mode = stride_mode
        self.pool_type = pool_type
        self.output_bias = bool(output_bias)
        self.expand_ratio = float(expand_ratio)
        self.init_values = None if init_values is None else float(init_values)
        self.activation = keras.activations.get(activation)
        self.epsilon = float(epsilon)
        self.drop_path_rate = float(drop_path_rate)
        self.data_format = helpers.standardize_data_format(data_format)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        axis = helpers.channel_axis(self.data_format)
        channels = input_shape[axis]
        if channels is None or self.filters % channels:
            raise ValueError(f"{self.name}: `filters` ({self.filters}) must be a multiple of the input channels ({channels}).")
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: channels})
        sub = dict(data_format=self.data_format, dtype=self.dtype_policy)
        self.shortcut = None
        if self.strides == 2:
            self.shortcut = Downsample2D(self.filters, name="shortcut", **sub)
        elif channels != self.filters:
            self.shortcut = keras.layers.Conv2D(self.filters, 1, use_bias=self.output_bias, name="shortcut", **sub)
        if self.shortcut is not None:
            self.shortcut.build(input_shape)
        stride_dw = self.strides if self.stride_mode == "dw" else 1
        shape = tuple(input_shape)
        self.down = None
        if self.strides == 2 and self.stride_mode == "pool":
            self.down = Downsample2D(channels, pool_type=self.pool_type, name="down", **sub)
            self.down.build(shape)
            shape = self.down.compute_output_shape(shape)
        self.conv_dw_pad = None
        padding = "same"
        if stride_dw > 1:
            # timm pads symmetrically ((s - 1) + (k - 1)) // 2; Keras' "same" pads unevenly at stride 2.
            padding = "valid"
            self.conv_dw_pad = keras.layers.ZeroPadding2D(get_padding(self.kernel_size, stride_dw), name="conv_dw_pad", **sub)
            self.conv_dw_pad.build(shape)
            shape = self.conv_dw_pad.compute_output_shape(shape)
        # timm's conv from C to m*C channels in C groups: output o reads input o // m. Repeating each input
        # channel m times first makes it a plain depthwise conv with timm's (m*C, 1, k, k) weight layout.
        self.dw_repeats = self.filters // channels
        self.conv_dw = keras.layers.DepthwiseConv2D(
            self.kernel_size, strides=stride_dw, padding=padding, use_bias=False, name="conv_dw", **sub,
        )
        self.conv_dw_bias = None
        if self.output_bias:
            self.conv_dw_bias = self.add_weight(name="conv_dw_bias", shape=(self.filters,), initializer="zeros")
        shape = list(shape)
        shape[axis] = self.filters
        self.conv_dw.build(tuple(shape))
        shape = self.conv_dw.compute_output_shape(shape)
        self.norm = LayerNorm2D(self.epsilon, name="norm", **sub)
        self.norm.build(shape)
        self.mlp_fc1 = keras.layers.Conv2D(
            int(self.expand_ratio * self.filters), 1, use_bias=self.output_bias, name="mlp__fc1", **sub
        )
        self.mlp_fc1.build(shape)
        self.mlp_fc2 = keras.layers.Conv2D(self.filters, 1, use_bias=self.output_bias, name="mlp__fc2", **sub)
        self.mlp_fc2.build(self.mlp_fc1.compute_output_shape(shape))
        self.ls = None
        if self.init_values:
            self.ls = LayerScale2D(self.init_values, name="ls", **sub)
            self.ls.build(shape)
        self.drop_path = DropPath(self.drop_path_rate, name="drop_path", dtype=self.dtype_policy)

    def call(self, inputs, training=None):
        shortcut = inputs
        if self.shortcut is not None:
            shortcut = backend_ops.call_layer(self.shortcut, inputs) if isinstance(
                self.shortcut, keras.layers.Conv2D) else self.shortcut(inputs)
        x = inputs if self.down is None else self.down(inputs)
        if self.conv_dw_pad is not None:
            x = backend_ops.call_layer(self.conv_dw_pad, x)
        if self.dw_repeats > 1:
            x = ops.repeat(x, self.dw_repeats, axis=helpers.channel_axis(self.data_format))
        x = backend_ops.call_layer(self.conv_dw, x)
        if self.conv_dw_bias is not None:
            bias = ops.cast(self.conv_dw_bias, x.dtype)
            if self.data_format == "channels_first":
                bias = ops.reshape(bias, (-1, 1, 1))
            x = bias + x
        x = self.norm(x)
        x = self.activation(backend_ops.call_layer(self.mlp_fc1, x))
        x = backend_ops.call_layer(self.mlp_fc2, x)
        if self.ls is not None:
            x = self.ls(x)
        return backend_ops.call_layer(self.drop_path, x, training) + shortcut

    def compute_output_shape(self, input_shape):
        return _block_output_shape(input_shape, self.filters, self.strides, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "strides": self.strides,
                "kernel_size": self.kernel_size,
                "stride_mode": self.stride_mode,
                "pool_type": self.pool_type,
                "output_bias": self.output_bias,
                "expand_ratio": self.expand_ratio,
                "init_values": self.init_values,
                "activation": keras.activations.serialize(self.activation),
                "epsilon": self.epsilon,
                "drop_path_rate": self.drop_path_rate,
                "data_format": self.data_format,
            }
        )
        return config


@dataclass(frozen=True)
class ConvConfig:
    """timm's `MaxxVitConvCfg`: the conv blocks (`"mbconv"`, batch norm, or `"convnext"`, layer norm)
    and the stem's norm; the defaults are timm's for MBConv."""

    block_type: str = "mbconv"
    expand_ratio: float = 4.0
    expand_output: bool = True
    kernel_size: int = 3
    group_size: int = 1
    pre_norm_act: bool = False
    output_bias: bool = True
    stride_mode: str = "dw"
    pool_type: str = "avg2"
    downsample_pool_type: str = "avg2"  # timm's `downsample_pool_type or pool_type`: "avg2" unless set
    padding: str = ""
    attn_early: bool = False
    attn_act: str = "silu"
    attn_ratio: float = 0.25
    init_values: float | None = 1e-6  # ConvNeXt blocks only
    act: str = "gelu"
    norm_layer: str = "batchnorm2d"
    norm_epsilon: float = 1e-5


@dataclass(frozen=True)
class TransformerConfig:
    """timm's `MaxxVitTransformerCfg`, for the ported cases: `TransformerBlock2D` with
    `expand_first=False`, `head_first=True`; the partition attention (`window_size` None: the image
    size // `partition_ratio`)."""

    dim_head: int = 32
    head_first: bool = True
    expand_ratio: float = 4.0
    shortcut_bias: bool = True
    attn_bias: bool = True
    pool_type: str = "avg2"
    rel_pos_type: str = "bias"
    rel_pos_dim: int = 512
    partition_ratio: int = 32
    window_size: tuple[int, int] | None = None
    no_block_attn: bool = False
    init_values: float | None = None
    act: str = "gelu"
    norm_layer: str = "layernorm2d"
    norm_epsilon: float = 1e-6


@dataclass(frozen=True)
class MaxxVitConfig:
    """One variant, as timm's `MaxxVitCfg`: per stage `C` (conv), `T` (transformer) or `M` (MaxViT:
    conv, block attention, grid attention) blocks."""

    embed_dim: tuple[int, ...]
    depths: tuple[int, ...]
    block_type: tuple[str, ...] = ("C", "C", "T", "T")
    stem_width: int | tuple[int, int] = (32, 64)
    stem_bias: bool = False
    conv: ConvConfig = field(default_factory=ConvConfig)
    transformer: TransformerConfig = field(default_factory=TransformerConfig)
    head_hidden_size: int | None = None


CoAtNetConfig = MaxxVitConfig  # the name before MaxViT was ported


def _rw_coat_cfg(
    stride_mode: str = "pool",
    pool_type: str = "avg2",
    conv_output_bias: bool = False,
    conv_attn_early: bool = False,
    conv_attn_act_layer: str = "relu",
    transformer_shortcut_bias: bool = True,
    transformer_norm_layer: str = "layernorm2d",
    init_values: float | None = None,
    rel_pos_type: str = "bias",
    rel_pos_dim: int = 512,
) -> dict:
    """timm's `_rw_coat_cfg`."""
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
            shortcut_bias=transformer_shortcut_bias,
            pool_type=pool_type,
            init_values=init_values,
            norm_layer=transformer_norm_layer,
            rel_pos_type=rel_pos_type,
            rel_pos_dim=rel_pos_dim,
        ),
    )


def _rw_max_cfg(
    stride_mode: str = "dw",
    pool_type: str = "avg2",
    conv_output_bias: bool = False,
    conv_attn_ratio: float = 1 / 16,
    window_size: tuple[int, int] | None = None,
    dim_head: int = 32,
    init_values: float | None = None,
    rel_pos_type: str = "bias",
    rel_pos_dim: int = 512,
) -> dict:
    """timm's `_rw_max_cfg`."""
    return dict(
        conv=ConvConfig(
            stride_mode=stride_mode,
            pool_type=pool_type,
            expand_output=False,
            output_bias=conv_output_bias,
            attn_ratio=conv_attn_ratio,
            act="silu",
        ),
        transformer=TransformerConfig(
            pool_type=pool_type,
            dim_head=dim_head,
            window_size=window_size,
            init_values=init_values,
            rel_pos_type=rel_pos_type,
            rel_pos_dim=rel_pos_dim,
        ),
    )


def _next_cfg(
    stride_mode: str = "dw",
    pool_type: str = "avg2",
    window_size: tuple[int, int] | None = None,
    no_block_attn: bool = False,
    init_values=1e-6,
    rel_pos_type: str = "mlp",
    rel_pos_dim: int = 512,
) -> dict:
    """timm's `_next_cfg` (ConvNeXt conv blocks, layer norms everywhere)."""
    init_values = init_values if isinstance(init_values, tuple) else (init_values, init_values)
    return dict(
        conv=ConvConfig(
            block_type="convnext",
            stride_mode=stride_mode,
            pool_type=pool_type,
            expand_output=False,
            init_values=init_values[0],
            norm_layer="layernorm2d",
            norm_epsilon=1e-6,
        ),
        transformer=TransformerConfig(
            pool_type=pool_type,
            window_size=window_size,
            no_block_attn=no_block_attn,
            init_values=init_values[1],
            rel_pos_type=rel_pos_type,
            rel_pos_dim=rel_pos_dim,
        ),
    )


def _tf_cfg() -> dict:
    """timm's `_tf_cfg`: the TensorFlow MaxViT weights (TF SAME padding, batch norm eps 1e-3, tanh
    GELU, `[q|k|v][head]` qkv order, `RelPosBiasTf`)."""
    return dict(
        conv=ConvConfig(norm_epsilon=1e-3, act="gelu_tanh", padding="same"),
        transformer=TransformerConfig(
            norm_epsilon=1e-5, act="gelu_tanh", head_first=False, rel_pos_type="bias_tf"
        ),
    )


_M4 = ("M",) * 4

# timm's `model_cfgs`, by timm's config name (an architecture name without its image size).
_timm_cfgs: dict[str, MaxxVitConfig] = {
    "coatnet_pico_rw": MaxxVitConfig(
        embed_dim=(64, 128, 256, 512), depths=(2, 3, 5, 2),
        **_rw_max_cfg(conv_output_bias=True, conv_attn_ratio=0.25),
    ),
    "coatnet_nano_rw": MaxxVitConfig(
        embed_dim=(64, 128, 256, 512), depths=(3, 4, 6, 3),
        **_rw_max_cfg(stride_mode="pool", conv_output_bias=True, conv_attn_ratio=0.25),
    ),
    "coatnet_0_rw": MaxxVitConfig(
        embed_dim=(96, 192, 384, 768), depths=(2, 3, 7, 2),
        **_rw_coat_cfg(conv_attn_early=True, transformer_shortcut_bias=False),
    ),
    "coatnet_1_rw": MaxxVitConfig(
        embed_dim=(96, 192, 384, 768), depths=(2, 6, 14, 2),
        **_rw_coat_cfg(stride_mode="dw", conv_attn_early=True, transformer_shortcut_bias=False),
    ),
    "coatnet_2_rw": MaxxVitConfig(
        embed_dim=(128, 256, 512, 1024), depths=(2, 6, 14, 2), stem_width=(64, 128),
        **_rw_coat_cfg(stride_mode="dw", conv_attn_act_layer="silu"),
    ),
    "coatnet_3_rw": MaxxVitConfig(
        embed_dim=(192, 384, 768, 1536), depths=(2, 6, 14, 2), stem_width=(96, 192),
        **_rw_coat_cfg(stride_mode="dw", conv_attn_act_layer="silu", init_values=1e-6),
    ),
    "coatnet_bn_0_rw": MaxxVitConfig(
        embed_dim=(96, 192, 384, 768), depths=(2, 3, 7, 2),
        **_rw_coat_cfg(
            stride_mode="dw", conv_attn_early=True, transformer_shortcut_bias=False,
            transformer_norm_layer="batchnorm2d",
        ),
    ),
    "coatnet_rmlp_nano_rw": MaxxVitConfig(
        embed_dim=(64, 128, 256, 512), depths=(3, 4, 6, 3),
        **_rw_max_cfg(conv_output_bias=True, conv_attn_ratio=0.25, rel_pos_type="mlp", rel_pos_dim=384),
    ),
    "coatnet_rmlp_1_rw": MaxxVitConfig(
        embed_dim=(96, 192, 384, 768), depths=(2, 6, 14, 2),
        **_rw_coat_cfg(
            pool_type="max", conv_attn_early=True, transformer_shortcut_bias=False,
            rel_pos_type="mlp", rel_pos_dim=384,
        ),
    ),
    "coatnet_rmlp_1_rw2": MaxxVitConfig(
        embed_dim=(96, 192, 384, 768), depths=(2, 6, 14, 2),
        **_rw_coat_cfg(stride_mode="dw", rel_pos_type="mlp", rel_pos_dim=512),
    ),
    "coatnet_rmlp_2_rw": MaxxVitConfig(
        embed_dim=(128, 256, 512, 1024), depths=(2, 6, 14, 2), stem_width=(64, 128),
        **_rw_coat_cfg(stride_mode="dw", conv_attn_act_layer="silu", init_values=1e-6, rel_pos_type="mlp"),
    ),
    "coatnext_nano_rw": MaxxVitConfig(
        embed_dim=(64, 128, 256, 512), depths=(3, 4, 6, 3),
        **_next_cfg(rel_pos_type="bias", init_values=(1e-5, None)),
    ),
    "maxvit_nano_rw": MaxxVitConfig(
        embed_dim=(64, 128, 256, 512), depths=(1, 2, 3, 1), block_type=_M4, **_rw_max_cfg(),
    ),
    "maxvit_tiny_rw": MaxxVitConfig(
        embed_dim=(64, 128, 256, 512), depths=(2, 2, 5, 2), block_type=_M4, **_rw_max_cfg(),
    ),
    "maxvit_rmlp_pico_rw": MaxxVitConfig(
        embed_dim=(32, 64, 128, 256), depths=(2, 2, 5, 2), block_type=_M4, stem_width=(24, 32),
        **_rw_max_cfg(rel_pos_type="mlp"),
    ),
    "maxvit_rmlp_nano_rw": MaxxVitConfig(
        embed_dim=(64, 128, 256, 512), depths=(1, 2, 3, 1), block_type=_M4, **_rw_max_cfg(rel_pos_type="mlp"),
    ),
    "maxvit_rmlp_tiny_rw": MaxxVitConfig(
        embed_dim=(64, 128, 256, 512), depths=(2, 2, 5, 2), block_type=_M4, **_rw_max_cfg(rel_pos_type="mlp"),
    ),
    "maxvit_rmlp_small_rw": MaxxVitConfig(
        embed_dim=(96, 192, 384, 768), depths=(2, 2, 5, 2), block_type=_M4,
        **_rw_max_cfg(rel_pos_type="mlp", init_values=1e-6),
    ),
    "maxvit_rmlp_base_rw": MaxxVitConfig(
        embed_dim=(96, 192, 384, 768), depths=(2, 6, 14, 2), block_type=_M4, head_hidden_size=768,
        **_rw_max_cfg(rel_pos_type="mlp"),
    ),
    "maxxvit_rmlp_nano_rw": MaxxVitConfig(
        embed_dim=(64, 128, 256, 512), depths=(1, 2, 3, 1), block_type=_M4, **_next_cfg(),
    ),
    "maxxvit_rmlp_small_rw": MaxxVitConfig(
        embed_dim=(96, 192, 384, 768), depths=(2, 2, 5, 2), block_type=_M4, stem_width=(48, 96), **_next_cfg(),
    ),
    "maxxvitv2_nano_rw": MaxxVitConfig(
        embed_dim=(96, 192, 384, 768), depths=(1, 2, 3, 1), block_type=_M4, stem_width=(48, 96),
        **_next_cfg(no_block_attn=True, rel_pos_type="bias"),
    ),
    "maxxvitv2_rmlp_base_rw": MaxxVitConfig(
        embed_dim=(128, 256, 512, 1024), depths=(2, 6, 12, 2), block_type=_M4, stem_width=(64, 128),
        **_next_cfg(no_block_attn=True),
    ),
    "maxvit_tiny_tf": MaxxVitConfig(
        embed_dim=(64, 128, 256, 512), depths=(2, 2, 5, 2), block_type=_M4, stem_width=64, stem_bias=True,
        head_hidden_size=512, **_tf_cfg(),
    ),
    "maxvit_small_tf": MaxxVitConfig(
        embed_dim=(96, 192, 384, 768), depths=(2, 2, 5, 2), block_type=_M4, stem_width=64, stem_bias=True,
        head_hidden_size=768, **_tf_cfg(),
    ),
    "maxvit_base_tf": MaxxVitConfig(
        embed_dim=(96, 192, 384, 768), depths=(2, 6, 14, 2), block_type=_M4, stem_width=64, stem_bias=True,
        head_hidden_size=768, **_tf_cfg(),
    ),
    "maxvit_large_tf": MaxxVitConfig(
        embed_dim=(128, 256, 512, 1024), depths=(2, 6, 14, 2), block_type=_M4, stem_width=128, stem_bias=True,
        head_hidden_size=1024, **_tf_cfg(),
    ),
    "maxvit_xlarge_tf": MaxxVitConfig(
        embed_dim=(192, 384, 768, 1536), depths=(2, 6, 14, 2), block_type=_M4, stem_width=192, stem_bias=True,
        head_hidden_size=1536, **_tf_cfg(),
    ),
}

# The registered architectures (timm's names: config name + default image size).
ARCHITECTURES = (
    "coatnet_pico_rw_224", "coatnet_nano_rw_224", "coatnet_0_rw_224", "coatnet_1_rw_224",
    "coatnet_2_rw_224", "coatnet_3_rw_224",
    "coatnet_bn_0_rw_224", "coatnet_rmlp_nano_rw_224", "coatnet_rmlp_1_rw_224", "coatnet_rmlp_1_rw2_224",
    "coatnet_rmlp_2_rw_224", "coatnet_rmlp_2_rw_384", "coatnext_nano_rw_224",
    "maxvit_nano_rw_256", "maxvit_tiny_rw_224", "maxvit_rmlp_pico_rw_256", "maxvit_rmlp_nano_rw_256",
    "maxvit_rmlp_tiny_rw_256", "maxvit_rmlp_small_rw_224",
    "maxvit_rmlp_base_rw_224", "maxvit_rmlp_base_rw_384",
    "maxxvit_rmlp_nano_rw_256", "maxxvit_rmlp_small_rw_256",
    "maxxvitv2_nano_rw_256", "maxxvitv2_rmlp_base_rw_224", "maxxvitv2_rmlp_base_rw_384",
    "maxvit_tiny_tf_224", "maxvit_tiny_tf_384", "maxvit_tiny_tf_512",
    "maxvit_small_tf_224", "maxvit_small_tf_384", "maxvit_small_tf_512",
    "maxvit_base_tf_224", "maxvit_base_tf_384", "maxvit_base_tf_512",
    "maxvit_large_tf_224", "maxvit_large_tf_384", "maxvit_large_tf_512",
    "maxvit_xlarge_tf_224", "maxvit_xlarge_tf_384", "maxvit_xlarge_tf_512",
)

# architecture -> its config, as timm's `_create_maxxvit` (the name without its last `_size` part).
model_cfgs: dict[str, MaxxVitConfig] = {name: _timm_cfgs[name.rsplit("_", 1)[0]] for name in ARCHITECTURES}


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
        padding=cfg.padding,
        pool_type=cfg.pool_type,
        downsample_pool_type=cfg.downsample_pool_type,
        attn_early=cfg.attn_early,
        se_ratio=cfg.attn_ratio,
        se_activation=get_act(cfg.attn_act),
        activation=get_act(cfg.act),
        epsilon=cfg.norm_epsilon,
        **kwargs,
    )


def convnext_block(filters: int, cfg: ConvConfig, *, strides: int = 1, **kwargs) -> MaxxVitConvNeXtBlock:
    """timm's `maxxvit.ConvNeXtBlock(in_chs, filters, stride=stride, cfg=cfg)` as a Keras layer."""
    return MaxxVitConvNeXtBlock(
        filters,
        strides=strides,
        stride_mode=cfg.stride_mode,
        pool_type=cfg.downsample_pool_type,
        output_bias=cfg.output_bias,
        expand_ratio=cfg.expand_ratio,
        init_values=cfg.init_values,
        activation=get_act(cfg.act),
        epsilon=cfg.norm_epsilon,
        **kwargs,
    )


def conv_block(filters: int, cfg: ConvConfig, **kwargs) -> keras.layers.Layer:
    """The conv block of `cfg.block_type` (timm's `MaxxVitStage` / `MaxxVitBlock` choice)."""
    return (convnext_block if cfg.block_type == "convnext" else mbconv_block)(filters, cfg, **kwargs)


def transformer_block(
    filters: int, window_size, cfg: TransformerConfig, *, strides: int = 1, **kwargs
) -> TransformerBlock2D:
    """timm's `TransformerBlock2d(dim, filters, stride, rel_pos_cls=get_rel_pos_cls(cfg, window_size),
    cfg=cfg)` as a Keras layer; `window_size` is the block's output feature size."""
    return TransformerBlock2D(
        filters,
        window_size=window_size,
        strides=strides,
        dim_head=cfg.dim_head,
        expand_ratio=cfg.expand_ratio,
        attn_bias=cfg.attn_bias,
        shortcut_bias=cfg.shortcut_bias,
        init_values=cfg.init_values,
        activation=get_act(cfg.act),
        epsilon=cfg.norm_epsilon,
        norm_layer=cfg.norm_layer,
        rel_pos_type=cfg.rel_pos_type,
        rel_pos_dim=cfg.rel_pos_dim,
        pool_type=cfg.pool_type,
        **kwargs,
    )


def partition_attention(
    partition_type: str, partition_size, cfg: TransformerConfig, **kwargs
) -> PartitionAttentionCl:
    """timm's `PartitionAttentionCl(dim, partition_type, cfg=cfg)` as a Keras layer."""
    return PartitionAttentionCl(
        partition_type,
        partition_size,
        dim_head=cfg.dim_head,
        expand_ratio=cfg.expand_ratio,
        use_bias=cfg.attn_bias,
        head_first=cfg.head_first,
        rel_pos_type=cfg.rel_pos_type,
        rel_pos_dim=cfg.rel_pos_dim,
        init_values=cfg.init_values,
        activation=get_act(cfg.act),
        epsilon=cfg.norm_epsilon,
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
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights-maxx/coatnet_1_rw_224_sw-5cae1ea8.pth"
    ),
    "coatnet_2_rw_224.sw_in12k_ft_in1k": _cfg(
        hf_hub_id="timm/"),
    "coatnet_rmlp_1_rw2_224.sw_in12k_ft_in1k": _cfg(
        hf_hub_id="timm/"),
    "coatnet_rmlp_2_rw_224.sw_in12k_ft_in1k": _cfg(
        hf_hub_id="timm/"),
    "coatnet_rmlp_2_rw_384.sw_in12k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "coatnet_bn_0_rw_224.sw_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights-maxx/coatnet_bn_0_rw_224_sw-c228e218.pth",
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD,
        crop_pct=0.95),
    "coatnet_rmlp_nano_rw_224.sw_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights-maxx/coatnet_rmlp_nano_rw_224_sw-bd1d51b3.pth",
        crop_pct=0.9),
    "coatnet_rmlp_1_rw_224.sw_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights-maxx/coatnet_rmlp_1_rw_224_sw-9051e6c3.pth"),
    "coatnet_rmlp_2_rw_224.sw_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights-maxx/coatnet_rmlp_2_rw_224_sw-5ccfac55.pth"),
    "coatnext_nano_rw_224.sw_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights-maxx/coatnext_nano_rw_224_ad-22cb71c2.pth",
        crop_pct=0.9),
    "coatnet_2_rw_224.sw_in12k": _cfg(
        hf_hub_id="timm/",
        num_classes=11821),
    "coatnet_3_rw_224.sw_in12k": _cfg(
        hf_hub_id="timm/",
        num_classes=11821),
    "coatnet_rmlp_1_rw2_224.sw_in12k": _cfg(
        hf_hub_id="timm/",
        num_classes=11821),
    "coatnet_rmlp_2_rw_224.sw_in12k": _cfg(
        hf_hub_id="timm/",
        num_classes=11821),
    "maxvit_nano_rw_256.sw_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights-maxx/maxvit_nano_rw_256_sw-fb127241.pth",
        input_size=(3, 256, 256), pool_size=(8, 8)),
    "maxvit_tiny_rw_224.sw_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights-maxx/maxvit_tiny_rw_224_sw-7d0dffeb.pth"),
    "maxvit_rmlp_pico_rw_256.sw_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights-maxx/maxvit_rmlp_pico_rw_256_sw-8d82f2c6.pth",
        input_size=(3, 256, 256), pool_size=(8, 8)),
    "maxvit_rmlp_nano_rw_256.sw_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights-maxx/maxvit_rmlp_nano_rw_256_sw-c17bb0d6.pth",
        input_size=(3, 256, 256), pool_size=(8, 8)),
    "maxvit_rmlp_tiny_rw_256.sw_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights-maxx/maxvit_rmlp_tiny_rw_256_sw-bbef0ff5.pth",
        input_size=(3, 256, 256), pool_size=(8, 8)),
    "maxvit_rmlp_small_rw_224.sw_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights-maxx/maxvit_rmlp_small_rw_224_sw-6ef0ae4f.pth",
        crop_pct=0.9,
    ),
    "maxvit_rmlp_base_rw_224.sw_in12k_ft_in1k": _cfg(
        hf_hub_id="timm/",
    ),
    "maxvit_rmlp_base_rw_384.sw_in12k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "maxvit_rmlp_base_rw_224.sw_in12k": _cfg(
        hf_hub_id="timm/",
        num_classes=11821,
    ),
    "maxxvit_rmlp_nano_rw_256.sw_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights-maxx/maxxvit_rmlp_nano_rw_256_sw-0325d459.pth",
        input_size=(3, 256, 256), pool_size=(8, 8)),
    "maxxvit_rmlp_small_rw_256.sw_in1k": _cfg(
        hf_hub_id="timm/",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights-maxx/maxxvit_rmlp_small_rw_256_sw-37e217ff.pth",
        input_size=(3, 256, 256), pool_size=(8, 8)),
    "maxxvitv2_nano_rw_256.sw_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 256, 256), pool_size=(8, 8)),
    "maxxvitv2_rmlp_base_rw_224.sw_in12k_ft_in1k": _cfg(
        hf_hub_id="timm/"),
    "maxxvitv2_rmlp_base_rw_384.sw_in12k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "maxxvitv2_rmlp_base_rw_224.sw_in12k": _cfg(
        hf_hub_id="timm/",
        num_classes=11821),
    "maxvit_tiny_tf_224.in1k": _cfg(
        hf_hub_id="timm/",
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD),
    "maxvit_tiny_tf_384.in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "maxvit_tiny_tf_512.in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 512, 512), pool_size=(16, 16), crop_pct=1.0, crop_mode="squash"),
    "maxvit_small_tf_224.in1k": _cfg(
        hf_hub_id="timm/",
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD),
    "maxvit_small_tf_384.in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "maxvit_small_tf_512.in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 512, 512), pool_size=(16, 16), crop_pct=1.0, crop_mode="squash"),
    "maxvit_base_tf_224.in1k": _cfg(
        hf_hub_id="timm/",
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD),
    "maxvit_base_tf_384.in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "maxvit_base_tf_512.in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 512, 512), pool_size=(16, 16), crop_pct=1.0, crop_mode="squash"),
    "maxvit_large_tf_224.in1k": _cfg(
        hf_hub_id="timm/",
        mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD),
    "maxvit_large_tf_384.in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "maxvit_large_tf_512.in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 512, 512), pool_size=(16, 16), crop_pct=1.0, crop_mode="squash"),
    "maxvit_base_tf_224.in21k": _cfg(
        hf_hub_id="timm/",
        num_classes=21843),
    "maxvit_base_tf_384.in21k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "maxvit_base_tf_512.in21k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 512, 512), pool_size=(16, 16), crop_pct=1.0, crop_mode="squash"),
    "maxvit_large_tf_224.in21k": _cfg(
        hf_hub_id="timm/",
        num_classes=21843),
    "maxvit_large_tf_384.in21k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "maxvit_large_tf_512.in21k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 512, 512), crop_pct=1.0, crop_mode="squash"),
    "maxvit_xlarge_tf_224.in21k": _cfg(
        hf_hub_id="timm/",
        num_classes=21843),
    "maxvit_xlarge_tf_384.in21k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "maxvit_xlarge_tf_512.in21k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 512, 512), pool_size=(16, 16), crop_pct=1.0, crop_mode="squash"),
})

REL_POS_TABLE = "relative_position_bias_table"


def _image_size(img_size: tuple[int, int]) -> tuple[int, int]:
    size = img_size
    if any(s < 32 or s % 32 for s in size):
        # timm sizes each stage's relative-position window as ceil(n / 2) per stage but pools to
        # floor(n / 2): only multiples of 32 give windows that fit the feature maps (timm fails too).
        raise ValueError(f"`img_size` must be a multiple of 32 in each dimension, got {img_size!r}.")
    return size


def _stem(inputs, cfg: MaxxVitConfig, fmt: dict):
    """timm's `Stem`: a 3x3 stride-2 conv, a norm with the conv activation, a 3x3 conv."""
    conv_cfg = cfg.conv
    widths = cfg.stem_width if isinstance(cfg.stem_width, tuple) else (cfg.stem_width,) * 2
    conv = dict(use_bias=cfg.stem_bias, kernel_initializer=kaiming_normal_fan_out(), **fmt)
    x = inputs
    if conv_cfg.padding == "same":
        # TF SAME: Keras' "same" at stride 2 pads the extra pixel at the end, as TensorFlow.
        x = keras.layers.Conv2D(widths[0], 3, strides=2, padding="same", name="stem__conv1", **conv)(x)
    else:
        # timm's symmetric padding 1 (not Keras' "same", which pads only at the end at stride 2).
        x = keras.layers.ZeroPadding2D(1, name="stem__conv1_pad", **fmt)(x)
        x = keras.layers.Conv2D(widths[0], 3, strides=2, name="stem__conv1", **conv)(x)
    act = get_act(conv_cfg.act)
    if conv_cfg.norm_layer == "batchnorm2d":
        x = BatchNormAct2D(epsilon=conv_cfg.norm_epsilon, activation=act, name="stem__norm1", **fmt)(x)
    else:  # timm's LayerNormAct2d
        x = LayerNorm2D(conv_cfg.norm_epsilon, name="stem__norm1", **fmt)(x)
        x = keras.layers.Activation(act, name="stem__norm1_act")(x)
    x = keras.layers.Conv2D(widths[1], 3, padding="same", name="stem__conv2", **conv)(x)
    return x, widths[1]


def _create_maxxvit(variant: str, args: BuildArgs) -> ModelGraph:
    """timm's `variant` (a key of `model_cfgs`): NHWC images of `img_size` (the default pretrained
    size; relative-position windows and partitions depend on it) in, logits out (pooled features when
    `num_classes=0`). The feature maps are the stem's and the stages' outputs, as timm's."""
    cfg = model_cfgs[variant]
    height, width = _image_size(args.img_size)
    fmt = dict(data_format="channels_last")
    conv_cfg, tf_cfg = cfg.conv, cfg.transformer
    partition_size = tf_cfg.window_size or (height // tf_cfg.partition_ratio, width // tf_cfg.partition_ratio)

    inputs = model_input(args.in_chans, (height, width))
    x, stem_out = _stem(inputs, cfg, fmt)
    features = [FeatureMap(x, stem_out, 2, "stem")]

    feat_size = (height // 2, width // 2)
    rates = calculate_drop_path_rates(args.drop_path_rate, cfg.depths, stagewise=True)
    for stage_idx, (filters, depth, block_type) in enumerate(zip(cfg.embed_dim, cfg.depths, cfg.block_type)):
        feat_size = tuple((r - 1) // 2 + 1 for r in feat_size)
        for block_idx in range(depth):
            name = f"stages__{stage_idx}__blocks__{block_idx}"
            common = dict(drop_path_rate=rates[stage_idx][block_idx], **fmt)
            strides = 2 if block_idx == 0 else 1
            if block_type == "C":
                x = conv_block(filters, conv_cfg, strides=strides, name=name, **common)(x)
            elif block_type == "T":
                x = transformer_block(filters, feat_size, tf_cfg, strides=strides, name=name, **common)(x)
            elif block_type == "M":
                # timm's MaxxVitBlock: conv, block attention (unless no_block_attn), grid attention.
                x = conv_block(filters, conv_cfg, strides=strides, name=f"{name}__conv", **common)(x)
                if not tf_cfg.no_block_attn:
                    x = partition_attention("block", partition_size, tf_cfg, name=f"{name}__attn_block", **common)(x)
                x = partition_attention("grid", partition_size, tf_cfg, name=f"{name}__attn_grid", **common)(x)
            else:
                raise ValueError(f"{variant}: block type {block_type!r} is not ported (only 'C', 'T' and 'M').")
        features.append(FeatureMap(x, filters, 2 ** (stage_idx + 2), f"stages.{stage_idx}"))

    if cfg.head_hidden_size:
        # timm's NormMlpClassifierHead: pool, norm (on the pooled (N, C, 1, 1): the same as on (N, C)),
        # Linear + tanh pre-logits, Linear.
        x = keras.layers.GlobalAveragePooling2D(name="head__global_pool", **fmt)(x)
        x = keras.layers.LayerNormalization(epsilon=tf_cfg.norm_epsilon, name="head__norm")(x)
        x = keras.layers.Dense(cfg.head_hidden_size, name="head__pre_logits__fc")(x)
        x = keras.layers.Activation("tanh", name="head__pre_logits__act")(x)
    else:
        x = norm2d(tf_cfg.norm_layer, tf_cfg.norm_epsilon, name="norm", **fmt)(x)
        # timm's ClassifierHead: average pool, flatten, Linear.
        x = keras.layers.GlobalAveragePooling2D(name="head__global_pool", **fmt)(x)
    if args.num_classes:
        x = keras.layers.Dense(args.num_classes, name="head__fc")(x)
    return ModelGraph(inputs, x, features)


def _rel_pos_tables(model: keras.Model) -> dict[str, keras.layers.Layer]:
    """timm module path -> the model's `RelPosBias` / `RelPosBiasTf` layers (those with a table)."""
    found = {}

    def walk(layer, prefix):
        for sub in layer._flatten_layers(include_self=False, recursive=False):
            path = f"{prefix}.{sub.name.replace('__', '.')}" if prefix else sub.name.replace("__", ".")
            if isinstance(sub, (RelPosBias, RelPosBiasTf)):
                found[path] = sub
            walk(sub, path)

    walk(model, "")
    return found


def checkpoint_filter_fn(state: Mapping[str, np.ndarray], model: keras.Model) -> dict[str, np.ndarray]:
    """timm's `maxxvit.checkpoint_filter_fn`: relative-position tables (flat `RelPosBias` and TF
    `RelPosBiasTf` ones) resized (`resize_rel_pos_bias_table`) when the model's window differs
    (another `img_size`) or is not square, and a tensor with the model's number of entries but
    another rank (conv vs linear) reshaped to the model's."""
    expected = timm_shapes(model)
    tables = None
    out = dict(state)  # tensors pass through untouched (any array type the loader reads) unless adapted
    for key, value in state.items():
        if key not in expected:
            continue
        shape = tuple(value.shape)
        if key.endswith(REL_POS_TABLE):
            if tables is None:
                tables = _rel_pos_tables(model)
            window = tables[key[: -len("." + REL_POS_TABLE)]].window_size
            if shape != expected[key] or window[0] != window[1]:
                out[key] = resize_rel_pos_bias_table(np.asarray(value), window, expected[key])
        elif len(shape) != len(expected[key]) and math.prod(shape) == math.prod(expected[key]):
            out[key] = np.asarray(value).reshape(expected[key])
    return out


register_family(model_cfgs, _create_maxxvit, default_cfgs, checkpoint_filter_fn, feature_out_indices=(0, 1, 2, 3, 4))
