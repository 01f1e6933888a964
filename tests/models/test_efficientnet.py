"""EfficientNet and its relatives (timm's efficientnet.py) against timm: the blocks (`DepthwiseSeparableConv`,
`InvertedResidual`, `EdgeResidual`, `ConvBnAct`, `EfficientNetSqueezeExcite`) against timm's modules with
both paddings (timm's symmetric one and the `tf_` variants' TF "SAME"), each with a check that one flipped
weight makes the comparison fail; the architecture-string decoder against timm's and, block by block,
against timm's model of every registered architecture; `tf_efficientnet_b0` whole (strict load, logits, a
flipped weight, the export back through timm's strict `load_state_dict`; the family's smallest,
`tinynet_e`, gets the same in tests/models/test_builder.py's family contract); the
other block mixes whole on an odd image size; timm's key names and shapes; the registry and the
pretrained configs. Their Keras conformance is in tests/layers/test_conformance.py (specs in
tests/layers/family_specs/efficientnet.py).
"""

from __future__ import annotations

import copy
from functools import partial

import numpy as np
import pytest
import timm  # the oracle before keras: TensorFlow before torchvision segfaults
import torch
from timm.layers import get_act_layer
from timm.models import _efficientnet_blocks as tb
from timm.models import _efficientnet_builder as timm_builder

import keras
import luximm_keras.models.efficientnet  # noqa: F401  (registers the family)
from luximm_keras.interop import export_timm_weights, load_timm_weights
from luximm_keras.interop.rules import IGNORED_KEY_SUFFIXES
from luximm_keras.models import create_model, list_models, load_pretrained, timm_shapes
from luximm_keras.models._efficientnet_blocks import (
    ConvBnAct,
    DepthwiseSeparableConv,
    EdgeResidual,
    EfficientNetSqueezeExcite,
    InvertedResidual,
)
from luximm_keras.models._efficientnet_builder import decode_arch_def, resolve_block_args, round_channels
from luximm_keras.models.efficientnet import arch_spec, default_cfgs, model_cfgs
from luximm_keras.verification.models import perturbed_timm_model, random_images, timm_logits, timm_state_dict
from model_checks import (  # tests/models/model_checks.py
    assert_pretrained_cfgs_are_timms,
    assert_matches_and_flip_fails,
    assert_close_to_timm,
    predict,
    randomized,
    slow_on_jax,
)

SMALLEST = "tinynet_e"  # the conftest fixtures (reference, state, images, loaded) build this one


# ----------------------------------------------------------------------------------------------------
# The blocks, with timm's padding ("") and TF's ("same", with the tf_ variants' epsilon), on a 9 x 10
# map (the stride-2 convs see an odd and an even axis: TF SAME pads only the even one at the end).

def _timm_block(kind, in_chs, out_chs, stride, act, pad, eps, **kw):
    norm = partial(torch.nn.BatchNorm2d, eps=eps)
    common = dict(stride=stride, act_layer=get_act_layer(act), pad_type=pad, norm_layer=norm)
    se_ratio = kw.pop("se_ratio", 0.0)
    if se_ratio:
        common["se_layer"] = partial(tb.SqueezeExcite, rd_ratio=se_ratio)
    cls = {"ir": tb.InvertedResidual, "ds": tb.DepthwiseSeparableConv, "er": tb.EdgeResidual, "cn": tb.ConvBnAct}[kind]
    if kind == "cn":
        return cls(in_chs, out_chs, kw.pop("kernel_size"), **common, **kw)
    return cls(in_chs, out_chs, **common, **kw)


def _our_block(kind, out_chs, stride, act, pad, eps, **kw):
    cls = {"ir": InvertedResidual, "ds": DepthwiseSeparableConv, "er": EdgeResidual, "cn": ConvBnAct}[kind]
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


def test_block_config_round_trip():
    block = InvertedResidual(24, strides=2, dw_kernel_size=5, exp_ratio=6.0, se_ratio=0.25 / 6, activation="silu",
                             padding="same", epsilon=1e-3)
    revived = InvertedResidual.from_config(block.get_config())
    assert revived.get_config() == block.get_config()
    x = np.random.default_rng(0).standard_normal((1, 7, 7, 16)).astype("float32")
    assert tuple(keras.ops.shape(revived(x))) == (1, 4, 4, 24)


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


