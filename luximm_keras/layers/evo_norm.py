"""EvoNorm-S0 and -S0a: a normalization and activation in one, normalizing by group statistics without
centring.

Reference: timm/layers/evo_norm.py (`EvoNorm2dS0`, `EvoNorm2dS0a`, `group_std`)
"""

from __future__ import annotations

import keras
from keras import ops

from luximm_keras._serializable import serializable
from luximm_keras.layers.norm import _ChannelNorm2D


@serializable
class EvoNorm2DS0(_ChannelNorm2D):
    """`y = x * sigmoid(v * x) / group_std(x) * gamma + beta` (with `apply_act`), else `y = x * gamma + beta`.

    `group_std` is the biased standard deviation over each group of channels and the whole map,
    `sqrt(var + epsilon)` (no mean subtracted from `x` itself). Computed in float32.

    Args:
        groups: number of channel groups (timm's 32); ignored when `group_size` is given.
        group_size: channels per group instead of a group count (None: use `groups`).
        apply_act: whether the `x * sigmoid(v * x) / group_std(x)` part applies (it holds `v`).
        epsilon: added to the variance (timm's 1e-5).
        data_format: `"channels_last"` (default) or `"channels_first"`.
        v_initializer: initializer of `v` (ones, as timm).

    Example:
        >>> EvoNorm2DS0(groups=8)(keras.ops.ones((2, 7, 7, 64))).shape
        (2, 7, 7, 64)

    Reference: timm/layers/evo_norm.py `EvoNorm2dS0`.
    """

    timm_mapping = {**_ChannelNorm2D.timm_mapping, "v": ("v", "identity")}

    def __init__(
        self,
        groups: int = 32,
        group_size: int | None = None,
        apply_act: bool = True,
        epsilon: float = 1e-5,
        data_format: str | None = None,
        v_initializer="ones",
        **kwargs,
    ):
        super().__init__(epsilon=epsilon, data_format=data_format, **kwargs)
        if int(groups) < 1:
            raise ValueError(f"`groups` must be a positive int, got {groups!r}.")
        self.groups = int(groups)
        self.group_size = None if not group_size else int(group_size)
        self.apply_act = bool(apply_act)
        self.v_initializer = keras.initializers.get(v_initializer)

    def build(self, input_shape):
        super().build(input_shape)
        channels = input_shape[self.channel_axis]
        if self.group_size:
            if channels % self.group_size:
                raise ValueError(f"{self.name}: {channels} channels are not a multiple of `group_size` {self.group_size}.")
            self.num_groups = channels // self.group_size
        else:
            if channels % self.groups:
                raise ValueError(f"{self.name}: {channels} channels are not a multiple of `groups` {self.groups}.")
            self.num_groups = self.groups
        self.v = None
        if self.apply_act:
            self.v = self.add_weight(name="v", shape=(channels,), initializer=self.v_initializer, autocast=False)

    def _divide_by_group_std(self, x):
        shape = ops.shape(x)
        channels = x.shape[self.channel_axis]
        per_group = channels // self.num_groups
        if self.data_format == "channels_last":
            grouped = ops.reshape(x, (-1, shape[1], shape[2], self.num_groups, per_group))
            axes = (1, 2, 4)
        else:
            grouped = ops.reshape(x, (-1, self.num_groups, per_group, shape[2], shape[3]))
            axes = (2, 3, 4)
        std = ops.sqrt(ops.var(grouped, axis=axes, keepdims=True) + self.epsilon)
        return ops.reshape(grouped / std, shape)

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        gamma, beta = self.affine_weights()
        if self.v is not None:
            v = ops.cast(self.v, "float32")
            if self.data_format == "channels_first":
                v = ops.reshape(v, (1, -1, 1, 1))
            x = self._divide_by_group_std(x) * ops.sigmoid(x * v)
        return ops.cast(x * gamma + beta, self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "groups": self.groups,
                "group_size": self.group_size,
                "apply_act": self.apply_act,
                "v_initializer": keras.initializers.serialize(self.v_initializer),
            }
        )
        return config


@serializable
class EvoNorm2DS0a(EvoNorm2DS0):
    """EvoNorm-S0a: `y = x * sigmoid(v * x) / group_std(x) * gamma + beta` (with `apply_act`), else
    `y = x / group_std(x) * gamma + beta`: unlike S0, the division by the group standard deviation
    (of the input, before the gate) applies without the activation too. timm's epsilon is 1e-3.

    Arguments as `EvoNorm2DS0`'s.

    Example:
        >>> EvoNorm2DS0a(group_size=16)(keras.ops.ones((2, 7, 7, 64))).shape
        (2, 7, 7, 64)

    Reference: timm/layers/evo_norm.py `EvoNorm2dS0a`.
    """

    def __init__(self, groups: int = 32, group_size: int | None = None, apply_act: bool = True,
                 epsilon: float = 1e-3, **kwargs):
        super().__init__(groups=groups, group_size=group_size, apply_act=apply_act, epsilon=epsilon, **kwargs)

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        gamma, beta = self.affine_weights()
        divided = self._divide_by_group_std(x)
        if self.v is not None:
            v = ops.cast(self.v, "float32")
            if self.data_format == "channels_first":
                v = ops.reshape(v, (1, -1, 1, 1))
            divided = divided * ops.sigmoid(x * v)
        return ops.cast(divided * gamma + beta, self.compute_dtype)
