"""vit_* models against timm: logits and pooled features on random perturbed weights, strict key
accounting, a comparison shown able to fail, `.keras` round trip, another img_size and in_chans through
the checkpoint filter, bad image sizes.

The smallest variant runs always; the others are `slow`.
"""

import re

import numpy as np
import pytest
import timm
import torch
import keras

from luximm_keras.interop import load_timm_weights
from luximm_keras.layers.class_token_pos_embed import ClassTokenPosEmbed
from luximm_keras.layers.patch_embed import PatchEmbed
from luximm_keras.layers.vit_block import ViTBlock
from luximm_keras.models import create_model, list_models, model_entry
from luximm_keras.models.vit import VIT_CONFIGS, checkpoint_filter_fn
from model_checks import FEATURES_TOL, assert_logits_match  # tests/models/model_checks.py
from luximm_keras.verification.models import (
    perturbed_timm_model,
    predict,
    random_images,
    timm_features,
    timm_logits,
    timm_state_dict,
)

SMALLEST = "vit_tiny_patch16_224"
LARGER = sorted(set(VIT_CONFIGS) - {SMALLEST})


def test_every_variant_is_registered_and_layers_are_named_after_timm_modules(loaded):
    assert set(VIT_CONFIGS) <= set(list_models("vit_*"))
    for name in VIT_CONFIGS:
        assert model_entry(name).checkpoint_filter is checkpoint_filter_fn
    model, _ = loaded
    assert model.name == SMALLEST
    assert isinstance(model.get_layer("patch_embed"), PatchEmbed)
    assert isinstance(model.get_layer("pos_embed"), ClassTokenPosEmbed)
    assert [model.get_layer(f"blocks__{i}").__class__ for i in range(12)] == [ViTBlock] * 12
    assert model.get_layer("norm").epsilon == 1e-6
    assert model.get_layer("head").units == 1000


def test_strict_load_accounts_for_every_timm_key(loaded, state):
    _, report = loaded
    assert report.ok
    assert sorted(report.loaded) == sorted(state)


def test_logits_match_timm(loaded, reference, images):
    model, _ = loaded
    assert_logits_match(predict(model, images), timm_logits(reference, images))


def test_pooled_features_match_timm(reference, state, images):
    model = create_model(SMALLEST, num_classes=0)
    report = load_timm_weights(model, checkpoint_filter_fn(state, model))  # the filter drops `head.*`
    assert report.ok and not any(key.startswith("head.") for key in report.loaded)
    ours = predict(model, images)
    assert ours.shape == (2, 192)
    np.testing.assert_allclose(ours, timm_features(reference, images), **FEATURES_TOL)


def test_a_flipped_sign_weight_fails_the_logits_comparison(loaded, state, reference, images):
    model, _ = loaded
    flipped = dict(state)
    flipped["blocks.6.mlp.fc1.weight"] = -state["blocks.6.mlp.fc1.weight"]
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
    assert isinstance(revived.get_layer("pos_embed"), ClassTokenPosEmbed)
    np.testing.assert_array_equal(predict(revived, images), predict(model, images))


def test_other_img_size_and_in_chans_load_like_timm_pretrained(state):
    """A 224-px, 3-channel checkpoint into models of 192 px and 1 channel: timm's own loading
    (`checkpoint_filter_fn`, then `adapt_input_conv`) against our filter."""
    state_224 = state
    to_torch = {k: torch.from_numpy(v) for k, v in state_224.items()}
    reference = timm.create_model(
        SMALLEST, pretrained=True, pretrained_cfg_overlay=dict(state_dict=to_torch), img_size=192, in_chans=1
    ).eval()
    model = create_model(SMALLEST, img_size=192, in_chans=1)
    filtered = checkpoint_filter_fn(state_224, model)
    assert filtered["pos_embed"].shape == (1, 1 + 12 * 12, 192)
    # The class token's position embedding is kept as it is.
    np.testing.assert_array_equal(filtered["pos_embed"][:, 0], state_224["pos_embed"][:, 0])
    assert filtered["patch_embed.proj.weight"].shape == (192, 1, 16, 16)
    np.testing.assert_allclose(
        filtered["pos_embed"], reference.pos_embed.detach().numpy(), rtol=0, atol=1e-5
    )
    assert load_timm_weights(model, filtered).ok
    images = random_images(2, 192, in_chans=1)
    assert_logits_match(predict(model, images), timm_logits(reference, images))


def test_non_square_img_size_resamples_pos_embed_like_timm(state):
    state_224 = state
    reference = timm.create_model(SMALLEST, img_size=(160, 256))
    timm_filtered = timm.models.vision_transformer.checkpoint_filter_fn(
        {k: torch.from_numpy(v) for k, v in state_224.items()}, reference
    )
    ours = checkpoint_filter_fn(state_224, create_model(SMALLEST, img_size=(160, 256), num_classes=0))
    assert ours["pos_embed"].shape == (1, 1 + 10 * 16, 192)
    np.testing.assert_allclose(ours["pos_embed"], timm_filtered["pos_embed"].numpy(), rtol=0, atol=1e-5)


def test_img_size_not_divisible_by_the_patch_size_is_refused():
    for img_size in (200, (224, 200)):
        message = f"img_size {img_size!r} is not divisible by the patch size 16"
        with pytest.raises(ValueError, match=re.escape(message)):
            create_model(SMALLEST, img_size=img_size)


def test_drop_path_rate_rises_linearly_over_the_blocks():
    model = create_model(SMALLEST, num_classes=0)
    assert model.get_layer("blocks__0").drop_path_rate == 0.0
    model = model_entry(SMALLEST).builder(num_classes=0, drop_path_rate=0.1)
    rates = [model.get_layer(f"blocks__{i}").drop_path_rate for i in range(12)]
    np.testing.assert_allclose(rates, np.linspace(0, 0.1, 12))


def test_class_token_and_position_embeddings_match_timm_in_both_layouts():
    """`ClassTokenPosEmbed` against timm's `VisionTransformer._pos_embed`, with the position embeddings
    over the class token (ViT) and over the patches only (`no_embed_class`, DeiT-3)."""
    grid = np.random.default_rng(0).standard_normal((2, 3, 5, 16)).astype("float32")
    for no_embed_class in (False, True):
        torch.manual_seed(0)
        reference = timm.models.vision_transformer.VisionTransformer(
            img_size=(12, 20), patch_size=4, embed_dim=16, depth=0, num_heads=2, no_embed_class=no_embed_class
        ).eval()
        state = {}
        for key in ("cls_token", "pos_embed"):
            param = getattr(reference, key)
            state[key] = param.detach() + torch.randn_like(param)
        reference.load_state_dict(state, strict=False)
        layer = ClassTokenPosEmbed(no_embed_class=no_embed_class)
        layer.build(grid.shape)
        assert sorted(load_timm_weights(layer, state).loaded) == ["cls_token", "pos_embed"]
        with torch.no_grad():
            expected = reference._pos_embed(torch.from_numpy(grid).reshape(2, 15, 16)).numpy()
        ours = keras.ops.convert_to_numpy(layer(grid))
        np.testing.assert_allclose(ours, expected, rtol=1e-6, atol=1e-6, err_msg=f"{no_embed_class=}")


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
