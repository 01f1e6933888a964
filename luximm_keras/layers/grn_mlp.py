"""The ConvNeXt-V2 MLP: `fc1 -> act -> drop1 -> grn -> fc2 -> drop2` on a channels-last map.

Reference: timm/layers/mlp.py `GlobalResponseNormMlp`
"""

from __future__ import annotations

import keras

from luximm_keras._serializable import serializable
from luximm_keras.layers import fused
from luximm_keras.layers.grn import GlobalResponseNorm


@serializable
class GlobalResponseNormMlp(keras.layers.Layer):
    """Two per-pixel projections with an activation and a `GlobalResponseNorm` between, on `(N, H, W, C)`.

    Sublayers carry timm's names (`fc1`, `grn`, `fc2`). `use_conv` chooses only how the projections
    store their weights, not what they compute: timm's ConvNeXt with `conv_mlp=True` (atto to nano)
    makes them 1x1 convs, whose checkpoints hold `(out, in, 1, 1)` weights that load into 1x1
    `Conv2D`s, while `conv_mlp=False` (tiny and up) makes them linear layers, whose `(out, in)` weights
    load into `Dense`s. Channels-last only.

    Args:
        hidden_features: width of `fc1` (and of `grn`).
        out_features: width of `fc2`; defaults to the input width.
        activation: Keras activation; `"gelu"` is the exact (erf) GELU, as torch's `nn.GELU`.
        use_bias: whether `fc1`/`fc2` have biases.
        drop: dropout rate after the activation and after `fc2` (training only).
        use_conv: 1x1 `Conv2D` projections (timm's `use_conv=True`) instead of `Dense`.

    Example:
        >>> GlobalResponseNormMlp(160)(keras.ops.ones((2, 56, 56, 40))).shape
        (2, 56, 56, 40)

    Reference: timm/layers/mlp.py `GlobalResponseNormMlp`.
    """

    def __init__(
        self,
        hidden_features: int,
        out_features: int | None = None,
        activation="gelu",
        use_bias: bool = True,
        drop: float = 0.0,
        use_conv: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.hidden_features = int(hidden_features)
        self.out_features = None if out_features is None else int(out_features)
        self.activation = keras.activations.get(activation)
        self.use_bias = bool(use_bias)
        self.drop = float(drop)
        self.use_conv = bool(use_conv)
        self.input_spec = keras.layers.InputSpec(ndim=4)
        sub = dict(dtype=self.dtype_policy)
        self.fc1 = self._projection(self.hidden_features, "fc1")
        self.drop1 = keras.layers.Dropout(self.drop, name="drop1", **sub)
        self.grn = GlobalResponseNorm(epsilon=1e-6, data_format="channels_last", name="grn", **sub)
        self.drop2 = keras.layers.Dropout(self.drop, name="drop2", **sub)

    def _projection(self, units: int, name: str) -> keras.layers.Layer:
        if self.use_conv:
            return keras.layers.Conv2D(
                units,
                1,
                use_bias=self.use_bias,
                data_format="channels_last",
                name=name,
                dtype=self.dtype_policy,
            )
        return keras.layers.Dense(units, use_bias=self.use_bias, name=name, dtype=self.dtype_policy)

    def build(self, input_shape):
        in_features = input_shape[-1]
        if in_features is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={-1: in_features})
        self.fc2 = self._projection(self.out_features or in_features, "fc2")
        hidden_shape = (*input_shape[:-1], self.hidden_features)
        self.fc1.build(input_shape)
        self.grn.build(hidden_shape)
        self.fc2.build(hidden_shape)

    def call(self, inputs, training=None):
        project = fused.pointwise if self.use_conv else fused.dense
        x = fused.dropout(self.drop1, self.activation(project(self.fc1, inputs)), training)
        x = self.grn(x)
        return fused.dropout(self.drop2, project(self.fc2, x), training)

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
                "use_conv": self.use_conv,
            }
        )
        return config
