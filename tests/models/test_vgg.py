"""VGG beyond the family contract (tests/models/test_builder.py, which runs vgg11 and, marked slow,
every other variant): the pre-logits' adaptive pooling against PyTorch's, timm's checkpoint filter
(torchvision's classifier keys), timm's layer names and parameter shapes, and the builder's arguments.
The whole model is built once per module, without a forward pass (its logits are the contract's)."""

from __future__ import annotations

import numpy as np
import pytest
import timm
import torch
import torch.nn.functional as F
from timm.models.vgg import _filter_fn

import keras
from luximm_keras.models import create_model, list_models, model_entry, timm_shapes
from luximm_keras.models.vgg import AdaptiveAvgPoolMin2D, checkpoint_filter_fn
from luximm_keras.verification.models import random_images

from model_checks import assert_block_close, cf, nchw  # tests/models/model_checks.py

NAME = "vgg11_bn"
ARGS = dict(num_classes=10, in_chans=4)


@pytest.fixture(scope="module")
def model():
    return create_model(NAME, img_size=(64, 48), **ARGS)


def test_registered_with_timms_names_tags_and_filter():
    assert list_models("vgg*") == sorted(
        ["vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn"]
    )
    assert list_models("vgg*", pretrained=True) == sorted(timm.list_models("vgg*", pretrained=True))
    assert model_entry(NAME).checkpoint_filter is checkpoint_filter_fn
    assert model_entry(NAME).feature_out_indices == (0, 1, 2, 3, 4, 5)


def test_layer_names_and_shapes_are_timms(model):
    """Every parameter and running statistic, under timm's key and in timm's shape (the head and the
    input conv resized as `timm.create_model` resizes them)."""
    meta = timm.create_model(NAME, device="meta", **ARGS)
    expected = {k: tuple(v.shape) for k, v in meta.state_dict().items() if not k.endswith("num_batches_tracked")}
    assert timm_shapes(model) == expected
    names = {layer.name for layer in model.layers}
    assert {"features__0", "features__1", "features__2", "features__3", "pre_logits__fc1", "head__fc"} <= names


def test_builder_arguments(model):
    assert tuple(model.input.shape) == (None, 64, 48, 4) and tuple(model.output.shape) == (None, 10)
    assert tuple(create_model("vgg11", num_classes=0).output.shape) == (None, 4096)  # the pooled pre-logits
    with pytest.raises(ValueError, match="num_classes"):
        create_model(NAME, num_classes=-1)


@pytest.mark.parametrize("size", [(5, 3), (7, 9), (2, 11), (12, 8)], ids=str)
def test_adaptive_pool_matches_pytorch(size):
    """Maps under 7x7 along either axis are pooled as `F.adaptive_avg_pool2d` to `max(7, size)`; the
    others pass unchanged (timm's `ConvMlp.forward`)."""
    x = np.random.default_rng(0).standard_normal((2, *size, 3)).astype("float32")
    expected = F.adaptive_avg_pool2d(nchw(x), (max(7, size[0]), max(7, size[1]))).permute(0, 2, 3, 1).numpy()
    got = cf.to_numpy(AdaptiveAvgPoolMin2D(7)(x))
    assert_block_close(got, expected, f"adaptive pool {size}")


def test_adaptive_pool_with_sizes_unknown_until_run():
    """In a graph whose height and width are unknown when it is built (TensorFlow's), the pooling
    matrix comes from the run-time size: identity on a long enough axis."""
    inputs = keras.Input((None, None, 3))
    graph = keras.Model(inputs, AdaptiveAvgPoolMin2D(7)(inputs))
    for size in ((4, 9), (8, 8)):
        x = random_images(1, 16)[:, : size[0], : size[1]]
        expected = F.adaptive_avg_pool2d(nchw(x), (max(7, size[0]), max(7, size[1]))).permute(0, 2, 3, 1).numpy()
        assert_block_close(graph.predict(x, verbose=0), expected, f"unknown size {size}")


def test_checkpoint_filter_matches_timms_on_torchvision_keys():
    """torchvision's VGG classifier (three Linear layers) becomes timm's pre-logits convs and head."""
    rng = np.random.default_rng(0)
    state = {
        "features.0.weight": rng.standard_normal((4, 3, 3, 3)).astype("float32"),
        "classifier.0.weight": rng.standard_normal((3, 512 * 7 * 7)).astype("float32"),
        "classifier.0.bias": rng.standard_normal(3).astype("float32"),
        "classifier.3.weight": rng.standard_normal((2, 4096)).astype("float32"),
        "classifier.3.bias": rng.standard_normal(2).astype("float32"),
        "classifier.6.weight": rng.standard_normal((5, 4096)).astype("float32"),
        "classifier.6.bias": rng.standard_normal(5).astype("float32"),
    }
    expected = _filter_fn({k: torch.from_numpy(v) for k, v in state.items()})
    got = checkpoint_filter_fn(state, None)
    assert list(got) == list(expected)
    for key, value in expected.items():
        np.testing.assert_array_equal(got[key], value.numpy(), err_msg=key)
