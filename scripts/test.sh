#!/usr/bin/env bash
# Runs the whole test suite once per Keras backend (KERAS_BACKEND is fixed per process). Extra
# arguments go to pytest. Exits non-zero if any part fails.
#
# Each backend's suite runs as two parts, tests/layers and the rest, each in its own process with its
# own pytest temporary folder, and JOBS of those processes (default 2) run side by side: most of a run
# is single-threaded (tracing, compiling, Python), and one process of each backend at a time keeps the
# memory of a whole run within a 24 GiB machine. Each part's report prints when it ends.
# JOBS=1 runs them one after another, printing as they go.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || PY=python3
backends=(${BACKENDS:-jax tensorflow torch})
jobs=${JOBS:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The parts, longest first on this suite, so that the last to start are short ones. Given test
# paths (`bash scripts/test.sh tests/test_cli.py`), each backend runs them as one part.
given=0
for a in "$@"; do [[ $a != -* && -e ${a%%::*} ]] && given=1; done
parts=()
if [ $given = 1 ]; then
  for backend in "${backends[@]}"; do parts+=("$backend given"); done
else
  for backend in "${backends[@]}"; do parts+=("$backend rest"); done
  for backend in "${backends[@]}"; do parts+=("$backend layers"); done
fi

run() {  # backend, part ("layers", "rest" or "given"), then pytest arguments
  local backend=$1 part=$2
  shift 2
  local where=()
  [ "$part" = layers ] && where=(tests/layers)
  [ "$part" = rest ] && where=(tests --ignore=tests/layers)
  local xla=${XLA_FLAGS:-}
  # jax: a test's inputs are small, so XLA's compilation, not the computation, is most of its time,
  # and LLVM's optimization level 0 compiles faster. XLA's own graph passes still run; the results
  # stay within float32 rounding of the default build's (no fast math either way), far inside the
  # tests' tolerances.
  [ "$backend" = jax ] && xla="$xla --xla_backend_optimization_level=0"
  XLA_FLAGS=$xla KERAS_BACKEND=$backend TF_CPP_MIN_LOG_LEVEL=2 "$PY" -m pytest -q -p no:cacheprovider \
    --basetemp="$work/$backend-$part" "${where[@]}" "$@"
}

status=0
if [ "$jobs" -le 1 ]; then
  for p in "${parts[@]}"; do
    echo "=== KERAS_BACKEND=${p% *} (${p#* })"
    run $p "$@" || status=1
  done
  exit $status
fi

declare -A part_of=()
report() {  # waits for one part to end and prints its report
  local pid
  wait -n -p pid || status=1
  local p=${part_of[$pid]}
  echo "=== KERAS_BACKEND=${p% *} (${p#* })"
  cat "$work/${p/ /-}.log"
  unset "part_of[$pid]"
}
for p in "${parts[@]}"; do
  [ ${#part_of[@]} -ge "$jobs" ] && report
  run $p "$@" >"$work/${p/ /-}.log" 2>&1 &
  part_of[$!]=$p
done
while [ ${#part_of[@]} -gt 0 ]; do report; done
exit $status
