#include "mime/header_syntax.h"

#include <optional>

#include "core/ascii.h"

namespace eider::mime::syntax {
namespace {

// RFC 2045 tspecials plus controls and space: what ends a token.
bool is_token_char(unsigned char c) {
  if (c <= ' ' || c == 0x7f) return false;
  return std::strchr("()<>@,;:\\\"/[]?=", c) == nullptr;
}

// The content of a quoted string starting at pos (s[pos] == '"'), or
// nullopt when it has no closing quote: Dovecot drops such a parameter.
std::optional<std::string> closed_quoted_string(std::string_view s, size_t& pos) {
  std::string out;
  ++pos;  // the opening quote
  while (pos < s.size()) {
    char c = s[pos++];
    if (c == '"') return out;
    if (c == '\\') {
      if (pos >= s.size()) break;
      c = s[pos++];
    }
    out.push_back(c);
  }
  return std::nullopt;
}

// One `;` attribute `=` value at pos, read as Dovecot 2.3's
// rfc822_parse_content_param reads it (lib-mail/rfc822-parser.c), so that
// BODYSTRUCTURE and the boundary that splits the body agree with it. The
// value is a token or a quoted-string (RFC 2045 5.1); an unquoted value ends
// at the first tspecial, so "boundary=----=_Part_1" is "----". One starting
// with '=' is an unquoted encoded word (name==?utf-8?b?...?=) and runs to
// white space or ';'. Returns false where the grammar breaks, with pos on
// the byte that broke it.
bool parameter(std::string_view s, size_t& pos, std::vector<Param>& params) {
  if (s[pos] != ';') return false;
  ++pos;
  skip_cfws(s, pos);
  if (pos >= s.size()) return false;
  std::string_view name = token(s, pos);
  skip_cfws(s, pos);
  if (pos >= s.size() || s[pos] != '=') return false;
  ++pos;
  skip_cfws(s, pos);
  Param param{core::ascii_lowercase(name), {}, {}};
  if (param.name != name) param.written_name = std::string(name);
  if (pos < s.size() && s[pos] == '"') {
    std::optional<std::string> value = closed_quoted_string(s, pos);
    if (!value) return false;
    param.value = std::move(*value);
  } else if (pos < s.size() && s[pos] == '=') {
    size_t begin = pos;
    while (pos < s.size() && s[pos] != ';' && !is_wsp(s[pos]) && s[pos] != '\r' && s[pos] != '\n')
      ++pos;
    param.value = std::string(s.substr(begin, pos - begin));
  } else {
    param.value = std::string(token(s, pos));
  }
  skip_cfws(s, pos);
  params.push_back(std::move(param));
  return true;
}

}  // namespace

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
    if (is_wsp_or_eol(c)) {
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
  skip_cfws(s, pos);
  while (pos < s.size()) {
    // Like Dovecot's rfc2231_parse, a broken parameter costs one byte and
    // the scan goes on: after "a;;b=1; c=2" the empty parameter eats the
    // second ';', "b=1" is skipped byte by byte and only c=2 is read.
    if (!parameter(s, pos, params) && pos < s.size()) ++pos;
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
