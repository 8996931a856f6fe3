// ASCII-only case handling for protocol keywords, header names, charset and
// encoding names: the places where RFCs say "case-insensitive" and mean
// US-ASCII. Bytes outside A-Z/a-z (including UTF-8) compare as they are;
// text a user reads (search, addresses' display names) needs Unicode folding
// instead (imap/search_fold.h).
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

}  // namespace eider::core
