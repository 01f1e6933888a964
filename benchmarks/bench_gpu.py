"""GPU speed of whole models: the package on each Keras backend against timm, eager and compiled.

    python benchmarks/bench_gpu.py --out results/             # ViT-B/16 and ConvNeXt-V2-T, batch 64, fp32 and bf16
    python benchmarks/bench_gpu.py --no-package-compile       # without the package's torch.compile rows
    .venv/bin/python benchmarks/bench_gpu.py --device cpu --batch 2 --repeats 2 \\
        --models vit_tiny_patch16_224,convnextv2_atto                          # a CPU dry run

Inference forward passes of 224x224 NHWC images, in float32 and bfloat16. Rows per model and
precision: timm eager, timm under `torch.compile`, the package on the torch backend eager and under
`torch.compile` (of a function calling the functional model), the package on jax (`jax.jit` of
`model.stateless_call`, the variables passed as arguments) and, where TensorFlow is importable, on
tensorflow (`tf.function(jit_compile=True)`).

Every side runs in its own fresh process (KERAS_BACKEND set, torch and timm imported before Keras):
first timm, which creates each model from a fixed seed, saves its state dict (`.safetensors`) and its
eager logits; then each package process builds `luximm_keras.models.create_model(name)` and loads
that file with `luximm_keras.interop.load_timm_weights(model, path)` (strict). All processes feed the
same seeded images. float32 is exact float32: TF32 is off in every process (torch's cuBLAS and cuDNN
flags and `set_float32_matmul_precision("highest")`, jax's `jax_default_matmul_precision="highest"`).
bfloat16 is timm's `model.to(torch.bfloat16)` and the package built under the Keras dtype policy
"bfloat16", both fed bfloat16 images. `--tf32` adds float32 rows at the frameworks' default GPU
precision (TF32 matmuls and convolutions), without `torch.compile`.

Each row: the first call (compilation included) timed alone, more warm-up calls, then `--repeats`
calls, each synchronised with the device (`torch.cuda.synchronize`, `block_until_ready`); the table
gives the median milliseconds per batch, images per second, the ratios to timm eager and to timm
compiled (below 1 is faster than timm), the first call in seconds and the largest absolute difference
of the logits from timm eager's in the same precision (for timm compiled too, as the scale of
rounding noise). The table is printed as markdown; `--out DIR` also writes `results.json` and
`table.md` there. A soft deadline (`--deadline-s`) skips `torch.compile` rows that would start after
it, and a hard one (`--hard-limit-s`) stops a worker, so a run always ends with a table.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The folder that holds `luximm_keras`: the repository root, or this script's own folder when it runs
# from a copy placed beside the package.
PACKAGE_ROOT = HERE if (HERE / "luximm_keras").is_dir() else HERE.parent
MODELS = ("vit_base_patch16_224", "convnextv2_tiny")
PRECISIONS = ("float32", "bfloat16")
IMG = 224
ROW_PREFIX = "@@ROW "
NO_TF = "not run: TensorFlow is not importable in this environment"


# ----------------------------------------------------------------------------------------------
# Worker side


def _emit(row: dict) -> None:
    print(ROW_PREFIX + json.dumps(row), flush=True)


def _log(msg: str) -> None:
    print(f"[{os.environ.get('BENCH_ROLE', '?')} {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _torch_precision(torch, precision: str) -> None:
    tf32 = precision == "tf32"
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    torch.set_float32_matmul_precision("high" if tf32 else "highest")


def _jax_precision(precision: str) -> None:
    import jax

    jax.config.update("jax_default_matmul_precision", "default" if precision == "tf32" else "highest")


def _images(batch: int):
    import numpy as np

    return np.random.default_rng(0).standard_normal((batch, IMG, IMG, 3)).astype("float32")


def _time_calls(call, sync, warmup: int, repeats: int):
    """(first call in s, median ms, last output): the first call alone, warm-up, timed calls."""
    start = time.perf_counter()
    out = sync(call())
    first = time.perf_counter() - start
    for _ in range(max(0, warmup - 1)):
        out = sync(call())
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = sync(call())
        times.append(time.perf_counter() - start)
    return first, 1000 * statistics.median(times), out


def _row(model, precision, side, path, batch, first_s=None, ms=None, diff=None, error=None, **extra):
    row = {"model": model, "precision": precision, "side": side, "path": path, "batch": batch,
           "first_call_s": first_s, "median_ms": ms, "images_per_s": None if ms is None else 1000 * batch / ms,
           "max_abs_diff": diff}
    if error:
        row["error"] = error
    row.update(extra)
    return row


def _err(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:300]}"


def _past(deadline: float) -> bool:
    return time.time() > deadline


def timm_worker(cfg: dict) -> None:
    """timm eager (saves the weights and reference logits) and timm under torch.compile."""
    import numpy as np
    import torch
    import timm
    import safetensors.torch

    torch.set_grad_enabled(False)
    device = torch.device(cfg["device"])
    cuda = device.type == "cuda"
    sync_dev = torch.cuda.synchronize if cuda else (lambda: None)
    if cuda:
        _emit({"info": "gpu", "name": torch.cuda.get_device_name(0),
               "capability": ".".join(map(str, torch.cuda.get_device_capability(0))),
               "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version()})

    def sync(y):
        sync_dev()
        return y

    work = Path(cfg["work"])
    images = torch.from_numpy(_images(cfg["batch"])).permute(0, 3, 1, 2).contiguous().to(device)
    dtypes = {"float32": torch.float32, "tf32": torch.float32, "bfloat16": torch.bfloat16}
    models = {}
    for name in cfg["models"]:
        torch.manual_seed(0)
        model = timm.create_model(name, pretrained=False).eval()
        safetensors.torch.save_file({k: v.contiguous() for k, v in model.state_dict().items()},
                                    str(work / f"{name}.safetensors"))
        models[name] = model
    references = {}
    for name in cfg["models"]:
        for precision in cfg["precisions"]:
            _torch_precision(torch, precision)
            model = copy.deepcopy(models[name]).to(device=device, dtype=dtypes[precision])
            x = images.to(dtypes[precision])
            _log(f"timm eager {name} {precision}")
            first, ms, y = _time_calls(lambda: model(x), sync, cfg["warmup"], cfg["repeats"])
            ref = y.float().cpu().numpy()
            np.save(work / f"{name}.{precision}.npy", ref)
            references[name, precision] = ref
            _emit(_row(name, precision, "timm", "eager", cfg["batch"], first, ms, 0.0,
                       max_abs_logit=float(np.abs(ref).max())))
            del model
    for name in cfg["models"]:
        for precision in cfg["precisions"]:
            if precision == "tf32" or not cfg["timm_compile"]:
                continue
            if _past(cfg["deadline"]):
                _emit(_row(name, precision, "timm", "torch.compile", cfg["batch"], error="skipped: past --deadline-s"))
                continue
            _torch_precision(torch, precision)
            model = copy.deepcopy(models[name]).to(device=device, dtype=dtypes[precision])
            x = images.to(dtypes[precision])
            _log(f"timm torch.compile {name} {precision}")
            try:
                compiled = torch.compile(model)
                first, ms, y = _time_calls(lambda: compiled(x), sync, cfg["warmup"], cfg["repeats"])
            except Exception as error:  # report, keep going
                _emit(_row(name, precision, "timm", "torch.compile", cfg["batch"], error=_err(error)))
                continue
            diff = float(np.abs(y.float().cpu().numpy() - references[name, precision]).max())
            _emit(_row(name, precision, "timm", "torch.compile", cfg["batch"], first, ms, diff))
            del model, compiled
        if cuda:
            torch.cuda.empty_cache()


def package_worker(cfg: dict) -> None:
    """The package on this process's Keras backend: cfg["paths"] names the forms to time."""
    import numpy as np
    import torch
    import timm  # noqa: F401  (before keras)
    import keras

    import luximm_keras.models  # noqa: F401  (after keras; the rows use create_model, load_timm_weights)

    backend = keras.backend.backend()
    torch.set_grad_enabled(False)
    _torch_precision(torch, "float32")
    if backend == "jax":
        _jax_precision("float32")
    work = Path(cfg["work"])
    images = _images(cfg["batch"])
    _emit({"info": "package", "backend": backend, "keras": keras.__version__,
           "luximm_keras": str(Path(sys.modules["luximm_keras"].__file__).parent),
           "devices": _devices(backend)})

    for name in cfg["models"]:
        for precision in cfg["precisions"]:
            ref_path = work / f"{name}.{precision}.npy"
            reference = np.load(ref_path) if ref_path.exists() else None
            for path in cfg["paths"]:
                if path == "torch.compile" and precision == "tf32":
                    continue
                if path == "torch.compile" and _past(cfg["deadline"]):
                    _emit(_row(name, precision, "package", path, cfg["batch"], backend=backend,
                               error="skipped: past --deadline-s"))
                    continue
                _log(f"package {backend} {path} {name} {precision}")
                try:
                    row = _package_row(cfg, name, precision, path, backend, images, reference, work)
                except Exception as error:  # report, keep going
                    row = _row(name, precision, "package", path, cfg["batch"], backend=backend, error=_err(error))
                _emit(row)
                keras.backend.clear_session()
                if backend == "torch" and torch.cuda.is_available():
                    torch.cuda.empty_cache()


