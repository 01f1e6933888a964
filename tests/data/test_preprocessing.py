"""The Keras pipeline (`create_preprocessing` and the layers of luximm_keras.data.preprocessing) against
timm's PIL pipeline on photographs, on the current backend; Keras conformance; bad input.

timm is the oracle. The Keras resampling is not PIL's fixed-point code, so values may differ by an
8-bit step (1 / 255 / std after normalization), rarely two; the share of differing values and the mean
difference are bounded too, so that a shifted crop, a wrong pass order or a wrong filter (many values
off by a step or more) fails.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import timm.data
from PIL import Image

from luximm_keras.data import create_preprocessing, resolve_data_config
from luximm_keras.data.preprocessing import CenterCropOrPad, Resize, ResizeKeepRatio, pil_resamples_height_first

BACKEND = keras.backend.backend()

MODEL_NAMES = (
    "vit_base_patch16_224.augreg_in1k",  # bicubic, 0.9, mean 0.5
    "convnextv2_atto.fcmae_ft_in1k",  # bicubic, 0.875, ImageNet mean and std
    "convnextv2_tiny.fcmae_ft_in22k_in1k_384",  # bicubic, squash, 1.0, 384
    "resnetv2_50x1_bit.goog_in21k",  # bilinear, 0.875
    "resnetv2_50x1_bit.goog_in21k_ft_in1k",  # bilinear, 1.0, 448
)


def timm_output(img: Image.Image, **config) -> np.ndarray:
    return timm.data.create_transform(**config)(img).permute(1, 2, 0).numpy()


def to_numpy(x) -> np.ndarray:
    return keras.ops.convert_to_numpy(x)


def assert_close_to_timm(actual: np.ndarray, expected: np.ndarray, std, what: str = "", rounded: bool = True) -> None:
    """Within two 8-bit steps of timm's everywhere, more than one step at under 0.1% of the values.
    With the 8-bit passes (`rounded`) at most 10% of the values differ at all and the mean difference
    is below 1e-3; without them every value carries PIL's rounding (a quarter step on average), and
    the mean is held to half a step."""
    assert actual.shape == expected.shape, (actual.shape, expected.shape, what)
    step = 1.0 / 255.0 / min(std)
    diff = np.abs(actual - expected)
    assert diff.max() <= 2 * step + 1e-5, f"{what}: max {diff.max():.5f} > 2 steps ({step:.5f})"
    assert (diff > step + 1e-5).mean() < 1e-3, f"{what}: {(diff > step + 1e-5).mean():.2%} of the values > 1 step"
    mean_bound = 1e-3 if rounded else step / 2
    assert diff.mean() < mean_bound, f"{what}: mean difference {diff.mean():.2e}"
    if rounded:
        assert (diff > 1e-4).mean() < 0.1, f"{what}: {(diff > 1e-4).mean():.1%} of the values differ"


def check_against_timm(images, config: dict, **kwargs) -> None:
    """One pipeline for `config`, run on each image (a new size each time) and compared with timm."""
    preprocess = create_preprocessing(**config, **kwargs)
    for img in images:
        # Compiled (tf.function, jax.jit; eager on torch): on JAX one compilation instead of one per op.
        actual = preprocess.predict(np.asarray(img)[None], verbose=0)[0]
        assert actual.dtype == np.float32
        assert_close_to_timm(actual, timm_output(img, **config), config.get("std", (0.229, 0.224, 0.225)),
                             what=str(config))


# 1. Parity with timm


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_the_config_of_a_registered_model_is_close_to_timm(name, photos):
    check_against_timm([photos["chelsea"], photos["small"]], resolve_data_config(name))


@pytest.mark.parametrize(
    "photo, input_size, crop_pct, crop_mode",
    [
        ("tall", (3, 96, 64), 0.9, "center"),  # a rectangle: ResizeKeepRatio; the height resampled first
        ("coffee", (3, 64, 96), 1.15, "center"),  # crop_pct > 1: the crop is padded with zeros
        ("tall", (3, 61, 61), 0.875, "squash"),
        ("small", (3, 96, 64), 1.0, "border"),  # upscaled, then padded with the mean colour
    ],
    ids=str,
)
def test_every_crop_mode_on_rectangles_and_padded_crops_is_close_to_timm(photo, input_size, crop_pct, crop_mode,
                                                                            photos):
    config = dict(input_size=input_size, crop_pct=crop_pct, crop_mode=crop_mode, interpolation="bicubic",
                  mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))
    check_against_timm([photos[photo]], config)


def test_without_the_8bit_passes_bilinear_stays_within_two_steps(photos):
    config = resolve_data_config("resnetv2_50x1_bit.goog_in21k")
    img = photos["chelsea"]
    actual = to_numpy(create_preprocessing(**config, match_pil=False)(np.asarray(img)[None]))[0]
    assert_close_to_timm(actual, timm_output(img, **config), config["std"], rounded=False)


@pytest.mark.parametrize("interpolation", ["lanczos", "box", "hamming", "nearest"])
def test_pils_other_filters_are_close_to_timm_and_nearest_equals_it(interpolation, photos):
    config = dict(input_size=(3, 96, 128), crop_pct=0.9, interpolation=interpolation, mean=(0.5,) * 3, std=(0.5,) * 3)
    check_against_timm([photos["chelsea"]], config)
    if interpolation == "nearest":  # PIL's picks, gathered (astronaut: 512 -> 106, exact ties on many rows)
        img = photos["astronaut"]
        actual = create_preprocessing(**config).predict(np.asarray(img)[None], verbose=0)[0]
        np.testing.assert_allclose(actual, timm_output(img, **config), rtol=0, atol=1e-6)


def test_a_model_of_unknown_image_size_takes_photos_of_any_size(photos):
    config = resolve_data_config("vit_base_patch16_224.augreg_in1k")
    inputs = keras.Input((None, None, 3), dtype="uint8")
    model = keras.Model(inputs, create_preprocessing(**config)(inputs))
    assert model.output_shape == (None, 224, 224, 3)
    for photo in ("chelsea", "tall", "chelsea"):  # a second size retraces TensorFlow's predict with unknown sizes
        actual = model.predict(np.asarray(photos[photo])[None], verbose=0)[0]
        assert_close_to_timm(actual, timm_output(photos[photo], **config), config["std"], what=photo)


@pytest.mark.skipif(BACKEND != "tensorflow", reason="unknown sizes inside a traced function: TensorFlow only")
def test_sizes_known_only_at_run_time_resize_through_scale_and_translate(photos):
    import tensorflow as tf

    for crop_mode in ("center", "border"):
        config = dict(resolve_data_config("convnextv2_atto.fcmae_ft_in1k"), input_size=(3, 96, 80), crop_mode=crop_mode)
        preprocess = create_preprocessing(**config)
        traced = tf.function(preprocess, input_signature=[tf.TensorSpec((None, None, None, 3), tf.uint8)])
        for photo in ("chelsea", "small"):
            actual = traced(np.asarray(photos[photo])[None]).numpy()[0]
            assert_close_to_timm(actual, timm_output(photos[photo], **config), config["std"], what=photo)
    box = create_preprocessing(96, interpolation="box")  # PIL's box and hamming: static sizes only
    with pytest.raises(ValueError, match="known only at run time"):
        tf.function(box, input_signature=[tf.TensorSpec((None, None, None, 3), tf.uint8)]).get_concrete_function()


def test_channels_first_is_the_transposed_channels_last_result(photos):
    config = dict(resolve_data_config("convnextv2_atto.fcmae_ft_in1k"), input_size=(3, 64, 48), crop_mode="border")
    x = np.asarray(photos["small"])[None]
    last = create_preprocessing(**config).predict(x, verbose=0)
    first = create_preprocessing(**config, data_format="channels_first").predict(x.transpose(0, 3, 1, 2), verbose=0)
    np.testing.assert_allclose(first.transpose(0, 2, 3, 1), last, rtol=0, atol=1e-5)


def test_a_batch_is_its_images_and_uint8_equals_float_input(photos):
    config = resolve_data_config("resnetv2_50x1_bit.goog_in21k")
    preprocess = create_preprocessing(**config)
    a, b = np.asarray(photos["chelsea"]), np.asarray(photos["chelsea"].transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    batch = to_numpy(preprocess(np.stack([a, b])))
    np.testing.assert_allclose(batch[0], to_numpy(preprocess(a[None]))[0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(batch[1], to_numpy(preprocess(b[None]))[0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(to_numpy(preprocess(a[None].astype("float32")))[0], batch[0], rtol=0, atol=1e-6)


def test_the_pipeline_stays_float32_under_a_mixed_precision_policy(photos):
    config = resolve_data_config("vit_base_patch16_224.augreg_in1k")
    x = np.asarray(photos["small"])[None]
    expected = to_numpy(create_preprocessing(**config)(x))
    keras.config.set_dtype_policy("mixed_bfloat16")
    out = create_preprocessing(**config)(x)
    assert keras.backend.standardize_dtype(out.dtype) == "float32"
    np.testing.assert_array_equal(to_numpy(out), expected)


def test_the_pass_order_is_the_installed_pillows():
    """Pillow resizes in two 8-bit passes; which runs first shows when its resize is compared with its
    own one-axis resizes composed both ways, on an image whose clipped overshoots make the orders
    differ. The layers' rule must name the order Pillow took, for shrinking and growing sizes."""
    rng = np.random.default_rng(0)
    for _ in range(40):
        height, width, out_h, out_w = (int(v) for v in rng.integers(4, 60, 4))
        if out_h == height or out_w == width:
            continue
        img = Image.fromarray(rng.integers(0, 2, (height, width, 3)).astype(np.uint8) * 255)
        full = np.asarray(img.resize((out_w, out_h), Image.Resampling.BICUBIC))
        width_first = np.asarray(img.resize((out_w, height), Image.Resampling.BICUBIC)
                                 .resize((out_w, out_h), Image.Resampling.BICUBIC))
        height_first = np.asarray(img.resize((width, out_h), Image.Resampling.BICUBIC)
                                  .resize((out_w, out_h), Image.Resampling.BICUBIC))
        if np.array_equal(width_first, height_first):
            continue
        expected = height_first if pil_resamples_height_first(height, width, out_h, out_w) else width_first
        np.testing.assert_array_equal(full, expected, err_msg=f"{height}x{width} -> {out_h}x{out_w}")


