"""Test set-up: the timm oracle is imported before Keras, because importing TensorFlow before
torchvision (which timm imports) crashes the interpreter."""

import torch  # noqa: F401  (first, on purpose)
import timm  # noqa: F401

import keras
import numpy as np
import pytest

from ci_rotation import ci_backend, ci_family  # tests/ci_rotation.py

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


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects: the marks it adds decide
def pytest_collection_modifyitems(config, items):
    """CI's backend rotation (tests/ci_rotation.py): a family's checks run in CI on its backend only."""
    for item in items:
        if item.originalname in getattr(item.module, "NOT_ROTATED", ()):
            continue
        family = ci_family(item)
        if family is None:
            continue
        off_jax = getattr(item.module, "CI_OFF_JAX", ())
        if ci_backend(family, off_jax=off_jax is True or item.originalname in off_jax) != BACKEND:
            item.add_marker(pytest.mark.slow)
