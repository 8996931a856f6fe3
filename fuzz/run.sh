#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in build-fuzz/ and runs each for
# its share of $1 seconds (default 60): mime_parse_fuzz seeded from
# tests/corpus, lmtp_parse_fuzz and imap_parse_fuzz from a few sessions
# written here, deflate_fuzz from a compressed and a plain seed.
# Exits non-zero when a fuzzer finds a crash; the input is left in
# build-fuzz/fuzz-artifacts/.
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-fuzz"
targets=(mime_parse_fuzz lmtp_parse_fuzz imap_parse_fuzz deflate_fuzz)
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

corpus="$build/fuzz-corpus/imap_parse"
mkdir -p "$corpus"
# The first 8 bytes of an input choose the chunk sizes it is fed in.
printf '\x00\x01\x02\x07a LOGIN {5}\r\nalice {3+}\r\npwd\r\nb SELECT INBOX (CONDSTORE)\r\n' \
  >"$corpus/seed-login"
printf '\x03\x00\x05\x01\x0d\x02\x00\x00c APPEND Drafts (\\Draft) "1-Feb-2020 10:00:00 +0000" ~{4+}\r\n\0\1\2\3 {2}\r\nhi\r\n' \
  >"$corpus/seed-append"
printf '\x00\x00\x00\x00\x00\x00\x00\x00d UID FETCH 1:*,7 (FLAGS BODY.PEEK[1.HEADER.FIELDS (From)]<0.9> BINARY[2]) (CHANGEDSINCE 5 VANISHED)\r\ne SEARCH RETURN (MIN) CHARSET UTF-8 OR (FROM x NOT SEEN) SINCE 1-Feb-1994 UID 1:4294967295\r\nf LIST (SUBSCRIBED) "" ("&AOQ-" %%) RETURN (STATUS (MESSAGES))\r\ng STORE 1 (UNCHANGEDSINCE 9) +FLAGS.SILENT (\\Seen)\r\n' \
  >"$corpus/seed-commands"
"$build/fuzz/imap_parse_fuzz" "$corpus" -max_len=65536 "${common[@]}"

corpus="$build/fuzz-corpus/deflate"
mkdir -p "$corpus"
# A raw deflate stream of a LOGIN with a sync flush (mode byte even), and
# a plain text for the round trip (mode byte odd).
python3 -c 'import sys, zlib; c = zlib.compressobj(9, zlib.DEFLATED, -15); sys.stdout.buffer.write(b"\x08\x05" + c.compress(b"a LOGIN alice pwd\r\nb IDLE\r\n") + c.flush(zlib.Z_SYNC_FLUSH))' \
  >"$corpus/seed-stream"
printf '\x0b\x10* 1 FETCH (BODY[] {12}\r\nHello world!)\r\na OK done\r\n' >"$corpus/seed-round-trip"
"$build/fuzz/deflate_fuzz" "$corpus" -max_len=65536 "${common[@]}"
