"""Fixtures of the model-family tests: each test module names its smallest variant `SMALLEST`; these
build timm's perturbed reference once per module, and our model with its weights loaded strictly.
(Modules that build their model otherwise, as test_maxxvit.py and test_resnetv2.py do, define their
own `loaded`; test_builder.py parametrizes its own over every family.)"""

import pytest

from luximm_keras.initializers import host_initialization
from luximm_keras.models import create_model, load_pretrained
from luximm_keras.verification.models import perturbed_timm_model, random_images, timm_state_dict


@pytest.fixture(autouse=True)
def _initial_values_drawn_on_the_host():
    """The layers these tests build themselves (blocks beside timm's modules) draw their initial values
    on the host, as `create_model`'s do: on jax Keras' initializers compile a kernel for every new
    shape, seconds per block. (tests/test_initializers.py checks both ways give the same distributions.)"""
    with host_initialization():
        yield


@pytest.fixture(scope="module")
def reference(request):
    return perturbed_timm_model(request.module.SMALLEST)


@pytest.fixture(scope="module")
def state(reference):
    return timm_state_dict(reference)


@pytest.fixture(scope="module")
def images():
    return random_images(2, 224)


@pytest.fixture(scope="module")
def loaded(request, state):
    """Our model with timm's weights, and the load report."""
    model = create_model(request.module.SMALLEST)
    return model, load_pretrained(model, state)
