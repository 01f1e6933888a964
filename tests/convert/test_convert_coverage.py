"""The converter's coverage of timm: the smallest pretrained architecture of every timm model file
converts and gives timm's logits (slow suite: `pytest -m slow tests/convert/test_convert_coverage.py`, what
`benchmarks/convert_coverage.py` reports), and the check behind it goes red on a wrong mapping."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest
import timm
import torch

from luximm_keras.convert import mapping
from luximm_keras.verification.conversion import (
    check_conversion,
    parameter_count,
    pretrained_architectures_by_file,
    smallest,
)

BY_FILE = pretrained_architectures_by_file()


def test_the_coverage_check_passes_a_true_conversion_and_fails_a_wrong_mapping(monkeypatch):
    assert check_conversion("resnet10t")["status"] == "ok"
    mapping.register_torch_mappings()
    monkeypatch.setitem(mapping.MODULES, torch.nn.ReLU, lambda module, name: (lambda x: x))
    result = check_conversion("resnet10t")
    assert result["status"] == "mismatch", result


# DeepSeek's 412M-parameter ViT (546 px) and SAM's ViT (1024 px) take most of a 24 GiB machine
# (timm's float32 and float64 references beside the converted model): such a check runs in a process
# of its own (benchmarks/convert_coverage.py), where nothing an earlier file left behind tips it over.
OWN_PROCESS_PARAMETERS = 200_000_000
OWN_PROCESS_PIXELS = 512 * 512
SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "convert_coverage.py"


def _in_own_process(arch: str) -> bool:
    _, height, width = timm.get_pretrained_cfg(arch).input_size
    return parameter_count(arch) > OWN_PROCESS_PARAMETERS or height * width > OWN_PROCESS_PIXELS


def _check_in_own_process(model_file: str, arch: str, tmp_path) -> dict:
    cache, report = tmp_path / "smallest.json", tmp_path / "report.json"
    cache.write_text(json.dumps({model_file: arch}))
    done = subprocess.run([sys.executable, str(SCRIPT), "--files", model_file, "--cache", str(cache), "--json", str(report)],
                          capture_output=True, text=True)
    assert done.returncode == 0, f"{model_file} ({arch}): the check's process failed ({done.returncode}): {done.stderr[-2000:]}"
    return json.loads(report.read_text())[model_file]


@pytest.mark.slow
@pytest.mark.parametrize("model_file", list(BY_FILE))
def test_smallest_pretrained_architecture_of_each_timm_file_converts(model_file, tmp_path):
    gc.collect()  # the previous file's models before this one's
    arch = smallest(BY_FILE[model_file])
    result = _check_in_own_process(model_file, arch, tmp_path) if _in_own_process(arch) else check_conversion(arch)
    assert result["status"] == "ok", f"{model_file} ({arch}): {result['status']}: {result['detail']}"
