"""Speed of the blocks and of a ViT-S/16 encoder against timm, per backend, in one run.

    .venv/bin/python benchmarks/bench_blocks.py                 # everything (about 3 minutes here)
    .venv/bin/python benchmarks/bench_blocks.py --quick         # fewer repeats, no torch.compile
    .venv/bin/python benchmarks/bench_blocks.py --only vit      # just the ViT-S/16 encoder

Each backend runs in its own process. In it, the package's layer and timm's module get the same
weights and the same input; their forward passes alternate (warm-up first), and the table gives the
median times, `package / timm` and the largest absolute difference of the outputs. jax and
tensorflow run compiled with XLA (`jax.jit` of the layer's `stateless_call`,
`tf.function(jit_compile=True)`); torch runs eager and, for the encoder, under `torch.compile`; timm
runs eager (and under `torch.compile` for the encoder). In the jax and tensorflow workers PyTorch's
OpenMP threads wait passively (see `_spawn`). After the table, every row that misses issue 5's
targets is listed with the reason where it is known.

Then loading a ViT-B/16 `.safetensors` file is timed per backend against timm's
`load_state_dict(load_file(...))`, each in a fresh process: the second load of two, and the extra
peak resident memory over the already-resident model.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("tensorflow", "jax", "torch")


# ----------------------------------------------------------------------------------------------
# Worker side (one backend per process; torch/timm imported before keras)


def _bench_cases():
    from functools import partial

    import timm.layers as tl
    import timm.models.maxxvit as maxxvit
    import timm.models.vision_transformer as vit
    import torch
    from timm.layers.grn import GlobalResponseNorm as TimmGRN

    from luximm_keras import layers as lx
    from luximm_keras.models.maxxvit import RelPosAttention2D
    from luximm_keras.models.vision_transformer import ViTBlock
    from luximm_keras.verification.cases import NFNET_GELU_GAMMA, BlockCase

    norm = partial(torch.nn.LayerNorm, eps=1e-6)
    blocks = [
        BlockCase("StdConv2D 3x3 256->256 @28 s1", "StdConv2D",
                  lambda: tl.StdConv2d(256, 256, 3, padding=1, eps=1e-8),
                  lambda: lx.StdConv2D(256, 3, padding=1, epsilon=1e-8), (8, 28, 28, 256)),
        BlockCase("ScaledStdConv2D 3x3 s2 same 128->256 @56", "ScaledStdConv2D",
                  lambda: tl.ScaledStdConv2dSame(128, 256, 3, stride=2, gamma=NFNET_GELU_GAMMA, eps=1e-5),
                  lambda: lx.ScaledStdConv2D(256, 3, strides=2, padding="same", gamma=NFNET_GELU_GAMMA, epsilon=1e-5),
                  (8, 56, 56, 128)),
        BlockCase("LayerNorm2D 96 @56", "LayerNorm2D", lambda: tl.LayerNorm2d(96),
                  lambda: lx.LayerNorm2D(), (8, 56, 56, 96)),
        BlockCase("GlobalResponseNorm 384 @56", "GlobalResponseNorm",
                  lambda: TimmGRN(384, channels_last=False), lambda: lx.GlobalResponseNorm(), (8, 56, 56, 384)),
        BlockCase("SqueezeExcite 256 @56", "SqueezeExcite", lambda: tl.SEModule(256),
                  lambda: lx.SqueezeExcite(), (8, 56, 56, 256)),
        BlockCase("PatchEmbed p16 224 -> 384", "PatchEmbed",
                  lambda: tl.PatchEmbed(img_size=None, patch_size=16, in_chans=3, embed_dim=384),
                  lambda: lx.PatchEmbed(384, patch_size=16), (8, 224, 224, 3)),
        BlockCase("MultiHeadSelfAttention 384/6 T=197", "MultiHeadSelfAttention",
                  lambda: tl.Attention(384, num_heads=6, qkv_bias=True),
                  lambda: lx.MultiHeadSelfAttention(384, num_heads=6), (8, 197, 384), spatial=False),
        BlockCase("ViTBlock 384/6 T=197", "ViTBlock",
                  lambda: vit.Block(384, 6, qkv_bias=True, norm_layer=norm),
                  lambda: ViTBlock(384, num_heads=6), (8, 197, 384), spatial=False),
        BlockCase("RelPosAttention2D 256 dh32 14x14", "RelPosAttention2D",
                  lambda: maxxvit.Attention2d(256, 256, dim_head=32, expand_first=False,
                                              rel_pos_cls=partial(tl.RelPosBias, window_size=(14, 14))),
                  lambda: RelPosAttention2D(256, 256, dim_head=32, window_size=(14, 14)), (8, 14, 14, 256)),
    ]
    return blocks


def _vit_s_encoder():
    """timm's ViT-S/16 blocks (12 x ViTBlock(384, 6)) and the Keras twin, on (8, 197, 384) tokens."""
    import timm
    import keras

    from luximm_keras.interop import load_timm_weights
    from luximm_keras.models.vision_transformer import ViTBlock

    model = timm.create_model("vit_small_patch16_224", pretrained=False).eval()
    timm_blocks = model.blocks
    inputs = keras.Input((197, 384))
    x = inputs
    for i in range(12):
        x = ViTBlock(384, num_heads=6, name=f"blocks__{i}")(x)
    encoder = keras.Model(inputs, x, name="vit_s16_encoder")
    load_timm_weights(encoder, {f"blocks.{k}": v for k, v in timm_blocks.state_dict().items()})
    return timm_blocks, encoder


