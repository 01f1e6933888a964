"""timm's eva.py family against timm: the rotary tables and their application against timm's
`RotaryEmbeddingCat`, `RotaryEmbeddingDinoV3`, `RotaryEmbeddingMixed` (learned frequencies) and
`apply_rot_embed_cat` (both layouts); `EvaAttention`, `AttentionRope`, `EvaBlock` and
`EvaBlockPostNorm` in every layout the pretrained models use against timm's modules (random weights
moved off their initial values, a flipped weight that must fail); the architecture table against
timm's constructors; the registered set and its pretrained configs against timm's; every
architecture's keys and shapes against timm's meta model; the smallest, eva02_tiny_patch14_224, whole
(logits, pooled features, feature maps, strict load, export through timm's strict `load_state_dict`);
the smallest of each other kind whole (DINOv3, ROPE-ViT mixed, Perception Encoder, and, slow, SBB
rope, ROPE-ViT axial, Sapiens2); and timm's `checkpoint_filter_fn` (another `img_size`, the original
EVA, DINOv3, Perception Encoder and Sapiens2 layouts).

The blocks' Keras conformance is in tests/layers/test_conformance.py (specs in
tests/layers/family_specs/eva.py).
"""

from __future__ import annotations

import copy
import dataclasses
import functools

import numpy as np
import pytest
import timm
import timm.models.eva as te
import torch
from timm.layers import AttentionRope as TimmAttentionRope
from timm.layers.pos_embed_sincos import RotaryEmbeddingCat as TimmRotaryEmbeddingCat
from timm.layers.pos_embed_sincos import RotaryEmbeddingDinoV3 as TimmRotaryEmbeddingDinoV3
from timm.layers.pos_embed_sincos import RotaryEmbeddingMixed as TimmRotaryEmbeddingMixed
from timm.layers.pos_embed_sincos import apply_rot_embed_cat as timm_apply_rot_embed_cat
from timm.models._features import FeatureGetterNet

