"""Every block against timm's own module: same random weights, same input, float32, CPU."""

import numpy as np
import pytest

from luximm_keras.verification.cases import CASES, keras_forward, prepare, run_case, timm_forward
from luximm_keras.interop import load_timm_weights

PARITY = dict(rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_matches_timm(case):
    keras_out, timm_out, _ = run_case(case)
    assert keras_out.shape == timm_out.shape
    np.testing.assert_allclose(keras_out, timm_out, **PARITY)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_flipping_one_weight_breaks_parity(case):
    """The parity check can fail: negate one parameter of the checkpoint and it must."""
    prepared = prepare(case)
    state = dict(prepared.state)
    # The largest tensor: always a weight that shapes the output (never a bias that could be zero).
    key = max(state, key=lambda k: state[k].size)
    state[key] = -state[key]
    load_timm_weights(prepared.keras_layer, state, strict=True)
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(keras_forward(prepared), timm_forward(prepared), **PARITY)