def _devices(backend):
    try:
        return _device_names(backend)
    except Exception as error:  # informational only
        return [_err(error)]


def _device_names(backend):
    if backend == "jax":
        import jax

        return [str(d) for d in jax.devices()]
    if backend == "torch":
        from keras.src.backend.torch.core import get_device

        return [str(get_device())]
    import tensorflow as tf

    return [d.name for d in tf.config.list_logical_devices()]


def _package_row(cfg, name, precision, path, backend, images, reference, work):
    import numpy as np
    import keras

    from luximm_keras.interop import load_timm_weights
    from luximm_keras.models import create_model

    dtype = "bfloat16" if precision == "bfloat16" else "float32"
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(dtype)
    try:
        model = create_model(name, num_classes=1000)
    finally:
        keras.config.set_dtype_policy(previous)
    report = load_timm_weights(model, str(work / f"{name}.safetensors"), strict=True)
    variable_dtypes = sorted({v.dtype for v in model.weights})
    x = keras.ops.convert_to_tensor(images, dtype=dtype)

    if backend == "torch":
        import torch

        _torch_precision(torch, precision)
        sync_dev = torch.cuda.synchronize if x.device.type == "cuda" else (lambda: None)

        def sync(y):
            sync_dev()
            return y

        if path == "torch.compile":
            compiled = torch.compile(lambda t: model(t, training=False))
            call = lambda: compiled(x)  # noqa: E731
        else:
            call = lambda: model(x, training=False)  # noqa: E731
    elif backend == "jax":
        import jax

        _jax_precision(precision)
        trainable = [v.value for v in model.trainable_variables]
        non_trainable = [v.value for v in model.non_trainable_variables]

        @jax.jit
        def forward(trainable, non_trainable, x):
            return model.stateless_call(trainable, non_trainable, x, training=False)[0]

        call = lambda: forward(trainable, non_trainable, x)  # noqa: E731

        def sync(y):
            return y.block_until_ready()
    else:
        import tensorflow as tf

        forward = tf.function(lambda t: model(t, training=False), jit_compile=True)
        call = lambda: forward(x)  # noqa: E731

        def sync(y):
            y.numpy()  # the only portable wait on tensorflow; a copy of the (B, 1000) logits
            return y

    first, ms, y = _time_calls(call, sync, cfg["warmup"], cfg["repeats"])
    logits = np.asarray(keras.ops.convert_to_numpy(keras.ops.cast(y, "float32")))
    diff = None if reference is None else float(np.abs(logits - reference).max())
    return _row(name, precision, "package", path, cfg["batch"], first, ms, diff, backend=backend,
                loaded=len(report.loaded), variable_dtypes=[str(d) for d in variable_dtypes],
                output_dtype=str(y.dtype))