def _timm_block_summary(block) -> tuple:
    """What a timm block's shape is decided by: its type, output width, stride, kernel, hidden
    width, SE width, residual, activation."""
    kind = type(block).__name__
    if kind == "InvertedResidual":
        convs = (block.conv_pw, block.conv_dw, block.conv_pwl)
    elif kind == "DepthwiseSeparableConv":
        convs = (block.conv_dw, block.conv_pw)
    elif kind == "EdgeResidual":
        convs = (block.conv_exp, block.conv_pwl)
    else:
        convs = (block.conv,)
    se = getattr(block, "se", None)
    se_chs = se.conv_reduce.out_channels if isinstance(se, tb.SqueezeExcite) else 0
    return (kind, tuple((c.out_channels, c.kernel_size[0], c.stride[0]) for c in convs), se_chs, block.has_skip)


def _our_block_summary(layer) -> tuple:
    kind = type(layer).__name__
    names = {"InvertedResidual": ("conv_pw", "conv_dw", "conv_pwl"), "DepthwiseSeparableConv": ("conv_dw", "conv_pw"),
             "EdgeResidual": ("conv_exp", "conv_pwl"), "ConvBnAct": ("conv",)}[kind]
    convs = []
    for name in names:
        conv = getattr(layer, name)
        width = conv.kernel.shape[-2] if isinstance(conv, keras.layers.DepthwiseConv2D) else conv.filters
        convs.append((width, conv.kernel_size[0], conv.strides[0]))
    se = getattr(layer, "se", None)
    return (kind, tuple(convs), se.conv_reduce.filters if se is not None else 0, layer.has_skip)


