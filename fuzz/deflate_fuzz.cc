// COMPRESS=DEFLATE (net/deflate.h). With an even first byte, the rest is a
// client's compressed stream, fed in pieces to the Inflater with small
// output buffers and release() between pieces, as an idle session does: it
// must fail cleanly or inflate, never crash or grow without bound. With an
// odd first byte, the rest is plain text that goes through the Deflater
// and back through the Inflater, and must come back unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "net/deflate.h"

namespace {

using eider::net::Deflater;
using eider::net::Inflater;

// Inflates `input` in pieces of `piece` bytes into buffers of `out_size`;
// false when the inflater refuses it.
bool inflate_all(Inflater& inflater, std::string_view input, std::size_t piece,
                 std::size_t out_size, std::string* plain) {
  std::string out(out_size, '\0');
  while (!input.empty()) {
    std::string_view chunk = input.substr(0, piece);
    input.remove_prefix(chunk.size());
    for (;;) {
      auto step = inflater.inflate(chunk, out.data(), out.size());
      if (!step) return false;
      chunk.remove_prefix(step->consumed);
      if (plain != nullptr) plain->append(out.data(), step->produced);
      if (chunk.empty() && step->produced < out.size()) break;
      // Room for output and input left, yet no progress: zlib never does that.
      if (step->consumed == 0 && step->produced == 0) std::abort();
    }
    (void)inflater.release();
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const uint8_t mode = data[0];
  const std::size_t piece = 1 + data[1] % 64;
  const std::size_t out_size = 1 + (mode >> 1) * 37;
  std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  Inflater inflater;
  if ((mode & 1) == 0) {
    (void)inflate_all(inflater, rest, piece, out_size, nullptr);
    return 0;
  }
  // A stream that the Deflater made, one message at a time; each message
  // is a piece of the input, so releases fall between sync flushes.
  Deflater deflater;
  std::string compressed;
  for (std::string_view left = rest; !left.empty();) {
    std::string_view message = left.substr(0, piece * 7);
    left.remove_prefix(message.size());
    deflater.start(message);
    for (;;) {
      auto next = deflater.next();
      if (!next) std::abort();
      if (next->empty()) break;
      compressed.append(*next);
    }
    deflater.release();
  }
  std::string plain;
  if (!inflate_all(inflater, compressed, piece, out_size, &plain) || plain != rest) std::abort();
  return 0;
}
