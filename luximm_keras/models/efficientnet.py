"""EfficientNet, EfficientNet-V2, EfficientNet-Lite, EfficientNet-EdgeTPU (V1, V2), EfficientNet-X/H,
EfficientNet-CondConv, the pruned EfficientNet-B1-B3, MixNet, MnasNet, Single-Path NAS, FBNet-C,
TinyNet, MobileNet-V1, MobileNet-V2 and timm's test EfficientNets as functional Keras models: timm's
architecture strings per variant, the pretrained configs, and the builder (stem, the decoded stages,
head).

Layer names are timm's module paths with `__` for `.` (`conv_stem`, `bn1`, `blocks__0__0`,
`conv_head`, `bn2`, `classifier`; inside a block `conv_pw`, `bn1`, `conv_dw`, `se`, ...), so
`load_timm_weights(model, timm_model.state_dict())` loads every key. The `tf_` variants pad as
TensorFlow ("SAME") and use batch-norm epsilon 1e-3; the others pad symmetrically with 1e-5.

Reference: timm/models/efficientnet.py
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, partial
from importlib import resources

import keras

from luximm_keras.data.constants import (
    IMAGENET_DEFAULT_MEAN,
    IMAGENET_DEFAULT_STD,
    IMAGENET_INCEPTION_MEAN,
    IMAGENET_INCEPTION_STD,
)
from luximm_keras.layers.padding import get_padding
from luximm_keras.models._builder import BuildArgs, ModelGraph, model_input
from luximm_keras.models._efficientnet_blocks import conv_init, norm_act
from luximm_keras.models._efficientnet_builder import EfficientNetFeatureMap, build_stages, decode_arch_def, resolve_block_args, round_channels
from luximm_keras.models._pretrained import generate_default_cfgs
from luximm_keras.models._registry import register_family

BN_EPS_TF_DEFAULT = 1e-3  # timm's `BN_EPS_TF_DEFAULT`


@dataclass(frozen=True)
class EfficientNetCfg:
    """One registered variant: which of timm's `_gen_*` functions builds it, with its arguments, and
    the `tf_` defaults (TF "SAME" padding, batch-norm epsilon 1e-3)."""

    gen: str
    channel_multiplier: float = 1.0
    depth_multiplier: float | tuple = 1.0
    tf: bool = False
    rw: bool = False  # _gen_efficientnetv2_s(rw=True)
    fix_stem_head: bool = False  # _gen_mobilenet_v2
    bn_eps: float | None = None  # an epsilon other than the padding style's default
    experts_multiplier: int = 1  # _gen_efficientnet_condconv
    head_conv: bool = False  # _gen_mobilenet_v1
    version: int = 1  # _gen_efficientnet_x: 1 (X), 2 (H)
    se_layer: str = "se"  # "gc": timm's `se_layer='gc'` (GlobalContext)
    norm_layer: str = "batchnorm"  # the test models' norm layers (see `NORM_LAYERS` of the blocks)
    norm_group_size: int | None = None
    pruned: bool = False  # widths from timm's `_pruned/<variant>.txt` (`adapt_model_from_file`)

    @property
    def epsilon(self) -> float:
        if self.bn_eps is not None:
            return self.bn_eps
        return BN_EPS_TF_DEFAULT if self.tf else 1e-5


# ----------------------------------------------------------------------------------------------------
# timm's `_gen_*` functions: the architecture strings and what the model takes around them.

_EFFICIENTNET = [
    ["ds_r1_k3_s1_e1_c16_se0.25"], ["ir_r2_k3_s2_e6_c24_se0.25"], ["ir_r2_k5_s2_e6_c40_se0.25"],
    ["ir_r3_k3_s2_e6_c80_se0.25"], ["ir_r3_k5_s1_e6_c112_se0.25"], ["ir_r4_k5_s2_e6_c192_se0.25"],
    ["ir_r1_k3_s1_e6_c320_se0.25"],
]
_EFFICIENTNET_LITE = [
    ["ds_r1_k3_s1_e1_c16"], ["ir_r2_k3_s2_e6_c24"], ["ir_r2_k5_s2_e6_c40"], ["ir_r3_k3_s2_e6_c80"],
    ["ir_r3_k5_s1_e6_c112"], ["ir_r4_k5_s2_e6_c192"], ["ir_r1_k3_s1_e6_c320"],
]
_EFFICIENTNET_EDGE = [
    ["er_r1_k3_s1_e4_c24_fc24_noskip"], ["er_r2_k3_s2_e8_c32"], ["er_r4_k3_s2_e8_c48"], ["ir_r5_k5_s2_e8_c96"],
    ["ir_r4_k5_s1_e8_c144"], ["ir_r2_k5_s2_e8_c192"],
]
_EFFICIENTNETV2_BASE = [
    ["cn_r1_k3_s1_e1_c16_skip"], ["er_r2_k3_s2_e4_c32"], ["er_r2_k3_s2_e4_c48"], ["ir_r3_k3_s2_e4_c96_se0.25"],
    ["ir_r5_k3_s1_e6_c112_se0.25"], ["ir_r8_k3_s2_e6_c192_se0.25"],
]
_EFFICIENTNETV2_S = [
    ["cn_r2_k3_s1_e1_c24_skip"], ["er_r4_k3_s2_e4_c48"], ["er_r4_k3_s2_e4_c64"], ["ir_r6_k3_s2_e4_c128_se0.25"],
    ["ir_r9_k3_s1_e6_c160_se0.25"], ["ir_r15_k3_s2_e6_c256_se0.25"],
]
_EFFICIENTNETV2_M = [
    ["cn_r3_k3_s1_e1_c24_skip"], ["er_r5_k3_s2_e4_c48"], ["er_r5_k3_s2_e4_c80"], ["ir_r7_k3_s2_e4_c160_se0.25"],
    ["ir_r14_k3_s1_e6_c176_se0.25"], ["ir_r18_k3_s2_e6_c304_se0.25"], ["ir_r5_k3_s1_e6_c512_se0.25"],
]
_EFFICIENTNETV2_L = [
    ["cn_r4_k3_s1_e1_c32_skip"], ["er_r7_k3_s2_e4_c64"], ["er_r7_k3_s2_e4_c96"], ["ir_r10_k3_s2_e4_c192_se0.25"],
    ["ir_r19_k3_s1_e6_c224_se0.25"], ["ir_r25_k3_s2_e6_c384_se0.25"], ["ir_r7_k3_s1_e6_c640_se0.25"],
]
_EFFICIENTNETV2_XL = [
    ["cn_r4_k3_s1_e1_c32_skip"], ["er_r8_k3_s2_e4_c64"], ["er_r8_k3_s2_e4_c96"], ["ir_r16_k3_s2_e4_c192_se0.25"],
    ["ir_r24_k3_s1_e6_c256_se0.25"], ["ir_r32_k3_s2_e6_c512_se0.25"], ["ir_r8_k3_s1_e6_c640_se0.25"],
]
_MNASNET_B1 = [
    ["ds_r1_k3_s1_c16_noskip"], ["ir_r3_k3_s2_e3_c24"], ["ir_r3_k5_s2_e3_c40"], ["ir_r3_k5_s2_e6_c80"],
    ["ir_r2_k3_s1_e6_c96"], ["ir_r4_k5_s2_e6_c192"], ["ir_r1_k3_s1_e6_c320_noskip"],
]
_MNASNET_A1 = [
    ["ds_r1_k3_s1_e1_c16_noskip"], ["ir_r2_k3_s2_e6_c24"], ["ir_r3_k5_s2_e3_c40_se0.25"], ["ir_r4_k3_s2_e6_c80"],
    ["ir_r2_k3_s1_e6_c112_se0.25"], ["ir_r3_k5_s2_e6_c160_se0.25"], ["ir_r1_k3_s1_e6_c320"],
]
_MNASNET_SMALL = [
    ["ds_r1_k3_s1_c8"], ["ir_r1_k3_s2_e3_c16"], ["ir_r2_k3_s2_e6_c16"], ["ir_r4_k5_s2_e6_c32_se0.25"],
    ["ir_r3_k3_s1_e6_c32_se0.25"], ["ir_r3_k5_s2_e6_c88_se0.25"], ["ir_r1_k3_s1_e6_c144"],
]
_SPNASNET = [
    ["ds_r1_k3_s1_c16_noskip"], ["ir_r3_k3_s2_e3_c24"], ["ir_r1_k5_s2_e6_c40", "ir_r3_k3_s1_e3_c40"],
    ["ir_r1_k5_s2_e6_c80", "ir_r3_k3_s1_e3_c80"], ["ir_r1_k5_s1_e6_c96", "ir_r3_k5_s1_e3_c96"],
    ["ir_r4_k5_s2_e6_c192"], ["ir_r1_k3_s1_e6_c320_noskip"],
]
_FBNETC = [
    ["ir_r1_k3_s1_e1_c16"], ["ir_r1_k3_s2_e6_c24", "ir_r2_k3_s1_e1_c24"],
    ["ir_r1_k5_s2_e6_c32", "ir_r1_k5_s1_e3_c32", "ir_r1_k5_s1_e6_c32", "ir_r1_k3_s1_e6_c32"],
    ["ir_r1_k5_s2_e6_c64", "ir_r1_k5_s1_e3_c64", "ir_r2_k5_s1_e6_c64"],
    ["ir_r3_k5_s1_e6_c112", "ir_r1_k5_s1_e3_c112"], ["ir_r4_k5_s2_e6_c184"], ["ir_r1_k3_s1_e6_c352"],
]
_MOBILENETV2 = [
    ["ds_r1_k3_s1_c16"], ["ir_r2_k3_s2_e6_c24"], ["ir_r3_k3_s2_e6_c32"], ["ir_r4_k3_s2_e6_c64"],
    ["ir_r3_k3_s1_e6_c96"], ["ir_r3_k3_s2_e6_c160"], ["ir_r1_k3_s1_e6_c320"],
]


_MIXNET_S = [
    ["ds_r1_k3_s1_e1_c16"],
    ["ir_r1_k3_a1.1_p1.1_s2_e6_c24", "ir_r1_k3_a1.1_p1.1_s1_e3_c24"],
    ["ir_r1_k3.5.7_s2_e6_c40_se0.5_nsw", "ir_r3_k3.5_a1.1_p1.1_s1_e6_c40_se0.5_nsw"],
    ["ir_r1_k3.5.7_p1.1_s2_e6_c80_se0.25_nsw", "ir_r2_k3.5_p1.1_s1_e6_c80_se0.25_nsw"],
    ["ir_r1_k3.5.7_a1.1_p1.1_s1_e6_c120_se0.5_nsw", "ir_r2_k3.5.7.9_a1.1_p1.1_s1_e3_c120_se0.5_nsw"],
    ["ir_r1_k3.5.7.9.11_s2_e6_c200_se0.5_nsw", "ir_r2_k3.5.7.9_p1.1_s1_e6_c200_se0.5_nsw"],
]
_MIXNET_M = [
    ["ds_r1_k3_s1_e1_c24"],
    ["ir_r1_k3.5.7_a1.1_p1.1_s2_e6_c32", "ir_r1_k3_a1.1_p1.1_s1_e3_c32"],
    ["ir_r1_k3.5.7.9_s2_e6_c40_se0.5_nsw", "ir_r3_k3.5_a1.1_p1.1_s1_e6_c40_se0.5_nsw"],
    ["ir_r1_k3.5.7_s2_e6_c80_se0.25_nsw", "ir_r3_k3.5.7.9_a1.1_p1.1_s1_e6_c80_se0.25_nsw"],
    ["ir_r1_k3_s1_e6_c120_se0.5_nsw", "ir_r3_k3.5.7.9_a1.1_p1.1_s1_e3_c120_se0.5_nsw"],
    ["ir_r1_k3.5.7.9_s2_e6_c200_se0.5_nsw", "ir_r3_k3.5.7.9_p1.1_s1_e6_c200_se0.5_nsw"],
]
_MOBILENETV1 = [["dsa_r1_k3_s1_c64"], ["dsa_r2_k3_s2_c128"], ["dsa_r2_k3_s2_c256"], ["dsa_r6_k3_s2_c512"],
                ["dsa_r2_k3_s2_c1024"]]
_TEST_EFFICIENTNET = [
    ["cn_r1_k3_s1_e1_c16_skip"], ["er_r1_k3_s2_e4_c24"], ["er_r1_k3_s2_e4_c32"], ["ir_r1_k3_s2_e4_c48_se0.25"],
    ["ir_r1_k3_s2_e4_c64_se0.25"],
]
_EFFICIENTNET_CONDCONV = [
    ["ds_r1_k3_s1_e1_c16_se0.25"], ["ir_r2_k3_s2_e6_c24_se0.25"], ["ir_r2_k5_s2_e6_c40_se0.25"],
    ["ir_r3_k3_s2_e6_c80_se0.25"], ["ir_r3_k5_s1_e6_c112_se0.25_cc4"], ["ir_r4_k5_s2_e6_c192_se0.25_cc4"],
    ["ir_r1_k3_s1_e6_c320_se0.25_cc4"],
]
_EFFICIENTNET_X = [
    ["ds_r1_k3_s1_e1_c16_se0.25_d1"], ["er_r2_k3_s2_e6_c24_se0.25_nre"], ["er_r2_k5_s2_e6_c40_se0.25_nre"],
    ["ir_r3_k3_s2_e6_c80_se0.25"], ["ir_r3_k5_s1_e6_c112_se0.25"], ["ir_r4_k5_s2_e6_c192_se0.25"],
    ["ir_r1_k3_s1_e6_c320_se0.25"],
]
_EFFICIENTNET_H = [
    ["ds_r1_k3_s1_e1_c16_se0.25_d1"], ["er_r2_k3_s2_e4_c24_se0.25_nre"], ["er_r2_k5_s2_e4_c40_se0.25_nre"],
    ["ir_r3_k3_s2_e4_c80_se0.25"], ["ir_r3_k5_s1_e6_c112_se0.25"], ["ir_r4_k5_s2_e6_c192_se0.25"],
    ["ir_r1_k3_s1_e6_c320_se0.25"],
]


def _mobilenet_edgetpu_v2(chs, group_size):
    """timm's `_gen_mobilenet_edgetpu` `_arch_def` of the V2 models."""
    return [
        [f"cn_r1_k1_s1_c{chs[0]}"],
        [f"er_r1_k3_s2_e8_c{chs[1]}", f"er_r1_k3_s1_e4_gs{group_size}_c{chs[1]}"],
        [f"er_r1_k3_s2_e8_c{chs[2]}", f"er_r1_k3_s1_e4_gs{group_size}_c{chs[2]}", f"er_r1_k3_s1_e4_c{chs[2]}",
         f"er_r1_k3_s1_e4_gs{group_size}_c{chs[2]}"],
        [f"er_r1_k3_s2_e8_c{chs[3]}", f"ir_r3_k3_s1_e4_c{chs[3]}"],
        [f"ir_r1_k3_s1_e8_c{chs[4]}", f"ir_r3_k3_s1_e4_c{chs[4]}"],
        [f"ir_r1_k3_s2_e8_c{chs[5]}", f"ir_r3_k3_s1_e4_c{chs[5]}"],
        [f"ir_r1_k3_s1_e8_c{chs[6]}"],
    ]


