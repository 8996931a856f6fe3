// Private to src/mime: the lexical layer of RFC 5322 / RFC 2045 header values.
//
// Everything here is total: any byte string is accepted and yields the best
// reading of it, never an error. Functions that scan take the text and a
// position and advance the position; none reads past the end of the text.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "mime/message.h"

namespace eider::mime::syntax {

inline bool is_wsp(char c) {
  return c == ' ' || c == '\t';
}

// White space or a line-ending byte.
inline bool is_wsp_or_eol(char c) {
  return is_wsp(c) || c == '\r' || c == '\n';
}

// The value with every line ending removed from folds, and leading and
// trailing white space trimmed. A lone CR that is not part of a fold stays.
std::string unfold(std::string_view raw);

// Skips white space, folds and (nested, escaped) comments. When `last_comment`
// is given it receives the content of the last comment skipped, if any.
void skip_cfws(std::string_view s, size_t& pos, std::string* last_comment = nullptr);

// An RFC 2045 token (8-bit bytes accepted); "" when none starts at pos.
std::string_view token(std::string_view s, size_t& pos);

// The content of the quoted string starting at pos (s[pos] == '"'), with
// backslash escapes removed. An unterminated string runs to the end.
std::string quoted_string(std::string_view s, size_t& pos);

// Parameters after the media type of Content-Type / Content-Disposition:
// `;` name `=` (token / quoted-string), read as Dovecot reads them: where
// the grammar breaks, one byte is skipped and the scan goes on, so what
// follows an empty parameter (";;") up to the next ';' is lost, and an
// unquoted value ends at the first tspecial. Names are lowercased (the
// spelling kept in written_name when it differs); duplicates are kept in
// order.
std::vector<Param> parameters(std::string_view s, size_t pos);

struct ContentType {
  bool valid = false;   // false: no "type/subtype"; callers use the default
  std::string type;     // as written
  std::string subtype;  // as written
  std::vector<Param> params;
};
ContentType content_type(std::string_view raw_value);

struct Disposition {
  std::string type;  // as written, "" when missing
  std::vector<Param> params;
};
Disposition content_disposition(std::string_view raw_value);

// The comma-separated language tags of Content-Language, as written.
std::vector<std::string> content_language(std::string_view raw_value);

// The first token of Content-Transfer-Encoding, as written ("" if none).
std::string transfer_encoding(std::string_view raw_value);

// Calls visit(name, value) for each field of a header block, in order, until
// it returns false. Lines without a colon, names with white space inside and
// continuation lines with no field to continue are skipped; the block ends at
// its first empty line. Values keep their folding, not the final line ending.
// Time is linear in the block; nothing is allocated.
template <typename Visit>
void for_each_field(std::string_view block, Visit&& visit) {
  const char* base = block.data();
  size_t n = block.size();
  size_t pos = 0;
  auto line_end = [&](size_t from) {
    const void* nl = std::memchr(base + from, '\n', n - from);
    return nl ? static_cast<size_t>(static_cast<const char*>(nl) - base) : n;
  };
  auto content_end = [&](size_t from, size_t end) {
    return (end > from && base[end - 1] == '\r') ? end - 1 : end;
  };
  while (pos < n) {
    size_t end = line_end(pos);
    size_t next = end < n ? end + 1 : n;
    size_t stop = content_end(pos, end);
    if (stop == pos) return;  // the empty line that ends the block
    if (is_wsp(base[pos])) {
      pos = next;
      continue;
    }
    std::string_view line(base + pos, stop - pos);
    size_t colon = line.find(':');
    std::string_view name = line.substr(0, colon == std::string_view::npos ? 0 : colon);
    while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
    bool valid = !name.empty() && name.find_first_of(" \t") == std::string_view::npos;
    size_t value_end = stop;
    while (next < n && is_wsp(base[next])) {
      end = line_end(next);
      value_end = content_end(next, end);
      next = end < n ? end + 1 : n;
    }
    if (valid) {
      size_t value_begin = pos + colon + 1;
      if (!visit(name, std::string_view(base + value_begin, value_end - value_begin))) return;
    }
    pos = next;
  }
}

}  // namespace eider::mime::syntax
