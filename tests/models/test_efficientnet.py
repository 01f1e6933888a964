"""EfficientNet and its relatives (timm's efficientnet.py) against timm: the blocks (`DepthwiseSeparableConv`,
`InvertedResidual`, `CondConvResidual`, `EdgeResidual`, `ConvBnAct`, `EfficientNetSqueezeExcite`, with
MixNet's mixed kernels, space-to-depth, grouped convs, GlobalContext as the SE, and the test models' norm
layers) and the layers the family brought (`MixedConv2D`, `CondConv2D`, `LayerNormAct2D`, `GroupNormAct`'s
`group_size`) against timm's modules with both paddings (timm's symmetric one and the `tf_` variants' TF
"SAME"), each with a check that one flipped weight makes the comparison fail; the architecture-string
decoder against timm's and, block by block, against timm's model of every registered architecture (the
pruned ones with timm's pruning files); `tf_efficientnet_b0` and the four tiny test EfficientNets whole
(strict load, logits, a flipped weight, the export back through timm's strict `load_state_dict`; the
family's smallest, `tinynet_e`, gets the same in tests/models/test_builder.py's family contract); the
other block mixes whole on an odd image size (one of each new kind in the slow suite); timm's key names
and shapes; the registry and the pretrained configs. Their Keras conformance is in
tests/layers/test_conformance.py (specs in tests/layers/family_specs/efficientnet.py and
efficientnet_layers.py).
"""

from __future__ import annotations

import copy
from functools import partial

import numpy as np
import pytest
import timm  # the oracle before keras: TensorFlow before torchvision segfaults
import torch
from timm.layers import EvoNorm2dS0, GroupNormAct, LayerNormAct2d, get_act_layer
from timm.layers.cond_conv2d import CondConv2d
from timm.layers.global_context import GlobalContext as TimmGlobalContext
from timm.layers.mixed_conv2d import MixedConv2d
from timm.models import _efficientnet_blocks as tb
from timm.models import _efficientnet_builder as timm_builder

import keras
import luximm_keras.models.efficientnet  # noqa: F401  (registers the family)
from luximm_keras.interop import export_timm_weights, load_timm_weights
from luximm_keras.interop.rules import IGNORED_KEY_SUFFIXES
from luximm_keras.initializers import deferred_initialization, host_initialization
from luximm_keras.layers.cond_conv2d import CondConv2D
from luximm_keras.layers.global_context import GlobalContext
from luximm_keras.layers.mixed_conv2d import MixedConv2D
from luximm_keras.layers.norm_act import GroupNormAct as OurGroupNormAct
from luximm_keras.layers.norm_act import LayerNormAct2D
from luximm_keras.models import create_model, list_models, load_pretrained, timm_shapes
from luximm_keras.models._efficientnet_blocks import (
    CondConvResidual,
    ConvBnAct,
    DepthwiseSeparableConv,
    EdgeResidual,
    EfficientNetSqueezeExcite,
    InvertedResidual,
)
from luximm_keras.models._efficientnet_builder import decode_arch_def, round_channels
from luximm_keras.models.efficientnet import block_plan, default_cfgs, model_cfgs, pruned_shapes
from luximm_keras.verification.models import perturbed_timm_model, random_images, timm_logits, timm_state_dict
from model_checks import (  # tests/models/model_checks.py
    assert_output_stride_matches_timm,
    BACKEND,
    assert_block_close,
    assert_pretrained_cfgs_are_timms,
    assert_matches_and_flip_fails,
    assert_close_to_timm,
    numpy_state,
    predict,
    randomized,
    slow_on_jax,
    undrawn_model,
)

SMALLEST = "tinynet_e"  # the conftest fixtures (reference, state, images, loaded) build this one
JAX_SLOW = (pytest.mark.slow,) if BACKEND == "jax" else ()  # as `slow_on_jax`, for `pytest.param`


# ----------------------------------------------------------------------------------------------------
# The blocks, with timm's padding ("") and TF's ("same", with the tf_ variants' epsilon), on a 9 x 10
# map (the stride-2 convs see an odd and an even axis: TF SAME pads only the even one at the end).

# Our `norm_layer` names -> timm's norm layer (the test models' partials).
TIMM_NORMS = {"groupnorm": partial(GroupNormAct, group_size=8), "layernorm": LayerNormAct2d,
              "evonorm_s0": partial(EvoNorm2dS0, group_size=8)}


def _timm_block(kind, in_chs, out_chs, stride, act, pad, eps, **kw):
    norm = kw.pop("norm_layer", None)
    norm = partial(TIMM_NORMS[norm], eps=eps) if norm else partial(torch.nn.BatchNorm2d, eps=eps)
    kw.pop("norm_group_size", None)
    common = dict(stride=stride, act_layer=get_act_layer(act), pad_type=pad, norm_layer=norm)
    se_ratio = kw.pop("se_ratio", 0.0)
    se_layer = TimmGlobalContext if kw.pop("se_layer", "se") == "gc" else tb.SqueezeExcite
    if se_ratio:
        common["se_layer"] = partial(se_layer, rd_ratio=se_ratio)
    cls = {"ir": tb.InvertedResidual, "ds": tb.DepthwiseSeparableConv, "er": tb.EdgeResidual, "cn": tb.ConvBnAct,
           "cc": tb.CondConvResidual}[kind]
    if kind == "cn":
        return cls(in_chs, out_chs, kw.pop("kernel_size"), **common, **kw)
    return cls(in_chs, out_chs, **common, **kw)


