#include "mime/codec_rfc2047.h"

#include <cctype>
#include <optional>

#include "mime/charset.h"
#include "mime/codec_base64.h"

namespace eider::mime {
namespace {

struct EncodedWord {
  std::string_view charset;
  std::string bytes;  // decoded, still in `charset`
  size_t end = 0;     // offset just past "?="
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string q_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '_') {
      out.push_back(' ');
    } else if (c == '=' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// The encoded word starting at `pos` ("=?"), if it is well formed.
std::optional<EncodedWord> parse_encoded_word(std::string_view text, size_t pos) {
  const size_t charset_begin = pos + 2;
  const size_t charset_end = text.find('?', charset_begin);
  if (charset_end == std::string_view::npos || charset_end == charset_begin) return std::nullopt;
  if (charset_end + 2 >= text.size() || text[charset_end + 2] != '?') return std::nullopt;
  const char encoding = text[charset_end + 1];
  const size_t data_begin = charset_end + 3;
  const size_t data_end = text.find("?=", data_begin);
  if (data_end == std::string_view::npos) return std::nullopt;
  for (size_t i = charset_begin; i < data_end; ++i) {
    if (is_space(text[i])) return std::nullopt;
  }
  const std::string_view data = text.substr(data_begin, data_end - data_begin);
  EncodedWord word;
  word.charset = text.substr(charset_begin, charset_end - charset_begin);
  word.end = data_end + 2;
  if (encoding == 'B' || encoding == 'b') {
    word.bytes = base64_decode(data).bytes;
  } else if (encoding == 'Q' || encoding == 'q') {
    word.bytes = q_decode(data);
  } else {
    return std::nullopt;
  }
  return word;
}

bool same_charset(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string plain_text(std::string_view bytes) {
  return is_valid_utf8(bytes) ? std::string(bytes) : to_utf8(bytes, "windows-1252");
}

}  // namespace

std::string decode_header_text(std::string_view raw) {
  std::string text;
  text.reserve(raw.size());
  for (const char c : raw) {
    if (c != '\r' && c != '\n') text.push_back(c);
  }

  std::string out;
  std::string_view pending_charset;
  std::string pending;
  bool have_pending = false;
  auto flush = [&] {
    if (have_pending) out += to_utf8(pending, pending_charset);
    pending.clear();
    have_pending = false;
  };

  const std::string_view view = text;
  size_t plain_begin = 0;
  size_t search = 0;
  while (true) {
    const size_t pos = view.find("=?", search);
    if (pos == std::string_view::npos) break;
    std::optional<EncodedWord> word = parse_encoded_word(view, pos);
    if (!word) {
      search = pos + 1;
      continue;
    }
    const std::string_view between = view.substr(plain_begin, pos - plain_begin);
    bool only_space = true;
    for (const char c : between) only_space = only_space && is_space(c);
    if (!(have_pending && only_space)) {
      flush();
      out += plain_text(between);
    }
    if (have_pending && !same_charset(pending_charset, word->charset)) flush();
    pending_charset = word->charset;
    pending += word->bytes;
    have_pending = true;
    plain_begin = search = word->end;
  }
  flush();
  out += plain_text(view.substr(plain_begin));
  return out;
}

}  // namespace eider::mime
