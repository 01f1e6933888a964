"""Time to a first prediction, the package on each backend against timm, each run in a fresh process.

    .venv/bin/python benchmarks/bench_startup.py                      # the four models, 3 runs each
    .venv/bin/python benchmarks/bench_startup.py --models convnextv2_tiny --repeats 1

A run is what a user's script does: import, build the model, load a timm `.safetensors` checkpoint
(random weights written once by timm, the same file for every side), classify one 224x224 image.
timm: `timm.create_model` + `load_state_dict(safetensors.torch.load_file(...))`, a `no_grad` forward
in eval mode. The package: `create_model(name, pretrained=True, pretrained_cfg_overlay=dict(file=...))`
and `model.predict` (what `luximm-keras predict` runs). Each cell is the median of `--repeats` runs
of the whole start-up, in seconds, then `package / timm`; the phases (import, build and load, first
prediction) follow per side.

JAX compiles the model on its first call. With a persistent compilation cache
(`JAX_COMPILATION_CACHE_DIR`), a later process reads the compiled program back: the `jax (warm
cache)` column runs with a cache that one earlier run filled, the `jax` column without one.

The package's modules are compiled to bytecode first, as `pip install` does for timm and every other
installed package: a source checkout run under `PYTHONDONTWRITEBYTECODE` would otherwise compile
them again in every process.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = ("vit_base_patch16_224", "convnextv2_tiny", "resnetv2_50x1_bit", "coatnet_0_rw_224")
SIDES = ("timm", "jax", "jax (warm cache)", "tensorflow", "torch")


def _worker(side: str, name: str, checkpoint: str) -> dict:
    """One start-up, timed from before the first import; prints the phases as JSON."""
    start = time.perf_counter()
    import numpy as np

    image = np.random.default_rng(0).standard_normal((1, 224, 224, 3)).astype("float32")
    if side == "timm":
        import timm
        import torch
        from safetensors.torch import load_file

        imported = time.perf_counter()
        model = timm.create_model(name, pretrained=False)
        model.load_state_dict(load_file(checkpoint))
        model.eval()
        built = time.perf_counter()
        with torch.no_grad():
            logits = model(torch.from_numpy(image).permute(0, 3, 1, 2).contiguous()).numpy()
    else:
        from luximm_keras import create_model

        imported = time.perf_counter()
        model = create_model(name, pretrained=True, pretrained_cfg_overlay=dict(file=checkpoint))
        built = time.perf_counter()
        logits = model.predict(image, verbose=0)
    done = time.perf_counter()
    return {
        "import": imported - start,
        "build+load": built - imported,
        "first prediction": done - built,
        "total": done - start,
        "top1": int(np.argmax(logits)),
    }


def _run(side: str, name: str, checkpoint: str, cache_dir: str) -> dict:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    if side != "timm":
        env["KERAS_BACKEND"] = side.split()[0]
    if side == "jax (warm cache)":
        env["JAX_COMPILATION_CACHE_DIR"] = cache_dir
        env["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"
    out = subprocess.run(
        [sys.executable, __file__, "--worker", side, name, checkpoint],
        env=env, cwd=ROOT, capture_output=True, text=True, check=False,
    )
    if out.returncode:
        raise RuntimeError(f"{side} {name} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _checkpoint(name: str, folder: Path) -> str:
    """timm's model with its own random initialisation, saved as timm saves `.safetensors`."""
    import timm
    from safetensors.torch import save_file

    path = folder / f"{name}.safetensors"
    model = timm.create_model(name, pretrained=False)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    return str(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--worker", nargs=3, metavar=("SIDE", "MODEL", "CHECKPOINT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(*args.worker)))
        return

    compileall.compile_dir(str(ROOT / "luximm_keras"), quiet=1)
    results: dict[str, dict[str, list[dict]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for name in args.models:
            checkpoint = _checkpoint(name, Path(folder))
            cache_dir = str(Path(folder) / f"jax-cache-{name}")
            _run("jax (warm cache)", name, checkpoint, cache_dir)  # fills the cache
            results[name] = {side: [] for side in SIDES}
            for _ in range(args.repeats):  # the sides alternate, so that load drifts hit them alike
                for side in SIDES:
                    results[name][side].append(_run(side, name, checkpoint, cache_dir))
            tops = {side: {r["top1"] for r in runs} for side, runs in results[name].items()}
            if len(set().union(*tops.values())) != 1:
                print(f"warning: {name}: the sides disagree on the top-1 class: {tops}")

    def median(runs: list[dict], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    print(f"\nTime to a first prediction, seconds (median of {args.repeats} fresh processes); package / timm")
    print(f"| model | {' | '.join(SIDES)} |")
    print(f"|---|{'---|' * len(SIDES)}")
    for name, sides in results.items():
        timm_total = median(sides["timm"], "total")
        cells = [f"{timm_total:.1f}"]
        cells += [f"{median(sides[s], 'total'):.1f} ({median(sides[s], 'total') / timm_total:.2f})" for s in SIDES[1:]]
        print(f"| {name} | {' | '.join(cells)} |")
    print("\nPhases, seconds (median): import / build and load / first prediction")
    for name, sides in results.items():
        phases = [
            f"{s} {median(r, 'import'):.1f}/{median(r, 'build+load'):.1f}/{median(r, 'first prediction'):.1f}"
            for s, r in sides.items()
        ]
        print(f"  {name}: " + "; ".join(phases))


if __name__ == "__main__":
    main()