def _our_block(kind, out_chs, stride, act, pad, eps, **kw):
    cls = {"ir": InvertedResidual, "ds": DepthwiseSeparableConv, "er": EdgeResidual, "cn": ConvBnAct,
           "cc": CondConvResidual}[kind]
    return cls(out_chs, strides=stride, activation=act, padding=pad, epsilon=eps, **kw)


BLOCK_CASES = {
    # name: (kind, in, out, stride, activation, options)
    "ir-k5-s2-se": ("ir", 16, 24, 2, "silu", {"dw_kernel_size": 5, "exp_ratio": 6.0, "se_ratio": 0.25 / 6}),
    "ir-k3-identity-se": ("ir", 16, 16, 1, "silu", {"dw_kernel_size": 3, "exp_ratio": 6.0, "se_ratio": 0.25 / 6}),
    "ir-k3-s2-relu6": ("ir", 16, 24, 2, "relu6", {"dw_kernel_size": 3, "exp_ratio": 6.0}),
    "ir-noskip": ("ir", 16, 16, 1, "relu", {"dw_kernel_size": 3, "exp_ratio": 3.0, "noskip": True}),
    "ds-se-identity": ("ds", 16, 16, 1, "silu", {"dw_kernel_size": 3, "se_ratio": 0.25}),
    "ds-noskip-width": ("ds", 16, 8, 1, "relu", {"dw_kernel_size": 3, "noskip": True}),
    "ds-pw-act-s2": ("ds", 16, 24, 2, "relu", {"dw_kernel_size": 3, "pw_act": True, "noskip": True}),
    "er-s2": ("er", 16, 32, 2, "silu", {"exp_kernel_size": 3, "exp_ratio": 4.0}),
    "er-force-in-noskip": ("er", 16, 24, 1, "relu", {"exp_kernel_size": 3, "exp_ratio": 4.0, "force_in_chs": 24,
                                                      "noskip": True}),
    "er-identity-se": ("er", 16, 16, 1, "silu", {"exp_kernel_size": 3, "exp_ratio": 4.0, "se_ratio": 0.25 / 4}),
    "cn-skip": ("cn", 16, 16, 1, "silu", {"kernel_size": 3, "skip": True}),
    "cn-s2": ("cn", 16, 24, 2, "silu", {"kernel_size": 3}),
    # MixNet: mixed depthwise kernels, split pointwise convs (a1.1, p1.1).
    "ir-mixed-s2-se": ("ir", 16, 24, 2, "silu", {"dw_kernel_size": [3, 5, 7], "exp_kernel_size": [1, 1],
                                                  "pw_kernel_size": [1, 1], "exp_ratio": 6.0, "se_ratio": 0.5 / 6}),
    "ir-mixed-identity": ("ir", 24, 24, 1, "relu", {"dw_kernel_size": [3, 5], "exp_kernel_size": [1, 1],
                                                     "exp_ratio": 3.0}),
    "ds-mixed": ("ds", 16, 24, 2, "relu", {"dw_kernel_size": [3, 5, 7], "pw_kernel_size": [1, 1]}),
    # EfficientNet-X/H's space-to-depth block (4x the output width, a quarter of the SE ratio).
    "ds-s2d-se": ("ds", 16, 64, 1, "silu", {"dw_kernel_size": 3, "s2d": 1, "se_ratio": 0.25 / 4}),
    "ir-s2d": ("ir", 16, 64, 1, "silu", {"dw_kernel_size": 5, "s2d": 1, "exp_ratio": 4.0}),
    # MobileNet-EdgeTPU-V2's grouped expansion, a grouped ConvBnAct.
    "er-grouped": ("er", 16, 16, 1, "relu", {"exp_kernel_size": 3, "exp_ratio": 4.0, "group_size": 16}),
    "cn-grouped-s2": ("cn", 16, 24, 2, "relu", {"kernel_size": 3, "group_size": 8}),
    # CondConv: per-sample routing over 4 experts.
    "cc-s2-se": ("cc", 16, 24, 2, "silu", {"dw_kernel_size": 5, "exp_ratio": 6.0, "se_ratio": 0.25 / 6,
                                            "num_experts": 4}),
    "cc-identity": ("cc", 16, 16, 1, "silu", {"dw_kernel_size": 3, "exp_ratio": 6.0, "num_experts": 8}),
    # GlobalContext in the SE slot (gc_efficientnetv2_rw_t).
    "ir-gc": ("ir", 16, 16, 1, "silu", {"dw_kernel_size": 3, "exp_ratio": 4.0, "se_ratio": 0.25 / 4, "se_layer": "gc"}),
    # The test models' norm layers.
    "ir-evonorm": ("ir", 16, 16, 1, "silu", {"dw_kernel_size": 3, "exp_ratio": 4.0, "se_ratio": 0.25 / 4,
                                              "norm_layer": "evonorm_s0", "norm_group_size": 8}),
    "er-groupnorm-s2": ("er", 16, 24, 2, "silu", {"exp_kernel_size": 3, "exp_ratio": 4.0, "norm_layer": "groupnorm",
                                                   "norm_group_size": 8}),
    "cn-layernorm": ("cn", 16, 16, 1, "silu", {"kernel_size": 3, "skip": True, "norm_layer": "layernorm"}),
    # Dilated (timm's builder past `output_stride`): the kxk convs dilate, padded get_padding(k, 1, d)
    # or TF SAME; MixNet's mixed kernels each dilated.
    "ir-mixed-dilated": ("ir", 16, 16, 1, "silu", {"dw_kernel_size": [3, 5], "exp_ratio": 3.0, "dilation": 2,
                                                    "se_ratio": 0.25 / 3}),
    "ds-dilated-4": ("ds", 16, 24, 1, "relu", {"dw_kernel_size": 5, "dilation": 4}),
    "er-dilated": ("er", 16, 16, 1, "silu", {"exp_kernel_size": 3, "exp_ratio": 4.0, "dilation": 2}),
    "cn-dilated": ("cn", 16, 16, 1, "silu", {"kernel_size": 3, "skip": True, "dilation": 2}),
    "cc-dilated": ("cc", 16, 16, 1, "silu", {"dw_kernel_size": 3, "exp_ratio": 4.0, "num_experts": 4,
                                             "dilation": 2}),
}
PADDINGS = {"timm": ("", 1e-5), "tf": ("same", 1e-3)}


