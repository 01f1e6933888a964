"""export_timm_weights gives back a state dict that timm's strict load_state_dict takes."""

import numpy as np
import pytest
import torch

from luximm_keras.interop import export_timm_weights, load_timm_weights
from luximm_keras.verification.cases import CASES, prepare, timm_forward, keras_forward


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_export_round_trips_through_timm_strict_load(case):
    prepared = prepare(case)
    load_timm_weights(prepared.keras_layer, prepared.state)
    exported = export_timm_weights(prepared.keras_layer)
    fresh = case.make_timm().eval()
    if case.timm_oracle is not None:  # a module for another in_chans: compare against that one
        fresh = case.timm_oracle(fresh)
    fresh.load_state_dict({k: torch.from_numpy(v) for k, v in exported.items()}, strict=True)
    for key, value in prepared.state.items():
        np.testing.assert_array_equal(exported[key], value, err_msg=key)
    prepared.timm_module = fresh
    np.testing.assert_allclose(keras_forward(prepared), timm_forward(prepared), rtol=1e-5, atol=1e-5)


def test_export_prefix_and_unbuilt_target():
    from luximm_keras.layers import LayerNorm2D

    layer = LayerNorm2D()
    with pytest.raises(ValueError, match="not built"):
        export_timm_weights(layer)
    layer.build((None, 4, 4, 3))
    assert sorted(export_timm_weights(layer, prefix="stem.1.")) == ["stem.1.bias", "stem.1.weight"]
