"""Image to patch tokens: a stride-`patch_size` convolution, flattened row-major (ViT).

Reference: timm/layers/patch_embed.py `PatchEmbed`
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.layers import helpers


@serializable
class PatchEmbed(keras.layers.Layer):
    """Splits an image into non-overlapping patches and projects each to `embed_dim`.

    Output tokens are ordered row-major over the patch grid (`t = row * grid_w + col`), as timm's
    `x.flatten(2).transpose(1, 2)`. The projection is a `Conv2D` named `proj`, so its weights load from
    timm's `proj.weight`/`proj.bias`.

    Args:
        embed_dim: token width.
        patch_size: int or pair; image height and width must be divisible by it, unless
            `drop_remainder`.
        use_bias: whether the projection has a bias.
        drop_remainder: the pixels below and right of the last whole patch are left out (the grid
            is the size divided by the patch size, rounded down), as timm's `PatchEmbed` does in a
            model built for that size (SigLIP's 384 px with 14 px patches: a 27 x 27 grid).
        flatten: `True` gives `(N, L, embed_dim)`; `False` keeps the grid, `(N, H/p, W/p, embed_dim)`
            (or `(N, embed_dim, H/p, W/p)` with `channels_first`).
        data_format: `"channels_last"` (default) or `"channels_first"` for the input image.

    Example:
        >>> PatchEmbed(192, patch_size=16)(keras.ops.ones((1, 224, 224, 3))).shape
        (1, 196, 192)

    Reference: timm/layers/patch_embed.py `PatchEmbed`.
    """

    def __init__(
        self,
        embed_dim: int,
        patch_size: int | Sequence[int] = 16,
        use_bias: bool = True,
        flatten: bool = True,
        data_format: str | None = None,
        drop_remainder: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(embed_dim) < 1:
            raise ValueError(f"`embed_dim` must be a positive int, got {embed_dim!r}.")
        self.embed_dim = int(embed_dim)
        self.patch_size = helpers.to_pair(patch_size, "patch_size")
        self.use_bias = bool(use_bias)
        self.flatten = bool(flatten)
        self.drop_remainder = bool(drop_remainder)
        self.data_format = helpers.standardize_data_format(data_format)
        self.input_spec = keras.layers.InputSpec(ndim=4)
        # The projection always runs channels-last (channels_first input is transposed first): tokens
        # are channels-last anyway, and Keras' own channels_first Conv2D adds its bias along W on
        # TensorFlow when the map's width equals its channels (see std_conv.py).
        self.proj = keras.layers.Conv2D(
            self.embed_dim,
            self.patch_size,
            strides=self.patch_size,
            padding="valid",
            use_bias=self.use_bias,
            data_format="channels_last",
            dtype=self.dtype_policy,
            name="proj",
        )

    def _check_image_size(self, input_shape):
        if self.drop_remainder:
            return
        rows, cols = [input_shape[a] for a in helpers.spatial_axes(self.data_format)]
        for size, patch, what in ((rows, self.patch_size[0], "height"), (cols, self.patch_size[1], "width")):
            if size is not None and size % patch:
                raise ValueError(
                    f"{self.name}: image {what} {size} is not divisible by the patch size {patch} "
                    f"(input shape {tuple(input_shape)})."
                )

    def build(self, input_shape):
        self._check_image_size(input_shape)
        axis = helpers.channel_axis(self.data_format)
        if input_shape[axis] is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got {input_shape}.")
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={axis: input_shape[axis]})
        if self.data_format == "channels_first":
            input_shape = (input_shape[0], input_shape[2], input_shape[3], input_shape[1])
        self.proj.build(input_shape)

    def call(self, inputs):
        self._check_image_size(tuple(inputs.shape))
        if self.data_format == "channels_first":
            inputs = ops.transpose(inputs, (0, 2, 3, 1))
        if self.drop_remainder:
            (ph, pw), shape = self.patch_size, ops.shape(inputs)
            inputs = inputs[:, : (shape[1] // ph) * ph, : (shape[2] // pw) * pw, :]
        x = self._project(inputs)
        if self.data_format == "channels_first" and not self.flatten:
            return ops.transpose(x, (0, 3, 1, 2))
        if self.flatten:
            shape = ops.shape(x)
            x = ops.reshape(x, (shape[0], shape[1] * shape[2], self.embed_dim))
        return x

    def _project(self, images):
        """`proj(images)`, channels-last, by the backend's fastest exact patchify."""
        proj = self.proj
        if proj.built and backend_ops.is_plain(proj):
            return backend_ops.patch_projection(images, proj.kernel, proj.bias, self.patch_size)
        return proj(images)

    def compute_output_shape(self, input_shape):
        self._check_image_size(input_shape)
        rows, cols = [input_shape[a] for a in helpers.spatial_axes(self.data_format)]
        grid = [None if s is None else s // p for s, p in zip((rows, cols), self.patch_size)]
        if self.flatten:
            tokens = None if None in grid else grid[0] * grid[1]
            return (input_shape[0], tokens, self.embed_dim)
        if self.data_format == "channels_first":
            return (input_shape[0], self.embed_dim, *grid)
        return (input_shape[0], *grid, self.embed_dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "embed_dim": self.embed_dim,
                "patch_size": self.patch_size,
                "use_bias": self.use_bias,
                "flatten": self.flatten,
                "data_format": self.data_format,
                "drop_remainder": self.drop_remainder,
            }
        )
        return config