@slow_on_jax
@pytest.mark.parametrize("padding", list(PADDINGS))
@pytest.mark.parametrize("case", list(BLOCK_CASES))
def test_blocks_match_timm(case, padding):
    kind, in_chs, out_chs, stride, act, options = BLOCK_CASES[case]
    pad, eps = PADDINGS[padding]
    reference = randomized(lambda: _timm_block(kind, in_chs, out_chs, stride, act, pad, eps, **dict(options)))
    block = _our_block(kind, out_chs, stride, act, pad, eps, **options)
    x = np.random.default_rng(4).standard_normal((2, 9, 10, in_chs)).astype("float32")
    assert_matches_and_flip_fails(block, reference, x, f"{case}-{padding}")
    assert block.compute_output_shape(x.shape) == tuple(block(x).shape)


@pytest.mark.parametrize("gate", ["sigmoid", "hard_sigmoid"])
def test_squeeze_excite_matches_timm(gate):
    gate_layer = {"sigmoid": torch.nn.Sigmoid, "hard_sigmoid": torch.nn.Hardsigmoid}[gate]
    reference = randomized(lambda: tb.SqueezeExcite(36, rd_ratio=0.25 / 6, act_layer=torch.nn.SiLU,
                                                    gate_layer=gate_layer))
    layer = EfficientNetSqueezeExcite(0.25 / 6, activation="silu", gate=gate)
    x = np.random.default_rng(1).standard_normal((2, 5, 7, 36)).astype("float32")
    assert_matches_and_flip_fails(layer, reference, x, f"se-{gate}")
    assert layer.conv_reduce.filters == reference.conv_reduce.out_channels == round(36 * 0.25 / 6)


# ----------------------------------------------------------------------------------------------------
# The layers the family brought into luximm_keras.layers


MIXED_CASES = {
    "dw-3-5-7-s2": dict(in_chs=24, out_chs=24, kernel_size=[3, 5, 7], stride=2, depthwise=True),
    "pw-1-1": dict(in_chs=24, out_chs=40, kernel_size=[1, 1], stride=1, depthwise=False),
    "full-3-5-s2": dict(in_chs=25, out_chs=16, kernel_size=[3, 5], stride=2, depthwise=False),  # uneven split
}


@pytest.mark.parametrize("padding", ["", "same"])
@pytest.mark.parametrize("case", list(MIXED_CASES))
def test_mixed_conv2d_matches_timm(case, padding):
    c = MIXED_CASES[case]
    reference = randomized(lambda: MixedConv2d(c["in_chs"], c["out_chs"], c["kernel_size"], stride=c["stride"],
                                               padding=padding, depthwise=c["depthwise"]))
    layer = MixedConv2D(c["out_chs"], c["kernel_size"], strides=c["stride"], padding=padding,
                        depthwise=c["depthwise"])
    x = np.random.default_rng(2).standard_normal((2, 9, 10, c["in_chs"])).astype("float32")
    assert_matches_and_flip_fails(layer, reference, x, f"mixed-{case}-{padding}")
    assert layer.compute_output_shape(x.shape) == tuple(layer(x).shape)


