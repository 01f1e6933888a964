"""Per-channel learnable scaling of a residual branch, on tokens (`LayerScale`) and on 2D maps
(`LayerScale2D`).

Reference: timm/layers/layer_scale.py (`LayerScale`, `LayerScale2d`)
"""

from __future__ import annotations

import keras
from keras import ops

from luximm_keras._serializable import serializable
from luximm_keras.layers import helpers


@serializable
class LayerScale(keras.layers.Layer):
    """Multiplies the last axis by a learnable vector `gamma`, initialised to `init_values`.

    Args:
        init_values: initial value of every entry of `gamma` (timm's default 1e-5).

    Example:
        >>> LayerScale(1e-5)(keras.ops.ones((2, 197, 192))).shape
        (2, 197, 192)

    Reference: timm/layers/layer_scale.py `LayerScale`.
    """

    timm_mapping = {"gamma": ("gamma", "identity")}

    def __init__(self, init_values: float = 1e-5, **kwargs):
        super().__init__(**kwargs)
        self.init_values = float(init_values)
        self.input_spec = keras.layers.InputSpec(min_ndim=2)

    def build(self, input_shape):
        dim = input_shape[-1]
        if dim is None:
            raise ValueError(f"{self.name}: the last axis of the input must be known, got {input_shape}.")
        self.input_spec = keras.layers.InputSpec(min_ndim=2, axes={-1: dim})
        self.gamma = self.add_weight(
            name="gamma", shape=(dim,), initializer=keras.initializers.Constant(self.init_values)
        )

    def call(self, inputs):
        return inputs * self.gamma

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"init_values": self.init_values})
        return config


@serializable
class LayerScale2D(keras.layers.Layer):
    """Multiplies the channel axis of a feature map by a learnable vector `gamma`, initialised to
    `init_values` (timm's `LayerScale2d`; `LayerScale` is the token-last twin).

    Args:
        init_values: initial value of every entry of `gamma` (timm's default 1e-5).
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> LayerScale2D(1e-6)(keras.ops.ones((2, 7, 7, 96))).shape
        (2, 7, 7, 96)

    Reference: timm/layers/layer_scale.py `LayerScale2d`.
    """

    timm_mapping = {"gamma": ("gamma", "identity")}

    def __init__(self, init_values: float = 1e-5, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.init_values = float(init_values)
        self.data_format = helpers.standardize_data_format(data_format)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        axis = helpers.channel_axis(self.data_format)
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: channels})
        self.gamma = self.add_weight(
            name="gamma", shape=(channels,), initializer=keras.initializers.Constant(self.init_values)
        )

    def call(self, inputs):
        gamma = self.gamma
        if self.data_format == "channels_first":
            gamma = ops.reshape(gamma, (1, -1, 1, 1))
        return inputs * gamma

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"init_values": self.init_values, "data_format": self.data_format})
        return config