_MOBILENET_EDGETPU_V2_M = _mobilenet_edgetpu_v2([32, 64, 80, 160, 192, 240, 320], 64)


@dataclass(frozen=True)
class ArchSpec:
    """What a `_gen_*` function hands timm's `EfficientNet`: the decoded blocks and the model arguments."""

    block_args: list
    stem_size: int
    num_features: int
    round_chs_fn: object
    act_layer: str
    fix_stem: bool = False
    stem_kernel_size: int = 3


def arch_spec(cfg: EfficientNetCfg) -> ArchSpec:
    """timm's `_gen_<cfg.gen>(variant, channel_multiplier, depth_multiplier, ...)`, as data."""
    cm, dm = cfg.channel_multiplier, cfg.depth_multiplier
    if cfg.gen == "efficientnet":
        rc = partial(round_channels, multiplier=cm, divisor=8)
        return ArchSpec(decode_arch_def(_EFFICIENTNET, dm), 32, rc(1280), rc, "silu")
    if cfg.gen == "efficientnet_lite":
        rc = partial(round_channels, multiplier=cm)
        return ArchSpec(decode_arch_def(_EFFICIENTNET_LITE, dm, fix_first_last=True), 32, 1280, rc, "relu6",
                        fix_stem=True)
    if cfg.gen == "efficientnet_edge":
        rc = partial(round_channels, multiplier=cm)
        return ArchSpec(decode_arch_def(_EFFICIENTNET_EDGE, dm), 32, rc(1280), rc, "relu")
    if cfg.gen == "efficientnetv2_base":
        rc = partial(round_channels, multiplier=cm, round_limit=0.0)
        return ArchSpec(decode_arch_def(_EFFICIENTNETV2_BASE, dm), 32, rc(1280), rc, "silu")
    if cfg.gen == "efficientnetv2_s":
        arch_def, num_features = [list(s) for s in _EFFICIENTNETV2_S], 1280
        if cfg.rw:
            arch_def[0] = ["er_r2_k3_s1_e1_c24"]
            arch_def[-1] = ["ir_r15_k3_s2_e6_c272_se0.25"]
            num_features = 1792
        rc = partial(round_channels, multiplier=cm)
        return ArchSpec(decode_arch_def(arch_def, dm), 24, rc(num_features), rc, "silu")
    if cfg.gen in ("efficientnetv2_m", "efficientnetv2_l", "efficientnetv2_xl"):
        arch_def = {"efficientnetv2_m": _EFFICIENTNETV2_M, "efficientnetv2_l": _EFFICIENTNETV2_L,
                    "efficientnetv2_xl": _EFFICIENTNETV2_XL}[cfg.gen]
        stem = 24 if cfg.gen == "efficientnetv2_m" else 32
        return ArchSpec(decode_arch_def(arch_def, dm), stem, 1280, partial(round_channels, multiplier=cm), "silu")
    if cfg.gen in ("mnasnet_b1", "mnasnet_a1", "mnasnet_small", "spnasnet"):
        arch_def = {"mnasnet_b1": _MNASNET_B1, "mnasnet_a1": _MNASNET_A1, "mnasnet_small": _MNASNET_SMALL,
                    "spnasnet": _SPNASNET}[cfg.gen]
        stem = 8 if cfg.gen == "mnasnet_small" else 32
        # EfficientNet's defaults: num_features 1280, act_layer ReLU.
        return ArchSpec(decode_arch_def(arch_def), stem, 1280, partial(round_channels, multiplier=cm), "relu")
    if cfg.gen == "fbnetc":
        return ArchSpec(decode_arch_def(_FBNETC), 16, 1984, partial(round_channels, multiplier=cm), "relu")
    if cfg.gen == "tinynet":
        return ArchSpec(decode_arch_def(_EFFICIENTNET, dm, depth_trunc="round"), 32,
                        max(1280, round_channels(1280, cm, 8, None)), partial(round_channels, multiplier=cm), "silu",
                        fix_stem=True)
    if cfg.gen == "mobilenet_v2":
        rc = partial(round_channels, multiplier=cm)
        return ArchSpec(decode_arch_def(_MOBILENETV2, depth_multiplier=dm, fix_first_last=cfg.fix_stem_head),
                        32, 1280 if cfg.fix_stem_head else max(1280, rc(1280)), rc, "relu6",
                        fix_stem=cfg.fix_stem_head)
    if cfg.gen in ("mixnet_s", "mixnet_m"):
        # EfficientNet's default activation (ReLU); the block strings name their swish.
        rc = partial(round_channels, multiplier=cm)
        if cfg.gen == "mixnet_s":
            return ArchSpec(decode_arch_def(_MIXNET_S), 16, 1536, rc, "relu")
        return ArchSpec(decode_arch_def(_MIXNET_M, dm, depth_trunc="round"), 24, 1536, rc, "relu")
    if cfg.gen == "mobilenet_v1":
        rc = partial(round_channels, multiplier=cm)
        head = (1024 if cfg.fix_stem_head else max(1024, rc(1024))) if cfg.head_conv else 0
        return ArchSpec(decode_arch_def(_MOBILENETV1, dm, fix_first_last=cfg.fix_stem_head), 32, head, rc, "relu6",
                        fix_stem=cfg.fix_stem_head)
    if cfg.gen == "test_efficientnet":
        rc = partial(round_channels, multiplier=cm, round_limit=0.0)
        return ArchSpec(decode_arch_def(_TEST_EFFICIENTNET, dm), 24, rc(256), rc, "silu")
    if cfg.gen == "efficientnet_condconv":
        rc = partial(round_channels, multiplier=cm)
        return ArchSpec(decode_arch_def(_EFFICIENTNET_CONDCONV, dm, experts_multiplier=cfg.experts_multiplier), 32,
                        rc(1280), rc, "silu")
    if cfg.gen == "mobilenet_edgetpu_v2_m":
        return ArchSpec(decode_arch_def(_MOBILENET_EDGETPU_V2_M, dm), 64, 1344, partial(round_channels, multiplier=cm),
                        "relu", stem_kernel_size=5)
    if cfg.gen == "efficientnet_x":
        rc = partial(round_channels, multiplier=cm, divisor=8)
        arch_def = _EFFICIENTNET_X if cfg.version == 1 else _EFFICIENTNET_H
        return ArchSpec(decode_arch_def(arch_def, dm), 32, rc(1280), rc, "silu")
    raise ValueError(f"unknown generator {cfg.gen!r}")


