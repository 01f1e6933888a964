"""EVA / EVA-02 against timm: the rotary tables and their application against timm's
`RotaryEmbeddingCat` and `apply_rot_embed_cat`; `EvaAttention`, `EvaBlock` and `EvaBlockPostNorm` in
every layout the pretrained models use against timm's modules (random weights moved off their
initial values, a flipped weight that must fail); the architecture table against timm's constructors;
the registered set and its pretrained configs against timm's; every architecture's keys and shapes
against timm's meta model; the smallest, eva02_tiny_patch14_224, whole (logits, pooled features,
feature maps, strict load, export through timm's strict `load_state_dict`); and timm's
`checkpoint_filter_fn` (another `img_size`, the original EVA key names).

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
from timm.models._features import FeatureGetterNet
from timm.layers.pos_embed_sincos import RotaryEmbeddingCat as TimmRotaryEmbeddingCat
from timm.layers.pos_embed_sincos import apply_rot_embed_cat as timm_apply_rot_embed_cat

import keras
import luximm_keras.models.eva as eva
from luximm_keras.interop import export_timm_weights, load_timm_weights
from luximm_keras.layers.pos_embed_sincos import RotaryEmbeddingCat, apply_rot_embed_cat
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
    assert_block_close,
    assert_close_to_timm,
    nchw,
    numpy_state,
    predict,
    randomized,
    slow_on_jax,
    timm_outputs,
)

NAME = "eva02_tiny_patch14_224"  # the smallest registered architecture
NUM_CLASSES = 10  # its pretrained tag has no head: give both models one


def eva_architectures() -> set[str]:
    return {name for name in list_models() if model_entry(name).builder.__module__ == eva.__name__}


def timm_pretrained_eva() -> set[str]:
    """The pretrained `eva.py` entries this family covers (EVA-02 and EVA giant)."""
    return {n for n in timm.list_models(module="eva", pretrained=True) if n.startswith(("eva02_", "eva_giant_"))}


# ----------------------------------------------------------------------------------------------------
# Rotary embeddings

ROPES = {
    "eva02-224": dict(dim=64, feat_shape=(16, 16), in_pixels=False, ref_feat_shape=(16, 16)),
    "eva02-336-rescaled": dict(dim=64, feat_shape=(24, 24), in_pixels=False, ref_feat_shape=(16, 16)),
    "non-square-offset": dict(dim=32, feat_shape=(5, 7), in_pixels=False, grid_offset=0.5, temperature=100.0),
    "pixels-xy": dict(dim=16, feat_shape=(3, 6), in_pixels=True, grid_indexing="xy", max_res=64),
}


@pytest.mark.parametrize("kwargs", ROPES.values(), ids=ROPES.keys())
def test_rope_table_and_rotation_match_timm(kwargs):
    expected = TimmRotaryEmbeddingCat(**kwargs).get_embed().numpy()
    table = RotaryEmbeddingCat(**kwargs).get_embed()
    assert table.shape == expected.shape == (int(np.prod(kwargs["feat_shape"])), 2 * kwargs["dim"])
    # pixel bands reach ~100 rad: one float32 step of a band there is ~6e-6 in the angle (numpy's
    # linspace rounds once, torch's per step); EVA-02's inverse-frequency bands agree to 1e-6
    np.testing.assert_allclose(table, expected, rtol=0, atol=1e-5 if kwargs["in_pixels"] else 1e-6)
    # applied to (B, heads, N, dim) in timm, (B, N, heads, dim) here
    x = np.random.default_rng(0).standard_normal((2, 3, table.shape[0], kwargs["dim"])).astype("float32")
    want = timm_apply_rot_embed_cat(torch.from_numpy(x), torch.from_numpy(expected)).numpy()
    got = keras.ops.convert_to_numpy(apply_rot_embed_cat(x.transpose(0, 2, 1, 3), table[:, None]))
    np.testing.assert_allclose(got.transpose(0, 2, 1, 3), want, rtol=1e-5, atol=4e-5 if kwargs["in_pixels"] else 4e-6)
    # the rotation is not the identity: a wrong layout would show
    assert np.abs(want - x).max() > 0.1


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


def test_the_architecture_table_is_timms_constructors():
    defaults = EvaCfg()
    for name, cfg in model_cfgs.items():
        args = _timm_constructor_args(name)
        for field, value in args.items():
            ours = getattr(cfg, field)
            assert (tuple(ours) if isinstance(ours, tuple) else ours) == (
                tuple(value) if isinstance(value, (tuple, list)) else value), f"{name}.{field}"
        for field in set(EvaCfg.__dataclass_fields__) - set(args) - {"img_size"}:
            assert getattr(cfg, field) == getattr(defaults, field), f"{name}.{field}"
        assert cfg.img_size == args.get("img_size", 224), name


def test_registered_set_is_timms_pretrained_eva02_and_giant():
    assert eva_architectures() == {name.split(".")[0] for name in timm_pretrained_eva()}
    ours = {name for name in list_models(pretrained=True) if name.split(".")[0] in eva_architectures()}
    assert ours == timm_pretrained_eva()
    assert min(eva_architectures(), key=lambda n: sum(
        p.numel() for p in timm.create_model(n, device="meta").parameters())) == NAME
    for name in eva_architectures():
        assert model_entry(name).checkpoint_filter is eva.checkpoint_filter_fn


def test_every_pretrained_config_equals_timms():
    for name in timm_pretrained_eva():
        # timm's to_dict keeps `pool_size: None`, ours drops every null field
        theirs = {k: v for k, v in timm.models.get_pretrained_cfg(name).to_dict().items() if v is not None}
        assert get_pretrained_cfg(name).to_dict() == theirs, name


BIG = ("eva02_large", "eva_giant", "eva02_enormous")
# Too large to hold here in float32 (4.4B parameters): its keys and shapes are checked at 2 of its 64 blocks.
TRUNCATED = {"eva02_enormous_patch14_clip_224": 2}


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.slow) if n.startswith(BIG) else n for n in sorted(model_cfgs)],
)
def test_keys_and_shapes_match_timm(name):
    depth = TRUNCATED.get(name)
    meta = timm.create_model(name, device="meta", **({"depth": depth} if depth else {}))
    expected = {k: tuple(v.shape) for k, v in meta.state_dict().items()}
    if depth:
        cfg = dataclasses.replace(model_cfgs[name], depth=depth)
        size = get_pretrained_cfg(name).input_size[1:]
        graph = eva.build_eva(cfg, name, BuildArgs(num_classes=get_pretrained_cfg(name).num_classes, img_size=size))
        model = keras.Model(graph.inputs, graph.outputs)
        assert timm_shapes(model) == expected
        return
    model = create_model(name)
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
