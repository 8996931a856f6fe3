// DataDecoder: where DATA ends.
#include <algorithm>

#include "lmtp/protocol.h"

namespace eider::lmtp {

void DataDecoder::emit(std::string_view bytes, std::string& out) {
  total_ += bytes.size();
  if (total_ <= max_) out.append(bytes);
}

DataDecoder::Step DataDecoder::feed(std::string_view input, std::string& out) {
  std::size_t i = 0;
  while (i < input.size()) {
    const char c = input[i];
    switch (state_) {
      case State::line_start:
        if (c == '.') {
          state_ = State::dot;
          ++i;
        } else {
          state_ = State::in_line;
        }
        break;
      case State::in_line: {
        // Only CR can start a line end: copy everything up to it at once.
        std::size_t cr = input.find('\r', i);
        if (cr == std::string_view::npos) {
          emit(input.substr(i), out);
          i = input.size();
        } else {
          emit(input.substr(i, cr + 1 - i), out);
          i = cr + 1;
          state_ = State::after_cr;
        }
        break;
      }
      case State::after_cr:
        if (c == '\n') {
          emit("\n", out);
          ++i;
          state_ = State::line_start;
        } else if (c == '\r') {
          emit("\r", out);
          ++i;
        } else {
          state_ = State::in_line;
        }
        break;
      case State::dot:
        // A leading dot is removed (RFC 5321 4.5.2) unless it is the whole line.
        if (c == '\r') {
          state_ = State::dot_cr;
          ++i;
        } else {
          state_ = State::in_line;
        }
        break;
      case State::dot_cr:
        if (c == '\n') {
          state_ = State::line_start;
          return Step{i + 1, true};
        }
        // ".\r" and something other than LF: a stuffed dot before a bare CR.
        emit("\r", out);
        state_ = State::after_cr;
        break;
    }
  }
  return Step{i, false};
}

}  // namespace eider::lmtp
