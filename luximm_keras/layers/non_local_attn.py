"""Bilinear attention transform (BAT) non-local attention, as timm's `bat` attention layer.

Reference: timm/layers/non_local_attn.py (`BilinearAttnTransform`, `BatNonLocalAttn`)
"""

from __future__ import annotations

import keras
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.layers import helpers
from luximm_keras.layers.norm_act import BatchNormAct2D


@serializable
class BatNonLocalAttn(keras.layers.Layer):
    """`x + dropout(conv2(ba(conv1(x))))`: a 1x1 ConvNormAct to `rd_channels`, timm's
    `BilinearAttnTransform` (`ba`), a 1x1 ConvNormAct back, a channel dropout, the residual sum.

    `ba` computes, per group of channels, a row mixing `p` and a column mixing `q` (each `block_size x
    block_size`, from 1x1 ConvNormAct `ba__conv1` to `groups` channels, block-wise max pools, the
    convs `ba__conv_p` (kernel `block_size x 1`) and `ba__conv_q` (`1 x block_size`), a sigmoid,
    normalized to sum to one), widens them to the map by `kron(., I)` and returns
    `ba__conv2(p @ x @ q)`. Height and width must be multiples of `block_size`. Channels-last only.

    Sublayers carry timm's module names with `__` for `.` (`conv1__conv`, `conv1__bn`,
    `ba__conv1__conv`, `ba__conv_p`, ...), so timm's keys load as they are. Its ConvNormActs are
    batch norm and ReLU (timm's defaults: the model's activation does not reach them).

    Args:
        block_size: the side of the mixing matrices (timm's 7; bat_resnext26ts: 8).
        groups: channel groups with their own mixing (2).
        rd_ratio: the reduced width as a fraction of the input's (`make_divisible(.., rd_divisor)`).
        rd_channels: the reduced width, overriding `rd_ratio`.
        rd_divisor: see `rd_ratio` (8).
        drop_rate: the channel (`Dropout2d`) dropout rate in training (0.2).
        activation: the ConvNormActs' activation ("relu").

    Example:
        >>> BatNonLocalAttn(block_size=4)(keras.ops.ones((2, 8, 8, 64))).shape
        (2, 8, 8, 64)

    Reference: timm/layers/non_local_attn.py `BatNonLocalAttn`.
    """

    def __init__(
        self,
        block_size: int = 7,
        groups: int = 2,
        rd_ratio: float = 0.25,
        rd_channels: int | None = None,
        rd_divisor: int = 8,
        drop_rate: float = 0.2,
        activation="relu",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(block_size) < 1 or int(groups) < 1:
            raise ValueError(f"`block_size` and `groups` must be positive, got {block_size!r}, {groups!r}.")
        self.block_size = int(block_size)
        self.groups = int(groups)
        self.rd_ratio = float(rd_ratio)
        self.rd_channels = None if rd_channels is None else int(rd_channels)
        self.rd_divisor = int(rd_divisor)
        self.drop_rate = float(drop_rate)
        self.activation = keras.activations.get(activation)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def _cna(self, filters, name, shape):
        sub = {"data_format": "channels_last", "dtype": self.dtype_policy}
        conv = keras.layers.Conv2D(filters, 1, use_bias=False, name=f"{name}__conv", **sub)
        bn = BatchNormAct2D(activation=self.activation, name=f"{name}__bn", **sub)
        conv.build(shape)
        shape = conv.compute_output_shape(shape)
        bn.build(shape)
        return conv, bn

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={-1: channels})
        self.channels = int(channels)
        rd = self.rd_channels or helpers.make_divisible(self.channels * self.rd_ratio, self.rd_divisor)
        if rd % self.groups:
            raise ValueError(f"{self.name}: the reduced width {rd} is not a multiple of groups={self.groups}.")
        self.rd = rd
        shape = (None, None, None, self.channels)
        rd_shape = (None, None, None, rd)
        bs, g = self.block_size, self.groups
        sub = {"data_format": "channels_last", "dtype": self.dtype_policy}
        self.conv1 = self._cna(rd, "conv1", shape)
        self.ba_conv1 = self._cna(g, "ba__conv1", rd_shape)
        self.ba_conv_p = keras.layers.Conv2D(bs * bs * g, (bs, 1), name="ba__conv_p", **sub)
        self.ba_conv_q = keras.layers.Conv2D(bs * bs * g, (1, bs), name="ba__conv_q", **sub)
        self.ba_conv_p.build((None, bs, 1, g))
        self.ba_conv_q.build((None, 1, bs, g))
        self.ba_conv2 = self._cna(rd, "ba__conv2", rd_shape)
        self.conv2 = self._cna(self.channels, "conv2", rd_shape)
        self.dropout = keras.layers.SpatialDropout2D(self.drop_rate, name="dropout", **sub)

    @staticmethod
    def _cna_call(pair, x, training):
        conv, bn = pair
        return bn(backend_ops.call_layer(conv, x), training=training)

    def _mixing(self, conv, pooled, axis):
        # (B, bs*bs*g) -> (B, g, bs, bs), a sigmoid, normalized over `axis` (timm: p over its last, q over dim 2)
        bs, g = self.block_size, self.groups
        m = ops.sigmoid(ops.reshape(backend_ops.call_layer(conv, pooled), (-1, g, bs, bs)))
        m = m / ops.sum(m, axis=axis, keepdims=True)
        # each group's matrix for each of its channels (channel c in group c // (C / g))
        return ops.repeat(m, self.rd // g, axis=1)  # (B, C, bs, bs)

    def _bilinear(self, x, training):
        bs = self.block_size
        shape = ops.shape(x)
        batch, height, width = shape[0], x.shape[1] if x.shape[1] is not None else shape[1], \
            x.shape[2] if x.shape[2] is not None else shape[2]
        out = self._cna_call(self.ba_conv1, x, training)  # (B, H, W, g)
        g = self.groups
        # F.adaptive_max_pool2d to (bs, 1) and (1, bs) with H, W multiples of bs: block-wise maxima.
        # Max pooling where the map's size is known, as timm's: its gradient goes to one element of a
        # block, where a reduction's is shared among equal maxima (on jax through an equality test
        # that a fused recomputation can miss by a rounding: 0 / 0 for a constant map).
        if isinstance(height, int) and isinstance(width, int):
            pool = dict(padding="valid", data_format="channels_last")
            rows = ops.max_pool(out, (height // bs, width), (height // bs, width), **pool)  # (B, bs, 1, g)
            cols = ops.max_pool(out, (height, width // bs), (height, width // bs), **pool)  # (B, 1, bs, g)
        else:  # `amax`: Keras' `max` on torch inspects its result in a way torch.compile breaks its graph on
            rows = ops.amax(ops.reshape(out, (batch, bs, height // bs, width, g)), axis=(2, 3))
            cols = ops.amax(ops.reshape(out, (batch, height, bs, width // bs, g)), axis=(1, 3))
        p = self._mixing(self.ba_conv_p, ops.reshape(rows, (batch, bs, 1, g)), axis=3)
        q = self._mixing(self.ba_conv_q, ops.reshape(cols, (batch, 1, bs, g)), axis=2)
        # (kron(p, I_t) @ x @ kron(q, I_s)) per channel, t = H / bs and s = W / bs, without the krons
        c = self.rd
        x5 = ops.reshape(x, (batch, bs, height // bs, width, c))
        y = ops.einsum("bcij,bjawc->biawc", p, x5)
        y = ops.reshape(y, (batch, height, bs, width // bs, c))
        y = ops.einsum("bhjsc,bcjk->bhksc", y, q)
        y = ops.reshape(y, (batch, height, width, c))
        return self._cna_call(self.ba_conv2, y, training)

    def call(self, inputs, training=None):
        x = self._cna_call(self.conv1, inputs, training)
        y = self._bilinear(x, training)
        y = self._cna_call(self.conv2, y, training)
        y = self.dropout(y, training=training)
        return y + inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "block_size": self.block_size,
                "groups": self.groups,
                "rd_ratio": self.rd_ratio,
                "rd_channels": self.rd_channels,
                "rd_divisor": self.rd_divisor,
                "drop_rate": self.drop_rate,
                "activation": keras.activations.serialize(self.activation),
            }
        )
        return config


__all__ = ["BatNonLocalAttn"]
