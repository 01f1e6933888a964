"""convnextv2_* models against timm: logits and pooled features on random perturbed weights, strict key
accounting, a comparison shown able to fail, `.keras` round trip, another in_chans and img_size through
the checkpoint filter; the ConvNeXt block in each of timm's layouts.

The smallest variant runs always; the others are `slow`.
"""


import numpy as np
import pytest
import timm
import torch
import keras

from luximm_keras.interop import load_timm_weights
from luximm_keras.layers.convnext_block import ConvNeXtBlock
from luximm_keras.layers.layernorm2d import LayerNorm2D
from luximm_keras.models import create_model, list_models, model_entry
from luximm_keras.models.convnextv2 import CONVNEXTV2_CONFIGS, checkpoint_filter_fn
from model_checks import FEATURES_TOL, assert_logits_match  # tests/models/model_checks.py
from luximm_keras.verification.models import (
    perturbed_timm_model,
    predict,
    random_images,
    timm_features,
    timm_logits,
    timm_state_dict,
)

SMALLEST = "convnextv2_atto"
LARGER = sorted(set(CONVNEXTV2_CONFIGS) - {SMALLEST})


def test_every_variant_is_registered_and_layers_are_named_after_timm_modules(loaded):
    assert set(CONVNEXTV2_CONFIGS) <= set(list_models("convnextv2_*"))
    for name in CONVNEXTV2_CONFIGS:
        assert model_entry(name).checkpoint_filter is checkpoint_filter_fn
    model, _ = loaded
    assert model.name == SMALLEST
    stem = model.get_layer("stem__0")
    assert (stem.kernel_size, stem.strides, stem.padding) == ((4, 4), (4, 4), "valid")
    assert isinstance(model.get_layer("stem__1"), LayerNorm2D)
    assert model.get_layer("stages__0__blocks__1").conv_mlp  # atto: timm's conv_mlp=True
    assert isinstance(model.get_layer("stages__3__downsample__0"), LayerNorm2D)
    assert model.get_layer("stages__3__downsample__1").strides == (2, 2)
    assert isinstance(model.get_layer("stages__2__blocks__5"), ConvNeXtBlock)
    assert model.get_layer("head__norm").epsilon == 1e-6
    assert model.get_layer("head__fc").units == 1000


def test_strict_load_accounts_for_every_timm_key(loaded, state):
    _, report = loaded
    assert report.ok
    assert sorted(report.loaded) == sorted(state)


def test_logits_match_timm(loaded, reference, images):
    model, _ = loaded
    assert_logits_match(predict(model, images), timm_logits(reference, images))


def test_pooled_features_match_timm(reference, state, images):
    model = create_model(SMALLEST, num_classes=0)
    report = load_timm_weights(model, checkpoint_filter_fn(state, model))  # the filter drops `head.fc.*`
    assert report.ok and "head.norm.weight" in report.loaded and "head.fc.weight" not in report.loaded
    ours = predict(model, images)
    assert ours.shape == (2, 320)
    np.testing.assert_allclose(ours, timm_features(reference, images), **FEATURES_TOL)


def test_a_flipped_sign_weight_fails_the_logits_comparison(loaded, state, reference, images):
    model, _ = loaded
    flipped = dict(state)
    flipped["stages.2.blocks.3.mlp.grn.weight"] = -state["stages.2.blocks.3.mlp.grn.weight"]
    load_timm_weights(model, flipped)
    try:
        with pytest.raises(AssertionError):
            assert_logits_match(predict(model, images), timm_logits(reference, images))
    finally:
        load_timm_weights(model, state)


def test_keras_file_round_trip_gives_identical_logits(loaded, images, tmp_path):
    model, _ = loaded
    path = tmp_path / f"{SMALLEST}.keras"
    model.save(path)
    revived = keras.saving.load_model(path)  # no custom_objects: every class is registered
    assert revived.name == SMALLEST
    assert isinstance(revived.get_layer("stages__0__blocks__0"), ConvNeXtBlock)
    np.testing.assert_array_equal(predict(revived, images), predict(model, images))


