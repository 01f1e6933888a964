"""resnetv2_50x1_bit (BiT) beyond the family contract (tests/models/test_builder.py): its logits against
timm's float64 forward too, timm's layer names, the builder's arguments, and the blocks it adds
(`PreActBottleneck`, `GroupNormAct`) against timm's modules (their Keras conformance is in
tests/layers/test_conformance.py). timm's later ResNet-V2s (resnetv2_18 ... _101, _50d_gn, _50d_evos:
plain convs, batch norms or EvoNorm-S0, deep stems, average-pool shortcuts) through their blocks
against timm's, and their parameter names and shapes (their logits are the contract's slow tests).

timm's float32 forward of this network is itself about 6e-5 away from its float64 forward (logits
and pooled features alike): PyTorch's float32 CPU `group_norm` loses precision when a group's mean
is large against its spread, as after BiT's stem (mean ~18, std ~7 there: 6e-5 error where a
two-pass float32 norm has 1e-6). The Keras model is within ~1.3e-5 of the float64 forward on every
backend. So logits are checked against both timm forwards at 1e-4, and the pooled features at the
tighter rtol=1e-4 / atol=1e-5 against the float64 one (against timm's float32 they fail that by
timm's own error, ~6e-5, and are checked at 1e-4).

The whole model is built once per module (timm and Keras): on a 2-core CPU each forward pass takes
seconds, and the first JAX build compiles an initializer per variable shape.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import timm
import torch
from timm.layers import BatchNormAct2d, EvoNorm2dS0, create_conv2d
from timm.layers import GroupNormAct as TimmGroupNormAct
from timm.layers import StdConv2d
from timm.models.resnetv2 import DownsampleAvg, DownsampleConv
from timm.models.resnetv2 import PreActBasic as TimmPreActBasic
from timm.models.resnetv2 import PreActBottleneck as TimmPreActBottleneck


from luximm_keras.interop import load_timm_weights
from luximm_keras.layers import GroupNormAct
from luximm_keras.layers.evo_norm import EvoNorm2DS0
from luximm_keras.models import create_model, list_models, load_pretrained, model_entry, timm_shapes
from luximm_keras.models.resnetv2 import PreActBasic, PreActBottleneck

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "layers"))
import conformance as cf  # noqa: E402  (the shared Keras conformance checks, tests/layers/conformance.py)
from model_checks import (  # noqa: E402  (tests/models/model_checks.py)
    assert_output_stride_matches_timm,
    LOGITS_ATOL,
    assert_block_close,
    nchw,
    numpy_state,
    predict,
    randomized,
    slow_on_jax,
    timm_outputs,
    undrawn_model,
)

NAME = "resnetv2_50x1_bit"


@dataclass
class Oracle:
    state: dict[str, np.ndarray]
    images: np.ndarray  # NHWC
    logits: np.ndarray
    pooled: np.ndarray
    logits64: np.ndarray  # timm's forward in float64, same weights and images
    pooled64: np.ndarray


@pytest.fixture(scope="module")
def oracle() -> Oracle:
    model = randomized(lambda: timm.create_model(NAME, pretrained=False))
    images = np.random.default_rng(0).standard_normal((2, 224, 224, 3)).astype("float32")
    logits, pooled = timm_outputs(model, nchw(images))
    state = numpy_state(model)
    logits64, pooled64 = timm_outputs(model.double(), nchw(images).double())
    model.float()
    return Oracle(state, images, logits, pooled, logits64, pooled64)


@pytest.fixture(scope="module")
def loaded(oracle):
    model = create_model(NAME)
    report = load_pretrained(model, oracle.state)
    return model, report


@pytest.fixture(scope="module")
def keras_logits(loaded, oracle) -> np.ndarray:
    return predict(loaded[0], oracle.images)


# ----------------------------------------------------------------------------------------------------
# The blocks against timm's modules, and their Keras conformance, on tiny inputs. On JAX, where eager
# ops compile on their first shapes, these take ~40 s more than elsewhere: slow there (the whole-model
# tests below exercise every block on JAX too).

BLOCK_CASES = {
    # (in, out, stride, downsample): stage 0's first block (projection without stride), a strided
    # first block, and a plain block.
    "first-stride1": (64, 128, 1, True),
    "first-stride2": (128, 256, 2, True),
    "plain": (128, 128, 1, False),
    # timm's output_stride 8/16 (BiT's StdConv2d dilated): where a stage's dilation goes 2 -> 4.
    "dilation-4-after-2": (64, 128, 1, True, {"dilation": 4, "first_dilation": 2}),
}


@slow_on_jax
def test_preact_bottleneck_matches_timm():
    for case, (in_chs, out_chs, stride, downsample, *options) in BLOCK_CASES.items():
        dilation = options[0] if options else {}
        timm_block = randomized(
            lambda: TimmPreActBottleneck(
                in_chs,
                out_chs,
                stride=stride,
                **dilation,
                conv_layer=partial(StdConv2d, eps=1e-8),
                norm_layer=partial(TimmGroupNormAct, num_groups=32),
                proj_layer=DownsampleConv if downsample else None,
            )
        )
        block = PreActBottleneck(out_chs, strides=stride, downsample=downsample, **dilation)
        x = np.random.default_rng(1).standard_normal((2, 10, 14, in_chs)).astype("float32")
        block.build(x.shape)
        assert load_timm_weights(block, numpy_state(timm_block)).ok, case
        with torch.no_grad():
            expected = timm_block(nchw(x)).permute(0, 2, 3, 1).numpy()
        assert_block_close(cf.to_numpy(block(x)), expected, case)


@slow_on_jax
def test_group_norm_act_matches_timm():
    timm_norm = randomized(lambda: TimmGroupNormAct(64, num_groups=32))
    norm = GroupNormAct(32)
    x = (3.0 + np.random.default_rng(2).standard_normal((2, 5, 6, 64))).astype("float32")
    norm.build(x.shape)
    assert load_timm_weights(norm, numpy_state(timm_norm)).ok
    with torch.no_grad():
        expected = timm_norm(nchw(x)).permute(0, 2, 3, 1).numpy()
    assert_block_close(cf.to_numpy(norm(x)), expected, "GroupNormAct")


# timm's later variants' blocks: (timm block, its norm, proj layer) -> ours, on a 9 x 11 map (odd: the
# average-pool shortcut's ceil_mode pools a partial last window).
TIMM_NORMS = {"batchnorm": BatchNormAct2d, "groupnorm": TimmGroupNormAct, "evonorm": EvoNorm2dS0}
LATER_CASES = {
    # name: (basic, in, out, stride, norm_layer, avg_down, projection)
    "basic-bn-stride2-avgdown": (True, 32, 64, 2, "batchnorm", True, True),
    "basic-bn-stride2-conv": (True, 32, 64, 2, "batchnorm", False, True),
    "basic-bn-identity": (True, 64, 64, 1, "batchnorm", False, False),
    "bottleneck-evo-stride2-avgdown": (False, 64, 128, 2, "evonorm", True, True),
    "bottleneck-gn-stride1-avgdown": (False, 64, 128, 1, "groupnorm", True, True),
    "bottleneck-bn-plain": (False, 128, 128, 1, "batchnorm", False, False),
    # Dilated stages (timm's output_stride 8/16): where one begins (first_dilation 1 or 2, the
    # average-pool shortcut as AvgPool2dSame(2, 1), the basic block's projection for the dilation
    # change alone) and within one.
    "basic-bn-dilation-starts-avgdown": (True, 32, 64, 1, "batchnorm", True, True, {"dilation": 2, "first_dilation": 1}),
    "basic-bn-dilation-change-only": (True, 64, 64, 1, "batchnorm", False, None, {"dilation": 2, "first_dilation": 1}),
    "basic-bn-dilated-identity": (True, 64, 64, 1, "batchnorm", False, False, {"dilation": 2}),
    "bottleneck-evo-dilation-4-after-2-avgdown": (False, 64, 128, 1, "evonorm", True, True, {"dilation": 4, "first_dilation": 2}),
}


def assert_fails_with_a_flipped_weight(block, state, x, expected, case):
    """The comparison can fail: the largest weight negated gives another output."""
    key = max((k for k in state if not k.endswith(("running_mean", "running_var", "num_batches_tracked"))),
              key=lambda k: state[k].size)
    load_timm_weights(block, {key: -state[key]}, strict=False)
    with pytest.raises(AssertionError):
        assert_block_close(cf.to_numpy(block(x)), expected, case)
    load_timm_weights(block, {key: state[key]}, strict=False)


@slow_on_jax
@pytest.mark.parametrize("case", list(LATER_CASES))
def test_later_blocks_match_timm(case):
    basic, in_chs, out_chs, stride, norm_layer, avg_down, projection, *options = LATER_CASES[case]
    dilation = options[0] if options else {}
    timm_cls = TimmPreActBasic if basic else TimmPreActBottleneck
    # projection None: the basic block's rule (timm gives the stage's first block a proj_layer, used
    # when the width, stride or dilation changes).
    timm_block = randomized(
        lambda: timm_cls(
            in_chs,
            out_chs,
            stride=stride,
            **dilation,
            bottle_ratio=1.0 if basic else 0.25,
            conv_layer=create_conv2d,
            norm_layer=TIMM_NORMS[norm_layer],
            proj_layer=(DownsampleAvg if avg_down else DownsampleConv) if projection is not False else None,
        )
    )
    cls = PreActBasic if basic else PreActBottleneck
    block = cls(out_chs, strides=stride, downsample=projection, norm_layer=norm_layer, std_conv=False,
                avg_down=avg_down, **dilation)
    x = np.random.default_rng(1).standard_normal((2, 9, 11, in_chs)).astype("float32")
    block.build(x.shape)
    state = numpy_state(timm_block)
    assert load_timm_weights(block, state).ok, case
    with torch.no_grad():
        expected = timm_block(nchw(x)).permute(0, 2, 3, 1).numpy()
    assert_block_close(cf.to_numpy(block(x)), expected, case)
    assert_fails_with_a_flipped_weight(block, state, x, expected, case)


@slow_on_jax
def test_evo_norm_matches_timm():
    for groups, apply_act in ((32, True), (8, True), (32, False)):
        timm_norm = randomized(lambda: EvoNorm2dS0(64, groups=groups, apply_act=apply_act))
        norm = EvoNorm2DS0(groups=groups, apply_act=apply_act)
        x = (0.5 + np.random.default_rng(2).standard_normal((2, 5, 6, 64))).astype("float32")
        norm.build(x.shape)
        state = numpy_state(timm_norm)
        assert load_timm_weights(norm, state).ok
        with torch.no_grad():
            expected = timm_norm(nchw(x)).permute(0, 2, 3, 1).numpy()
        assert_block_close(cf.to_numpy(norm(x)), expected, f"EvoNorm2DS0 groups={groups} act={apply_act}")
        assert_fails_with_a_flipped_weight(norm, state, x, expected, "EvoNorm2DS0")


@pytest.mark.parametrize("name,output_stride", [("resnetv2_18", 8), ("resnetv2_18d", 16)])
def test_output_stride_dilates_the_last_stages_as_timm(name, output_stride):
    """timm's `output_stride`, as `model_checks.assert_output_stride_matches_timm` checks it."""
    assert_output_stride_matches_timm(name, output_stride)


