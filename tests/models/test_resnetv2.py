"""resnetv2_50x1_bit (BiT) built from the blocks against timm's: strict key accounting, logits and
pooled features on random (perturbed) weights, a flipped weight that the comparison catches, the
`.keras` round trip, and timm's in_chans adaptation. The blocks it adds (`PreActBottleneck`,
`GroupNormAct`) are checked against timm's modules and for Keras conformance on tiny inputs.

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
from timm.layers import GroupNormAct as TimmGroupNormAct
from timm.layers import StdConv2d
from timm.models._manipulate import adapt_input_conv as timm_adapt_input_conv
from timm.models.resnetv2 import DownsampleConv
from timm.models.resnetv2 import PreActBottleneck as TimmPreActBottleneck

import keras

from luximm_keras.interop import load_timm_weights, weight_bindings
from luximm_keras.interop.rules import IGNORED_KEY_SUFFIXES
from luximm_keras.interop.transforms import INVERSES
from luximm_keras.layers.group_norm_act import GroupNormAct
from luximm_keras.layers.preact_bottleneck import PreActBottleneck
from luximm_keras.models import create_model, list_models, model_entry
from luximm_keras.models import resnetv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "layers"))
import conformance as cf  # noqa: E402  (the shared Keras conformance checks, tests/layers/conformance.py)
from model_checks import (  # noqa: E402  (tests/models/model_checks.py)
    FEATURES_TOL,
    LOGITS_ATOL,
    assert_block_close,
    nchw,
    numpy_state,
    predict,
    randomized,
    slow_on_jax,
    timm_outputs,
)

NAME = "resnetv2_50x1_bit"
# A mid-network conv: negating it must move the logits well past the tolerance.
FLIPPED_KEY = "stages.2.blocks.3.conv2.weight"


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
    report = load_timm_weights(model, oracle.state, strict=True)
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
}


@slow_on_jax
def test_preact_bottleneck_matches_timm():
    for case, (in_chs, out_chs, stride, downsample) in BLOCK_CASES.items():
        timm_block = randomized(
            lambda: TimmPreActBottleneck(
                in_chs,
                out_chs,
                stride=stride,
                conv_layer=partial(StdConv2d, eps=1e-8),
                norm_layer=partial(TimmGroupNormAct, num_groups=32),
                proj_layer=DownsampleConv if downsample else None,
            )
        )
        block = PreActBottleneck(out_chs, strides=stride, downsample=downsample)
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


def test_preact_bottleneck_refuses_a_width_change_without_projection():
    with pytest.raises(ValueError, match="projection shortcut"):
        PreActBottleneck(128, downsample=False).build((None, 8, 8, 64))


# (spec, also check the .keras round trip of a model around it)
SPECS = [
    (cf.LayerSpec(PreActBottleneck, dict(filters=64, strides=2, norm_groups=8, activation="gelu", drop_path=0.0),
                  (2, 8, 12, 32), "stride2-proj", spatial=True), True),
    (cf.LayerSpec(PreActBottleneck, dict(filters=32, norm_groups=8, downsample=False), (2, 8, 12, 32), "plain",
                  spatial=True), False),
    (cf.LayerSpec(GroupNormAct, dict(groups=4, epsilon=1e-5, activation="relu"), (2, 8, 12, 16), spatial=True), True),
    (cf.LayerSpec(GroupNormAct, dict(groups=2, activation=None), (2, 8, 12, 16), "no-act", spatial=True), False),
]


@slow_on_jax
@pytest.mark.parametrize("spec, saving", SPECS, ids=[str(spec) for spec, _ in SPECS])
def test_keras_conformance(spec, saving, tmp_path):
    """Config round trip, symbolic shapes, channels_first against channels_last (and `.keras` saving)."""
    cf.check_config_round_trip(spec)
    cf.check_symbolic_shapes(spec)
    cf.check_channels_first_matches_channels_last(spec)
    if saving:
        cf.check_saving_round_trip(spec, tmp_path)


# ----------------------------------------------------------------------------------------------------
# The builder's arguments


def test_builder_arguments_and_bad_input():
    model = create_model(NAME, num_classes=10, in_chans=4, img_size=(64, 96))
    assert tuple(model.input.shape) == (None, 64, 96, 4) and tuple(model.output.shape) == (None, 10)
    with pytest.raises(ValueError, match="img_size"):
        create_model(NAME, img_size=(64, 64, 3))
    with pytest.raises(ValueError, match="num_classes"):
        create_model(NAME, num_classes=-1)


# ----------------------------------------------------------------------------------------------------
# The whole model


def test_registered_with_timm_name_and_layer_names(loaded):
    model, _ = loaded
    assert NAME in list_models("resnetv2_*")
    assert model_entry(NAME).checkpoint_filter is resnetv2.checkpoint_filter
    assert model.name == NAME
    names = {layer.name for layer in model.layers}
    assert {"stem__conv", "stem__pool", "stages__0__blocks__0", "stages__3__blocks__2", "norm", "head__fc"} <= names
    assert tuple(model.input.shape) == (None, 224, 224, 3) and tuple(model.output.shape) == (None, 1000)


def test_every_timm_key_is_loaded_strictly(loaded, oracle):
    _, report = loaded
    assert report.ok, report.describe()
    expected = sorted(k for k in oracle.state if not k.endswith(IGNORED_KEY_SUFFIXES))
    assert sorted(report.loaded) == expected
    assert len(expected) == len(oracle.state)  # BiT has no buffers the loader skips
    assert all(b.timm_key is not None for b in weight_bindings(loaded[0]))


def test_logits_match_timm(keras_logits, oracle):
    assert keras_logits.shape == oracle.logits.shape == (2, 1000)
    error = np.abs(keras_logits - oracle.logits).max()
    assert error <= LOGITS_ATOL, f"max |keras - timm| = {error:.3g} (logits up to {np.abs(oracle.logits).max():.3g})"
    error64 = np.abs(keras_logits - oracle.logits64).max()
    assert error64 <= LOGITS_ATOL, f"max |keras - timm float64| = {error64:.3g}"


def test_pooled_features_match_timm(oracle):
    model = create_model(NAME, num_classes=0)
    state = model_entry(NAME).checkpoint_filter(oracle.state, model)  # drops head.fc.*, as timm does
    assert sorted(oracle.state.keys() - state.keys()) == ["head.fc.bias", "head.fc.weight"]
    assert load_timm_weights(model, state, strict=True).ok
    pooled = predict(model, oracle.images)
    assert pooled.shape == oracle.pooled.shape == (2, 2048)
    np.testing.assert_allclose(pooled, oracle.pooled64, **FEATURES_TOL)
    np.testing.assert_allclose(pooled, oracle.pooled, rtol=0, atol=LOGITS_ATOL)


def test_a_flipped_weight_fails_the_comparison(loaded, oracle):
    model, _ = loaded
    original = oracle.state[FLIPPED_KEY]
    try:
        load_timm_weights(model, {FLIPPED_KEY: -original}, strict=False)
        error = np.abs(predict(model, oracle.images) - oracle.logits).max()
    finally:
        report = load_timm_weights(model, {FLIPPED_KEY: original}, strict=False)
        assert report.loaded == [FLIPPED_KEY]
    assert error > 10 * LOGITS_ATOL, f"negating {FLIPPED_KEY} moved the logits by only {error:.3g}"


def test_keras_file_round_trip(loaded, keras_logits, oracle, tmp_path):
    path = tmp_path / f"{NAME}.keras"
    loaded[0].save(path)
    revived = keras.saving.load_model(path)  # no custom_objects: every class is registered
    assert revived.name == NAME
    assert [layer.name for layer in revived.layers] == [layer.name for layer in loaded[0].layers]
    np.testing.assert_array_equal(predict(revived, oracle.images), keras_logits)


def test_in_chans_1_matches_timm_adapted_checkpoint(oracle):
    """timm's pretrained loading for in_chans=1 (its own adapt_input_conv on `stem.conv.weight`)
    against ours: the builder with in_chans=1 and the registered checkpoint filter."""
    timm_state = {k: torch.from_numpy(v) for k, v in oracle.state.items()}
    timm_state["stem.conv.weight"] = timm_adapt_input_conv(1, timm_state["stem.conv.weight"])
    timm_model = timm.create_model(NAME, pretrained=False, in_chans=1).eval()
    timm_model.load_state_dict(timm_state, strict=True)

    model = create_model(NAME, in_chans=1)
    state = model_entry(NAME).checkpoint_filter(oracle.state, model)
    assert state["stem.conv.weight"].shape == (64, 1, 7, 7)
    assert load_timm_weights(model, state, strict=True).ok

    images = oracle.images[..., 1:2]
    with torch.no_grad():
        expected = timm_model(nchw(images)).numpy()
    error = np.abs(predict(model, images) - expected).max()
    assert error <= LOGITS_ATOL, f"max |keras - timm| = {error:.3g}"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["resnetv2_101x1_bit", "resnetv2_50x3_bit"])
def test_other_variants_account_for_every_timm_key(name):
    """The configuration table against timm's models: the same keys with the same shapes."""
    timm_model = timm.create_model(name, pretrained=False, num_classes=1000, device="meta")
    expected = {k: tuple(v.shape) for k, v in timm_model.state_dict().items()}
    ours = {}
    for binding in weight_bindings(create_model(name)):
        empty = np.empty(tuple(binding.variable.shape), "float32")
        ours[binding.timm_key] = tuple(INVERSES[binding.transform](empty).shape)
    assert ours == expected
