#!/usr/bin/env bash
# Fuzzes the results-file opener and the scenario-file reader with libFuzzer (clang, ASan, UBSan),
# each for a bounded time, starting from the committed corpora tests/fuzz/corpus/results_open
# (small results files and damaged ones) and tests/fuzz/corpus/toml_load (odd TOML) plus the
# shipped scenario files.
# New interesting inputs go to build/fuzz/corpus, not into the repository; a crash leaves its input
# in build/fuzz/ and fails the script.
# Usage: bash tools/fuzz.sh [SECONDS]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
command -v clang++ >/dev/null || { echo "fuzz: clang++ is missing (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }

CC=clang CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCULTURESIM_BUILD_FUZZERS=ON \
  -DCULTURESIM_BUILD_TESTS=OFF -DCULTURESIM_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build/fuzz --target fuzz_results_open fuzz_toml_load --parallel 2

mkdir -p build/fuzz/corpus
# HDF5 keeps a few bytes of library state alive after a failed metadata read (an HDF5 1.10 bug,
# see core/hdf5_handle.cpp); LeakSanitizer would report that, not our code, so it is suppressed
# by the library's name only.
printf 'leak:libhdf5\n' > build/fuzz/lsan.supp
export LSAN_OPTIONS="suppressions=$PWD/build/fuzz/lsan.supp"
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
cd build/fuzz
./tests/fuzz/fuzz_results_open -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 corpus ../../tests/fuzz/corpus/results_open
# The scenario-file reader, for the same time, from the shipped scenario files and a few odd ones.
mkdir -p corpus_toml
./tests/fuzz/fuzz_toml_load -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=16384 \
  -print_final_stats=1 corpus_toml ../../tests/fuzz/corpus/toml_load ../../experiments/scenarios