COND_CASES = {
    "pw": dict(out_chs=32, kernel_size=1, stride=1, groups=1, bias=False),
    "dw-k5-s2": dict(out_chs=24, kernel_size=5, stride=2, groups=24, bias=False),
    "full-k3-s2-bias": dict(out_chs=16, kernel_size=3, stride=2, groups=1, bias=True),
    "dw-k3-bias": dict(out_chs=24, kernel_size=3, stride=1, groups=24, bias=True),
}


@pytest.mark.parametrize("padding", ["", "same"])
@pytest.mark.parametrize("case", list(COND_CASES))
def test_cond_conv2d_matches_timm(case, padding):
    """Per-sample routing: two samples with different routing weights, each against timm's kernel
    mixed for it; one flipped expert kernel makes the comparison fail."""
    c = COND_CASES[case]
    reference = randomized(lambda: CondConv2d(24, c["out_chs"], c["kernel_size"], stride=c["stride"], padding=padding,
                                              groups=c["groups"], num_experts=4, bias=c["bias"]),
                           noise=lambda name: 0.5)
    layer = CondConv2D(c["out_chs"], c["kernel_size"], strides=c["stride"], padding=padding, groups=c["groups"],
                       num_experts=4, use_bias=c["bias"])
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 9, 10, 24)).astype("float32")
    routing = rng.random((2, 4)).astype("float32")
    layer.build(x.shape)
    state = numpy_state(reference)
    report = load_timm_weights(layer, state)
    assert report.ok and sorted(report.loaded) == sorted(state)
    with torch.no_grad():
        expected = reference(torch.from_numpy(x).permute(0, 3, 1, 2), torch.from_numpy(routing)).permute(0, 2, 3, 1)
    expected = expected.numpy()
    got = keras.ops.convert_to_numpy(layer(x, routing))
    assert_block_close(got, expected, f"cond-{case}-{padding}")
    assert layer.compute_output_shape(x.shape) == got.shape
    load_timm_weights(layer, {"weight": -state["weight"]}, strict=False)
    with pytest.raises(AssertionError):
        assert_block_close(keras.ops.convert_to_numpy(layer(x, routing)), expected, f"cond-{case}-{padding}")
    exported = export_timm_weights(layer)
    assert set(exported) == set(state)


@pytest.mark.parametrize("norm", ["layernorm", "groupnorm-size", "groupnorm-groups"])
def test_norm_act_layers_match_timm(norm):
    make, ours = {
        "layernorm": (lambda: LayerNormAct2d(32, act_layer=torch.nn.SiLU), LayerNormAct2D(activation="silu")),
        "groupnorm-size": (lambda: GroupNormAct(32, group_size=8, act_layer=torch.nn.ReLU),
                           OurGroupNormAct(group_size=8, activation="relu")),
        "groupnorm-groups": (lambda: GroupNormAct(32, num_groups=8, apply_act=False), OurGroupNormAct(8, activation=None)),
    }[norm]
    x = np.random.default_rng(5).standard_normal((2, 5, 7, 32)).astype("float32")
    assert_matches_and_flip_fails(ours, randomized(make, noise=lambda name: 0.3), x, norm)


def test_blocks_reject_what_timm_cannot_build():
    with pytest.raises(ValueError):
        InvertedResidual(16, strides=3)
    with pytest.raises(ValueError):
        InvertedResidual(16, padding="valid")
    with pytest.raises(ValueError):
        EdgeResidual(16, exp_ratio=0.0)
    with pytest.raises(ValueError):
        EfficientNetSqueezeExcite(gate="tanh")
    with pytest.raises(ValueError):
        DepthwiseSeparableConv(16).build((1, 8, 8, None))
    with pytest.raises(ValueError):
        InvertedResidual(16, norm_layer="batch_norm")
    with pytest.raises(ValueError):
        InvertedResidual(16, se_layer="eca")
    with pytest.raises(ValueError):
        DepthwiseSeparableConv(64, strides=2, s2d=1)  # timm's builder never strides a space-to-depth block
    with pytest.raises(ValueError):
        CondConvResidual(16, dw_kernel_size=[3, 5])  # timm has no MixedConv + CondConv
    with pytest.raises(ValueError):
        CondConv2D(16, groups=2).build((1, 8, 8, 16))  # only 1 or depthwise
    with pytest.raises(ValueError):
        InvertedResidual(16, strides=2, dilation=2)  # Keras convs: strided or dilated; timm's builder, too
    with pytest.raises(ValueError):
        ConvBnAct(16, dilation=0)


