"""ByobNet against timm: every block type (`basic`, `bottle`, `dark`, `edge`, RepVGG's `rep`,
MobileOne's `one`) against timm's module in the configurations the pretrained variants use (SE, ECA
and GC attention, EvoNorm, anti-aliased CLIP blocks, the three shortcuts), each with a check that one
flipped weight makes the comparison fail; CLIP's `AttentionPool2d` head; the smallest pretrained
model (`test_byobnet`; its strict load, logits, flipped weight and export are the family contract's,
in tests/models/test_builder.py); the `rep`, `one` and tiered-with-max-pool stems whole on an odd image size
(the quad, deep and 3x3 stems, EvoNorm, CLIP's heads in the slow suite); timm's key names and shapes
and stage layout for every registered architecture; the registry and pretrained configs against
timm's; OpenAI CLIP checkpoints renamed as timm's filter renames them. Their Keras conformance is in
tests/layers/test_conformance.py (specs in tests/layers/family_specs/byobnet.py).
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pytest
import timm  # the oracle before keras: TensorFlow before torchvision segfaults
import torch
from timm.layers import AttentionPool2d as TimmAttentionPool2d
from timm.models import byobnet as tb

import keras
import luximm_keras.models.byobnet  # noqa: F401  (registers the family)
from luximm_keras.interop import load_timm_weights
from luximm_keras.interop.rules import IGNORED_KEY_SUFFIXES
from luximm_keras.layers.attention_pool2d import AttentionPool2d
from luximm_keras.models import create_model, list_models, load_pretrained, model_entry, timm_shapes
from luximm_keras.models.byobnet import (
    BLOCK_TYPES,
    BottleneckBlock,
    ConvNormAct,
    RepVggBlock,
    checkpoint_filter_fn,
    default_cfgs,
    model_cfgs,
    stage_args,
)
from luximm_keras.verification.models import perturbed_timm_model, random_images, timm_logits, timm_state_dict
from model_checks import (  # tests/models/model_checks.py
    assert_output_stride_matches_timm,
    assert_pretrained_cfgs_are_timms,
    assert_close_to_timm,
    assert_matches_and_flip_fails,
    predict,
    randomized,
    slow_on_jax,
    undrawn_model,
)

SMALLEST = "test_byobnet"  # the conftest fixtures (reference, state, loaded) build this one


# ----------------------------------------------------------------------------------------------------
# The blocks: one case per configuration the pretrained variants use, on a 9 x 11 map (odd: the
# stride-2 convs and the ceil-mode average pool see a partial last window).

EVOS = {"norm_layer": "evonorms0a", "norm_kwargs": {"group_size": 16}}
REGNETZ = {"act_layer": "silu", "attn_layer": "se", "attn_kwargs": {"rd_ratio": 0.25}, "downsample": ""}
CLIP = {"downsample": "avg", "aa_layer": "avg"}

BLOCK_CASES = {
    # name: (type, in, out, stride, block args, model-level layer config)
    "basic-gernet-stride2": ("basic", 16, 32, 2, {"group_size": 0}, {}),
    "basic-gernet-identity": ("basic", 32, 32, 1, {"group_size": 0}, {}),
    "basic-se-grouped-avg": ("basic", 16, 64, 2, {"group_size": 16, "bottle_ratio": 0.25},
                             {"attn_layer": "se", "attn_kwargs": {"rd_ratio": 0.25}, "downsample": "avg"}),
    "bottle-gernet-quarter": ("bottle", 16, 64, 2, {"group_size": 0, "bottle_ratio": 0.25}, {}),
    "bottle-gernet-depthwise": ("bottle", 24, 24, 1, {"group_size": 1, "bottle_ratio": 3.0}, {}),
    "bottle-resnext-silu": ("bottle", 32, 128, 2, {"group_size": 16, "bottle_ratio": 0.25}, {"act_layer": "silu"}),
    "bottle-se": ("bottle", 64, 64, 1, {"group_size": 16, "bottle_ratio": 0.25}, {"act_layer": "silu", "attn_layer": "se"}),
    "bottle-eca": ("bottle", 32, 128, 2, {"group_size": 16, "bottle_ratio": 0.25}, {"act_layer": "silu", "attn_layer": "eca"}),
    "bottle-gca": ("bottle", 32, 128, 2, {"group_size": 0, "bottle_ratio": 0.25}, {"act_layer": "silu", "attn_layer": "gca"}),
    "bottle-bat": ("bottle", 32, 128, 1, {"group_size": 16, "bottle_ratio": 0.25},
                   {"act_layer": "silu", "attn_layer": "bat", "attn_kwargs": {"block_size": 8}}),
    "bottle-bat-stride2": ("bottle", 32, 128, 2, {"group_size": 16, "bottle_ratio": 0.25},
                           {"act_layer": "silu", "attn_layer": "bat", "attn_kwargs": {"block_size": 4}}),
    "bottle-q-extra-conv": ("bottle", 64, 128, 2, {"group_size": 16, "bottle_ratio": 0.25, "extra_conv": True},
                            {"act_layer": "silu"}),
    "bottle-regnetz-no-shortcut": ("bottle", 16, 32, 2, {"group_size": 16, "bottle_ratio": 3.0, "bottle_in": True,
                                                          "linear_out": True}, REGNETZ),
    "bottle-regnetz-identity": ("bottle", 32, 32, 1, {"group_size": 16, "bottle_ratio": 4.0, "bottle_in": True,
                                                      "linear_out": True}, REGNETZ),
    "bottle-regnetz-evos": ("bottle", 32, 32, 1, {"group_size": 16, "bottle_ratio": 4.0, "bottle_in": True,
                                                  "linear_out": True}, {**REGNETZ, **EVOS}),
    "bottle-regnetz-evos-stride2": ("bottle", 16, 32, 2, {"group_size": 16, "bottle_ratio": 4.0, "bottle_in": True,
                                                          "linear_out": True}, {**REGNETZ, **EVOS}),
    "bottle-clip-stride2": ("bottle", 16, 64, 2, {"bottle_ratio": 0.25}, CLIP),
    "bottle-clip-stride1": ("bottle", 16, 64, 1, {"bottle_ratio": 0.25}, CLIP),
    "edge-q": ("edge", 16, 32, 1, {"group_size": 0}, {"act_layer": "silu"}),
    "edge-stride2-se": ("edge", 16, 32, 2, {"group_size": 0, "bottle_ratio": 0.5}, {"attn_layer": "se", "downsample": "avg"}),
    "dark-se-last": ("dark", 16, 32, 2, {"group_size": 0, "bottle_ratio": 0.5},
                     {"attn_layer": "se", "attn_kwargs": {"rd_ratio": 0.25}, "downsample": "avg"}),
    "rep-stem": ("rep", 3, 16, 2, {}, {}),
    "rep-stride2": ("rep", 16, 32, 2, {}, {}),
    "rep-identity": ("rep", 32, 32, 1, {}, {}),
    "rep-grouped": ("rep", 32, 32, 1, {"group_size": 8}, {}),
    "rep-se": ("rep", 32, 32, 1, {}, {"attn_layer": "se", "attn_kwargs": {"rd_ratio": 0.0625, "rd_divisor": 1}}),
    "one-stem": ("one", 3, 16, 2, {}, {}),
    "one-depthwise-4-branches": ("one", 32, 32, 1, {"group_size": 1, "num_conv_branches": 4}, {}),
    "one-depthwise-stride2": ("one", 32, 32, 2, {"group_size": 1}, {}),
    "one-pointwise": ("one", 32, 48, 1, {"group_size": 0, "kernel_size": 1, "num_conv_branches": 4}, {}),
    "one-pointwise-identity-se": ("one", 48, 48, 1, {"group_size": 0, "kernel_size": 1}, {"attn_layer": "se"}),
    # Dilated stages (timm's output_stride 8/16; timm's `dilation=(first, stage's)`): where one begins
    # (an unstrided projection for the dilation change alone; `avg` without a pool after dilation 1,
    # with AvgPool2dSame(2, 1) after 2; no anti-aliasing unstrided; no identity branch in the
    # reparameterizable blocks) and within one. MobileOne's convs take no dilation, as timm's.
    "basic-dilation-starts-conv1x1": ("basic", 32, 32, 1, {"group_size": 0, "dilation": (1, 2)},
                                      {"downsample": "conv1x1"}),
    "bottle-dilation-4-after-2-avg-extra-conv": ("bottle", 16, 64, 1, {"group_size": 16, "bottle_ratio": 0.25,
                                                                      "extra_conv": True, "dilation": (2, 4)},
                                                 {"act_layer": "silu", "downsample": "avg"}),
    "bottle-clip-dilation-starts": ("bottle", 16, 64, 1, {"bottle_ratio": 0.25, "dilation": (1, 2)}, CLIP),
    "dark-dilated-identity": ("dark", 32, 32, 1, {"group_size": 0, "bottle_ratio": 0.5, "dilation": (2, 2)}, {}),
    "edge-dilation-starts-se": ("edge", 16, 32, 1, {"group_size": 0, "dilation": (1, 2)},
                                {"attn_layer": "se", "downsample": "avg"}),
    "rep-dilation-starts": ("rep", 32, 32, 1, {"dilation": (1, 2)}, {}),
    "rep-dilated-identity": ("rep", 32, 32, 1, {"dilation": (4, 4)}, {}),
    "one-dilation-starts": ("one", 32, 32, 1, {"group_size": 1, "dilation": (1, 2)}, {}),
}
# Other map sizes: CLIP's anti-aliased blocks on 10 x 12 (timm's floor-mode 2x2 pool and ceil-mode
# shortcut pool disagree on odd maps), BAT's on multiples of its block size (16 x 24).
SIZES = {"bottle-clip-stride2": (10, 12), "bottle-clip-stride1": (10, 12), "bottle-bat": (16, 24),
         "bottle-bat-stride2": (16, 24)}


def _timm_block(block_type, in_chs, out_chs, stride, block_args, layer_cfg):
    cfg = dict(layer_cfg)
    downsample = cfg.pop("downsample", None)
    if cfg.get("norm_layer") == "evonorms0a":  # timm's table holds partial(EvoNorm2dS0a, group_size=16)
        cfg["norm_layer"] = functools.partial(timm.layers.EvoNorm2dS0a, **cfg.pop("norm_kwargs"))
    layers = tb.get_layer_fns(tb.ByoModelCfg(blocks=(), **cfg))
    kwargs = dict(block_args)
    if downsample is not None:
        kwargs["downsample"] = downsample
    return tb.create_block(block_type, in_chs=in_chs, out_chs=out_chs, stride=stride, layers=layers, **kwargs)


def _our_block(block_type, out_chs, stride, block_args, layer_cfg):
    cfg = dict(layer_cfg)
    kwargs = dict(block_args)
    kwargs["activation"] = cfg.pop("act_layer", "relu")
    if "dilation" in kwargs:
        kwargs["first_dilation"], kwargs["dilation"] = kwargs.pop("dilation")
    if "aa_layer" in cfg:
        cfg["aa_layer"] = cfg["aa_layer"] or None
    return BLOCK_TYPES[block_type](out_chs, strides=stride, **kwargs, **cfg)


@slow_on_jax
@pytest.mark.parametrize("case", list(BLOCK_CASES))
def test_blocks_match_timm(case):
    block_type, in_chs, out_chs, stride, block_args, layer_cfg = BLOCK_CASES[case]
    reference = randomized(lambda: _timm_block(block_type, in_chs, out_chs, stride, block_args, layer_cfg))
    block = _our_block(block_type, out_chs, stride, block_args, layer_cfg)
    size = SIZES.get(case, (9, 11))
    x = np.random.default_rng(4).standard_normal((2, *size, in_chs)).astype("float32")
    assert_matches_and_flip_fails(block, reference, x, case)
    assert block.compute_output_shape(x.shape) == tuple(block(x).shape)


def test_no_shortcut_block_has_no_residual_as_timm():
    """timm's `create_shortcut("", ...)` where the shape changes: no shortcut module, nothing added."""
    block = BottleneckBlock(32, strides=2, group_size=16, bottle_ratio=3.0, bottle_in=True, downsample="")
    block.build((1, 8, 8, 16))
    assert not block.residual and block.shortcut is None
    layers = tb.get_layer_fns(tb.ByoModelCfg(blocks=()))
    assert tb.BottleneckBlock(16, 32, stride=2, group_size=16, bottle_ratio=3.0, downsample="", layers=layers).shortcut is None