@pytest.mark.parametrize("name", list(model_cfgs))
def test_every_block_is_timms(name):
    """The decoded and resolved arguments of every registered architecture (the largest too), built
    into blocks block by block, against timm's model on the meta device: type, conv widths, kernels,
    strides, SE width, residual; the stem, head and feature_info too."""
    cfg = model_cfgs[name]
    meta = timm.create_model(name, device="meta", **({"bn_eps": cfg.bn_eps} if cfg.bn_eps else {}))
    spec = arch_spec(cfg)
    stem = spec.stem_size if spec.fix_stem else spec.round_chs_fn(spec.stem_size)
    assert stem == meta.conv_stem.out_channels and spec.num_features == meta.num_features
    stages = resolve_block_args(spec.block_args, stem, spec.round_chs_fn, spec.act_layer)
    assert [len(s) for s in stages] == [len(s) for s in meta.blocks]
    from luximm_keras.models._efficientnet_builder import make_block

    in_chs = stem
    for i, stage in enumerate(stages):
        for j, ba in enumerate(stage):
            layer = make_block(ba, "", cfg.epsilon, f"b{i}{j}")
            layer.build((None, 16, 16, in_chs))
            in_chs = ba["out_chs"]
            timm_block = meta.blocks[i][j]
            assert _our_block_summary(layer) == _timm_block_summary(timm_block), (name, i, j)
            assert isinstance(timm_block.bn1.act, get_act_layer(ba["act_layer"])), (name, i, j)
            assert timm_block.bn1.eps == cfg.epsilon
    features = meta.feature_info
    ours = ([{"num_chs": stem, "reduction": 2, "module": "bn1", "stage": 0}] if stages[0][0]["stride"] > 1 else []) + [
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


@slow_on_jax
def test_tf_efficientnet_b0_matches_timm_and_exports():
    """TF "SAME" padding and epsilon 1e-3, whole, at timm's default size: strict load, logits, a
    flipped weight, the export through timm's strict load."""
    name = "tf_efficientnet_b0"
    reference = perturbed_timm_model(name)
    state = timm_state_dict(reference)
    model = create_model(name)
    report = load_pretrained(model, state)
    assert report.ok and sorted(report.loaded) == sorted(k for k in state if not k.endswith(IGNORED_KEY_SUFFIXES))
    images = random_images(2, reference.pretrained_cfg["input_size"][-1])
    expected = timm_logits(reference, images)
    assert_close_to_timm(predict(model, images), expected, name)
    key = "conv_stem.weight"
    load_timm_weights(model, {key: -state[key]}, strict=False)
    with pytest.raises(AssertionError):
        assert_close_to_timm(predict(model, images), expected, name)
    load_timm_weights(model, {key: state[key]}, strict=False)
    exported = export_timm_weights(model)
    copy.deepcopy(reference).load_state_dict({k: torch.from_numpy(v) for k, v in exported.items()}, strict=True)


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


# Pretrained architectures of timm's efficientnet.py not ported, and why.
NOT_PORTED = {
    "efficientnet_b1_pruned": "pruned widths read from a file of timm's",
    "efficientnet_b2_pruned": "pruned widths read from a file of timm's",
    "efficientnet_b3_pruned": "pruned widths read from a file of timm's",
    "efficientnet_h_b5": "EfficientNet-X/H space-to-depth blocks",
    "efficientnet_x_b5": "EfficientNet-X/H space-to-depth blocks",
    "gc_efficientnetv2_rw_t": "global-context attention",
    "mixnet_s": "MixedConv", "mixnet_m": "MixedConv", "mixnet_l": "MixedConv", "mixnet_xl": "MixedConv",
    "tf_mixnet_s": "MixedConv", "tf_mixnet_m": "MixedConv", "tf_mixnet_l": "MixedConv",
    "tf_efficientnet_cc_b0_4e": "CondConv", "tf_efficientnet_cc_b0_8e": "CondConv",
    "tf_efficientnet_cc_b1_8e": "CondConv",
    "mobilenet_edgetpu_v2_m": "grouped/forced-width EdgeTPU-V2 blocks (not checked)",
    "mobilenetv1_100": "MobileNet-V1 head and stem options (not checked)",
    "mobilenetv1_100h": "MobileNet-V1 head and stem options (not checked)",
    "mobilenetv1_125": "MobileNet-V1 head and stem options (not checked)",
    "test_efficientnet": "test model", "test_efficientnet_evos": "EvoNorm", "test_efficientnet_gn": "GroupNorm",
    "test_efficientnet_ln": "LayerNorm",
}


def test_registered_architectures_are_timms_pretrained_ones():
    timm_archs = {n.split(".")[0] for n in timm.list_models(module="efficientnet", pretrained=True)}
    assert set(model_cfgs) | set(NOT_PORTED) == timm_archs
    assert not set(model_cfgs) & set(NOT_PORTED)
    assert set(model_cfgs) <= set(list_models())
    ours = [n for n in list_models(pretrained=True) if n.split(".")[0] in model_cfgs]
    assert sorted(ours) == sorted(n for n in timm.list_models(module="efficientnet", pretrained=True)
                                  if n.split(".")[0] in model_cfgs)


def test_pretrained_configs_are_timms():
    """Every tag of the ported architectures, in timm's order, with timm's fields."""
    assert_pretrained_cfgs_are_timms(default_cfgs)


# tf_efficientnet_l2 (480M parameters) is left to test_every_block_is_timms: its Keras weights would
# not fit in this machine's memory beside the rest.
TOO_LARGE = ("tf_efficientnet_l2",)
FAST_SHAPE_CASES = ["efficientnet_b0", "tf_efficientnetv2_b0", "efficientnet_es", "mnasnet_small", "tinynet_e"]


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=() if n in FAST_SHAPE_CASES else pytest.mark.slow)
     for n in model_cfgs if n not in TOO_LARGE],
)
@slow_on_jax
def test_timm_names_and_shapes(name):
    meta = timm.create_model(name, device="meta", num_classes=10, in_chans=4)
    expected = {k: tuple(v.shape) for k, v in meta.state_dict().items() if not k.endswith("num_batches_tracked")}
    model = create_model(name, num_classes=10, in_chans=4)
    assert timm_shapes(model) == expected
    assert model.feature_info == meta.feature_info


def test_pooled_features_width_is_timms():
    for name in ("tf_efficientnetv2_b0", "mobilenetv2_050"):
        meta = timm.create_model(name, device="meta", num_classes=0)
        assert tuple(create_model(name, num_classes=0).output.shape) == (None, meta.num_features), name