def test_other_in_chans_and_img_size_load_like_timm_pretrained(state):
    """A 224-px, 3-channel checkpoint into a 1-channel model run at 160 px: timm's own loading
    (`checkpoint_filter_fn`, then `adapt_input_conv` on `stem.0`) against our filter."""
    state_224 = state
    to_torch = {k: torch.from_numpy(v) for k, v in state_224.items()}
    reference = timm.create_model(
        SMALLEST, pretrained=True, pretrained_cfg_overlay=dict(state_dict=to_torch), in_chans=1
    ).eval()
    model = create_model(SMALLEST, img_size=160, in_chans=1)
    filtered = checkpoint_filter_fn(state_224, model)
    assert filtered["stem.0.weight"].shape == (40, 1, 4, 4)
    assert load_timm_weights(model, filtered).ok
    images = random_images(2, 160, in_chans=1)
    assert_logits_match(predict(model, images), timm_logits(reference, images))


def test_drop_path_rate_rises_linearly_over_all_blocks():
    model = model_entry(SMALLEST).builder(num_classes=0, drop_path_rate=0.1)
    depths = CONVNEXTV2_CONFIGS[SMALLEST].depths
    blocks = [f"stages__{i}__blocks__{j}" for i, depth in enumerate(depths) for j in range(depth)]
    rates = [model.get_layer(name).drop_path_rate for name in blocks]
    expected = timm.layers.calculate_drop_path_rates(0.1, list(depths), stagewise=True)
    np.testing.assert_allclose(rates, np.concatenate(expected), rtol=1e-6)


# The block in timm's other layouts: linear MLP (tiny and up), layer scale and the plain Mlp (V1).
BLOCKS = {
    "v2-linear": dict(conv_mlp=False, use_grn=True, ls_init_value=None),
    "v2-conv": dict(conv_mlp=True, use_grn=True, ls_init_value=None),
    "v1-layerscale": dict(conv_mlp=False, use_grn=False, ls_init_value=1e-6),
}


@pytest.mark.parametrize("kwargs", BLOCKS.values(), ids=BLOCKS.keys())
def test_block_matches_timm(kwargs):
    torch.manual_seed(0)
    block = timm.models.convnext.ConvNeXtBlock(40, **kwargs).eval()  # atto's first width
    state = {k: v + 0.1 * torch.randn_like(v) for k, v in block.state_dict().items()}
    block.load_state_dict(state)
    ours = ConvNeXtBlock(40, **kwargs)
    ours.build((None, 9, 11, 40))
    assert sorted(load_timm_weights(ours, state).loaded) == sorted(state)
    x = np.random.default_rng(0).standard_normal((2, 9, 11, 40)).astype("float32")
    with torch.no_grad():
        expected = block(torch.from_numpy(x).permute(0, 3, 1, 2)).permute(0, 2, 3, 1).numpy()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(ours(x)), expected, rtol=1e-5, atol=1e-5)


REFUSED = {"even-kernel": dict(kernel_size=4), "conv-mlp-without-grn": dict(conv_mlp=True, use_grn=False)}


@pytest.mark.parametrize("kwargs", REFUSED.values(), ids=REFUSED.keys())
def test_block_refuses_layouts_it_cannot_load_exactly(kwargs):
    with pytest.raises(ValueError):
        ConvNeXtBlock(24, **kwargs)


@pytest.mark.slow
@pytest.mark.parametrize("name", LARGER)
def test_larger_variants_match_timm(name):
    reference = perturbed_timm_model(name)
    state = timm_state_dict(reference)
    model = create_model(name)
    report = load_timm_weights(model, state)
    assert report.ok and sorted(report.loaded) == sorted(state)
    images = random_images(2, 224)
    assert_logits_match(predict(model, images), timm_logits(reference, images))
    features = create_model(name, num_classes=0)
    assert load_timm_weights(features, checkpoint_filter_fn(state, features)).ok
    np.testing.assert_allclose(predict(features, images), timm_features(reference, images), **FEATURES_TOL)
