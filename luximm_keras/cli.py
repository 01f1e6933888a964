"""The `luximm-keras` console script.

`luximm-keras verify`: for each backend, in its own process, build every block, load its weights from
timm's module, and print block, backend, max abs error against timm, and the time of both.
`luximm-keras verify --model NAME`: the same for a whole model's logits.
`luximm-keras convert CHECKPOINT --model NAME[.TAG] -o model.keras`: a timm checkpoint as a `.keras`
file (`--num-classes N` for a new head, as timm's pretrained loading gives one).
`luximm-keras list-models [PATTERN] [--pretrained]`: the names `convert` and `create_model` know.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys

BACKENDS = ("tensorflow", "jax", "torch")
# torch and timm first: TensorFlow imported before torchvision crashes the interpreter.
_WORKER = "import torch, timm; from luximm_keras.verification import worker; worker.{call}"


def _run_backend(backend: str, call: str) -> list[dict]:
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    process = subprocess.Popen(
        [sys.executable, "-c", _WORKER.format(call=call)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    rows = []
    total = 1
    _progress(backend, 0, total)
    for line in process.stdout:
        if not line.startswith("{"):
            continue
        row = json.loads(line)
        if "total" in row:  # the worker announces how many rows will follow
            total = row["total"]
        else:
            rows.append(row)
        _progress(backend, len(rows), total)
    stderr = process.stderr.read()
    process.wait()
    sys.stderr.write("\n")
    if process.returncode != 0:
        rows.append({"block": "(worker)", "backend": backend, "ok": False,
                     "error": f"exit {process.returncode}: {stderr.strip().splitlines()[-1:] or ''}"})
    return rows


def _progress(backend: str, done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r{backend:<10} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    sys.stderr.flush()


def _table(rows: list[dict]) -> str:
    header = f"{'block':<76} {'backend':<10} {'max abs err':>11} {'keras ms':>9} {'timm ms':>8}  ok"
    lines = [header, "-" * len(header)]
    for row in rows:
        if "error" in row:
            lines.append(f"{row['block']:<76} {row['backend']:<10} ERROR {row['error']}")
            continue
        lines.append(
            f"{row['block']:<76} {row['backend']:<10} {row['max_abs_err']:>11.2e} "
            f"{row['keras_ms']:>9.2f} {row['timm_ms']:>8.2f}  {'yes' if row['ok'] else 'NO'}"
        )
    return "\n".join(lines)


def verify(backends, repeats: int, model: str | None = None) -> int:
    # Only looked for: importing timm here, after this package imported Keras (and maybe TensorFlow),
    # could crash the interpreter. Each worker imports it first.
    if importlib.util.find_spec("timm") is None:
        print("luximm-keras verify needs timm (the oracle): pip install 'luximm-keras[test]'", file=sys.stderr)
        return 2
    if model is None:
        call, bar = f"main({repeats})", "block checks match timm (rtol=atol=1e-5)"
    else:
        call, bar = f"main_model({model!r}, {repeats})", "model checks match timm (max |logits| error <= 1e-4)"
    rows = []
    for backend in backends:
        rows.extend(_run_backend(backend, call))
    print(_table(rows))
    failed = [r for r in rows if not r.get("ok")]
    print(f"\n{len(rows) - len(failed)} of {len(rows)} {bar}.")
    return 1 if failed else 0


def convert(checkpoint: str, model_name: str, output: str, num_classes, in_chans, img_size) -> int:
    import keras

    from luximm_keras.models import create_model, load_pretrained

    if not output.endswith(".keras"):
        raise SystemExit(f"luximm-keras convert: the output file must end in .keras, got {output!r}")
    model = create_model(model_name, num_classes=num_classes, in_chans=in_chans, img_size=img_size)
    bar = {}

    def progress(done, total):
        if "bar" not in bar:
            bar["bar"] = keras.utils.Progbar(total, unit_name="tensor")
        bar["bar"].update(done)

    report = load_pretrained(model, checkpoint, progress=progress)
    model.save(output)
    print(f"{model_name}: {report}; saved {output} (backend {keras.backend.backend()})")
    print(f"Load it on any backend with: import luximm_keras, keras; model = keras.saving.load_model({output!r})")
    return 0


def main(argv=None) -> int:
    # TensorFlow's start-up chatter would bury the output of list-models and convert.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    parser = argparse.ArgumentParser(prog="luximm-keras", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    verify_parser = commands.add_parser("verify", help="compare every block with timm on each backend")
    verify_parser.add_argument("--backends", default=",".join(BACKENDS),
                               help="comma-separated Keras backends (default: all three)")
    verify_parser.add_argument("--repeats", type=int, default=5, help="timed runs per block (median)")
    verify_parser.add_argument("--model", help="compare this whole model (a create_model name) instead")
    convert_parser = commands.add_parser("convert", help="write a .keras model file from a timm checkpoint")
    convert_parser.add_argument("checkpoint", help=".safetensors, .pth/.bin or .npz file of timm weights")
    convert_parser.add_argument("--model", required=True, help="timm model name, ARCH or ARCH.TAG (see list-models)")
    convert_parser.add_argument("-o", "--output", required=True, help="the .keras file to write")
    convert_parser.add_argument("--num-classes", type=int, default=None,
                                help="classifier width (default: the checkpoint's); another width gets a new head")
    convert_parser.add_argument("--in-chans", type=int, default=None, help="input channels (default: 3)")
    convert_parser.add_argument("--img-size", type=int, default=None)
    list_parser = commands.add_parser("list-models", help="the model names create_model and convert know")
    list_parser.add_argument("pattern", nargs="?", default="*", help="shell-style pattern, e.g. 'vit_*'")
    list_parser.add_argument("--pretrained", action="store_true", help="list every ARCH.TAG with weights")
    args = parser.parse_args(argv)
    if args.command == "list-models":
        from luximm_keras.models import list_models

        print("\n".join(list_models(args.pattern, pretrained=args.pretrained)))
        return 0
    if args.command == "convert":
        try:
            return convert(args.checkpoint, args.model, args.output, args.num_classes, args.in_chans, args.img_size)
        except (ValueError, FileNotFoundError) as error:
            print(f"luximm-keras convert: {error}", file=sys.stderr)
            return 1
    if args.command == "verify":
        backends = [b.strip() for b in args.backends.split(",") if b.strip()]
        unknown = sorted(set(backends) - set(BACKENDS))
        if unknown:
            parser.error(f"unknown backend(s) {unknown}; choose from {list(BACKENDS)}")
        return verify(backends, args.repeats, args.model)
    return 2


if __name__ == "__main__":
    sys.exit(main())
