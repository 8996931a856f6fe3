// Private to src/imap: the character classes of RFC 3501 section 9 and the
// one number reader every grammar piece shares.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace eider::imap {

// ATOM-CHAR: any CHAR except atom-specials ( ) { SP CTL % * " \ ]
inline bool is_atom_char(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7f) return false;
  return c != '(' && c != ')' && c != '{' && c != '%' && c != '*' && c != '"' && c != '\\' &&
         c != ']';
}

// ASTRING-CHAR: ATOM-CHAR or resp-specials "]".
inline bool is_astring_char(char c) {
  return is_atom_char(c) || c == ']';
}

// tag: 1*<any ASTRING-CHAR except "+">
inline bool is_tag_char(char c) {
  return is_astring_char(c) && c != '+';
}

// list-char: ATOM-CHAR / list-wildcards / resp-specials
inline bool is_list_char(char c) {
  return is_astring_char(c) || c == '%' || c == '*';
}

// The failure of every grammar reader: becomes a BAD with this text.
inline Status bad(std::string text) {
  return error(Code::invalid_argument, std::move(text));
}

// Reads 1*DIGIT (at most 20 digits, no overflow past 2^64-1) from the front
// of `text` and removes it.
inline Result<uint64_t> parse_number(std::string_view& text) {
  uint64_t n = 0;
  std::size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    uint64_t digit = static_cast<uint64_t>(text[i] - '0');
    if (n > (UINT64_MAX - digit) / 10) return error(Code::invalid_argument, "number too large");
    n = n * 10 + digit;
  }
  if (i == 0) return error(Code::invalid_argument, "number expected");
  text.remove_prefix(i);
  return n;
}

}  // namespace eider::imap
