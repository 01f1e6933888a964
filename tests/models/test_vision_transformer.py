"""vit_* models beyond the family contract (tests/models/test_builder.py): timm's layer names, position
embeddings resampled to another img_size and in_chans as timm's pretrained loading does, bad image
sizes, the drop-path ramp, the class token and position embeddings in both layouts, and
`forward_intermediates` against timm's.
"""

import re

import numpy as np
import pytest
import timm
import torch
import keras

from luximm_keras.interop import load_timm_weights
from luximm_keras.layers import PatchEmbed
from luximm_keras.models import create_model, list_models, load_pretrained, model_entry
from luximm_keras.models.vision_transformer import (
    ClassTokenPosEmbed,
    ViTBlock,
    checkpoint_filter_fn,
    forward_intermediates,
    model_cfgs,
)
from model_checks import assert_close_to_timm, assert_logits_match  # tests/models/model_checks.py
from luximm_keras.verification.models import predict, random_images, timm_logits

SMALLEST = "vit_tiny_patch16_224"


def test_every_variant_is_registered_and_layers_are_named_after_timm_modules(loaded):
    assert set(model_cfgs) <= set(list_models("vit_*"))
    for name in model_cfgs:
        assert model_entry(name).checkpoint_filter is checkpoint_filter_fn
    model, _ = loaded
    assert model.name == SMALLEST
    assert isinstance(model.get_layer("patch_embed"), PatchEmbed)
    assert isinstance(model.get_layer("pos_embed"), ClassTokenPosEmbed)
    assert [model.get_layer(f"blocks__{i}").__class__ for i in range(12)] == [ViTBlock] * 12
    assert model.get_layer("norm").epsilon == 1e-6
    assert model.get_layer("head").units == 1000


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
    np.testing.assert_allclose(
        filtered["pos_embed"], reference.pos_embed.detach().numpy(), rtol=0, atol=1e-5
    )
    assert load_pretrained(model, state_224).ok
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
        message = f"img_size {(img_size, img_size) if isinstance(img_size, int) else img_size} is not divisible by the patch size 16"
        with pytest.raises(ValueError, match=re.escape(message)):
            create_model(SMALLEST, img_size=img_size)


def test_drop_path_rate_rises_linearly_over_the_blocks():
    model = create_model(SMALLEST, num_classes=0)
    assert model.get_layer("blocks__0").drop_path_rate == 0.0
    model = create_model(SMALLEST, num_classes=0, drop_path_rate=0.1)
    rates = [model.get_layer(f"blocks__{i}").drop_path_rate for i in range(12)]
    np.testing.assert_allclose(rates, timm.layers.calculate_drop_path_rates(0.1, 12), rtol=1e-6)


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


INTERMEDIATES = {
    "last-3": dict(indices=3),
    "chosen-norm-prefix": dict(indices=[0, 5, -1], norm=True, return_prefix_tokens=True),
    "all-tokens-only": dict(indices=None, output_fmt="NLC", intermediates_only=True),
}


@pytest.mark.parametrize("kwargs", INTERMEDIATES.values(), ids=INTERMEDIATES.keys())
def test_forward_intermediates_match_timm(loaded, reference, images, kwargs):
    model, _ = loaded
    timm_kwargs = dict(kwargs, output_fmt="NCHW" if kwargs.get("output_fmt", "NHWC") == "NHWC" else "NLC")
    with torch.no_grad():
        expected = reference.forward_intermediates(torch.from_numpy(images).permute(0, 3, 1, 2), **timm_kwargs)
    ours = forward_intermediates(model, images, **kwargs)
    if not kwargs.get("intermediates_only"):
        assert_close_to_timm(keras.ops.convert_to_numpy(ours[0]), expected[0].numpy(), "final tokens")
        ours, expected = ours[1], expected[1]
    assert len(ours) == len(expected)
    for got, want in zip(ours, expected):
        if kwargs.get("return_prefix_tokens"):
            assert_close_to_timm(keras.ops.convert_to_numpy(got[1]), want[1].numpy(), "class token")
            got, want = got[0], want[0]
        want = want.numpy()
        if want.ndim == 4:
            want = want.transpose(0, 2, 3, 1)  # NCHW -> NHWC
        assert_close_to_timm(keras.ops.convert_to_numpy(got), want, "intermediate")
