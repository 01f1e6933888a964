"""The console script: convert a timm checkpoint to .keras (each family, loaded back in a fresh process
that imports only luximm_keras; a new head), verify against timm, list models, clear errors."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import safetensors.torch
import timm
import torch

from luximm_keras.cli import main
from luximm_keras.verification.models import perturbed_timm_model, random_images, timm_logits

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
    printed = capsys.readouterr().out
    assert "loaded 152 tensors" in printed
    assert f"keras.saving.load_model({str(out)!r})" in printed.splitlines()[-1]
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


def test_convert_with_another_number_of_classes_gives_a_new_head(vit_tiny_checkpoint, tmp_path, capsys):
    _, path = vit_tiny_checkpoint
    out = tmp_path / "vit10.keras"
    assert main(["convert", str(path), "--model", "vit_tiny_patch16_224", "--num-classes", "10", "-o", str(out)]) == 0
    assert "loaded 150 tensors; reinitialized (2): head.weight, head.bias" in capsys.readouterr().out
    assert keras.saving.load_model(out).output_shape == (None, 10)


FAMILIES = ["vit_tiny_patch16_224", "convnextv2_atto", "resnetv2_50x1_bit", "coatnet_pico_rw_224"]

FRESH_PROCESS = """
import sys
import numpy as np
import luximm_keras  # registers every class; nothing else of the package is imported
import keras
images = np.load(sys.argv[1])
for path in sys.argv[2:]:
    np.save(path + ".npy", keras.ops.convert_to_numpy(keras.saving.load_model(path)(images)))
print("torch" in sys.modules, "timm" in sys.modules)
"""


def test_convert_output_of_every_family_loads_in_a_fresh_process_after_import_luximm_keras(tmp_path, capsys):
    images = random_images(2, 224)
    np.save(tmp_path / "images.npy", images)
    outputs, expected = [], {}
    for name in FAMILIES:
        reference = perturbed_timm_model(name)
        checkpoint = tmp_path / f"{name}.safetensors"
        safetensors.torch.save_file(reference.state_dict(), str(checkpoint))
        out = str(tmp_path / f"{name}.keras")
        assert main(["convert", str(checkpoint), "--model", name, "-o", out]) == 0
        outputs.append(out)
        expected[out] = timm_logits(reference, images)
    capsys.readouterr()
    env = dict(os.environ, KERAS_BACKEND=BACKEND)
    run = subprocess.run([sys.executable, "-c", FRESH_PROCESS, str(tmp_path / "images.npy"), *outputs],
                         capture_output=True, text=True, timeout=900, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    on_jax_torch_is_not_imported = "False" if BACKEND != "torch" else "True"
    assert run.stdout.split()[-2:] == [on_jax_torch_is_not_imported, "False"]  # no timm, no torch needed
    for out in outputs:
        ours = np.load(out + ".npy")
        tolerance = 1e-4 * max(1.0, float(np.abs(expected[out]).max()))
        assert np.abs(ours - expected[out]).max() <= tolerance, out


def test_list_models_with_a_pattern_and_pretrained_tags(capsys):
    assert main(["list-models", "convnextv2_*"]) == 0
    assert capsys.readouterr().out.split() == ["convnextv2_atto", "convnextv2_nano", "convnextv2_tiny"]
    assert main(["list-models", "convnextv2_atto*", "--pretrained"]) == 0
    assert capsys.readouterr().out.split() == ["convnextv2_atto.fcmae", "convnextv2_atto.fcmae_ft_in1k"]
