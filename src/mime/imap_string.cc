#include "mime/imap_string.h"

#include <algorithm>

namespace eider::mime::imap {
namespace {

bool needs_literal(std::string_view s) {
  if (s.size() > kMaxQuotedSize) return true;
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u == 0 || u == '\r' || u == '\n' || u >= 0x80;
  });
}

}  // namespace

void append_string(std::string& out, std::string_view s) {
  if (needs_literal(s)) {
    out += '{';
    out += std::to_string(s.size());
    out += "}\r\n";
    for (char c : s) out.push_back(c == '\0' ? static_cast<char>(0x80) : c);
    return;
  }
  out.push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

void append_nstring(std::string& out, std::string_view s) {
  if (s.empty()) {
    out += "NIL";
    return;
  }
  append_string(out, s);
}

void append_nstring_nolf(std::string& out, std::string_view s) {
  if (s.find_first_of("\r\n") == std::string_view::npos) {
    append_nstring(out, s);
    return;
  }
  std::string clean;
  clean.reserve(s.size());
  for (char c : s) {
    if (c != '\r' && c != '\n') clean.push_back(c);
  }
  append_nstring(out, clean);
}

void append_string_for_humans(std::string& out, std::string_view s) {
  std::string clean;
  clean.reserve(s.size());
  bool pending_space = false;
  for (char c : s) {
    if (c == '\r' || c == '\n') continue;
    if (c == ' ' || c == '\t') {
      pending_space = !clean.empty();
      continue;
    }
    if (pending_space) clean.push_back(' ');
    pending_space = false;
    clean.push_back(c);
  }
  append_string(out, clean);
}

}  // namespace eider::mime::imap
