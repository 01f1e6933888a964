"""`create_model(name, pretrained=True)` against timm's, both fetching from the same Hugging Face cache.

The Hub cannot be reached from the tests: each test fills a cache in huggingface_hub's own layout (a
temporary folder) with timm's random-weight checkpoint under the repo timm's config names, and runs
offline. timm, pointed at the same cache, is the oracle for what is resolved and loaded.
"""

from __future__ import annotations

import sys
from unittest import mock

import huggingface_hub
import numpy as np
import pytest
import safetensors.torch
import timm

from hf_cache import offline_hf_cache, publish_random_weights, put_in_cache  # tests/hf_cache.py
from luximm_keras.interop import load_timm_weights
from luximm_keras.models import create_model, get_pretrained_cfg
from luximm_keras.models._hub import download_from_hf
from luximm_keras.verification.models import perturbed_timm_model, random_images, timm_logits
from model_checks import BACKEND, assert_close_to_timm, predict  # tests/models/model_checks.py

# One architecture with weights per family, with a tag other than its default where it has one. What
# the Hub adds is family-independent (each family's loading is tested in test_builder.py): CI runs each
# on its family's backend of the rotation (tests/ci_rotation.py).
FAMILIES = {
    "vision_transformer": ("vit_tiny_patch16_224", "augreg_in21k"),
    "convnext": ("convnextv2_atto", "fcmae"),
    "resnetv2": ("resnetv2_50x1_bit", "goog_in21k_ft_in1k"),
    "maxxvit": ("coatnet_nano_rw_224", "sw_in1k"),
}


def per_family(value):
    return [pytest.param(*value(arch, tag), id=family) for family, (arch, tag) in FAMILIES.items()]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    return offline_hf_cache(tmp_path / "hub", monkeypatch)


def without_torch(monkeypatch):
    """On the backends that do not need torch, any `import torch` below fails: safetensors needs none."""
    if BACKEND != "torch":
        monkeypatch.setitem(sys.modules, "torch", None)


@pytest.mark.parametrize("name", per_family(lambda arch, tag: (arch,)))
def test_pretrained_by_name_equals_timms(name, cache, tmp_path, monkeypatch):
    """No tag: timm's default tag's repo, its `model.safetensors`, every key, timm's logits."""
    publish_random_weights(cache, name, tmp_path)
    reference = timm.create_model(name, pretrained=True).eval()
    images = random_images(2, 224)
    expected = timm_logits(reference, images)
    with monkeypatch.context() as patch:
        without_torch(patch)
        model = create_model(name, pretrained=True)
    assert model.pretrained_cfg["tag"] == get_pretrained_cfg(name).tag
    assert_close_to_timm(predict(model, images), expected, f"{name} pretrained")


@pytest.mark.parametrize("arch,tag", per_family(lambda arch, tag: (arch, tag)))
def test_a_tagged_name_with_a_new_head_and_one_channel_loads_as_timms(arch, tag, cache, tmp_path):
    name = f"{arch}.{tag}"
    publish_random_weights(cache, name, tmp_path)
    reference = timm.create_model(name, pretrained=True, num_classes=10, in_chans=1).eval()
    model = create_model(name, pretrained=True, num_classes=10, in_chans=1)
    assert model.pretrained_cfg["tag"] == tag
    # Both heads are new (random): timm's is copied into ours, everything else came from the cache.
    classifier = get_pretrained_cfg(name).classifier
    head = {k: v.numpy() for k, v in reference.state_dict().items() if k.startswith(classifier.rpartition(".")[0])}
    assert load_timm_weights(model, head, strict=False).loaded
    images = random_images(2, 224, in_chans=1)
    assert_close_to_timm(predict(model, images), timm_logits(reference, images), f"{name} 10 classes, 1 channel")


def test_a_repo_with_only_pytorch_model_bin_loads(cache, tmp_path):
    name = "vit_tiny_patch16_224"
    publish_random_weights(cache, name, tmp_path, filename="pytorch_model.bin")
    reference = timm.create_model(name, pretrained=True).eval()
    images = random_images(2, 224)
    assert_close_to_timm(predict(create_model(name, pretrained=True), images), timm_logits(reference, images))


def test_a_local_file_through_the_overlay_loads_as_timms(cache, tmp_path):
    name = "vit_tiny_patch16_224"
    source = perturbed_timm_model(name, seed=3)
    path = tmp_path / "mine.safetensors"
    safetensors.torch.save_file(source.state_dict(), path)
    model = create_model(name, pretrained=True, pretrained_cfg_overlay=dict(file=str(path)))
    reference = timm.create_model(name, pretrained=True, pretrained_cfg_overlay=dict(file=str(path))).eval()
    images = random_images(2, 224)
    assert_close_to_timm(predict(model, images), timm_logits(reference, images), "overlay file")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        create_model(name, pretrained=True, pretrained_cfg_overlay=dict(file=str(tmp_path / "none.safetensors")))


def test_offline_with_nothing_cached_names_the_repo(cache):
    repo = get_pretrained_cfg("vit_tiny_patch16_224").hf_hub_id
    with pytest.raises(FileNotFoundError, match=f"{repo}: model.safetensors or pytorch_model.bin is not in the "
                       "Hugging Face cache .* HF_HUB_OFFLINE is set"):
        create_model("vit_tiny_patch16_224", pretrained=True)
    with pytest.raises(huggingface_hub.errors.LocalEntryNotFoundError):  # timm fails too
        timm.create_model("vit_tiny_patch16_224", pretrained=True)


def test_an_unknown_tag_lists_the_tags_that_exist():
    with pytest.raises(ValueError, match="Invalid pretrained tag 'in1k' for vit_tiny_patch16_224. Its tags: "
                       "augreg_in21k_ft_in1k, augreg_in21k"):
        create_model("vit_tiny_patch16_224.in1k", pretrained=True)


def test_an_architecture_without_weights_says_so(cache):
    with pytest.raises(ValueError, match="coatnet_pico_rw_224.untrained has no pretrained weights"):
        create_model("coatnet_pico_rw_224", pretrained=True)


def test_a_revision_after_at_selects_that_revision(cache, tmp_path):
    (tmp_path / "a.safetensors").write_bytes(b"v2")
    put_in_cache(cache, "timm/some_model", {"model.safetensors": tmp_path / "a.safetensors"}, revision="v2")
    path = download_from_hf("timm/some_model@v2", "model.safetensors")
    assert open(path, "rb").read() == b"v2"
    with pytest.raises(FileNotFoundError, match="timm/some_model: model.safetensors is not in the"):
        download_from_hf("timm/some_model", "model.safetensors")


def test_hub_errors_are_not_swallowed(monkeypatch):
    def gated(*args, **kwargs):
        response = mock.Mock(status_code=401, headers={})  # what huggingface_hub's HTTP client would answer
        raise huggingface_hub.errors.GatedRepoError("gated: ask for access", response=response)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", gated)
    with pytest.raises(huggingface_hub.errors.GatedRepoError, match="ask for access"):
        create_model("vit_tiny_patch16_224", pretrained=True)


def test_pretrained_weights_equal_the_cached_checkpoint_exactly(cache, tmp_path):
    """Not only the logits: every loaded variable holds the checkpoint's value."""
    name = "convnextv2_atto"
    source = publish_random_weights(cache, name, tmp_path)
    model = create_model(name, pretrained=True)
    from luximm_keras.interop import export_timm_weights

    exported = export_timm_weights(model)
    for key, value in source.state_dict().items():
        if key in exported:
            np.testing.assert_array_equal(np.asarray(exported[key]), value.numpy(), err_msg=key)
