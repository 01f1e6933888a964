"""MobileNet-V3, FBNet-V3, LCNet and MobileNet-V4 (timm's mobilenetv3.py) as functional Keras models:
timm's architecture strings per variant, the pretrained configs, and the builder (stem, the decoded
stages, MobileNet-V3's "efficient head").

The head pools first, then a 1x1 conv (`conv_head`, with a bias unless `head_bias=False`) and the
activation (`act2`), or, in MobileNet-V4, the conv without bias and a norm + activation
(`norm_head`), then the classifier. `num_classes=0` gives the pooled head features (timm's
`pre_logits`, `head_hidden_size` wide).

Layer names are timm's module paths with `__` for `.` (`conv_stem`, `bn1`, `blocks__0__0`,
`conv_head`, `norm_head`, `classifier`), so `load_timm_weights(model, timm_model.state_dict())` loads
every key. The `tf_` variants pad as TensorFlow ("SAME") and use batch-norm epsilon 1e-3, as does
`mobilenetv3_rw`; the others pad symmetrically with 1e-5.

Reference: timm/models/mobilenetv3.py
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import keras

from luximm_keras.data.constants import (
    IMAGENET_DEFAULT_MEAN,
    IMAGENET_DEFAULT_STD,
    IMAGENET_INCEPTION_MEAN,
    IMAGENET_INCEPTION_STD,
)
from luximm_keras.layers.norm_act import BatchNormAct2D
from luximm_keras.layers.padding import get_padding
from luximm_keras.models._builder import BuildArgs, ModelGraph, model_input
from luximm_keras.models._efficientnet_blocks import conv_init
from luximm_keras.models._efficientnet_builder import (
    EfficientNetFeatureMap,
    build_stages,
    decode_arch_def,
    resolve_block_args,
    round_channels,
)
from luximm_keras.models._pretrained import generate_default_cfgs
from luximm_keras.models._registry import register_family

BN_EPS_TF_DEFAULT = 1e-3  # timm's `BN_EPS_TF_DEFAULT`


@dataclass(frozen=True)
class MobileNetV3Cfg:
    """One registered variant: which of timm's `_gen_*` functions builds it, with its arguments, and
    the `tf_` defaults (TF "SAME" padding, batch-norm epsilon 1e-3)."""

    gen: str
    channel_multiplier: float = 1.0
    depth_multiplier: float = 1.0
    tf: bool = False
    bn_eps: float | None = None  # an epsilon other than the padding style's default
    aa_layer: str | None = None  # MobileNet-V4's anti-aliased variants

    @property
    def epsilon(self) -> float:
        if self.bn_eps is not None:
            return self.bn_eps
        return BN_EPS_TF_DEFAULT if self.tf else 1e-5


# ----------------------------------------------------------------------------------------------------
# timm's `_gen_*` functions: the architecture strings and what the model takes around them.

_MOBILENETV3_RW = [
    ["ds_r1_k3_s1_e1_c16_nre_noskip"], ["ir_r1_k3_s2_e4_c24_nre", "ir_r1_k3_s1_e3_c24_nre"],
    ["ir_r3_k5_s2_e3_c40_se0.25_nre"], ["ir_r1_k3_s2_e6_c80", "ir_r1_k3_s1_e2.5_c80", "ir_r2_k3_s1_e2.3_c80"],
    ["ir_r2_k3_s1_e6_c112_se0.25"], ["ir_r3_k5_s2_e6_c160_se0.25"], ["cn_r1_k1_s1_c960"],
]
_MOBILENETV3_SMALL_MINIMAL = [
    ["ds_r1_k3_s2_e1_c16"], ["ir_r1_k3_s2_e4.5_c24", "ir_r1_k3_s1_e3.67_c24"],
    ["ir_r1_k3_s2_e4_c40", "ir_r2_k3_s1_e6_c40"], ["ir_r2_k3_s1_e3_c48"], ["ir_r3_k3_s2_e6_c96"],
    ["cn_r1_k1_s1_c576"],
]
_MOBILENETV3_SMALL = [
    ["ds_r1_k3_s2_e1_c16_se0.25_nre"], ["ir_r1_k3_s2_e4.5_c24_nre", "ir_r1_k3_s1_e3.67_c24_nre"],
    ["ir_r1_k5_s2_e4_c40_se0.25", "ir_r2_k5_s1_e6_c40_se0.25"], ["ir_r2_k5_s1_e3_c48_se0.25"],
    ["ir_r3_k5_s2_e6_c96_se0.25"], ["cn_r1_k1_s1_c576"],
]
_MOBILENETV3_LARGE_MINIMAL = [
    ["ds_r1_k3_s1_e1_c16"], ["ir_r1_k3_s2_e4_c24", "ir_r1_k3_s1_e3_c24"], ["ir_r3_k3_s2_e3_c40"],
    ["ir_r1_k3_s2_e6_c80", "ir_r1_k3_s1_e2.5_c80", "ir_r2_k3_s1_e2.3_c80"], ["ir_r2_k3_s1_e6_c112"],
    ["ir_r3_k3_s2_e6_c160"], ["cn_r1_k1_s1_c960"],
]
_MOBILENETV3_LARGE = [
    ["ds_r1_k3_s1_e1_c16_nre"], ["ir_r1_k3_s2_e4_c24_nre", "ir_r1_k3_s1_e3_c24_nre"],
    ["ir_r3_k5_s2_e3_c40_se0.25_nre"], ["ir_r1_k3_s2_e6_c80", "ir_r1_k3_s1_e2.5_c80", "ir_r2_k3_s1_e2.3_c80"],
    ["ir_r2_k3_s1_e6_c112_se0.25"], ["ir_r3_k5_s2_e6_c160_se0.25"], ["cn_r1_k1_s1_c960"],
]
_FBNETV3_B = [
    ["ds_r2_k3_s1_e1_c16"], ["ir_r1_k5_s2_e4_c24", "ir_r3_k5_s1_e2_c24"],
    ["ir_r1_k5_s2_e5_c40_se0.25", "ir_r4_k5_s1_e3_c40_se0.25"], ["ir_r1_k5_s2_e5_c72", "ir_r4_k3_s1_e3_c72"],
    ["ir_r1_k3_s1_e5_c120_se0.25", "ir_r5_k5_s1_e3_c120_se0.25"],
    ["ir_r1_k3_s2_e6_c184_se0.25", "ir_r5_k5_s1_e4_c184_se0.25", "ir_r1_k5_s1_e6_c224_se0.25"],
    ["cn_r1_k1_s1_c1344"],
]
_FBNETV3_D = [
    ["ds_r2_k3_s1_e1_c16"], ["ir_r1_k3_s2_e5_c24", "ir_r5_k3_s1_e2_c24"],
    ["ir_r1_k5_s2_e4_c40_se0.25", "ir_r4_k3_s1_e3_c40_se0.25"], ["ir_r1_k3_s2_e5_c72", "ir_r4_k3_s1_e3_c72"],
    ["ir_r1_k3_s1_e5_c128_se0.25", "ir_r6_k5_s1_e3_c128_se0.25"],
    ["ir_r1_k3_s2_e6_c208_se0.25", "ir_r5_k5_s1_e5_c208_se0.25", "ir_r1_k5_s1_e6_c240_se0.25"],
    ["cn_r1_k1_s1_c1440"],
]
_FBNETV3_G = [
    ["ds_r3_k3_s1_e1_c24"], ["ir_r1_k5_s2_e4_c40", "ir_r4_k5_s1_e2_c40"],
    ["ir_r1_k5_s2_e4_c56_se0.25", "ir_r4_k5_s1_e3_c56_se0.25"], ["ir_r1_k5_s2_e5_c104", "ir_r4_k3_s1_e3_c104"],
    ["ir_r1_k3_s1_e5_c160_se0.25", "ir_r8_k5_s1_e3_c160_se0.25"],
    ["ir_r1_k3_s2_e6_c264_se0.25", "ir_r6_k5_s1_e5_c264_se0.25", "ir_r2_k5_s1_e6_c288_se0.25"],
    ["cn_r1_k1_s1_c1728"],
]
_LCNET = [
    ["dsa_r1_k3_s1_c32"], ["dsa_r2_k3_s2_c64"], ["dsa_r2_k3_s2_c128"], ["dsa_r1_k3_s2_c256", "dsa_r1_k5_s1_c256"],
    ["dsa_r4_k5_s1_c256"], ["dsa_r2_k5_s2_c512_se0.25"],
]
_MOBILENETV4_HYBRID_MEDIUM = [
    ["er_r1_k3_s2_e4_c48"],
    ["uir_r1_a3_k5_s2_e4_c80", "uir_r1_a3_k3_s1_e2_c80"],
    ["uir_r1_a3_k5_s2_e6_c160", "uir_r1_a0_k0_s1_e2_c160", "uir_r1_a3_k3_s1_e4_c160", "uir_r1_a3_k5_s1_e4_c160",
     "mqa_r1_k3_h4_s1_v2_d64_c160", "uir_r1_a3_k3_s1_e4_c160", "mqa_r1_k3_h4_s1_v2_d64_c160",
     "uir_r1_a3_k0_s1_e4_c160", "mqa_r1_k3_h4_s1_v2_d64_c160", "uir_r1_a3_k3_s1_e4_c160",
     "mqa_r1_k3_h4_s1_v2_d64_c160", "uir_r1_a3_k0_s1_e4_c160"],
    ["uir_r1_a5_k5_s2_e6_c256", "uir_r1_a5_k5_s1_e4_c256", "uir_r2_a3_k5_s1_e4_c256", "uir_r1_a0_k0_s1_e2_c256",
     "uir_r1_a3_k5_s1_e2_c256", "uir_r1_a0_k0_s1_e2_c256", "uir_r1_a0_k0_s1_e4_c256", "mqa_r1_k3_h4_s1_d64_c256",
     "uir_r1_a3_k0_s1_e4_c256", "mqa_r1_k3_h4_s1_d64_c256", "uir_r1_a5_k5_s1_e4_c256", "mqa_r1_k3_h4_s1_d64_c256",
     "uir_r1_a5_k0_s1_e4_c256", "mqa_r1_k3_h4_s1_d64_c256", "uir_r1_a5_k0_s1_e4_c256"],
    ["cn_r1_k1_s1_c960"],
]
_MOBILENETV4_HYBRID_LARGE = [
    ["er_r1_k3_s2_e4_c48"],
    ["uir_r1_a3_k5_s2_e4_c96", "uir_r1_a3_k3_s1_e4_c96"],
    ["uir_r1_a3_k5_s2_e4_c192", "uir_r3_a3_k3_s1_e4_c192", "uir_r1_a3_k5_s1_e4_c192", "uir_r2_a5_k3_s1_e4_c192",
     "mqa_r1_k3_h8_s1_v2_d48_c192", "uir_r1_a5_k3_s1_e4_c192", "mqa_r1_k3_h8_s1_v2_d48_c192",
     "uir_r1_a5_k3_s1_e4_c192", "mqa_r1_k3_h8_s1_v2_d48_c192", "uir_r1_a5_k3_s1_e4_c192",
     "mqa_r1_k3_h8_s1_v2_d48_c192", "uir_r1_a3_k0_s1_e4_c192"],
    ["uir_r4_a5_k5_s2_e4_c512", "uir_r1_a5_k0_s1_e4_c512", "uir_r1_a5_k3_s1_e4_c512", "uir_r2_a5_k0_s1_e4_c512",
     "uir_r1_a5_k3_s1_e4_c512", "uir_r1_a5_k5_s1_e4_c512", "mqa_r1_k3_h8_s1_d64_c512", "uir_r1_a5_k0_s1_e4_c512",
     "mqa_r1_k3_h8_s1_d64_c512", "uir_r1_a5_k0_s1_e4_c512", "mqa_r1_k3_h8_s1_d64_c512", "uir_r1_a5_k0_s1_e4_c512",
     "mqa_r1_k3_h8_s1_d64_c512", "uir_r1_a5_k0_s1_e4_c512"],
    ["cn_r1_k1_s1_c960"],
]
_MOBILENETV4_CONV_SMALL = [
    ["cn_r1_k3_s2_e1_c32", "cn_r1_k1_s1_e1_c32"],
    ["cn_r1_k3_s2_e1_c96", "cn_r1_k1_s1_e1_c64"],
    ["uir_r1_a5_k5_s2_e3_c96", "uir_r4_a0_k3_s1_e2_c96", "uir_r1_a3_k0_s1_e4_c96"],
    ["uir_r1_a3_k3_s2_e6_c128", "uir_r1_a5_k5_s1_e4_c128", "uir_r1_a0_k5_s1_e4_c128", "uir_r1_a0_k5_s1_e3_c128",
     "uir_r2_a0_k3_s1_e4_c128"],
    ["cn_r1_k1_s1_c960"],
]
_MOBILENETV4_CONV_MEDIUM = [
    ["er_r1_k3_s2_e4_c48"],
    ["uir_r1_a3_k5_s2_e4_c80", "uir_r1_a3_k3_s1_e2_c80"],
    ["uir_r1_a3_k5_s2_e6_c160", "uir_r2_a3_k3_s1_e4_c160", "uir_r1_a3_k5_s1_e4_c160", "uir_r1_a3_k3_s1_e4_c160",
     "uir_r1_a3_k0_s1_e4_c160", "uir_r1_a0_k0_s1_e2_c160", "uir_r1_a3_k0_s1_e4_c160"],
    ["uir_r1_a5_k5_s2_e6_c256", "uir_r1_a5_k5_s1_e4_c256", "uir_r2_a3_k5_s1_e4_c256", "uir_r1_a0_k0_s1_e4_c256",
     "uir_r1_a3_k0_s1_e4_c256", "uir_r1_a3_k5_s1_e2_c256", "uir_r1_a5_k5_s1_e4_c256", "uir_r2_a0_k0_s1_e4_c256",
     "uir_r1_a5_k0_s1_e2_c256"],
    ["cn_r1_k1_s1_c960"],
]
_MOBILENETV4_CONV_LARGE = [
    ["er_r1_k3_s2_e4_c48"],
    ["uir_r1_a3_k5_s2_e4_c96", "uir_r1_a3_k3_s1_e4_c96"],
    ["uir_r1_a3_k5_s2_e4_c192", "uir_r3_a3_k3_s1_e4_c192", "uir_r1_a3_k5_s1_e4_c192", "uir_r5_a5_k3_s1_e4_c192",
     "uir_r1_a3_k0_s1_e4_c192"],
    ["uir_r4_a5_k5_s2_e4_c512", "uir_r1_a5_k0_s1_e4_c512", "uir_r1_a5_k3_s1_e4_c512", "uir_r2_a5_k0_s1_e4_c512",
     "uir_r1_a5_k3_s1_e4_c512", "uir_r1_a5_k5_s1_e4_c512", "uir_r3_a5_k0_s1_e4_c512"],
    ["cn_r1_k1_s1_c960"],
]


@dataclass(frozen=True)
class ArchSpec:
    """What a `_gen_*` function hands timm's `MobileNetV3`: the decoded blocks and the model arguments
    (`se_options` are the blocks' `se_gate` / `se_activation` / `se_round_limit`: timm's `se_layer`
    partial)."""

    block_args: list
    stem_size: int
    num_features: int
    round_chs_fn: object
    act_layer: str
    fix_stem: bool = False
    head_bias: bool = True
    head_norm: bool = False
    se_from_exp: bool = True
    se_options: dict = field(default_factory=dict)
    layer_scale_init_value: float | None = None


def arch_spec(variant: str, cfg: MobileNetV3Cfg) -> ArchSpec:
    """timm's `_gen_<cfg.gen>(variant, channel_multiplier, depth_multiplier, ...)`, as data."""
    cm = cfg.channel_multiplier
    if cfg.gen == "mobilenet_v3_rw":
        return ArchSpec(decode_arch_def(_MOBILENETV3_RW), 16, 1280, partial(round_channels, multiplier=cm),
                        "hard_swish", head_bias=False, se_options={"se_gate": "hard_sigmoid"})
    if cfg.gen == "mobilenet_v3":
        minimal = "minimal" in variant
        if "small" in variant:
            num_features, arch_def = 1024, _MOBILENETV3_SMALL_MINIMAL if minimal else _MOBILENETV3_SMALL
        else:
            num_features, arch_def = 1280, _MOBILENETV3_LARGE_MINIMAL if minimal else _MOBILENETV3_LARGE
        # timm's `partial(SqueezeExcite, gate_layer='hard_sigmoid', force_act_layer=nn.ReLU,
        # rd_round_fn=round_channels)`.
        se = {"se_gate": "hard_sigmoid", "se_activation": "relu", "se_round_limit": 0.9}
        return ArchSpec(decode_arch_def(arch_def, depth_multiplier=cfg.depth_multiplier), 16, num_features,
                        partial(round_channels, multiplier=cm), "relu" if minimal else "hard_swish",
                        fix_stem=cm < 0.75, se_options=se)
    if cfg.gen == "fbnetv3":
        arch_def, stem_size = {"b": (_FBNETV3_B, 16), "d": (_FBNETV3_D, 24), "g": (_FBNETV3_G, 32)}[variant[-1]]
        rc = partial(round_channels, multiplier=cm, round_limit=0.95)
        # The SE rounds with the model's `round_chs_fn` (multiplier 1 in every registered variant).
        if cm != 1.0:
            raise ValueError("FBNet-V3's SE rounding is ported for channel_multiplier 1 only")
        return ArchSpec(decode_arch_def(arch_def), stem_size, 1984, rc, "hard_swish", head_bias=False,
                        se_from_exp=False, se_options={"se_gate": "hard_sigmoid", "se_round_limit": 0.95})
    if cfg.gen == "lcnet":
        return ArchSpec(decode_arch_def(_LCNET), 16, 1280, partial(round_channels, multiplier=cm), "hard_swish",
                        se_options={"se_gate": "hard_sigmoid", "se_activation": "relu"})
    if cfg.gen == "mobilenet_v4":
        layer_scale, act = None, "relu"
        if "hybrid" in variant:
            layer_scale = 1e-5
            if "medium" in variant:
                stem_size, arch_def = 32, _MOBILENETV4_HYBRID_MEDIUM
            else:
                stem_size, arch_def, act = 24, _MOBILENETV4_HYBRID_LARGE, "gelu"
        elif "small" in variant:
            stem_size, arch_def = 32, _MOBILENETV4_CONV_SMALL
        elif "medium" in variant:
            stem_size, arch_def = 32, _MOBILENETV4_CONV_MEDIUM
        else:
            stem_size, arch_def = 24, _MOBILENETV4_CONV_LARGE
        return ArchSpec(decode_arch_def(arch_def), stem_size, 1280, partial(round_channels, multiplier=cm), act,
                        fix_stem=cm < 1.0, head_bias=False, head_norm=True, layer_scale_init_value=layer_scale)
    raise ValueError(f"unknown generator {cfg.gen!r}")


