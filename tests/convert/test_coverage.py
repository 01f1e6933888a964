"""The converter's coverage of timm: the smallest pretrained architecture of every timm model file
converts and gives timm's logits (slow suite: `pytest -m slow tests/convert/test_coverage.py`, what
`benchmarks/convert_coverage.py` reports), and the check behind it goes red on a wrong mapping."""

from __future__ import annotations

import gc

import pytest
import torch

from luximm_keras.convert import mapping
from luximm_keras.verification.conversion import check_conversion, pretrained_architectures_by_file, smallest

BY_FILE = pretrained_architectures_by_file()


def test_the_coverage_check_passes_a_true_conversion_and_fails_a_wrong_mapping(monkeypatch):
    assert check_conversion("resnet10t")["status"] == "ok"
    mapping.register_torch_mappings()
    monkeypatch.setitem(mapping.MODULES, torch.nn.ReLU, lambda module, name: (lambda x: x))
    result = check_conversion("resnet10t")
    assert result["status"] == "mismatch", result


@pytest.mark.slow
@pytest.mark.parametrize("model_file", list(BY_FILE))
def test_smallest_pretrained_architecture_of_each_timm_file_converts(model_file):
    gc.collect()  # the previous file's models before this one's (SAM's ViT takes 1024x1024 images)
    arch = smallest(BY_FILE[model_file])
    result = check_conversion(arch)
    assert result["status"] == "ok", f"{model_file} ({arch}): {result['status']}: {result['detail']}"
