"""Test set-up: the timm oracle is imported before Keras, because importing TensorFlow before
torchvision (which timm imports) crashes the interpreter."""

import torch  # noqa: F401  (first, on purpose)
import timm  # noqa: F401

import keras
import numpy as np
import pytest

BACKEND = keras.backend.backend()


@pytest.fixture(autouse=True)
def _clean_keras_state():
    """Each test starts from float32 and a fresh name scope, whatever the previous one set."""
    keras.config.set_dtype_policy("float32")
    keras.backend.clear_session()
    yield
    keras.config.set_dtype_policy("float32")


@pytest.fixture
def rng():
    return np.random.default_rng(0)