C = MobileNetV3Cfg
# timm's registered architectures of mobilenetv3.py with pretrained weights (timm's untrained ones,
# e.g. mobilenetv3_large_075, lcnet_035, mobilenetv4_hybrid_medium_075, are left out).
model_cfgs: dict[str, MobileNetV3Cfg] = {
    "mobilenetv3_large_100": C("mobilenet_v3", 1.0),
    "mobilenetv3_large_150d": C("mobilenet_v3", 1.5, 1.2),
    "mobilenetv3_small_050": C("mobilenet_v3", 0.5),
    "mobilenetv3_small_075": C("mobilenet_v3", 0.75),
    "mobilenetv3_small_100": C("mobilenet_v3", 1.0),
    "mobilenetv3_rw": C("mobilenet_v3_rw", 1.0, bn_eps=BN_EPS_TF_DEFAULT),
    "tf_mobilenetv3_large_075": C("mobilenet_v3", 0.75, tf=True),
    "tf_mobilenetv3_large_100": C("mobilenet_v3", 1.0, tf=True),
    "tf_mobilenetv3_large_minimal_100": C("mobilenet_v3", 1.0, tf=True),
    "tf_mobilenetv3_small_075": C("mobilenet_v3", 0.75, tf=True),
    "tf_mobilenetv3_small_100": C("mobilenet_v3", 1.0, tf=True),
    "tf_mobilenetv3_small_minimal_100": C("mobilenet_v3", 1.0, tf=True),
    "fbnetv3_b": C("fbnetv3"),
    "fbnetv3_d": C("fbnetv3"),
    "fbnetv3_g": C("fbnetv3"),
    "lcnet_050": C("lcnet", 0.5),
    "lcnet_075": C("lcnet", 0.75),
    "lcnet_100": C("lcnet", 1.0),
    "mobilenetv4_conv_small_050": C("mobilenet_v4", 0.5),
    "mobilenetv4_conv_small": C("mobilenet_v4", 1.0),
    "mobilenetv4_conv_medium": C("mobilenet_v4", 1.0),
    "mobilenetv4_conv_large": C("mobilenet_v4", 1.0),
    "mobilenetv4_hybrid_medium": C("mobilenet_v4", 1.0),
    "mobilenetv4_hybrid_large": C("mobilenet_v4", 1.0),
    "mobilenetv4_conv_blur_medium": C("mobilenet_v4", 1.0, aa_layer="blurpc"),
    "mobilenetv4_conv_aa_large": C("mobilenet_v4", 1.0, aa_layer="avg"),
}


