"""The pre-norm transformer block of ViT.

Reference: timm/models/vision_transformer.py `Block`
"""

from __future__ import annotations

import keras

from luximm_keras._serializable import serializable
from luximm_keras.layers import fused
from luximm_keras.layers.attention import MultiHeadSelfAttention
from luximm_keras.layers.drop_path import DropPath
from luximm_keras.layers.layer_scale import LayerScale
from luximm_keras.layers.mlp import Mlp


@serializable
class ViTBlock(keras.layers.Layer):
    """`x + ls1(attn(norm1(x)))`, then `x + ls2(mlp(norm2(x)))`, each branch under stochastic depth.

    Sublayers carry timm's names (`norm1`, `attn`, `ls1`, `norm2`, `mlp`, `ls2`), so a timm block's
    state dict loads key for key. `ls1`/`ls2` exist only when `init_values` is set.

    Args:
        dim: token width.
        num_heads: attention heads; `dim` must be divisible by it.
        mlp_ratio: MLP hidden width as a multiple of `dim` (`int(dim * mlp_ratio)`, as timm).
        qkv_bias: whether the attention's `qkv` has a bias.
        qk_norm: layer-normalize queries and keys per head.
        epsilon: epsilon of every LayerNorm in the block (ViT's 1e-6).
        init_values: LayerScale's initial value, or None for no LayerScale.
        drop_path: stochastic-depth rate of both branches.
        proj_drop, attn_drop: dropout rates of the projections and attention weights.
        activation: the MLP activation (exact GELU).

    Example:
        >>> ViTBlock(192, num_heads=3)(keras.ops.ones((2, 197, 192))).shape
        (2, 197, 192)

    Reference: timm/models/vision_transformer.py `Block`.
    """

    def __init__(
        self,
        dim: int,
        num_heads: int,
        mlp_ratio: float = 4.0,
        qkv_bias: bool = True,
        qk_norm: bool = False,
        epsilon: float = 1e-6,
        init_values: float | None = None,
        drop_path: float = 0.0,
        proj_drop: float = 0.0,
        attn_drop: float = 0.0,
        activation="gelu",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.dim = int(dim)
        self.num_heads = int(num_heads)
        self.mlp_ratio = float(mlp_ratio)
        self.qkv_bias = bool(qkv_bias)
        self.qk_norm = bool(qk_norm)
        self.epsilon = float(epsilon)
        self.init_values = None if init_values is None else float(init_values)
        self.drop_path_rate = float(drop_path)
        self.proj_drop_rate = float(proj_drop)
        self.attn_drop_rate = float(attn_drop)
        self.activation = keras.activations.get(activation)
        self.input_spec = keras.layers.InputSpec(ndim=3, axes={-1: self.dim})

        sub = dict(dtype=self.dtype_policy)
        self.norm1 = keras.layers.LayerNormalization(epsilon=self.epsilon, name="norm1", **sub)
        self.attn = MultiHeadSelfAttention(
            self.dim,
            num_heads=self.num_heads,
            qkv_bias=self.qkv_bias,
            qk_norm=self.qk_norm,
            attn_drop=self.attn_drop_rate,
            proj_drop=self.proj_drop_rate,
            norm_epsilon=self.epsilon,
            name="attn",
            **sub,
        )
        self.norm2 = keras.layers.LayerNormalization(epsilon=self.epsilon, name="norm2", **sub)
        self.mlp = Mlp(
            int(self.dim * self.mlp_ratio),
            activation=self.activation,
            drop=self.proj_drop_rate,
            name="mlp",
            **sub,
        )
        # timm uses nn.Identity where these are off; no layer at all keeps the weights list equal to timm's.
        self.ls1 = self.ls2 = None
        if self.init_values:
            self.ls1 = LayerScale(self.init_values, name="ls1", **sub)
            self.ls2 = LayerScale(self.init_values, name="ls2", **sub)
        self.drop_path1 = DropPath(self.drop_path_rate, name="drop_path1", **sub)
        self.drop_path2 = DropPath(self.drop_path_rate, name="drop_path2", **sub)

    def build(self, input_shape):
        if input_shape[-1] != self.dim:
            raise ValueError(
                f"{self.name}: expected tokens of width dim={self.dim}, got input shape {tuple(input_shape)}."
            )
        for layer in (self.norm1, self.attn, self.ls1, self.norm2, self.mlp, self.ls2):
            if layer is not None:
                layer.build(input_shape)

    def call(self, inputs, training=None):
        y = self.attn(self.norm1(inputs), training=training)
        if self.ls1 is not None:
            y = self.ls1(y)
        x = inputs + fused.dropout(self.drop_path1, y, training)
        y = self.mlp(self.norm2(x), training=training)
        if self.ls2 is not None:
            y = self.ls2(y)
        return x + fused.dropout(self.drop_path2, y, training)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "dim": self.dim,
                "num_heads": self.num_heads,
                "mlp_ratio": self.mlp_ratio,
                "qkv_bias": self.qkv_bias,
                "qk_norm": self.qk_norm,
                "epsilon": self.epsilon,
                "init_values": self.init_values,
                "drop_path": self.drop_path_rate,
                "proj_drop": self.proj_drop_rate,
                "attn_drop": self.attn_drop_rate,
                "activation": keras.activations.serialize(self.activation),
            }
        )
        return config
