"""Pooling by 2, then a 1x1 conv when the width changes: the shortcut and pre-attention downsampling of
CoAtNet / MaxViT blocks.

Reference: timm/models/maxxvit.py `Downsample2d`
"""

from __future__ import annotations

import keras

from luximm_keras._serializable import serializable
from luximm_keras.initializers import kaiming_normal_fan_out
from luximm_keras.layers import helpers

# timm's `pool_type` names that pool without padding (kernel 2, stride 2), as Keras' "valid" pooling.
# 'max' / 'avg' (3x3, stride 2, symmetric padding 1, count_include_pad=False) are not ported.
POOL_TYPES = {"avg2": keras.layers.AveragePooling2D, "max2": keras.layers.MaxPooling2D}


def pool2x2(pool_type: str, *, name: str, data_format: str, dtype=None) -> keras.layers.Layer:
    """The Keras pooling layer for timm's `pool_type` (`"avg2"` or `"max2"`): kernel 2, stride 2, no
    padding, odd trailing rows/columns dropped (PyTorch's `ceil_mode=False`)."""
    if pool_type not in POOL_TYPES:
        raise ValueError(f"`pool_type` must be one of {sorted(POOL_TYPES)}, got {pool_type!r}.")
    return POOL_TYPES[pool_type](
        pool_size=2, strides=2, padding="valid", data_format=data_format, name=name, dtype=dtype
    )


@serializable
class Downsample2D(keras.layers.Layer):
    """Halves the spatial size with a 2x2 pool, then maps to `filters` channels with a 1x1 conv named
    `expand` (only when the input width differs, as timm uses `nn.Identity` otherwise).

    Args:
        filters: output channels.
        pool_type: `"avg2"` (timm's default) or `"max2"`.
        use_bias: whether `expand` has a bias.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        kernel_initializer: of `expand` (PyTorch's fan-out He normal by default).

    Example:
        >>> Downsample2D(128)(keras.ops.ones((2, 8, 8, 64))).shape
        (2, 4, 4, 128)

    Reference: timm/models/maxxvit.py `Downsample2d`.
    """

    def __init__(
        self,
        filters: int,
        pool_type: str = "avg2",
        use_bias: bool = True,
        data_format: str | None = None,
        kernel_initializer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(filters) < 1:
            raise ValueError(f"`filters` must be a positive int, got {filters!r}.")
        self.filters = int(filters)
        self.pool_type = pool_type
        self.use_bias = bool(use_bias)
        self.data_format = helpers.standardize_data_format(data_format)
        self.kernel_initializer = keras.initializers.get(kernel_initializer or kaiming_normal_fan_out())
        self.input_spec = keras.layers.InputSpec(ndim=4)
        self.pool = pool2x2(pool_type, name="pool", data_format=self.data_format, dtype=self.dtype_policy)
        self.expand = None

    def build(self, input_shape):
        axis = helpers.channel_axis(self.data_format)
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: channels})
        self.pool.build(input_shape)
        if channels != self.filters:
            self.expand = keras.layers.Conv2D(
                self.filters,
                1,
                use_bias=self.use_bias,
                data_format=self.data_format,
                kernel_initializer=self.kernel_initializer,
                name="expand",
                dtype=self.dtype_policy,
            )
            self.expand.build(self.pool.compute_output_shape(input_shape))

    def call(self, inputs):
        x = self.pool(inputs)
        return x if self.expand is None else self.expand(x)

    def compute_output_shape(self, input_shape):
        shape = list(self.pool.compute_output_shape(input_shape))
        shape[helpers.channel_axis(self.data_format)] = self.filters
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "pool_type": self.pool_type,
                "use_bias": self.use_bias,
                "data_format": self.data_format,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            }
        )
        return config
