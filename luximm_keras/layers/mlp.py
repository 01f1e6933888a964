"""The transformer MLP: `fc1 -> act -> drop1 -> fc2 -> drop2` (ViT).

Reference: timm/layers/mlp.py `Mlp`
"""

from __future__ import annotations

import keras

from luximm_keras._serializable import serializable
from luximm_keras.layers import fused


@serializable
class Mlp(keras.layers.Layer):
    """Two dense layers with an activation between, acting on the last axis.

    Args:
        hidden_features: width of `fc1`.
        out_features: width of `fc2`; defaults to the input width.
        activation: Keras activation name or callable; `"gelu"` is the exact (erf) GELU, as torch's
            `nn.GELU` (use `"gelu_approximate"`-style callables for timm's `gelu_tanh`).
        use_bias: whether `fc1`/`fc2` have biases.
        drop: dropout rate after the activation and after `fc2` (training only).

    Example:
        >>> Mlp(768)(keras.ops.ones((2, 197, 192))).shape
        (2, 197, 192)

    Reference: timm/layers/mlp.py `Mlp`.
    """

    def __init__(
        self,
        hidden_features: int,
        out_features: int | None = None,
        activation="gelu",
        use_bias: bool = True,
        drop: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.hidden_features = int(hidden_features)
        self.out_features = None if out_features is None else int(out_features)
        self.activation = keras.activations.get(activation)
        self.use_bias = bool(use_bias)
        self.drop = float(drop)
        self.input_spec = keras.layers.InputSpec(min_ndim=2)
        sub = dict(dtype=self.dtype_policy)
        self.fc1 = keras.layers.Dense(self.hidden_features, use_bias=self.use_bias, name="fc1", **sub)
        self.drop1 = keras.layers.Dropout(self.drop, name="drop1", **sub)
        self.drop2 = keras.layers.Dropout(self.drop, name="drop2", **sub)

    def build(self, input_shape):
        in_features = input_shape[-1]
        if in_features is None:
            raise ValueError(f"{self.name}: the last axis of the input must be known, got {input_shape}.")
        self.input_spec = keras.layers.InputSpec(min_ndim=2, axes={-1: in_features})
        self.fc2 = keras.layers.Dense(
            self.out_features or in_features, use_bias=self.use_bias, name="fc2", dtype=self.dtype_policy
        )
        self.fc1.build(input_shape)
        self.fc2.build(self.fc1.compute_output_shape(input_shape))

    def call(self, inputs, training=None):
        x = fused.dropout(self.drop1, self.activation(fused.dense(self.fc1, inputs)), training)
        return fused.dropout(self.drop2, fused.dense(self.fc2, x), training)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.out_features or input_shape[-1])

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "hidden_features": self.hidden_features,
                "out_features": self.out_features,
                "activation": keras.activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "drop": self.drop,
            }
        )
        return config
