"""The way back for whole models: export_timm_weights gives a state dict that timm's strict
load_state_dict accepts, equal to the checkpoint that was loaded."""

import numpy as np
import pytest
import timm
import torch

from luximm_keras.interop import export_timm_weights
from luximm_keras.models import create_model, load_pretrained
from luximm_keras.verification.models import perturbed_timm_model, timm_state_dict


@pytest.mark.parametrize(
    "name",
    ["vit_tiny_patch16_224", "convnextv2_atto", "resnetv2_50x1_bit", "coatnet_0_rw_224"],
)
def test_export_passes_timms_strict_load_and_equals_the_checkpoint(name):
    state = timm_state_dict(perturbed_timm_model(name))
    model = create_model(name)
    load_pretrained(model, state)
    exported = export_timm_weights(model)
    timm.create_model(name, pretrained=False).load_state_dict(
        {k: torch.from_numpy(v) for k, v in exported.items()}, strict=True
    )
    # Every parameter and running statistic comes back; only buffers torch fills in itself do not.
    assert set(state) - set(exported) == {k for k in state if k.endswith("num_batches_tracked")}
    for key, value in exported.items():
        np.testing.assert_array_equal(value, state[key], err_msg=key)
