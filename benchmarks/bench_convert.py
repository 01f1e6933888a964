"""What the automatic path costs: a model converted by `convert.from_timm` against the hand-built
family of the same architecture and against timm, per backend, in one run.

    .venv/bin/python benchmarks/bench_convert.py                        # three models, every backend
    .venv/bin/python benchmarks/bench_convert.py --models resnet50 --backends torch --repeats 5

Each backend runs in its own process. In it, timm's module (random weights, eval mode), the
hand-built model (`create_model` + `load_pretrained` of the same weights) and the converted model
(`from_timm` of the same module) classify the same batch of 224x224 images; each Keras model's forward
pass alternates with timm's (warm-up first) as `bench_blocks.py` times them: jax and tensorflow
compiled with XLA, torch eager, timm eager. The table gives the median times, `/ timm` and the
largest absolute difference of the logits from timm's. The converted model computes in PyTorch's
NCHW layout, with the transposes and reshapes timm's code does; the hand-built one in NHWC.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import bench_blocks  # noqa: E402  (the shared timing helpers and the per-backend process)

MODELS = ("convnextv2_atto", "resnet50", "vit_small_patch16_224")


def worker(models: list[str], repeats: int, batch: int) -> None:
    import numpy as np
    import timm
    import torch
    import keras

    from luximm_keras.convert import from_timm
    from luximm_keras.models import create_model, load_pretrained
    from luximm_keras.verification.worker import compiled_forward

    backend = keras.backend.backend()
    torch.set_grad_enabled(False)
    x = np.random.default_rng(0).standard_normal((batch, 224, 224, 3)).astype("float32")
    x_keras = keras.ops.convert_to_tensor(x)
    x_timm = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()
    for name in models:
        module = timm.create_model(name).eval()
        reference = module(x_timm).numpy()
        hand_built = create_model(name)
        assert load_pretrained(hand_built, {k: v.numpy() for k, v in module.state_dict().items()}).ok
        sides = {"hand-built": hand_built, "converted": from_timm(module)}
        for side, model in sides.items():
            forward, label = compiled_forward(model, backend)
            err = float(np.max(np.abs(keras.ops.convert_to_numpy(forward(x_keras)) - reference)))
            keras_ms, timm_ms = bench_blocks._alternate(
                lambda: bench_blocks._block_until_ready(forward(x_keras), backend), lambda: module(x_timm), repeats)
            print(json.dumps({"name": name, "backend": backend, "side": side, "path": label, "keras_ms": keras_ms,
                              "timm_ms": timm_ms, "max_abs_err": err}), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--backends", default=",".join(bench_blocks.BACKENDS))
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--batch", type=int, default=8)
    args = parser.parse_args()
    models = args.models.split(",")
    rows = []
    for backend in args.backends.split(","):
        call = f"worker({models!r}, {args.repeats}, {args.batch})"
        rows += bench_blocks._spawn([call], backend, module="bench_convert")
    print(f"\n{'model':24s} {'backend':11s} {'side':11s} {'path':30s} {'keras ms':>9s} {'timm ms':>8s} "
          f"{'/ timm':>7s} {'max |err|':>9s}")
    for r in rows:
        if "error" in r:
            print(f"{r['name']:24s} {r['backend']:11s} error: {r['error']}")
            continue
        print(f"{r['name']:24s} {r['backend']:11s} {r['side']:11s} {r['path']:30s} {r['keras_ms']:9.1f} "
              f"{r['timm_ms']:8.1f} {r['keras_ms'] / r['timm_ms']:7.2f} {r['max_abs_err']:9.2g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
