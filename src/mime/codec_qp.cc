#include "mime/codec_qp.h"

#include "mime/codec_hex.h"

namespace eider::mime {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

// Length of the line ending at `i` (CRLF, LF or CR), or 0.
size_t line_break_at(std::string_view text, size_t i) {
  if (i >= text.size()) return 0;
  if (text[i] == '\n') return 1;
  if (text[i] == '\r') return i + 1 < text.size() && text[i + 1] == '\n' ? 2 : 1;
  return 0;
}

constexpr size_t kMaxLine = 76;

}  // namespace

std::string qp_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '=') {
      if (i + 2 < text.size() && hex_digit_value(text[i + 1]) >= 0 &&
          hex_digit_value(text[i + 2]) >= 0) {
        out.push_back(
            static_cast<char>(hex_digit_value(text[i + 1]) * 16 + hex_digit_value(text[i + 2])));
        i += 3;
        continue;
      }
      size_t j = i + 1;
      while (j < text.size() && is_blank(text[j])) ++j;
      const size_t eol = line_break_at(text, j);
      if (eol > 0 || j == text.size()) {
        i = j + eol;  // soft line break
        continue;
      }
      out.push_back(c);
      ++i;
    } else if (is_blank(c)) {
      size_t j = i;
      while (j < text.size() && is_blank(text[j])) ++j;
      // Trailing blanks before a hard line break were added in transport.
      if (j < text.size() && line_break_at(text, j) == 0) out.append(text.substr(i, j - i));
      i = j;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

std::string qp_encode(std::string_view bytes, LineEnding line_ending) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const std::string_view eol = line_ending_bytes(line_ending);
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  size_t column = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const size_t hard_break = line_break_at(bytes, i);
    if (hard_break > 0) {
      out.append(eol);
      column = 0;
      i += hard_break - 1;
      continue;
    }
    const auto c = static_cast<unsigned char>(bytes[i]);
    const bool before_break = i + 1 == bytes.size() || line_break_at(bytes, i + 1) > 0;
    const bool literal =
        (c >= 33 && c <= 126 && c != '=') || (is_blank(static_cast<char>(c)) && !before_break);
    const size_t width = literal ? 1 : 3;
    // Keep room for the '=' of a soft break unless this is the line's last character.
    const size_t limit = before_break ? kMaxLine : kMaxLine - 1;
    if (column + width > limit) {
      out.push_back('=');
      out.append(eol);
      column = 0;
    }
    if (literal) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('=');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    }
    column += width;
  }
  return out;
}

}  // namespace eider::mime
