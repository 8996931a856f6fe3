// Line framing for the line-based protocols (LMTP, POP3, IMAP's
// AUTHENTICATE and IDLE responses): where a command line ends, with its
// length bounded while it streams in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace eider::net {

class LineSplitter {
 public:
  explicit LineSplitter(uint64_t max_line_length) : max_(max_line_length) {}

  struct Line {
    enum class Kind { need_more, line, too_long };
    Kind kind = Kind::need_more;
    std::size_t consumed = 0;  // bytes of the input used, even for need_more
    std::string_view text;     // Kind::line: the line without CRLF or LF
  };

  // Looks for the next line at the start of `input` (the unconsumed bytes).
  // A line ends at LF, with an optional CR before it. Lines longer than the
  // maximum (not counting the line ending) are consumed while they arrive
  // and reported as too_long when their LF is seen. Callers drop `consumed`
  // bytes from their buffer, so it never holds more than max + 2 bytes of
  // an unfinished line.
  Line next(std::string_view input);

  // Forgets a long line being discarded (the input before it was dropped).
  void reset() { discarding_ = false; }
  // True while a too long line is consumed without being kept: its bytes
  // are no longer in the caller's buffer, but the line is not over.
  bool discarding() const { return discarding_; }

 private:
  uint64_t max_;
  bool discarding_ = false;
};

}  // namespace eider::net
