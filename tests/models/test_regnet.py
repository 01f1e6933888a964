"""RegNet (X, Y, V, Z) against timm: the two blocks (`RegNetBottleneck`, `RegNetPreBottleneck`) against
timm's `Bottleneck` and `PreBottleneck` in every configuration the pretrained variants use, each with
a check that one flipped weight makes the comparison fail; the smallest pretrained model's
layer names (`regnetx_002`; its strict load, logits, flipped weight and export are the family
contract's, in tests/models/test_builder.py); the other stems and heads (RegNet-Y, the pre-activation V, Z with its final conv)
whole on an odd image size; the width generator and timm's key names and shapes for every registered
architecture; the registry and pretrained configs against timm's; torchvision checkpoints renamed
as timm's filter renames them. Their Keras conformance is in tests/layers/test_conformance.py
(specs in tests/layers/family_specs/regnet.py).
"""

from __future__ import annotations


import numpy as np
import pytest
import timm  # the oracle before keras: TensorFlow before torchvision segfaults
import torch
import torchvision
from timm.models.regnet import Bottleneck as TimmBottleneck
from timm.models.regnet import PreBottleneck as TimmPreBottleneck
from timm.models.regnet import _filter_fn as timm_filter_fn

import keras
import luximm_keras.models.regnet  # noqa: F401  (registers the family)
from luximm_keras.interop.rules import IGNORED_KEY_SUFFIXES
from luximm_keras.models import create_model, list_models, load_pretrained, model_entry, timm_shapes
from luximm_keras.models.regnet import (
    RegNetBottleneck,
    RegNetPreBottleneck,
    checkpoint_filter_fn,
    default_cfgs,
    model_cfgs,
    stage_args,
)
from luximm_keras.verification.models import perturbed_timm_model, random_images, timm_logits, timm_state_dict
from model_checks import (  # tests/models/model_checks.py
    JAX_SLOW,
    assert_output_stride_matches_timm,
    assert_pretrained_cfgs_are_timms,
    assert_matches_and_flip_fails,
    assert_close_to_timm,
    predict,
    randomized,
    slow_on_jax,
    undrawn_model,
)

SMALLEST = "regnetx_002"  # the conftest fixtures (reference, state, images, loaded) build this one


# ----------------------------------------------------------------------------------------------------
# The blocks: one case per configuration the pretrained variants use (and `avg` without a stride), on
# a 9 x 11 map (odd: the stride-2 convs and the ceil-mode average pool see a partial last window).

BLOCK_CASES = {
    # name: (pre-activation, in, out, stride, options)
    "x-stride2-conv1x1": (False, 16, 32, 2, {"group_size": 8, "se_ratio": 0.0}),
    "x-identity": (False, 32, 32, 1, {"group_size": 8, "se_ratio": 0.0}),
    "y-stride2-se": (False, 16, 48, 2, {"group_size": 8, "se_ratio": 0.25}),
    "y-width-change-stride1": (False, 24, 32, 1, {"group_size": 16, "se_ratio": 0.25}),
    "y-avg-down": (False, 16, 32, 2, {"group_size": 8, "se_ratio": 0.25, "downsample": "avg"}),
    "z-inverted-no-shortcut": (False, 16, 24, 2, {"group_size": 8, "bottle_ratio": 4.0, "se_ratio": 0.25,
                                                  "downsample": None, "linear_out": True, "act_layer": "silu"}),
    "z-identity": (False, 24, 24, 1, {"group_size": 8, "bottle_ratio": 4.0, "se_ratio": 0.25, "downsample": None,
                                          "linear_out": True, "act_layer": "silu"}),
    "v-stride2-conv1x1": (True, 16, 32, 2, {"group_size": 8, "se_ratio": 0.25, "act_layer": "silu"}),
    "v-stride2-avg": (True, 16, 32, 2, {"group_size": 8, "se_ratio": 0.25, "downsample": "avg", "act_layer": "silu"}),
    "v-avg-stride1": (True, 16, 32, 1, {"group_size": 8, "se_ratio": 0.25, "downsample": "avg", "act_layer": "silu"}),
    "v-identity": (True, 32, 32, 1, {"group_size": 16, "se_ratio": 0.25, "act_layer": "silu"}),
    # Dilated stages (timm's output_stride 8/16; timm's `dilation=(first, stage's)`): where one begins
    # (a stride-1 projection for the dilation change alone; the average-pool shortcut without a pool
    # after dilation 1, with AvgPool2dSame(2, 1) after 2) and within one.
    "y-dilation-starts-conv1x1": (False, 32, 32, 1, {"group_size": 8, "se_ratio": 0.25, "dilation": (1, 2)}),
    "y-dilation-starts-avg": (False, 16, 32, 1, {"group_size": 8, "se_ratio": 0.25, "downsample": "avg",
                                                 "dilation": (1, 2)}),
    "v-dilation-4-after-2-avg": (True, 16, 32, 1, {"group_size": 8, "se_ratio": 0.25, "downsample": "avg",
                                                   "act_layer": "silu", "dilation": (2, 4)}),
    "x-dilated-identity": (False, 32, 32, 1, {"group_size": 8, "se_ratio": 0.0, "dilation": (2, 2)}),
}


