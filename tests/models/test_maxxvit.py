"""MaxxViT (CoAtNet, MaxViT, MaxxViT) beyond the family contract (tests/models/test_builder.py, which
runs coatnet_pico_rw_224, and every other variant when `slow`): coatnet_0_rw_224, the other block
configuration (`_rw_coat_cfg`), against timm with trained-like relative-position tables and flipped
weights that the comparison catches; timm's pretrained adaptation to another img_size and in_chans
(`adapt_input_conv` and the relative-position table resize of `maxxvit.checkpoint_filter_fn`, flat
and TF tables); and the blocks (`MbConvBlock`, `TransformerBlock2D`, `PartitionAttentionCl`,
`MaxxVitConvNeXtBlock`), in each configuration the registered variants use, against timm's modules
(their Keras conformance is in tests/layers/test_conformance.py).

The whole model is built once per module (timm and Keras): on a 2-core CPU each forward pass takes
seconds, and the first JAX build compiles an initializer per variable shape.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import timm
import timm.models.maxxvit as mx
import torch
from timm.layers.pos_embed_rel import (
    resize_rel_pos_bias_table as timm_resize_rel_pos_bias_table,
)
from timm.models._manipulate import adapt_input_conv as timm_adapt_input_conv

from luximm_keras.interop import load_timm_weights, weight_bindings
from luximm_keras.interop.rules import IGNORED_KEY_SUFFIXES
from luximm_keras.layers import resize_rel_pos_bias_table
from luximm_keras.models import (
    create_model,
    list_models,
    load_pretrained,
    maxxvit,
    model_entry,
)
from luximm_keras.models.maxxvit import (
    MaxxVitConvNeXtBlock,
    MbConvBlock,
    PartitionAttentionCl,
    TransformerBlock2D,
)

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
    # (RelPosMlp's weights too: their bias is as small as a fresh table's.)
    return REL_POS_NOISE if name.endswith("relative_position_bias_table") or ".rel_pos.mlp." in name else NOISE


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

def timm_cfg(arch: str):
    """timm's `MaxxVitCfg` of a registered architecture (its name without the image size)."""
    return mx.model_cfgs[arch.rsplit("_", 1)[0]]


# (architecture, in, out, stride); inputs are 8x12 so that a height/width swap shows.
MBCONV_CASES = {
    "0_rw-stride2": ("coatnet_0_rw_224", 64, 96, 2),  # pool stride, SE early with ReLU, pre-norm act
    "0_rw-stride1": ("coatnet_0_rw_224", 96, 96, 1),
    "1_rw-dw-stride2": ("coatnet_1_rw_224", 64, 96, 2),  # stride on the depthwise conv (symmetric pad)
    "2_rw-dw-se-late": ("coatnet_2_rw_224", 64, 128, 2),  # SE after norm2, SiLU
    "nano_rw-max-cfg": ("coatnet_nano_rw_224", 64, 128, 2),  # no pre-norm act, output biases
    "rmlp_1_rw-maxpool": ("coatnet_rmlp_1_rw_224", 64, 96, 2),  # 3x3 max-pool shortcut, avg2 `down`
    "tf-stride2": ("maxvit_tiny_tf_224", 64, 128, 2),  # TF SAME padding, eps 1e-3, tanh GELU
    "tf-stride1": ("maxvit_tiny_tf_224", 64, 64, 1),
}
TRANSFORMER_CASES = {
    "0_rw-stride2": ("coatnet_0_rw_224", 64, 96, 2),  # shortcut without bias
    "0_rw-stride1": ("coatnet_0_rw_224", 96, 96, 1),
    "3_rw-layerscale": ("coatnet_3_rw_224", 64, 96, 2),  # init_values=1e-6, shortcut bias
    "bn_0_rw-batchnorm": ("coatnet_bn_0_rw_224", 64, 96, 2),  # BatchNorm2d norms
    "rmlp_1_rw-mlp-maxpool": ("coatnet_rmlp_1_rw_224", 64, 96, 2),  # RelPosMlp, 3x3 max pools
    "rmlp_2_rw-mlp": ("coatnet_rmlp_2_rw_224", 96, 96, 1),
}
CONVNEXT_CASES = {
    "maxxvit-stride2": ("maxxvit_rmlp_nano_rw_256", 64, 128, 2),  # conv_dw 64 -> 128 channels
    "maxxvit-stride1": ("maxxvit_rmlp_nano_rw_256", 64, 64, 1),
    "coatnext-stride2": ("coatnext_nano_rw_224", 32, 64, 2),  # layer scale 1e-5
}
# (architecture, partition type); windows of 4x6 on the 8x12 input (a non-square partition).
PARTITION_CASES = {
    "rw-block": ("maxvit_nano_rw_256", "block"),  # RelPosBias, [head][q|k|v] qkv
    "rmlp-grid-layerscale": ("maxvit_rmlp_small_rw_224", "grid"),  # RelPosMlp, init_values=1e-6
    "tf-block": ("maxvit_tiny_tf_224", "block"),  # RelPosBiasTf, [q|k|v][head] qkv, tanh GELU
    "tf-grid": ("maxvit_tiny_tf_224", "grid"),
}
PARTITION = (4, 6)


