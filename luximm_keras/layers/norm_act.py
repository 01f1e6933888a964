"""Normalization followed by an activation, as one layer: timm keeps the activation inside the norm
module, so one timm module is one Keras layer here too.

Reference: timm/layers/norm_act.py (`BatchNormAct2d`, `GroupNormAct`)
"""

from __future__ import annotations

import keras
from luximm_keras._serializable import serializable
from luximm_keras.layers import helpers


@serializable
class BatchNormAct2D(keras.layers.BatchNormalization):
    """`activation(batch_norm(x))`: Keras' `BatchNormalization` with PyTorch's defaults and an activation.

    A subclass of `keras.layers.BatchNormalization`, so it has the same variables (`gamma`, `beta`,
    `moving_mean`, `moving_variance`) and loads timm's `weight`, `bias`, `running_mean`,
    `running_var` through the same rule. At inference it is timm's `BatchNormAct2d` in eval mode.
    In training Keras updates the moving variance with the biased batch variance where PyTorch uses
    the unbiased one (a factor n/(n-1) on the update, not on the output).

    Args:
        epsilon: added to the variance (PyTorch's 1e-5, not Keras' 1e-3).
        momentum: Keras' momentum of the moving statistics: PyTorch's `momentum=0.1` is Keras' 0.9.
        activation: a Keras activation name or callable applied after the norm; None for none
            (timm's `apply_act=False`).
        data_format: `"channels_last"` (default) or `"channels_first"`; sets the channel axis.
        **kwargs: the other `BatchNormalization` arguments and base layer arguments.

    Example:
        >>> BatchNormAct2D(activation="silu")(keras.ops.ones((2, 7, 7, 64))).shape
        (2, 7, 7, 64)

    Reference: timm/layers/norm_act.py `BatchNormAct2d`.
    """

    def __init__(
        self,
        epsilon: float = 1e-5,
        momentum: float = 0.9,
        activation="relu",
        data_format: str | None = None,
        **kwargs,
    ):
        if "axis" in kwargs:
            raise ValueError("BatchNormAct2D takes `data_format`, not `axis`.")
        data_format = helpers.standardize_data_format(data_format)
        super().__init__(axis=helpers.channel_axis(data_format), momentum=momentum, epsilon=epsilon, **kwargs)
        self.data_format = data_format
        self.activation = keras.activations.get(activation)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(f"{self.name}: expected a 4D feature map, got input shape {tuple(input_shape)}.")
        super().build(input_shape)

    def call(self, inputs, training=None, mask=None):
        return self.activation(super().call(inputs, training=training, mask=mask))

    def get_config(self):
        config = super().get_config()
        del config["axis"]  # derived from data_format
        config.update(
            {"activation": keras.activations.serialize(self.activation), "data_format": self.data_format}
        )
        return config


@serializable
class GroupNormAct(keras.layers.GroupNormalization):
    """`activation(group_norm(x))`: Keras' `GroupNormalization` with timm's defaults and an activation.

    A subclass of `keras.layers.GroupNormalization`, so it has the same variables (`gamma`, `beta`)
    and loads timm's `weight`/`bias` through the same rule. timm keeps the activation inside the norm
    module (`GroupNormAct`), so one timm module is one Keras layer here too.

    Args:
        groups: number of channel groups (timm's `num_groups`, 32 in BiT).
        epsilon: added to the variance (timm's and torch's 1e-5, not Keras' 1e-3).
        activation: a Keras activation name or callable applied after the norm; None for none
            (timm's `apply_act=False`).
        data_format: `"channels_last"` (default) or `"channels_first"`; sets the channel axis.
        **kwargs: the other `GroupNormalization` arguments (`center`, `scale`, initializers, ...) and
            base layer arguments.

    Example:
        >>> GroupNormAct(32)(keras.ops.ones((2, 7, 7, 64))).shape
        (2, 7, 7, 64)

    Reference: timm/layers/norm_act.py `GroupNormAct`.
    """

    def __init__(
        self,
        groups: int = 32,
        epsilon: float = 1e-5,
        activation="relu",
        data_format: str | None = None,
        **kwargs,
    ):
        if "axis" in kwargs:
            raise ValueError("GroupNormAct takes `data_format`, not `axis`.")
        data_format = helpers.standardize_data_format(data_format)
        super().__init__(groups=groups, axis=helpers.channel_axis(data_format), epsilon=epsilon, **kwargs)
        self.data_format = data_format
        self.activation = keras.activations.get(activation)

    def call(self, inputs):
        return self.activation(super().call(inputs))

    def get_config(self):
        config = super().get_config()
        del config["axis"]  # derived from data_format
        config.update(
            {"activation": keras.activations.serialize(self.activation), "data_format": self.data_format}
        )
        return config