def ours(options: dict) -> dict:
    options = dict(options)
    options["activation"] = options.pop("act_layer", "relu")
    if "dilation" in options:
        options["first_dilation"], options["dilation"] = options.pop("dilation")
    return options


@slow_on_jax
@pytest.mark.parametrize("case", list(BLOCK_CASES))
def test_blocks_match_timm(case):
    preact, in_chs, out_chs, stride, options = BLOCK_CASES[case]
    timm_cls, cls = (TimmPreBottleneck, RegNetPreBottleneck) if preact else (TimmBottleneck, RegNetBottleneck)
    reference = randomized(lambda: timm_cls(in_chs, out_chs, stride=stride, norm_layer="batchnorm", **options))
    block = cls(out_chs, strides=stride, **ours(options))
    x = np.random.default_rng(4).standard_normal((2, 9, 11, in_chs)).astype("float32")
    assert_matches_and_flip_fails(block, reference, x, case)
    assert block.compute_output_shape(x.shape) == tuple(block(x).shape)


@pytest.mark.parametrize("name,output_stride", [("regnetx_002", 8), pytest.param("regnety_002", 16, marks=JAX_SLOW)])
def test_output_stride_dilates_the_last_stages_as_timm(name, output_stride):
    """timm's `output_stride`, as `model_checks.assert_output_stride_matches_timm` checks it."""
    assert_output_stride_matches_timm(name, output_stride)


def test_regnetz_first_block_has_no_residual_as_timm():
    """timm's `create_shortcut(None, ...)` where the shape changes: no shortcut module, and the block
    adds nothing (the output does not depend on the input through a residual)."""
    block = RegNetBottleneck(24, strides=2, group_size=8, bottle_ratio=4.0, downsample=None, linear_out=True)
    block.build((1, 8, 8, 16))
    assert not block.residual and block.down_conv is None
    assert TimmBottleneck(16, 24, stride=2, group_size=8, bottle_ratio=4.0, downsample=None).downsample is None


def test_block_rejects_what_timm_cannot_build():
    with pytest.raises(ValueError):
        RegNetBottleneck(16, strides=3)
    with pytest.raises(ValueError):
        RegNetBottleneck(16, downsample="max")
    with pytest.raises(ValueError):
        RegNetBottleneck(16, activation="gelu")
    with pytest.raises(ValueError):
        RegNetBottleneck(24, group_size=16)  # 24 channels do not split into groups of 16
    with pytest.raises(ValueError):
        RegNetPreBottleneck(16).build((1, 8, 8, None))


# ----------------------------------------------------------------------------------------------------
# The smallest pretrained model (whole in tests/models/test_builder.py's family contract)


def test_layer_names_are_timms_modules(loaded):
    model, _ = loaded
    names = {layer.name for layer in model.layers}
    assert {"stem__conv", "stem__bn", "s1__b1", "s4__b1", "head__fc"} <= names
    assert model.feature_info == timm.create_model(SMALLEST, device="meta").feature_info
    assert model_entry(SMALLEST).checkpoint_filter is checkpoint_filter_fn


# The other stems and heads, whole, on a 104 x 104 image (odd maps in the last two stages):
# RegNet-Y (SE in the model), the pre-activation RegNet-V (a bare stem conv, `avg` shortcuts in
# regnetv_064, the final activation), RegNet-Z (blocks without residual, linear outputs, a final
# ConvNormAct in regnetz_040_h, the plain final activation in regnetz_040).
WHOLE_CASES = ["regnety_002", "regnetv_040", "regnetz_040_h"]
SLOW_WHOLE_CASES = ["regnetv_064", "regnetz_040", "regnetx_004_tv", "regnety_008_tv"]


def _assert_whole_model_matches(name):
    reference = perturbed_timm_model(name)
    state = timm_state_dict(reference)
    model = create_model(name)
    report = load_pretrained(model, state)
    assert report.ok and sorted(report.loaded) == sorted(k for k in state if not k.endswith(IGNORED_KEY_SUFFIXES))
    images = random_images(2, 104)
    assert_close_to_timm(predict(model, images), timm_logits(reference, images), name)


