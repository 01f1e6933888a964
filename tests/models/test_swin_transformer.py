"""Swin Transformer (v1) against timm: the blocks (`WindowAttention` with and without the shifted-window
mask, `SwinTransformerBlock` shifted, unshifted, padded and with a window shrunk to the map,
`PatchMerging`, a whole stage) against timm's modules, with trained-like relative-position tables and
a flipped weight that the comparison must catch; the shifted-window mask against timm's buffer; every
registered architecture's keys and shapes against timm's, and the registered set against timm's
pretrained Swin architectures; the smallest, swin_tiny_patch4_window7_224, whole (strict load, logits, flipped weights
in the shifted windows' tables and the patch merging; its pooled features, `features_only` maps and
export are the family contract's, in tests/models/test_builder.py); and
timm's `checkpoint_filter_fn` (another `img_size`, the original Microsoft key layout).

The whole model is built once per module (timm and Keras). The blocks' Keras conformance is in
tests/layers/test_conformance.py (specs in tests/layers/family_specs/swin_transformer.py).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import timm
import timm.models.swin_transformer as ts
import torch

import keras
import luximm_keras.models.swin_transformer as swin
from luximm_keras.interop import load_timm_weights, weight_bindings
from luximm_keras.interop.rules import IGNORED_KEY_SUFFIXES
from luximm_keras.models import (
    create_model,
    get_pretrained_cfg,
    list_models,
    load_pretrained,
    model_entry,
    timm_shapes,
)
from luximm_keras.models.swin_transformer import PatchMerging, SwinTransformerBlock, WindowAttention

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "layers"))
import conformance as cf  # noqa: E402  (tests/layers/conformance.py)
from model_checks import (  # noqa: E402  (tests/models/model_checks.py)
    assert_block_close,
    assert_close_to_timm,
    nchw,
    numpy_state,
    predict,
    randomized,
    slow_on_jax,
    timm_outputs,
    undrawn_model,
)

NAME = "swin_tiny_patch4_window7_224"  # the smallest registered architecture
# timm initialises the relative-position tables at std 0.02, where a misplaced entry barely moves the
# output: they get trained-like magnitudes instead.
REL_POS_NOISE = 1.0
NOISE = 0.02


def noise(name: str) -> float:
    return REL_POS_NOISE if name.endswith("relative_position_bias_table") else NOISE


def swin_architectures() -> set[str]:
    return {name for name in list_models() if model_entry(name).builder.__module__ == swin.__name__}


# ----------------------------------------------------------------------------------------------------
# The blocks against timm's modules


def _compare(timm_module, layer, x, name: str, flip: str, call=None):
    """`layer` (built on `x`) against `timm_module` with the same weights, then with `flip` negated:
    it must not match any more."""
    state = numpy_state(timm_module)
    report = load_timm_weights(layer, state)
    assert report.ok and sorted(report.loaded) == sorted(state), f"{name}: {report.describe()}"
    call = call or (lambda module, inputs: module(inputs))
    with torch.no_grad():
        expected = call(timm_module, torch.from_numpy(x)).numpy()
    got = cf.to_numpy(call(layer, x))
    assert_block_close(got, expected, name)
    load_timm_weights(layer, {flip: -state[flip]}, strict=False)
    error = np.abs(cf.to_numpy(call(layer, x)) - expected).max()
    # 100x the block tolerance's absolute slack
    assert error > 4e-4 * max(1.0, np.abs(expected).max()), f"{name}: negating {flip} moved the output by {error:.3g}"


# (input resolution, window, shift, heads): 8x12 maps so that a height/width swap shows.
BLOCK_CASES = {
    "unshifted": ((8, 12), 4, 0, 4),
    "shifted": ((8, 12), 4, 2, 4),
    "shifted-padded": ((7, 10), 4, 2, 2),  # 7x10 padded to 8x12 after the roll, as timm
    "window-shrunk-to-map": ((4, 6), 8, 4, 4),  # window (4, 6), no shift (timm's _calc_window_shift)
    "odd-window-shifted": ((14, 14), 7, 3, 2),  # the registered models' window and shift
}


@slow_on_jax
def test_swin_block_matches_timm():
    for case, (res, window, shift, heads) in BLOCK_CASES.items():
        timm_block = randomized(
            partial(ts.SwinTransformerBlock, 32, res, num_heads=heads, window_size=window, shift_size=shift),
            noise=noise,
        )
        block = SwinTransformerBlock(32, heads, window_size=window, shift_size=shift)
        x = np.random.default_rng(1).standard_normal((2, *res, 32)).astype("float32")
        block.build(x.shape)
        assert block.attn_window == timm_block.window_size and block.attn_shift == timm_block.shift_size, case
        _compare(timm_block, block, x, case, "attn.relative_position_bias_table")


@slow_on_jax
def test_window_attention_with_and_without_mask_matches_timm():
    """timm's `WindowAttention` on 2 images x 6 windows of 4x4, without a mask and with the shifted
    block's mask (a different mask per window, repeated over the batch)."""
    res, window, shift = (8, 12), (4, 4), (2, 2)
    mask = ts.SwinTransformerBlock(32, res, num_heads=4, window_size=window, shift_size=shift).attn_mask
    ours_mask = swin.swin_attn_mask(res, window, shift)
    np.testing.assert_array_equal(ours_mask, mask.numpy())
    x = np.random.default_rng(2).standard_normal((2 * 6, 16, 32)).astype("float32")
    for case, timm_mask, keras_mask in (("no-mask", None, None), ("mask", mask, ours_mask)):
        timm_attn = randomized(partial(ts.WindowAttention, 32, num_heads=4, window_size=window), noise=noise)
        attn = WindowAttention(32, 4, window_size=window)
        attn.build(x.shape)

        def call(module, inputs, timm_mask=timm_mask, keras_mask=keras_mask):
            if isinstance(module, keras.layers.Layer):  # (on torch, a Keras layer is a torch Module too)
                return module(inputs, attn_mask=keras_mask)
            return module(inputs, mask=timm_mask)

        _compare(timm_attn, attn, x, case, "relative_position_bias_table", call=call)


