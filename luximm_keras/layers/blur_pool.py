"""Anti-aliased downsampling: a binomial blur, then subsampling (ResNet-Blur).

Reference: timm/layers/blur_pool.py `BlurPool2d`
"""

from __future__ import annotations

from math import comb

import keras
import numpy as np
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.layers import helpers
from luximm_keras.layers.padding import get_padding


def blur_filter(filt_size: int) -> np.ndarray:
    """The `(filt_size, filt_size)` binomial filter timm uses: the outer product of
    `C(n-1, k) / 2**(n-1)`, summing to 1."""
    coeffs = np.array([comb(filt_size - 1, k) for k in range(filt_size)], dtype="float32") / 2 ** (filt_size - 1)
    return coeffs[:, None] * coeffs[None, :]


@serializable
class BlurPool2D(keras.layers.Layer):
    """Pads each side by timm's `get_padding(filt_size, stride)` (reflecting by default), blurs every
    channel with the fixed binomial filter and keeps every `stride`-th pixel (a depthwise convolution
    with that stride). The filter is a constant (timm's non-persistent buffer): no weights.

    Args:
        channels: the input width, checked at build when given (timm's argument; not needed here).
        filt_size: the blur filter size (> 1; 3 in timm's models).
        stride: the subsampling stride.
        pad_mode: `"reflect"` (default) or `"constant"` (zeros, timm's "blurpc").
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> BlurPool2D()(keras.ops.ones((2, 8, 8, 16))).shape
        (2, 4, 4, 16)

    Reference: timm/layers/blur_pool.py `BlurPool2d`.
    """

    def __init__(
        self,
        channels: int | None = None,
        filt_size: int = 3,
        stride: int = 2,
        pad_mode: str = "reflect",
        data_format: str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(filt_size) < 2:
            raise ValueError(f"`filt_size` must be > 1, got {filt_size!r}.")
        if int(stride) < 1:
            raise ValueError(f"`stride` must be a positive int, got {stride!r}.")
        if pad_mode not in ("reflect", "constant"):
            raise ValueError(f"`pad_mode` must be 'reflect' or 'constant', got {pad_mode!r}.")
        self.channels = None if channels is None else int(channels)
        self.filt_size = int(filt_size)
        self.stride = int(stride)
        self.pad_mode = pad_mode
        self.data_format = helpers.standardize_data_format(data_format)
        self.padding = get_padding(self.filt_size, self.stride)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        axis = helpers.channel_axis(self.data_format)
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        if self.channels is not None and channels != self.channels:
            raise ValueError(f"{self.name}: built for {self.channels} channels, got input shape {input_shape}.")
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: channels})
        # Depthwise kernel (kh, kw, C, 1), a backend tensor made once (torch.compile cannot trace numpy).
        self._filter = ops.convert_to_tensor(
            np.tile(blur_filter(self.filt_size)[:, :, None, None], (1, 1, channels, 1)))

    def call(self, inputs):
        # Channels-last inside: TensorFlow has no channels-first depthwise convolution on CPU.
        x = ops.transpose(inputs, (0, 2, 3, 1)) if self.data_format == "channels_first" else inputs
        p = self.padding
        x = backend_ops.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode=self.pad_mode)
        kernel = ops.cast(self._filter, x.dtype)
        x = ops.depthwise_conv(x, kernel, strides=self.stride, padding="valid", data_format="channels_last")
        return ops.transpose(x, (0, 3, 1, 2)) if self.data_format == "channels_first" else x

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for a in helpers.spatial_axes(self.data_format):
            if shape[a] is not None:
                shape[a] = (shape[a] + 2 * self.padding - self.filt_size) // self.stride + 1
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "channels": self.channels,
                "filt_size": self.filt_size,
                "stride": self.stride,
                "pad_mode": self.pad_mode,
                "data_format": self.data_format,
            }
        )
        return config
