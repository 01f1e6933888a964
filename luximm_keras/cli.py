"""The `luximm-keras` console script: convert timm checkpoints to `.keras` files, check the port
against timm, list the models, and classify images.

`luximm-keras convert CHECKPOINT --model NAME[.TAG] -o model.keras`: a timm checkpoint as a `.keras`
file (`--num-classes N` for a new head, as timm's pretrained loading gives one); through the
hand-built family where one exists, else (or with `--auto`) timm's module converted automatically.
`luximm-keras verify [--backends ...] [--model NAME]`: for each backend, in its own process, build
every block (or one whole model) beside timm's, load timm's weights, and print the largest error and
the time per call of both.
`luximm-keras list-models [PATTERN] [--pretrained] [--coverage]`: the names `convert` and `create_model`
know, and how many of timm's pretrained checkpoints they cover.
`luximm-keras predict IMAGE... --model NAME[.TAG] [--checkpoint FILE]`: the top classes of each image.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time

from luximm_keras import __version__, _quiet

BACKENDS = ("tensorflow", "jax", "torch")
# torch and timm first: TensorFlow imported before torchvision crashes the interpreter.
_WORKER = "import torch, timm; from luximm_keras.verification import worker; worker.{call}"

DESCRIPTION = """\
Keras 3 ports of timm's models and blocks, on TensorFlow, JAX and PyTorch: convert timm checkpoints
to .keras files, check the port against timm, list the models, classify images.