# (On jax each block compiles its ops for its shapes: the latest blocks' configs are the conformance
# specs' concern there, tests/layers/family_specs/efficientnet_layers.py.)
@pytest.mark.parametrize("block,expected", [
    (InvertedResidual(24, strides=2, dw_kernel_size=5, exp_ratio=6.0, se_ratio=0.25 / 6, activation="silu",
                      padding="same", epsilon=1e-3), (1, 4, 4, 24)),
    pytest.param(InvertedResidual(24, strides=2, dw_kernel_size=[3, 5, 7], exp_kernel_size=[1, 1], exp_ratio=6.0,
                                  se_ratio=0.5 / 6, se_layer="gc", norm_layer="evonorm_s0", norm_group_size=8),
                 (1, 4, 4, 24), marks=JAX_SLOW),
    pytest.param(DepthwiseSeparableConv(64, s2d=1, se_ratio=0.25 / 4), (1, 4, 4, 64), marks=JAX_SLOW),
    pytest.param(CondConvResidual(24, num_experts=4, exp_ratio=6.0, strides=2, padding="same"), (1, 4, 4, 24),
                 marks=JAX_SLOW),
    pytest.param(EdgeResidual(32, exp_ratio=4.0, group_size=16, norm_layer="groupnorm", norm_group_size=8),
                 (1, 7, 7, 32), marks=JAX_SLOW),
    pytest.param(ConvBnAct(16, dilation=4, padding="same"), (1, 7, 7, 16), marks=JAX_SLOW),
])
def test_block_config_round_trip(block, expected):
    revived = type(block).from_config(block.get_config())
    assert revived.get_config() == block.get_config()
    x = np.random.default_rng(0).standard_normal((1, 7, 7, 16)).astype("float32")
    assert tuple(keras.ops.shape(revived(x))) == expected
    assert block.compute_output_shape(x.shape) == expected


# ----------------------------------------------------------------------------------------------------
# timm's `output_stride` (8, 16): the stages past it dilate instead of striding.


# TF "SAME" with dilation whole (EfficientNet-V2's ConvBnAct and EdgeResidual stages) in the slow suite.
OUTPUT_STRIDE_CASES = [("tinynet_e", 8), ("test_efficientnet", 16),
                       pytest.param("tf_efficientnetv2_b0", 16, marks=pytest.mark.slow)]


@slow_on_jax
@pytest.mark.parametrize("name,output_stride", OUTPUT_STRIDE_CASES)
def test_output_stride_dilates_the_last_stages_as_timm(name, output_stride):
    """timm's `output_stride`, as `model_checks.assert_output_stride_matches_timm` checks it."""
    assert_output_stride_matches_timm(name, output_stride)

# ----------------------------------------------------------------------------------------------------
# The architecture strings


def _timm_activation_name(act) -> str | None:
    if act is None:
        return None
    return {torch.nn.ReLU: "relu", torch.nn.ReLU6: "relu6", torch.nn.Hardswish: "hard_swish",
            torch.nn.SiLU: "silu", torch.nn.Mish: "mish"}[act]


@pytest.mark.parametrize("depth_multiplier,depth_trunc,fix_first_last", [
    (1.0, "ceil", False), (1.4, "ceil", False), (3.6, "ceil", False), (0.695, "round", False),
    (1.8, "ceil", True), ((1.2,) * 4 + (1.6,) * 2, "ceil", False),
])
def test_decode_arch_def_is_timms(depth_multiplier, depth_trunc, fix_first_last):
    """Every architecture string list of the module, decoded under the depth multipliers, truncation
    modes and fixed first/last stages the variants use, against timm's `decode_arch_def`."""
    from luximm_keras.models import efficientnet as ours

    arch_defs = [v for k, v in vars(ours).items() if k.startswith("_") and k.isupper()
                 and isinstance(v, list) and v and isinstance(v[0], list)]
    arch_defs = [a for a in arch_defs if isinstance(depth_multiplier, float) or len(a) == len(depth_multiplier)]
    assert arch_defs
    for arch_def in arch_defs:
        kwargs = dict(depth_trunc=depth_trunc, fix_first_last=fix_first_last)
        expected = timm_builder.decode_arch_def(arch_def, depth_multiplier, **kwargs)
        got = decode_arch_def(arch_def, depth_multiplier, **kwargs)
        assert len(got) == len(expected)
        for stage_got, stage_expected in zip(got, expected):
            assert len(stage_got) == len(stage_expected), arch_def
            for g, e in zip(stage_got, stage_expected):
                e = dict(e, act_layer=_timm_activation_name(e["act_layer"]))
                assert g == e, arch_def


def test_block_string_options_are_read_as_timm():
    for block_str in ("ir_r2_k3_s2_e6_c24_se0.25_nre", "ds_r1_k3_s1_c16_noskip_nhs", "dsa_r1_k5_s2_c32",
                      "er_r1_k3_s1_e4_c24_fc24_noskip", "cn_r2_k3_s1_e1_c24_skip", "ir_r1_k3_s1_e6_c32_a1_p1_nsw"):
        ours, rep = luximm_keras.models._efficientnet_builder._decode_block_str(block_str)
        theirs, timm_rep = timm_builder._decode_block_str(block_str)
        assert rep == timm_rep and ours == dict(theirs, act_layer=_timm_activation_name(theirs["act_layer"])), block_str