C = EfficientNetCfg
# timm's registered variants with pretrained weights (all of timm's efficientnet.py's).
model_cfgs: dict[str, EfficientNetCfg] = {
    "mnasnet_100": C("mnasnet_b1"),
    "semnasnet_075": C("mnasnet_a1", 0.75),
    "semnasnet_100": C("mnasnet_a1"),
    "mnasnet_small": C("mnasnet_small"),
    "mobilenetv2_050": C("mobilenet_v2", 0.5),
    "mobilenetv2_100": C("mobilenet_v2"),
    "mobilenetv2_110d": C("mobilenet_v2", 1.1, 1.2, fix_stem_head=True),
    "mobilenetv2_120d": C("mobilenet_v2", 1.2, 1.4, fix_stem_head=True),
    "mobilenetv2_140": C("mobilenet_v2", 1.4),
    # timm builds fbnetc_100 with bn_eps 1e-3 when `pretrained=True` (its weights were trained so).
    "fbnetc_100": C("fbnetc", bn_eps=BN_EPS_TF_DEFAULT),
    "spnasnet_100": C("spnasnet"),
    "efficientnet_b0": C("efficientnet", 1.0, 1.0),
    "efficientnet_b1": C("efficientnet", 1.0, 1.1),
    "efficientnet_b2": C("efficientnet", 1.1, 1.2),
    "efficientnet_b3": C("efficientnet", 1.2, 1.4),
    "efficientnet_b4": C("efficientnet", 1.4, 1.8),
    "efficientnet_b5": C("efficientnet", 1.6, 2.2),
    "efficientnet_es": C("efficientnet_edge", 1.0, 1.0),
    "efficientnet_em": C("efficientnet_edge", 1.0, 1.1),
    "efficientnet_el": C("efficientnet_edge", 1.2, 1.4),
    "efficientnet_es_pruned": C("efficientnet_edge", 1.0, 1.0),
    "efficientnet_el_pruned": C("efficientnet_edge", 1.2, 1.4),
    "efficientnet_lite0": C("efficientnet_lite", 1.0, 1.0),
    "efficientnetv2_rw_t": C("efficientnetv2_s", 0.8, 0.9),
    "efficientnetv2_rw_s": C("efficientnetv2_s", rw=True),
    "efficientnetv2_rw_m": C("efficientnetv2_s", 1.2, (1.2,) * 4 + (1.6,) * 2, rw=True),
    "tf_efficientnet_b0": C("efficientnet", 1.0, 1.0, tf=True),
    "tf_efficientnet_b1": C("efficientnet", 1.0, 1.1, tf=True),
    "tf_efficientnet_b2": C("efficientnet", 1.1, 1.2, tf=True),
    "tf_efficientnet_b3": C("efficientnet", 1.2, 1.4, tf=True),
    "tf_efficientnet_b4": C("efficientnet", 1.4, 1.8, tf=True),
    "tf_efficientnet_b5": C("efficientnet", 1.6, 2.2, tf=True),
    "tf_efficientnet_b6": C("efficientnet", 1.8, 2.6, tf=True),
    "tf_efficientnet_b7": C("efficientnet", 2.0, 3.1, tf=True),
    "tf_efficientnet_b8": C("efficientnet", 2.2, 3.6, tf=True),
    "tf_efficientnet_l2": C("efficientnet", 4.3, 5.3, tf=True),
    "tf_efficientnet_es": C("efficientnet_edge", 1.0, 1.0, tf=True),
    "tf_efficientnet_em": C("efficientnet_edge", 1.0, 1.1, tf=True),
    "tf_efficientnet_el": C("efficientnet_edge", 1.2, 1.4, tf=True),
    "tf_efficientnet_lite0": C("efficientnet_lite", 1.0, 1.0, tf=True),
    "tf_efficientnet_lite1": C("efficientnet_lite", 1.0, 1.1, tf=True),
    "tf_efficientnet_lite2": C("efficientnet_lite", 1.1, 1.2, tf=True),
    "tf_efficientnet_lite3": C("efficientnet_lite", 1.2, 1.4, tf=True),
    "tf_efficientnet_lite4": C("efficientnet_lite", 1.4, 1.8, tf=True),
    "tf_efficientnetv2_s": C("efficientnetv2_s", tf=True),
    "tf_efficientnetv2_m": C("efficientnetv2_m", tf=True),
    "tf_efficientnetv2_l": C("efficientnetv2_l", tf=True),
    "tf_efficientnetv2_xl": C("efficientnetv2_xl", tf=True),
    "tf_efficientnetv2_b0": C("efficientnetv2_base", tf=True),
    "tf_efficientnetv2_b1": C("efficientnetv2_base", 1.0, 1.1, tf=True),
    "tf_efficientnetv2_b2": C("efficientnetv2_base", 1.1, 1.2, tf=True),
    "tf_efficientnetv2_b3": C("efficientnetv2_base", 1.2, 1.4, tf=True),
    "tinynet_a": C("tinynet", 1.0, 1.2),
    "tinynet_b": C("tinynet", 0.75, 1.1),
    "tinynet_c": C("tinynet", 0.54, 0.85),
    "tinynet_d": C("tinynet", 0.54, 0.695),
    "tinynet_e": C("tinynet", 0.51, 0.6),
    "mixnet_s": C("mixnet_s"),
    "mixnet_m": C("mixnet_m"),
    "mixnet_l": C("mixnet_m", 1.3),
    "mixnet_xl": C("mixnet_m", 1.6, 1.2),
    "tf_mixnet_s": C("mixnet_s", tf=True),
    "tf_mixnet_m": C("mixnet_m", tf=True),
    "tf_mixnet_l": C("mixnet_m", 1.3, tf=True),
    "mobilenetv1_100": C("mobilenet_v1"),
    "mobilenetv1_100h": C("mobilenet_v1", head_conv=True),
    "mobilenetv1_125": C("mobilenet_v1", 1.25),
    "test_efficientnet": C("test_efficientnet"),
    "test_efficientnet_gn": C("test_efficientnet", norm_layer="groupnorm", norm_group_size=8),
    "test_efficientnet_ln": C("test_efficientnet", norm_layer="layernorm"),
    "test_efficientnet_evos": C("test_efficientnet", norm_layer="evonorm_s0", norm_group_size=8),
    "gc_efficientnetv2_rw_t": C("efficientnetv2_s", 0.8, 0.9, se_layer="gc"),
    "mobilenet_edgetpu_v2_m": C("mobilenet_edgetpu_v2_m"),
    "efficientnet_x_b5": C("efficientnet_x", 1.6, 2.2),
    "efficientnet_h_b5": C("efficientnet_x", 1.92, 2.2, version=2),
    "tf_efficientnet_cc_b0_4e": C("efficientnet_condconv", tf=True),
    "tf_efficientnet_cc_b0_8e": C("efficientnet_condconv", experts_multiplier=2, tf=True),
    "tf_efficientnet_cc_b1_8e": C("efficientnet_condconv", 1.0, 1.1, experts_multiplier=2, tf=True),
    # "same" padding and epsilon 1e-3 as the tf_ variants, widths from timm's pruning files.
    "efficientnet_b1_pruned": C("efficientnet", 1.0, 1.1, tf=True, pruned=True),
    "efficientnet_b2_pruned": C("efficientnet", 1.1, 1.2, tf=True, pruned=True),
    "efficientnet_b3_pruned": C("efficientnet", 1.2, 1.4, tf=True, pruned=True),
}