def test_attn_mask_matches_timms_buffer():
    for res, window, shift in [((8, 12), (4, 4), (2, 2)), ((7, 10), (4, 4), (2, 2)), ((56, 56), (7, 7), (3, 3)),
                               ((14, 14), (7, 7), (3, 3)), ((8, 12), (4, 6), (2, 3))]:
        timm_block = ts.SwinTransformerBlock(8, res, num_heads=2, window_size=window, shift_size=shift)
        ours = swin.swin_attn_mask(res, timm_block.window_size, timm_block.shift_size)
        np.testing.assert_array_equal(ours, timm_block.attn_mask.numpy(), err_msg=f"{res} {window} {shift}")
    assert swin.swin_attn_mask((8, 8), (4, 4), (0, 0)) is None


def test_patch_merging_matches_timm():
    # even and odd (zero-padded) maps, the default and another output width
    for case, res, out_dim in (("even", (8, 12), None), ("odd", (7, 9), 24)):
        timm_merge = randomized(partial(ts.PatchMerging, 16, out_dim))
        merge = PatchMerging(out_dim)
        x = np.random.default_rng(3).standard_normal((2, *res, 16)).astype("float32")
        merge.build(x.shape)
        _compare(timm_merge, merge, x, case, "reduction.weight")
        # a channel-order slip (e.g. the 2x2 neighbours in the wrong order) keeps the shapes: the
        # reduction's input columns of one neighbour negated must show too
        state = numpy_state(timm_merge)
        load_timm_weights(merge, state)
        with torch.no_grad():
            expected = timm_merge(torch.from_numpy(x)).numpy()
        flipped = state["norm.weight"].copy()
        flipped[16:32] *= -1
        load_timm_weights(merge, {"norm.weight": flipped}, strict=False)
        assert np.abs(cf.to_numpy(merge(x)) - expected).max() > 1e-2, case


@slow_on_jax
def test_stage_matches_timm():
    """timm's `SwinTransformerStage` (patch merging, then an unshifted and a shifted block) against the
    same layers in a functional model, named as the stage's modules."""
    in_dim, out_dim, res = 16, 32, (16, 24)
    timm_stage = randomized(
        partial(ts.SwinTransformerStage, in_dim, out_dim, res, depth=2, downsample=True, num_heads=4, window_size=4),
        noise=noise,
    )
    inputs = keras.Input((*res, in_dim))
    y = PatchMerging(out_dim, name="downsample")(inputs)
    y = SwinTransformerBlock(out_dim, 4, window_size=4, shift_size=0, name="blocks__0")(y)
    y = SwinTransformerBlock(out_dim, 4, window_size=4, shift_size=2, name="blocks__1")(y)
    stage = keras.Model(inputs, y)
    x = np.random.default_rng(4).standard_normal((2, *res, in_dim)).astype("float32")
    _compare(timm_stage, stage, x, "stage", "blocks.1.attn.relative_position_bias_table")


