"""A learned bias per head and 2D relative offset inside a fixed attention window (CoAtNet, MaxViT).

Reference: timm/layers/pos_embed_rel.py `RelPosBias`
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import ops

from luximm_keras._serializable import serializable
from luximm_keras.initializers import normal_init
from luximm_keras.layers import helpers


@serializable
class RelPosBias(keras.layers.Layer):
    """Adds `table[rel_pos_index(window)]`, shaped `(1, heads, L, L)`, to attention scores.

    The table `relative_position_bias_table` is `((2Wh-1)(2Ww-1), num_heads)`, timm's parameter of the
    same name; the index is a constant derived from the window (timm keeps it as a non-persistent
    buffer, so it is not in checkpoints either).

    Args:
        window_size: `(Wh, Ww)` of the attention window.
        num_heads: number of attention heads.

    Reference: timm/layers/pos_embed_rel.py `RelPosBias`.
    """

    def __init__(self, window_size: int | Sequence[int], num_heads: int, **kwargs):
        super().__init__(**kwargs)
        self.window_size = helpers.to_pair(window_size, "window_size")
        self.num_heads = int(num_heads)
        self.window_area = self.window_size[0] * self.window_size[1]
        self.relative_position_index = helpers.rel_pos_index(*self.window_size).reshape(-1)

    def build(self, input_shape=None):
        num_relative = (2 * self.window_size[0] - 1) * (2 * self.window_size[1] - 1)
        self.relative_position_bias_table = self.add_weight(
            name="relative_position_bias_table",
            shape=(num_relative, self.num_heads),
            # timm's trunc_normal_(std=.02) cuts at +-2 absolute, i.e. 100 std: a plain normal.
            initializer=normal_init(0.02),
        )

    def get_bias(self):
        """The `(1, heads, L, L)` bias, in the table's dtype."""
        bias = ops.take(self.relative_position_bias_table, self.relative_position_index, axis=0)
        bias = ops.reshape(bias, (self.window_area, self.window_area, self.num_heads))
        return ops.expand_dims(ops.transpose(bias, (2, 0, 1)), 0)

    def call(self, attn):
        return attn + ops.cast(self.get_bias(), attn.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"window_size": self.window_size, "num_heads": self.num_heads})
        return config

