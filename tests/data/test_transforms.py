"""The PIL pipeline (`create_transform`, `transforms_imagenet_eval`, luximm_keras.data.transforms) against
timm's own `create_transform` on photographs: the same float32 values, channels last.

timm is the oracle: every expected value is timm's output for the same image and arguments.
"""

from __future__ import annotations

import numpy as np
import pytest
import timm.data
from PIL import Image

from luximm_keras.data import create_transform, resolve_data_config, transforms_imagenet_eval
from luximm_keras.data import transforms as T

# Same PIL resampling and the same float32 arithmetic as torchvision: equal up to float rounding.
EXACT = dict(rtol=0, atol=1e-6)

# Registered pretrained tags whose data configs differ: crop_pct 0.875 / 0.9 / 0.95 / 1.0, bicubic and
# bilinear, center and squash, ImageNet / Inception / CLIP mean and std, 224 / 384 / 448 inputs.
MODEL_NAMES = (
    "vit_base_patch16_224.augreg_in1k",  # bicubic, 0.9, mean 0.5
    "coatnet_0_rw_224.sw_in1k",  # bicubic, 0.95
    "convnextv2_atto.fcmae_ft_in1k",  # bicubic, 0.875, ImageNet mean; test size 288 at 0.95
    "convnextv2_tiny.fcmae_ft_in22k_in1k_384",  # bicubic, squash, 1.0, 384
    "resnetv2_50x1_bit.goog_in21k",  # bilinear, 0.875
    "resnetv2_50x1_bit.goog_in21k_ft_in1k",  # bilinear, 1.0, 448
    "vit_base_patch16_224.bamboo",  # CLIP mean and std, 1.0
)
INTERPOLATIONS = ("bilinear", "bicubic", "nearest", "lanczos", "box", "hamming")


def timm_output(img: Image.Image, **kwargs) -> np.ndarray:
    """timm's evaluation transform of `img`, channels last (timm's dataset converts to RGB first)."""
    tensor = timm.data.create_transform(is_training=False, **kwargs)(img.convert("RGB"))
    return tensor.permute(1, 2, 0).numpy() if tensor.ndim == 3 else tensor.numpy()


def assert_matches_timm(img: Image.Image, **kwargs) -> None:
    expected = timm_output(img, **kwargs)
    actual = create_transform(**kwargs)(img)
    assert actual.dtype == np.float32 and actual.shape == expected.shape, (actual.dtype, actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, **EXACT, err_msg=str(kwargs))


# 1. Parity with timm


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_the_config_of_a_registered_model_gives_timms_values_on_every_photo(name, photos):
    config = resolve_data_config(name)
    for img in photos.values():
        assert_matches_timm(img, **config)


def test_the_test_size_config_gives_timms_values(photos):
    config = resolve_data_config("convnextv2_atto.fcmae_ft_in1k", use_test_size=True)
    assert config["input_size"] == (3, 288, 288) and config["crop_pct"] == 0.95
    for name in ("chelsea", "small"):
        assert_matches_timm(photos[name], **config)


@pytest.mark.parametrize("crop_mode", [None, "center", "squash", "border"])
def test_every_crop_mode_and_size_gives_timms_values(crop_mode, photos):
    """Square and rectangular targets (ResizeKeepRatio where timm uses it), int and tuple sizes, an odd
    size, on a tall photo and on one smaller than the crop; crop_pct None (timm's 0.875) and 1.15 (the
    resized image is smaller than the crop: padded)."""
    for input_size in (96, (3, 96, 96), (3, 64, 96), (96, 64), (3, 61, 47)):
        for crop_pct in (None, 1.15):
            for name in ("tall", "small"):
                assert_matches_timm(
                    photos[name], input_size=input_size, crop_mode=crop_mode, crop_pct=crop_pct,
                    interpolation="bicubic", mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225),
                )


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
def test_every_interpolation_gives_timms_values(interpolation, photos):
    for crop_mode in ("center", "border"):
        for name in ("chelsea", "small"):
            assert_matches_timm(photos[name], input_size=(3, 160, 128), interpolation=interpolation,
                                crop_mode=crop_mode, crop_pct=0.9)


def test_random_interpolation_is_read_as_bilinear(photos):
    """timm draws bilinear or bicubic per image for "random" (or raises, for a plain resize); for a
    pipeline without augmentation its create_transform uses bilinear, and so does this one."""
    img = photos["chelsea"]
    expected = timm_output(img, input_size=224, interpolation="bilinear", crop_pct=0.9)
    np.testing.assert_allclose(create_transform(224, interpolation="random", crop_pct=0.9)(img), expected, **EXACT)


