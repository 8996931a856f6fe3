#include "mime/codec_rfc2047.h"

#include <optional>

#include "core/ascii.h"
#include "mime/charset.h"
#include "mime/codec_base64.h"
#include "mime/codec_hex.h"
#include "mime/header_syntax.h"

namespace eider::mime {
namespace {

struct EncodedWord {
  std::string_view charset;
  std::string bytes;  // decoded, still in `charset`
  size_t end = 0;     // offset just past "?="
};

std::string q_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '_') {
      out.push_back(' ');
    } else if (c == '=' && i + 2 < text.size() && hex_digit_value(text[i + 1]) >= 0 &&
               hex_digit_value(text[i + 2]) >= 0) {
      out.push_back(
          static_cast<char>(hex_digit_value(text[i + 1]) * 16 + hex_digit_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Finds encoded words in one text. Candidate starts only move forward, so
// each search remembers its last answer and the whole scan stays linear even
// for hostile text full of "=?" that never closes.
class WordScanner {
 public:
  explicit WordScanner(std::string_view text) : text_(text) {}

  // The encoded word starting at `pos` ("=?"), if it is well formed. Calls
  // must come with non-decreasing `pos`.
  std::optional<EncodedWord> word_at(size_t pos) {
    const size_t charset_begin = pos + 2;
    const size_t charset_end =
        next(question_, charset_begin, [&](size_t from) { return text_.find('?', from); });
    if (charset_end == std::string_view::npos || charset_end == charset_begin) {
      return std::nullopt;
    }
    if (charset_end + 2 >= text_.size() || text_[charset_end + 2] != '?') return std::nullopt;
    const char encoding = text_[charset_end + 1];
    const size_t data_begin = charset_end + 3;
    const size_t data_end =
        next(close_, data_begin, [&](size_t from) { return text_.find("?=", from); });
    if (data_end == std::string_view::npos) return std::nullopt;
    const size_t space =
        next(space_, charset_begin, [&](size_t from) { return text_.find_first_of(" \t", from); });
    if (space < data_end) return std::nullopt;

    const std::string_view data = text_.substr(data_begin, data_end - data_begin);
    EncodedWord word;
    word.charset = text_.substr(charset_begin, charset_end - charset_begin);
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

 private:
  // The cached first match at or after some earlier `from`; still the answer
  // for a later `from` unless the match lies before it.
  struct Cache {
    bool valid = false;
    size_t at = 0;
  };

  template <typename Find>
  static size_t next(Cache& cache, size_t from, Find find) {
    if (!cache.valid || (cache.at != std::string_view::npos && cache.at < from)) {
      cache.at = find(from);
      cache.valid = true;
    }
    return cache.at;
  }

  std::string_view text_;
  Cache question_;
  Cache close_;
  Cache space_;
};

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
  WordScanner scanner(view);
  size_t plain_begin = 0;
  size_t search = 0;
  while (true) {
    const size_t pos = view.find("=?", search);
    if (pos == std::string_view::npos) break;
    std::optional<EncodedWord> word = scanner.word_at(pos);
    if (!word) {
      search = pos + 1;
      continue;
    }
    const std::string_view between = view.substr(plain_begin, pos - plain_begin);
    bool only_space = true;
    for (const char c : between) only_space = only_space && syntax::is_wsp_or_eol(c);
    if (!(have_pending && only_space)) {
      flush();
      out += plain_text(between);
    }
    if (have_pending && !core::iequals(pending_charset, word->charset)) flush();
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
