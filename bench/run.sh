#!/usr/bin/env bash
# Builds the benchmarks in Release (build-bench-release/) and runs them:
# Google Benchmark's own table per binary, then one summary table in MB/s and
# messages/s. Extra arguments go to every benchmark binary, for example
#   bench/run.sh --benchmark_filter=Parse --benchmark_repetitions=5
#
# The delivery benchmark writes its store under $EIDER_BENCH_DIR (default
# build-bench-release/bench-data), which should be on a real disk.
set -euo pipefail

cd "$(dirname "$0")/.."

scripts/setup

build=build-bench-release
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DEIDER_TESTS=OFF -DEIDER_BENCH=ON
ninja -C "$build" -j"${EIDER_JOBS:-$(nproc)}" mime_bench deliver_bench

export EIDER_BENCH_DIR=${EIDER_BENCH_DIR:-$PWD/$build/bench-data}
results=$build/results
mkdir -p "$results" "$EIDER_BENCH_DIR"

for b in mime_bench deliver_bench; do
  echo "== $b"
  "$build/bench/$b" --benchmark_out="$results/$b.json" --benchmark_out_format=json "$@"
done

echo
/usr/bin/python3 bench/summary.py "$results/mime_bench.json" "$results/deliver_bench.json"