def _cfg(url: str = "", **kwargs) -> dict:
    return {
        "url": url, "num_classes": 1000, "input_size": (3, 224, 224), "pool_size": (7, 7),
        "crop_pct": 0.875, "interpolation": "bicubic",
        "mean": IMAGENET_DEFAULT_MEAN, "std": IMAGENET_DEFAULT_STD,
        "first_conv": "conv_stem", "classifier": "classifier",
        "license": "apache-2.0", **kwargs,
    }


# timm's entries of the ported architectures, in timm's order.
default_cfgs = generate_default_cfgs({
    "mnasnet_100.rmsp_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/mnasnet_b1-74cb7081.pth",
        hf_hub_id="timm/"),
    "semnasnet_075.rmsp_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/semnasnet_075-18710866.pth",
        hf_hub_id="timm/"),
    "semnasnet_100.rmsp_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/mnasnet_a1-d9418771.pth",
        hf_hub_id="timm/"),
    "mnasnet_small.lamb_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/mnasnet_small_lamb-aff75073.pth",
        hf_hub_id="timm/"),
    "mobilenetv2_050.lamb_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/mobilenetv2_050-3d30d450.pth",
        hf_hub_id="timm/",
        interpolation="bicubic",
    ),
    "mobilenetv2_100.ra_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/mobilenetv2_100_ra-b33bc2c4.pth",
        hf_hub_id="timm/"),
    "mobilenetv2_110d.ra_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/mobilenetv2_110d_ra-77090ade.pth",
        hf_hub_id="timm/"),
    "mobilenetv2_120d.ra_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/mobilenetv2_120d_ra-5987e2ed.pth",
        hf_hub_id="timm/"),
    "mobilenetv2_140.ra_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/mobilenetv2_140_ra-21a4e913.pth",
        hf_hub_id="timm/"),
    "fbnetc_100.rmsp_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/fbnetc_100-c345b898.pth",
        hf_hub_id="timm/",
        interpolation="bilinear"),
    "spnasnet_100.rmsp_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/spnasnet_100-048bc3f4.pth",
        hf_hub_id="timm/",
        interpolation="bilinear"),
    "efficientnet_b0.ra_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/efficientnet_b0_ra-3dd342df.pth",
        hf_hub_id="timm/"),
    "efficientnet_b0.ra4_e3600_r224_in1k": _cfg(
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD,
        crop_pct=0.9, test_input_size=(3, 256, 256), test_crop_pct=1.0),
    "efficientnet_b1.ra4_e3600_r240_in1k": _cfg(
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD,
        input_size=(3, 240, 240), crop_pct=0.9, pool_size=(8, 8),
        test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "efficientnet_b1.ft_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/efficientnet_b1-533bc792.pth",
        hf_hub_id="timm/",
        test_input_size=(3, 256, 256), test_crop_pct=1.0),
    "efficientnet_b2.ra_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/efficientnet_b2_ra-bcdf34b7.pth",
        hf_hub_id="timm/",
        input_size=(3, 256, 256), pool_size=(8, 8), test_input_size=(3, 288, 288), test_crop_pct=1.0),
    "efficientnet_b3.ra2_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/efficientnet_b3_ra2-cf984f9c.pth",
        hf_hub_id="timm/",
        input_size=(3, 288, 288), pool_size=(9, 9), test_input_size=(3, 320, 320), test_crop_pct=1.0),
    "efficientnet_b4.ra2_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/efficientnet_b4_ra2_320-7eb33cd5.pth",
        hf_hub_id="timm/",
        input_size=(3, 320, 320), pool_size=(10, 10), test_input_size=(3, 384, 384), test_crop_pct=1.0),
    "efficientnet_b5.sw_in12k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 448, 448), pool_size=(14, 14), crop_pct=1.0, crop_mode="squash"),
    "efficientnet_b5.sw_in12k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 416, 416), pool_size=(13, 13), crop_pct=0.95, num_classes=11821),
    "efficientnet_es.ra_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/efficientnet_es_ra-f111e99c.pth",
        hf_hub_id="timm/"),
    "efficientnet_em.ra2_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/efficientnet_em_ra2-66250f76.pth",
        hf_hub_id="timm/",
        input_size=(3, 240, 240), pool_size=(8, 8), crop_pct=0.882),
    "efficientnet_el.ra_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/efficientnet_el-3b455510.pth",
        hf_hub_id="timm/",
        input_size=(3, 300, 300), pool_size=(10, 10), crop_pct=0.904),
    "efficientnet_es_pruned.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/efficientnet_es_pruned75-1b7248cf.pth",
        hf_hub_id="timm/"),
    "efficientnet_el_pruned.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/efficientnet_el_pruned70-ef2a2ccf.pth",
        hf_hub_id="timm/",
        input_size=(3, 300, 300), pool_size=(10, 10), crop_pct=0.904),
    "efficientnet_lite0.ra_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/efficientnet_lite0_ra-37913777.pth",
        hf_hub_id="timm/"),
    "efficientnetv2_rw_t.ra2_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/efficientnetv2_t_agc-3620981a.pth",
        hf_hub_id="timm/",
        input_size=(3, 224, 224), test_input_size=(3, 288, 288), pool_size=(7, 7), crop_pct=1.0),
    "efficientnetv2_rw_s.ra2_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/efficientnet_v2s_ra2_288-a6477665.pth",
        hf_hub_id="timm/",
        input_size=(3, 288, 288), test_input_size=(3, 384, 384), pool_size=(9, 9), crop_pct=1.0),
    "efficientnetv2_rw_m.agc_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/efficientnetv2_rw_m_agc-3d90cb1e.pth",
        hf_hub_id="timm/",
        input_size=(3, 320, 320), test_input_size=(3, 416, 416), pool_size=(10, 10), crop_pct=1.0),
    "tf_efficientnet_b0.ns_jft_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b0_ns-c0e6a31c.pth",
        hf_hub_id="timm/",
        input_size=(3, 224, 224)),
    "tf_efficientnet_b1.ns_jft_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b1_ns-99dd0c41.pth",
        hf_hub_id="timm/",
        input_size=(3, 240, 240), pool_size=(8, 8), crop_pct=0.882),
    "tf_efficientnet_b2.ns_jft_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b2_ns-00306e48.pth",
        hf_hub_id="timm/",
        input_size=(3, 260, 260), pool_size=(9, 9), crop_pct=0.890),
    "tf_efficientnet_b3.ns_jft_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b3_ns-9d44bf68.pth",
        hf_hub_id="timm/",
        input_size=(3, 300, 300), pool_size=(10, 10), crop_pct=0.904),
    "tf_efficientnet_b4.ns_jft_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b4_ns-d6313a46.pth",
        hf_hub_id="timm/",
        input_size=(3, 380, 380), pool_size=(12, 12), crop_pct=0.922),
    "tf_efficientnet_b5.ns_jft_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b5_ns-6f26d0cf.pth",
        hf_hub_id="timm/",
        input_size=(3, 456, 456), pool_size=(15, 15), crop_pct=0.934),
    "tf_efficientnet_b6.ns_jft_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b6_ns-51548356.pth",
        hf_hub_id="timm/",
        input_size=(3, 528, 528), pool_size=(17, 17), crop_pct=0.942),
    "tf_efficientnet_b7.ns_jft_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b7_ns-1dbc32de.pth",
        hf_hub_id="timm/",
        input_size=(3, 600, 600), pool_size=(19, 19), crop_pct=0.949),
    "tf_efficientnet_l2.ns_jft_in1k_475": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_l2_ns_475-bebbd00a.pth",
        hf_hub_id="timm/",
        input_size=(3, 475, 475), pool_size=(15, 15), crop_pct=0.936),
    "tf_efficientnet_l2.ns_jft_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_l2_ns-df73bb44.pth",
        hf_hub_id="timm/",
        input_size=(3, 800, 800), pool_size=(25, 25), crop_pct=0.96),
    "tf_efficientnet_b0.ap_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b0_ap-f262efe1.pth",
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD, input_size=(3, 224, 224)),
    "tf_efficientnet_b1.ap_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b1_ap-44ef0a3d.pth",
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD,
        input_size=(3, 240, 240), pool_size=(8, 8), crop_pct=0.882),
    "tf_efficientnet_b2.ap_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b2_ap-2f8e7636.pth",
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD,
        input_size=(3, 260, 260), pool_size=(9, 9), crop_pct=0.890),
    "tf_efficientnet_b3.ap_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b3_ap-aad25bdd.pth",
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD,
        input_size=(3, 300, 300), pool_size=(10, 10), crop_pct=0.904),
    "tf_efficientnet_b4.ap_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b4_ap-dedb23e6.pth",
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD,
        input_size=(3, 380, 380), pool_size=(12, 12), crop_pct=0.922),
    "tf_efficientnet_b5.ap_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b5_ap-9e82fae8.pth",
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD,
        input_size=(3, 456, 456), pool_size=(15, 15), crop_pct=0.934),
    "tf_efficientnet_b6.ap_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b6_ap-4ffb161f.pth",
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD,
        input_size=(3, 528, 528), pool_size=(17, 17), crop_pct=0.942),
    "tf_efficientnet_b7.ap_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b7_ap-ddb28fec.pth",
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD,
        input_size=(3, 600, 600), pool_size=(19, 19), crop_pct=0.949),
    "tf_efficientnet_b8.ap_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b8_ap-00e169fa.pth",
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD,
        input_size=(3, 672, 672), pool_size=(21, 21), crop_pct=0.954),
    "tf_efficientnet_b5.ra_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b5_ra-9a3e5369.pth",
        hf_hub_id="timm/",
        input_size=(3, 456, 456), pool_size=(15, 15), crop_pct=0.934),
    "tf_efficientnet_b7.ra_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b7_ra-6c08e654.pth",
        hf_hub_id="timm/",
        input_size=(3, 600, 600), pool_size=(19, 19), crop_pct=0.949),
    "tf_efficientnet_b8.ra_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b8_ra-572d5dd9.pth",
        hf_hub_id="timm/",
        input_size=(3, 672, 672), pool_size=(21, 21), crop_pct=0.954),
    "tf_efficientnet_b0.aa_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b0_aa-827b6e33.pth",
        hf_hub_id="timm/",
        input_size=(3, 224, 224)),
    "tf_efficientnet_b1.aa_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b1_aa-ea7a6ee0.pth",
        hf_hub_id="timm/",
        input_size=(3, 240, 240), pool_size=(8, 8), crop_pct=0.882),
    "tf_efficientnet_b2.aa_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b2_aa-60c94f97.pth",
        hf_hub_id="timm/",
        input_size=(3, 260, 260), pool_size=(9, 9), crop_pct=0.890),
    "tf_efficientnet_b3.aa_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b3_aa-84b4657e.pth",
        hf_hub_id="timm/",
        input_size=(3, 300, 300), pool_size=(10, 10), crop_pct=0.904),
    "tf_efficientnet_b4.aa_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b4_aa-818f208c.pth",
        hf_hub_id="timm/",
        input_size=(3, 380, 380), pool_size=(12, 12), crop_pct=0.922),
    "tf_efficientnet_b5.aa_in1k": _cfg(
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b5_aa-99018a74.pth",
        hf_hub_id="timm/",
        input_size=(3, 456, 456), pool_size=(15, 15), crop_pct=0.934),
    "tf_efficientnet_b6.aa_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b6_aa-80ba17e4.pth",
        hf_hub_id="timm/",
        input_size=(3, 528, 528), pool_size=(17, 17), crop_pct=0.942),
    "tf_efficientnet_b7.aa_in1k": _cfg(
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b7_aa-076e3472.pth",
        hf_hub_id="timm/",
        input_size=(3, 600, 600), pool_size=(19, 19), crop_pct=0.949),
    "tf_efficientnet_b0.in1k": _cfg(
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b0-0af12548.pth",
        hf_hub_id="timm/",
        input_size=(3, 224, 224)),
    "tf_efficientnet_b1.in1k": _cfg(
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b1-5c1377c4.pth",
        hf_hub_id="timm/",
        input_size=(3, 240, 240), pool_size=(8, 8), crop_pct=0.882),
    "tf_efficientnet_b2.in1k": _cfg(
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b2-e393ef04.pth",
        hf_hub_id="timm/",
        input_size=(3, 260, 260), pool_size=(9, 9), crop_pct=0.890),
    "tf_efficientnet_b3.in1k": _cfg(
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b3-e3bd6955.pth",
        hf_hub_id="timm/",
        input_size=(3, 300, 300), pool_size=(10, 10), crop_pct=0.904),
    "tf_efficientnet_b4.in1k": _cfg(
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b4-74ee3bed.pth",
        hf_hub_id="timm/",
        input_size=(3, 380, 380), pool_size=(12, 12), crop_pct=0.922),
    "tf_efficientnet_b5.in1k": _cfg(
        url="https://github.com/huggingface/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_b5-c6949ce9.pth",
        hf_hub_id="timm/",
        input_size=(3, 456, 456), pool_size=(15, 15), crop_pct=0.934),
    "tf_efficientnet_es.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_es-ca1afbfe.pth",
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        input_size=(3, 224, 224), ),
    "tf_efficientnet_em.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_em-e78cfe58.pth",
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        input_size=(3, 240, 240), pool_size=(8, 8), crop_pct=0.882),
    "tf_efficientnet_el.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_el-5143854e.pth",
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        input_size=(3, 300, 300), pool_size=(10, 10), crop_pct=0.904),
    "tf_efficientnet_lite0.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_lite0-0aa007d2.pth",
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        interpolation="bicubic",  # should be bilinear but bicubic better match for TF bilinear at low res
    ),
    "tf_efficientnet_lite1.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_lite1-bde8b488.pth",
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        input_size=(3, 240, 240), pool_size=(8, 8), crop_pct=0.882,
        interpolation="bicubic",  # should be bilinear but bicubic better match for TF bilinear at low res
    ),
    "tf_efficientnet_lite2.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_lite2-dcccb7df.pth",
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        input_size=(3, 260, 260), pool_size=(9, 9), crop_pct=0.890,
        interpolation="bicubic",  # should be bilinear but bicubic better match for TF bilinear at low res
    ),
    "tf_efficientnet_lite3.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_lite3-b733e338.pth",
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        input_size=(3, 300, 300), pool_size=(10, 10), crop_pct=0.904, interpolation="bilinear"),
    "tf_efficientnet_lite4.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_lite4-741542c3.pth",
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        input_size=(3, 380, 380), pool_size=(12, 12), crop_pct=0.920, interpolation="bilinear"),
    "tf_efficientnetv2_s.in21k_ft_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-effv2-weights/tf_efficientnetv2_s_21ft1k-d7dafa41.pth",
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        input_size=(3, 300, 300), test_input_size=(3, 384, 384), pool_size=(10, 10), crop_pct=1.0),
    "tf_efficientnetv2_m.in21k_ft_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-effv2-weights/tf_efficientnetv2_m_21ft1k-bf41664a.pth",
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        input_size=(3, 384, 384), test_input_size=(3, 480, 480), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "tf_efficientnetv2_l.in21k_ft_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-effv2-weights/tf_efficientnetv2_l_21ft1k-60127a9d.pth",
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        input_size=(3, 384, 384), test_input_size=(3, 480, 480), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "tf_efficientnetv2_xl.in21k_ft_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-effv2-weights/tf_efficientnetv2_xl_in21ft1k-06c35c48.pth",
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        input_size=(3, 384, 384), test_input_size=(3, 512, 512), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "tf_efficientnetv2_s.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-effv2-weights/tf_efficientnetv2_s-eb54923e.pth",
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        input_size=(3, 300, 300), test_input_size=(3, 384, 384), pool_size=(10, 10), crop_pct=1.0),
    "tf_efficientnetv2_m.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-effv2-weights/tf_efficientnetv2_m-cc09e0cd.pth",
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        input_size=(3, 384, 384), test_input_size=(3, 480, 480), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "tf_efficientnetv2_l.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-effv2-weights/tf_efficientnetv2_l-d664b728.pth",
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        input_size=(3, 384, 384), test_input_size=(3, 480, 480), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "tf_efficientnetv2_s.in21k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-effv2-weights/tf_efficientnetv2_s_21k-6337ad01.pth",
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), num_classes=21843,
        input_size=(3, 300, 300), test_input_size=(3, 384, 384), pool_size=(10, 10), crop_pct=1.0),
    "tf_efficientnetv2_m.in21k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-effv2-weights/tf_efficientnetv2_m_21k-361418a2.pth",
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), num_classes=21843,
        input_size=(3, 384, 384), test_input_size=(3, 480, 480), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "tf_efficientnetv2_l.in21k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-effv2-weights/tf_efficientnetv2_l_21k-91a19ec9.pth",
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), num_classes=21843,
        input_size=(3, 384, 384), test_input_size=(3, 480, 480), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "tf_efficientnetv2_xl.in21k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-effv2-weights/tf_efficientnetv2_xl_in21k-fd7e8abf.pth",
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), num_classes=21843,
        input_size=(3, 384, 384), test_input_size=(3, 512, 512), pool_size=(12, 12), crop_pct=1.0, crop_mode="squash"),
    "tf_efficientnetv2_b0.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-effv2-weights/tf_efficientnetv2_b0-c7cc451f.pth",
        hf_hub_id="timm/",
        input_size=(3, 192, 192), test_input_size=(3, 224, 224), pool_size=(6, 6)),
    "tf_efficientnetv2_b1.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-effv2-weights/tf_efficientnetv2_b1-be6e41b0.pth",
        hf_hub_id="timm/",
        input_size=(3, 192, 192), test_input_size=(3, 240, 240), pool_size=(6, 6), crop_pct=0.882),
    "tf_efficientnetv2_b2.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-effv2-weights/tf_efficientnetv2_b2-847de54e.pth",
        hf_hub_id="timm/",
        input_size=(3, 208, 208), test_input_size=(3, 260, 260), pool_size=(7, 7), crop_pct=0.890),
    "tf_efficientnetv2_b3.in21k_ft_in1k": _cfg(
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD,
        input_size=(3, 240, 240), test_input_size=(3, 300, 300), pool_size=(8, 8), crop_pct=0.9, crop_mode="squash"),
    "tf_efficientnetv2_b3.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-effv2-weights/tf_efficientnetv2_b3-57773f13.pth",
        hf_hub_id="timm/",
        input_size=(3, 240, 240), test_input_size=(3, 300, 300), pool_size=(8, 8), crop_pct=0.904),
    "tf_efficientnetv2_b3.in21k": _cfg(
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD, num_classes=21843,
        input_size=(3, 240, 240), test_input_size=(3, 300, 300), pool_size=(8, 8), crop_pct=0.904),
    "tinynet_a.in1k": _cfg(
        input_size=(3, 192, 192), pool_size=(6, 6),  # int(224 * 0.86)
        url="https://github.com/huawei-noah/CV-Backbones/releases/download/v1.2.0/tinynet_a.pth",
        hf_hub_id="timm/"),
    "tinynet_b.in1k": _cfg(
        input_size=(3, 188, 188), pool_size=(6, 6),  # int(224 * 0.84)
        url="https://github.com/huawei-noah/CV-Backbones/releases/download/v1.2.0/tinynet_b.pth",
        hf_hub_id="timm/"),
    "tinynet_c.in1k": _cfg(
        input_size=(3, 184, 184), pool_size=(6, 6),  # int(224 * 0.825)
        url="https://github.com/huawei-noah/CV-Backbones/releases/download/v1.2.0/tinynet_c.pth",
        hf_hub_id="timm/"),
    "tinynet_d.in1k": _cfg(
        input_size=(3, 152, 152), pool_size=(5, 5),  # int(224 * 0.68)
        url="https://github.com/huawei-noah/CV-Backbones/releases/download/v1.2.0/tinynet_d.pth",
        hf_hub_id="timm/"),
    "tinynet_e.in1k": _cfg(
        input_size=(3, 106, 106), pool_size=(4, 4),  # int(224 * 0.475)
        url="https://github.com/huawei-noah/CV-Backbones/releases/download/v1.2.0/tinynet_e.pth",
        hf_hub_id="timm/"),
    "mobilenetv1_100.ra4_e3600_r224_in1k": _cfg(
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD,
        test_input_size=(3, 256, 256), test_crop_pct=0.95),
    "mobilenetv1_100h.ra4_e3600_r224_in1k": _cfg(
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD,
        test_input_size=(3, 256, 256), test_crop_pct=0.95),
    "mobilenetv1_125.ra4_e3600_r224_in1k": _cfg(
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD,
        crop_pct=0.9, test_input_size=(3, 256, 256), test_crop_pct=1.0),
    "efficientnet_h_b5.sw_r448_e450_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 448, 448), test_input_size=(3, 576, 576), crop_pct=1.0, crop_mode="squash", pool_size=(14, 14)),
    "efficientnet_x_b5.sw_r448_e450_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 448, 448), test_input_size=(3, 576, 576), crop_pct=1.0, crop_mode="squash", pool_size=(14, 14)),
    "efficientnet_b1_pruned.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-tresnet/effnetb1_pruned-bea43a3a.pth",
        hf_hub_id="timm/",
        input_size=(3, 240, 240), pool_size=(8, 8), crop_pct=0.882,
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD),
    "efficientnet_b2_pruned.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-tresnet/effnetb2_pruned-08c1b27c.pth",
        hf_hub_id="timm/",
        input_size=(3, 260, 260), pool_size=(9, 9), crop_pct=0.890,
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD),
    "efficientnet_b3_pruned.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-tresnet/effnetb3_pruned-59ecf72d.pth",
        hf_hub_id="timm/",
        input_size=(3, 300, 300), pool_size=(10, 10), crop_pct=0.904,
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD),
    "gc_efficientnetv2_rw_t.agc_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/gc_efficientnetv2_rw_t_agc-927a0bde.pth",
        hf_hub_id="timm/",
        input_size=(3, 224, 224), test_input_size=(3, 288, 288), pool_size=(7, 7), crop_pct=1.0),
    "tf_efficientnet_cc_b0_4e.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_cc_b0_4e-4362b6b2.pth",
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD),
    "tf_efficientnet_cc_b0_8e.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_cc_b0_8e-66184a25.pth",
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD),
    "tf_efficientnet_cc_b1_8e.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_efficientnet_cc_b1_8e-f7c79ae1.pth",
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD,
        input_size=(3, 240, 240), pool_size=(8, 8), crop_pct=0.882),
    "mixnet_s.ft_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/mixnet_s-a907afbc.pth",
        hf_hub_id="timm/"),
    "mixnet_m.ft_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/mixnet_m-4647fc68.pth",
        hf_hub_id="timm/"),
    "mixnet_l.ft_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/mixnet_l-5a9a2ed8.pth",
        hf_hub_id="timm/"),
    "mixnet_xl.ra_in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/mixnet_xl_ra-aac3c00c.pth",
        hf_hub_id="timm/"),
    "tf_mixnet_s.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_mixnet_s-89d3354b.pth",
        hf_hub_id="timm/"),
    "tf_mixnet_m.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_mixnet_m-0f4d8805.pth",
        hf_hub_id="timm/"),
    "tf_mixnet_l.in1k": _cfg(
        url="https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/tf_mixnet_l-6c92e0c8.pth",
        hf_hub_id="timm/"),
    "mobilenet_edgetpu_v2_m.ra4_e3600_r224_in1k": _cfg(
        hf_hub_id="timm/",
        mean=IMAGENET_INCEPTION_MEAN, std=IMAGENET_INCEPTION_STD,
        crop_pct=0.9, test_input_size=(3, 256, 256), test_crop_pct=0.95),
    "test_efficientnet.r160_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 160, 160), pool_size=(5, 5), crop_pct=0.95),
    "test_efficientnet_ln.r160_in1k": _cfg(
        hf_hub_id="timm/",
        input_size=(3, 160, 160), pool_size=(5, 5), crop_pct=0.95),
    "test_efficientnet_gn.r160_in1k": _cfg(
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        input_size=(3, 160, 160), pool_size=(5, 5), crop_pct=0.95),
    "test_efficientnet_evos.r160_in1k": _cfg(
        hf_hub_id="timm/",
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
        input_size=(3, 160, 160), pool_size=(5, 5), crop_pct=0.95),
})