The Keras backend is the one KERAS_BACKEND names (else ~/.keras/keras.json's). `luximm-keras COMMAND
--help` describes each command."""

EPILOG = """\
examples:
  luximm-keras list-models 'convnextv2_*' --pretrained
  luximm-keras convert model.safetensors --model vit_tiny_patch16_224 -o vit_tiny.keras
  KERAS_BACKEND=jax luximm-keras predict cat.jpg dog.png --model convnextv2_atto.fcmae_ft_in1k
  luximm-keras predict cat.jpg --model vit_tiny_patch16_224 --checkpoint model.safetensors --top 3
  luximm-keras verify --backends jax,torch
  luximm-keras verify --model convnextv2_atto"""


# ------------------------------------------------------------------------------------------------
# verify


def _check_model_name(name: str) -> str | None:
    """The registry's message (with close names) when `name` (ARCH or ARCH.TAG) is unknown, else None."""
    from luximm_keras.models import get_pretrained_cfg

    try:
        get_pretrained_cfg(name)
    except ValueError as error:
        return str(error)
    return None


def _timm_knows(name: str) -> bool:
    """Whether timm registers the architecture of `name` (asked in a process that imports timm first)."""
    run = subprocess.run([sys.executable, "-c", "import sys, timm; sys.exit(0 if timm.is_model(sys.argv[1]) else 1)",
                          name.split(".")[0]], capture_output=True, check=False)
    return run.returncode == 0


class _Progress:
    """A bar redrawn in place on a terminal; elsewhere (a pipe, a log file) one line per backend."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def update(self, backend: str, done: int, total: int) -> None:
        if not self.tty:
            return
        width = 30
        filled = width * done // max(total, 1)
        self.stream.write(f"\r{backend:<10} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        self.stream.flush()

    def finish(self, backend: str, rows: list[dict], seconds: float) -> None:
        failed = sum(not row.get("ok") for row in rows)
        summary = f"{backend:<10} {len(rows) - failed} of {len(rows)} ok in {seconds:.0f} s"
        self.stream.write(("\r" + summary + " " * 20 if self.tty else summary) + "\n")
        self.stream.flush()


def _worker_error(stderr: str) -> str:
    """The end of a failed worker's stderr, without TensorFlow's start-up notices."""
    lines = [line for line in stderr.splitlines() if line.strip() and not _quiet.is_startup_notice(line)]
    return " | ".join(lines[-3:]) or "(no message)"


def _run_backend(backend: str, call: str, progress: _Progress) -> list[dict]:
    env = dict(os.environ, KERAS_BACKEND=backend)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # PyTorch's OpenMP threads spin after each call, taking a core from whatever runs next (the other
    # side's call, or a parallel region whose second thread then waits for a time slice): with another
    # process busy on a 2-core machine, timm's 0.2 ms calls took 40-90 ms in some runs and not in others
    # (jax and torch workers). Passive waiting leaves the uncontended times unchanged (as
    # benchmarks/bench_blocks.py found for timm's side).
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    start = time.perf_counter()
    rows, total = [], 1
    # stderr to a file, not a pipe: a worker that writes much to it must not block on a full pipe.
    with tempfile.TemporaryFile("w+") as stderr:
        process = subprocess.Popen([sys.executable, "-c", _WORKER.format(call=call)], env=env,
                                   stdout=subprocess.PIPE, stderr=stderr, text=True)
        progress.update(backend, 0, total)
        for line in process.stdout:
            if not line.startswith("{"):
                continue
            row = json.loads(line)
            if "total" in row:  # the worker announces how many rows will follow
                total = row["total"]
            else:
                rows.append(row)
            progress.update(backend, len(rows), total)
        process.wait()
        stderr.seek(0)
        if process.returncode != 0:
            rows.append({"block": "(worker)", "backend": backend, "ok": False,
                         "error": f"exit {process.returncode}: {_worker_error(stderr.read())}"})
    progress.finish(backend, rows, time.perf_counter() - start)
    return rows


def _table(rows: list[dict]) -> str:
    width = max([len("block"), *(len(row["block"]) for row in rows)])
    header = f"{'block':<{width}} {'backend':<10} {'max abs err':>11} {'keras ms':>9} {'timm ms':>8}  ok"
    lines = [header, "-" * len(header)]
    for row in rows:
        if "error" in row:
            lines.append(f"{row['block']:<{width}} {row['backend']:<10} ERROR {row['error']}")
            continue
        lines.append(
            f"{row['block']:<{width}} {row['backend']:<10} {row['max_abs_err']:>11.2e} "
            f"{row['keras_ms']:>9.3f} {row['timm_ms']:>8.3f}  {'yes' if row['ok'] else 'NO'}"
        )
    return "\n".join(lines)


def _timing_note(rows: list[dict], samples: int, blocks: bool) -> str:
    paths = {}
    for row in rows:
        if "keras_path" in row:
            paths.setdefault(row["backend"], set()).add(row["keras_path"])
    how = ", ".join(f"{' or '.join(sorted(p))} on {backend}" for backend, p in paths.items())
    note = (f"keras ms, timm ms: the median time per call over {samples} samples of at least 20 ms each, after "
            f"warm-up, the two sides alternating; Keras {how}, timm eager.")
    if blocks:
        note += (" The inputs are small (a few thousand values), so these times show per-call overhead more "
                 "than arithmetic; benchmarks/bench_blocks.py times the blocks at realistic sizes (README, Speed).")
    return textwrap.fill(note, width=100)


def verify(backends, samples: int, model: str | None = None) -> int:
    # Only looked for: importing timm here, after this package imported Keras (and maybe TensorFlow),
    # could crash the interpreter. Each worker imports it first.
    if importlib.util.find_spec("timm") is None:
        print("luximm-keras verify needs timm (the oracle): pip install 'luximm-keras[test]'", file=sys.stderr)
        return 2
    if model is not None and (message := _check_model_name(model)) is not None:
        print(f"luximm-keras verify: {message}", file=sys.stderr)
        return 2
    if model is None:
        call, bar = f"main({samples})", "block checks match timm (rtol=atol=1e-5)"
    else:
        call, bar = f"main_model({model!r}, {samples})", "model checks match timm (max |logits| error <= 1e-4)"
    progress = _Progress()
    rows = []
    for backend in backends:
        rows.extend(_run_backend(backend, call, progress))
    print(_table(rows))
    failed = [r for r in rows if not r.get("ok")]
    print(f"\n{len(rows) - len(failed)} of {len(rows)} {bar}.")
    if any("keras_ms" in row for row in rows):
        print(_timing_note(rows, samples, blocks=model is None))
    return 1 if failed else 0


# ------------------------------------------------------------------------------------------------
# convert


def _checkpoint_num_classes(model_name: str, state) -> int | None:
    """The number of classes of the checkpoint's classifier (`pretrained_cfg["classifier"]`), if it has one."""
    from luximm_keras.models import get_pretrained_cfg

    cfg = get_pretrained_cfg(model_name)
    classifier = cfg.classifier if isinstance(cfg.classifier, str) else (cfg.classifier or [None])[0]
    weight = state.get(f"{classifier}.weight") if classifier else None
    if weight is None:
        return None
    return int(weight.shape[0]) - (cfg.label_offset or 0)


def _model_from_checkpoint(model_name: str, checkpoint: str, num_classes=None, progress=None, **kwargs):
    """`create_model(model_name, ...)` with the checkpoint loaded (`load_pretrained`), and the load report;
    the head as wide as the checkpoint's classifier unless `num_classes` says otherwise."""
    from luximm_keras.interop import read_checkpoint
    from luximm_keras.models import create_model, load_pretrained

    state = read_checkpoint(checkpoint)
    if num_classes is None:
        num_classes = _checkpoint_num_classes(model_name, state)
    model = create_model(model_name, num_classes=num_classes, **kwargs)
    return model, load_pretrained(model, state, progress=progress)


def _convert_automatically(checkpoint: str, model_name: str, output: str, num_classes, in_chans, img_size) -> int:
    """`luximm_keras.convert.from_timm` on timm's module, in a process that imports timm first."""
    if importlib.util.find_spec("timm") is None:
        raise ValueError(f"{model_name}: no hand-built family, and the automatic conversion needs timm "
                         "(pip install 'luximm-keras[test]')")
    if not os.path.exists(checkpoint):
        raise FileNotFoundError(f"no such checkpoint: {checkpoint}")
    args = [str(v) if v is not None else "-" for v in (num_classes, in_chans, img_size)]
    run = subprocess.run([sys.executable, "-c", "import torch, timm, runpy; "
                          "runpy.run_module('luximm_keras.convert._command', run_name='__main__')",
                          checkpoint, model_name, output, *args], check=False)
    return run.returncode


def convert(checkpoint: str, model_name: str, output: str, num_classes, in_chans, img_size, auto: bool = False) -> int:
    import keras

    if not output.endswith(".keras"):
        raise SystemExit(f"luximm-keras convert: the output file must end in .keras, got {output!r}")
    if auto:
        return _convert_automatically(checkpoint, model_name, output, num_classes, in_chans, img_size)
    if (message := _check_model_name(model_name)) is not None:
        if importlib.util.find_spec("timm") is not None and _timm_knows(model_name):
            print(f"{model_name}: no hand-built family here; converting timm's module automatically")
            return _convert_automatically(checkpoint, model_name, output, num_classes, in_chans, img_size)
        raise ValueError(message)
    bar = {}

    def progress(done, total):
        if "bar" not in bar:
            bar["bar"] = keras.utils.Progbar(total, unit_name="tensor", verbose=1 if sys.stdout.isatty() else 0)
        bar["bar"].update(done)

    model, report = _model_from_checkpoint(
        model_name, checkpoint, num_classes=num_classes, in_chans=in_chans, img_size=img_size, progress=progress
    )
    model.save(output)
    print(f"{model_name}: {report}; saved {output} (backend {keras.backend.backend()})")
    print(f"Load it on any backend with: import luximm_keras, keras; model = keras.saving.load_model({output!r})")
    return 0


# ------------------------------------------------------------------------------------------------
# predict


def _hub_errors() -> tuple[type[BaseException], ...]:
    """What fetching weights may raise besides ValueError and OSError (FileNotFoundError, connection errors)."""
    try:
        from huggingface_hub.errors import HfHubHTTPError
    except ImportError:
        return ()
    return (HfHubHTTPError,)


def _class_names(model) -> list[str] | None:
    """ImageNet-1k's class names when the model classifies into its 1000 classes, else None."""
    cfg = getattr(model, "pretrained_cfg", None) or {}
    if model.output_shape[-1] != 1000 or cfg.get("num_classes", 1000) != 1000:
        return None
    from luximm_keras.data import imagenet_class_names

    return list(imagenet_class_names())


def _load_images(paths: list[str], transform):
    import numpy as np
    from PIL import Image

    arrays = []
    for path in paths:
        with Image.open(path) as image:
            arrays.append(np.asarray(transform(image.convert("RGB")), dtype="float32"))
    return np.stack(arrays)


def _softmax(logits):
    import numpy as np

    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def predict(images: list[str], model_name: str, checkpoint: str | None, top: int, batch_size: int = 16) -> int:
    import numpy as np

    from luximm_keras.data import create_transform, resolve_data_config
    from luximm_keras.models import create_model

    missing = [path for path in images if not os.path.isfile(path)]
    if missing:
        raise FileNotFoundError(f"no such image file: {', '.join(missing)}")
    if (message := _check_model_name(model_name)) is not None:
        raise ValueError(message)
    if checkpoint is None:
        from luximm_keras.models import get_pretrained_cfg

        if get_pretrained_cfg(model_name).num_classes == 0:
            raise ValueError(f"{model_name}'s weights have no classifier (num_classes=0); choose a tag trained "
                             "on classes (luximm-keras list-models --pretrained) or give --checkpoint")
        try:
            model = create_model(model_name, pretrained=True)
        except FileNotFoundError as error:
            raise FileNotFoundError(f"{error} (Here: give the file with --checkpoint FILE.)") from error
    else:
        model, report = _model_from_checkpoint(model_name, checkpoint)
        if report.reinitialized:
            raise ValueError(f"{checkpoint} has no classifier for {model_name} "
                             f"(left at random: {', '.join(report.reinitialized)}); predict needs one")
    transform = create_transform(**resolve_data_config(model))
    names = _class_names(model)
    top = max(1, min(top, model.output_shape[-1]))
    for start in range(0, len(images), batch_size):
        chunk = images[start:start + batch_size]
        batch = _load_images(chunk, transform)
        # Keras' compiled predict: on jax one jit of the whole model is quicker than an eager first call.
        logits = model.predict(batch, batch_size=len(batch), verbose=0)
        probabilities = _softmax(np.asarray(logits, dtype="float64"))
        for path, p in zip(chunk, probabilities):
            print(f"{path}:")
            for rank, index in enumerate(np.argsort(-p, kind="stable")[:top], start=1):
                label = f"{names[index]} ({index})" if names is not None else f"class {index}"
                print(f"  {rank:>2}. {p[index]:.4f}  {label}")
    return 0


# ------------------------------------------------------------------------------------------------
# the parser


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=100)


def _parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog="luximm-keras", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=formatter)
    parser.add_argument("--version", action="version", version=f"luximm-keras {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, description: str, examples: list[str]) -> argparse.ArgumentParser:
        epilog = "examples:\n" + "\n".join(f"  luximm-keras {name} {example}".rstrip() for example in examples)
        return commands.add_parser(name, help=summary, description=_wrap(description), epilog=epilog,
                                   formatter_class=formatter)

    convert_parser = command(
        "convert", "write a .keras model file from a timm checkpoint",
        "Build the model NAME names, load a timm checkpoint into it as timm's pretrained loading does (every "
        "tensor checked before any is assigned; a new head for another --num-classes, the first conv adapted "
        "to --in-chans, position tables resized to --img-size), and save it as a .keras file that loads on any "
        "backend after `import luximm_keras`.",
        ["model.safetensors --model vit_tiny_patch16_224 -o vit_tiny.keras",
         "pytorch_model.bin --model convnextv2_atto.fcmae_ft_in1k --num-classes 10 -o atto10.keras"])
    convert_parser.add_argument("checkpoint", help=".safetensors, .pth/.bin or .npz file of timm weights")
    convert_parser.add_argument("--model", required=True, metavar="NAME[.TAG]",
                                help="timm model name, ARCH or ARCH.TAG (see list-models)")
    convert_parser.add_argument("-o", "--output", required=True, metavar="FILE.keras", help="the .keras file to write")
    convert_parser.add_argument("--num-classes", type=int, default=None, metavar="N",
                                help="classifier width (default: the checkpoint's); another width gets a new head")
    convert_parser.add_argument("--in-chans", type=int, default=None, metavar="C", help="input channels (default: 3)")
    convert_parser.add_argument("--img-size", type=int, default=None, metavar="PIXELS",
                                help="input size (default: the model's)")
    convert_parser.add_argument("--auto", action="store_true",
                                help="convert timm's module automatically (luximm_keras.convert.from_timm) even "
                                     "where a hand-built family exists; without it, the automatic path is taken "
                                     "only for names no family registers (needs timm)")

    verify_parser = command(
        "verify", "compare every block (or one model) with timm, on each backend",
        "For each backend, in its own process: build each block as timm builds it and as this package does, "
        "give both timm's random weights, and compare the outputs (rtol=atol=1e-5); with --model, the same for "
        "a whole model's logits (max error <= 1e-4). Prints the largest error and the time per call of both "
        "sides, and exits 1 if a check fails. Needs timm: pip install 'luximm-keras[test]'.",
        ["", "--backends jax,torch --samples 3", "--model convnextv2_atto"])
    verify_parser.add_argument("--backends", default=",".join(BACKENDS),
                               help="comma-separated Keras backends (default: all three)")
    verify_parser.add_argument("--samples", "--repeats", dest="samples", type=int, default=7, metavar="N",
                               help="timed samples per block, each at least 20 ms of calls; the median is "
                               "shown (default: 7)")
    verify_parser.add_argument("--model", metavar="NAME[.TAG]",
                               help="compare this whole model (a list-models name) instead of the blocks")

    list_parser = command(
        "list-models", "the model names convert, predict and create_model know",
        "Print the registered architectures matching PATTERN, one a line; with --pretrained, every ARCH.TAG "
        "that has published weights (as timm.list_models(pretrained=True)).",
        ["", "'vit_*' --pretrained", "--coverage"])
    list_parser.add_argument("pattern", nargs="?", default="*", help="shell-style pattern, e.g. 'vit_*' (default: all)")
    list_parser.add_argument("--pretrained", action="store_true", help="list every ARCH.TAG with weights")
    list_parser.add_argument("--coverage", action="store_true",
                             help="print how many of timm's pretrained checkpoints load here, per timm model file")

    predict_parser = command(
        "predict", "print the top classes of images",
        "Print, for each image, the model's top classes and their probabilities (the softmax of its logits), "
        "the image preprocessed as the model's pretrained config says (resize, center crop, normalization). "
        "Without --checkpoint the tag's weights come from the Hugging Face Hub (through huggingface_hub's "
        "cache; HF_HUB_OFFLINE=1 uses the cache only). Models of ImageNet-1k's classes print class names, "
        "others class indices.",
        ["cat.jpg --model convnextv2_atto.fcmae_ft_in1k",
         "a.png b.png --model vit_tiny_patch16_224 --checkpoint model.safetensors --top 3"])
    predict_parser.add_argument("images", nargs="+", metavar="IMAGE", help="image files (anything Pillow reads)")
    predict_parser.add_argument("--model", required=True, metavar="NAME[.TAG]",
                                help="model name, ARCH or ARCH.TAG (see list-models --pretrained)")
    predict_parser.add_argument("--checkpoint", metavar="FILE",
                                help="timm checkpoint (.safetensors, .pth/.bin, .npz) instead of the Hub's weights")
    predict_parser.add_argument("--top", type=int, default=5, metavar="K", help="classes per image (default: 5)")
    return parser


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    # Keras imports TensorFlow on its backend, and on the others to save a model: TensorFlow's start-up
    # notices would bury the output (see luximm_keras/_quiet.py).
    _quiet.install()
    try:
        return _run(parser, args)
    finally:
        _quiet.uninstall()


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command == "list-models":
        from luximm_keras.models import list_models
        from luximm_keras.models._coverage import coverage_table

        if args.coverage:
            print(coverage_table())
        else:
            print("\n".join(list_models(args.pattern, pretrained=args.pretrained)))
        return 0
    if args.command == "convert":
        try:
            return convert(args.checkpoint, args.model, args.output, args.num_classes, args.in_chans, args.img_size,
                           auto=args.auto)
        except (ValueError, FileNotFoundError) as error:
            print(f"luximm-keras convert: {error}", file=sys.stderr)
            return 1
    if args.command == "predict":
        try:
            return predict(args.images, args.model, args.checkpoint, args.top)
        except (ValueError, OSError, *_hub_errors()) as error:
            print(f"luximm-keras predict: {error}", file=sys.stderr)
            return 1
    if args.command == "verify":
        backends = [b.strip() for b in args.backends.split(",") if b.strip()]
        unknown = sorted(set(backends) - set(BACKENDS))
        if unknown:
            parser.error(f"unknown backend(s) {unknown}; choose from {list(BACKENDS)}")
        if args.samples < 1:
            parser.error("--samples must be at least 1")
        return verify(backends, args.samples, args.model)
    return 2


if __name__ == "__main__":
    sys.exit(main())