# ----------------------------------------------------------------------------------------------
# Orchestration


def _spawn(role: str, func: str, cfg: dict, hard_deadline: float, backend: str | None = None) -> list[dict]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")])),
               BENCH_ROLE=role, TF_CPP_MIN_LOG_LEVEL="3", XLA_PYTHON_CLIENT_PREALLOCATE="false",
               PYTHONUNBUFFERED="1")
    if backend:
        env["KERAS_BACKEND"] = backend
    if cfg["device"] == "cpu":
        env.update(CUDA_VISIBLE_DEVICES="", JAX_PLATFORMS="cpu")
    code = ("import torch, timm, sys, json; sys.path.insert(0, %r); import bench_gpu as b; b.%s(json.loads(%r))"
            % (str(HERE), func, json.dumps(cfg)))
    rows = []
    started = time.time()
    if started > hard_deadline - 20:
        print(f"  {role}: not started, past --hard-limit-s", flush=True)
        return [{"info": "worker_error", "role": role, "error": "not started: past --hard-limit-s"}]
    # cwd: the scratch folder, so `-c`'s sys.path entry for the working directory cannot shadow PACKAGE_ROOT
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=cfg["work"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    # stdout carries the rows; stderr's progress lines are echoed live, the rest kept for an error's tail.
    err_lines: list[str] = []

    def pump_err():
        for line in proc.stderr:
            if line.startswith("["):
                print(line.rstrip(), file=sys.stderr, flush=True)
            err_lines.append(line)

    thread = threading.Thread(target=pump_err, daemon=True)
    thread.start()
    timer = threading.Timer(max(10.0, hard_deadline - time.time()), proc.kill)
    timer.start()
    for line in proc.stdout:
        if line.startswith(ROW_PREFIX):
            row = json.loads(line[len(ROW_PREFIX):])
            row.setdefault("backend", backend or "torch")
            rows.append(row)
            if "info" not in row:
                print("  " + _row_line(row), flush=True)
            elif row["info"] == "package":
                print(f"  keras {row['keras']} on {row['backend']}, devices {row['devices']}, "
                      f"luximm_keras from {row['luximm_keras']}", flush=True)
    proc.wait()
    timer.cancel()
    thread.join(timeout=5)
    seconds = time.time() - started
    if proc.returncode != 0:
        tail = [line.rstrip() for line in err_lines if line.strip() and not line.startswith("[")][-6:]
        why = "killed at --hard-limit-s" if proc.returncode in (-9, 137) else f"exit {proc.returncode}"
        rows.append({"info": "worker_error", "role": role, "error": why, "stderr_tail": tail})
        print(f"  worker {role}: {why}\n    " + "\n    ".join(tail), flush=True)
    rows.append({"info": "worker", "role": role, "seconds": seconds})
    print(f"  ({role}: {seconds:.0f} s)", flush=True)
    return rows


def _label(row) -> str:
    if row["side"] == "timm":
        return f"timm {row['path']}"
    return f"package, {row['backend']} {row['path']}"


def _row_line(row) -> str:
    head = f"{row['model']} {row['precision']} {_label(row)}"
    if row.get("error"):
        return f"{head}: {row['error']}"
    diff = "" if row.get("max_abs_diff") is None else f", max|diff| {row['max_abs_diff']:.2e}"
    return f"{head}: {row['median_ms']:.2f} ms, first call {row['first_call_s']:.1f} s{diff}"


def _fmt(value, spec, empty=""):
    return empty if value is None else format(value, spec)


def table(rows) -> str:
    data = [r for r in rows if "info" not in r]
    base = {}
    for r in data:
        if r["side"] == "timm" and r.get("median_ms"):
            base[r["model"], r["precision"], r["path"]] = r["median_ms"]
    order = {"timm eager": 0, "timm torch.compile": 1}
    lines = ["| model | precision | row | median ms / batch | images/s | x timm eager | x timm compiled "
             "| first call s | max abs diff vs timm eager |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    models = list(dict.fromkeys(r["model"] for r in data))
    precisions = list(dict.fromkeys(r["precision"] for r in data))
    for model in models:
        for precision in precisions:
            group = [r for r in data if r["model"] == model and r["precision"] == precision]
            group.sort(key=lambda r: (order.get(_label(r), 2), r.get("backend", ""), r["path"] != "eager"))
            for r in group:
                shown = "float32, TF32 on" if precision == "tf32" else precision
                if r.get("error"):
                    lines.append(f"| {model} | {shown} | {_label(r)} | {r['error']} | | | | | |")
                    continue
                eager = base.get((model, precision, "eager"))
                compiled = base.get((model, precision, "torch.compile"))
                ms = r["median_ms"]
                lines.append(
                    f"| {model} | {shown} | {_label(r)} | {ms:.2f} | {r['images_per_s']:.0f} | "
                    f"{_fmt(eager and ms / eager, '.2f')} | {_fmt(compiled and ms / compiled, '.2f')} | "
                    f"{r['first_call_s']:.1f} | {_fmt(r.get('max_abs_diff'), '.1e')} |")
    return "\n".join(lines)


def _versions() -> dict:
    from importlib import metadata

    out = {"python": platform.python_version()}
    for dist in ("torch", "jax", "jaxlib", "keras", "timm", "numpy", "tensorflow", "tensorflow-cpu"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--precisions", default=",".join(PRECISIONS))
    parser.add_argument("--tf32", action="store_true", help="add float32 rows at default (TF32) precision")
    parser.add_argument("--backends", default="torch,jax,tensorflow", help="package backends")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5, help="calls before timing, the first included")
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    parser.add_argument("--no-timm-compile", action="store_true")
    parser.add_argument("--no-package-compile", action="store_true")
    parser.add_argument("--no-package-eager", action="store_true", help="skip the package's torch eager rows")
    parser.add_argument("--deadline-s", type=float, default=300.0,
                        help="no torch.compile row starts after this many seconds")
    parser.add_argument("--hard-limit-s", type=float, default=380.0, help="workers still running are killed")
    parser.add_argument("--out", help="folder for results.json and table.md")
    args = parser.parse_args()

    start = time.time()
    precisions = [p for p in args.precisions.split(",") if p] + (["tf32"] if args.tf32 else [])
    backends = [b for b in args.backends.split(",") if b]
    with tempfile.TemporaryDirectory(prefix="bench_gpu_") as work:
        cfg = {"models": args.models.split(","), "precisions": precisions, "batch": args.batch,
               "repeats": args.repeats, "warmup": args.warmup, "device": args.device, "work": work,
               "deadline": start + args.deadline_s, "timm_compile": not args.no_timm_compile}
        hard = start + args.hard_limit_s
        versions = _versions()
        print(f"bench_gpu: models {cfg['models']}, precisions {precisions}, batch {args.batch}, "
              f"{args.repeats} timed calls after {args.warmup} warm-up, device {args.device}")
        print("float32 rows: TF32 off (torch: cuda.matmul.allow_tf32=False, cudnn.allow_tf32=False, "
              "float32_matmul_precision='highest'; jax: jax_default_matmul_precision='highest')"
              + ("; tf32 rows: the frameworks' default GPU precision" if args.tf32 else ""))
        print("versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
        print(f"luximm_keras from {PACKAGE_ROOT / 'luximm_keras'}")
        rows: list[dict] = []

        def save():
            if args.out:
                Path(args.out).mkdir(parents=True, exist_ok=True)
                meta = {"args": vars(args), "versions": versions, "elapsed_s": time.time() - start}
                Path(args.out, "results.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))

        print("timm")
        rows += _spawn("timm", "timm_worker", cfg, hard)
        save()
        for backend in ("jax", "torch", "tensorflow"):
            if backend not in backends:
                continue
            if backend == "tensorflow" and not _importable("tensorflow"):
                for model in cfg["models"]:
                    for precision in precisions:
                        rows.append(_row(model, precision, "package", "tf.function(jit_compile)", args.batch,
                                         backend="tensorflow", error=NO_TF))
                print(f"tensorflow: {NO_TF}")
                continue
            paths = {"jax": ["jax.jit(stateless_call)"], "tensorflow": ["tf.function(jit_compile)"],
                     "torch": ["eager"]}[backend]
            if not (backend == "torch" and args.no_package_eager):
                print(f"package, {backend}")
                rows += _spawn(f"package-{backend}", "package_worker", dict(cfg, paths=paths), hard, backend)
                save()
            if backend == "torch" and not args.no_package_compile:
                print("package, torch, torch.compile (fresh process)")
                rows += _spawn("package-torch-compile", "package_worker", dict(cfg, paths=["torch.compile"]),
                               hard, backend)
                save()

        gpu = next((r for r in rows if r.get("info") == "gpu"), None)
        print()
        if gpu:
            print(f"GPU: {gpu['name']} (compute capability {gpu['capability']}, CUDA {gpu['cuda']}, "
                  f"cuDNN {gpu['cudnn']})")
        md = table(rows)
        print(md)
        print(f"\ntotal {time.time() - start:.0f} s")
        save()
        if args.out:
            Path(args.out, "table.md").write_text(md + "\n")
    return 0


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


if __name__ == "__main__":
    sys.exit(main())