@pytest.mark.parametrize("channels,multiplier,round_limit", [(1280, 1.1, 0.9), (16, 0.54, 0.9), (24, 0.51, 0.9),
                                                            (1280, 2.2, 0.9), (40, 1.2, 0.0), (192, 4.3, 0.9)])
def test_round_channels_is_timms(channels, multiplier, round_limit):
    assert round_channels(channels, multiplier, round_limit=round_limit) == timm_builder.round_channels(
        channels, multiplier, round_limit=round_limit)


CONV_NAMES = {"InvertedResidual": ("conv_s2d", "conv_pw", "conv_dw", "conv_pwl"),
              "CondConvResidual": ("conv_pw", "conv_dw", "conv_pwl"),
              "DepthwiseSeparableConv": ("conv_s2d", "conv_dw", "conv_pw"),
              "EdgeResidual": ("conv_exp", "conv_pwl"), "ConvBnAct": ("conv",)}


def _timm_conv_summary(c) -> tuple:
    if isinstance(c, MixedConv2d):  # (width, kernel sizes, stride, groups of the first split)
        first = next(iter(c.values()))
        return (c.out_channels, tuple(m.kernel_size[0] for m in c.values()), first.stride[0],
                "depthwise" if first.groups == first.in_channels > 1 else 1)
    groups = "depthwise" if c.groups == c.in_channels == c.out_channels and c.groups > 1 else c.groups
    return (c.out_channels, c.kernel_size[0], c.stride[0], groups)


def _our_conv_summary(conv) -> tuple:
    if isinstance(conv, MixedConv2D):
        return (conv.filters, tuple(conv.kernel_size), conv.strides, "depthwise" if conv.depthwise else 1)
    if isinstance(conv, CondConv2D):
        return (conv.filters, conv.kernel_size, conv.strides, "depthwise" if conv.depthwise else 1)
    if isinstance(conv, keras.layers.DepthwiseConv2D):
        return (conv.kernel.shape[-2], conv.kernel_size[0], conv.strides[0], "depthwise")
    return (conv.filters, conv.kernel_size[0], conv.strides[0], conv.groups)


def _timm_block_summary(block) -> tuple:
    """What a timm block's shape is decided by: its type, its convs' output widths, kernels,
    strides and groups, the SE (or GlobalContext) width, residual, CondConv experts."""
    kind = type(block).__name__
    convs = [getattr(block, n) for n in CONV_NAMES[kind] if getattr(block, n, None) is not None]
    se = getattr(block, "se", None)
    se_chs = (se.conv_reduce.out_channels if isinstance(se, tb.SqueezeExcite)
              else se.mlp_scale.fc1.out_channels if isinstance(se, TimmGlobalContext) else 0)
    return (kind, tuple(_timm_conv_summary(c) for c in convs), se_chs, block.has_skip,
            getattr(block, "num_experts", 0))


def _our_block_summary(layer) -> tuple:
    kind = type(layer).__name__
    convs = [getattr(layer, n) for n in CONV_NAMES[kind] if getattr(layer, n, None) is not None]
    se = getattr(layer, "se", None)
    se_chs = se.hidden if isinstance(se, GlobalContext) else se.conv_reduce.filters if se is not None else 0
    return (kind, tuple(_our_conv_summary(c) for c in convs), se_chs, layer.has_skip, getattr(layer, "num_experts", 0))


@pytest.mark.parametrize("name", list(model_cfgs))
def test_every_block_is_timms(name):
    """The decoded and resolved arguments of every registered architecture (the largest too), built
    into blocks block by block, against timm's model on the meta device: type, conv widths, kernels,
    strides, SE width, residual; the stem, head and feature_info too."""
    cfg = model_cfgs[name]
    meta = timm.create_model(name, device="meta", **({"bn_eps": cfg.bn_eps} if cfg.bn_eps else {}))
    plan = block_plan(name)
    stem, stages = plan.stem_size, plan.stages
    assert stem == meta.conv_stem.out_channels and plan.num_features in (meta.num_features, 0)
    assert plan.num_features == (meta.conv_head.out_channels if hasattr(meta.conv_head, "out_channels") else 0)
    assert [len(s) for s in stages] == [len(s) for s in meta.blocks]
    from luximm_keras.models._efficientnet_builder import make_block

    in_chs = stem
    for i, stage in enumerate(stages):
        for j, ba in enumerate(stage):
            assert ba["in_chs"] == in_chs
            layer = make_block(ba, "", cfg.epsilon, f"b{i}{j}", **plan.block_options)
            with host_initialization(), deferred_initialization():  # zeros: only the structure is compared
                layer.build((None, 16, 16, in_chs))
            in_chs = ba["out_chs"]
            timm_block = meta.blocks[i][j]
            assert _our_block_summary(layer) == _timm_block_summary(timm_block), (name, i, j)
            act = getattr(timm_block.bn1, "act", None)  # EvoNorm-S0 has its own gate
            assert act is None or isinstance(act, get_act_layer(ba["act_layer"])), (name, i, j)
            assert type(layer.bn1).__name__.lower().startswith(type(timm_block.bn1).__name__.lower()[:6])
            assert timm_block.bn1.eps == cfg.epsilon
    features = meta.feature_info
    ours = ([{"num_chs": stem, "reduction": 2, "module": "bn1", "stage": 0}] if plan.stem_feature else []) + [
        {"num_chs": b["out_chs"], "reduction": b["reduction"], "module": f"blocks.{i}", "stage": i + 1}
        for i, s in enumerate(stages) for b in s if b["feature"]]
    assert ours == features


