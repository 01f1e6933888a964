"""The console script: convert a timm checkpoint to .keras, verify against timm, clear errors."""

import subprocess
import sys

import keras
import numpy as np
import pytest
import safetensors.torch
import timm
import torch

from luximm_keras.cli import main

BACKEND = keras.backend.backend()


@pytest.fixture(scope="module")
def vit_tiny_checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    reference = timm.create_model("vit_tiny_patch16_224", pretrained=False).eval()
    path = tmp_path_factory.mktemp("ckpt") / "model.safetensors"
    safetensors.torch.save_file(reference.state_dict(), str(path))
    return reference, path


def test_convert_writes_a_keras_model_with_timms_logits(vit_tiny_checkpoint, tmp_path, capsys):
    reference, path = vit_tiny_checkpoint
    out = tmp_path / "vit.keras"
    assert main(["convert", str(path), "--model", "vit_tiny_patch16_224", "-o", str(out)]) == 0
    assert "loaded 152 tensors" in capsys.readouterr().out
    model = keras.saving.load_model(out)
    images = np.random.default_rng(0).standard_normal((2, 224, 224, 3)).astype("float32")
    with torch.no_grad():
        expected = reference(torch.from_numpy(images).permute(0, 3, 1, 2)).numpy()
    assert np.abs(keras.ops.convert_to_numpy(model(images)) - expected).max() <= 1e-4


def test_convert_errors_name_the_problem(vit_tiny_checkpoint, tmp_path, capsys):
    _, path = vit_tiny_checkpoint
    assert main(["convert", str(path), "--model", "vit_tiny", "-o", str(tmp_path / "a.keras")]) == 1
    assert "Unknown model 'vit_tiny'" in capsys.readouterr().err
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(path.read_bytes()[:1000])
    assert main(["convert", str(broken), "--model", "vit_tiny_patch16_224", "-o", str(tmp_path / "b.keras")]) == 1
    assert str(broken) in capsys.readouterr().err
    assert main(["convert", str(tmp_path / "none.pth"), "--model", "vit_tiny_patch16_224", "-o", str(tmp_path / "c.keras")]) == 1
    assert "none.pth" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["convert", str(path), "--model", "vit_tiny_patch16_224", "-o", str(tmp_path / "model.h5")])


def test_verify_prints_the_table_for_this_backend():
    run = subprocess.run(
        [sys.executable, "-m", "luximm_keras.cli", "verify", "--backends", BACKEND, "--repeats", "1"],
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "max abs err" in run.stdout and "RelPosAttention2D" in run.stdout
    from luximm_keras.verification.cases import CASES

    assert f"{len(CASES)} of {len(CASES)} block checks match timm" in run.stdout
