"""ConvNeXt (V1 and V2) as functional Keras models that load timm's state dicts: the blocks, the
architecture table, the pretrained configs, the builder and the checkpoint filter.

Layer names are timm's module paths with `__` for `.`: the stem `stem__0`, `stem__1` (4x4 stride-4
conv, norm) or, for the overlapping stems (`_ols`), two padded 3x3 stride-2 convs (`stem__0`,
`stem__1` or `stem__2`, an activation between for `overlap_act`) and the norm; `stages__1__downsample__0`/
`__1` (norm, 2x2 stride-2 conv); the blocks `stages__0__blocks__2`; and the head: timm's
`NormMlpClassifierHead` (`head__global_pool`, `head__norm`, `head__pre_logits__fc` where the head has
a hidden layer, `head__fc`), or with `head_norm_first` a `norm_pre` on the map before the plain
`ClassifierHead` (`head__global_pool`, `head__fc`).

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
from luximm_keras.data.constants import (
    IMAGENET_DEFAULT_MEAN,
    IMAGENET_DEFAULT_STD,
    OPENAI_CLIP_MEAN,
    OPENAI_CLIP_STD,
)
from luximm_keras.layers.activations import TIMM_ACTIVATIONS, get_act
from luximm_keras.layers.drop import DropPath, calculate_drop_path_rates
from luximm_keras.layers.helpers import make_divisible
from luximm_keras.layers.mlp import ConvMlp, GlobalResponseNormMlp, Mlp
from luximm_keras.layers.norm import LayerNorm2D, RmsNorm2D, SimpleNorm2D
from luximm_keras.models._builder import BuildArgs, FeatureMap, ModelGraph, model_input, timm_shapes
from luximm_keras.models._pretrained import generate_default_cfgs
from luximm_keras.models._registry import register_family

# timm's `norm_layer` names: the norm of NCHW maps (stem, downsample, conv_mlp blocks, head).
NORM_LAYERS_2D = {"layernorm": LayerNorm2D, "rmsnorm": RmsNorm2D, "simplenorm": SimpleNorm2D}


@serializable
class ConvNeXtBlock(keras.layers.Layer):
    """`x + drop_path(gamma * mlp(norm(conv_dw(x))))` on a channels-last `(N, H, W, dim)` map.

    Sublayers carry timm's names (`conv_dw`, `norm`, `mlp`) and the layer scale is the block's own
    variable `gamma` (present only when `init_values` is set, as in timm), so a timm block's state
    dict loads key for key. The block keeps its width and resolution (timm's stages always build it
    so: the shortcut is the identity). Computed channels-last throughout: timm's two layouts
    (`conv_mlp=True`: a 2D norm and 1x1 convs on NCHW; `conv_mlp=False`: a norm and linear layers on
    NHWC) give the same numbers, and `conv_mlp` only decides whether the MLP's projections take 1x1-conv
    or linear checkpoint weights.

    Args:
        dim: channels (input and output).
        kernel_size: depthwise kernel size, odd (timm pads `kernel_size // 2`, Keras' `"same"` at stride 1).
        mlp_ratio: MLP hidden width as a multiple of `dim` (`int(mlp_ratio * dim)`, as timm).
        conv_mlp: the MLP's projections take timm's 1x1-conv weights (`ConvMlp`, or
            `GlobalResponseNormMlp(use_conv=True)`) rather than linear ones.
        conv_bias: whether the depthwise conv and the MLP projections have biases.
        use_grn: ConvNeXt-V2's `GlobalResponseNormMlp` instead of the plain `Mlp`.
        init_values: initial value of the layer scale `gamma` (timm's `ls_init_value`), or None for no
            layer scale (V2).
        epsilon: epsilon of the norm (timm's 1e-6).
        drop_path_rate: stochastic-depth rate of the residual branch.
        activation: the MLP activation (exact GELU); also timm's `"gelu_tanh"`.
        dilation: dilation of the depthwise conv (timm's `output_stride` below 32 dilates the last
            stages; padded symmetrically by `dilation * (kernel_size - 1) // 2`, as timm).
        norm_layer: timm's norm name: `"layernorm"` (`keras.layers.LayerNormalization`), `"rmsnorm"`
            (`RmsNorm2D`) or `"simplenorm"` (`SimpleNorm2D`).

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
        norm_layer: str = "layernorm",
        dilation: int = 1,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(dilation) < 1:
            raise ValueError(f"`dilation` must be a positive int, got {dilation!r}.")
        if int(dim) < 1:
            raise ValueError(f"`dim` must be a positive int, got {dim!r}.")
        if int(kernel_size) < 1 or int(kernel_size) % 2 == 0:
            raise ValueError(
                f"`kernel_size` must be a positive odd int (timm pads it symmetrically), got {kernel_size!r}."
            )
        if norm_layer not in NORM_LAYERS_2D:
            raise ValueError(f"`norm_layer` must be one of {sorted(NORM_LAYERS_2D)}, got {norm_layer!r}.")
        self.dim = int(dim)
        self.kernel_size = int(kernel_size)
        self.mlp_ratio = float(mlp_ratio)
        self.conv_mlp = bool(conv_mlp)
        self.conv_bias = bool(conv_bias)
        self.use_grn = bool(use_grn)
        self.init_values = None if init_values is None else float(init_values)
        self.epsilon = float(epsilon)
        self.drop_path_rate = float(drop_path_rate)
        # timm's names Keras lacks stay names in the config; the others are Keras' serialized form.
        self._activation_config = activation if isinstance(activation, str) and activation in TIMM_ACTIVATIONS else None
        self.activation = get_act(activation)
        self.norm_layer = norm_layer
        self.dilation = int(dilation)
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={-1: self.dim})

        sub = dict(dtype=self.dtype_policy)
        self.conv_dw = keras.layers.DepthwiseConv2D(
            self.kernel_size,
            padding="same",  # stride 1, odd kernel: timm's symmetric padding, dilated or not
            dilation_rate=self.dilation,
            use_bias=self.conv_bias,
            data_format="channels_last",
            name="conv_dw",
            **sub,
        )
        if norm_layer == "layernorm":
            self.norm = keras.layers.LayerNormalization(epsilon=self.epsilon, name="norm", **sub)
        else:
            norm = NORM_LAYERS_2D[norm_layer]
            self.norm = norm(epsilon=self.epsilon, data_format="channels_last", name="norm", **sub)
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
            mlp = ConvMlp if self.conv_mlp else Mlp
            self.mlp = mlp(hidden, activation=self.activation, use_bias=self.conv_bias, name="mlp", **sub)
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
                "activation": self._activation_config or keras.activations.serialize(self.activation),
                "norm_layer": self.norm_layer,
                "dilation": self.dilation,
            }
        )
        return config