# ----------------------------------------------------------------------------------------------------
# Whole models


def test_layer_names_and_features_are_timms(loaded, reference):
    model, _ = loaded
    names = {layer.name for layer in model.layers}
    assert {"conv_stem", "bn1", "blocks__0__0", "blocks__6__0", "conv_head", "bn2", "classifier"} <= names
    assert model.feature_info == reference.feature_info


def _assert_full_parity(name, img_size=None, **timm_kwargs):
    """Whole: strict load of every timm key, logits within tolerance, a flipped weight caught, the
    export through timm's strict load. `img_size` None: timm's default size."""
    reference = perturbed_timm_model(name, **timm_kwargs)
    state = timm_state_dict(reference)
    model = create_model(name)
    report = load_pretrained(model, state)
    assert report.ok and sorted(report.loaded) == sorted(k for k in state if not k.endswith(IGNORED_KEY_SUFFIXES))
    images = random_images(2, img_size or reference.pretrained_cfg["input_size"][-1])
    expected = timm_logits(reference, images)
    assert_close_to_timm(predict(model, images), expected, name)
    key = "conv_stem.weight"
    load_timm_weights(model, {key: -state[key]}, strict=False)
    with pytest.raises(AssertionError):
        assert_close_to_timm(predict(model, images), expected, name)
    load_timm_weights(model, {key: state[key]}, strict=False)
    exported = export_timm_weights(model)
    copy.deepcopy(reference).load_state_dict({k: torch.from_numpy(v) for k, v in exported.items()}, strict=True)


@slow_on_jax
def test_tf_efficientnet_b0_matches_timm_and_exports():
    """TF "SAME" padding and epsilon 1e-3, whole, at timm's default size."""
    _assert_full_parity("tf_efficientnet_b0")


# timm's test EfficientNets (160 px, ~0.1M parameters): BatchNorm, GroupNormAct (8 channels a group),
# LayerNormAct2d and EvoNorm2dS0 (8 channels a group) in every block, stem and head.
TINY = ["test_efficientnet", "test_efficientnet_gn", "test_efficientnet_ln", "test_efficientnet_evos"]


@pytest.mark.parametrize("name", TINY)
def test_test_efficientnets_match_timm_and_export(name):
    _assert_full_parity(name)


# One of each other new kind whole, at a reduced size (odd maps in the last stages), BatchNorm
# statistics fitted to images: TF-padded MixNet, MobileNet-V1 with its head conv, GlobalContext,
# EdgeTPU-V2's grouped FusedMBConvs, EfficientNet-H's space-to-depth, CondConv, a pruned B1.
# (mixnet_s, with symmetric padding, runs in CI.)
SLOW_NEW_KINDS = ["tf_mixnet_s", "mobilenetv1_100h", "gc_efficientnetv2_rw_t", "mobilenet_edgetpu_v2_m",
                  "efficientnet_h_b5", "tf_efficientnet_cc_b0_4e", "efficientnet_b1_pruned"]


@slow_on_jax
def test_mixnet_s_matches_timm_and_exports():
    _assert_full_parity("mixnet_s", 104)


@pytest.mark.slow
@pytest.mark.parametrize("name", SLOW_NEW_KINDS)
def test_new_kinds_match_timm_and_export(name):
    _assert_full_parity(name, 104 if name != "efficientnet_h_b5" else 72, calibrate_batch_norms=True)


# The other block mixes and heads, whole, on a 104 x 104 image (odd maps in the last two stages):
# EfficientNet-V2 (ConvBnAct, EdgeResidual, TF padding), EdgeTPU (force_in_chs, ReLU), MobileNet-V2
# (ReLU6, no SE), TinyNet (round depth truncation, fixed stem), MnasNet-small (strided first stage,
# the stem feature), FBNet-C (epsilon 1e-3 as timm's pretrained build), Single-Path NAS.
# (tinynet_e, the family's smallest, is also checked whole by tests/models/test_builder.py.)
WHOLE_CASES = {"tf_efficientnetv2_b0": {}, "mnasnet_small": {}}
SLOW_WHOLE_CASES = {"efficientnet_es": {}, "mobilenetv2_050": {}, "tinynet_e": {}, "fbnetc_100": {"bn_eps": 1e-3},
                    "efficientnetv2_rw_t": {}, "tf_efficientnet_lite0": {}, "spnasnet_100": {},
                    "semnasnet_075": {}, "mobilenetv2_110d": {}, "tf_efficientnet_em": {}}


