"""CoAtNet beyond the family contract (tests/models/test_builder.py, which runs coatnet_pico_rw_224):
coatnet_0_rw_224, the other block configuration (`_rw_coat_cfg`), against timm with trained-like
relative-position tables and flipped weights that the comparison catches; timm's pretrained
adaptation to another img_size and in_chans (`adapt_input_conv` and the relative-position table
resize of `maxxvit.checkpoint_filter_fn`); and the blocks (`MbConvBlock`, `TransformerBlock2D`), in
each configuration the registered variants use, against timm's modules (their Keras conformance is
in tests/layers/test_conformance.py).

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
import timm.models.maxxvit as mx
import torch
from timm.layers import RelPosBias
from timm.layers.pos_embed_rel import resize_rel_pos_bias_table as timm_resize_rel_pos_bias_table
from timm.models._manipulate import adapt_input_conv as timm_adapt_input_conv


from luximm_keras.interop import load_timm_weights, weight_bindings
from luximm_keras.interop.rules import IGNORED_KEY_SUFFIXES
from luximm_keras.layers import resize_rel_pos_bias_table
from luximm_keras.models import create_model, list_models, load_pretrained, maxxvit, model_entry
from luximm_keras.models.maxxvit import MbConvBlock, TransformerBlock2D

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "layers"))
import conformance as cf  # noqa: E402  (the shared Keras conformance checks, tests/layers/conformance.py)
from model_checks import (  # noqa: E402  (tests/models/model_checks.py)
    LOGITS_ATOL,
    NOISE,
    assert_block_close,
    nchw,
    numpy_state,
    predict,
    randomized,
    slow_on_jax,
    timm_outputs,
)

NAME = "coatnet_0_rw_224"
# timm initialises the relative-position tables at std 0.02, where even negating one moves the logits
# by only ~4e-5: they get trained-like magnitudes instead, so that a misplaced entry shows.
REL_POS_NOISE = 1.0


def noise(name: str) -> float:
    return REL_POS_NOISE if name.endswith("relative_position_bias_table") else NOISE


# Negating any of these must move the logits well past the tolerance: a depthwise conv of an MBConv
# stage, a relative-position table and a shortcut projection of the transformer stages.
FLIPPED_KEYS = [
    "stages.1.blocks.1.conv2_kxk.weight",
    "stages.2.blocks.1.attn.rel_pos.relative_position_bias_table",
    "stages.3.blocks.0.shortcut.expand.weight",
]


@dataclass
class Oracle:
    state: dict[str, np.ndarray]
    images: np.ndarray  # NHWC
    logits: np.ndarray
    pooled: np.ndarray


@pytest.fixture(scope="module")
def oracle() -> Oracle:
    model = randomized(lambda: timm.create_model(NAME, pretrained=False), noise=noise)
    images = np.random.default_rng(0).standard_normal((2, 224, 224, 3)).astype("float32")
    logits, pooled = timm_outputs(model, nchw(images))
    return Oracle(numpy_state(model), images, logits, pooled)


@pytest.fixture(scope="module")
def loaded(oracle):
    model = create_model(NAME)
    report = load_pretrained(model, oracle.state)
    return model, report


@pytest.fixture(scope="module")
def keras_logits(loaded, oracle) -> np.ndarray:
    return predict(loaded[0], oracle.images)


# ----------------------------------------------------------------------------------------------------
# The blocks against timm's modules, in the configurations of the registered variants, and their Keras
# conformance, on tiny inputs. On JAX, where eager ops compile on their first shapes, these take
# ~40 s more than elsewhere: slow there (the whole-model tests below exercise coatnet_0_rw's blocks).

# (timm cfg name, in, out, stride); inputs are 8x12 so that a height/width swap shows.
MBCONV_CASES = {
    "0_rw-stride2": ("coatnet_0_rw", 64, 96, 2),  # pool stride, SE early with ReLU, pre-norm act
    "0_rw-stride1": ("coatnet_0_rw", 96, 96, 1),
    "1_rw-dw-stride2": ("coatnet_1_rw", 64, 96, 2),  # stride on the depthwise conv (symmetric pad)
    "2_rw-dw-se-late": ("coatnet_2_rw", 64, 128, 2),  # SE after norm2, SiLU
    "nano_rw-max-cfg": ("coatnet_nano_rw", 64, 128, 2),  # no pre-norm act, output biases
}
TRANSFORMER_CASES = {
    "0_rw-stride2": ("coatnet_0_rw", 64, 96, 2),  # shortcut without bias
    "0_rw-stride1": ("coatnet_0_rw", 96, 96, 1),
    "3_rw-layerscale": ("coatnet_3_rw", 64, 96, 2),  # init_values=1e-6, shortcut bias
}


def _compare_block(make_timm_block, block, in_chs, name):
    timm_block = randomized(make_timm_block, noise=noise)
    x = np.random.default_rng(1).standard_normal((2, 8, 12, in_chs)).astype("float32")
    block.build(x.shape)
    report = load_timm_weights(block, numpy_state(timm_block))
    assert report.ok, f"{name}: {report.describe()}"
    with torch.no_grad():
        expected = timm_block(nchw(x)).permute(0, 2, 3, 1).numpy()
    assert_block_close(cf.to_numpy(block(x)), expected, name)


@slow_on_jax
def test_mbconv_block_matches_timm():
    for case, (cfg_name, in_chs, out_chs, stride) in MBCONV_CASES.items():
        cfg = mx.model_cfgs[cfg_name].conv_cfg
        block = maxxvit.mbconv_block(out_chs, maxxvit.model_cfgs[cfg_name + "_224"].conv, strides=stride)
        _compare_block(lambda: mx.MbConvBlock(in_chs, out_chs, stride=stride, cfg=cfg), block, in_chs, case)


@slow_on_jax
def test_transformer_block_matches_timm():
    for case, (cfg_name, in_chs, out_chs, stride) in TRANSFORMER_CASES.items():
        window = (8 // stride, 12 // stride)
        make_timm_block = partial(
            mx.TransformerBlock2d,
            in_chs,
            out_chs,
            stride=stride,
            rel_pos_cls=partial(RelPosBias, window_size=window),
            cfg=mx.model_cfgs[cfg_name].transformer_cfg,
        )
        cfg = maxxvit.model_cfgs[cfg_name + "_224"].transformer
        block = maxxvit.transformer_block(out_chs, window, cfg, strides=stride)
        _compare_block(make_timm_block, block, in_chs, case)


def test_blocks_refuse_bad_input():
    with pytest.raises(ValueError, match="keeps its width"):
        MbConvBlock(96).build((None, 8, 8, 64))
    with pytest.raises(ValueError, match="even spatial sizes"):
        MbConvBlock(96, strides=2, stride_mode="dw").build((None, 7, 8, 64))
    with pytest.raises(ValueError, match="pool_type"):
        TransformerBlock2D(96, window_size=4, strides=2, pool_type="max")
    with pytest.raises(ValueError, match="attention window"):
        TransformerBlock2D(64, window_size=(4, 4))(np.zeros((1, 4, 6, 64), "float32"))


# ----------------------------------------------------------------------------------------------------
# The checkpoint filter's pieces and the builder's arguments


# (new window, heads, old window given to the function)
RESIZE_CASES = {
    "shrink": ((4, 4), 3, None),
    "non-square": ((4, 6), 2, None),
    "grow": ((28, 28), 2, None),
    "unchanged": ((7, 7), 2, None),
    "old-window-given": ((5, 9), 2, (7, 7)),
}


@pytest.mark.filterwarnings("ignore::UserWarning")  # timm's interpolation helper on recent PyTorch
def test_resize_rel_pos_bias_table_matches_timm():
    for case, (window, heads, old_window) in RESIZE_CASES.items():
        src_positions = 13 * 13 if old_window or window == (7, 7) else 27 * 27
        table = np.random.default_rng(4).standard_normal((src_positions, heads)).astype("float32")
        new_shape = ((2 * window[0] - 1) * (2 * window[1] - 1), heads)
        expected = timm_resize_rel_pos_bias_table(
            torch.from_numpy(table), new_window_size=window, new_bias_shape=new_shape, old_window_size=old_window
        ).numpy()
        got = resize_rel_pos_bias_table(table, window, new_shape, old_window_size=old_window)
        assert got.shape == expected.shape == new_shape and got.dtype == np.float32, case
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6, err_msg=case)


def test_builder_arguments_and_bad_input():
    with pytest.raises(ValueError, match="multiple of 32"):
        create_model(NAME, img_size=200)
    with pytest.raises(ValueError, match="in_chans"):
        create_model(NAME, in_chans=0)
    with pytest.raises(ValueError, match="Unknown model"):
        create_model("coatnet_0_224")  # the paper configuration (expand_first=True) is not ported


# ----------------------------------------------------------------------------------------------------
# The whole model


def test_registered_with_timm_name_and_layer_names(loaded):
    model, _ = loaded
    assert NAME in list_models("coatnet_*")
    assert model_entry(NAME).checkpoint_filter is maxxvit.checkpoint_filter_fn
    assert model.name == NAME
    names = {layer.name for layer in model.layers}
    assert {"stem__conv1", "stem__norm1", "stem__conv2", "stages__0__blocks__0", "stages__3__blocks__1", "norm",
            "head__fc"} <= names
    assert isinstance(model.get_layer("stages__1__blocks__2"), MbConvBlock)
    assert isinstance(model.get_layer("stages__2__blocks__0"), TransformerBlock2D)
    assert tuple(model.input.shape) == (None, 224, 224, 3) and tuple(model.output.shape) == (None, 1000)


def test_every_timm_key_is_loaded_strictly(loaded, oracle):
    _, report = loaded
    assert report.ok, report.describe()
    expected = sorted(k for k in oracle.state if not k.endswith(IGNORED_KEY_SUFFIXES))
    assert sorted(report.loaded) == expected
    skipped = [k for k in oracle.state if k.endswith(IGNORED_KEY_SUFFIXES)]
    assert skipped and all(k.endswith(".num_batches_tracked") for k in skipped)
    assert all(b.timm_key is not None for b in weight_bindings(loaded[0]))


def test_logits_match_timm(keras_logits, oracle):
    assert keras_logits.shape == oracle.logits.shape == (2, 1000)
    error = np.abs(keras_logits - oracle.logits).max()
    assert error <= LOGITS_ATOL, f"max |keras - timm| = {error:.3g} (logits up to {np.abs(oracle.logits).max():.3g})"


def test_a_flipped_weight_fails_the_comparison(loaded, oracle):
    model, _ = loaded
    errors = {}
    for key in FLIPPED_KEYS:
        original = oracle.state[key]
        try:
            load_timm_weights(model, {key: -original}, strict=False)
            errors[key] = np.abs(predict(model, oracle.images) - oracle.logits).max()
        finally:
            report = load_timm_weights(model, {key: original}, strict=False)
            assert report.loaded == [key]
    weak = {key: f"{error:.3g}" for key, error in errors.items() if not error > 10 * LOGITS_ATOL}
    assert not weak, f"negating these moved the logits by only: {weak}"


@slow_on_jax
@pytest.mark.filterwarnings("ignore::UserWarning")  # timm's interpolation helper on recent PyTorch
def test_img_size_matches_timm_pretrained_adaptation(oracle):
    """timm's pretrained loading into `coatnet_0_rw_224(img_size=(64, 96), in_chans=4)`: its
    `checkpoint_filter_fn` resizes the relative-position tables (27x27 offsets to 7x11 and 3x5:
    non-square windows) and `adapt_input_conv` repeats `stem.conv1.weight`'s RGB channels, scaled by
    3/4. Ours: the builder with the same arguments and the registered checkpoint filter, from the same
    224x224 RGB state."""
    img_size, in_chans = (64, 96), 4
    timm_model = timm.create_model(NAME, pretrained=False, in_chans=in_chans, img_size=img_size).eval()
    timm_state = mx.checkpoint_filter_fn({k: torch.from_numpy(v) for k, v in oracle.state.items()}, timm_model)
    timm_state["stem.conv1.weight"] = timm_adapt_input_conv(in_chans, timm_state["stem.conv1.weight"])
    timm_model.load_state_dict(timm_state, strict=True)

    model = create_model(NAME, in_chans=in_chans, img_size=img_size)
    state = model_entry(NAME).checkpoint_filter(oracle.state, model)
    assert state["stages.2.blocks.0.attn.rel_pos.relative_position_bias_table"].shape == (7 * 11, 6)
    assert state["stages.3.blocks.1.attn.rel_pos.relative_position_bias_table"].shape == (3 * 5, 24)
    assert load_pretrained(model, oracle.state).ok

    images = np.random.default_rng(3).standard_normal((2, *img_size, in_chans)).astype("float32")
    with torch.no_grad():
        expected = timm_model(nchw(images)).numpy()
    error = np.abs(predict(model, images) - expected).max()
    assert error <= LOGITS_ATOL, f"max |keras - timm| = {error:.3g}"