def test_blocks_reject_what_timm_cannot_build():
    with pytest.raises(ValueError):
        BottleneckBlock(16, strides=3)
    with pytest.raises(ValueError):
        BottleneckBlock(16, downsample="max")
    with pytest.raises(ValueError):
        BottleneckBlock(16, norm_layer="layernorm")
    with pytest.raises(ValueError):
        BottleneckBlock(24, group_size=16).build((1, 8, 8, 24))  # 24 channels do not split into groups of 16
    with pytest.raises(ValueError):
        RepVggBlock(16).build((1, 8, 8, None))
    with pytest.raises(ValueError):
        ConvNormAct(16, 3, aa_layer="blur")


@slow_on_jax
@pytest.mark.parametrize("size", [(3, 3), (4, 5)])
def test_attention_pool_matches_timm(size):
    """CLIP's head: q, k, v separate, the mean token, the position embedding (resampled bicubic for
    another map size, as timm's `resample_abs_pos_embed`)."""
    reference = randomized(lambda: TimmAttentionPool2d(128, feat_size=3, out_features=16, qkv_separate=True))
    layer = AttentionPool2d(feat_size=3, out_features=16, qkv_separate=True)
    x = np.random.default_rng(1).standard_normal((2, *size, 128)).astype("float32")
    state = {k: v.detach().numpy() for k, v in reference.state_dict().items()}
    layer.build(x.shape)
    assert load_timm_weights(layer, state).ok
    with torch.no_grad():
        expected = reference(torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()).numpy()
    got = keras.ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    load_timm_weights(layer, {"pos_embed": -state["pos_embed"]}, strict=False)
    assert not np.allclose(keras.ops.convert_to_numpy(layer(x)), expected, rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------------------------------------------
# The smallest pretrained model, whole


def test_layer_names_are_timms_modules(loaded):
    model, _ = loaded
    names = {layer.name for layer in model.layers}
    assert {"stem", "stages__0__0", "stages__3__0", "head__fc"} <= names
    assert model.feature_info == timm.create_model(SMALLEST, device="meta").feature_info
    assert model_entry(SMALLEST).checkpoint_filter is checkpoint_filter_fn


# The stems and heads, whole, on a 104 x 104 image (odd maps in the last two stages): the tiered stem
# with its -inf-padded max pool after SiLU (the `rep` and `one` stems are blocks, tested above from 3
# channels). The slow suite adds RepVGG's and MobileOne's stems whole (MobileOne with BatchNorm
# statistics fitted to images: with random ones its logits reach 1e16 in timm too), the quad
# (ResNet-51Q/61Q), deep and EvoNorm (RegNetZ-evos) and plain 3x3 (RegNetZ, GERNet) stems, CLIP's
# heads (a fixed 96 x 96 grid) and every attention kind in a whole model.
WHOLE_CASES = ["resnext26ts"]
SLOW_WHOLE_CASES = [
    "repvgg_a0", "mobileone_s0", "gernet_s", "resnet51q", "resnet61q", "regnetz_b16", "regnetz_c16_evos", "regnetz_d8_evos", "seresnext26ts",
    "eca_resnext26ts", "gcresnext26ts", "resnet33ts", "repvgg_b1g4", "repvgg_d2se", "mobileone_s4",
    "resnet50_clip", "resnet50_clip_gap", "bat_resnext26ts",
]


def _assert_whole_model_matches(name):
    fixed = model_cfgs[name].head_type == "attn_abs"
    # BAT mixes blocks of 8 x 8: every stage's map must be a multiple of 8 (timm's min_input_size 256).
    # CLIP's anti-aliased blocks need even maps (timm's own floor-mode pool and ceil-mode shortcut
    # pool disagree on odd ones): 96 gives 24, 12, 6, 3.
    size = 96 if "_clip" in name else 256 if name.startswith("bat_") else 104
    extra = {"img_size": size} if fixed else {}
    reference = perturbed_timm_model(name, calibrate_batch_norms=name.startswith("mobileone"), **extra)
    state = timm_state_dict(reference)
    model = create_model(name, **extra)
    report = load_pretrained(model, state)
    assert report.ok and sorted(report.loaded) == sorted(k for k in state if not k.endswith(IGNORED_KEY_SUFFIXES))
    images = random_images(2, size)
    assert_close_to_timm(predict(model, images), timm_logits(reference, images), name)
    assert model.feature_info == reference.feature_info


@slow_on_jax
@pytest.mark.parametrize("name", WHOLE_CASES)
def test_stems_match_timm(name):
    _assert_whole_model_matches(name)


@pytest.mark.parametrize("output_stride", [8, 16])
def test_output_stride_dilates_the_last_stages_as_timm(output_stride):
    """timm's `output_stride`, as `model_checks.assert_output_stride_matches_timm` checks it."""
    model, reference = assert_output_stride_matches_timm(SMALLEST, output_stride)
    assert model.feature_info == reference.feature_info


@pytest.mark.slow
@pytest.mark.parametrize("name", SLOW_WHOLE_CASES)
def test_more_variants_match_timm(name):
    _assert_whole_model_matches(name)


def test_drop_path_rate_rises_linearly_over_all_blocks():
    model = create_model(SMALLEST, num_classes=0, drop_path_rate=0.1)
    stages = stage_args(model_cfgs[SMALLEST])
    blocks = [f"stages__{i}__{j}" for i, s in enumerate(stages) for j in range(len(s))]
    rates = [model.get_layer(name).drop_path_rate for name in blocks]
    expected = timm.layers.calculate_drop_path_rates(0.1, [len(s) for s in stages], stagewise=True)
    np.testing.assert_allclose(rates, np.concatenate(expected), rtol=1e-6)


# ----------------------------------------------------------------------------------------------------
# The registry, the architectures and timm's names


def test_registered_architectures_are_timms_pretrained_ones():
    timm_archs = {n.split(".")[0] for n in timm.list_models(module="byobnet", pretrained=True)}
    assert set(model_cfgs) == timm_archs
    assert set(model_cfgs) <= set(list_models())
    mine = [n for n in list_models(pretrained=True) if n.split(".")[0] in timm_archs]
    assert sorted(mine) == sorted(timm.list_models(module="byobnet", pretrained=True))


def test_pretrained_configs_are_timms():
    """Every tag of timm's byobnet.py for the registered architectures, in timm's order, with timm's fields."""
    assert_pretrained_cfgs_are_timms(default_cfgs)


def _timm_attn_name(module) -> str | None:
    if module is None or isinstance(module, torch.nn.Identity):
        return None
    return type(module).__name__


@pytest.mark.parametrize("name", sorted(model_cfgs))
def test_stage_layout_is_timms(name):
    """For every architecture (the largest too, whose Keras weights would not fit here): per block
    its type, width, stride and attention, and the grouped conv's groups, against timm's module built
    on the meta device."""
    meta = timm.create_model(name, device="meta")
    our_types = {v: k for k, v in tb._block_registry.items()}
    # the strided kxk ConvNormAct and the output ConvNormAct of each block type
    convs = {"basic": ("conv1_kxk", "conv2_kxk"), "bottle": ("conv2_kxk", "conv3_1x1"), "dark": ("conv2_kxk",) * 2,
             "edge": ("conv1_kxk", "conv2_1x1"), "rep": ("conv_kxk",) * 2, "one": ("conv_kxk",) * 2}
    attns = {None: None, "se": "SEModule", "eca": "EcaModule", "gca": "GlobalContext", "bat": "BatNonLocalAttn"}
    for i, blocks in enumerate(stage_args(model_cfgs[name])):
        timm_stage = list(meta.stages[i].children())
        assert len(timm_stage) == len(blocks), (name, i)
        for j, (timm_block, block) in enumerate(zip(timm_stage, blocks)):
            where = (name, i, j)
            assert our_types[type(timm_block)] == block["type"], where
            strided, last = (getattr(timm_block, n) for n in convs[block["type"]])
            if block["type"] == "one":
                strided = last = strided[0]
            stride = strided.conv.stride[0] * (2 if getattr(strided, "aa", None) is not None else 1)
            assert (last.conv.out_channels, stride) == (block["filters"], block["strides"]), where
            attn = [_timm_attn_name(getattr(timm_block, n, None)) for n in ("attn", "attn_last")]
            assert [a for a in attn if a] == ([attns[block["attn_layer"]]] if block["attn_layer"] else []), where


TOO_LARGE = ("resnet50x16_clip", "resnet50x16_clip_gap", "resnet50x64_clip", "resnet50x64_clip_gap")
FAST_SHAPE_CASES = ["test_byobnet", "gernet_s", "repvgg_a0", "mobileone_s1", "resnet32ts", "regnetz_c16_evos"]


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=() if n in FAST_SHAPE_CASES else pytest.mark.slow)
     for n in sorted(model_cfgs) if n not in TOO_LARGE],
)
@slow_on_jax
def test_timm_names_and_shapes(name):
    fixed = model_cfgs[name].head_type == "attn_abs"
    extra = {"img_size": 96} if fixed else {}
    meta = timm.create_model(name, device="meta", num_classes=10, in_chans=4, **extra)
    expected = {k: tuple(v.shape) for k, v in meta.state_dict().items() if not k.endswith("num_batches_tracked")}
    model = undrawn_model(name, num_classes=10, in_chans=4, **extra)
    assert timm_shapes(model) == expected
    assert model.feature_info == meta.feature_info