def test_crop_border_pixels_and_unnormalized_output_give_timms(photos):
    img = photos["coffee"]
    assert_matches_timm(img, input_size=224, crop_border_pixels=7, crop_pct=0.95, interpolation="bicubic")
    expected = timm.data.create_transform(input_size=224, normalize=False)(img).permute(1, 2, 0).numpy()
    actual = create_transform(224, normalize=False)(img)
    assert actual.dtype == np.uint8
    np.testing.assert_array_equal(actual, expected)


def test_images_in_other_modes_are_converted_to_rgb_as_timms_loader_does(photos, grayscale_photo):
    rgba = photos["chelsea"].convert("RGBA")
    rgba.putalpha(128)
    for img in (grayscale_photo, rgba, photos["coffee"].convert("P"), photos["coffee"].convert("CMYK")):
        assert_matches_timm(img, input_size=224, interpolation="bicubic", crop_pct=0.9)
    array = np.asarray(photos["small"])
    np.testing.assert_allclose(create_transform(64)(array), timm_output(photos["small"], input_size=64), **EXACT)


def test_transforms_imagenet_eval_is_what_create_transform_builds(photos):
    img = photos["rocket"]
    expected = create_transform((3, 192, 256), interpolation="bicubic", crop_pct=0.95, crop_mode="border")(img)
    actual = transforms_imagenet_eval((192, 256), interpolation="bicubic", crop_pct=0.95, crop_mode="border")(img)
    np.testing.assert_array_equal(actual, expected)


@pytest.mark.parametrize("size", [(300, 451), (451, 300), (256, 256), (61, 97), (1, 5)])
def test_the_resize_and_crop_geometry_is_torchvisions(size):
    """Output sizes and crop offsets, checked on images whose pixels encode their own coordinates."""
    import torchvision.transforms as tvt

    height, width = size
    yy, xx = np.mgrid[:height, :width]
    img = Image.fromarray(np.stack([yy % 256, xx % 256, (yy // 256) * 16 + xx // 256], -1).astype(np.uint8))
    for resize_size in (7, 224, (100, 37)):
        expected = tvt.Resize(resize_size, interpolation=tvt.InterpolationMode.NEAREST)(img)
        actual = T.Resize(resize_size, interpolation="nearest")(img)
        assert actual.size == expected.size, (resize_size, actual.size, expected.size)
    for crop in (1, 50, (48, 31), 600):
        np.testing.assert_array_equal(np.asarray(T.CenterCrop(crop)(img)), np.asarray(tvt.CenterCrop(crop)(img)))
        fill = (3, 200, 17)
        np.testing.assert_array_equal(
            np.asarray(T.CenterCropOrPad(crop, fill=fill)(img)),
            np.asarray(timm.data.transforms.CenterCropOrPad(crop, fill=list(fill))(img)),
        )
    for target, longest in (((224, 224), 0.0), ((224, 160), 0.0), ((224, 160), 1.0), ((50, 300), 0.3)):
        ours = T.ResizeKeepRatio(target, longest=longest)
        theirs = timm.data.transforms.ResizeKeepRatio(target, longest=longest)
        assert ours.output_size(height, width) == tuple(theirs.get_params(img, target, longest)), (target, longest)
    for border in (0, 3, 40):
        trimmed = timm.data.transforms.TrimBorder(border)(img)
        np.testing.assert_array_equal(np.asarray(T.TrimBorder(border)(img)), np.asarray(trimmed))


# 2. Arguments and bad input


def test_timms_training_only_arguments_are_ignored_as_timm_ignores_them(photos):
    img = photos["small"]
    plain = create_transform(96, crop_pct=0.9)(img)
    with_training_args = create_transform(96, crop_pct=0.9, hflip=0.5, color_jitter=0.4, re_prob=0.25,
                                          auto_augment="rand-m9", scale=(0.08, 1.0))(img)
    np.testing.assert_array_equal(with_training_args, plain)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        (dict(is_training=True), NotImplementedError),
        (dict(use_prefetcher=True), NotImplementedError),
        (dict(naflex=True), NotImplementedError),
        (dict(interpolaton="bicubic"), TypeError),
        (dict(interpolation="cubic"), ValueError),
        (dict(crop_mode="centre"), ValueError),
        (dict(crop_pct=-0.5), ValueError),
        (dict(input_size=(224, 224.0)), ValueError),
        (dict(input_size=0.5), ValueError),
    ],
    ids=str,
)
def test_bad_arguments_are_refused_when_the_transform_is_made(kwargs, error):
    kwargs = {"input_size": 224, **kwargs}
    with pytest.raises(error):
        create_transform(**kwargs)


def test_a_non_image_is_refused():
    transform = create_transform(32)
    with pytest.raises(TypeError):
        transform("cat.jpg")
    with pytest.raises(ValueError):
        transform(np.zeros((8, 8, 3), np.float32))
    with pytest.raises(ValueError):
        transform(np.zeros((8, 8, 2), np.uint8))
