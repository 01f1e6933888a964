"""How much of timm `convert.from_timm` reaches: the smallest pretrained architecture of every timm
model file, converted with random weights scaled like trained ones, its logits against timm's.

    KERAS_BACKEND=torch .venv/bin/python benchmarks/convert_coverage.py            # every model file
    KERAS_BACKEND=jax .venv/bin/python benchmarks/convert_coverage.py --files vgg,resnet

Random weights as `verify` draws them, with BatchNorm statistics of one batch of random images (as a
trained model's fit its data: deep models with mismatched statistics blow their activations up
until float32 rounding alone moves timm's own logits). Per file: `ok` (logits within
1e-4 x max(1, |timm's|), timm's default input size, batch 1; where timm's own float32 logits miss
its float64 ones by more, within twice that of timm's float64 logits, as the test suite allows),
`mismatch` (converted, logits off: the error), `unsupported` (the operations no mapping covers, as
`UnsupportedOperations` lists them) or `error` (the exception). The smallest architecture is the one
with the fewest parameters, counted on PyTorch's meta device; the list is cached in `--cache`.
"""

from __future__ import annotations

import argparse
import json
import time
import traceback
from collections import defaultdict
from pathlib import Path

import numpy as np
import timm  # before keras: TensorFlow imported before torchvision crashes the process
import torch
from timm.models._registry import _model_to_module

import keras

from luximm_keras.convert import UnsupportedOperations, from_timm
from luximm_keras.verification.models import perturbed_timm_model, random_images

DEFAULT_CACHE = Path.home() / ".cache" / "luximm_keras" / f"convert_coverage_timm-{timm.__version__}.json"


def smallest_per_file(cache: Path) -> dict[str, str]:
    """{timm model file: its pretrained architecture with the fewest parameters}."""
    if cache.exists():
        return json.loads(cache.read_text())
    by_file: dict[str, list[str]] = defaultdict(list)
    for arch in timm.list_models(pretrained=True):
        arch = arch.split(".")[0]
        module = _model_to_module[arch]
        if arch not in by_file[module]:
            by_file[module].append(arch)
    smallest = {}
    for module, archs in sorted(by_file.items()):
        sizes = {}
        for arch in archs:
            try:
                with torch.device("meta"):
                    sizes[arch] = sum(p.numel() for p in timm.create_model(arch).parameters())
            except Exception:  # noqa: BLE001 (a model that refuses the meta device: count it last)
                sizes[arch] = float("inf")
        smallest[module] = min(archs, key=lambda a: (sizes[a], a))
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(smallest, indent=1))
    return smallest


def check(arch: str) -> dict:
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
    images = random_images(1, height, in_chans)[:, :, :width]
    try:
        with torch.no_grad():
            expected = reference(torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()).numpy()
        got = keras.ops.convert_to_numpy(model.predict(images, verbose=0))
    except Exception as error:  # noqa: BLE001
        return {"status": "error", "detail": f"running: {type(error).__name__}: {str(error)[:300]}"}
    err = float(np.abs(got - expected).max())
    tolerance = 1e-4 * max(1.0, float(np.abs(expected).max()))
    detail = f"max err {err:.2g} (tol {tolerance:.2g})"
    status = "ok" if err <= tolerance else "mismatch"
    if status == "mismatch":
        # So deep that float32 rounding alone misses the tolerance? Then the test suite's rule: as
        # close to timm's float64 logits as timm's own float32 logits are (twice their error).
        with torch.no_grad():
            exact = reference.double()(torch.from_numpy(images).permute(0, 3, 1, 2).double()).numpy()
        timm_error, our_error = float(np.abs(expected - exact).max()), float(np.abs(got - exact).max())
        if our_error <= max(2 * timm_error, tolerance):
            status = "ok"
        detail += f"; against timm's float64 {our_error:.2g}, timm's float32 {timm_error:.2g}"
    return {"status": status, "detail": detail, "seconds": round(time.perf_counter() - start, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", help="comma-separated timm model files (default: all)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--json", type=Path, help="also write the per-file results here")
    args = parser.parse_args()
    archs = smallest_per_file(args.cache)
    if args.files:
        archs = {f: archs[f] for f in args.files.split(",")}
    results = {}
    for module, arch in archs.items():
        results[module] = {"arch": arch, **check(arch)}
        r = results[module]
        print(f"{module:28s} {arch:40s} {r['status']:12s} {r['detail']}", flush=True)
    counts = defaultdict(int)
    for r in results.values():
        counts[r["status"]] += 1
    print(f"\n{keras.backend.backend()}: {counts['ok']} of {len(results)} timm model files convert with "
          f"timm's logits; " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if k != "ok"))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
