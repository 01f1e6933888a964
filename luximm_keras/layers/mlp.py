"""The MLPs of the transformer and ConvNeXt blocks: `Mlp` (ViT), `ConvMlp` (its 1x1-conv weights:
ConvNeXt's conv_mlp blocks), the gated `GluMlp` and `SwiGLU` (DINOv2's giant, AIMv2) and
`GlobalResponseNormMlp` (ConvNeXt-V2).

Reference: timm/layers/mlp.py (`Mlp`, `Mlp(use_conv=True)`, `GluMlp`, `SwiGLU`, `GlobalResponseNormMlp`)
"""

from __future__ import annotations

import keras
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.layers.grn import GlobalResponseNorm
from luximm_keras.layers.norm import token_norm


@serializable
class Mlp(keras.layers.Layer):
    """Two dense layers with an activation between, acting on the last axis.

    Args:
        hidden_features: width of `fc1`.
        out_features: width of `fc2`; defaults to the input width.
        activation: Keras activation name or callable; `"gelu"` is the exact (erf) GELU, as torch's
            `nn.GELU` (`gelu_tanh` above is timm's `gelu_tanh`).
        use_bias: whether `fc1`/`fc2` have biases.
        drop: dropout rate after the activation and after `fc2` (training only).
        norm_layer: a norm of the hidden features before `fc2` (`"layernorm"` or `"rmsnorm"`, named
            `norm`; BEiT3's `scale_mlp_norm`), or None (timm's default).
        epsilon: that norm's epsilon.

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
        norm_layer: str | None = None,
        epsilon: float = 1e-6,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.hidden_features = int(hidden_features)
        self.out_features = None if out_features is None else int(out_features)
        self.activation = keras.activations.get(activation)
        self.use_bias = bool(use_bias)
        self.drop = float(drop)
        self.norm_layer = norm_layer
        self.epsilon = float(epsilon)
        self.input_spec = keras.layers.InputSpec(min_ndim=2)
        sub = dict(dtype=self.dtype_policy)
        self._make_fc1(sub)
        self.drop1 = keras.layers.Dropout(self.drop, name="drop1", **sub)
        self.norm = None if norm_layer is None else token_norm(norm_layer, self.epsilon, name="norm", **sub)
        self.drop2 = keras.layers.Dropout(self.drop, name="drop2", **sub)

    @property
    def fc2_in_features(self) -> int:
        """The width `fc2` takes (GluMlp's half of `fc1`)."""
        return self.hidden_features

    def _make_fc1(self, sub: dict) -> None:
        self.fc1 = keras.layers.Dense(self.hidden_features, use_bias=self.use_bias, name="fc1", **sub)

    def _build_fc1(self, input_shape) -> None:
        self.fc1.build(input_shape)

    def build(self, input_shape):
        in_features = input_shape[-1]
        if in_features is None:
            raise ValueError(f"{self.name}: the last axis of the input must be known, got {input_shape}.")
        self.input_spec = keras.layers.InputSpec(min_ndim=2, axes={-1: in_features})
        self.fc2 = keras.layers.Dense(
            self.out_features or in_features, use_bias=self.use_bias, name="fc2", dtype=self.dtype_policy
        )
        self._build_fc1(input_shape)
        hidden_shape = (*input_shape[:-1], self.fc2_in_features)
        if self.norm is not None:
            self.norm.build(hidden_shape)
        self.fc2.build(hidden_shape)

    def _hidden(self, inputs):
        """The activated hidden features (before dropout and the norm)."""
        return self.activation(backend_ops.call_layer(self.fc1, inputs))

    def call(self, inputs, training=None):
        x = backend_ops.call_layer(self.drop1, self._hidden(inputs), training)
        if self.norm is not None:
            x = self.norm(x)
        return backend_ops.call_layer(self.drop2, backend_ops.call_layer(self.fc2, x), training)

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
                "norm_layer": self.norm_layer,
                "epsilon": self.epsilon,
            }
        )
        return config


