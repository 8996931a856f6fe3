#include "mime/header_syntax.h"

namespace eider::mime::syntax {
namespace {

// RFC 2045 tspecials plus controls and space: what ends a token.
bool is_token_char(unsigned char c) {
  if (c <= ' ' || c == 0x7f) return false;
  return std::strchr("()<>@,;:\\\"/[]?=", c) == nullptr;
}

// A parameter value that is not quoted: real mail writes '=', '/' and '?'
// unquoted (boundary=----=_Part_1, name==?utf-8?...?=), so only ';', white
// space, quotes and controls end it.
std::string_view lenient_value(std::string_view s, size_t& pos) {
  size_t begin = pos;
  while (pos < s.size()) {
    unsigned char c = s[pos];
    if (c == ';' || c <= ' ' || c == 0x7f || c == '"') break;
    ++pos;
  }
  return s.substr(begin, pos - begin);
}

void skip_to_semicolon(std::string_view s, size_t& pos) {
  while (pos < s.size() && s[pos] != ';') {
    if (s[pos] == '"') {
      quoted_string(s, pos);
    } else {
      ++pos;
    }
  }
}

}  // namespace

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string unfold(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\n') continue;
    if (c == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') continue;
    out.push_back(c);
  }
  size_t begin = 0;
  while (begin < out.size() && is_wsp(out[begin])) ++begin;
  size_t end = out.size();
  while (end > begin && is_wsp(out[end - 1])) --end;
  return out.substr(begin, end - begin);
}

void skip_cfws(std::string_view s, size_t& pos, std::string* last_comment) {
  while (pos < s.size()) {
    char c = s[pos];
    if (is_wsp(c) || c == '\r' || c == '\n') {
      ++pos;
      continue;
    }
    if (c != '(') return;
    std::string comment;
    int level = 0;
    while (pos < s.size()) {
      char d = s[pos++];
      if (d == '\\' && pos < s.size()) {
        comment.push_back(s[pos++]);
        continue;
      }
      if (d == '(' && level++ == 0) continue;
      if (d == ')' && --level == 0) break;
      comment.push_back(d);
    }
    if (last_comment) *last_comment = std::move(comment);
  }
}

std::string_view token(std::string_view s, size_t& pos) {
  size_t begin = pos;
  while (pos < s.size() && is_token_char(static_cast<unsigned char>(s[pos]))) ++pos;
  return s.substr(begin, pos - begin);
}

std::string quoted_string(std::string_view s, size_t& pos) {
  std::string out;
  ++pos;  // the opening quote
  while (pos < s.size()) {
    char c = s[pos++];
    if (c == '"') break;
    if (c == '\\' && pos < s.size()) c = s[pos++];
    out.push_back(c);
  }
  return out;
}

std::vector<Param> parameters(std::string_view s, size_t pos) {
  std::vector<Param> params;
  while (true) {
    skip_cfws(s, pos);
    if (pos >= s.size()) break;
    if (s[pos] != ';') {
      skip_to_semicolon(s, pos);
      continue;
    }
    ++pos;
    skip_cfws(s, pos);
    std::string_view name = token(s, pos);
    if (name.empty()) continue;
    skip_cfws(s, pos);
    if (pos >= s.size() || s[pos] != '=') continue;  // a name without a value says nothing
    ++pos;
    skip_cfws(s, pos);
    Param param{lowercase(name), {}, {}};
    if (param.name != name) param.written_name = std::string(name);
    if (pos < s.size() && s[pos] == '"') {
      param.value = quoted_string(s, pos);
    } else {
      param.value = std::string(lenient_value(s, pos));
    }
    params.push_back(std::move(param));
  }
  return params;
}

ContentType content_type(std::string_view raw_value) {
  std::string s = unfold(raw_value);
  ContentType ct;
  size_t pos = 0;
  skip_cfws(s, pos);
  std::string_view type = token(s, pos);
  skip_cfws(s, pos);
  if (type.empty() || pos >= s.size() || s[pos] != '/') return ct;
  ++pos;
  skip_cfws(s, pos);
  std::string_view subtype = token(s, pos);
  if (subtype.empty()) return ct;
  ct.valid = true;
  ct.type = std::string(type);
  ct.subtype = std::string(subtype);
  ct.params = parameters(s, pos);
  return ct;
}

Disposition content_disposition(std::string_view raw_value) {
  std::string s = unfold(raw_value);
  Disposition d;
  size_t pos = 0;
  skip_cfws(s, pos);
  std::string_view type = token(s, pos);
  if (type.empty()) return d;
  d.type = std::string(type);
  d.params = parameters(s, pos);
  return d;
}

std::vector<std::string> content_language(std::string_view raw_value) {
  std::string s = unfold(raw_value);
  std::vector<std::string> tags;
  size_t pos = 0;
  while (true) {
    skip_cfws(s, pos);
    std::string_view tag = token(s, pos);
    if (tag.empty()) break;
    tags.emplace_back(tag);
    skip_cfws(s, pos);
    if (pos >= s.size() || s[pos] != ',') break;
    ++pos;
  }
  return tags;
}

std::string transfer_encoding(std::string_view raw_value) {
  std::string s = unfold(raw_value);
  size_t pos = 0;
  skip_cfws(s, pos);
  std::string_view tok = token(s, pos);
  skip_cfws(s, pos);
  // "?invalid" or "7bit garbage" is no encoding at all, as Dovecot reads it.
  if (pos < s.size()) return {};
  return std::string(tok);
}

}  // namespace eider::mime::syntax
