#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in build-fuzz/ and runs each for
# its share of $1 seconds (default 60): mime_parse_fuzz seeded from
# tests/corpus, lmtp_parse_fuzz from a few LMTP sessions written here.
# Exits non-zero when a fuzzer finds a crash; the input is left in
# build-fuzz/fuzz-artifacts/.
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-fuzz"
targets=(mime_parse_fuzz lmtp_parse_fuzz)
share=$((seconds / ${#targets[@]}))
((share > 0)) || share=1

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
  -DEIDER_FUZZ=ON -DEIDER_TESTS=OFF -DEIDER_BENCH=OFF >/dev/null
ninja -C "$build" -j2 "${targets[@]}"

artifacts="$build/fuzz-artifacts/"
mkdir -p "$artifacts"
common=(-max_total_time="$share" -rss_limit_mb=2048 -timeout=30 -artifact_prefix="$artifacts"
  -print_final_stats=1)

corpus="$build/fuzz-corpus/mime_parse"
mkdir -p "$corpus"
cp -n "$root"/tests/corpus/*.eml "$corpus"/
"$build/fuzz/mime_parse_fuzz" "$corpus" -dict="$root/fuzz/mime.dict" -max_len=1048576 "${common[@]}"

corpus="$build/fuzz-corpus/lmtp_parse"
mkdir -p "$corpus"
printf 'LHLO mx\r\nMAIL FROM:<a@b.example> SIZE=10 BODY=8BITMIME SMTPUTF8\r\nRCPT TO:<"c d"@e>\r\nDATA\r\n' \
  >"$corpus/seed-commands"
printf 'Subject: x\r\n\r\n..a\r\n.\nb\r.\r\n.x\r\n.\r\nQUIT\r\n' >"$corpus/seed-data"
printf 'BDAT 5 LAST\r\nabcdeRSET\r\nMAIL FROM:<@r,@s:a@b> BODY=BINARYMIME\r\n' >"$corpus/seed-bdat"
"$build/fuzz/lmtp_parse_fuzz" "$corpus" -max_len=65536 "${common[@]}"
