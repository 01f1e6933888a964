"""ConvNeXt (V2) as functional Keras models that load timm's state dicts: the block, the architecture
table, the pretrained configs, the builder and the checkpoint filter.

Layer names are timm's module paths with `__` for `.`: `stem__0` (4x4 stride-4 conv), `stem__1`
(LayerNorm2d), `stages__1__downsample__0`/`__1` (LayerNorm2d, 2x2 stride-2 conv), the blocks
`stages__0__blocks__2`, and the head `head__global_pool`, `head__norm`, `head__fc` (timm's
`NormMlpClassifierHead`: average pool, then LayerNorm, then the classifier).

Reference: timm/models/convnext.py
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import keras
import numpy as np

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.data.constants import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD
from luximm_keras.layers.drop import DropPath, calculate_drop_path_rates
from luximm_keras.layers.mlp import GlobalResponseNormMlp, Mlp
from luximm_keras.layers.norm import LayerNorm2D
from luximm_keras.models._builder import BuildArgs, FeatureMap, ModelGraph, model_input, timm_shapes
from luximm_keras.models._pretrained import generate_default_cfgs
from luximm_keras.models._registry import register_family


@serializable
class ConvNeXtBlock(keras.layers.Layer):
    """`x + drop_path(gamma * mlp(norm(conv_dw(x))))` on a channels-last `(N, H, W, dim)` map.

    Sublayers carry timm's names (`conv_dw`, `norm`, `mlp`) and the layer scale is the block's own
    variable `gamma` (present only when `init_values` is set, as in timm), so a timm block's state
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
        init_values: initial value of the layer scale `gamma` (timm's `ls_init_value`), or None for no
            layer scale (V2).
        epsilon: epsilon of the LayerNorm (timm's 1e-6).
        drop_path_rate: stochastic-depth rate of the residual branch.
        activation: the MLP activation (exact GELU).

    Example:
        >>> ConvNeXtBlock(40, use_grn=True, init_values=None)(keras.ops.ones((2, 56, 56, 40))).shape
        (2, 56, 56, 40)

    Reference: timm/models/convnext.py `ConvNeXtBlock`.
    """

    timm_mapping = {"gamma": ("gamma", "identity")}

    def __init__(
        self,
        dim: int,
        kernel_size: int = 7,
        mlp_ratio: float = 4.0,
        conv_mlp: bool = False,
        conv_bias: bool = True,
        use_grn: bool = False,
        init_values: float | None = 1e-6,
        epsilon: float = 1e-6,
        drop_path_rate: float = 0.0,
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
        self.init_values = None if init_values is None else float(init_values)
        self.epsilon = float(epsilon)
        self.drop_path_rate = float(drop_path_rate)
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
        if self.init_values is not None:
            self.gamma = self.add_weight(
                name="gamma", shape=(self.dim,), initializer=keras.initializers.Constant(self.init_values)
            )

    def call(self, inputs, training=None):
        x = self.mlp(self.norm(self.conv_dw(inputs)), training=training)
        if self.gamma is not None:
            x = x * self.gamma
        return inputs + backend_ops.call_layer(self.drop_path, x, training)

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
                "init_values": self.init_values,
                "epsilon": self.epsilon,
                "drop_path_rate": self.drop_path_rate,
                "activation": keras.activations.serialize(self.activation),
            }
        )
        return config


@dataclass(frozen=True)
class ConvNeXtCfg:
    """The arguments timm's `convnextv2_*` constructors give `ConvNeXt` (besides `use_grn=True`,
    `ls_init_value=None`); `conv_mlp` decides whether the blocks' MLPs take 1x1-conv or linear weights."""

    depths: tuple[int, int, int, int]
    dims: tuple[int, int, int, int]
    conv_mlp: bool = False
    use_grn: bool = True
    init_values: float | None = None


model_cfgs: dict[str, ConvNeXtCfg] = {
    "convnextv2_atto": ConvNeXtCfg(depths=(2, 2, 6, 2), dims=(40, 80, 160, 320), conv_mlp=True),
    "convnextv2_nano": ConvNeXtCfg(depths=(2, 2, 8, 2), dims=(80, 160, 320, 640), conv_mlp=True),
    "convnextv2_tiny": ConvNeXtCfg(depths=(3, 3, 9, 3), dims=(96, 192, 384, 768)),
}


def _cfgv2(url: str = "", **kwargs) -> dict:
    return {
        "url": url,
        "num_classes": 1000, "input_size": (3, 224, 224), "pool_size": (7, 7),
        "crop_pct": 0.875, "interpolation": "bicubic",
        "mean": IMAGENET_DEFAULT_MEAN, "std": IMAGENET_DEFAULT_STD,
        "first_conv": "stem.0", "classifier": "head.fc",
        "license": "cc-by-nc-4.0", "paper_ids": "arXiv:2301.00808",
        "paper_name": "ConvNeXt V2: Co-designing and Scaling ConvNets with Masked Autoencoders",
        "origin_url": "https://github.com/facebookresearch/ConvNeXt-V2",
        **kwargs,
    }


# timm's entries for the architectures above, in timm's order (the first with weights is the default).
default_cfgs = generate_default_cfgs({
    "convnextv2_nano.fcmae_ft_in22k_in1k": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im22k/convnextv2_nano_22k_224_ema.pt",
        hf_hub_id="timm/", test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnextv2_nano.fcmae_ft_in22k_in1k_384": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im22k/convnextv2_nano_22k_384_ema.pt",
        hf_hub_id="timm/", input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "convnextv2_tiny.fcmae_ft_in22k_in1k": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im22k/convnextv2_tiny_22k_224_ema.pt",
        hf_hub_id="timm/", test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnextv2_tiny.fcmae_ft_in22k_in1k_384": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im22k/convnextv2_tiny_22k_384_ema.pt",
        hf_hub_id="timm/", input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "convnextv2_atto.fcmae_ft_in1k": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im1k/convnextv2_atto_1k_224_ema.pt",
        hf_hub_id="timm/", test_input_size=(3, 288, 288), test_crop_pct=0.95),
    "convnextv2_nano.fcmae_ft_in1k": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im1k/convnextv2_nano_1k_224_ema.pt",
        hf_hub_id="timm/", test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnextv2_tiny.fcmae_ft_in1k": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im1k/convnextv2_tiny_1k_224_ema.pt",
        hf_hub_id="timm/", test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnextv2_atto.fcmae": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/pt_only/convnextv2_atto_1k_224_fcmae.pt",
        hf_hub_id="timm/", num_classes=0),
    "convnextv2_nano.fcmae": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/pt_only/convnextv2_nano_1k_224_fcmae.pt",
        hf_hub_id="timm/", num_classes=0),
    "convnextv2_tiny.fcmae": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/pt_only/convnextv2_tiny_1k_224_fcmae.pt",
        hf_hub_id="timm/", num_classes=0),
})

