// Base64 (RFC 2045 section 6.8): a tolerant decoder and an encoder whose line
// layout can be chosen, so that split() can reproduce a sender's exact bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace eider::mime {

enum class LineEnding : uint8_t { lf = 0, crlf = 1, cr = 2 };

// "\n", "\r\n" or "\r".
std::string_view line_ending_bytes(LineEnding ending);

struct Base64Decoded {
  std::string bytes;
  // True when the text held nothing but alphabet characters in whole 4-character
  // groups, CR and LF, and correct '=' padding only at the end with zero unused
  // bits: the text a strict encoder writes (line lengths are not checked).
  bool canonical = false;
};

// Decodes every alphabet character of `text`, skipping anything else
// (whitespace, garbage). '=' ends a group early, so concatenated encodings
// decode as a whole; a lone trailing character is dropped. Never fails.
// Time linear, memory: the output only (3/4 of the input at most).
Base64Decoded base64_decode(std::string_view text);

struct Base64Layout {
  // Characters per line; 0 writes everything on one line.
  uint32_t line_length = 76;
  LineEnding line_ending = LineEnding::crlf;
  // Whether the last line ends with a line ending too.
  bool final_line_ending = true;
};

// The exact size base64_encode() returns for `input_size` bytes. Empty input
// encodes to nothing, whatever the layout.
size_t base64_encoded_size(size_t input_size, const Base64Layout& layout);

// Encodes into `out`, which must have room for base64_encoded_size() bytes;
// returns the end of what was written. For callers that assemble a larger
// buffer without an intermediate copy.
char* base64_encode_to(std::string_view bytes, const Base64Layout& layout, char* out);

std::string base64_encode(std::string_view bytes, const Base64Layout& layout = {});

}  // namespace eider::mime