def test_pooled_features_width_is_timms():
    for name in ("test_byobnet", "regnetz_c16_evos"):
        meta = timm.create_model(name, device="meta", num_classes=0)
        assert tuple(undrawn_model(name, num_classes=0).output.shape) == (None, meta.num_features), name


# ----------------------------------------------------------------------------------------------------
# timm's checkpoint filter


def _openai_key(key: str) -> str:
    """timm's ByobNet key of a CLIP ResNet back to OpenAI's `visual.*` key (the inverse of timm's filter)."""

    key = re.sub(r"^stem\.conv(\d)\.conv", r"visual.conv\1", key)
    key = re.sub(r"^stem\.conv(\d)\.bn", r"visual.bn\1", key)
    key = re.sub(r"^stages\.(\d)\.(\d+)\.shortcut\.conv\.conv",
                 lambda m: f"visual.layer{int(m.group(1)) + 1}.{m.group(2)}.downsample.0", key)
    key = re.sub(r"^stages\.(\d)\.(\d+)\.shortcut\.conv\.bn",
                 lambda m: f"visual.layer{int(m.group(1)) + 1}.{m.group(2)}.downsample.1", key)
    names = {"conv1_1x1": "1", "conv2_kxk": "2", "conv3_1x1": "3"}
    key = re.sub(r"^stages\.(\d)\.(\d+)\.(conv1_1x1|conv2_kxk|conv3_1x1)\.(conv|bn)",
                 lambda m: f"visual.layer{int(m.group(1)) + 1}.{m.group(2)}.{m.group(4)}{names[m.group(3)]}", key)
    for theirs, ours in (("positional_embedding", "pos_embed"), ("q_proj", "q"), ("k_proj", "k"),
                         ("v_proj", "v"), ("c_proj", "proj")):
        key = re.sub(rf"^head\.{ours}\b", f"visual.attnpool.{theirs}", key)
    return key


