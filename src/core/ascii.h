// ASCII-only text handling for protocol keywords, header names, charset and
// encoding names: case where RFCs say "case-insensitive" and mean US-ASCII,
// and the spaces and tabs around a value. Bytes outside A-Z/a-z (including
// UTF-8) compare as they are; text a user reads (search, addresses' display
// names) needs Unicode folding instead (imap/search_fold.h).
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace eider::core {

inline constexpr char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

inline constexpr char ascii_upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - ('a' - 'A')) : c;
}

inline std::string ascii_lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

inline std::string ascii_uppercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), ascii_upper);
  return out;
}

inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

inline bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

// `text` without the spaces and tabs (RFC 5234 WSP) at its start and end.
inline std::string_view trim_wsp(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace eider::core
