#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in build-fuzz/ and runs
# mime_parse_fuzz for $1 seconds (default 60), seeded from tests/corpus.
# Exits non-zero when the fuzzer finds a crash; the input is left in
# build-fuzz/fuzz-artifacts/.
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-fuzz"

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
  -DEIDER_FUZZ=ON -DEIDER_TESTS=OFF -DEIDER_BENCH=OFF >/dev/null
ninja -C "$build" -j2 mime_parse_fuzz

corpus="$build/fuzz-corpus/mime_parse"
artifacts="$build/fuzz-artifacts/"
mkdir -p "$corpus" "$artifacts"
cp -n "$root"/tests/corpus/*.eml "$corpus"/

"$build/fuzz/mime_parse_fuzz" "$corpus" -dict="$root/fuzz/mime.dict" -max_total_time="$seconds" \
  -max_len=1048576 -rss_limit_mb=2048 -timeout=30 -artifact_prefix="$artifacts" \
  -print_final_stats=1
