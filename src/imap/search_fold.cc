#include "imap/search_fold.h"

#include <unicode/uchar.h>

#include <cstdint>

namespace eider::imap {
namespace {

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

// The code point of the well-formed UTF-8 sequence at `pos` and its length,
// or length 0 when the bytes there are not one (overlong, surrogate, cut).
struct CodePoint {
  UChar32 value = 0;
  size_t length = 0;
};

CodePoint decode_at(std::string_view s, size_t pos) {
  auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  uint8_t lead = byte(pos);
  size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
  if (length == 0 || lead > 0xF4 || pos + length > s.size()) return {};
  UChar32 value = lead & (0x7F >> length);
  for (size_t i = 1; i < length; ++i) {
    uint8_t next = byte(pos + i);
    if ((next & 0xC0) != 0x80) return {};
    value = (value << 6) | (next & 0x3F);
  }
  static constexpr UChar32 kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (value < kMinimum[length] || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    return {};
  }
  return {value, length};
}

void append_utf8(std::string& out, UChar32 c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

}  // namespace

std::string fold_case(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  size_t pos = 0;
  while (pos < utf8.size()) {
    char c = utf8[pos];
    if (static_cast<uint8_t>(c) < 0x80) {
      out.push_back(ascii_lower(c));
      ++pos;
      continue;
    }
    CodePoint cp = decode_at(utf8, pos);
    if (cp.length == 0) {
      out.push_back(c);
      ++pos;
      continue;
    }
    append_utf8(out, u_foldCase(cp.value, U_FOLD_CASE_DEFAULT));
    pos += cp.length;
  }
  return out;
}

}  // namespace eider::imap
