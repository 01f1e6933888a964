"""One backend's half of `luximm-keras verify`: run every block case, print one JSON line per case.

Run it in a process whose KERAS_BACKEND is set, importing torch and timm before this module (see
`luximm_keras.cli`): TensorFlow imported before torchvision crashes the interpreter.

Times: each side is called as `benchmarks/bench_blocks.py` calls it (the Keras layer compiled where
the backend compiles: `jax.jit` of its `stateless_call`, `tf.function(jit_compile=True)`; eager on
torch; timm's module eager, without autograd), on inputs already on the backend, after warm-up,
alternating the two sides. A call of these small blocks takes tens of microseconds, below what one
timed call can resolve and at the mercy of any other process, so each timed sample runs enough calls
to last at least `MIN_SAMPLE_S`, and the row gives the median over the samples of the time per call.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
import time

import numpy as np
import torch

from luximm_keras.verification.cases import CASES, run_case, timm_input

RTOL = ATOL = 1e-5
MODEL_ATOL = 1e-4  # max |logits - timm logits|
MIN_SAMPLE_S = 0.02  # each timed sample lasts at least this long (repeated calls)
WARMUP = 3  # untimed calls of each side first (tracing, compilation, first-call allocation)


def compiled_forward(layer, backend: str):
    """The Keras layer's inference call as the benchmark runs it, and its label; the callable takes
    and returns backend tensors and waits for the result."""
    if backend == "jax":
        import jax

        trainable = [v.value for v in layer.trainable_variables]
        non_trainable = [v.value for v in layer.non_trainable_variables]
        jitted = jax.jit(lambda x: layer.stateless_call(trainable, non_trainable, x)[0])
        return (lambda x: jitted(x).block_until_ready()), "jax.jit"
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(lambda x: layer(x), jit_compile=True), "tf.function(jit_compile=True)"

    def forward(x):
        with torch.no_grad():
            return layer(x)

    return forward, "eager"


def eager_forward(layer, backend: str):
    """`layer(x)` as a user calls it: the fallback where the compiled call fails."""

    def forward(x):
        with torch.no_grad():
            y = layer(x)
        if backend == "jax":  # jax dispatches asynchronously
            y.block_until_ready()
        return y

    return forward, "eager"


def _calls_per_sample(fn, min_sample_s: float) -> int:
    one_call = min(_seconds(fn, 1) for _ in range(3))
    return max(1, math.ceil(min_sample_s / max(one_call, 1e-7)))


def _seconds(fn, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return time.perf_counter() - start


def time_pair(fn_a, fn_b, samples: int, min_sample_s: float = MIN_SAMPLE_S, warmup: int = WARMUP):
    """Median milliseconds per call of `fn_a` and of `fn_b`: warm-up, then `samples` alternating
    samples of each, every sample `n` back-to-back calls lasting at least `min_sample_s`."""
    for _ in range(warmup):
        fn_a()
        fn_b()
    n_a, n_b = _calls_per_sample(fn_a, min_sample_s), _calls_per_sample(fn_b, min_sample_s)
    times_a, times_b = [], []
    for _ in range(max(1, samples)):
        times_a.append(_seconds(fn_a, n_a) / n_a)
        times_b.append(_seconds(fn_b, n_b) / n_b)
    return 1000.0 * statistics.median(times_a), 1000.0 * statistics.median(times_b)


def _timed_row(layer, timm_module, x_keras_np: np.ndarray, x_timm, backend: str, samples: int) -> dict:
    import keras

    x_keras = keras.ops.convert_to_tensor(x_keras_np)

    def timm_call():
        with torch.no_grad():
            return timm_module(x_timm)

    for make in (compiled_forward, eager_forward):
        try:
            forward, label = make(layer, backend)
            forward(x_keras)
            break
        except Exception:  # a compiled path this layer cannot take: time the eager call instead
            if make is eager_forward:
                raise
    keras_ms, timm_ms = time_pair(lambda: forward(x_keras), timm_call, samples)
    return {"keras_ms": keras_ms, "timm_ms": timm_ms, "keras_path": label}


def main(samples: int = 7) -> None:
    import keras

    backend = keras.backend.backend()
    print(json.dumps({"total": len(CASES)}), flush=True)
    for case in CASES:
        row = {"block": case.name, "backend": backend}
        try:
            keras_out, timm_out, prepared = run_case(case)
            row["max_abs_err"] = float(np.max(np.abs(keras_out - timm_out)))
            row["ok"] = bool(np.allclose(keras_out, timm_out, rtol=RTOL, atol=ATOL))
            row.update(_timed_row(prepared.keras_layer, prepared.timm_module, prepared.inputs,
                                  timm_input(prepared), backend, samples))
        except Exception as error:  # report and go on: one broken block should not hide the others
            row["ok"] = False
            row["error"] = f"{type(error).__name__}: {error}"
        print(json.dumps(row), flush=True)


def main_model(name: str, samples: int = 7) -> None:
    """One JSON line: a whole model's logits against timm's (batch of 2 random images)."""
    import keras

    from luximm_keras.verification.models import compare_model

    row = {"block": name, "backend": keras.backend.backend()}
    print(json.dumps({"total": 1}), flush=True)
    try:
        result = compare_model(name)
        row["max_abs_err"] = float(np.max(np.abs(result["keras"] - result["timm"])))
        row["ok"] = bool(row["max_abs_err"] <= MODEL_ATOL)
        images = result["images"]
        x_timm = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()
        row.update(_timed_row(result["model"], result["reference"], images, x_timm, row["backend"], samples))
    except Exception as error:
        row["ok"] = False
        row["error"] = f"{type(error).__name__}: {error}"
    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
