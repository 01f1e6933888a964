"""deit_* models beyond the family contract (tests/models/test_builder.py, smallest variant
deit_tiny_distilled_patch16_224): the architecture table against timm's constructors, the
distillation token and the two heads (`head`, `head_dist`, averaged), the pooled features as timm's
`pre_logits`, `forward_intermediates` past two prefix tokens, and the filter renaming DeiT-3's
original layer-scale keys as timm's.
"""

import numpy as np
import pytest
import timm
import torch
import keras

from luximm_keras.interop import load_timm_weights
from luximm_keras.models import create_model, list_models, load_pretrained, model_entry
from luximm_keras.models.deit import checkpoint_filter, model_cfgs
from luximm_keras.models.vision_transformer import ClassTokenPosEmbed, checkpoint_filter_fn, forward_intermediates
from model_checks import assert_close_to_timm  # tests/models/model_checks.py
from luximm_keras.verification.models import predict, timm_features, timm_logits

SMALLEST = "deit_tiny_distilled_patch16_224"


def _timm_constructor_args(name: str) -> dict:
    """The keyword arguments timm's `name()` gives `_create_deit` (no model is built)."""
    module = timm.models.deit
    captured = {}

    def capture(variant, pretrained=False, **kwargs):
        captured.update(kwargs)
        raise StopIteration

    original = module._create_deit
    module._create_deit = capture
    try:
        getattr(module, name)()
    except StopIteration:
        pass
    finally:
        module._create_deit = original
    return captured


def test_every_pretrained_deit_is_registered_with_timms_arguments():
    assert sorted(model_cfgs) == sorted({n.split(".")[0] for n in timm.list_models(module="deit", pretrained=True)})
    assert set(model_cfgs) <= set(list_models("deit*"))
    for name, cfg in model_cfgs.items():
        assert model_entry(name).checkpoint_filter is checkpoint_filter
        args = _timm_constructor_args(name)
        assert cfg.distilled == args.pop("distilled", False), name
        for field, value in args.items():
            assert getattr(cfg, field) == value, f"{name}.{field}"


def test_the_distilled_model_has_timms_tokens_and_two_heads(loaded):
    model, report = loaded
    assert report.ok
    embed = model.get_layer("pos_embed")
    assert isinstance(embed, ClassTokenPosEmbed) and embed.dist_token and embed.num_prefix_tokens == 2
    assert [w.name for w in embed.weights] == ["cls_token", "dist_token", "pos_embed"]
    assert model.get_layer("head").units == model.get_layer("head_dist").units == 1000


def test_each_head_counts_and_the_pooled_features_are_the_two_tokens_mean(loaded, state, reference, images):
    """Logits are the mean of the two heads (flipping `head_dist` alone changes them); pooled
    features (`num_classes=0`) are timm's `pre_logits`, the mean of the class and distillation tokens."""
    model, _ = loaded
    expected = timm_logits(reference, images)
    try:
        load_timm_weights(model, {"head_dist.weight": -state["head_dist.weight"]}, strict=False)
        with pytest.raises(AssertionError):
            assert_close_to_timm(predict(model, images), expected, "head_dist flipped")
    finally:
        load_timm_weights(model, {"head_dist.weight": state["head_dist.weight"]}, strict=False)
    assert_close_to_timm(predict(model, images), expected, SMALLEST)
    pooled = create_model(SMALLEST, num_classes=0)
    report = load_pretrained(pooled, state)
    assert report.ok and sorted(report.discarded) == ["head.bias", "head.weight", "head_dist.bias", "head_dist.weight"]
    assert_close_to_timm(predict(pooled, images), timm_features(reference, images), "pooled")


def test_forward_intermediates_skip_both_prefix_tokens_as_timms(loaded, reference, images):
    model, _ = loaded
    with torch.no_grad():
        final, expected = reference.forward_intermediates(
            torch.from_numpy(images).permute(0, 3, 1, 2), indices=[2, -1], return_prefix_tokens=True
        )
    ours_final, ours = forward_intermediates(model, images, indices=[2, -1], return_prefix_tokens=True)
    assert_close_to_timm(keras.ops.convert_to_numpy(ours_final), final.numpy(), "final tokens")
    for (patches, prefix), (want_patches, want_prefix) in zip(ours, expected, strict=True):
        assert keras.ops.convert_to_numpy(prefix).shape == tuple(want_prefix.shape) == (2, 2, 192)
        assert_close_to_timm(keras.ops.convert_to_numpy(prefix), want_prefix.numpy(), "prefix tokens")
        assert_close_to_timm(keras.ops.convert_to_numpy(patches), want_patches.permute(0, 2, 3, 1).numpy(), "patches")


def test_deit3_original_layer_scale_keys_are_renamed_as_timms_filter_does():
    """DeiT-3's original checkpoints name layer scale `blocks.N.gamma_1/2`; timm's filter (with
    `adapt_layer_scale=True`) and ours rename them `blocks.N.ls1/2.gamma`."""
    reference = timm.create_model("deit3_small_patch16_224", device="meta")
    original = {
        k.replace("ls1.gamma", "gamma_1").replace("ls2.gamma", "gamma_2"): np.full(v.shape, 0.5, "float32")
        for k, v in reference.state_dict().items()
        if k.startswith("blocks.0.") or k in ("pos_embed", "cls_token")
    }
    assert "blocks.0.gamma_1" in original
    theirs = timm.models.vision_transformer.checkpoint_filter_fn(
        {k: torch.from_numpy(v) for k, v in original.items()}, reference, adapt_layer_scale=True
    )
    model = create_model("deit3_small_patch16_224", num_classes=0)
    ours = checkpoint_filter(original, model)
    assert sorted(ours) == sorted(theirs)
    assert "blocks.0.ls1.gamma" in ours and "blocks.0.ls2.gamma" in ours
    # The ViT filter alone leaves them as they are, as timm's does without the flag.
    assert "blocks.0.gamma_1" in checkpoint_filter_fn(original, model)