def _assert_whole_model_matches(name, timm_kwargs):
    reference = perturbed_timm_model(name, **timm_kwargs)
    state = timm_state_dict(reference)
    model = create_model(name)
    report = load_pretrained(model, state)
    assert report.ok and sorted(report.loaded) == sorted(k for k in state if not k.endswith(IGNORED_KEY_SUFFIXES))
    images = random_images(2, 104)
    assert_close_to_timm(predict(model, images), timm_logits(reference, images), name)


@slow_on_jax
@pytest.mark.parametrize("name", list(WHOLE_CASES))
def test_other_variants_match_timm(name):
    _assert_whole_model_matches(name, WHOLE_CASES[name])


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SLOW_WHOLE_CASES))
def test_more_variants_match_timm(name):
    # BatchNorm statistics fitted to images, as trained weights have: with random ones the deeper
    # variants are chaotic in timm's own float32 (efficientnetv2_rw_t's logits: 1.6e6, timm's float32
    # 1.5e6 off its float64; fitted: 0.67 and 1e-6).
    _assert_whole_model_matches(name, {**SLOW_WHOLE_CASES[name], "calibrate_batch_norms": True})


def test_drop_path_rate_rises_linearly_over_all_blocks():
    """timm's builder: block k of n gets `drop_path_rate * k / n` (from 0, never the full rate)."""
    model = create_model(SMALLEST, num_classes=0, drop_path_rate=0.2)
    meta = timm.create_model(SMALLEST, device="meta", drop_path_rate=0.2)
    for i, stage in enumerate(meta.blocks):
        for j, block in enumerate(stage):
            expected = block.drop_path.drop_prob if isinstance(block.drop_path, timm.layers.DropPath) else 0.0
            assert model.get_layer(f"blocks__{i}__{j}").drop_path_rate == pytest.approx(expected), (i, j)


# ----------------------------------------------------------------------------------------------------
# The registry, timm's names and shapes


def test_registered_architectures_are_timms_pretrained_ones():
    """Every architecture of timm's efficientnet.py with pretrained weights, with every tag."""
    timm_archs = {n.split(".")[0] for n in timm.list_models(module="efficientnet", pretrained=True)}
    assert set(model_cfgs) == timm_archs
    assert set(model_cfgs) <= set(list_models())
    ours = [n for n in list_models(pretrained=True) if n.split(".")[0] in model_cfgs]
    assert sorted(ours) == sorted(timm.list_models(module="efficientnet", pretrained=True))


def test_pruning_files_are_timms():
    """The shipped pruning files are timm's, byte for byte, and parse to the widths of timm's pruned
    model (its meta-device state dict: every conv, norm and classifier)."""
    from importlib import resources
    from pathlib import Path

    timm_dir = Path(timm.__file__).parent / "models" / "_pruned"
    for name in ("efficientnet_b1_pruned", "efficientnet_b2_pruned", "efficientnet_b3_pruned"):
        ours = (resources.files("luximm_keras.models") / "_pruned" / f"{name}.txt").read_bytes()
        assert ours == (timm_dir / f"{name}.txt").read_bytes(), name
        meta = timm.create_model(name, device="meta")
        expected = {k: tuple(v.shape) for k, v in meta.state_dict().items() if not k.endswith("num_batches_tracked")}
        shapes = pruned_shapes(name)
        # timm's classifier keeps its 1000 classes; its input width is the file's.
        assert {k: v for k, v in shapes.items() if k in expected} == expected, name


def test_pretrained_configs_are_timms():
    """Every tag of the ported architectures, in timm's order, with timm's fields."""
    assert_pretrained_cfgs_are_timms(default_cfgs)


# tf_efficientnet_l2 (480M parameters) is left to test_every_block_is_timms: its Keras weights would
# not fit in this machine's memory beside the rest.
TOO_LARGE = ("tf_efficientnet_l2",)
FAST_SHAPE_CASES = ["efficientnet_b0", "tf_efficientnetv2_b0", "efficientnet_es", "mnasnet_small", "tinynet_e",
                    "test_efficientnet_evos", "mixnet_s", "mobilenetv1_100"]


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=() if n in FAST_SHAPE_CASES else pytest.mark.slow)
     for n in model_cfgs if n not in TOO_LARGE],
)
@slow_on_jax
def test_timm_names_and_shapes(name):
    meta = timm.create_model(name, device="meta", num_classes=10, in_chans=4)
    expected = {k: tuple(v.shape) for k, v in meta.state_dict().items() if not k.endswith("num_batches_tracked")}
    model = undrawn_model(name, num_classes=10, in_chans=4)
    assert timm_shapes(model) == expected
    assert model.feature_info == meta.feature_info


def test_pooled_features_width_is_timms():
    for name in ("tf_efficientnetv2_b0", "mobilenetv2_050", "mobilenetv1_100", "mobilenetv1_100h"):
        meta = timm.create_model(name, device="meta", num_classes=0)
        assert tuple(undrawn_model(name, num_classes=0).output.shape) == (None, meta.num_features), name