@pytest.mark.parametrize("variant", ["resnetv2_18d", "resnetv2_50d_evos"])
def test_later_variants_have_timms_parameter_names_and_shapes(variant):
    """Deep stem, average-pool shortcuts, basic blocks or EvoNorm: every parameter and running
    statistic under timm's key, in timm's shape (the head and input conv resized as timm does)."""
    meta = timm.create_model(variant, device="meta", num_classes=10, in_chans=1)
    expected = {k: tuple(v.shape) for k, v in meta.state_dict().items() if not k.endswith("num_batches_tracked")}
    assert timm_shapes(undrawn_model(variant, num_classes=10, in_chans=1)) == expected


def test_every_architecture_with_weights_is_registered():
    assert list_models("resnetv2_*", pretrained=True) == sorted(timm.list_models(module="resnetv2", pretrained=True))


def test_preact_bottleneck_refuses_a_width_change_without_projection():
    with pytest.raises(ValueError, match="projection shortcut"):
        PreActBottleneck(128, downsample=False).build((None, 8, 8, 64))


# ----------------------------------------------------------------------------------------------------
# The builder's arguments


def test_builder_arguments_and_bad_input():
    model = create_model(NAME, num_classes=10, in_chans=4, img_size=(64, 96))
    assert tuple(model.input.shape) == (None, 64, 96, 4) and tuple(model.output.shape) == (None, 10)
    assert tuple(create_model(NAME).input.shape) == (None, None, None, 3)  # any size by default
    with pytest.raises(ValueError, match="img_size"):
        create_model(NAME, img_size=(64, 64, 3))
    with pytest.raises(ValueError, match="num_classes"):
        create_model(NAME, num_classes=-1)


# ----------------------------------------------------------------------------------------------------
# The whole model


def test_registered_with_timm_name_and_layer_names(loaded):
    model, _ = loaded
    assert NAME in list_models("resnetv2_*")
    assert model_entry(NAME).checkpoint_filter is None  # timm has none for ResNet-V2
    assert model.name == NAME
    names = {layer.name for layer in model.layers}
    assert {"stem__conv", "stem__pool", "stages__0__blocks__0", "stages__3__blocks__2", "norm", "head__fc"} <= names
    assert tuple(model.output.shape) == (None, 1000)


def test_logits_match_timm(keras_logits, oracle):
    assert keras_logits.shape == oracle.logits.shape == (2, 1000)
    error = np.abs(keras_logits - oracle.logits).max()
    assert error <= LOGITS_ATOL, f"max |keras - timm| = {error:.3g} (logits up to {np.abs(oracle.logits).max():.3g})"
    error64 = np.abs(keras_logits - oracle.logits64).max()
    assert error64 <= LOGITS_ATOL, f"max |keras - timm float64| = {error64:.3g}"
