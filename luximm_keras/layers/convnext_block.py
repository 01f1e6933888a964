"""The ConvNeXt block: depthwise conv, LayerNorm, MLP, optional layer scale, residual.

Reference: timm/models/convnext.py `ConvNeXtBlock`
"""

from __future__ import annotations

import keras

from luximm_keras._serializable import serializable
from luximm_keras.layers import fused
from luximm_keras.layers.drop_path import DropPath
from luximm_keras.layers.grn_mlp import GlobalResponseNormMlp
from luximm_keras.layers.mlp import Mlp


@serializable
class ConvNeXtBlock(keras.layers.Layer):
    """`x + drop_path(gamma * mlp(norm(conv_dw(x))))` on a channels-last `(N, H, W, dim)` map.

    Sublayers carry timm's names (`conv_dw`, `norm`, `mlp`) and the layer scale is the block's own
    variable `gamma` (present only when `ls_init_value` is set, as in timm), so a timm block's state
    dict loads key for key. The block keeps its width and resolution (timm's stages always build it
    so: the shortcut is the identity). Computed channels-last throughout: timm's two layouts
    (`conv_mlp=True`: LayerNorm2d and 1x1 convs on NCHW; `conv_mlp=False`: LayerNorm and linear layers
    on NHWC) give the same numbers, and `conv_mlp` only decides whether the MLP's projections take
    1x1-conv or linear checkpoint weights.

    Args:
        dim: channels (input and output).
        kernel_size: depthwise kernel size, odd (timm pads `kernel_size // 2`, Keras' `"same"` at stride 1).
        mlp_ratio: MLP hidden width as a multiple of `dim` (`int(mlp_ratio * dim)`, as timm).
        conv_mlp: the MLP's projections are 1x1 `Conv2D`s (timm's `conv_mlp=True` weights) rather than
            `Dense`s. Only with `use_grn=True` (ConvNeXt-V2's MLP).
        conv_bias: whether the depthwise conv and the MLP projections have biases.
        use_grn: ConvNeXt-V2's `GlobalResponseNormMlp` instead of the plain `Mlp`.
        ls_init_value: initial value of the layer scale `gamma`, or None for no layer scale (V2).
        epsilon: epsilon of the LayerNorm (timm's 1e-6).
        drop_path: stochastic-depth rate of the residual branch.
        activation: the MLP activation (exact GELU).

    Example:
        >>> ConvNeXtBlock(40, use_grn=True, ls_init_value=None)(keras.ops.ones((2, 56, 56, 40))).shape
        (2, 56, 56, 40)

    Reference: timm/models/convnext.py `ConvNeXtBlock`.
    """

    def __init__(
        self,
        dim: int,
        kernel_size: int = 7,
        mlp_ratio: float = 4.0,
        conv_mlp: bool = False,
        conv_bias: bool = True,
        use_grn: bool = False,
        ls_init_value: float | None = 1e-6,
        epsilon: float = 1e-6,
        drop_path: float = 0.0,
        activation="gelu",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(dim) < 1:
            raise ValueError(f"`dim` must be a positive int, got {dim!r}.")
        if int(kernel_size) < 1 or int(kernel_size) % 2 == 0:
            raise ValueError(
                f"`kernel_size` must be a positive odd int (timm pads it symmetrically), got {kernel_size!r}."
            )
        if conv_mlp and not use_grn:
            raise ValueError(
                "`conv_mlp=True` is supported with `use_grn=True` only (ConvNeXt-V2's MLP); the plain "
                "`Mlp` takes linear weights."
            )
        self.dim = int(dim)
        self.kernel_size = int(kernel_size)
        self.mlp_ratio = float(mlp_ratio)
        self.conv_mlp = bool(conv_mlp)
        self.conv_bias = bool(conv_bias)
        self.use_grn = bool(use_grn)
        self.ls_init_value = None if ls_init_value is None else float(ls_init_value)
        self.epsilon = float(epsilon)
        self.drop_path_rate = float(drop_path)
        self.activation = keras.activations.get(activation)
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={-1: self.dim})

        sub = dict(dtype=self.dtype_policy)
        self.conv_dw = keras.layers.DepthwiseConv2D(
            self.kernel_size,
            padding="same",
            use_bias=self.conv_bias,
            data_format="channels_last",
            name="conv_dw",
            **sub,
        )
        self.norm = keras.layers.LayerNormalization(epsilon=self.epsilon, name="norm", **sub)
        hidden = int(self.mlp_ratio * self.dim)
        if self.use_grn:
            self.mlp = GlobalResponseNormMlp(
                hidden,
                activation=self.activation,
                use_bias=self.conv_bias,
                use_conv=self.conv_mlp,
                name="mlp",
                **sub,
            )
        else:
            self.mlp = Mlp(hidden, activation=self.activation, use_bias=self.conv_bias, name="mlp", **sub)
        self.drop_path = DropPath(self.drop_path_rate, name="drop_path", **sub)

    def build(self, input_shape):
        if input_shape[-1] != self.dim:
            raise ValueError(
                f"{self.name}: expected a map with dim={self.dim} channels, "
                f"got input shape {tuple(input_shape)}."
            )
        self.conv_dw.build(input_shape)
        self.norm.build(input_shape)
        self.mlp.build(input_shape)
        # timm keeps no parameter at all without layer scale; so does this block.
        self.gamma = None
        if self.ls_init_value is not None:
            self.gamma = self.add_weight(
                name="gamma", shape=(self.dim,), initializer=keras.initializers.Constant(self.ls_init_value)
            )

    def call(self, inputs, training=None):
        x = self.mlp(self.norm(self.conv_dw(inputs)), training=training)
        if self.gamma is not None:
            x = x * self.gamma
        return inputs + fused.dropout(self.drop_path, x, training)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "dim": self.dim,
                "kernel_size": self.kernel_size,
                "mlp_ratio": self.mlp_ratio,
                "conv_mlp": self.conv_mlp,
                "conv_bias": self.conv_bias,
                "use_grn": self.use_grn,
                "ls_init_value": self.ls_init_value,
                "epsilon": self.epsilon,
                "drop_path": self.drop_path_rate,
                "activation": keras.activations.serialize(self.activation),
            }
        )
        return config
