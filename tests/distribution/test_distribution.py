"""keras.distribution on two host devices (jax): DataParallel and a ModelParallel layout map that
shards the attention and MLP kernels train one step to the single-device result."""

import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import pytest

SCRIPT = Path(__file__).with_name("train_step_check.py")


@pytest.mark.skipif(keras.backend.backend() != "jax", reason="keras.distribution is implemented for jax")
def test_data_and_model_parallel_match_single_device():
    env = dict(os.environ, KERAS_BACKEND="jax", XLA_FLAGS="--xla_force_host_platform_device_count=2")
    run = subprocess.run([sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(run.stdout.strip().splitlines()[-1])
    assert results["devices"] == 2
    assert results["unchanged_by_step"] == []  # the step trains every variable
    for name in ("DataParallel", "ModelParallel"):
        assert results[name]["same_variables"], name
        assert results[name]["loss_diff"] <= 1e-5, results[name]
        assert results[name]["max_weight_diff"] <= 1e-5, results[name]
    assert results["DataParallel"]["qkv_kernel_sharding"] in ("P(None, None)", "PartitionSpec(None, None)")
    assert "model" in results["ModelParallel"]["qkv_kernel_sharding"]