PATCH_SIZE = 4  # the stem
EPSILON = 1e-6  # timm's LayerNorm2d and LayerNorm


def _create_convnext(variant: str, args: BuildArgs) -> ModelGraph:
    """timm's `variant` (a key of `model_cfgs`): NHWC images of any size (or `img_size`) in, logits out
    (the pooled, normalized features when `num_classes=0`). `drop_path_rate` is the stochastic depth
    of the last block, rising linearly over all blocks from 0 at the first (timm's rule). The
    feature maps are the stages' outputs."""
    cfg = model_cfgs[variant]
    rates = iter(calculate_drop_path_rates(args.drop_path_rate, sum(cfg.depths)))
    inputs = model_input(args.in_chans, args.img_size)
    x = keras.layers.Conv2D(cfg.dims[0], PATCH_SIZE, strides=PATCH_SIZE, name="stem__0")(inputs)
    x = LayerNorm2D(epsilon=EPSILON, name="stem__1")(x)
    features = []
    for i, (depth, dim) in enumerate(zip(cfg.depths, cfg.dims)):
        if i > 0:
            x = LayerNorm2D(epsilon=EPSILON, name=f"stages__{i}__downsample__0")(x)
            x = keras.layers.Conv2D(dim, 2, strides=2, name=f"stages__{i}__downsample__1")(x)
        for j in range(depth):
            x = ConvNeXtBlock(
                dim, conv_mlp=cfg.conv_mlp, use_grn=cfg.use_grn, init_values=cfg.init_values, epsilon=EPSILON,
                drop_path_rate=next(rates), name=f"stages__{i}__blocks__{j}",
            )(x)
        features.append(FeatureMap(x, dim, PATCH_SIZE * 2**i, f"stages.{i}"))
    x = keras.layers.GlobalAveragePooling2D(name="head__global_pool")(x)
    x = keras.layers.LayerNormalization(epsilon=EPSILON, name="head__norm")(x)
    if args.num_classes:
        x = keras.layers.Dense(args.num_classes, name="head__fc")(x)
    return ModelGraph(inputs, x, features)


def checkpoint_filter_fn(state: Mapping[str, np.ndarray], model: keras.Model) -> dict[str, np.ndarray]:
    """timm's `checkpoint_filter_fn`: a timm state dict passes as it is; an original Facebook one
    (`downsample_layers.*`, `dwconv`, `pwconv*`, `grn.gamma`) is renamed to timm's keys, GRN
    parameters flattened and linear weights reshaped to the model's (1x1 conv) layout.
    (OpenCLIP's `visual.trunk.*` checkpoints, which timm's filter also reads, are not converted.)"""
    if "head.norm.weight" in state or "norm_pre.weight" in state or "stem.0.weight" in state:
        return dict(state)
    shapes = timm_shapes(model)
    out = {}
    for key, value in state.items():
        if key.startswith(("projectors.", "norms.")):
            continue
        key = key.replace("downsample_layers.0.", "stem.")
        key = re.sub(r"stages.([0-9]+).([0-9]+)", r"stages.\1.blocks.\2", key)
        key = re.sub(r"downsample_layers.([0-9]+).([0-9]+)", r"stages.\1.downsample.\2", key)
        key = key.replace("dwconv", "conv_dw").replace("pwconv", "mlp.fc")
        if "grn" in key:
            key = key.replace("grn.beta", "mlp.grn.bias").replace("grn.gamma", "mlp.grn.weight")
            value = np.asarray(value).reshape(np.shape(value)[-1])
        key = key.replace("head.", "head.fc.")
        if key.startswith("norm."):
            key = key.replace("norm", "head.norm")
        if np.ndim(value) == 2 and "head" not in key and key in shapes:
            value = np.asarray(value).reshape(shapes[key])
        out[key] = value
    return out


register_family(model_cfgs, _create_convnext, default_cfgs, checkpoint_filter_fn, feature_out_indices=(0, 1, 2, 3))
