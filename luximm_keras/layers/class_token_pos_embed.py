"""Patch grid to ViT tokens: flatten, prepend the class token, add the learned position embeddings.

Reference: timm/models/vision_transformer.py `VisionTransformer._pos_embed`
"""

from __future__ import annotations

import keras
from keras import ops

from luximm_keras._serializable import serializable


@serializable
class ClassTokenPosEmbed(keras.layers.Layer):
    """Turns a `(N, H, W, D)` patch grid into `(N, 1 + H*W, D)` tokens, as ViT does after `PatchEmbed`.

    The grid is flattened row-major (`t = row * W + col`), a learned `cls_token` is prepended and a
    learned absolute `pos_embed` is added. By default `pos_embed` also covers the class token and is
    added after the concatenation (original ViT, DeiT); with `no_embed_class=True` it covers only the
    patches and is added before (DeiT-3). The variables are named as timm's bare `VisionTransformer`
    parameters (`cls_token`, `pos_embed`), and `pos_embed`'s length is fixed by the grid this layer is
    built for (`grid_size`): another image size needs resampled position embeddings (see
    `luximm_keras.models.vit.checkpoint_filter_fn`).

    Args:
        class_token: whether to prepend a class token.
        no_embed_class: whether `pos_embed` skips the class token (added before concatenating).
        pos_embed_initializer: Keras initializer of `pos_embed` (timm: truncated normal, std 0.02).
        cls_token_initializer: Keras initializer of `cls_token` (timm: normal, std 1e-6).

    Example:
        >>> ClassTokenPosEmbed()(keras.ops.ones((2, 14, 14, 192))).shape
        (2, 197, 192)

    Reference: timm/models/vision_transformer.py `VisionTransformer._pos_embed`.
    """

    def __init__(
        self,
        class_token: bool = True,
        no_embed_class: bool = False,
        pos_embed_initializer=None,
        cls_token_initializer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.class_token = bool(class_token)
        self.no_embed_class = bool(no_embed_class)
        self.pos_embed_initializer = keras.initializers.get(
            pos_embed_initializer or keras.initializers.TruncatedNormal(stddev=0.02)
        )
        self.cls_token_initializer = keras.initializers.get(
            cls_token_initializer or keras.initializers.RandomNormal(stddev=1e-6)
        )
        self.input_spec = keras.layers.InputSpec(ndim=4)
        self.grid_size = None

    @property
    def num_prefix_tokens(self) -> int:
        return 1 if self.class_token else 0

    def _embed_len(self, rows: int, cols: int) -> int:
        return rows * cols + (0 if self.no_embed_class else self.num_prefix_tokens)

    def build(self, input_shape):
        rows, cols, dim = input_shape[1:]
        if None in (rows, cols, dim):
            raise ValueError(
                f"{self.name}: the patch grid and width must be known to size the position embeddings, "
                f"got input shape {tuple(input_shape)}."
            )
        self.grid_size = (int(rows), int(cols))
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={1: rows, 2: cols, 3: dim})
        if self.class_token:
            self.cls_token = self.add_weight(
                name="cls_token", shape=(1, 1, dim), initializer=self.cls_token_initializer
            )
        self.pos_embed = self.add_weight(
            name="pos_embed",
            shape=(1, self._embed_len(rows, cols), dim),
            initializer=self.pos_embed_initializer,
        )

    def call(self, inputs):
        rows, cols = self.grid_size
        batch, dim = ops.shape(inputs)[0], inputs.shape[-1]
        x = ops.reshape(inputs, (batch, rows * cols, dim))
        if self.no_embed_class:
            x = x + self.pos_embed
        if self.class_token:
            x = ops.concatenate([ops.broadcast_to(self.cls_token, (batch, 1, dim)), x], axis=1)
        if not self.no_embed_class:
            x = x + self.pos_embed
        return x

    def compute_output_shape(self, input_shape):
        rows, cols, dim = input_shape[1:]
        tokens = None if None in (rows, cols) else rows * cols + self.num_prefix_tokens
        return (input_shape[0], tokens, dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "class_token": self.class_token,
                "no_embed_class": self.no_embed_class,
                "pos_embed_initializer": keras.initializers.serialize(self.pos_embed_initializer),
                "cls_token_initializer": keras.initializers.serialize(self.cls_token_initializer),
            }
        )
        return config
