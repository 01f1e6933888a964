"""Per-channel learnable scaling of a residual branch (CaiT-style LayerScale, used by ViT variants).

Reference: timm/layers/layer_scale.py `LayerScale`
"""

from __future__ import annotations

import keras

from luximm_keras._serializable import serializable


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
