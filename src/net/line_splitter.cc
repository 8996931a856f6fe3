#include "net/line_splitter.h"

#include <algorithm>

namespace eider::net {

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

}  // namespace eider::net