@lru_cache(maxsize=None)
def pruned_shapes(variant: str) -> dict[str, tuple[int, ...]]:
    """timm's pruning file of `variant` (`timm/models/_pruned/<variant>.txt`, shipped in this package
    under `models/_pruned/`, Apache-2.0 as timm), parsed as timm's `adapt_model_from_string` does:
    `key:[shape]` entries joined by `***`; entries with an empty shape are left out."""
    text = (resources.files("luximm_keras.models") / "_pruned" / f"{variant}.txt").read_text("utf-8").strip()
    shapes = {}
    for entry in text.split("***"):
        key, shape = entry.split(":")
        dims = shape[1:-1].split(",")
        if dims[0] != "":
            shapes[key] = tuple(int(d) for d in dims)
    return shapes


def apply_pruning(stages: list[list[dict]], shapes: dict[str, tuple[int, ...]]) -> list[list[dict]]:
    """What timm's `adapt_model_from_file` does to a built EfficientNet, on the resolved block dicts:
    every conv's output width from the file (a block's `out_chs`, an inverted residual's hidden
    `mid_chs`, the SE bottleneck's `se_channels`), the input widths chained. A block keeps whether it
    has a residual (timm rebuilds the convs inside the unpruned block): one without one gets
    `noskip`, so that pruned widths that happen to agree do not add one."""
    for i, stage in enumerate(stages):
        for j, ba in enumerate(stage):
            prefix = f"blocks.{i}.{j}."
            if ba["block_type"] not in ("ir", "ds", "dsa"):
                raise ValueError(f"pruning is ported for EfficientNet's ds/ir blocks, not {ba['block_type']!r}")
            if not (ba["stride"] == 1 and ba["in_chs"] == ba["out_chs"]):
                ba["noskip"] = True
            last = "conv_pwl" if ba["block_type"] == "ir" else "conv_pw"
            ba["out_chs"] = shapes[prefix + last + ".weight"][0]
            if ba["block_type"] == "ir":
                ba["mid_chs"] = shapes[prefix + "conv_pw.weight"][0]
            if prefix + "se.conv_reduce.weight" in shapes:
                ba["se_channels"] = shapes[prefix + "se.conv_reduce.weight"][0]
    in_chs = shapes["conv_stem.weight"][0]
    for stage in stages:
        for ba in stage:
            ba["in_chs"] = in_chs
            in_chs = ba["out_chs"]
    return stages