def _compare_block(make_timm_block, block, in_chs, name, flip: str, channels_last: bool = False):
    """The block against timm's with the same weights; then with `flip` negated, it must not match."""
    timm_block = randomized(make_timm_block, noise=noise)
    x = np.random.default_rng(1).standard_normal((2, 8, 12, in_chs)).astype("float32")
    block.build(x.shape)
    state = numpy_state(timm_block)
    report = load_timm_weights(block, state)
    assert report.ok, f"{name}: {report.describe()}"
    with torch.no_grad():
        if channels_last:
            expected = timm_block(torch.from_numpy(x)).numpy()
        else:
            expected = timm_block(nchw(x)).permute(0, 2, 3, 1).numpy()
    assert_block_close(cf.to_numpy(block(x)), expected, name)
    load_timm_weights(block, {flip: -state[flip]}, strict=False)
    error = np.abs(cf.to_numpy(block(x)) - expected).max()
    # 100x the block tolerance's absolute slack
    assert error > 4e-4 * max(1.0, np.abs(expected).max()), f"{name}: negating {flip} moved the output by {error:.3g}"


@slow_on_jax
def test_mbconv_block_matches_timm():
    for case, (arch, in_chs, out_chs, stride) in MBCONV_CASES.items():
        cfg = timm_cfg(arch).conv_cfg
        block = maxxvit.mbconv_block(out_chs, maxxvit.model_cfgs[arch].conv, strides=stride)
        make_timm_block = partial(mx.MbConvBlock, in_chs, out_chs, stride=stride, cfg=cfg)
        _compare_block(make_timm_block, block, in_chs, case, "conv2_kxk.weight")