@serializable
class GluMlp(Mlp):
    """timm's `GluMlp`: `fc1` to `hidden_features`, split in halves `x1, x2`, then `x1 * act(x2)`
    (`gate_last=True`) or `act(x1) * x2` (`gate_last=False`: timm's `SwiGLUPacked` with SiLU, DINOv2's
    giant), then `fc2` from `hidden_features // 2`. Other arguments as `Mlp`'s (timm's default
    activation here is the sigmoid).

    Example:
        >>> GluMlp(64, activation="silu", gate_last=False)(keras.ops.ones((2, 5, 16))).shape
        (2, 5, 16)

    Reference: timm/layers/mlp.py `GluMlp`.
    """

    def __init__(self, hidden_features: int, *args, activation="sigmoid", gate_last: bool = True, **kwargs):
        if int(hidden_features) % 2:
            raise ValueError(f"`hidden_features` must be even (it is split in halves), got {hidden_features}.")
        self.gate_last = bool(gate_last)
        super().__init__(hidden_features, *args, activation=activation, **kwargs)

    @property
    def fc2_in_features(self) -> int:
        return self.hidden_features // 2

    def _hidden(self, inputs):
        x1, x2 = ops.split(backend_ops.call_layer(self.fc1, inputs), 2, axis=-1)
        return x1 * self.activation(x2) if self.gate_last else self.activation(x1) * x2

    def get_config(self):
        return {**super().get_config(), "gate_last": self.gate_last}


@serializable
class SwiGLU(Mlp):
    """timm's `SwiGLU`: `act(fc1_g(x)) * fc1_x(x)`, then `fc2` (AIMv2's MLP). Two separate input
    projections (`fc1_g`, `fc1_x`, timm's keys) instead of GluMlp's one; arguments as `Mlp`'s (the
    activation defaults to SiLU).

    Example:
        >>> SwiGLU(64)(keras.ops.ones((2, 5, 16))).shape
        (2, 5, 16)

    Reference: timm/layers/mlp.py `SwiGLU`.
    """

    def __init__(self, hidden_features: int, *args, activation="silu", **kwargs):
        super().__init__(hidden_features, *args, activation=activation, **kwargs)

    def _make_fc1(self, sub: dict) -> None:
        self.fc1_g = keras.layers.Dense(self.hidden_features, use_bias=self.use_bias, name="fc1_g", **sub)
        self.fc1_x = keras.layers.Dense(self.hidden_features, use_bias=self.use_bias, name="fc1_x", **sub)

    def _build_fc1(self, input_shape) -> None:
        self.fc1_g.build(input_shape)
        self.fc1_x.build(input_shape)

    def _hidden(self, inputs):
        gate = self.activation(backend_ops.call_layer(self.fc1_g, inputs))
        return gate * backend_ops.call_layer(self.fc1_x, inputs)


@serializable
class ConvMlp(Mlp):
    """timm's `Mlp(use_conv=True)`: `fc1`, activation, `fc2` as 1x1 convolutions, computed as `Dense`
    layers over the channels of a channels-last map (the same products) and loading timm's
    `(out, in, 1, 1)` conv weights. Arguments as `Mlp`'s.

    Example:
        >>> ConvMlp(160)(keras.ops.ones((2, 56, 56, 40))).shape
        (2, 56, 56, 40)

    Reference: timm/layers/mlp.py `Mlp` (`use_conv=True`).
    """

    timm_mapping = {
        "fc1/kernel": ("fc1.weight", "conv1x1_to_dense"),
        "fc2/kernel": ("fc2.weight", "conv1x1_to_dense"),
    }


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
        x = backend_ops.call_layer(self.fc1, inputs)
        x = self.grn(backend_ops.call_layer(self.drop1, self.activation(x), training))
        return backend_ops.call_layer(self.drop2, backend_ops.call_layer(self.fc2, x), training)

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