def _cfg(url: str = "", **kwargs) -> dict:
    return {
        "url": url, "num_classes": 1000, "input_size": (3, 224, 224), "pool_size": (7, 7),
        "crop_pct": 0.875, "interpolation": "bilinear",
        "mean": IMAGENET_DEFAULT_MEAN, "std": IMAGENET_DEFAULT_STD,
        "first_conv": "conv_stem", "classifier": "classifier",
        "license": "apache-2.0", **kwargs,
    }


# timm's entries of the registered architectures, in timm's order.
default_cfgs = generate_default_cfgs({
    "mobilenetv3_large_100.ra_in1k": _cfg(
        interpolation="bicubic",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/mobilenetv3_large_100_ra-f55367f5.pth",
        hf_hub_id="timm/"),
    "mobilenetv3_large_100.ra4_e3600_r224_in1k": _cfg(
        hf_hub_id="timm/",
        interpolation="bicubic", mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD,
        crop_pct=0.95, test_input_size=(3, 256, 256), test_crop_pct=1.0),
    "mobilenetv3_large_100.miil_in21k_ft_in1k": _cfg(
        interpolation="bilinear", mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0),
        origin_url="https://github.com/Alibaba-MIIL/ImageNet21K",
        paper_ids="arXiv:2104.10972v4",
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-tresnet/mobilenetv3_large_100_1k_miil_78_0-66471c13.pth",
        hf_hub_id="timm/"),
    "mobilenetv3_large_100.miil_in21k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-tresnet/mobilenetv3_large_100_in21k_miil-d71cc17b.pth",
        hf_hub_id="timm/",
        origin_url="https://github.com/Alibaba-MIIL/ImageNet21K",
        paper_ids="arXiv:2104.10972v4",
        interpolation="bilinear", mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0), num_classes=11221),
    "mobilenetv3_large_150d.ra4_e3600_r256_in1k": _cfg(
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD,
        input_size=(3, 256, 256), crop_pct=0.95, pool_size=(8, 8), test_input_size=(3, 320, 320), test_crop_pct=1.0),
    "mobilenetv3_small_050.lamb_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/mobilenetv3_small_050_lambc-4b7bbe87.pth",
        hf_hub_id="timm/",
        interpolation="bicubic"),
    "mobilenetv3_small_075.lamb_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/mobilenetv3_small_075_lambc-384766db.pth",
        hf_hub_id="timm/",
        interpolation="bicubic"),
    "mobilenetv3_small_100.lamb_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/mobilenetv3_small_100_lamb-266a294c.pth",
        hf_hub_id="timm/",
        interpolation="bicubic"),
    "mobilenetv3_rw.rmsp_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/mobilenetv3_100-35495452.pth",
        hf_hub_id="timm/",
        interpolation="bicubic"),
    "tf_mobilenetv3_large_075.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_mobilenetv3_large_075-150ee8b0.pth",
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD),
    "tf_mobilenetv3_large_100.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_mobilenetv3_large_100-427764d5.pth",
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD),
    "tf_mobilenetv3_large_minimal_100.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_mobilenetv3_large_minimal_100-8596ae28.pth",
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD),
    "tf_mobilenetv3_small_075.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_mobilenetv3_small_075-da427f52.pth",
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD),
    "tf_mobilenetv3_small_100.in1k": _cfg(
        url= "https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_mobilenetv3_small_100-37f49e2b.pth",
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD),
    "tf_mobilenetv3_small_minimal_100.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_mobilenetv3_small_minimal_100-922a7843.pth",
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD),
    "fbnetv3_b.ra2_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/fbnetv3_b_224-ead5d2a1.pth",
        hf_hub_id="timm/",
        test_input_size=(3, 256, 256), crop_pct=0.95),
    "fbnetv3_d.ra2_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/fbnetv3_d_224-c98bce42.pth",
        hf_hub_id="timm/",
        test_input_size=(3, 256, 256), crop_pct=0.95),
    "fbnetv3_g.ra2_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/fbnetv3_g_240-0b1df83b.pth",
        hf_hub_id="timm/",
        input_size=(3, 240, 240), test_input_size=(3, 288, 288), crop_pct=0.95, pool_size=(8, 8)),
    "lcnet_050.ra2_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/lcnet_050-f447553b.pth",
        hf_hub_id="timm/",
        interpolation="bicubic",
    ),
    "lcnet_075.ra2_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/lcnet_075-318cad2c.pth",
        hf_hub_id="timm/",
        interpolation="bicubic",
    ),
    "lcnet_100.ra2_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/lcnet_100-a929038c.pth",
        hf_hub_id="timm/",
        interpolation="bicubic",
    ),
    "mobilenetv4_conv_small_050.e3000_r224_in1k": _cfg(
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD,
        test_input_size=(3, 256, 256), test_crop_pct=0.95, interpolation="bicubic"),
    "mobilenetv4_conv_small.e2400_r224_in1k": _cfg(
        hf_hub_id="timm/",
        test_input_size=(3, 256, 256), test_crop_pct=0.95, interpolation="bicubic"),
    "mobilenetv4_conv_small.e1200_r224_in1k": _cfg(
        hf_hub_id="timm/",
        test_input_size=(3, 256, 256), test_crop_pct=0.95, interpolation="bicubic"),
    "mobilenetv4_conv_small.e3600_r256_in1k": _cfg(
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD,
        input_size=(3, 256, 256), pool_size=(8, 8), crop_pct=0.95,
        test_input_size=(3, 320, 320), test_crop_pct=1.0, interpolation="bicubic"),
    "mobilenetv4_conv_medium.e500_r256_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 256, 256), pool_size=(8, 8),
        crop_pct=0.95, test_input_size=(3, 320, 320), test_crop_pct=1.0, interpolation="bicubic"),
    "mobilenetv4_conv_medium.e500_r224_in1k": _cfg(
        hf_hub_id="timm/",
        crop_pct=0.95, test_input_size=(3, 256, 256), test_crop_pct=1.0, interpolation="bicubic"),
    "mobilenetv4_conv_medium.e250_r384_in12k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12),
        crop_pct=0.95, interpolation="bicubic"),
    "mobilenetv4_conv_medium.e180_r384_in12k": _cfg(
        hf_hub_id="timm/",
        num_classes=11821,
        input_size=(3, 384, 384), pool_size=(12, 12),
        crop_pct=1.0, interpolation="bicubic"),
    "mobilenetv4_conv_medium.e180_ad_r384_in12k": _cfg(
        hf_hub_id="timm/",
        num_classes=11821,
        input_size=(3, 384, 384), pool_size=(12, 12),
        crop_pct=1.0, interpolation="bicubic"),
    "mobilenetv4_conv_medium.e250_r384_in12k": _cfg(
        hf_hub_id="timm/",
        num_classes=11821,
        input_size=(3, 384, 384), pool_size=(12, 12),
        crop_pct=1.0, interpolation="bicubic"),
    "mobilenetv4_conv_large.e600_r384_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12),
        crop_pct=0.95, test_input_size=(3, 448, 448), test_crop_pct=1.0, interpolation="bicubic"),
    "mobilenetv4_conv_large.e500_r256_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 256, 256), pool_size=(8, 8),
        crop_pct=0.95, test_input_size=(3, 320, 320), test_crop_pct=1.0, interpolation="bicubic"),
    "mobilenetv4_hybrid_medium.e200_r256_in12k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 256, 256), pool_size=(8, 8),
        crop_pct=0.95, test_input_size=(3, 320, 320), test_crop_pct=1.0, interpolation="bicubic"),
    "mobilenetv4_hybrid_medium.ix_e550_r256_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 256, 256), pool_size=(8, 8),
        crop_pct=0.95, test_input_size=(3, 320, 320), test_crop_pct=1.0, interpolation="bicubic"),
    "mobilenetv4_hybrid_medium.ix_e550_r384_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12),
        crop_pct=0.95, test_input_size=(3, 448, 448), test_crop_pct=1.0, interpolation="bicubic"),
    "mobilenetv4_hybrid_medium.e500_r224_in1k": _cfg(
        hf_hub_id="timm/",
        crop_pct=0.95, test_input_size=(3, 256, 256), test_crop_pct=1.0, interpolation="bicubic"),
    "mobilenetv4_hybrid_medium.e200_r256_in12k": _cfg(
        hf_hub_id="timm/",
        num_classes=11821,
        input_size=(3, 256, 256), pool_size=(8, 8),
        crop_pct=0.95, test_input_size=(3, 320, 320), test_crop_pct=1.0, interpolation="bicubic"),
    "mobilenetv4_hybrid_large.ix_e600_r384_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12),
        crop_pct=0.95, test_input_size=(3, 448, 448), test_crop_pct=1.0, interpolation="bicubic"),
    "mobilenetv4_hybrid_large.e600_r384_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12),
        crop_pct=0.95, test_input_size=(3, 448, 448), test_crop_pct=1.0, interpolation="bicubic"),
    "mobilenetv4_conv_blur_medium.e500_r224_in1k": _cfg(
        hf_hub_id="timm/",
        crop_pct=0.95, test_input_size=(3, 256, 256), test_crop_pct=1.0, interpolation="bicubic"),
    "mobilenetv4_conv_aa_large.e230_r448_in12k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 448, 448), pool_size=(14, 14),
        crop_pct=0.95, test_input_size=(3, 544, 544), test_crop_pct=1.0, interpolation="bicubic"),
    "mobilenetv4_conv_aa_large.e230_r384_in12k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12),
        crop_pct=0.95, test_input_size=(3, 480, 480), test_crop_pct=1.0, interpolation="bicubic"),
    "mobilenetv4_conv_aa_large.e600_r384_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 384, 384), pool_size=(12, 12),
        crop_pct=0.95, test_input_size=(3, 480, 480), test_crop_pct=1.0, interpolation="bicubic"),
    "mobilenetv4_conv_aa_large.e230_r384_in12k": _cfg(
        hf_hub_id="timm/",
        num_classes=11821,
        input_size=(3, 384, 384), pool_size=(12, 12),
        crop_pct=0.95, test_input_size=(3, 448, 448), test_crop_pct=1.0, interpolation="bicubic"),})


