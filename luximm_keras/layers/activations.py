"""Activations timm builds beyond Keras' own: `quick_gelu` and `gelu_tanh` (timm's names Keras
lacks), `get_act` from timm's `act_layer` names, and `GammaAct`, an activation scaled by a constant gain.

Reference: timm/layers/activations.py (`quick_gelu`, `GELUTanh`), timm/layers/create_act.py,
timm/models/nfnet.py (`GammaAct`, `act_with_gamma`)
"""

from __future__ import annotations

import keras
from keras import ops

from luximm_keras._serializable import serializable


@serializable
def quick_gelu(x):
    """`x * sigmoid(1.702 x)`: OpenAI CLIP's GELU approximation (timm's `quick_gelu`)."""
    return ops.multiply(x, ops.sigmoid(1.702 * x))


@serializable
def gelu_tanh(x):
    """The tanh approximation of GELU (timm's `gelu_tanh`, torch's `approximate="tanh"`)."""
    return keras.activations.gelu(x, approximate=True)


# timm's `act_layer` names that Keras lacks ("gelu" is the exact erf GELU in both).
TIMM_ACTIVATIONS = {"quick_gelu": quick_gelu, "gelu_tanh": gelu_tanh}


def get_act(activation):
    """A Keras activation from timm's `act_layer` name (`quick_gelu` and `gelu_tanh` included), or
    from anything `keras.activations.get` takes."""
    if isinstance(activation, str) and activation in TIMM_ACTIVATIONS:
        return TIMM_ACTIVATIONS[activation]
    return keras.activations.get(activation)


# The gains that keep a unit-Gaussian input's activation at unit variance, from DeepMind's NFNets
# code (timm's `_nonlin_gamma` in nfnet.py).
NONLIN_GAMMA = {
    "identity": 1.0,
    "celu": 1.270926833152771,
    "elu": 1.2716004848480225,
    "gelu": 1.7015043497085571,
    "leaky_relu": 1.70590341091156,
    "log_sigmoid": 1.9193484783172607,
    "log_softmax": 1.0002083778381348,
    "relu": 1.7139588594436646,
    "relu6": 1.7131484746932983,
    "selu": 1.0008515119552612,
    "sigmoid": 4.803835391998291,
    "silu": 1.7881293296813965,
    "softsign": 2.338853120803833,
    "softplus": 1.9203323125839233,
    "tanh": 1.5939117670059204,
}


@serializable
class GammaAct(keras.layers.Layer):
    """`activation(x) * gamma`: an activation times a constant gain (NFNet's variance-preserving gain).

    Args:
        activation: a Keras activation name or callable (`"gelu"` is the exact, erf form, as timm's).
        gamma: the constant gain (e.g. `NONLIN_GAMMA["gelu"]`).

    Example:
        >>> GammaAct("relu", gamma=NONLIN_GAMMA["relu"])(keras.ops.ones((2, 4, 4, 8))).shape
        (2, 4, 4, 8)

    Reference: timm/models/nfnet.py `GammaAct`.
    """

    def __init__(self, activation="relu", gamma: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.activation = keras.activations.get(activation)
        self.gamma = float(gamma)

    def call(self, inputs):
        return ops.multiply(self.activation(inputs), ops.cast(self.gamma, self.compute_dtype))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"activation": keras.activations.serialize(self.activation), "gamma": self.gamma})
        return config


__all__ = ["NONLIN_GAMMA", "GammaAct"]