def test_blocks_refuse_bad_input():
    with pytest.raises(ValueError, match="must be known"):
        SwinTransformerBlock(32, 4, window_size=4).build((None, None, None, 32))
    with pytest.raises(ValueError, match="expected 32 channels"):
        SwinTransformerBlock(32, 4, window_size=4).build((None, 8, 8, 16))
    with pytest.raises(ValueError, match="shift_size"):
        SwinTransformerBlock(32, 4, window_size=4, shift_size=4)
    with pytest.raises(ValueError, match="divisible"):
        WindowAttention(30, 4)
    with pytest.raises(ValueError, match="filters"):
        PatchMerging(0)
    block = SwinTransformerBlock(32, 4, window_size=4)
    block.build((None, 8, 8, 32))
    with pytest.raises(ValueError):  # the mask and windows are the built map's: another size is refused
        block(np.zeros((1, 8, 12, 32), "float32"))


# ----------------------------------------------------------------------------------------------------
# The registered architectures


def test_registered_set_is_timms_pretrained_swin():
    timm_pretrained = set(timm.list_models(module="swin_transformer", pretrained=True))
    assert swin_architectures() == {name.split(".")[0] for name in timm_pretrained}
    ours = {name for name in list_models(pretrained=True) if name.split(".")[0] in swin_architectures()}
    assert ours == timm_pretrained
    assert min(swin_architectures(), key=lambda n: sum(
        p.numel() for p in timm.create_model(n, device="meta").parameters())) == NAME


def test_every_pretrained_config_equals_timms():
    for name in timm.list_models(module="swin_transformer", pretrained=True):
        assert get_pretrained_cfg(name).to_dict() == timm.models.get_pretrained_cfg(name).to_dict(), name


@pytest.mark.parametrize("name", sorted(swin.model_cfgs))
def test_keys_and_shapes_match_timm(name):
    meta = timm.create_model(name, device="meta")
    # timm's non-persistent buffers (relative_position_index, attn_mask) are not in its state dict
    expected = {k: tuple(v.shape) for k, v in meta.state_dict().items() if not k.endswith(IGNORED_KEY_SUFFIXES)}
    model = undrawn_model(name)
    assert timm_shapes(model) == expected
    # the feature maps are timm's feature_info
    assert model.feature_info == meta.feature_info


# ----------------------------------------------------------------------------------------------------
# The smallest architecture whole


@dataclass
class Oracle:
    model: torch.nn.Module
    state: dict[str, np.ndarray]
    images: np.ndarray  # NHWC
    logits: np.ndarray
    pooled: np.ndarray


@pytest.fixture(scope="module")
def oracle() -> Oracle:
    model = randomized(lambda: timm.create_model(NAME, pretrained=False), noise=noise)
    images = np.random.default_rng(0).standard_normal((2, 224, 224, 3)).astype("float32")
    logits, pooled = timm_outputs(model, nchw(images))
    return Oracle(model, numpy_state(model), images, logits, pooled)


@pytest.fixture(scope="module")
def loaded(oracle):
    model = create_model(NAME)
    report = load_pretrained(model, oracle.state)
    return model, report


@pytest.fixture(scope="module")
def keras_logits(loaded, oracle) -> np.ndarray:
    return predict(loaded[0], oracle.images)


def test_layer_names_and_shapes(loaded):
    model, _ = loaded
    assert model.name == NAME and model_entry(NAME).checkpoint_filter is swin.checkpoint_filter_fn
    names = {layer.name for layer in model.layers}
    assert {"patch_embed", "patch_embed__norm", "layers__0__blocks__0", "layers__1__downsample",
            "layers__3__blocks__1", "norm", "head__fc"} <= names
    assert isinstance(model.get_layer("layers__2__blocks__5"), SwinTransformerBlock)
    assert tuple(model.input.shape) == (None, 224, 224, 3) and tuple(model.output.shape) == (None, 1000)


def test_every_timm_key_is_loaded_strictly(loaded, oracle):
    _, report = loaded
    assert report.ok and not report.reinitialized and not report.discarded, report.describe()
    assert sorted(report.loaded) == sorted(oracle.state)
    assert all(b.timm_key is not None for b in weight_bindings(loaded[0]))


