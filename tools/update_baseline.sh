#!/usr/bin/env bash
# Regenerates the pinned baseline, tests/data/baseline_fingerprints.txt: a hash of every recorded
# number of a few fixed runs (benchmarks/bench_fingerprint.cpp), which the test
# `pinned_baseline_fingerprints` (ctest) compares bit for bit.
#
# Run it only when a change is meant to change the model's numbers, and say in the commit message
# which fingerprints changed and why (docs/contributing.md). A refactor must leave them alone.
# Usage: bash tools/update_baseline.sh          (prints the difference it made)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/cpp}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCULTURESIM_BUILD_BENCHMARKS=ON >/dev/null
cmake --build "$BUILD" --target culturesim_bench_fingerprint --parallel 2 >/dev/null
baseline=tests/data/baseline_fingerprints.txt
new=$(mktemp)
"$BUILD/benchmarks/culturesim_bench_fingerprint" 2>/dev/null >"$new" || {
  echo "update_baseline: the fingerprint runs failed or differ between 1 and 2 threads:" >&2
  cat "$new" >&2
  rm -f "$new"
  exit 1
}
if diff -u "$baseline" "$new"; then
  echo "update_baseline: unchanged"
else
  mv "$new" "$baseline"
  echo "update_baseline: $baseline rewritten; explain the change in the commit message"
fi
rm -f "$new"