@dataclass(frozen=True)
class ConvNeXtCfg:
    """The arguments timm's constructors give `ConvNeXt` (timm's names and defaults): `kernel_sizes`
    one per stage or one for all, `stem_type` `"patch"`, `"overlap"`, `"overlap_tiered"` or
    `"overlap_act"`, `norm_eps` None for the norms' own (1e-6)."""

    depths: tuple[int, int, int, int]
    dims: tuple[int, int, int, int]
    kernel_sizes: int | tuple[int, int, int, int] = 7
    ls_init_value: float | None = 1e-6
    stem_type: str = "patch"
    head_norm_first: bool = False
    head_hidden_size: int | None = None
    conv_mlp: bool = False
    use_grn: bool = False
    act_layer: str = "gelu"
    norm_layer: str = "layernorm"
    norm_eps: float | None = None


_V2 = dict(use_grn=True, ls_init_value=None)

# timm's registered constructors, in timm's order.
model_cfgs: dict[str, ConvNeXtCfg] = {
    "convnext_zepto_rms": ConvNeXtCfg(
        depths=(2, 2, 4, 2), dims=(32, 64, 128, 256), conv_mlp=True, norm_layer="simplenorm"),
    "convnext_zepto_rms_ols": ConvNeXtCfg(
        depths=(2, 2, 4, 2), dims=(32, 64, 128, 256), conv_mlp=True, norm_layer="simplenorm",
        stem_type="overlap_act"),
    "convnext_atto": ConvNeXtCfg(depths=(2, 2, 6, 2), dims=(40, 80, 160, 320), conv_mlp=True),
    "convnext_atto_ols": ConvNeXtCfg(
        depths=(2, 2, 6, 2), dims=(40, 80, 160, 320), conv_mlp=True, stem_type="overlap_tiered"),
    "convnext_atto_rms": ConvNeXtCfg(
        depths=(2, 2, 6, 2), dims=(40, 80, 160, 320), conv_mlp=True, norm_layer="rmsnorm"),
    "convnext_femto": ConvNeXtCfg(depths=(2, 2, 6, 2), dims=(48, 96, 192, 384), conv_mlp=True),
    "convnext_femto_ols": ConvNeXtCfg(
        depths=(2, 2, 6, 2), dims=(48, 96, 192, 384), conv_mlp=True, stem_type="overlap_tiered"),
    "convnext_pico": ConvNeXtCfg(depths=(2, 2, 6, 2), dims=(64, 128, 256, 512), conv_mlp=True),
    "convnext_pico_ols": ConvNeXtCfg(
        depths=(2, 2, 6, 2), dims=(64, 128, 256, 512), conv_mlp=True, stem_type="overlap_tiered"),
    "convnext_nano": ConvNeXtCfg(depths=(2, 2, 8, 2), dims=(80, 160, 320, 640), conv_mlp=True),
    "convnext_nano_ols": ConvNeXtCfg(
        depths=(2, 2, 8, 2), dims=(80, 160, 320, 640), conv_mlp=True, stem_type="overlap"),
    "convnext_tiny_hnf": ConvNeXtCfg(
        depths=(3, 3, 9, 3), dims=(96, 192, 384, 768), head_norm_first=True, conv_mlp=True),
    "convnext_tiny": ConvNeXtCfg(depths=(3, 3, 9, 3), dims=(96, 192, 384, 768)),
    "convnext_small": ConvNeXtCfg(depths=(3, 3, 27, 3), dims=(96, 192, 384, 768)),
    "convnext_base": ConvNeXtCfg(depths=(3, 3, 27, 3), dims=(128, 256, 512, 1024)),
    "convnext_large": ConvNeXtCfg(depths=(3, 3, 27, 3), dims=(192, 384, 768, 1536)),
    "convnext_large_mlp": ConvNeXtCfg(depths=(3, 3, 27, 3), dims=(192, 384, 768, 1536), head_hidden_size=1536),
    "convnext_xlarge": ConvNeXtCfg(depths=(3, 3, 27, 3), dims=(256, 512, 1024, 2048)),
    "convnext_xxlarge": ConvNeXtCfg(depths=(3, 4, 30, 3), dims=(384, 768, 1536, 3072), norm_eps=1e-5),
    "convnextv2_atto": ConvNeXtCfg(depths=(2, 2, 6, 2), dims=(40, 80, 160, 320), conv_mlp=True, **_V2),
    "convnextv2_femto": ConvNeXtCfg(depths=(2, 2, 6, 2), dims=(48, 96, 192, 384), conv_mlp=True, **_V2),
    "convnextv2_pico": ConvNeXtCfg(depths=(2, 2, 6, 2), dims=(64, 128, 256, 512), conv_mlp=True, **_V2),
    "convnextv2_nano": ConvNeXtCfg(depths=(2, 2, 8, 2), dims=(80, 160, 320, 640), conv_mlp=True, **_V2),
    "convnextv2_tiny": ConvNeXtCfg(depths=(3, 3, 9, 3), dims=(96, 192, 384, 768), **_V2),
    "convnextv2_small": ConvNeXtCfg(depths=(3, 3, 27, 3), dims=(96, 192, 384, 768), **_V2),
    "convnextv2_base": ConvNeXtCfg(depths=(3, 3, 27, 3), dims=(128, 256, 512, 1024), **_V2),
    "convnextv2_large": ConvNeXtCfg(depths=(3, 3, 27, 3), dims=(192, 384, 768, 1536), **_V2),
    "convnextv2_huge": ConvNeXtCfg(depths=(3, 3, 27, 3), dims=(352, 704, 1408, 2816), **_V2),
    "test_convnext": ConvNeXtCfg(depths=(1, 2, 4, 2), dims=(24, 32, 48, 64), norm_eps=1e-5, act_layer="gelu_tanh"),
    "test_convnext2": ConvNeXtCfg(depths=(1, 1, 1, 1), dims=(32, 64, 96, 128), norm_eps=1e-5, act_layer="gelu_tanh"),
    "test_convnext3": ConvNeXtCfg(
        depths=(1, 1, 1, 1), dims=(32, 64, 96, 128), norm_eps=1e-5, kernel_sizes=(7, 5, 5, 3), act_layer="silu"),
}


