"""The layout transforms and adapt_input_conv, against torch/timm doing the same thing."""

import numpy as np
import pytest
import torch
from timm.models._manipulate import adapt_input_conv as timm_adapt_input_conv

from luximm_keras.interop import transforms as t


@pytest.fixture
def oihw(rng):
    return rng.standard_normal((6, 4, 3, 5)).astype("float32")


def test_oihw_to_hwio_matches_keras_conv_of_torch_conv(oihw, rng):
    import keras

    x = rng.standard_normal((2, 9, 11, 4)).astype("float32")
    ours = keras.ops.convert_to_numpy(keras.ops.conv(x, t.oihw_to_hwio(oihw), padding="valid"))
    ref = torch.nn.functional.conv2d(torch.from_numpy(x).permute(0, 3, 1, 2), torch.from_numpy(oihw))
    np.testing.assert_allclose(ours, ref.permute(0, 2, 3, 1).numpy(), rtol=1e-5, atol=1e-5)


def test_linear_to_dense_matches_torch_linear(rng):
    w = rng.standard_normal((5, 3)).astype("float32")
    x = rng.standard_normal((4, 3)).astype("float32")
    np.testing.assert_allclose(x @ t.linear_to_dense(w), torch.nn.functional.linear(torch.from_numpy(x), torch.from_numpy(w)).numpy(), rtol=1e-6)


def test_conv1x1_to_dense_is_the_same_product(rng):
    w = rng.standard_normal((5, 3, 1, 1)).astype("float32")
    np.testing.assert_array_equal(t.conv1x1_to_dense(w), w[:, :, 0, 0].T)
    with pytest.raises(ValueError, match="1x1"):
        t.conv1x1_to_dense(rng.standard_normal((5, 3, 3, 3)))


def test_depthwise_oihw_to_hwcm_matches_torch_depthwise_conv(rng):
    import keras

    w = rng.standard_normal((4, 1, 3, 3)).astype("float32")
    x = rng.standard_normal((2, 7, 6, 4)).astype("float32")
    ours = keras.ops.convert_to_numpy(keras.ops.depthwise_conv(x, t.depthwise_oihw_to_hwcm(w), padding="valid"))
    ref = torch.nn.functional.conv2d(torch.from_numpy(x).permute(0, 3, 1, 2), torch.from_numpy(w), groups=4)
    np.testing.assert_allclose(ours, ref.permute(0, 2, 3, 1).numpy(), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="depthwise"):
        t.depthwise_oihw_to_hwcm(rng.standard_normal((4, 2, 3, 3)))


def test_per_channel_to_vector(rng):
    g = rng.standard_normal((7, 1, 1, 1))
    np.testing.assert_array_equal(t.per_channel_to_vector(g), g.reshape(7))
    with pytest.raises(ValueError):
        t.per_channel_to_vector(rng.standard_normal((7, 2, 1, 1)))


@pytest.mark.parametrize("forward", list(t.INVERSES))
def test_inverses_undo_their_transform(forward, rng):
    shapes = {
        t.identity: (5,),
        t.oihw_to_hwio: (6, 4, 3, 5),
        t.oik_to_kio: (6, 4, 3),
        t.linear_to_dense: (5, 3),
        t.conv1x1_to_dense: (5, 3, 1, 1),
        t.depthwise_oihw_to_hwcm: (6, 1, 3, 5),
        t.per_channel_to_vector: (7, 1, 1, 1),
    }
    a = rng.standard_normal(shapes[forward])
    np.testing.assert_array_equal(t.INVERSES[forward](forward(a)), a)


@pytest.mark.parametrize("transform", [t.oihw_to_hwio, t.oik_to_kio, t.linear_to_dense, t.conv1x1_to_dense])
def test_transforms_refuse_the_wrong_rank(transform):
    with pytest.raises(ValueError, match="expected"):
        transform(np.zeros((3,)))


@pytest.mark.parametrize("in_chans", [1, 2, 3, 4, 5, 7])
@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_adapt_input_conv_equals_timm(in_chans, dtype, rng):
    w = rng.standard_normal((8, 3, 4, 4)).astype(dtype)
    ours = t.adapt_input_conv(in_chans, w)
    ref = timm_adapt_input_conv(in_chans, torch.from_numpy(w)).numpy()
    assert ours.dtype == ref.dtype and ours.shape == ref.shape
    np.testing.assert_allclose(ours.astype("float32"), ref.astype("float32"), rtol=1e-3 if dtype == "float16" else 1e-6)


def test_adapt_input_conv_space_to_depth_stem_to_one_channel(rng):
    w = rng.standard_normal((8, 12, 3, 3)).astype("float32")
    np.testing.assert_allclose(
        t.adapt_input_conv(1, w), timm_adapt_input_conv(1, torch.from_numpy(w)).numpy(), rtol=1e-6
    )


def test_adapt_input_conv_bad_input(rng):
    with pytest.raises(ValueError, match="positive"):
        t.adapt_input_conv(0, rng.standard_normal((8, 3, 3, 3)))
    with pytest.raises(ValueError, match="4-d"):
        t.adapt_input_conv(1, rng.standard_normal((8, 3)))
    with pytest.raises(ValueError, match="base_chans"):
        t.adapt_input_conv(4, rng.standard_normal((8, 5, 3, 3)))
