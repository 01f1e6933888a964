"""How much of timm `convert.from_timm` reaches: the smallest pretrained architecture of every timm
model file, converted with random weights scaled like trained ones, its logits against timm's.

    KERAS_BACKEND=torch .venv/bin/python benchmarks/convert_coverage.py            # every model file
    KERAS_BACKEND=jax .venv/bin/python benchmarks/convert_coverage.py --files vgg,resnet

Random weights as `verify` draws them, with BatchNorm statistics of one batch of random images (as a
trained model's fit its data: deep models with mismatched statistics blow their activations up
until float32 rounding alone moves timm's own logits). The slow suite asserts the same, file by file
(tests/convert/test_convert_coverage.py). Per file: `ok` (logits within
1e-4 x max(1, |timm's|), timm's default input size, batch 1; where timm's own float32 logits miss
its float64 ones by more, within twice that of timm's float64 logits, as the test suite allows),
`mismatch` (converted, logits off: the error), `unsupported` (the operations no mapping covers, as
`UnsupportedOperations` lists them) or `error` (the exception). The smallest architecture is the one
with the fewest parameters, counted on PyTorch's meta device; the list is cached in `--cache`.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import timm  # before keras: TensorFlow imported before torchvision crashes the process

import keras

from luximm_keras.verification.conversion import check_conversion, pretrained_architectures_by_file, smallest

DEFAULT_CACHE = Path.home() / ".cache" / "luximm_keras" / f"convert_coverage_timm-{timm.__version__}.json"


def smallest_per_file(cache: Path) -> dict[str, str]:
    """{timm model file: its pretrained architecture with the fewest parameters}, cached."""
    if cache.exists():
        return json.loads(cache.read_text())
    result = {module: smallest(archs) for module, archs in pretrained_architectures_by_file().items()}
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(result, indent=1))
    return result


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
        results[module] = {"arch": arch, **check_conversion(arch)}
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
