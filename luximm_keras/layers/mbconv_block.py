"""The pre-norm inverted-bottleneck (MBConv) block of CoAtNet / MaxViT's convolutional stages.

Reference: timm/models/maxxvit.py `MbConvBlock`
"""

from __future__ import annotations

import keras

from luximm_keras._serializable import serializable
from luximm_keras.initializers import kaiming_normal_fan_out
from luximm_keras.layers import fused, helpers
from luximm_keras.layers.batch_norm_act_2d import BatchNormAct2D
from luximm_keras.layers.downsample_2d import POOL_TYPES, Downsample2D
from luximm_keras.layers.drop_path import DropPath
from luximm_keras.layers.squeeze_excite import SqueezeExcite

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
        drop_path: stochastic-depth rate of the residual branch.
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
        drop_path: float = 0.0,
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
        self.drop_path_rate = float(drop_path)
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
        mid = helpers.se_make_divisible((self.filters if self.expand_output else channels) * self.expand_ratio)
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
        pad = helpers.timm_symmetric_padding(self.kernel_size, stride_2)
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
        x = self.norm1(self.conv1_1x1(x), training=training)
        if self.conv2_kxk_pad is not None:
            x = self.conv2_kxk_pad(x)
        x = self.conv2_kxk(x)
        if self.se_early is not None:
            x = self.se_early(x)
        x = self.norm2(x, training=training)
        if self.se is not None:
            x = self.se(x)
        x = self.conv3_1x1(x)
        return fused.dropout(self.drop_path, x, training) + shortcut

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
                "drop_path": self.drop_path_rate,
                "data_format": self.data_format,
            }
        )
        return config