def _create_mobilenetv3(variant: str, args: BuildArgs) -> ModelGraph:
    """timm's `variant` (a key of `model_cfgs`): NHWC images of any size (or `img_size`) in, logits out
    (the pooled head features when `num_classes=0`). The feature maps are timm's `feature_info`: `bn1`
    when the first block is strided, then the output of every stage after which the stride grows. With
    `output_stride` 8 or 16 the stages past it dilate instead of striding, as timm's builder does."""
    cfg = model_cfgs[variant]
    spec = arch_spec(variant, cfg)
    fmt = {"data_format": "channels_last"}
    padding = "same" if cfg.tf else ""
    eps = cfg.epsilon
    inputs = model_input(args.in_chans, args.img_size)

    stem_size = spec.stem_size if spec.fix_stem else spec.round_chs_fn(spec.stem_size)
    x = inputs
    if not cfg.tf:
        x = keras.layers.ZeroPadding2D(get_padding(3, 2), name="conv_stem_pad", **fmt)(x)
    x = keras.layers.Conv2D(stem_size, 3, strides=2, padding="same" if cfg.tf else "valid", use_bias=False,
                            kernel_initializer=conv_init(), name="conv_stem", **fmt)(x)
    x = BatchNormAct2D(epsilon=eps, activation=spec.act_layer, name="bn1", **fmt)(x)
    stages = resolve_block_args(spec.block_args, stem_size, spec.round_chs_fn, spec.act_layer,
                                se_from_exp=spec.se_from_exp, drop_path_rate=args.drop_path_rate,
                                output_stride=args.output_stride)
    features = [EfficientNetFeatureMap(x, stem_size, 2, "bn1", 0)] if stages[0][0]["stride"] > 1 else []
    x, stage_features = build_stages(x, stages, padding, eps, se_options=spec.se_options, aa_layer=cfg.aa_layer,
                                     layer_scale_init_value=spec.layer_scale_init_value)
    features += stage_features

    # The efficient head: pool, then the 1x1 conv on the pooled vector.
    x = keras.layers.GlobalAveragePooling2D(keepdims=True, name="global_pool", **fmt)(x)
    x = keras.layers.Conv2D(spec.num_features, 1, use_bias=spec.head_bias and not spec.head_norm,
                            kernel_initializer=conv_init(), bias_initializer="zeros", name="conv_head", **fmt)(x)
    if spec.head_norm:
        x = BatchNormAct2D(epsilon=eps, activation=spec.act_layer, name="norm_head", **fmt)(x)
    else:
        x = keras.layers.Activation(spec.act_layer, name="act2")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    if args.num_classes:
        # timm's `_init_weight_goog` for the classifier: U(-1/sqrt(fan_out), 1/sqrt(fan_out)), fan_out the classes.
        limit = 1.0 / args.num_classes ** 0.5
        x = keras.layers.Dense(args.num_classes, kernel_initializer=keras.initializers.RandomUniform(-limit, limit),
                               bias_initializer="zeros", name="classifier")(x)
    return ModelGraph(inputs, x, features)


# timm's mobilenetv3.py has no checkpoint filter (its checkpoints carry timm's keys).
register_family(model_cfgs, _create_mobilenetv3, default_cfgs, None, feature_out_indices=(0, 1, 2, 3, 4),
                output_strides=(8, 16, 32))
