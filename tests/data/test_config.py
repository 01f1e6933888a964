"""`resolve_data_config` against timm's `resolve_data_config`: every registered pretrained tag, a model
made by `create_model` (against timm's model of the same name), and timm's overrides."""

from __future__ import annotations

import keras
import pytest
import timm
import timm.data
import torch

from luximm_keras.data import DEFAULT_CROP_MODE, DEFAULT_CROP_PCT, resolve_data_config, resolve_model_data_config
from luximm_keras.models import create_model, get_pretrained_cfg, list_models

PRETRAINED = list_models(pretrained=True)


def assert_same_config(actual: dict, expected: dict) -> None:
    """Equal values of equal types (timm's tuples stay tuples, its floats floats)."""
    assert actual == expected
    assert list(actual) == list(expected)
    for key, value in expected.items():
        assert type(actual[key]) is type(value), (key, actual[key], value)


def test_the_defaults_are_timms():
    assert DEFAULT_CROP_PCT == timm.data.DEFAULT_CROP_PCT and DEFAULT_CROP_MODE == timm.data.DEFAULT_CROP_MODE


@pytest.mark.parametrize("use_test_size", [False, True])
def test_every_registered_pretrained_tag_resolves_to_timms_config(use_test_size):
    assert len(PRETRAINED) > 40
    for name in PRETRAINED:
        timm_cfg = timm.models.get_pretrained_cfg(name).to_dict()
        expected = timm.data.resolve_data_config(pretrained_cfg=timm_cfg, use_test_size=use_test_size)
        assert_same_config(resolve_data_config(name, use_test_size=use_test_size), expected)
        ours = get_pretrained_cfg(name)
        assert_same_config(resolve_data_config(pretrained_cfg=ours, use_test_size=use_test_size), expected)
        assert_same_config(resolve_data_config(pretrained_cfg=ours.to_dict(), use_test_size=use_test_size), expected)


def test_an_architecture_name_resolves_to_its_default_tag():
    for name in sorted({n.split(".")[0] for n in PRETRAINED}):
        expected = timm.data.resolve_data_config(pretrained_cfg=timm.models.get_pretrained_cfg(name).to_dict())
        assert_same_config(resolve_data_config(name), expected)


# Building the Keras model takes seconds on JAX (every op compiles on its first shapes); the config is
# the same on every backend, so JAX runs this in the slow suite (`-m slow`) only.
SLOW_ON_JAX = [pytest.mark.slow] if keras.backend.backend() == "jax" else []


@pytest.mark.parametrize("name", [pytest.param("convnextv2_atto.fcmae_ft_in1k", marks=SLOW_ON_JAX)])
def test_a_model_resolves_to_timms_model_config_not_to_its_own_input_size(name):
    """timm reads the model's pretrained_cfg (what the weights were made for): a model built for 160
    pixels still resolves to the tag's 224 (and 288 with use_test_size)."""
    model = create_model(name, img_size=160, num_classes=0)
    with torch.device("meta"):
        timm_model = timm.create_model(name, pretrained=False, num_classes=0)
    for use_test_size in (False, True):
        expected = timm.data.resolve_model_data_config(timm_model, use_test_size=use_test_size)
        assert_same_config(resolve_data_config(model, use_test_size=use_test_size), expected)
        assert_same_config(resolve_model_data_config(model, use_test_size=use_test_size), expected)
    # An explicit pretrained_cfg wins over the model's, as in timm.
    other = get_pretrained_cfg("vit_base_patch16_224.bamboo").to_dict()
    expected = timm.data.resolve_data_config(pretrained_cfg=other, model=timm_model)
    assert_same_config(resolve_data_config(model, pretrained_cfg=other), expected)


OVERRIDES = [
    dict(input_size=(3, 256, 192)),
    dict(input_size=[1, 96, 96], mean=(0.5,), std=(0.25,)),
    dict(img_size=320),
    dict(img_size=320, in_chans=1, mean=[0.4], std=[0.2]),
    dict(chans=4, img_size=64, mean=(0.1,), std=(0.3,)),
    dict(interpolation="bilinear", crop_pct=0.95, crop_mode="squash"),
    dict(mean=(0.1, 0.2, 0.3), std=(0.4, 0.5, 0.6)),
    dict(crop_pct=None, interpolation=None, mean=None),  # None is "not given"
    dict(crop_pct=0),  # falsy: timm keeps the config's
]


@pytest.mark.parametrize("overrides", OVERRIDES, ids=str)
@pytest.mark.parametrize("name", ["vit_base_patch16_224.augreg_in1k", "convnextv2_atto.fcmae_ft_in1k"])
def test_overrides_are_timms_args(name, overrides):
    timm_cfg = timm.models.get_pretrained_cfg(name).to_dict()
    for use_test_size in (False, True):
        expected = timm.data.resolve_data_config(args=dict(overrides), pretrained_cfg=timm_cfg,
                                                 use_test_size=use_test_size)
        expected = {k: tuple(v) if isinstance(v, list) else v for k, v in expected.items()}  # ours: always tuples
        assert_same_config(resolve_data_config(name, use_test_size=use_test_size, **overrides), expected)


def test_overrides_alone_resolve_as_timms_args_alone():
    args = dict(input_size=(3, 128, 128), interpolation="bilinear")
    assert_same_config(resolve_data_config(**args), timm.data.resolve_data_config(args=args))


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: resolve_data_config(), ValueError),
        (lambda: resolve_data_config("vit_base_patch16_224", img_sz=224), TypeError),
        (lambda: resolve_data_config("vit_base_patch16_224", input_size=(224, 224)), ValueError),
        (lambda: resolve_data_config("vit_base_patch16_224", img_size=(224, 224)), ValueError),
        (lambda: resolve_data_config("vit_base_patch16_224", mean=(0.5, 0.5)), ValueError),
        (lambda: resolve_data_config("not_a_model"), ValueError),
        (lambda: resolve_data_config("vit_base_patch16_224.not_a_tag"), ValueError),
        (lambda: resolve_data_config(object()), TypeError),
    ],
    ids=[
        "nothing", "unknown override", "input_size of 2", "img_size pair", "mean length", "unknown model",
        "unknown tag", "no pretrained_cfg",
    ],
)
def test_bad_arguments_are_refused(call, error):
    with pytest.raises(error):
        call()