import keras
import luximm_keras.models.eva as eva
from luximm_keras.initializers import deferred_initialization
from luximm_keras.interop import export_timm_weights, load_timm_weights
from luximm_keras.layers.attention_rope import AttentionRope
from luximm_keras.layers.pos_embed_sincos import (
    RotaryEmbeddingCat,
    RotaryEmbeddingDinoV3,
    RotaryEmbeddingMixed,
    apply_rot_embed_cat,
)
from luximm_keras.models import (
    create_model,
    get_pretrained_cfg,
    list_models,
    load_pretrained,
    model_entry,
    timm_shapes,
)
from luximm_keras.models._builder import BuildArgs
from luximm_keras.models.eva import EvaAttention, EvaBlock, EvaBlockPostNorm, EvaCfg, model_cfgs
from model_checks import (  # tests/models/model_checks.py
    NOISE,
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

NAME = "eva02_tiny_patch14_224"  # the smallest EVA-02 architecture
NUM_CLASSES = 10  # its pretrained tag has no head: give both models one


def eva_architectures() -> set[str]:
    return {name for name in list_models() if model_entry(name).builder.__module__ == eva.__name__}


def timm_pretrained_eva() -> set[str]:
    """The pretrained `eva.py` entries: this family covers them all."""
    return set(timm.list_models(module="eva", pretrained=True))


# ----------------------------------------------------------------------------------------------------
# Rotary embeddings

ROPES = {
    "eva02-224": dict(dim=64, feat_shape=(16, 16), in_pixels=False, ref_feat_shape=(16, 16)),
    "eva02-336-rescaled": dict(dim=64, feat_shape=(24, 24), in_pixels=False, ref_feat_shape=(16, 16)),
    "non-square-offset": dict(dim=32, feat_shape=(5, 7), in_pixels=False, grid_offset=0.5, temperature=100.0),
    "pixels-xy": dict(dim=16, feat_shape=(3, 6), in_pixels=True, grid_indexing="xy", max_res=64),
}


ROPES.update({
    "rope-vit-axial-xy": dict(dim=64, feat_shape=(14, 14), in_pixels=False, grid_indexing="xy", temperature=100.0),
    "pe-offset-xy": dict(dim=64, feat_shape=(6, 4), in_pixels=False, grid_offset=1.0, grid_indexing="xy", ref_feat_shape=(24, 24)),
    "half-layout": dict(dim=32, feat_shape=(3, 5), in_pixels=False, rotate_half=True),
})
DINOV3_ROPES = {
    "dinov3-256": dict(dim=64, feat_shape=(16, 16), temperature=100.0),
    "non-square-xy-offset": dict(dim=32, feat_shape=(5, 7), temperature=100.0, grid_indexing="xy", grid_offset=0.5),
    "min-norm-interleaved": dict(dim=32, feat_shape=(4, 6), temperature=100.0, normalize_coords="min", rotate_half=False),
    "max-norm-periods": dict(dim=32, feat_shape=(6, 4), temperature=None, min_period=0.5, max_period=50.0, normalize_coords="max"),
}


def _check_rotation(table, expected, dim, half, atol):
    # applied to (B, heads, N, dim) in timm, (B, N, heads, dim) here
    x = np.random.default_rng(0).standard_normal((2, 3, table.shape[0], dim)).astype("float32")
    want = timm_apply_rot_embed_cat(torch.from_numpy(x), torch.from_numpy(expected), half=half).numpy()
    got = keras.ops.convert_to_numpy(apply_rot_embed_cat(x.transpose(0, 2, 1, 3), table[:, None], half=half))
    np.testing.assert_allclose(got.transpose(0, 2, 1, 3), want, rtol=1e-5, atol=atol)
    # the rotation is not the identity, and the other layout's is another: a wrong layout would show
    assert np.abs(want - x).max() > 0.1
    other = keras.ops.convert_to_numpy(apply_rot_embed_cat(x.transpose(0, 2, 1, 3), table[:, None], half=not half))
    assert np.abs(other.transpose(0, 2, 1, 3) - want).max() > 0.1


@pytest.mark.parametrize("kwargs", DINOV3_ROPES.values(), ids=DINOV3_ROPES.keys())
def test_dinov3_rope_table_and_rotation_match_timm(kwargs):
    """timm's eval table (its coordinate augmentation acts in training only, and none is set here)."""
    expected = TimmRotaryEmbeddingDinoV3(**kwargs).eval().get_embed().numpy()
    table = RotaryEmbeddingDinoV3(**kwargs).get_embed()
    assert table.shape == expected.shape == (int(np.prod(kwargs["feat_shape"])), 2 * kwargs["dim"])
    np.testing.assert_allclose(table, expected, rtol=0, atol=1e-6)
    _check_rotation(table, expected, kwargs["dim"], kwargs.get("rotate_half", True), 4e-6)


def test_dinov3_rope_training_augmentation_is_timms_training_only():
    """timm draws new coordinates per call in training when an augmentation is set (Sapiens2's
    `rope_rescale_coords`); in eval its table is the plain one, which is the table here."""
    kwargs = dict(dim=32, feat_shape=(4, 4), temperature=100.0)
    module = TimmRotaryEmbeddingDinoV3(**kwargs, rescale_coords=2.0)
    plain = RotaryEmbeddingDinoV3(**kwargs).get_embed()
    np.testing.assert_allclose(module.eval().get_embed().numpy(), plain, rtol=0, atol=1e-6)
    torch.manual_seed(0)
    assert np.abs(module.train().get_embed().numpy() - plain).max() > 1e-3


def test_mixed_rope_matches_timm_and_loads_its_freqs():
    """ROPE-ViT's learned frequencies: timm's `rope.freqs` loaded into the Keras variable, every
    block's table equal to timm's `get_embed()`, and a flipped frequency no longer."""
    dim, depth, heads, grid = 96, 3, 3, (5, 7)
    module = randomized(lambda: TimmRotaryEmbeddingMixed(dim, depth=depth, num_heads=heads, feat_shape=list(grid)))
    module.eval()
    layer = RotaryEmbeddingMixed(dim, depth, heads, grid, name="rope")
    x = np.zeros((1, 1 + grid[0] * grid[1], dim), "float32")
    layer.build(x.shape)
    state = numpy_state(module)
    assert sorted(state) == ["freqs"]
    report = load_timm_weights(layer, state)
    assert report.ok and report.loaded == ["freqs"], report.describe()
    with torch.no_grad():
        expected = module.get_embed().numpy()  # (depth, heads, N, 2 * head_dim)
    got = keras.ops.convert_to_numpy(layer(x)).transpose(0, 2, 1, 3)
    np.testing.assert_allclose(got, expected, rtol=0, atol=2e-6)
    load_timm_weights(layer, {"freqs": -state["freqs"]}, strict=False)
    assert np.abs(keras.ops.convert_to_numpy(layer(x)).transpose(0, 2, 1, 3) - expected).max() > 0.1
    assert RotaryEmbeddingMixed.from_config(layer.get_config()).get_config() == layer.get_config()


def test_mixed_rope_initial_frequencies_repeat_after_set_random_seed():
    def initial_freqs(seed):
        keras.utils.set_random_seed(seed)
        layer = RotaryEmbeddingMixed(32, 2, 2, (2, 3))
        layer.build((1, 7, 32))
        return keras.ops.convert_to_numpy(layer.freqs)

    first = initial_freqs(3)
    np.testing.assert_array_equal(initial_freqs(3), first)
    assert np.abs(initial_freqs(4) - first).max() > 1e-3


@pytest.mark.parametrize("kwargs", ROPES.values(), ids=ROPES.keys())
def test_rope_table_and_rotation_match_timm(kwargs):
    expected = TimmRotaryEmbeddingCat(**kwargs).get_embed().numpy()
    table = RotaryEmbeddingCat(**kwargs).get_embed()
    assert table.shape == expected.shape == (int(np.prod(kwargs["feat_shape"])), 2 * kwargs["dim"])
    # pixel bands reach ~100 rad: one float32 step of a band there is ~6e-6 in the angle (numpy's
    # linspace rounds once, torch's per step); EVA-02's inverse-frequency bands agree to 1e-6
    np.testing.assert_allclose(table, expected, rtol=0, atol=1e-5 if kwargs["in_pixels"] else 1e-6)
    _check_rotation(table, expected, kwargs["dim"], kwargs.get("rotate_half", False),
                    4e-5 if kwargs["in_pixels"] else 4e-6)


# ----------------------------------------------------------------------------------------------------
# The blocks against timm's modules

GRID = (3, 4)
TOKENS = 1 + GRID[0] * GRID[1]  # a class token and the patches
LN = functools.partial(timm.layers.LayerNorm, eps=1e-6)


def _timm_rope(dim: int, num_heads: int) -> torch.Tensor:
    return TimmRotaryEmbeddingCat(
        dim // num_heads, in_pixels=False, feat_shape=list(GRID), ref_feat_shape=(16, 16)
    ).get_embed()


def _compare(module, layer, x, call, flip: str, name: str):
    """`layer` against timm's `module` with the same weights (every key loaded), then with `flip` negated."""
    state = numpy_state(module)
    layer.build(x.shape)
    report = load_timm_weights(layer, state)
    assert report.ok and sorted(report.loaded) == sorted(state), f"{name}: {report.describe()}"
    with torch.no_grad():
        expected = call(module, torch.from_numpy(x)).numpy()
    assert_block_close(keras.ops.convert_to_numpy(layer(x)), expected, name)
    load_timm_weights(layer, {flip: -state[flip]}, strict=False)
    with pytest.raises(AssertionError):
        assert_block_close(keras.ops.convert_to_numpy(layer(x)), expected, f"{name} with {flip} flipped")


# timm's EvaAttention arguments as the pretrained models set them, ours, the tensor to flip.
ATTENTIONS = {
    "eva02-tiny-fused-rope": (dict(qkv_fused=True), dict(qkv_fused=True), "q_bias"),
    "eva02-base-unfused-rope": (dict(qkv_fused=False), dict(qkv_fused=False), "k_proj.weight"),
    "eva02-clip-scale-norm": (dict(qkv_fused=False, scale_norm=True), dict(qkv_fused=False, scale_norm=True), "norm.weight"),
    "giant-no-rope": (dict(qkv_fused=True), dict(qkv_fused=True), "v_bias"),
    "qk-norm-no-bias": (dict(qkv_bias=False, qk_norm=True), dict(qkv_bias=False, qk_norm=True), "k_norm.weight"),
}


@pytest.mark.parametrize("variant", ATTENTIONS)
def test_eva_attention_matches_timm(variant):
    timm_kwargs, our_kwargs, flip = ATTENTIONS[variant]
    dim, heads = 48, 3
    use_rope = "no-rope" not in variant
    timm_kwargs = {"scale_norm": False, **timm_kwargs}  # timm's EvaAttention defaults to scale_norm=True
    module = randomized(lambda: te.EvaAttention(dim, num_heads=heads, norm_layer=LN, **timm_kwargs))
    rope = _timm_rope(dim, heads) if use_rope else None
    layer = EvaAttention(
        dim, num_heads=heads, rope_grid_size=GRID if use_rope else None, rope_ref_feat_shape=(16, 16), **our_kwargs
    )
    x = np.random.default_rng(1).standard_normal((2, TOKENS, dim)).astype("float32")
    _compare(module, layer, x, lambda m, t: m(t, rope=rope), flip, variant)
    assert EvaAttention.from_config(layer.get_config()).get_config() == layer.get_config()


# timm's EvaBlock arguments as each architecture group sets them, and ours.
BLOCKS = {
    "eva02-tiny": (dict(mlp_ratio=4 * 2 / 3, swiglu_mlp=True), "mlp.fc1.weight"),
    "eva02-base": (dict(mlp_ratio=4 * 2 / 3, swiglu_mlp=True, scale_mlp=True, qkv_fused=False), "mlp.norm.weight"),
    "eva02-clip": (
        dict(mlp_ratio=4 * 2 / 3, swiglu_mlp=True, scale_mlp=True, qkv_fused=False, scale_attn_inner=True),
        "attn.norm.bias",
    ),
    "giant": (dict(mlp_ratio=6144 / 1408), "mlp.fc2.weight"),
    "layer-scale": (dict(mlp_ratio=2.0, init_values=0.1), "gamma_2"),
}


@pytest.mark.parametrize("variant", BLOCKS)
def test_eva_block_matches_timm(variant):
    kwargs, flip = BLOCKS[variant]
    dim, heads = 48, 3
    use_rope = variant.startswith("eva02")
    module = randomized(lambda: te.EvaBlock(dim, heads, norm_layer=LN, **kwargs))
    rope = _timm_rope(dim, heads) if use_rope else None
    rope_args = dict(rope_grid_size=GRID, rope_ref_feat_shape=(16, 16)) if use_rope else {}
    block = EvaBlock(dim, heads, **kwargs, **rope_args)
    x = np.random.default_rng(1).standard_normal((2, TOKENS, dim)).astype("float32")
    _compare(module, block, x, lambda m, t: m(t, rope=rope), flip, variant)
    assert EvaBlock.from_config(block.get_config()).get_config() == block.get_config()


# The rotary tables of the newer models for GRID, as timm's modules make them, and ours' arguments.
def _rope_case(kind: str, head_dim: int):
    if kind == "dinov3":  # DINOv3, LingBot, Sapiens2
        table = TimmRotaryEmbeddingDinoV3(head_dim, temperature=100.0, feat_shape=list(GRID)).eval().get_embed()
        return table, dict(rope_grid_size=GRID, rope_type="dinov3", rope_temperature=100.0, rotate_half=True)
    if kind == "axial":  # ROPE-ViT
        table = TimmRotaryEmbeddingCat(
            head_dim, in_pixels=False, feat_shape=list(GRID), grid_indexing="xy", temperature=100.0).get_embed()
        return table, dict(rope_grid_size=GRID, rope_temperature=100.0, rope_grid_indexing="xy")
    if kind == "pe":  # Perception Encoder
        table = TimmRotaryEmbeddingCat(
            head_dim, in_pixels=False, feat_shape=list(GRID), grid_indexing="xy", grid_offset=1.0,
            ref_feat_shape=(24, 24)).get_embed()
        return table, dict(rope_grid_size=GRID, rope_grid_indexing="xy", rope_grid_offset=1.0, rope_ref_feat_shape=(24, 24))
    raise ValueError(kind)


def _compare_with_rope(module, layer, x, timm_rope, our_rope, flip: str, name: str):
    """`_compare` for layers that take the rope table as an argument (ROPE-ViT's mixed tables)."""
    state = numpy_state(module)
    layer.build(x.shape)
    report = load_timm_weights(layer, state)
    assert report.ok and sorted(report.loaded) == sorted(state), f"{name}: {report.describe()}"
    with torch.no_grad():
        expected = module(torch.from_numpy(x), rope=timm_rope).numpy()
    assert_block_close(keras.ops.convert_to_numpy(layer(x, rope=our_rope)), expected, name)
    load_timm_weights(layer, {flip: -state[flip]}, strict=False)
    with pytest.raises(AssertionError):
        assert_block_close(keras.ops.convert_to_numpy(layer(x, rope=our_rope)), expected, f"{name} with {flip} flipped")


RMS = functools.partial(timm.layers.RmsNorm, eps=1e-6)
LN5 = functools.partial(timm.layers.LayerNorm, eps=1e-5)
# timm's AttentionRope arguments as the pretrained models set them, its norm, ours, the rope, the flip.
ROPE_ATTENTIONS = {
    "rope-vit-axial": (dict(), LN, dict(), "axial", 1, "qkv.bias"),
    "pe": (dict(), LN5, dict(epsilon=1e-5), "pe", 1, "proj.bias"),
    "sapiens2-gqa-qk-rmsnorm": (
        dict(qkv_fused=False, qk_norm=True, num_kv_heads=2, rotate_half=True), RMS,
        dict(qkv_fused=False, qk_norm=True, num_kv_heads=2, norm_layer="rmsnorm"), "dinov3", 9, "k_proj.bias",
    ),
    "no-rope-scale-norm-no-proj-bias": (
        dict(scale_norm=True, proj_bias=False, qkv_bias=False), LN, dict(scale_norm=True, proj_bias=False, qkv_bias=False),
        None, 1, "norm.weight",
    ),
}


@pytest.mark.parametrize("variant", ROPE_ATTENTIONS)
def test_attention_rope_matches_timm(variant):
    timm_kwargs, norm, our_kwargs, rope_kind, npt, flip = ROPE_ATTENTIONS[variant]
    dim, heads = 64, 4
    module = randomized(lambda: TimmAttentionRope(
        dim, num_heads=heads, num_prefix_tokens=npt, norm_layer=norm, **timm_kwargs))
    rope, rope_args = _rope_case(rope_kind, dim // heads) if rope_kind else (None, {})
    layer = AttentionRope(dim, num_heads=heads, num_prefix_tokens=npt, **our_kwargs, **rope_args)
    x = np.random.default_rng(1).standard_normal((2, npt + GRID[0] * GRID[1], dim)).astype("float32")
    _compare(module, layer, x, lambda m, t: m(t, rope=rope), flip, variant)
    assert AttentionRope.from_config(layer.get_config()).get_config() == layer.get_config()


@pytest.mark.parametrize("qkv_bias", [True, False], ids=["qkvb", "no-bias"])
def test_dinov3_eva_attention_matches_timm(qkv_bias):
    """DINOv3's attention: EvaAttention with its rope in the half layout after 1 + 4 prefix tokens."""
    dim, heads, npt = 48, 3, 5
    module = randomized(lambda: te.EvaAttention(
        dim, num_heads=heads, qkv_bias=qkv_bias, num_prefix_tokens=npt, scale_norm=False, rotate_half=True,
        norm_layer=LN5))
    rope, rope_args = _rope_case("dinov3", dim // heads)
    layer = EvaAttention(dim, num_heads=heads, qkv_bias=qkv_bias, num_prefix_tokens=npt, **rope_args)
    x = np.random.default_rng(1).standard_normal((2, npt + GRID[0] * GRID[1], dim)).astype("float32")
    _compare(module, layer, x, lambda m, t: m(t, rope=rope), "q_bias" if qkv_bias else "qkv.weight", "dinov3")


# timm's EvaBlock arguments of the newer models, their norm, ours, the rope, prefix tokens, the flip.
NEW_BLOCKS = {
    "dinov3-plus-aligned-swiglu": (
        dict(qkv_bias=False, mlp_ratio=2.9, swiglu_mlp=True, swiglu_align_to=8, init_values=1e-5, rotate_half=True),
        LN5, dict(qkv_bias=False, mlp_ratio=2.9, swiglu_mlp=True, swiglu_align_to=8, init_values=1e-5, epsilon=1e-5),
        "dinov3", 5, "mlp.fc1_g.weight",
    ),
    "sapiens2-gqa-attn-only-layer-scale": (
        dict(attn_type="rope", qkv_fused=False, qk_norm=True, num_kv_heads=1, swiglu_mlp=True, init_values=1.0,
             attn_only_layer_scale=True, rotate_half=True),
        RMS, dict(attn_type="rope", qkv_fused=False, qk_norm=True, num_kv_heads=1, swiglu_mlp=True, init_values=1.0,
                  attn_only_layer_scale=True, norm_layer="rmsnorm"),
        "dinov3", 9, "gamma_1",
    ),
    "rope-vit-axial": (
        dict(attn_type="rope", init_values=1e-5), LN, dict(attn_type="rope", init_values=1e-5), "axial", 1, "gamma_2",
    ),
    "pe-lang": (
        dict(attn_type="rope", init_values=0.1), LN5, dict(attn_type="rope", init_values=0.1, epsilon=1e-5), "pe", 1,
        "attn.qkv.weight",
    ),
}


@pytest.mark.parametrize("variant", NEW_BLOCKS)
def test_newer_eva_blocks_match_timm(variant):
    timm_kwargs, norm, our_kwargs, rope_kind, npt, flip = NEW_BLOCKS[variant]
    dim, heads = 48, 3
    module = randomized(lambda: te.EvaBlock(dim, heads, num_prefix_tokens=npt, norm_layer=norm, **timm_kwargs))
    rope, rope_args = _rope_case(rope_kind, dim // heads)
    block = EvaBlock(dim, heads, num_prefix_tokens=npt, **our_kwargs, **rope_args)
    x = np.random.default_rng(1).standard_normal((2, npt + GRID[0] * GRID[1], dim)).astype("float32")
    _compare(module, block, x, lambda m, t: m(t, rope=rope), flip, variant)
    assert EvaBlock.from_config(block.get_config()).get_config() == block.get_config()


def test_mixed_rope_block_matches_timm():
    """ROPE-ViT mixed: the block takes its (learned) table as an argument, `(N, heads, 2 * head_dim)`
    here, `(heads, N, 2 * head_dim)` in timm."""
    dim, heads = 48, 3
    module = randomized(lambda: te.EvaBlock(dim, heads, attn_type="rope", init_values=1e-5, norm_layer=LN))
    rope = TimmRotaryEmbeddingMixed(dim, depth=2, num_heads=heads, feat_shape=list(GRID)).get_embed()[1].detach()
    block = EvaBlock(dim, heads, attn_type="rope", init_values=1e-5)
    x = np.random.default_rng(1).standard_normal((2, TOKENS, dim)).astype("float32")
    ours = np.ascontiguousarray(rope.numpy().transpose(1, 0, 2))
    _compare_with_rope(module, block, x, rope, ours, "attn.qkv.bias", "mixed")


def test_post_norm_block_matches_timm():
    """EVA-02 enormous's block: no rope, GELU MLP, norms after each branch."""
    dim, heads = 48, 3
    module = randomized(lambda: te.EvaBlockPostNorm(dim, heads, mlp_ratio=15360 / 1792, norm_layer=LN))
    block = EvaBlockPostNorm(dim, heads, mlp_ratio=15360 / 1792)
    x = np.random.default_rng(1).standard_normal((2, TOKENS, dim)).astype("float32")
    _compare(module, block, x, lambda m, t: m(t), "norm1.weight", "post-norm")
    assert EvaBlockPostNorm.from_config(block.get_config()).get_config() == block.get_config()


def test_blocks_refuse_bad_input():
    with pytest.raises(ValueError, match="divisible"):
        EvaAttention(50, num_heads=3)
    with pytest.raises(ValueError, match="need 13 tokens"):
        EvaAttention(48, num_heads=3, rope_grid_size=GRID).build((None, 12, 48))
    with pytest.raises(ValueError, match="width dim=48"):
        EvaBlock(48, 3).build((None, 13, 32))
    with pytest.raises(ValueError, match="qk_norm"):
        EvaBlockPostNorm(48, 3, qk_norm=True)
    with pytest.raises(ValueError, match="num_kv_heads"):
        AttentionRope(64, num_heads=4, num_kv_heads=3)
    with pytest.raises(ValueError, match="grouped-query"):
        AttentionRope(64, num_heads=4, num_kv_heads=2, qkv_fused=True)
    with pytest.raises(ValueError, match="grouped-query"):
        EvaAttention(64, num_heads=4, num_kv_heads=2)
    with pytest.raises(ValueError, match="attn_type"):
        EvaBlock(48, 3, attn_type="mrope")
    with pytest.raises(ValueError, match="rope_type"):
        AttentionRope(64, num_heads=4, rope_type="mrope", rope_grid_size=GRID)
    with pytest.raises(ValueError, match="divisible by 4"):
        RotaryEmbeddingMixed(36, depth=2, num_heads=6, feat_shape=GRID)


# ----------------------------------------------------------------------------------------------------
# The architecture table and the registered set


def _timm_constructor_args(name: str) -> dict:
    """The keyword arguments timm's `name()` gives `_create_eva` (no model is built)."""
    captured = {}

    def capture(variant, pretrained=False, **kwargs):
        captured.update(kwargs)
        raise StopIteration

    original = te._create_eva
    te._create_eva = capture
    try:
        getattr(te, name)()
    except StopIteration:
        pass
    finally:
        te._create_eva = original
    return captured


def _as_cfg_fields(args: dict) -> dict:
    """timm's `norm_layer` partial as `EvaCfg`'s `norm_layer`/`norm_eps` (timm's default when absent)."""
    args = dict(args)
    norm = args.pop("norm_layer", None)
    if norm is not None:
        assert norm.func in (timm.layers.LayerNorm, timm.layers.RmsNorm) and set(norm.keywords) == {"eps"}, norm
        args["norm_layer"] = "rmsnorm" if norm.func is timm.layers.RmsNorm else "layernorm"
        args["norm_eps"] = norm.keywords["eps"]
    return args


def test_the_architecture_table_is_timms_constructors():
    defaults = EvaCfg()
    for name, cfg in model_cfgs.items():
        args = _as_cfg_fields(_timm_constructor_args(name))
        for field, value in args.items():
            ours = getattr(cfg, field)
            assert (tuple(ours) if isinstance(ours, tuple) else ours) == (
                tuple(value) if isinstance(value, (tuple, list)) else value), f"{name}.{field}"
        for field in set(EvaCfg.__dataclass_fields__) - set(args) - {"img_size"}:
            assert getattr(cfg, field) == getattr(defaults, field), f"{name}.{field}"
        assert cfg.img_size == args.get("img_size", 224), name


def test_registered_set_is_timms_pretrained_eva():
    assert eva_architectures() == {name.split(".")[0] for name in timm_pretrained_eva()}
    ours = {name for name in list_models(pretrained=True) if name.split(".")[0] in eva_architectures()}
    assert ours == timm_pretrained_eva()
    eva02 = {n for n in eva_architectures() if n.startswith(("eva02_", "eva_giant_"))}
    assert min(eva02, key=lambda n: sum(p.numel() for p in timm.create_model(n, device="meta").parameters())) == NAME
    for name in eva_architectures():
        assert model_entry(name).checkpoint_filter is eva.checkpoint_filter_fn


def test_every_pretrained_config_equals_timms():
    for name in timm_pretrained_eva():
        # timm's to_dict keeps `pool_size: None`, ours drops every null field
        theirs = {k: v for k, v in timm.models.get_pretrained_cfg(name).to_dict().items() if v is not None}
        assert get_pretrained_cfg(name).to_dict() == theirs, name


# Built in Keras by default: the small ones, one or more of each kind; the others are slow.
SHAPES_BY_DEFAULT = {
    "eva02_tiny_patch14_224", "eva02_small_patch14_224", "eva02_base_patch14_224", "eva02_tiny_patch14_336",
    "eva02_small_patch14_336", "eva02_base_patch14_448", "eva02_base_patch16_clip_224",
    "vit_tiny_patch16_dinov3_qkvb", "vit_small_patch16_dinov3", "vit_small_plus_patch16_dinov3",
    "vit_small_patch16_rope_224", "vit_small_patch16_rope_mixed_ape_224", "vit_medium_patch16_rope_reg1_gap_256",
    "vit_pe_core_tiny_patch16_384", "vit_pe_spatial_tiny_patch16_512", "vit_small_patch16_lingbot",
}
# Too large to build here in float32 (0.6B to 6.7B parameters): their keys and shapes are checked at 2
# of their blocks (Sapiens2's: a full and a grouped-query block).
TRUNCATED = {
    name: 2 for name in model_cfgs
    if name.startswith(("eva02_enormous", "vit_7b", "vit_huge", "vit_giant", "vit_5b", "vit_pe_core_gigantic",
                        "vit_pe_lang_gigantic", "vit_pe_spatial_gigantic"))
}


def _truncated(name: str, depth: int) -> tuple[dict, EvaCfg]:
    """timm's arguments and our architecture for `name` cut to `depth` blocks."""
    cfg = model_cfgs[name]
    if not isinstance(cfg.num_kv_heads, tuple):
        return {"depth": depth}, dataclasses.replace(cfg, depth=depth)
    kv_heads = (cfg.num_kv_heads[0], min(cfg.num_kv_heads))[:depth]
    return {"depth": depth, "num_kv_heads": kv_heads}, dataclasses.replace(cfg, depth=depth, num_kv_heads=kv_heads)


@pytest.mark.parametrize(
    "name", [n if n in SHAPES_BY_DEFAULT else pytest.param(n, marks=pytest.mark.slow) for n in sorted(model_cfgs)],
)
def test_keys_and_shapes_match_timm(name):
    depth = TRUNCATED.get(name)
    timm_args, cfg = _truncated(name, depth) if depth else ({}, None)
    meta = timm.create_model(name, device="meta", **timm_args)
    expected = {k: tuple(v.shape) for k, v in meta.state_dict().items()}
    if depth:
        size = get_pretrained_cfg(name).input_size[1:]
        with deferred_initialization():  # zeros: only the keys and shapes are compared
            graph = eva.build_eva(cfg, name, BuildArgs(num_classes=get_pretrained_cfg(name).num_classes, img_size=size))
        model = keras.Model(graph.inputs, graph.outputs)
        assert timm_shapes(model) == expected
        return
    model = undrawn_model(name)
    assert timm_shapes(model) == expected
    assert model.feature_info == meta.feature_info


# ----------------------------------------------------------------------------------------------------
# The smallest architecture whole


@dataclasses.dataclass
class Oracle:
    model: torch.nn.Module
    state: dict[str, np.ndarray]
    images: np.ndarray  # NHWC
    logits: np.ndarray
    pooled: np.ndarray


@pytest.fixture(scope="module")
def oracle() -> Oracle:
    model = randomized(lambda: timm.create_model(NAME, pretrained=False, num_classes=NUM_CLASSES))
    images = np.random.default_rng(0).standard_normal((2, 224, 224, 3)).astype("float32")
    logits, pooled = timm_outputs(model, nchw(images))
    return Oracle(model, numpy_state(model), images, logits, pooled)


@pytest.fixture(scope="module")
def loaded(oracle):
    model = create_model(NAME, num_classes=NUM_CLASSES)
    return model, load_pretrained(model, oracle.state)


def test_layer_names_and_shapes(loaded):
    model, _ = loaded
    assert model.name == NAME
    names = {layer.name for layer in model.layers}
    assert {"patch_embed", "pos_embed", "blocks__0", "blocks__11", "fc_norm", "head"} <= names
    assert "norm" not in names  # timm: average pooling, so fc_norm and no final norm
    assert [type(model.get_layer(f"blocks__{i}")) for i in range(12)] == [EvaBlock] * 12
    assert model.get_layer("blocks__3").attn.rope_grid_size == (16, 16)
    assert tuple(model.input.shape) == (None, 224, 224, 3) and tuple(model.output.shape) == (None, NUM_CLASSES)


def test_every_timm_key_is_loaded_strictly(loaded, oracle):
    _, report = loaded
    assert report.ok and not report.reinitialized and not report.discarded, report.describe()
    assert sorted(report.loaded) == sorted(oracle.state)


def test_logits_match_timm(loaded, oracle):
    ours = predict(loaded[0], oracle.images)
    assert ours.shape == oracle.logits.shape == (2, NUM_CLASSES)
    assert_close_to_timm(ours, oracle.logits, NAME)


# Negating any one of these must move the logits past the tolerance.
FLIPPED_KEYS = ["blocks.2.attn.q_bias", "blocks.5.mlp.fc1.weight", "fc_norm.weight"]


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


def test_export_passes_timms_strict_load(loaded, oracle):
    exported = export_timm_weights(loaded[0])
    fresh = timm.create_model(NAME, pretrained=False, num_classes=NUM_CLASSES)
    fresh.load_state_dict({k: torch.from_numpy(v) for k, v in exported.items()}, strict=True)
    assert set(exported) == set(oracle.state)
    for key, value in exported.items():
        np.testing.assert_array_equal(value, oracle.state[key], err_msg=key)


@slow_on_jax
def test_pooled_features_and_feature_maps_match_timm(oracle):
    pooled = create_model(NAME, num_classes=0)
    report = load_pretrained(pooled, oracle.state)
    assert report.ok and sorted(report.discarded) == ["head.bias", "head.weight"]
    assert_close_to_timm(predict(pooled, oracle.images), oracle.pooled, f"{NAME} pooled")
    del pooled

    features = create_model(NAME, features_only=True, out_indices=(1, 11))
    assert load_pretrained(features, oracle.state).ok
    timm_features = FeatureGetterNet(copy.deepcopy(oracle.model), out_indices=(1, 11)).eval()  # timm's features_only
    assert features.feature_info == timm_features.feature_info.get_dicts()
    with torch.no_grad():
        expected = [m.numpy().transpose(0, 2, 3, 1) for m in timm_features(nchw(oracle.images))]
    got = features.predict(oracle.images, batch_size=2, verbose=0)
    for info, ours, want in zip(features.feature_info, got, expected, strict=True):
        assert_close_to_timm(ours, want, f"{NAME} {info['module']}")


# ----------------------------------------------------------------------------------------------------
# timm's checkpoint filter


@slow_on_jax
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_img_size_matches_timm_pretrained_adaptation(oracle):
    """The 224 px state into `img_size=168`: `pos_embed` resampled as timm's filter does, the rotary
    tables rebuilt for the 12x12 grid (rescaled onto 16x16), the outputs timm's."""
    # timm's pretrained path would drop the head (the tag has none): its filter and a strict load instead
    reference = timm.create_model(NAME, img_size=168, num_classes=NUM_CLASSES).eval()
    to_torch = {k: torch.from_numpy(v) for k, v in oracle.state.items()}
    reference.load_state_dict(te.checkpoint_filter_fn(to_torch, reference), strict=True)
    model = create_model(NAME, img_size=168, num_classes=NUM_CLASSES)
    filtered = eva.checkpoint_filter_fn(oracle.state, model)
    assert filtered["pos_embed"].shape == (1, 1 + 12 * 12, 192)
    np.testing.assert_allclose(filtered["pos_embed"], reference.pos_embed.detach().numpy(), rtol=0, atol=1e-5)
    assert load_pretrained(model, oracle.state).ok
    images = np.ascontiguousarray(oracle.images[:, :168, :168])
    logits, _ = timm_outputs(reference, nchw(images))
    assert_close_to_timm(predict(model, images), logits, f"{NAME} at 168 px")


def test_original_eva_key_names_are_renamed_as_timm(loaded, oracle):
    """The original EVA / OpenCLIP layout: `visual.` prefix, `mlp.w12`/`w3`, `rope.*` buffers,
    nested under `model`: timm's filter and ours give the same keys and values."""
    original = {}
    for key, value in oracle.state.items():
        key = key.replace("mlp.fc1", "mlp.w12").replace("mlp.fc2", "mlp.w3")
        original["visual." + key] = value
    original["visual.rope.freqs_cos"] = np.zeros((256, 64), "float32")
    original["text.token_embedding.weight"] = np.zeros((3, 4), "float32")
    nested = {"model": original}
    expected = te.checkpoint_filter_fn({"model": {k: torch.from_numpy(v) for k, v in original.items()}}, oracle.model)
    ours = eva.checkpoint_filter_fn(nested, loaded[0])
    assert sorted(ours) == sorted(expected) == sorted(oracle.state)
    for key, value in ours.items():
        np.testing.assert_array_equal(value, expected[key].numpy(), err_msg=key)


def test_unfused_original_biases_are_renamed_as_timm():
    """EVA-02 base/large originals keep `q_bias`/`v_bias` beside `q_proj`: timm moves them into the
    projections, and so does ours."""
    state = {
        "blocks.0.attn.q_proj.weight": np.ones((4, 4), "float32"),
        "blocks.0.attn.q_bias": np.arange(4, dtype="float32"),
        "blocks.0.attn.v_bias": -np.arange(4, dtype="float32"),
        "blocks.0.mlp.ffn_ln.weight": np.ones(4, "float32"),
        "blocks.0.attn.inner_attn_ln.bias": np.zeros(4, "float32"),
        "blocks.0.mlp.w1.weight": np.ones((4, 4), "float32"),
        "blocks.0.mlp.w2.weight": np.ones((4, 4), "float32"),
    }
    expected = te.checkpoint_filter_fn({k: torch.from_numpy(v) for k, v in state.items()}, None)
    ours = eva.checkpoint_filter_fn(state, keras.Sequential())
    assert sorted(ours) == sorted(expected)
    assert {"blocks.0.attn.q_proj.bias", "blocks.0.attn.v_proj.bias", "blocks.0.mlp.norm.weight",
            "blocks.0.attn.norm.bias", "blocks.0.mlp.fc1_g.weight", "blocks.0.mlp.fc1_x.weight"} <= set(ours)


# ----------------------------------------------------------------------------------------------------
# The newer kinds whole: the smallest of each (at a reduced image size where the default is large)


def _noise(name: str) -> float:
    # timm's layer scales start at 1e-5 and its heads at 1e-3 of their init: moved well off those, so
    # that every block and the head weigh in the logits (and a flipped weight shows).
    return 0.3 if "gamma" in name or name.startswith("head.") else NOISE


# kind: (architecture, img_size or None for timm's default, keys to flip)
WHOLE = {
    "dinov3": ("vit_tiny_patch16_dinov3_qkvb", (128, 128), ["reg_token", "blocks.3.attn.v_bias"]),
    "rope-mixed": ("vit_small_patch16_rope_mixed_224", (64, 64), ["rope.freqs", "blocks.5.attn.qkv.bias"]),
    "pe-core": ("vit_pe_core_tiny_patch16_384", (128, 128), ["attn_pool.latent", "pos_embed"]),
    "sbb-rope-reg": ("vit_medium_patch16_rope_reg1_gap_256", (128, 128), ["reg_token", "fc_norm.bias"]),
    "rope-axial-ape": ("vit_small_patch16_rope_ape_224", (112, 112), ["pos_embed", "blocks.2.gamma_1"]),
    "pe-spatial": ("vit_pe_spatial_tiny_patch16_512", (128, 128), ["blocks.11.mlp.fc2.weight"]),
    "dinov3-plus": ("vit_small_plus_patch16_dinov3", (128, 128), ["blocks.0.mlp.fc1_x.weight"]),
    "lingbot": ("vit_small_patch16_lingbot", (128, 128), ["cls_token"]),
    "sapiens2": ("vit_base_patch16_sapiens2", (64, 48), ["blocks.4.attn.k_norm.weight", "reg_token"]),
}
WHOLE_BY_DEFAULT = ("dinov3", "rope-mixed", "pe-core")


@pytest.mark.parametrize(
    "kind", [k if k in WHOLE_BY_DEFAULT else pytest.param(k, marks=pytest.mark.slow) for k in WHOLE],
)
def test_newer_kinds_whole_match_timm(kind):
    """Strict load of every timm key, logits, flipped weights that must move them, and the export
    through timm's strict `load_state_dict`."""
    name, size, flips = WHOLE[kind]
    kwargs = {} if size is None else {"img_size": size}
    reference = randomized(lambda: timm.create_model(name, num_classes=NUM_CLASSES, **kwargs), noise=_noise)
    rows, cols = reference.patch_embed.img_size
    images = np.random.default_rng(0).standard_normal((2, rows, cols, 3)).astype("float32")
    logits, _ = timm_outputs(reference, nchw(images))
    state = numpy_state(reference)

    model = create_model(name, num_classes=NUM_CLASSES, **kwargs)
    report = load_pretrained(model, state)
    assert report.ok and not report.reinitialized and not report.discarded, report.describe()
    assert sorted(report.loaded) == sorted(state)
    assert_close_to_timm(predict(model, images), logits, name)

    tolerance = 1e-4 * max(1.0, float(np.abs(logits).max()))
    weak = {}
    for key in flips:
        try:
            load_timm_weights(model, {key: -state[key]}, strict=False)
            error = float(np.abs(predict(model, images) - logits).max())
        finally:
            assert load_timm_weights(model, {key: state[key]}, strict=False).loaded == [key]
        if not error > 10 * tolerance:
            weak[key] = f"{error:.3g}"
    assert not weak, f"negating these moved the logits by only: {weak}"

    exported = export_timm_weights(model)
    fresh = timm.create_model(name, num_classes=NUM_CLASSES, **kwargs)
    fresh.load_state_dict({k: torch.from_numpy(v) for k, v in exported.items()}, strict=True)
    for key, value in exported.items():
        np.testing.assert_array_equal(value, state[key], err_msg=key)


def test_mixed_rope_freqs_are_a_trainable_variable():
    """ROPE-ViT mixed's learned frequencies are a Keras variable of the `rope` layer, trained with the
    rest (timm: `rope.freqs`, an `nn.Parameter`); the fixed tables are constants, not variables."""
    model = create_model("vit_small_patch16_rope_mixed_224", num_classes=0, img_size=(32, 32))
    rope = model.get_layer("rope")
    assert isinstance(rope, RotaryEmbeddingMixed)
    assert [v.path for v in rope.trainable_variables] == ["rope/freqs"]
    assert tuple(rope.freqs.shape) == (2, 12, 6, 32)
    dinov3 = create_model("vit_tiny_patch16_dinov3_qkvb", num_classes=0, img_size=(32, 32))
    assert not any("rope" in v.path for v in dinov3.variables)


# ----------------------------------------------------------------------------------------------------
# timm's conversions of the original DINOv3, Perception Encoder and Sapiens2 layouts


def _as_torch(state: dict) -> dict:
    return {k: torch.from_numpy(np.asarray(v)) for k, v in state.items()}


def _assert_same_filtered(ours: dict, theirs: dict):
    assert sorted(ours) == sorted(theirs)
    for key, value in ours.items():
        np.testing.assert_array_equal(np.asarray(value), theirs[key].numpy(), err_msg=key)


@pytest.mark.parametrize("name", ["vit_tiny_patch16_dinov3_qkvb", "vit_small_patch16_dinov3"])
def test_dinov3_original_layout_is_converted_as_timm(name):
    """Meta's DINOv3 keys (`storage_tokens`, `ls1/ls2.gamma`, a packed `qkv.bias`, the `periods`
    buffer, `mask_token`, EUPE's `projectors.*`): timm's filter and ours agree, and the result loads
    strictly (the packed bias split into `q_bias`/`v_bias`, or dropped by the bias-free model)."""
    depth = 2
    reference = randomized(lambda: timm.create_model(name, depth=depth))
    state = numpy_state(reference)
    original = {}
    for key, value in state.items():
        key = key.replace("reg_token", "storage_tokens").replace("gamma_1", "ls1.gamma").replace("gamma_2", "ls2.gamma")
        original[key] = value
    for i in range(depth):
        q = state.get(f"blocks.{i}.attn.q_bias", np.full(192 if "tiny" in name else 384, 0.5, "float32"))
        v = state.get(f"blocks.{i}.attn.v_bias", -q)
        original.pop(f"blocks.{i}.attn.q_bias", None)
        original.pop(f"blocks.{i}.attn.v_bias", None)
        original[f"blocks.{i}.attn.qkv.bias"] = np.concatenate([q, np.zeros_like(q), v])
        original[f"blocks.{i}.attn.qkv.bias_mask"] = np.ones(3 * q.shape[0], "float32")
    original["rope_embed.periods"] = np.ones(8, "float32")
    original["mask_token"] = np.zeros((1, state["cls_token"].shape[-1]), "float32")
    original["projectors.0.weight"] = np.zeros((4, 4), "float32")
    model = keras.Model(*_graph(name, depth))
    expected = te.checkpoint_filter_fn(_as_torch(original), reference)
    ours = eva.checkpoint_filter_fn(original, model)
    _assert_same_filtered(ours, expected)
    assert sorted(ours) == sorted(state)
    assert load_timm_weights(model, ours).ok


def _graph(name: str, depth: int):
    cfg = dataclasses.replace(model_cfgs[name], depth=depth)
    graph = eva.build_eva(cfg, name, BuildArgs(num_classes=0, img_size=(32, 32)))
    return graph.inputs, graph.outputs


def test_perception_encoder_original_layout_is_converted_as_timm():
    """Meta's PE layout (OpenCLIP-like `visual.*`): timm's `_convert_pe` and ours agree."""
    rng = np.random.default_rng(0)
    d, n = 8, 5

    def r(*shape):
        return rng.standard_normal(shape).astype("float32")

    original = {
        "visual.conv1.weight": r(d, 3, 16, 16), "visual.class_embedding": r(d), "visual.positional_embedding": r(n, d),
        "visual.ln_pre.weight": r(d), "visual.ln_post.bias": r(d), "visual.proj": r(d, 6),
        "visual.transformer.resblocks.0.ln_1.weight": r(d), "visual.transformer.resblocks.0.ln_2.bias": r(d),
        "visual.transformer.resblocks.0.attn.in_proj_weight": r(3 * d, d),
        "visual.transformer.resblocks.0.attn.in_proj_bias": r(3 * d),
        "visual.transformer.resblocks.0.attn.out_proj.weight": r(d, d),
        "visual.transformer.resblocks.0.ls_1.gamma": r(d), "visual.transformer.resblocks.0.ls_2.gamma": r(d),
        "visual.transformer.resblocks.0.mlp.c_fc.weight": r(4 * d, d),
        "visual.transformer.resblocks.0.mlp.c_proj.bias": r(d),
        "visual.attn_pool.probe": r(1, 1, d), "visual.attn_pool.attn.in_proj_weight": r(3 * d, d),
        "visual.attn_pool.attn.in_proj_bias": r(3 * d), "visual.attn_pool.attn.out_proj.weight": r(d, d),
        "visual.attn_pool.layernorm.weight": r(d), "visual.attn_pool.mlp.c_fc.weight": r(4 * d, d),
        "text.token_embedding.weight": r(3, d),
    }
    expected = te.checkpoint_filter_fn({"model": _as_torch(original)}, None)
    ours = eva.checkpoint_filter_fn({"model": original}, keras.Sequential())
    _assert_same_filtered(ours, expected)
    assert {"cls_token", "pos_embed", "head.weight", "head.bias", "attn_pool.q.weight", "attn_pool.kv.bias",
            "attn_pool.latent", "blocks.0.attn.qkv.weight", "blocks.0.gamma_1", "norm_pre.weight"} <= set(ours)


def test_sapiens2_original_layout_is_renamed_as_timm():
    """Meta's Sapiens2 keys (`wq/wk/wv`, `ffn.w12/w3`, `ln1/ln2`, the attention's own layer scale,
    `storage_tokens`): timm's filter and ours agree."""
    rng = np.random.default_rng(0)
    d = 8
    original = {
        "cls_token": (1, 1, d), "storage_tokens": (1, 8, d), "mask_token": (1, d),
        "patch_embed.projection.weight": (d, 3, 16, 16), "patch_embed.projection.bias": (d,),
        "blocks.0.attn.wq.weight": (d, d), "blocks.0.attn.wk.bias": (d // 2,), "blocks.0.attn.wv.weight": (d // 2, d),
        "blocks.0.attn.q_norm.weight": (4,), "blocks.0.attn.gamma.weight": (d,),
        "blocks.0.ffn.w12.weight": (8 * d, d), "blocks.0.ffn.w3.weight": (d, 4 * d),
        "blocks.0.ln1.weight": (d,), "blocks.0.ln2.weight": (d,), "ln1.weight": (d,), "rope_embed.periods": (4,),
    }
    original = {k: rng.standard_normal(shape).astype("float32") for k, shape in original.items()}
    meta = timm.create_model("vit_base_patch16_sapiens2", device="meta")
    expected = te.checkpoint_filter_fn(_as_torch(original), meta)
    ours = eva.checkpoint_filter_fn(original, keras.Sequential())
    _assert_same_filtered(ours, expected)
    assert {"reg_token", "patch_embed.proj.weight", "blocks.0.attn.k_proj.bias", "blocks.0.gamma_1",
            "blocks.0.mlp.fc1.weight", "blocks.0.mlp.fc2.weight", "blocks.0.norm1.weight", "norm.weight"} <= set(ours)