def test_logits_match_timm(keras_logits, oracle):
    assert keras_logits.shape == oracle.logits.shape == (2, 1000)
    assert_close_to_timm(keras_logits, oracle.logits, NAME)


# Negating any one of these must move the logits past the tolerance: a shifted block's table (the
# mask's windows), a patch merging's reduction, an attention projection of the last stage.
FLIPPED_KEYS = [
    "layers.1.blocks.1.attn.relative_position_bias_table",
    "layers.2.downsample.reduction.weight",
    "layers.3.blocks.0.attn.qkv.weight",
]


def test_a_flipped_weight_fails_the_comparison(loaded, oracle):
    model, _ = loaded
    tolerance = 1e-4 * max(1.0, float(np.abs(oracle.logits).max()))
    errors = {}
    for key in FLIPPED_KEYS:
        original = oracle.state[key]
        try:
            load_timm_weights(model, {key: -original}, strict=False)
            errors[key] = float(np.abs(predict(model, oracle.images) - oracle.logits).max())
        finally:
            assert load_timm_weights(model, {key: original}, strict=False).loaded == [key]
    weak = {key: f"{error:.3g}" for key, error in errors.items() if not error > 10 * tolerance}
    assert not weak, f"negating these moved the logits by only: {weak}"


# ----------------------------------------------------------------------------------------------------
# timm's checkpoint filter


@slow_on_jax
@pytest.mark.filterwarnings("ignore::UserWarning")  # timm's interpolation helper on recent PyTorch
def test_img_size_matches_timm_pretrained_adaptation(oracle):
    """timm's pretrained loading of the 224 px state into `img_size=(96, 128)`: patch grids of 24x32
    (not a multiple of the window: padded, masked), 12x16, 6x8 (the window shrinks to 6x7: the 13x13
    tables resized, non-square) and 3x4 (window 3x4). Ours: the builder and the registered filter."""
    img_size = (96, 128)
    timm_model = timm.create_model(NAME, pretrained=False, img_size=img_size).eval()
    timm_state = ts.checkpoint_filter_fn({k: torch.from_numpy(v) for k, v in oracle.state.items()}, timm_model)
    timm_model.load_state_dict(timm_state, strict=True)

    model = create_model(NAME, img_size=img_size)
    state = model_entry(NAME).checkpoint_filter(oracle.state, model)
    assert state["layers.2.blocks.0.attn.relative_position_bias_table"].shape == (11 * 13, 12)
    assert state["layers.3.blocks.1.attn.relative_position_bias_table"].shape == (5 * 7, 24)
    for key, value in timm_state.items():
        np.testing.assert_allclose(np.asarray(state[key]), value.numpy(), rtol=1e-6, atol=1e-6, err_msg=key)
    assert load_pretrained(model, oracle.state).ok

    images = np.random.default_rng(3).standard_normal((2, *img_size, 3)).astype("float32")
    with torch.no_grad():
        expected = timm_model(nchw(images)).numpy()
    assert_close_to_timm(predict(model, images), expected, f"{NAME} at {img_size}")


def test_original_checkpoint_layout_is_renamed_as_timm(oracle, loaded):
    """The Microsoft checkpoints downsample at the end of a stage (`layers.0.downsample`) and name
    the classifier `head`; timm's filter renames them, and drops the non-persistent buffers."""

    def old_name(key: str) -> str:
        stage = key.split(".")[1] if key.startswith("layers.") and ".downsample." in key else None
        if stage is not None:
            key = key.replace(f"layers.{stage}.downsample", f"layers.{int(stage) - 1}.downsample", 1)
        return key.replace("head.fc.", "head.")

    old = {old_name(k): v for k, v in oracle.state.items()}
    old["layers.0.blocks.1.attn_mask"] = np.zeros((64, 49, 49), "float32")
    old["layers.0.blocks.0.attn.relative_position_index"] = np.zeros((49, 49), "int64")
    assert "layers.0.downsample.reduction.weight" in old and "head.weight" in old
    model, _ = loaded
    ours = model_entry(NAME).checkpoint_filter(old, model)
    timm_out = ts.checkpoint_filter_fn({k: torch.from_numpy(v) for k, v in old.items()}, oracle.model)
    assert set(ours) == set(timm_out) == set(oracle.state)
    for key in ours:
        np.testing.assert_array_equal(np.asarray(ours[key]), oracle.state[key], err_msg=key)
