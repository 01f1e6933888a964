#!/usr/bin/env bash
# Creates .venv (if missing) and installs the package with all three backends and the test oracle.
# torch 2.14.1 / torchvision 0.29.1 are pinned: they are the newest these machines install (timm needs
# torchvision, and torchvision needs its matching torch).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --no-cache-dir --disable-pip-version-check \
  "torch==2.14.1" "torchvision==0.29.1" -e ".[tensorflow,jax,test]" 2>&1 \
  | grep -v "is ignored: it is neither a file nor a directory" || true
.venv/bin/python -c "import torch, timm, jax, luximm_keras; print('luximm_keras', luximm_keras.__version__, 'ready')"  # timm before Keras (TensorFlow first crashes torchvision)