@dataclass(frozen=True)
class BlockPlan:
    """What timm's `EfficientNet.__init__` builds for a variant, before any layer: the stem and head
    widths (head 0: no `conv_head`), the resolved block dicts (pruned where the variant is), the
    per-model block options of `make_block`, and whether `feature_info` starts at the stem's `bn1`
    (the first block strided, or a space-to-depth one)."""

    stem_size: int
    num_features: int
    stages: list
    block_options: dict
    stem_feature: bool


def block_plan(variant: str, drop_path_rate: float = 0.0, output_stride: int = 32) -> BlockPlan:
    """The `BlockPlan` of timm's `variant` (a key of `model_cfgs`), at timm's `output_stride`."""
    cfg = model_cfgs[variant]
    spec = arch_spec(cfg)
    stem_size = spec.stem_size if spec.fix_stem else spec.round_chs_fn(spec.stem_size)
    stages = resolve_block_args(spec.block_args, stem_size, spec.round_chs_fn, spec.act_layer,
                                drop_path_rate=drop_path_rate, output_stride=output_stride)
    num_features = spec.num_features
    if cfg.pruned:
        shapes = pruned_shapes(variant)
        stages = apply_pruning(stages, shapes)
        stem_size, num_features = shapes["conv_stem.weight"][0], shapes["conv_head.weight"][0]
    block_options = {}
    if cfg.se_layer != "se":
        block_options["se_options"] = {"se_layer": cfg.se_layer}
    if cfg.norm_layer != "batchnorm":
        block_options["norm_options"] = {"norm_layer": cfg.norm_layer, "norm_group_size": cfg.norm_group_size}
    first = spec.block_args[0][0]
    return BlockPlan(stem_size, num_features, stages, block_options, first["stride"] > 1 or bool(first.get("s2d")))


