// Private to src/imap: the tokenizer over a framed command (RawCommand):
// atoms, numbers, quoted strings, literals, NIL and parentheses, with the
// nesting depth and argument count limits of imap/parser.h. Every reader
// returns a failed Status (invalid_argument, or too_large for a limit) and
// never throws; on failure the cursor position is unspecified.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "imap/parser.h"

namespace eider::imap {

class Cursor {
 public:
  Cursor(RawCommand& raw, const ParserLimits& limits) : raw_(raw), limits_(limits) {}

  // The next byte, or '\0' at the end of a text segment (a literal or the
  // end of the command follows).
  char peek() const;
  bool at_literal() const;
  bool at_end() const;
  bool eat(char c);
  Status expect(char c);
  Status sp() { return expect(' '); }

  // 1*ATOM-CHAR (plus "]" when `astring_chars`), as written.
  Result<std::string> atom(bool astring_chars = false);
  // Bytes up to the next SP, ")" or segment end: sequence sets, dates.
  std::string_view word() {
    return take_while([](char c) { return c != ' ' && c != ')'; });
  }
  template <typename Pred>
  std::string_view take_while(Pred pred) {
    std::size_t start = pos_;
    while (pos_ < segment().size() && pred(segment()[pos_])) ++pos_;
    return segment().substr(start, pos_ - start);
  }
  Result<uint64_t> number();
  Result<std::string> quoted();
  // The literal that must be next, moved out of the command (a literal8
  // ~{n} included: only APPEND accepts those, the other readers refuse them).
  Result<Literal> take_literal();
  Result<std::string> string();   // quoted / literal
  Result<std::string> astring();  // atom / string
  Result<std::optional<std::string>> nstring();
  // list-mailbox: 1*list-char / string.
  Result<std::string> list_mailbox();
  // "(": counts a nesting level; ")" gives it back.
  Status open();
  Status close();
  // Counts one argument against max_arguments.
  Status count_argument();
  // Reads "(" [x *(SP x)] ")" of `item` readers; `allow_empty` for "()".
  template <typename F>
  Status list(bool allow_empty, F&& item);

  std::size_t depth() const { return depth_; }

 private:
  std::string_view segment() const { return raw_.text[segment_]; }

  RawCommand& raw_;
  const ParserLimits& limits_;
  std::size_t segment_ = 0;
  std::size_t pos_ = 0;
  std::size_t depth_ = 0;
  std::size_t arguments_ = 0;
};

template <typename F>
Status Cursor::list(bool allow_empty, F&& item) {
  EIDER_RETURN_IF_ERROR(open());
  if (peek() == ')') {
    if (!allow_empty) return error(Code::invalid_argument, "empty list");
    return close();
  }
  while (true) {
    EIDER_RETURN_IF_ERROR(count_argument());
    EIDER_RETURN_IF_ERROR(item());
    if (peek() == ')') return close();
    EIDER_RETURN_IF_ERROR(sp());
  }
}

}  // namespace eider::imap