# 2. Keras conformance


def test_the_pipeline_saves_to_a_keras_file_and_loads_without_custom_objects(photos, tmp_path):
    config = dict(resolve_data_config("convnextv2_atto.fcmae_ft_in1k"), input_size=(3, 64, 48), crop_mode="border")
    preprocess = create_preprocessing(**config)
    inputs = keras.Input((None, None, 3))
    model = keras.Model(inputs, preprocess(inputs))
    x = np.asarray(photos["small"], dtype="float32")[None]
    model.save(tmp_path / "preprocess.keras")
    revived = keras.saving.load_model(tmp_path / "preprocess.keras")
    np.testing.assert_array_equal(to_numpy(revived(x)), to_numpy(model(x)))


@pytest.mark.parametrize(
    "layer",
    [
        Resize(12, interpolation="bicubic"),
        Resize((12, 7), interpolation="nearest", antialias=False, match_pil=False),
        ResizeKeepRatio((12, 10), longest=0.5, data_format="channels_first"),
        CenterCropOrPad((12, 24), fill_value=(1.0, 2.0, 3.0)),
        CenterCropOrPad(5, fill_value=7.0),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_from_config_rebuilds_an_equal_layer_registered_under_luximm_keras(layer):
    config = layer.get_config()
    revived = type(layer).from_config(config)
    assert revived.get_config() == config
    assert keras.saving.get_registered_name(type(layer)) == f"luximm_keras>{type(layer).__name__}"
    shape = (2, 3, 16, 20) if config["data_format"] == "channels_first" else (2, 16, 20, 3)
    x = np.random.default_rng(0).uniform(0, 255, shape).astype("float32")
    np.testing.assert_array_equal(to_numpy(revived(x)), to_numpy(layer(x)))
    assert tuple(layer(x).shape) == layer.compute_output_shape(shape)


def test_symbolic_shapes():
    assert Resize(12).compute_output_shape((None, 16, 20, 3)) == (None, 12, 15, 3)
    assert Resize(12).compute_output_shape((None, None, None, 3)) == (None, None, None, 3)
    assert Resize((12, 7)).compute_output_shape((None, None, None, 3)) == (None, 12, 7, 3)
    assert ResizeKeepRatio(10, longest=1.0).compute_output_shape((1, 16, 20, 3)) == (1, 8, 10, 3)
    assert CenterCropOrPad((5, 9)).compute_output_shape((None, None, None, 3)) == (None, 5, 9, 3)


# 3. Bad input


@pytest.mark.parametrize("interpolation", ["area", "cubic", "gaussian"])
def test_an_interpolation_timm_does_not_name_is_refused_when_the_pipeline_is_made(interpolation):
    with pytest.raises(ValueError, match="interpolation"):
        create_preprocessing(224, interpolation=interpolation)


def test_bad_arguments_and_inputs_are_refused():
    with pytest.raises(ValueError):
        create_preprocessing(224, crop_mode="centre")
    with pytest.raises(ValueError):
        CenterCropOrPad((5, 5, 5))
    with pytest.raises(ValueError):
        Resize(12)(np.zeros((16, 20, 3), "float32"))  # a batch is required
