#!/usr/bin/env bash
# Runs every test: the C++ engine's Catch2 suite (through ctest) and the Python suite (pytest,
# including notebooks and cluster tests) in the project's .venv. Installs what is missing first.
# With CI set (as CI runs it) also the sanitizer build of the C++ tests (tools/sanitize.sh) and
# 60 s of fuzzing the results-file opener (tools/fuzz.sh; needs clang and libclang-rt-14-dev).
# Usage: bash tools/test.sh            (everything)
#        bash tools/test.sh -m "not slow"   (extra arguments go to pytest)
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
# The project's virtual environment (tools/setup.sh), active as `. .venv/bin/activate` would make it.
VIRTUAL_ENV="$(cd "${CULTURESIM_VENV:-.venv}" && pwd)"
export VIRTUAL_ENV PATH="$VIRTUAL_ENV/bin:$PATH"
PY="$VIRTUAL_ENV/bin/python"

echo "== C++ engine tests"
cmake -S . -B build/cpp -G Ninja -DCMAKE_BUILD_TYPE=Release -DCULTURESIM_BUILD_TESTS=ON -DCULTURESIM_BUILD_BENCHMARKS=ON >/dev/null
cmake --build build/cpp --parallel 2
ctest --test-dir build/cpp --output-on-failure --parallel 2

echo "== Python style (ruff check; also a test in tests/python/test_style.py)"
"$PY" -m ruff check bindings tests/python

echo "== Python tests"
"$PY" -m pytest "$@"

if [ -n "${CI:-}" ]; then
  echo "== C++ tests under AddressSanitizer and UndefinedBehaviorSanitizer"
  bash tools/sanitize.sh
  echo "== Fuzzing the results-file opener (60 s)"
  bash tools/fuzz.sh 60
fi
