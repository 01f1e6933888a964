"""The console script: convert a timm checkpoint to .keras (each family, loaded back in a fresh process
that imports only luximm_keras; a new head), verify against timm, list models, predict, help and
version, clear errors, and no TensorFlow start-up notices."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest
import safetensors.torch
import timm
import torch
from PIL import Image

import luximm_keras
from ci_rotation import ci_backend, family_of  # tests/ci_rotation.py
from luximm_keras.cli import main
from luximm_keras.data import imagenet_class_names
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


# The blocks' parity on every backend is tests/test_parity.py's; the command's table, from a worker
# process per backend, is checked in CI on torch, on the others in the slow suite.
@(pytest.mark.slow if BACKEND != "torch" else (lambda test: test))
def test_verify_prints_the_table_for_this_backend():
    run = subprocess.run(
        [sys.executable, "-m", "luximm_keras.cli", "verify", "--backends", BACKEND, "--samples", "1"],
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "max abs err" in run.stdout and "RelPosAttention2D" in run.stdout
    from luximm_keras.verification.cases import CASES

    assert f"{len(CASES)} of {len(CASES)} block checks match timm" in run.stdout
    assert "median time per call over 1 samples" in run.stdout
    # stderr is a pipe here: no progress bar (no carriage returns), one line for the backend.
    assert "\r" not in run.stderr
    assert run.stderr.splitlines()[-1].split()[:5] == [BACKEND, str(len(CASES)), "of", str(len(CASES)), "ok"]


def test_verify_refuses_an_unknown_model_at_once(capsys):
    start = time.perf_counter()
    assert main(["verify", "--model", "vit_tiny_patch16_224x"]) == 2
    assert time.perf_counter() - start < 10  # no worker started (each takes 10-30 s)
    err = capsys.readouterr().err
    assert err.count("Unknown model 'vit_tiny_patch16_224x'") == 1
    assert "Did you mean vit_tiny_patch16_224" in err


def test_time_pair_calibrates_samples_to_the_minimum_time():
    from luximm_keras.verification.worker import time_pair

    calls = {"a": 0, "b": 0}

    def count(key):
        calls[key] += 1

    a_ms, b_ms = time_pair(lambda: count("a"), lambda: count("b"), samples=3, min_sample_s=0.005)
    assert calls["a"] > 100 and calls["b"] > 100  # microsecond calls: many per sample
    assert 0 < a_ms < 1 and 0 < b_ms < 1
    slept, _ = time_pair(lambda: time.sleep(0.002), lambda: None, samples=3, min_sample_s=0.005)
    assert 1.9 < slept < 10


def test_convert_with_another_number_of_classes_gives_a_new_head(vit_tiny_checkpoint, tmp_path, capsys):
    _, path = vit_tiny_checkpoint
    out = tmp_path / "vit10.keras"
    assert main(["convert", str(path), "--model", "vit_tiny_patch16_224", "--num-classes", "10", "-o", str(out)]) == 0
    assert "loaded 150 tensors; reinitialized (2): head.weight, head.bias" in capsys.readouterr().out
    assert keras.saving.load_model(out).output_shape == (None, 10)


# Families' smallest architectures (tests/models/test_builder.py's SMALLEST): in CI each backend converts
# those of the families CI's rotation gives it (tests/ci_rotation.py), the slow suite all of them.
FAMILIES = ["vit_tiny_patch16_224", "convnextv2_atto", "resnetv2_18", "coatnet_pico_rw_224", "mobilenetv3_small_050",
            "swin_tiny_patch4_window7_224"]
SLOW_FAMILIES = ["resnet10t", "test_nfnet", "deit_tiny_distilled_patch16_224", "regnetx_002", "tinynet_e",
                 "eva02_tiny_patch14_224", "test_byobnet", "vgg11"]
ROTATED_HERE = [name for name in FAMILIES if ci_backend(family_of(name)) == BACKEND]


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


def _convert_and_run_in_a_fresh_process(names, tmp_path, capsys):
    images = random_images(2, 224)
    np.save(tmp_path / "images.npy", images)
    outputs, expected = [], {}
    for name in names:
        reference = perturbed_timm_model(name)
        checkpoint = tmp_path / f"{name}.safetensors"
        safetensors.torch.save_file(reference.state_dict(), str(checkpoint))
        out = str(tmp_path / f"{name}.keras")
        assert main(["convert", str(checkpoint), "--model", name, "-o", out]) == 0
        outputs.append(out)
        expected[out] = timm_logits(reference, images)
        del reference
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


def test_convert_output_of_the_families_rotated_here_loads_in_a_fresh_process_after_import_luximm_keras(
        tmp_path, capsys):
    assert ROTATED_HERE, f"no family of FAMILIES is rotated to {BACKEND}"
    _convert_and_run_in_a_fresh_process(ROTATED_HERE, tmp_path, capsys)


@pytest.mark.slow
def test_convert_output_of_the_other_families_loads_in_a_fresh_process(tmp_path, capsys):
    others = [name for name in FAMILIES + SLOW_FAMILIES if name not in ROTATED_HERE]
    _convert_and_run_in_a_fresh_process(others, tmp_path, capsys)


def test_list_models_with_a_pattern_and_pretrained_tags(capsys):
    assert main(["list-models", "convnextv2_*"]) == 0
    assert capsys.readouterr().out.split() == [
        f"convnextv2_{size}" for size in ("atto", "base", "femto", "huge", "large", "nano", "pico", "small", "tiny")
    ]
    assert main(["list-models", "convnextv2_atto*", "--pretrained"]) == 0
    assert capsys.readouterr().out.split() == ["convnextv2_atto.fcmae", "convnextv2_atto.fcmae_ft_in1k"]


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"luximm-keras {luximm_keras.__version__}"
    with pytest.raises(SystemExit):
        main(["--help"])
    help_ = capsys.readouterr().out
    for command in ("convert", "verify", "list-models", "predict"):
        assert f"luximm-keras {command} " in help_  # an example of each
    with pytest.raises(SystemExit):
        main(["predict", "--help"])
    assert "--checkpoint FILE" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------------
# predict

TABBY = 281


def _checkpoint_favouring(path: Path, index: int, num_classes: int = 1000) -> Path:
    """timm's random ViT-Ti with its head's bias pushing class `index` far above the others."""
    torch.manual_seed(0)
    reference = timm.create_model("vit_tiny_patch16_224", pretrained=False, num_classes=num_classes).eval()
    with torch.no_grad():
        reference.head.bias[index] = 50.0
    safetensors.torch.save_file(reference.state_dict(), str(path))
    return path


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    folder = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    paths = []
    for name, size in (("a.png", (300, 240)), ("b.jpg", (180, 320))):
        pixels = rng.integers(0, 256, (*size, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / name)
        paths.append(str(folder / name))
    return paths


def _top_lines(out: str) -> dict[str, list[str]]:
    blocks, current = {}, None
    for line in out.splitlines():
        if line.endswith(":") and not line.startswith(" "):
            current = blocks.setdefault(line[:-1], [])
        elif current is not None:
            current.append(line.strip())
    return blocks


def test_predict_names_the_checkpoints_top_class(images, tmp_path, capsys):
    checkpoint = _checkpoint_favouring(tmp_path / "tabby.safetensors", TABBY)
    command = ["predict", *images, "--model", "vit_tiny_patch16_224", "--checkpoint", str(checkpoint), "--top", "3"]
    assert main(command) == 0
    blocks = _top_lines(capsys.readouterr().out)
    assert list(blocks) == images
    name = imagenet_class_names()[TABBY]
    for lines in blocks.values():
        assert len(lines) == 3
        assert lines[0] == f"1. 1.0000  {name} ({TABBY})"
        probabilities = [float(line.split()[1]) for line in lines]
        assert probabilities == sorted(probabilities, reverse=True)


def test_predict_prints_indices_for_a_head_of_other_classes(images, tmp_path, capsys):
    checkpoint = _checkpoint_favouring(tmp_path / "ten.safetensors", 7, num_classes=10)
    assert main(["predict", images[0], "--model", "vit_tiny_patch16_224", "--checkpoint", str(checkpoint)]) == 0
    lines = _top_lines(capsys.readouterr().out)[images[0]]
    assert len(lines) == 5 and lines[0] == "1. 1.0000  class 7"


def test_predict_without_checkpoint_takes_the_hub_weights(images, tmp_path, monkeypatch, capsys):
    from hf_cache import offline_hf_cache, put_in_cache

    from luximm_keras.models import get_pretrained_cfg

    cache = offline_hf_cache(tmp_path / "hub", monkeypatch)
    assert main(["predict", images[0], "--model", "vit_tiny_patch16_224"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("luximm-keras predict: ") and "not in the Hugging Face cache" in err
    assert "--checkpoint" in err

    checkpoint = _checkpoint_favouring(tmp_path / "model.safetensors", TABBY)
    put_in_cache(cache, get_pretrained_cfg("vit_tiny_patch16_224").hf_hub_id, {"model.safetensors": checkpoint})
    assert main(["predict", images[0], "--model", "vit_tiny_patch16_224", "--top", "1"]) == 0
    assert _top_lines(capsys.readouterr().out)[images[0]] == [f"1. 1.0000  {imagenet_class_names()[TABBY]} ({TABBY})"]


def test_predict_errors_name_the_problem(images, tmp_path, capsys):
    assert main(["predict", images[0], str(tmp_path / "missing.png"), "--model", "vit_tiny_patch16_224"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("luximm-keras predict: no such image file") and "missing.png" in err
    assert main(["predict", images[0], "--model", "vit_tiny_patch16"]) == 1
    assert "Unknown model 'vit_tiny_patch16'" in capsys.readouterr().err
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("not an image")
    checkpoint = _checkpoint_favouring(tmp_path / "tabby.safetensors", TABBY)
    assert main(["predict", str(not_an_image), "--model", "vit_tiny_patch16_224", "--checkpoint", str(checkpoint)]) == 1
    assert "notes.png" in capsys.readouterr().err
    assert main(["predict", images[0], "--model", "convnextv2_atto.fcmae"]) == 1
    assert "no classifier" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------
# TensorFlow's start-up notices

QUIET_IMPORT = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("quiet", sys.argv[1])
quiet = importlib.util.module_from_spec(spec)
spec.loader.exec_module(quiet)
quiet.install()
import os
os.write(2, b"a real message\\n")
import tensorflow
print(type(tensorflow.__loader__).__name__)
"""


def test_tensorflow_import_notices_are_filtered_and_other_stderr_kept():
    pytest.importorskip("tensorflow")
    quiet = Path(luximm_keras.__file__).parent / "_quiet.py"
    # TensorFlow's import may import Keras: on the torch backend that imports torch after TensorFlow,
    # which crashes the interpreter, with or without the hook.
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"} | {"KERAS_BACKEND": "tensorflow"}
    run = subprocess.run([sys.executable, "-c", QUIET_IMPORT, str(quiet)], capture_output=True, text=True,
                         timeout=300, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stderr == "a real message\n"
    assert run.stdout.strip() == "SourceFileLoader"  # the module keeps its own loader


def test_console_script_prints_no_tensorflow_notices(tmp_path):
    pytest.importorskip("tensorflow")
    script = shutil.which("luximm-keras", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the console script is not installed (pip install -e .)")
    env = dict(os.environ, KERAS_BACKEND="tensorflow")
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    run = subprocess.run([script, "list-models", "vit_tiny*"], capture_output=True, text=True, timeout=300,
                         env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == luximm_keras.models.list_models("vit_tiny*")
    assert run.stderr == ""
