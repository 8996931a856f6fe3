#include "imap/cursor.h"

#include "core/ascii.h"
#include "imap/syntax.h"

namespace eider::imap {

char Cursor::peek() const {
  return pos_ < segment().size() ? segment()[pos_] : '\0';
}

bool Cursor::at_literal() const {
  return pos_ == segment().size() && segment_ < raw_.literals.size();
}

bool Cursor::at_end() const {
  return pos_ == segment().size() && segment_ + 1 == raw_.text.size();
}

bool Cursor::eat(char c) {
  if (peek() != c || c == '\0') return false;
  ++pos_;
  return true;
}

Status Cursor::expect(char c) {
  if (eat(c)) return Status::ok();
  if (c == ' ') return error(Code::invalid_argument, "missing argument");
  return error(Code::invalid_argument, std::string("expected '") + c + "'");
}

Result<std::string> Cursor::atom(bool astring_chars) {
  std::size_t start = pos_;
  while (pos_ < segment().size() &&
         (astring_chars ? is_astring_char(segment()[pos_]) : is_atom_char(segment()[pos_]))) {
    ++pos_;
  }
  if (pos_ == start) return error(Code::invalid_argument, "atom expected");
  return std::string(segment().substr(start, pos_ - start));
}

Result<uint64_t> Cursor::number() {
  std::string_view rest = segment().substr(pos_);
  std::size_t before = rest.size();
  Result<uint64_t> n = parse_number(rest);
  if (n) pos_ += before - rest.size();
  return n;
}

Result<std::string> Cursor::quoted() {
  if (!eat('"')) return error(Code::invalid_argument, "string expected");
  std::string out;
  while (pos_ < segment().size()) {
    char c = segment()[pos_++];
    if (c == '"') return out;
    if (c == '\\') {
      if (pos_ == segment().size()) break;
      c = segment()[pos_++];
      if (c != '"' && c != '\\') {
        return error(Code::invalid_argument,
                     "only \\\" and \\\\ may be escaped in a quoted string");
      }
    } else if (c == '\r' || c == '\0') {
      return error(Code::invalid_argument, "CR or NUL in a quoted string");
    }
    out.push_back(c);
  }
  return error(Code::invalid_argument, "unterminated quoted string");
}

Result<Literal> Cursor::take_literal() {
  if (!at_literal()) return error(Code::invalid_argument, "literal expected");
  Literal& lit = raw_.literals[segment_];
  ++segment_;
  pos_ = 0;
  return std::move(lit);
}

Result<std::string> Cursor::string() {
  if (peek() == '"') return quoted();
  Result<Literal> lit = take_literal();
  if (!lit) return error(Code::invalid_argument, "string expected");
  if (lit->binary) return error(Code::invalid_argument, "literal8 ~{n} is allowed only in APPEND");
  return std::move(lit->bytes);
}

Result<std::string> Cursor::astring() {
  if (peek() == '"' || at_literal()) return string();
  return atom(true);
}

Result<std::optional<std::string>> Cursor::nstring() {
  if (peek() == '"' || at_literal()) {
    Result<std::string> s = string();
    if (!s) return s.status();
    return std::optional<std::string>(std::move(*s));
  }
  Result<std::string> nil = atom();
  if (!nil || !core::iequals(*nil, "NIL"))
    return error(Code::invalid_argument, "string or NIL expected");
  return std::optional<std::string>();
}

Result<std::string> Cursor::list_mailbox() {
  if (peek() == '"' || at_literal()) return string();
  std::size_t start = pos_;
  while (pos_ < segment().size() && is_list_char(segment()[pos_])) ++pos_;
  if (pos_ == start) return error(Code::invalid_argument, "mailbox pattern expected");
  return std::string(segment().substr(start, pos_ - start));
}

Status Cursor::open() {
  EIDER_RETURN_IF_ERROR(expect('('));
  if (++depth_ > limits_.max_depth) return error(Code::too_large, "parentheses nested too deep");
  return Status::ok();
}

Status Cursor::close() {
  EIDER_RETURN_IF_ERROR(expect(')'));
  --depth_;
  return Status::ok();
}

Status Cursor::count_argument() {
  if (++arguments_ > limits_.max_arguments) return error(Code::too_large, "too many arguments");
  return Status::ok();
}

}  // namespace eider::imap