def _cfg(url: str = "", **kwargs) -> dict:
    return {
        "url": url,
        "num_classes": 1000, "input_size": (3, 224, 224), "pool_size": (7, 7),
        "crop_pct": 0.875, "interpolation": "bicubic",
        "mean": IMAGENET_DEFAULT_MEAN, "std": IMAGENET_DEFAULT_STD,
        "first_conv": "stem.0", "classifier": "head.fc",
        "license": "apache-2.0", **kwargs,
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


# timm's entries, in timm's order (the first with weights is an architecture's default).
default_cfgs = generate_default_cfgs({
    # timm specific variants
    "convnext_tiny.in12k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        crop_pct=0.95, test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnext_small.in12k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        crop_pct=0.95, test_input_size=(3, 288, 288), test_crop_pct=1.0),

    "convnext_zepto_rms.ra4_e3600_r224_in1k": _cfg(
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)),
    "convnext_zepto_rms_ols.ra4_e3600_r224_in1k": _cfg(
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        crop_pct=0.9),
    "convnext_atto.d2_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rsb-weights/convnext_atto_d2-01bb0f51.pth",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=0.95),
    "convnext_atto_ols.a2_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rsb-weights/convnext_atto_ols_a2-78d1c8f3.pth",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=0.95),
    "convnext_atto_rms.untrained": _cfg(
        # hf_hub_id="timm/",
        test_input_size=(3, 256, 256), test_crop_pct=0.95),
    "convnext_femto.d1_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rsb-weights/convnext_femto_d1-d71d5b4c.pth",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=0.95),
    "convnext_femto_ols.d1_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rsb-weights/convnext_femto_ols_d1-246bf2ed.pth",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=0.95),
    "convnext_pico.d1_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rsb-weights/convnext_pico_d1-10ad7f0d.pth",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=0.95),
    "convnext_pico_ols.d1_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rsb-weights/convnext_pico_ols_d1-611f0ca7.pth",
        hf_hub_id="timm/",
        crop_pct=0.95, test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnext_nano.in12k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        crop_pct=0.95, test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnext_nano.d1h_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rsb-weights/convnext_nano_d1h-7eb4bdea.pth",
        hf_hub_id="timm/",
        crop_pct=0.95, test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnext_nano_ols.d1h_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rsb-weights/convnext_nano_ols_d1h-ae424a9a.pth",
        hf_hub_id="timm/",
        crop_pct=0.95, test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnext_tiny_hnf.a2h_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rsb-weights/convnext_tiny_hnf_a2h-ab7e9df2.pth",
        hf_hub_id="timm/",
        crop_pct=0.95, test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnext_nano.r384_in12k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0),

    "convnext_tiny.in12k_ft_in1k_384": _cfg(
        hf_hub_id="timm/",
       input_size=(3, 384, 384), pool_size=(12, 12),  crop_pct=1.0, crop_mode="squash"),
    "convnext_small.in12k_ft_in1k_384": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0,  crop_mode="squash"),

    "convnext_nano.in12k": _cfg(
        hf_hub_id="timm/",
        crop_pct=0.95, num_classes=11821),
    "convnext_nano.r384_in12k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, num_classes=11821),
    "convnext_nano.r384_ad_in12k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, num_classes=11821),
    "convnext_tiny.in12k": _cfg(
        hf_hub_id="timm/",
        crop_pct=0.95, num_classes=11821),
    "convnext_small.in12k": _cfg(
        hf_hub_id="timm/",
        crop_pct=0.95, num_classes=11821),

    "convnext_tiny.fb_in22k_ft_in1k": _cfg(
        url="https://dl.fbaipublicfiles.com/convnext/convnext_tiny_22k_1k_224.pth",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnext_small.fb_in22k_ft_in1k": _cfg(
        url="https://dl.fbaipublicfiles.com/convnext/convnext_small_22k_1k_224.pth",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnext_base.fb_in22k_ft_in1k": _cfg(
        url="https://dl.fbaipublicfiles.com/convnext/convnext_base_22k_1k_224.pth",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnext_large.fb_in22k_ft_in1k": _cfg(
        url="https://dl.fbaipublicfiles.com/convnext/convnext_large_22k_1k_224.pth",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnext_xlarge.fb_in22k_ft_in1k": _cfg(
        url="https://dl.fbaipublicfiles.com/convnext/convnext_xlarge_22k_1k_224_ema.pth",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=1.0),

    "convnext_tiny.fb_in1k": _cfg(
        url="https://dl.fbaipublicfiles.com/convnext/convnext_tiny_1k_224_ema.pth",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnext_small.fb_in1k": _cfg(
        url="https://dl.fbaipublicfiles.com/convnext/convnext_small_1k_224_ema.pth",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnext_base.fb_in1k": _cfg(
        url="https://dl.fbaipublicfiles.com/convnext/convnext_base_1k_224_ema.pth",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnext_large.fb_in1k": _cfg(
        url="https://dl.fbaipublicfiles.com/convnext/convnext_large_1k_224_ema.pth",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=1.0),

    "convnext_tiny.fb_in22k_ft_in1k_384": _cfg(
        url="https://dl.fbaipublicfiles.com/convnext/convnext_tiny_22k_1k_384.pth",
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "convnext_small.fb_in22k_ft_in1k_384": _cfg(
        url="https://dl.fbaipublicfiles.com/convnext/convnext_small_22k_1k_384.pth",
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "convnext_base.fb_in22k_ft_in1k_384": _cfg(
        url="https://dl.fbaipublicfiles.com/convnext/convnext_base_22k_1k_384.pth",
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "convnext_large.fb_in22k_ft_in1k_384": _cfg(
        url="https://dl.fbaipublicfiles.com/convnext/convnext_large_22k_1k_384.pth",
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "convnext_xlarge.fb_in22k_ft_in1k_384": _cfg(
        url="https://dl.fbaipublicfiles.com/convnext/convnext_xlarge_22k_1k_384_ema.pth",
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),

    "convnext_tiny.fb_in22k": _cfg(
        url="https://dl.fbaipublicfiles.com/convnext/convnext_tiny_22k_224.pth",
        hf_hub_id="timm/",
        num_classes=21841),
    "convnext_small.fb_in22k": _cfg(
        url="https://dl.fbaipublicfiles.com/convnext/convnext_small_22k_224.pth",
        hf_hub_id="timm/",
        num_classes=21841),
    "convnext_base.fb_in22k": _cfg(
        url="https://dl.fbaipublicfiles.com/convnext/convnext_base_22k_224.pth",
        hf_hub_id="timm/",
        num_classes=21841),
    "convnext_large.fb_in22k": _cfg(
        url="https://dl.fbaipublicfiles.com/convnext/convnext_large_22k_224.pth",
        hf_hub_id="timm/",
        num_classes=21841),
    "convnext_xlarge.fb_in22k": _cfg(
        url="https://dl.fbaipublicfiles.com/convnext/convnext_xlarge_22k_224.pth",
        hf_hub_id="timm/",
        num_classes=21841),

    "convnextv2_nano.fcmae_ft_in22k_in1k": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im22k/convnextv2_nano_22k_224_ema.pt",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnextv2_nano.fcmae_ft_in22k_in1k_384": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im22k/convnextv2_nano_22k_384_ema.pt",
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "convnextv2_tiny.fcmae_ft_in22k_in1k": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im22k/convnextv2_tiny_22k_224_ema.pt",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnextv2_tiny.fcmae_ft_in22k_in1k_384": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im22k/convnextv2_tiny_22k_384_ema.pt",
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "convnextv2_base.fcmae_ft_in22k_in1k": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im22k/convnextv2_base_22k_224_ema.pt",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnextv2_base.fcmae_ft_in22k_in1k_384": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im22k/convnextv2_base_22k_384_ema.pt",
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "convnextv2_large.fcmae_ft_in22k_in1k": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im22k/convnextv2_large_22k_224_ema.pt",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnextv2_large.fcmae_ft_in22k_in1k_384": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im22k/convnextv2_large_22k_384_ema.pt",
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "convnextv2_huge.fcmae_ft_in22k_in1k_384": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im22k/convnextv2_huge_22k_384_ema.pt",
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "convnextv2_huge.fcmae_ft_in22k_in1k_512": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im22k/convnextv2_huge_22k_512_ema.pt",
        hf_hub_id="timm/",
        input_size=(3, 512, 512), pool_size=(15, 15), crop_pct=1.0, crop_mode="squash"),

    "convnextv2_atto.fcmae_ft_in1k": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im1k/convnextv2_atto_1k_224_ema.pt",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=0.95),
    "convnextv2_femto.fcmae_ft_in1k": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im1k/convnextv2_femto_1k_224_ema.pt",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=0.95),
    "convnextv2_pico.fcmae_ft_in1k": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im1k/convnextv2_pico_1k_224_ema.pt",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=0.95),
    "convnextv2_nano.fcmae_ft_in1k": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im1k/convnextv2_nano_1k_224_ema.pt",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnextv2_tiny.fcmae_ft_in1k": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im1k/convnextv2_tiny_1k_224_ema.pt",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnextv2_base.fcmae_ft_in1k": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im1k/convnextv2_base_1k_224_ema.pt",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnextv2_large.fcmae_ft_in1k": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im1k/convnextv2_large_1k_224_ema.pt",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "convnextv2_huge.fcmae_ft_in1k": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/im1k/convnextv2_huge_1k_224_ema.pt",
        hf_hub_id="timm/",
        test_input_size=(3, 288, 288), test_crop_pct=1.0),

    "convnextv2_atto.fcmae": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/pt_only/convnextv2_atto_1k_224_fcmae.pt",
        hf_hub_id="timm/",
        num_classes=0),
    "convnextv2_femto.fcmae": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/pt_only/convnextv2_femto_1k_224_fcmae.pt",
        hf_hub_id="timm/",
        num_classes=0),
    "convnextv2_pico.fcmae": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/pt_only/convnextv2_pico_1k_224_fcmae.pt",
        hf_hub_id="timm/",
        num_classes=0),
    "convnextv2_nano.fcmae": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/pt_only/convnextv2_nano_1k_224_fcmae.pt",
        hf_hub_id="timm/",
        num_classes=0),
    "convnextv2_tiny.fcmae": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/pt_only/convnextv2_tiny_1k_224_fcmae.pt",
        hf_hub_id="timm/",
        num_classes=0),
    "convnextv2_base.fcmae": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/pt_only/convnextv2_base_1k_224_fcmae.pt",
        hf_hub_id="timm/",
        num_classes=0),
    "convnextv2_large.fcmae": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/pt_only/convnextv2_large_1k_224_fcmae.pt",
        hf_hub_id="timm/",
        num_classes=0),
    "convnextv2_huge.fcmae": _cfgv2(
        url="https://dl.fbaipublicfiles.com/convnext/convnextv2/pt_only/convnextv2_huge_1k_224_fcmae.pt",
        hf_hub_id="timm/",
        num_classes=0),

    "convnextv2_small.untrained": _cfg(),

    # CLIP weights, fine-tuned on in1k or in12k + in1k
    "convnext_base.clip_laion2b_augreg_ft_in12k_in1k": _cfg(
        hf_hub_id="timm/",
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 256, 256), pool_size=(8, 8), crop_pct=1.0),
    "convnext_base.clip_laion2b_augreg_ft_in12k_in1k_384": _cfg(
        hf_hub_id="timm/",
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "convnext_large_mlp.clip_laion2b_soup_ft_in12k_in1k_320": _cfg(
        hf_hub_id="timm/",
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 320, 320), pool_size=(10, 10), crop_pct=1.0),
    "convnext_large_mlp.clip_laion2b_soup_ft_in12k_in1k_384": _cfg(
        hf_hub_id="timm/",
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),

    "convnext_base.clip_laion2b_augreg_ft_in1k": _cfg(
        hf_hub_id="timm/",
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 256, 256), pool_size=(8, 8), crop_pct=1.0),
    "convnext_base.clip_laiona_augreg_ft_in1k_384": _cfg(
        hf_hub_id="timm/",
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0),
    "convnext_large_mlp.clip_laion2b_augreg_ft_in1k": _cfg(
        hf_hub_id="timm/",
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 256, 256), pool_size=(8, 8), crop_pct=1.0
    ),
    "convnext_large_mlp.clip_laion2b_augreg_ft_in1k_384": _cfg(
        hf_hub_id="timm/",
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"
    ),
    "convnext_xxlarge.clip_laion2b_soup_ft_in1k": _cfg(
        hf_hub_id="timm/",
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 256, 256), pool_size=(8, 8), crop_pct=1.0),

    "convnext_base.clip_laion2b_augreg_ft_in12k": _cfg(
        hf_hub_id="timm/",
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, num_classes=11821,
        input_size=(3, 256, 256), pool_size=(8, 8), crop_pct=1.0),
    "convnext_large_mlp.clip_laion2b_soup_ft_in12k_320": _cfg(
        hf_hub_id="timm/",
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, num_classes=11821,
        input_size=(3, 320, 320), pool_size=(10, 10), crop_pct=1.0),
    "convnext_large_mlp.clip_laion2b_augreg_ft_in12k_384": _cfg(
        hf_hub_id="timm/",
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, num_classes=11821,
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "convnext_large_mlp.clip_laion2b_soup_ft_in12k_384": _cfg(
        hf_hub_id="timm/",
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, num_classes=11821,
        input_size=(3, 384, 384), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "convnext_xxlarge.clip_laion2b_soup_ft_in12k": _cfg(
        hf_hub_id="timm/",
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD, num_classes=11821,
        input_size=(3, 256, 256), pool_size=(8, 8), crop_pct=1.0),

    # CLIP original image tower weights
    "convnext_base.clip_laion2b": _cfg(
        hf_hub_id="timm/",
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 256, 256), pool_size=(8, 8), crop_pct=1.0, num_classes=640),
    "convnext_base.clip_laion2b_augreg": _cfg(
        hf_hub_id="timm/",
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 256, 256), pool_size=(8, 8), crop_pct=1.0, num_classes=640),
    "convnext_base.clip_laiona": _cfg(
        hf_hub_id="timm/",
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 256, 256), pool_size=(8, 8), crop_pct=1.0, num_classes=640),
    "convnext_base.clip_laiona_320": _cfg(
        hf_hub_id="timm/",
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 320, 320), pool_size=(10, 10), crop_pct=1.0, num_classes=640),
    "convnext_base.clip_laiona_augreg_320": _cfg(
        hf_hub_id="timm/",
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 320, 320), pool_size=(10, 10), crop_pct=1.0, num_classes=640),
    "convnext_large_mlp.clip_laion2b_augreg": _cfg(
        hf_hub_id="timm/",
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 256, 256), pool_size=(8, 8), crop_pct=1.0, num_classes=768),
    "convnext_large_mlp.clip_laion2b_ft_320": _cfg(
        hf_hub_id="timm/",
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 320, 320), pool_size=(10, 10), crop_pct=1.0, num_classes=768),
    "convnext_large_mlp.clip_laion2b_ft_soup_320": _cfg(
        hf_hub_id="timm/",
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 320, 320), pool_size=(10, 10), crop_pct=1.0, num_classes=768),
    "convnext_xxlarge.clip_laion2b_soup": _cfg(
        hf_hub_id="timm/",
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 256, 256), pool_size=(8, 8), crop_pct=1.0, num_classes=1024),
    "convnext_xxlarge.clip_laion2b_rewind": _cfg(
        hf_hub_id="timm/",
        mean=OPENAI_CLIP_MEAN, std=OPENAI_CLIP_STD,
        input_size=(3, 256, 256), pool_size=(8, 8), crop_pct=1.0, num_classes=1024),

    # NOTE dinov3 convnext weights are under a specific license, and downstream outputs must be shared with this
    # https://ai.meta.com/resources/models-and-libraries/dinov3-license/
    "convnext_tiny.dinov3_lvd1689m": _cfg(
        hf_hub_id="timm/",
        crop_pct=1.0,
        num_classes=0,
        license="dinov3-license",
    ),
    "convnext_small.dinov3_lvd1689m": _cfg(
        hf_hub_id="timm/",
        crop_pct=1.0,
        num_classes=0,
        license="dinov3-license",
    ),
    "convnext_base.dinov3_lvd1689m": _cfg(
        hf_hub_id="timm/",
        crop_pct=1.0,
        num_classes=0,
        license="dinov3-license",
    ),
    "convnext_large.dinov3_lvd1689m": _cfg(
        hf_hub_id="timm/",
        crop_pct=1.0,
        num_classes=0,
        license="dinov3-license",
    ),
    "convnext_tiny.eupe_lvd1689m": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 256, 256),
        pool_size=(8, 8),
        crop_pct=1.0,
        num_classes=0,
        license="fair-noncommercial-research-license",
    ),
    "convnext_small.eupe_lvd1689m": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 256, 256),
        pool_size=(8, 8),
        crop_pct=1.0,
        num_classes=0,
        license="fair-noncommercial-research-license",
    ),
    "convnext_base.eupe_lvd1689m": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 256, 256),
        pool_size=(8, 8),
        crop_pct=1.0,
        num_classes=0,
        license="fair-noncommercial-research-license",
    ),

    "test_convnext.r160_in1k": _cfg(
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        input_size=(3, 160, 160), pool_size=(5, 5), crop_pct=0.95),
    "test_convnext2.r160_in1k": _cfg(
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        input_size=(3, 160, 160), pool_size=(5, 5), crop_pct=0.95),
    "test_convnext3.r160_in1k": _cfg(
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        input_size=(3, 160, 160), pool_size=(5, 5), crop_pct=0.95),

})

