// libFuzzer target for the pure LMTP parsers: command lines and DATA.
//
// Checks, besides "no crash, no sanitizer report": the line splitter never
// returns a line with LF or longer than the limit; the DATA decoder gives
// the same message and the same end whether the input arrives at once or
// byte by byte, and never keeps more than its size limit.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lmtp/protocol.h"
#include "net/line_splitter.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void fuzz_lines(std::string_view input) {
  constexpr uint64_t kMax = 64;
  eider::net::LineSplitter splitter(kMax);
  std::string buffer;
  std::size_t fed = 0;
  while (true) {
    eider::net::LineSplitter::Line line = splitter.next(buffer);
    check(line.consumed <= buffer.size());
    if (line.kind == eider::net::LineSplitter::Line::Kind::line) {
      check(line.text.size() <= kMax && line.text.find('\n') == std::string_view::npos);
      eider::lmtp::Parsed parsed = eider::lmtp::parse_command(line.text);
      if (auto* reply = std::get_if<eider::lmtp::Reply>(&parsed)) {
        check(reply->code >= 400 && reply->code < 600);
      }
    }
    buffer.erase(0, line.consumed);
    if (line.kind != eider::net::LineSplitter::Line::Kind::need_more) continue;
    if (fed == input.size()) return;
    // Pieces of 7 bytes: lines and limits cross piece boundaries.
    buffer.append(input.substr(fed, 7));
    fed = std::min(input.size(), fed + 7);
    check(buffer.size() <= kMax + 2 + 7);
  }
}

struct Decoded {
  std::string message;
  std::size_t end = 0;  // input bytes up to the end of data, or input size
  bool done = false;
};

Decoded decode(std::string_view input, std::size_t piece) {
  constexpr uint64_t kMax = 4096;
  eider::lmtp::DataDecoder decoder(kMax);
  Decoded out;
  while (out.end < input.size() && !out.done) {
    eider::lmtp::DataDecoder::Step step = decoder.feed(input.substr(out.end, piece), out.message);
    out.end += step.consumed;
    out.done = step.done;
  }
  check(out.message.size() <= kMax);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  fuzz_lines(input);
  Decoded whole = decode(input, input.size() + 1);
  Decoded bytes = decode(input, 1);
  check(whole.message == bytes.message && whole.end == bytes.end && whole.done == bytes.done);
  return 0;
}
