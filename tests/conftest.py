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
    """Each test starts from float32 and a fresh name scope, whatever the previous one set.

    `free_memory=False`: the full `gc.collect()` clear_session would run walks every object torch,
    timm and the backend created at import (0.3-1 s a test); Python's own collector still runs."""
    keras.config.set_dtype_policy("float32")
    keras.backend.clear_session(free_memory=False)
    yield
    keras.config.set_dtype_policy("float32")


@pytest.fixture
def rng():
    return np.random.default_rng(0)