@slow_on_jax
@pytest.mark.parametrize("name", WHOLE_CASES)
def test_other_variants_match_timm(name):
    _assert_whole_model_matches(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", SLOW_WHOLE_CASES)
def test_more_variants_match_timm(name):
    _assert_whole_model_matches(name)


def test_drop_path_rate_rises_linearly_over_all_blocks():
    model = create_model(SMALLEST, num_classes=0, drop_path_rate=0.1)
    stages = stage_args(model_cfgs[SMALLEST])
    blocks = [f"s{i + 1}__b{j + 1}" for i, s in enumerate(stages) for j in range(s["depth"])]
    rates = [model.get_layer(name).drop_path_rate for name in blocks]
    expected = timm.layers.calculate_drop_path_rates(0.1, [s["depth"] for s in stages], stagewise=True)
    np.testing.assert_allclose(rates, np.concatenate(expected), rtol=1e-6)


# ----------------------------------------------------------------------------------------------------
# The registry, the architectures and timm's names


def test_registered_architectures_are_timms_pretrained_ones():
    timm_archs = {n.split(".")[0] for n in timm.list_models(module="regnet", pretrained=True)}
    assert set(model_cfgs) == timm_archs
    assert set(model_cfgs) <= set(list_models("regnet*"))
    ours = [n for n in list_models(pretrained=True) if n.split(".")[0] in timm_archs]
    assert sorted(ours) == sorted(timm.list_models(module="regnet", pretrained=True))


def test_pretrained_configs_are_timms():
    """Every tag of timm's regnet.py, in timm's order per architecture, with timm's fields."""
    assert_pretrained_cfgs_are_timms(default_cfgs)


@pytest.mark.parametrize("name", list(model_cfgs))
def test_stage_widths_depths_and_groups_are_timms(name):
    """timm's float32 width generator and group rounding, for every architecture (the largest ones
    too, whose Keras weights would not fit here): stage widths, depths, strides and group counts
    against timm's module built on the meta device."""
    meta = timm.create_model(name, device="meta")
    cfg = model_cfgs[name]
    for i, stage in enumerate(stage_args(cfg)):
        timm_stage = list(getattr(meta, f"s{i + 1}").children())
        assert len(timm_stage) == stage["depth"], (name, i)
        assert meta.feature_info[i + 1]["num_chs"] == stage["out_chs"], (name, i)
        for j, timm_block in enumerate(timm_stage):
            kwargs = {"strides": stage["stride"] if j == 0 else 1, "bottle_ratio": stage["bottle_ratio"],
                      "group_size": stage["group_size"], "se_ratio": cfg.se_ratio}
            block = (RegNetPreBottleneck if cfg.preact else RegNetBottleneck)(stage["out_chs"], **kwargs)
            conv2 = timm_block.conv2 if cfg.preact else timm_block.conv2.conv
            assert (conv2.out_channels, conv2.groups, conv2.stride[0]) == (
                block.bottleneck_filters, block.groups, block.strides), (name, i, j)


# The three largest (281M to 1.3G parameters) are left to the test above: their Keras weights would
# not fit in this machine's memory beside the rest.
TOO_LARGE = ("regnety_640", "regnety_1280", "regnety_2560")
FAST_SHAPE_CASES = ["regnetx_002", "regnetx_004_tv", "regnety_002", "regnetv_064", "regnetz_040_h"]


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
    for name in ("regnetz_040_h", "regnetv_040"):
        meta = timm.create_model(name, device="meta", num_classes=0)
        assert tuple(undrawn_model(name, num_classes=0).output.shape) == (None, meta.num_features), name


# ----------------------------------------------------------------------------------------------------
# timm's checkpoint filter


@pytest.mark.parametrize("tv_name,name", [("regnet_y_400mf", "regnety_004"), ("regnet_x_400mf", "regnetx_004_tv")])
def test_a_torchvision_checkpoint_is_renamed_as_timms_filter_does(tv_name, name):
    """torchvision's RegNet keys (`stem.0`, `trunk_output.blockI.blockI-J.f.a.0`, `proj`, `fc`) become
    timm's, as timm's `_filter_fn` renames them, and then load strictly into our model."""
    torch.manual_seed(0)
    tv_state = {k: v.numpy() for k, v in getattr(torchvision.models, tv_name)().state_dict().items()}
    expected = timm_filter_fn({k: torch.from_numpy(v) for k, v in tv_state.items()})
    got = checkpoint_filter_fn(tv_state, None)
    assert list(got) == list(expected)
    for key, value in expected.items():
        np.testing.assert_array_equal(got[key], value.numpy(), err_msg=key)
    assert load_pretrained(create_model(name), tv_state).ok


def test_a_timm_checkpoint_passes_the_filter_unchanged(state):
    assert checkpoint_filter_fn(state, None) == dict(state)


def test_block_config_round_trip():
    block = RegNetBottleneck(24, strides=2, group_size=8, bottle_ratio=4.0, downsample=None, linear_out=True,
                             activation="silu")
    revived = RegNetBottleneck.from_config(block.get_config())
    assert revived.get_config() == block.get_config()
    x = np.random.default_rng(0).standard_normal((1, 6, 6, 16)).astype("float32")
    assert tuple(keras.ops.shape(revived(x))) == (1, 3, 3, 24)