PATCH_SIZE = 4  # the patch stem; the overlapping stems also reduce by 4
EPSILON = 1e-6  # timm's norms' own epsilon


def _norm2d(cfg: ConvNeXtCfg, name: str) -> keras.layers.Layer:
    epsilon = EPSILON if cfg.norm_eps is None else cfg.norm_eps
    return NORM_LAYERS_2D[cfg.norm_layer](epsilon=epsilon, name=name)


def _stem(x, cfg: ConvNeXtCfg):
    """timm's `patch` stem (4x4 stride-4 conv, norm) or its overlapping ones: two 3x3 stride-2 convs
    padded by 1 on every side (timm's symmetric padding, which Keras' `"same"` is not at stride 2), the
    first `make_divisible(dims[0] // 2)` wide for `overlap_tiered`, GELU between them for `overlap_act`."""
    dim = cfg.dims[0]
    if cfg.stem_type == "patch":
        x = keras.layers.Conv2D(dim, PATCH_SIZE, strides=PATCH_SIZE, name="stem__0")(x)
        return _norm2d(cfg, "stem__1")(x)
    if cfg.stem_type not in ("overlap", "overlap_tiered", "overlap_act"):
        raise ValueError(f"unknown stem_type {cfg.stem_type!r}")
    mid = make_divisible(dim // 2) if "tiered" in cfg.stem_type else dim
    index = 0
    x = keras.layers.ZeroPadding2D(1, name=f"stem__{index}_pad")(x)
    x = keras.layers.Conv2D(mid, 3, strides=2, name=f"stem__{index}")(x)
    if "act" in cfg.stem_type:
        index += 1
        x = keras.layers.Activation(get_act(cfg.act_layer), name=f"stem__{index}")(x)
    index += 1
    x = keras.layers.ZeroPadding2D(1, name=f"stem__{index}_pad")(x)
    x = keras.layers.Conv2D(dim, 3, strides=2, name=f"stem__{index}")(x)
    return _norm2d(cfg, f"stem__{index + 1}")(x)


def _create_convnext(variant: str, args: BuildArgs) -> ModelGraph:
    """timm's `variant` (a key of `model_cfgs`): NHWC images of any size (or `img_size`) in, logits out
    (with `num_classes=0`, the head's features before the classifier: pooled and normalized, through
    the hidden layer where there is one). `drop_path_rate` is the stochastic depth of the last block,
    rising linearly over all blocks from 0 at the first (timm's rule). The feature maps are the
    stages' outputs."""
    cfg = model_cfgs[variant]
    epsilon = EPSILON if cfg.norm_eps is None else cfg.norm_eps
    kernel_sizes = (cfg.kernel_sizes,) * 4 if isinstance(cfg.kernel_sizes, int) else cfg.kernel_sizes
    rates = iter(calculate_drop_path_rates(args.drop_path_rate, sum(cfg.depths)))
    inputs = model_input(args.in_chans, args.img_size)
    x = _stem(inputs, cfg)
    features = []
    curr_stride, dilation = PATCH_SIZE, 1
    for i, (depth, dim) in enumerate(zip(cfg.depths, cfg.dims)):
        # timm's `ConvNeXt.__init__`: past `output_stride` a stage dilates instead of striding; its
        # downsample conv keeps the previous dilation (1 where the stage's is 2, else 2: timm's rule).
        stride = 1 if i == 0 else 2
        if curr_stride >= args.output_stride and stride > 1:
            dilation, stride = dilation * stride, 1
        curr_stride *= stride
        first_dilation = 1 if dilation in (1, 2) else 2
        if stride > 1 or first_dilation != dilation:
            x = _norm2d(cfg, f"stages__{i}__downsample__0")(x)
            if dilation > 1:
                # timm's `padding='same'` 2x2 conv at stride 1: TF-"SAME", so dilation 1 pads one
                # trailing row and column, dilation 2 one on every side.
                pad = ((first_dilation // 2, first_dilation - first_dilation // 2),) * 2
                x = keras.layers.ZeroPadding2D(pad, name=f"stages__{i}__downsample__1_pad")(x)
            x = keras.layers.Conv2D(
                dim, 2, strides=stride, dilation_rate=first_dilation, name=f"stages__{i}__downsample__1"
            )(x)
        for j in range(depth):
            x = ConvNeXtBlock(
                dim, kernel_size=kernel_sizes[i], conv_mlp=cfg.conv_mlp, use_grn=cfg.use_grn,
                init_values=cfg.ls_init_value, epsilon=epsilon, drop_path_rate=next(rates),
                activation=cfg.act_layer, norm_layer=cfg.norm_layer, dilation=dilation,
                name=f"stages__{i}__blocks__{j}",
            )(x)
        features.append(FeatureMap(x, dim, curr_stride, f"stages.{i}"))
    if cfg.head_norm_first:
        # timm's ClassifierHead after a norm on the map: norm, pool, classifier.
        x = _norm2d(cfg, "norm_pre")(x)
        x = keras.layers.GlobalAveragePooling2D(name="head__global_pool")(x)
    elif cfg.norm_layer == "layernorm":
        # timm's NormMlpClassifierHead: pool, norm (on the pooled (N, C, 1, 1): the same as on (N, C)).
        x = keras.layers.GlobalAveragePooling2D(name="head__global_pool")(x)
        x = keras.layers.LayerNormalization(epsilon=epsilon, name="head__norm")(x)
    else:
        x = keras.layers.GlobalAveragePooling2D(keepdims=True, name="head__global_pool")(x)
        x = _norm2d(cfg, "head__norm")(x)
        x = keras.layers.Flatten(name="head__flatten")(x)
    if cfg.head_hidden_size:
        x = keras.layers.Dense(cfg.head_hidden_size, name="head__pre_logits__fc")(x)
        x = keras.layers.Activation("gelu", name="head__pre_logits__act")(x)  # exact GELU, as timm's head
    if args.num_classes:
        x = keras.layers.Dense(args.num_classes, name="head__fc")(x)
    return ModelGraph(inputs, x, features)


def checkpoint_filter_fn(state: Mapping[str, np.ndarray], model: keras.Model) -> dict[str, np.ndarray]:
    """timm's `checkpoint_filter_fn`: a timm state dict passes as it is; an OpenCLIP one
    (`visual.trunk.*`, its projection `visual.head.proj` or MLP `visual.head.mlp.*`) becomes the trunk
    and timm's head with a zero classifier bias; an original Facebook one (`downsample_layers.*`,
    `dwconv`, `pwconv*`, `grn.gamma`, `norm`, `head`), optionally wrapped in `{"model": ...}`, is
    renamed to timm's keys, GRN parameters flattened and linear weights reshaped to the model's
    (1x1 conv) layout; EUPE's `projectors.*`/`norms.*` are dropped."""
    if "head.norm.weight" in state or "norm_pre.weight" in state or "stem.0.weight" in state:
        return dict(state)
    if "model" in state:
        state = state["model"]
    if "visual.trunk.stem.0.weight" in state:
        out = {k[len("visual.trunk."):]: v for k, v in state.items() if k.startswith("visual.trunk.")}
        if "visual.head.proj.weight" in state:
            out["head.fc.weight"] = state["visual.head.proj.weight"]
            out["head.fc.bias"] = np.zeros(np.shape(state["visual.head.proj.weight"])[0], "float32")
        elif "visual.head.mlp.fc1.weight" in state:
            out["head.pre_logits.fc.weight"] = state["visual.head.mlp.fc1.weight"]
            out["head.pre_logits.fc.bias"] = state["visual.head.mlp.fc1.bias"]
            out["head.fc.weight"] = state["visual.head.mlp.fc2.weight"]
            out["head.fc.bias"] = np.zeros(np.shape(state["visual.head.mlp.fc2.weight"])[0], "float32")
        return out
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


register_family(
    model_cfgs, _create_convnext, default_cfgs, checkpoint_filter_fn, feature_out_indices=(0, 1, 2, 3),
    output_strides=(8, 16, 32),
)
