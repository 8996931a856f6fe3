#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/line_splitter.h"

namespace eider::net {
namespace {

// Feeds `input` to a splitter in pieces of `step` bytes, as a session would:
// keeping the unconsumed bytes and appending the next piece.
std::vector<std::string> split_lines(std::string_view input, std::size_t max, std::size_t step,
                                     std::size_t* largest_buffer = nullptr) {
  LineSplitter splitter(max);
  std::vector<std::string> out;
  std::string buffer;
  std::size_t fed = 0;
  while (true) {
    LineSplitter::Line line = splitter.next(buffer);
    std::string text(line.text);
    buffer.erase(0, line.consumed);
    if (line.kind == LineSplitter::Line::Kind::line) out.push_back(text);
    if (line.kind == LineSplitter::Line::Kind::too_long) out.push_back("<too long>");
    if (line.kind != LineSplitter::Line::Kind::need_more) continue;
    if (fed == input.size()) return out;
    buffer.append(input.substr(fed, step));
    fed = std::min(input.size(), fed + step);
    if (largest_buffer) *largest_buffer = std::max(*largest_buffer, buffer.size());
  }
}

TEST(LineSplitter, CutsLinesAtLfWithOrWithoutCr) {
  for (std::size_t step = 1; step < 12; ++step) {
    EXPECT_EQ(split_lines("NOOP\r\nRSET\nQUIT\r\n", 100, step),
              (std::vector<std::string>{"NOOP", "RSET", "QUIT"}))
        << step;
  }
}

TEST(LineSplitter, ReportsALongLineOnceAndGoesOn) {
  const std::string long_line(50, 'x');
  const std::string input = "NOOP\r\n" + long_line + "\r\n" + std::string(10, 'y') + "\r\nQUIT\r\n";
  for (std::size_t step = 1; step < 70; ++step) {
    std::size_t largest = 0;
    EXPECT_EQ(split_lines(input, 10, step, &largest),
              (std::vector<std::string>{"NOOP", "<too long>", std::string(10, 'y'), "QUIT"}))
        << step;
    // Never more than one unfinished line's worth plus one piece.
    EXPECT_LE(largest, 12 + step) << step;
  }
}

}  // namespace
}  // namespace eider::net
