"""Fixtures of the model-family tests: each test module names its smallest variant `SMALLEST`; these
build timm's perturbed reference once per module, and our model with its weights loaded strictly.
(Modules that build their model otherwise, as test_coatnet.py and test_resnetv2.py do, define their
own `loaded`.)"""

import pytest

from luximm_keras.interop import load_timm_weights
from luximm_keras.models import create_model
from luximm_keras.verification.models import perturbed_timm_model, random_images, timm_state_dict


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
    return model, load_timm_weights(model, state, strict=True)