@slow_on_jax
def test_transformer_block_matches_timm():
    for case, (arch, in_chs, out_chs, stride) in TRANSFORMER_CASES.items():
        window = (8 // stride, 12 // stride)
        timm_tf_cfg = timm_cfg(arch).transformer_cfg
        make_timm_block = partial(
            mx.TransformerBlock2d,
            in_chs,
            out_chs,
            stride=stride,
            rel_pos_cls=mx.get_rel_pos_cls(timm_tf_cfg, window),
            cfg=timm_tf_cfg,
        )
        cfg = maxxvit.model_cfgs[arch].transformer
        block = maxxvit.transformer_block(out_chs, window, cfg, strides=stride)
        flip = "attn.rel_pos." + ("mlp.fc2.weight" if cfg.rel_pos_type == "mlp" else "relative_position_bias_table")
        _compare_block(make_timm_block, block, in_chs, case, flip)


@slow_on_jax
def test_convnext_block_matches_timm():
    for case, (arch, in_chs, out_chs, stride) in CONVNEXT_CASES.items():
        cfg = timm_cfg(arch).conv_cfg
        block = maxxvit.convnext_block(out_chs, maxxvit.model_cfgs[arch].conv, strides=stride)
        make_timm_block = partial(mx.ConvNeXtBlock, in_chs, out_chs, stride=stride, cfg=cfg)
        _compare_block(make_timm_block, block, in_chs, case, "conv_dw.weight")


@slow_on_jax
def test_partition_attention_matches_timm():
    for case, (arch, partition_type) in PARTITION_CASES.items():
        timm_tf_cfg = replace(timm_cfg(arch).transformer_cfg, window_size=PARTITION, grid_size=PARTITION)
        cfg = maxxvit.model_cfgs[arch].transformer
        block = maxxvit.partition_attention(partition_type, PARTITION, cfg)
        flip = "attn.rel_pos." + ("mlp.fc2.weight" if cfg.rel_pos_type == "mlp" else "relative_position_bias_table")
        make_timm_block = partial(mx.PartitionAttentionCl, 64, partition_type, cfg=timm_tf_cfg)
        _compare_block(make_timm_block, block, 64, case, flip, channels_last=True)


def test_blocks_refuse_bad_input():
    with pytest.raises(ValueError, match="keeps its width"):
        MbConvBlock(96).build((None, 8, 8, 64))
    with pytest.raises(ValueError, match="even spatial sizes"):
        MbConvBlock(96, strides=2, stride_mode="dw").build((None, 7, 8, 64))
    with pytest.raises(ValueError, match="pool_type"):
        TransformerBlock2D(96, window_size=4, strides=2, pool_type="avg")  # 3x3 average pool: not ported
    with pytest.raises(ValueError, match="does not divide"):
        PartitionAttentionCl("grid", (4, 4)).build((None, 8, 6, 64))
    with pytest.raises(ValueError, match="multiple of the input channels"):
        MaxxVitConvNeXtBlock(96, strides=2).build((None, 8, 8, 64))
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


@pytest.mark.filterwarnings("ignore::UserWarning")  # timm's interpolation helper on recent PyTorch
def test_resize_tf_rel_pos_bias_table_matches_timm():
    """TF MaxViT's `(heads, 2Wh-1, 2Ww-1)` tables, as `maxvit_*_tf` checkpoints hold them."""
    table = np.random.default_rng(5).standard_normal((3, 13, 13)).astype("float32")
    for window in ((4, 6), (12, 12), (7, 7)):
        new_shape = (3, 2 * window[0] - 1, 2 * window[1] - 1)
        expected = timm_resize_rel_pos_bias_table(
            torch.from_numpy(table), new_window_size=window, new_bias_shape=new_shape
        ).numpy()
        got = resize_rel_pos_bias_table(table, window, new_shape)
        assert got.shape == expected.shape == new_shape, window
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6, err_msg=str(window))


def test_builder_arguments_and_bad_input():
    with pytest.raises(ValueError, match="multiple of 32"):
        create_model(NAME, img_size=200)
    with pytest.raises(ValueError, match="in_chans"):
        create_model(NAME, in_chans=0)
    with pytest.raises(ValueError, match="Unknown model"):
        create_model("coatnet_0_224")  # the paper configuration (expand_first=True) is not ported
    # every architecture of timm's maxxvit.py with pretrained weights, in timm's names and tags
    expected = set(timm.list_models(module="maxxvit", pretrained=True))
    assert set(list_models(pretrained=True)) >= expected


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


@slow_on_jax
@pytest.mark.filterwarnings("ignore::UserWarning")  # timm's interpolation helper on recent PyTorch
def test_maxvit_tf_img_size_matches_timm_pretrained_adaptation():
    """timm's pretrained loading of a 224x224 maxvit_tiny_tf state into `img_size=(64, 96)`: the
    partitions become 2x3 (img_size // 32), so `checkpoint_filter_fn` resizes every TF table from
    13x13 to 3x5 offsets. Ours: the builder and the registered checkpoint filter, from the same state."""
    name, img_size = "maxvit_tiny_tf_224", (64, 96)
    source = randomized(lambda: timm.create_model(name, pretrained=False), noise=noise)
    state = numpy_state(source)
    del source
    timm_model = timm.create_model(name, pretrained=False, img_size=img_size).eval()
    timm_model.load_state_dict(mx.checkpoint_filter_fn({k: torch.from_numpy(v) for k, v in state.items()}, timm_model))

    model = create_model(name, img_size=img_size)
    filtered = model_entry(name).checkpoint_filter(state, model)
    assert filtered["stages.0.blocks.0.attn_grid.attn.rel_pos.relative_position_bias_table"].shape == (2, 3, 5)
    assert load_pretrained(model, state).ok

    images = np.random.default_rng(3).standard_normal((2, *img_size, 3)).astype("float32")
    with torch.no_grad():
        expected = timm_model(nchw(images)).numpy()
    error = np.abs(predict(model, images) - expected).max()
    assert error <= 1e-4 * max(1.0, np.abs(expected).max()), f"max |keras - timm| = {error:.3g}"