@pytest.mark.parametrize("name", ["resnet50_clip", "resnet50_clip_gap"])
def test_an_openai_clip_checkpoint_is_renamed_as_timms_filter_does(name):
    meta = timm.create_model(name, device="meta", img_size=224)
    openai = {_openai_key(k): np.zeros(1, "float32") for k in meta.state_dict()}
    openai["transformer.resblocks.0.attn.in_proj_weight"] = np.zeros(1, "float32")  # the text tower: dropped
    if name.endswith("_gap"):  # OpenAI's checkpoints hold the attention pool whichever head timm builds
        for suffix in ("positional_embedding", "q_proj.weight", "c_proj.bias"):
            openai[f"visual.attnpool.{suffix}"] = np.zeros(1, "float32")
    expected = tb.checkpoint_filter_fn({k: torch.from_numpy(v) for k, v in openai.items()}, meta)
    got = checkpoint_filter_fn(openai, None if not name.endswith("_gap") else _NoAttnPoolModel())
    assert list(got) == list(expected)
    assert set(got) <= set(meta.state_dict())


class _NoAttnPoolModel:
    """A stand-in for a Keras model whose head is no attention pool (the filter asks only that)."""

    def get_layer(self, name):
        raise ValueError(name)


def test_a_timm_checkpoint_passes_the_filter_unchanged(state):
    assert checkpoint_filter_fn(state, None) == dict(state)


def test_block_config_round_trip():
    block = BottleneckBlock(32, strides=2, group_size=16, bottle_ratio=4.0, bottle_in=True, downsample="",
                            linear_out=True, activation="silu", attn_layer="se", attn_kwargs={"rd_ratio": 0.25},
                            norm_layer="evonorms0a", norm_kwargs={"group_size": 16})
    revived = BottleneckBlock.from_config(block.get_config())
    assert revived.get_config() == block.get_config()
    x = np.random.default_rng(0).standard_normal((1, 6, 6, 16)).astype("float32")
    assert tuple(keras.ops.shape(revived(x))) == (1, 3, 3, 32)
