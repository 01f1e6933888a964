"""One backend's half of `luximm-keras verify`: run every block case, print one JSON line per case.

Run it in a process whose KERAS_BACKEND is set, importing torch and timm before this module (see
`luximm_keras.cli`): TensorFlow imported before torchvision crashes the interpreter.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import numpy as np
import torch

from luximm_keras.verification.cases import CASES, keras_forward, run_case, timm_forward

RTOL = ATOL = 1e-5
MODEL_ATOL = 1e-4  # max |logits - timm logits|


def _median_ms(fn, repeats: int) -> float:
    fn()  # warm-up (tracing, first-call allocation)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000.0 * statistics.median(times)


def main(repeats: int = 5) -> None:
    import keras

    backend = keras.backend.backend()
    print(json.dumps({"total": len(CASES)}), flush=True)
    for case in CASES:
        row = {"block": case.name, "backend": backend}
        try:
            keras_out, timm_out, prepared = run_case(case)
            row["max_abs_err"] = float(np.max(np.abs(keras_out - timm_out)))
            row["ok"] = bool(np.allclose(keras_out, timm_out, rtol=RTOL, atol=ATOL))
            row["keras_ms"] = _median_ms(lambda: keras_forward(prepared), repeats)
            with torch.no_grad():
                row["timm_ms"] = _median_ms(lambda: timm_forward(prepared), repeats)
        except Exception as error:  # report and go on: one broken block should not hide the others
            row["ok"] = False
            row["error"] = f"{type(error).__name__}: {error}"
        print(json.dumps(row), flush=True)


def main_model(name: str, repeats: int = 3) -> None:
    """One JSON line: a whole model's logits against timm's (batch of 2 random images)."""
    import keras

    from luximm_keras.verification.models import compare_model, timm_logits

    row = {"block": name, "backend": keras.backend.backend()}
    try:
        result = compare_model(name)
        row["max_abs_err"] = float(np.max(np.abs(result["keras"] - result["timm"])))
        row["ok"] = bool(row["max_abs_err"] <= MODEL_ATOL)
        model, images = result["model"], result["images"]
        row["keras_ms"] = _median_ms(lambda: keras.ops.convert_to_numpy(model(images, training=False)), repeats)
        row["timm_ms"] = _median_ms(lambda: timm_logits(result["reference"], images), repeats)
    except Exception as error:
        row["ok"] = False
        row["error"] = f"{type(error).__name__}: {error}"
    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
