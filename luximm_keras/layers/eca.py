"""Efficient channel attention (ECA-Net) and its circular-padding variant.

Reference: timm/layers/eca.py `EcaModule`, `CecaModule`
"""

from __future__ import annotations

import math

import keras
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.layers import helpers


def eca_kernel_size(channels: int, gamma: float = 2, beta: float = 1) -> int:
    """timm's adaptive ECA kernel size: `t = int(|log2(C) + beta| / gamma)`, made odd, at least 3."""
    t = int(abs(math.log2(channels) + beta) / gamma)
    return max(t if t % 2 else t + 1, 3)


@serializable
class EcaModule(keras.layers.Layer):
    """Rescales channels by a gate from a 1D convolution across the channels of their global average.

    `s = mean_HW(x)` (a length-C vector per image), `y = x * sigmoid(conv1d(s))`, the 1D convolution
    having one input and one output channel, no bias, an odd kernel and zero padding that keeps the
    length C. The kernel is stored in timm's `conv.weight` layout, `(1, 1, k)`.

    Args:
        channels: the input width, which sets the kernel size as timm does (`eca_kernel_size`);
            None: the kernel size is `kernel_size` if given, else it is set from the input's width
            at build (what timm's models get, since they always pass the width).
        kernel_size: a fixed odd kernel size, used only when `channels` is None (as in timm).
        gamma: `gamma` of the adaptive kernel size.
        beta: `beta` of the adaptive kernel size.
        gate: the gating activation ("sigmoid").
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> EcaModule(64)(keras.ops.ones((2, 7, 7, 64))).shape
        (2, 7, 7, 64)

    Reference: timm/layers/eca.py `EcaModule`.
    """

    timm_mapping = {"kernel": ("conv.weight", "identity")}
    circular = False

    def __init__(
        self,
        channels: int | None = None,
        kernel_size: int | None = None,
        gamma: float = 2,
        beta: float = 1,
        gate="sigmoid",
        data_format: str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if channels is not None and int(channels) < 1:
            raise ValueError(f"`channels` must be a positive int or None, got {channels!r}.")
        if kernel_size is not None and (int(kernel_size) < 1 or int(kernel_size) % 2 == 0):
            raise ValueError(f"`kernel_size` must be a positive odd int or None, got {kernel_size!r}.")
        self.channels = None if channels is None else int(channels)
        self.kernel_size = None if kernel_size is None else int(kernel_size)
        self.gamma = float(gamma)
        self.beta = float(beta)
        self.gate = keras.activations.get(gate)
        self.data_format = helpers.standardize_data_format(data_format)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def _kernel_size_for(self, channels: int) -> int:
        if self.channels is not None:
            return eca_kernel_size(self.channels, self.gamma, self.beta)
        if self.kernel_size is not None:
            return self.kernel_size
        return eca_kernel_size(channels, self.gamma, self.beta)

    def build(self, input_shape):
        axis = helpers.channel_axis(self.data_format)
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        if self.channels is not None and channels != self.channels:
            raise ValueError(f"{self.name}: built for {self.channels} channels, got input shape {input_shape}.")
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: channels})
        self.k = self._kernel_size_for(channels)
        # PyTorch's Conv1d default init: kaiming_uniform(a=sqrt(5)), bound 1/sqrt(fan_in) = 1/sqrt(k).
        bound = 1.0 / math.sqrt(self.k)
        self.kernel = self.add_weight(
            name="kernel",
            shape=(1, 1, self.k),
            initializer=keras.initializers.RandomUniform(-bound, bound),
        )

    def _pad(self, y):
        p = (self.k - 1) // 2
        if self.circular:
            return ops.concatenate([y[:, y.shape[1] - p :], y, y[:, :p]], axis=1) if p else y
        return backend_ops.pad(y, [[0, 0], [p, p]])

    def call(self, inputs):
        channels = inputs.shape[helpers.channel_axis(self.data_format)]
        y = ops.mean(inputs, axis=helpers.spatial_axes(self.data_format))  # (N, C)
        y = self._pad(y)
        kernel = ops.cast(self.kernel, y.dtype)
        # The 1D cross-correlation as PyTorch computes it: a sum of k shifted copies (k is 3 to 9).
        out = kernel[0, 0, 0] * y[:, 0:channels]
        for j in range(1, self.k):
            out = out + kernel[0, 0, j] * y[:, j : j + channels]
        gate = self.gate(out)
        shape = (-1, 1, 1, channels) if self.data_format == "channels_last" else (-1, channels, 1, 1)
        return inputs * ops.reshape(gate, shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "channels": self.channels,
                "kernel_size": self.kernel_size,
                "gamma": self.gamma,
                "beta": self.beta,
                "gate": keras.activations.serialize(self.gate),
                "data_format": self.data_format,
            }
        )
        return config


@serializable
class CecaModule(EcaModule):
    """`EcaModule` with circular padding of the channel vector instead of zeros (the first and last
    channels are neighbours). Same arguments and weight as `EcaModule`.

    Example:
        >>> CecaModule(64)(keras.ops.ones((2, 7, 7, 64))).shape
        (2, 7, 7, 64)

    Reference: timm/layers/eca.py `CecaModule`.
    """

    circular = True
