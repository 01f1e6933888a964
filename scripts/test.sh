#!/usr/bin/env bash
# Runs the whole test suite once per Keras backend, each in its own process (KERAS_BACKEND is fixed
# per process). Extra arguments go to pytest. Exits non-zero if any backend fails.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || PY=python3
status=0
for backend in ${BACKENDS:-tensorflow jax torch}; do
  echo "=== KERAS_BACKEND=$backend"
  KERAS_BACKEND=$backend TF_CPP_MIN_LOG_LEVEL=2 "$PY" -m pytest -q -p no:cacheprovider "$@" || status=1
done
exit $status
