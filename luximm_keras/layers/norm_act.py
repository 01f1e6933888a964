"""Normalization followed by an activation, as one layer: timm keeps the activation inside the norm
module, so one timm module is one Keras layer here too.

Reference: timm/layers/norm_act.py (`BatchNormAct2d`, `GroupNormAct`, `LayerNormAct2d`)
"""

from __future__ import annotations

import keras
from keras import ops
from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.layers.batch_norm import BatchNorm2D
from luximm_keras.layers import helpers
from luximm_keras.layers.norm import LayerNorm2D


@serializable
class BatchNormAct2D(BatchNorm2D):
    """`activation(batch_norm(x))`: `BatchNorm2D` (PyTorch's batch norm, running statistics included)
    and an activation, as timm's `BatchNormAct2d` in inference and in training.

    A subclass of `keras.layers.BatchNormalization`, so it has the same variables (`gamma`, `beta`,
    `moving_mean`, `moving_variance`) and loads timm's `weight`, `bias`, `running_mean`,
    `running_var` through the same rule.

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
        super().__init__(epsilon=epsilon, momentum=momentum, data_format=data_format, **kwargs)
        self.activation = keras.activations.get(activation)

    def call(self, inputs, training=None, mask=None):
        return self.activation(super().call(inputs, training=training, mask=mask))

    def get_config(self):
        config = super().get_config()
        config["activation"] = keras.activations.serialize(self.activation)
        return config


@serializable
class GroupNormAct(keras.layers.GroupNormalization):
    """`activation(group_norm(x))`: Keras' `GroupNormalization` with timm's defaults and an activation.

    A subclass of `keras.layers.GroupNormalization`, so it has the same variables (`gamma`, `beta`)
    and loads timm's `weight`/`bias` through the same rule. timm keeps the activation inside the norm
    module (`GroupNormAct`), so one timm module is one Keras layer here too.

    Args:
        groups: number of channel groups (timm's `num_groups`, 32 in BiT); ignored when `group_size`
            is given.
        group_size: channels per group instead of a group count (timm's `group_size`, which its
            `test_efficientnet_gn` binds to 8); None: use `groups`.
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
        group_size: int | None = None,
        **kwargs,
    ):
        if "axis" in kwargs:
            raise ValueError("GroupNormAct takes `data_format`, not `axis`.")
        if group_size is not None and int(group_size) < 1:
            raise ValueError(f"`group_size` must be a positive int or None, got {group_size!r}.")
        data_format = helpers.standardize_data_format(data_format)
        super().__init__(groups=groups, axis=helpers.channel_axis(data_format), epsilon=epsilon, **kwargs)
        self.data_format = data_format
        self.group_size = None if not group_size else int(group_size)
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        channels = input_shape[self.axis]
        if self.group_size and channels is not None:
            # timm's `_num_groups`: the group count follows from the width.
            if channels % self.group_size:
                raise ValueError(f"{self.name}: {channels} channels are not a multiple of `group_size` {self.group_size}.")
            self.groups = channels // self.group_size
        super().build(input_shape)

    def call(self, inputs):
        # Not Keras' GroupNormalization.call: its variance is E[x^2] - E[x]^2, which loses float32
        # digits where a group's mean is large against its spread, as after BiT's stem.
        x = ops.cast(inputs, keras.backend.result_type(inputs.dtype, "float32"))
        shape = ops.shape(x)
        per_group = x.shape[self.axis] // self.groups
        if self.data_format == "channels_last":
            grouped = ops.reshape(x, (-1, shape[1], shape[2], self.groups, per_group))
            axes = (1, 2, 4)
        else:
            grouped = ops.reshape(x, (-1, self.groups, per_group, shape[2], shape[3]))
            axes = (2, 3, 4)
        _, centred, variance = backend_ops.centred_moments(grouped, axes)
        x = ops.reshape(centred * ops.rsqrt(variance + self.epsilon), shape)
        broadcast = [1, 1, 1, 1]
        broadcast[self.axis] = x.shape[self.axis]
        if self.scale:
            x = x * ops.reshape(ops.cast(self.gamma, x.dtype), broadcast)
        if self.center:
            x = x + ops.reshape(ops.cast(self.beta, x.dtype), broadcast)
        return self.activation(ops.cast(x, self.compute_dtype))

    def get_config(self):
        config = super().get_config()
        del config["axis"]  # derived from data_format
        config.update(
            {"activation": keras.activations.serialize(self.activation), "data_format": self.data_format,
             "group_size": self.group_size}
        )
        return config


@serializable
class LayerNormAct2D(LayerNorm2D):
    """`activation(layer_norm_over_channels(x))`: `LayerNorm2D` with timm's `LayerNormAct2d` epsilon
    (1e-5, torch's `nn.LayerNorm`) and an activation, as one layer (timm keeps the activation inside
    the norm module).

    Args:
        epsilon: added to the variance (timm's `LayerNormAct2d` 1e-5).
        activation: a Keras activation name or callable applied after the norm; None for none
            (timm's `apply_act=False`).
        data_format: `"channels_last"` (default) or `"channels_first"`.
        **kwargs: `gamma_initializer`, `beta_initializer` and base layer arguments.

    Example:
        >>> LayerNormAct2D(activation="silu")(keras.ops.ones((2, 7, 7, 64))).shape
        (2, 7, 7, 64)

    Reference: timm/layers/norm_act.py `LayerNormAct2d`.
    """

    def __init__(self, epsilon: float = 1e-5, activation="relu", data_format: str | None = None, **kwargs):
        super().__init__(epsilon=epsilon, data_format=data_format, **kwargs)
        self.activation = keras.activations.get(activation)

    def call(self, inputs):
        return self.activation(super().call(inputs))

    def get_config(self):
        config = super().get_config()
        config["activation"] = keras.activations.serialize(self.activation)
        return config