def _block_until_ready(y, backend):
    if backend == "jax":
        y.block_until_ready()
    # CPU torch and tensorflow's eager calls are synchronous; `.numpy()` would add a copy of the output
    # that timm's side does not pay (1.0 ms of SqueezeExcite's 3.4 ms on tensorflow).
    return y


def _alternate(fn_a, fn_b, repeats: int, warmup: int = 2):
    for _ in range(warmup):
        fn_a()
        fn_b()
    times_a, times_b = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        fn_a()
        times_a.append(time.perf_counter() - start)
        start = time.perf_counter()
        fn_b()
        times_b.append(time.perf_counter() - start)
    return 1000 * statistics.median(times_a), 1000 * statistics.median(times_b)


def _row(name, backend, path, keras_ms, timm_ms, timm_path="eager", error=None):
    return {"name": name, "backend": backend, "path": path, "timm_path": timm_path,
            "keras_ms": keras_ms, "timm_ms": timm_ms, "ratio": keras_ms / timm_ms, "max_abs_err": error}


def worker(repeats: int, only: str | None, torch_compile: bool) -> None:
    import numpy as np
    import torch
    import timm  # noqa: F401  (before keras)
    import keras

    from luximm_keras.interop import load_timm_weights
    from luximm_keras.verification.cases import prepare, timm_input
    from luximm_keras.verification.worker import compiled_forward  # what `luximm-keras verify` times

    backend = keras.backend.backend()
    torch.set_grad_enabled(False)

    def emit(row):
        print(json.dumps(row), flush=True)

    if only in (None, "blocks"):
        for case in _bench_cases():
            prepared = prepare(case)
            load_timm_weights(prepared.keras_layer, prepared.state)
            forward, label = compiled_forward(prepared.keras_layer, backend)
            x_keras = keras.ops.convert_to_tensor(prepared.inputs)
            x_timm = timm_input(prepared)
            module = prepared.timm_module
            y = keras.ops.convert_to_numpy(forward(x_keras))
            y_timm = module(x_timm)
            if case.spatial and y_timm.ndim == 4:
                y_timm = y_timm.permute(0, 2, 3, 1)
            err = float(np.max(np.abs(y - y_timm.numpy())))
            k_ms, t_ms = _alternate(lambda: _block_until_ready(forward(x_keras), backend),
                                    lambda: module(x_timm), repeats)
            emit(_row(case.name, backend, label, k_ms, t_ms, error=err))

    if only in (None, "vit"):
        timm_blocks, encoder = _vit_s_encoder()
        x = np.random.default_rng(0).standard_normal((8, 197, 384)).astype("float32")
        x_timm = torch.from_numpy(x)
        x_keras = keras.ops.convert_to_tensor(x)
        variants = [compiled_forward(encoder, backend)]
        if backend == "torch" and torch_compile:
            compiled = torch.compile(lambda t: encoder(t))
            variants.append((lambda t: compiled(t), "torch.compile"))
        timm_variants = [(timm_blocks, "eager")]
        if torch_compile:
            timm_variants.append((torch.compile(timm_blocks), "torch.compile"))
        reference = timm_blocks(x_timm).numpy()
        for forward, label in variants:
            try:
                err = float(np.max(np.abs(keras.ops.convert_to_numpy(forward(x_keras)) - reference)))
            except Exception as error:  # torch.compile may be unavailable; report it, keep going
                emit({"name": "ViT-S/16 encoder (12 blocks), batch 8", "backend": backend, "path": label,
                      "error": f"{type(error).__name__}: {str(error)[:200]}"})
                continue
            for timm_forward, timm_label in timm_variants:
                k_ms, t_ms = _alternate(lambda: _block_until_ready(forward(x_keras), backend),
                                        lambda: timm_forward(x_timm), max(5, repeats // 2))
                emit(_row("ViT-S/16 encoder (12 blocks), batch 8", backend, label, k_ms, t_ms, timm_label, err))


# ----------------------------------------------------------------------------------------------
# Loading ViT-B/16 (each side in a fresh process, so peak RSS is its own)


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise KeyError(field)


def _measure_load(load) -> dict:
    """Seconds and extra peak resident memory of `load()`: the second of two calls (the first warms
    the page cache and the code paths), peak taken from VmHWM after resetting it (Linux
    `clear_refs` 5), so the already-resident model and libraries are not counted."""
    start = time.perf_counter()
    load()
    first = time.perf_counter() - start
    before = _status_mb("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    start = time.perf_counter()
    load()
    seconds = time.perf_counter() - start
    return {"first_s": first, "seconds": seconds, "extra_peak_mb": _status_mb("VmHWM") - before}


def load_worker(side: str, path: str) -> None:
    import torch
    import timm

    if side == "timm":
        import safetensors.torch

        model = timm.create_model("vit_base_patch16_224", pretrained=False).eval()
        row = _measure_load(lambda: model.load_state_dict(safetensors.torch.load_file(path), strict=True))
    else:
        import keras

        from luximm_keras.interop import load_timm_weights
        from luximm_keras.models import create_model

        target = create_model("vit_base_patch16_224")
        row = _measure_load(lambda: load_timm_weights(target, path, strict=True))
        row["backend"] = keras.backend.backend()
    print(json.dumps(dict(row, side=side)), flush=True)


# ----------------------------------------------------------------------------------------------
# Orchestration


def _spawn(args: list[str], backend: str, module: str = "bench_blocks") -> list[dict]:
    """Runs `module.<args[0]>` (a call) in a fresh process on `backend`; the JSON rows it prints."""
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))
    if backend != "torch":
        # timm's PyTorch (libgomp) threads spin after each call and, on a 2-core machine, take a core
        # from the jax/tensorflow call that follows in the alternation: PatchEmbed on tensorflow measured
        # 2.6 ms alone, 4.0 ms alternating, 3.3 ms alternating with passive waiting, timm 2.8 ms in
        # all three. Passive waiting leaves timm's own times unchanged, so it is set for both sides.
        env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    code = "import torch, timm, sys; sys.path.insert(0, %r); import %s as b; b.%s" % (
        str(Path(__file__).parent), module, args[0])
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    rows = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    if run.returncode != 0:
        rows.append({"name": "(worker)", "backend": backend, "error": run.stderr.strip().splitlines()[-1:]})
    return rows


# Issues 5 and 13's targets, and why a row known to miss one misses it (measured; see README "Speed").
VIT_TARGET = {"tensorflow": 0.95, "jax": 0.95, "torch": 0.95}
BLOCK_TARGET = 1.1
LOAD_TIME_TARGET, LOAD_MEMORY_TARGET = 1.5, 1.1
KNOWN_GAPS: dict[tuple[str, str], str] = {}  # (block, backend) -> the measured cause of a miss
LOAD_GAP = ("every Linear/conv weight is transposed into Keras' layout, a strided copy of ~326 MB (jax and "
            "tensorflow into new buffers), where timm copies each tensor as stored into its resident parameters")


def _print_targets(rows):
    print("\nTargets (issues 5 and 13):")
    for r in rows:
        if "error" in r or r["timm_path"] != "eager":
            continue
        block = r["name"].split()[0]
        if r["name"].startswith("ViT-S/16"):
            if r["path"] == "torch.compile":
                continue
            target = VIT_TARGET[r["backend"]]
        else:
            target = BLOCK_TARGET
        if r["ratio"] > target:
            why = KNOWN_GAPS.get((block, r["backend"]), "not a known gap: rerun (run-to-run spread here is about 10%)")
            print(f"  MISSED {r['name']} on {r['backend']}: {r['ratio']:.2f} > {target} by "
                  f"{100 * (r['ratio'] / target - 1):.0f}%; {why}")
    met = [r for r in rows if "error" not in r and r["timm_path"] == "eager"]
    print(f"  {len(met)} rows checked against <= {BLOCK_TARGET} (blocks) and the ViT targets {VIT_TARGET}.")


def _print_table(rows):
    print(f"{'block':<44} {'backend':<10} {'package path':<26} {'timm path':<14} "
          f"{'pkg ms':>8} {'timm ms':>8} {'ratio':>6} {'max err':>8}")
    for r in rows:
        if "error" in r:
            print(f"{r['name']:<44} {r['backend']:<10} {r.get('path', ''):<26} ERROR {r['error']}")
            continue
        err = "" if r.get("max_abs_err") is None else f"{r['max_abs_err']:.1e}"
        print(f"{r['name']:<44} {r['backend']:<10} {r['path']:<26} {r['timm_path']:<14} "
              f"{r['keras_ms']:>8.2f} {r['timm_ms']:>8.2f} {r['ratio']:>6.2f} {err:>8}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="5 repeats, no torch.compile")
    parser.add_argument("--only", choices=["blocks", "vit", "load"])
    args = parser.parse_args()
    repeats = 5 if args.quick else args.repeats
    torch_compile = not args.quick

    rows = []
    if args.only in (None, "blocks", "vit"):
        for backend in args.backends.split(","):
            print(f"... {backend}", file=sys.stderr, flush=True)
            only = repr(args.only)
            rows += _spawn([f"worker({repeats}, {only}, {torch_compile})"], backend)
        _print_table(rows)
        _print_targets(rows)

    if args.only in (None, "load"):
        import torch
        import timm
        import safetensors.torch

        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "vit_base_patch16_224.safetensors")
            model = timm.create_model("vit_base_patch16_224", pretrained=False)
            safetensors.torch.save_file(model.state_dict(), path)
            del model
            size_mb = os.path.getsize(path) / 2**20
            rows = _spawn([f"load_worker('timm', {path!r})"], "torch")
            for backend in args.backends.split(","):
                rows += _spawn([f"load_worker('keras', {path!r})"], backend)
            print(f"\nLoading ViT-B/16 from .safetensors ({size_mb:.0f} MB); second load in the process (first in "
                  f"brackets); extra peak RSS over the resident model:")
            timm_row = rows[0]
            for r in rows:
                name = "timm" if r.get("side") == "timm" else f"package, {r.get('backend', '?')}"
                if "error" in r:
                    print(f"  {name:<22} ERROR {r['error']}")
                    continue
                ratio = r["seconds"] / timm_row["seconds"] if "seconds" in timm_row else float("nan")
                print(f"  {name:<22} {r['seconds']:.3f} s ({r['first_s']:.3f} s)  x{ratio:.1f} timm   "
                      f"extra peak {r['extra_peak_mb']:.0f} MB = {r['extra_peak_mb'] / size_mb:.2f} x checkpoint")
                if r.get("side") != "timm":
                    if ratio > LOAD_TIME_TARGET:
                        print(f"    MISSED time target <= {LOAD_TIME_TARGET}x timm by {ratio / LOAD_TIME_TARGET:.1f}x: {LOAD_GAP}")
                    if r["extra_peak_mb"] > LOAD_MEMORY_TARGET * size_mb:
                        print(f"    MISSED memory target: more than {LOAD_MEMORY_TARGET} x the checkpoint held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