def _create_efficientnet(variant: str, args: BuildArgs) -> ModelGraph:
    """timm's `variant` (a key of `model_cfgs`): NHWC images of any size (or `img_size`) in, logits out
    (pooled features when `num_classes=0`). The feature maps are timm's `feature_info`: `bn1` when the
    first block is strided, then the output of every stage after which the stride grows. With
    `output_stride` 8 or 16 the stages past it dilate instead of striding, as timm's builder does."""
    cfg = model_cfgs[variant]
    spec = arch_spec(cfg)
    fmt = {"data_format": "channels_last"}
    padding = "same" if cfg.tf else ""
    eps = cfg.epsilon
    norm = partial(norm_act, cfg.norm_layer, epsilon=eps, group_size=cfg.norm_group_size, **fmt)
    inputs = model_input(args.in_chans, args.img_size)

    plan = block_plan(variant, args.drop_path_rate, args.output_stride)
    stem_size, num_features = plan.stem_size, plan.num_features
    x = inputs
    k = spec.stem_kernel_size
    if not cfg.tf:
        x = keras.layers.ZeroPadding2D(get_padding(k, 2), name="conv_stem_pad", **fmt)(x)
    x = keras.layers.Conv2D(stem_size, k, strides=2, padding="same" if cfg.tf else "valid", use_bias=False,
                            kernel_initializer=conv_init(), name="conv_stem", **fmt)(x)
    x = norm("bn1", activation=spec.act_layer)(x)
    features = [EfficientNetFeatureMap(x, stem_size, 2, "bn1", 0)] if plan.stem_feature else []
    x, stage_features = build_stages(x, plan.stages, padding, eps, **plan.block_options)
    features += stage_features

    if num_features > 0:  # MobileNet-V1 without `head_conv`: the last block's output is pooled
        x = keras.layers.Conv2D(num_features, 1, use_bias=False, kernel_initializer=conv_init(), name="conv_head",
                                **fmt)(x)
        x = norm("bn2", activation=spec.act_layer)(x)
    x = keras.layers.GlobalAveragePooling2D(name="global_pool", **fmt)(x)
    if args.num_classes:
        # timm's `_init_weight_goog` for the classifier: U(-1/sqrt(fan_out), 1/sqrt(fan_out)), fan_out the classes.
        limit = 1.0 / args.num_classes ** 0.5
        x = keras.layers.Dense(args.num_classes, kernel_initializer=keras.initializers.RandomUniform(-limit, limit),
                               bias_initializer="zeros", name="classifier")(x)
    return ModelGraph(inputs, x, features)


# timm's efficientnet.py has no checkpoint filter (its checkpoints carry timm's keys).
register_family(model_cfgs, _create_efficientnet, default_cfgs, None, feature_out_indices=(0, 1, 2, 3, 4),
                output_strides=(8, 16, 32))
