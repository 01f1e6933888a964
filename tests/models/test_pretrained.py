"""Pretrained configs against timm's: every registered architecture, every tag, every field; the
default tag; `create_model` defaults taken from the config; unknown tags and names."""

from __future__ import annotations

import dataclasses

import pytest
import timm

from luximm_keras.models import PretrainedCfg, create_model, get_pretrained_cfg, list_models, model_entry
from luximm_keras.models._pretrained import generate_default_cfgs

ARCHITECTURES = list_models()
TAGGED = [f"{arch}.{tag}" for arch in ARCHITECTURES for tag in model_entry(arch).default_cfg.tags]


def test_the_config_has_timms_fields():
    ours = [f.name for f in dataclasses.fields(PretrainedCfg)]
    theirs = [f.name for f in dataclasses.fields(timm.models.PretrainedCfg)]
    assert ours == theirs


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_tags_and_default_tag_are_timms(arch):
    assert model_entry(arch).default_cfg.tags == list(timm.models._registry._model_default_cfgs[arch].tags)
    assert get_pretrained_cfg(arch) == get_pretrained_cfg(f"{arch}.{model_entry(arch).default_cfg.tags[0]}")


@pytest.mark.parametrize("name", ARCHITECTURES + TAGGED)
def test_every_config_equals_timms(name):
    ours = dataclasses.asdict(get_pretrained_cfg(name))
    theirs = dataclasses.asdict(timm.models.get_pretrained_cfg(name))
    assert ours == theirs


def test_list_models_pretrained_lists_every_tag_with_weights_as_timm():
    ours = list_models(pretrained=True)
    theirs = [n for n in timm.list_models(pretrained=True) if n.split(".")[0] in ARCHITECTURES]
    assert ours == sorted(theirs)


def test_create_model_takes_its_defaults_from_the_tag():
    model = create_model("vit_tiny_patch16_224.augreg_in21k")  # a 21k-class head, as timm's
    assert model.output_shape == (None, 21843)
    assert model.pretrained_cfg["tag"] == "augreg_in21k"
    assert create_model("convnextv2_atto.fcmae").output_shape == (None, 320)  # num_classes=0


def test_an_unknown_tag_lists_the_tags_and_an_unknown_name_suggests_one():
    with pytest.raises(ValueError, match="Invalid pretrained tag 'nope' for convnextv2_atto.*fcmae_ft_in1k, fcmae"):
        get_pretrained_cfg("convnextv2_atto.nope")
    with pytest.raises(ValueError, match="Did you mean convnextv2_atto"):
        create_model("convnextv2_ato")


def test_an_output_stride_the_family_does_not_build_is_refused_before_building():
    # timm's ViT takes no output_stride; ResNet's takes 8, 16 and 32.
    with pytest.raises(ValueError, match="vit_tiny_patch16_224 builds output_stride 32, not 16"):
        create_model("vit_tiny_patch16_224", output_stride=16)
    with pytest.raises(ValueError, match="resnet10t builds output_stride 8 or 16 or 32, not 4"):
        create_model("resnet10t", output_stride=4)
    with pytest.raises(ValueError, match="takes no argument 'output_strides'.*drop_path_rate and output_stride"):
        create_model("resnet10t", output_strides=8)


def test_generate_default_cfgs_picks_the_first_tag_with_weights_unless_marked():
    cfgs = generate_default_cfgs(
        {"m.untrained": dict(url=""), "m.a": dict(hf_hub_id="timm/"), "m.b*": dict(url="x"), "n.c": dict()}
    )
    assert cfgs["m"].tags == ["b", "a", "untrained"]
    assert cfgs["m"].cfgs["a"].hf_hub_id == "timm/m.a" and cfgs["m"].cfgs["b"].architecture == "m"
    assert cfgs["n"].tags == ["c"] and not cfgs["n"].is_pretrained
