// LineSplitter and DataDecoder: where command lines and DATA end.
#include <algorithm>

#include "lmtp/protocol.h"

namespace eider::lmtp {

LineSplitter::Line LineSplitter::next(std::string_view input) {
  using Kind = Line::Kind;
  if (discarding_) {
    std::size_t lf = input.find('\n');
    if (lf == std::string_view::npos) return Line{Kind::need_more, input.size(), {}};
    discarding_ = false;
    return Line{Kind::too_long, lf + 1, {}};
  }
  // A line of max_ bytes plus CRLF fits in max_ + 2 bytes.
  const std::size_t window = static_cast<std::size_t>(std::min<uint64_t>(input.size(), max_ + 2));
  std::size_t lf = input.substr(0, window).find('\n');
  if (lf == std::string_view::npos) {
    if (input.size() < max_ + 2) return Line{Kind::need_more, 0, {}};
    // Too long: its end may already be here, with whole lines after it.
    lf = input.find('\n', window);
    if (lf != std::string_view::npos) return Line{Kind::too_long, lf + 1, {}};
    discarding_ = true;
    return Line{Kind::need_more, input.size(), {}};
  }
  std::string_view text = input.substr(0, lf);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (text.size() > max_) return Line{Kind::too_long, lf + 1, {}};
  return Line{Kind::line, lf + 1, text};
}

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
