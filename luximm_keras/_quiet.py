"""Keeps TensorFlow's start-up notices off the console script's stderr.

TensorFlow 2.21 prints, while `import tensorflow` runs, "oneDNN custom operations are on" (once from
`libtensorflow_framework` and once from the profiler plugin, each with absl's "All log messages before
absl::InitializeLog() is called are written to STDERR" line) and, on builds with CUDA, cuDNN/cuFFT/
cuBLAS factory lines. They go through absl's C++ logging before it is initialised, which writes every
message to fd 2 whatever `TF_CPP_MIN_LOG_LEVEL` says (that variable does silence TensorFlow's later
messages, such as the cpu_feature_guard notice), and absl reads no environment variable of its own.
So the console script (only it: importing the package changes nothing) sends fd 2 to a temporary
file while `import tensorflow` runs and writes back every line that is not such a notice.

Keras imports TensorFlow on the tensorflow backend, and on the others too when it saves a model
(`serialize_keras_object` asks whether TensorFlow is available); the import hook below catches either.

This module uses the standard library only, so that it can run before Keras is imported.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import os
import re
import sys
import tempfile

# absl's line prefix: severity, MMDD, time, thread id, file:line]. Info and warning lines are start-up
# notices; errors and fatal lines are kept, except the CUDA plugin's repeated "factory" registrations.
_ABSL_LINE = re.compile(r"^[IW]\d{4} [\d:.]+ +\d+ [\w.]+:\d+\]")
_NOTICES = (
    re.compile(r"^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"),
    re.compile(r"^To enable the following instructions: .* rebuild TensorFlow"),  # cpu_feature_guard's 2nd line
    re.compile(r"^E\d{4} .*Unable to register cu(DNN|FFT|BLAS) factory"),
    re.compile(r"^E\d{4} .*computation placer already registered"),
)


def is_startup_notice(line: str) -> bool:
    return bool(_ABSL_LINE.match(line)) or any(pattern.match(line) for pattern in _NOTICES)


@contextlib.contextmanager
def startup_notices_filtered():
    """Sends fd 2 to a temporary file for the duration, then writes back the lines that are not
    TensorFlow start-up notices (so a real error during the import still shows)."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode("utf-8", "replace")
            kept = [line for line in text.splitlines(keepends=True) if not is_startup_notice(line)]
            if kept:
                os.write(2, "".join(kept).encode())


class _QuietLoader(importlib.abc.Loader):
    """Runs the wrapped loader's `exec_module` under `startup_notices_filtered`."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        # The module keeps the real loader (tracebacks read its source through it).
        module.__loader__ = self.loader
        module.__spec__.loader = self.loader
        with startup_notices_filtered():
            self.loader.exec_module(module)


class _QuietTensorFlowFinder(importlib.abc.MetaPathFinder):
    """Finds `tensorflow` as the next finders would, and wraps its loader; gone after the first use."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        uninstall()
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _QuietLoader(spec.loader)
        return spec


_FINDER = _QuietTensorFlowFinder()


def install() -> None:
    """Filters TensorFlow's start-up notices from the next `import tensorflow` in this process
    (nothing to do when it is already imported)."""
    if "tensorflow" not in sys.modules and _FINDER not in sys.meta_path:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's messages after its import
        sys.meta_path.insert(0, _FINDER)


def uninstall() -> None:
    with contextlib.suppress(ValueError):
        sys.meta_path.remove(_FINDER)


def install_if_console_script() -> None:
    """`install()` when this process is the `luximm-keras` console script. For `luximm_keras/__init__.py`
    to call before it imports Keras: the console script imports the package (and so Keras, and on the
    tensorflow backend TensorFlow) before `luximm_keras.cli.main` runs."""
    if os.path.basename(sys.argv[0] if sys.argv else "").startswith("luximm-keras"):
        install()
