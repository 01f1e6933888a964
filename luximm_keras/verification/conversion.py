"""`convert.from_timm` beside timm: the smallest pretrained architecture of each timm model file,
converted with random weights scaled like trained ones, its logits against timm's. What
`benchmarks/convert_coverage.py` reports and the slow suite asserts, file by file."""

from __future__ import annotations

import torch  # noqa: I001  (the oracle first)
import timm
from timm.models._registry import _model_to_module

import time
import traceback
from collections import defaultdict
from pathlib import Path

import numpy as np

from luximm_keras.verification.models import perturbed_timm_model, random_images


def pretrained_architectures_by_file() -> dict[str, list[str]]:
    """{timm model file (`resnet`, `vision_transformer`, ...): its architectures with a pretrained tag}."""
    by_file: dict[str, list[str]] = defaultdict(list)
    for arch in timm.list_models(pretrained=True):
        arch = arch.split(".")[0]
        module = _model_to_module[arch]
        if arch not in by_file[module]:
            by_file[module].append(arch)
    return dict(sorted(by_file.items()))


def parameter_count(arch: str) -> int:
    """timm's parameter count of `arch`, built on PyTorch's meta device (no memory, nothing drawn)."""
    with torch.device("meta"):
        return sum(p.numel() for p in timm.create_model(arch).parameters())


def smallest(archs: list[str]) -> str:
    """The architecture with the fewest parameters (one that refuses the meta device counts last;
    ties by name)."""
    sizes = {}
    for arch in archs:
        try:
            sizes[arch] = parameter_count(arch)
        except Exception:  # noqa: BLE001
            sizes[arch] = float("inf")
    return min(archs, key=lambda a: (sizes[a], a))


def check_conversion(arch: str) -> dict:
    """Convert `arch` (random weights as `verify` draws them, BatchNorm statistics of one batch of
    random images, as a trained model's fit its data) and compare its logits with timm's at timm's
    default input size, batch 1.

    Returns `{"status", "detail", "seconds"}`, the status one of `ok` (logits within
    1e-4 x max(1, |timm's|); where timm's own float32 logits miss its float64 ones by more, within
    twice that of timm's float64 logits, as the test suite allows), `mismatch` (converted, logits
    off), `unsupported` (the operations no mapping covers, as `UnsupportedOperations` lists them) or
    `error` (the exception, where it was raised).
    """
    import keras

    from luximm_keras.convert import UnsupportedOperations, from_timm

    start = time.perf_counter()
    try:
        reference = perturbed_timm_model(arch, calibrate_batch_norms=True)
        model = from_timm(reference, check=False)  # compared below, at its own tolerance
    except UnsupportedOperations as error:
        ops = [f"{kind} {target} x{count}" for kind, target, _, count in error.operations]
        return {"status": "unsupported", "detail": "; ".join(ops)}
    except Exception as error:  # noqa: BLE001 (the report names every failure)
        frame = traceback.extract_tb(error.__traceback__)[-1]
        return {"status": "error", "detail": f"{type(error).__name__}: {str(error)[:300]} "
                                             f"({Path(frame.filename).name}:{frame.lineno})"}
    in_chans, height, width = reference.pretrained_cfg.get("input_size", (3, 224, 224))
    images = random_images(1, (height, width), in_chans)
    nchw = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()
    try:
        with torch.no_grad():
            expected = reference(nchw).numpy()
        got = keras.ops.convert_to_numpy(model.predict(images, verbose=0))
    except Exception as error:  # noqa: BLE001
        return {"status": "error", "detail": f"running: {type(error).__name__}: {str(error)[:300]}"}
    del model
    err = float(np.abs(got - expected).max())
    tolerance = 1e-4 * max(1.0, float(np.abs(expected).max()))
    detail = f"max err {err:.2g} (tol {tolerance:.2g})"
    status = "ok" if err <= tolerance else "mismatch"
    if status == "mismatch":
        # So deep that float32 rounding alone misses the tolerance? Then the test suite's rule: as
        # close to timm's float64 logits as timm's own float32 logits are (twice their error).
        with torch.no_grad():
            exact = reference.double()(nchw.double()).numpy()
        timm_error, our_error = float(np.abs(expected - exact).max()), float(np.abs(got - exact).max())
        if our_error <= max(2 * timm_error, tolerance):
            status = "ok"
        detail += f"; against timm's float64 {our_error:.2g}, timm's float32 {timm_error:.2g}"
    return {"status": status, "detail": detail, "seconds": round(time.perf_counter() - start, 1)}
