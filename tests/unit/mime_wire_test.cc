// mime::wire_size and mime::append_crlf_lines: bare LF and bare CR count
// and go out as CRLF (RFC822.SIZE, POP3 LIST).
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "mime/wire.h"

namespace eider::mime {
namespace {

TEST(MimeWireSize, CountsBareLineEndsAsCrlf) {
  EXPECT_EQ(wire_size(""), 0u);
  EXPECT_EQ(wire_size("a\r\nb\r\n"), 6u);
  EXPECT_EQ(wire_size("a\nb\n"), 6u);
  EXPECT_EQ(wire_size("\n"), 2u);
  EXPECT_EQ(wire_size("\r"), 2u);
  EXPECT_EQ(wire_size("a\rb\r"), 6u);
  EXPECT_EQ(wire_size("\r\r\n\n"), 6u);
  EXPECT_EQ(wire_size("a\r\nb"), 4u);
}

TEST(MimeWireSize, AppendCrlfLinesAddsExactlyWireSizeBytesAndKeepsNul) {
  for (std::string_view bytes :
       {std::string_view(""), std::string_view("a\r\nb\r\n"), std::string_view("a\nb\n"),
        std::string_view("\r\r\n\n"), std::string_view("a\rb\0c\n", 7)}) {
    std::string out = "x";
    append_crlf_lines(out, bytes);
    EXPECT_EQ(out.size(), 1 + wire_size(bytes));
  }
  std::string out;
  append_crlf_lines(out, std::string_view("a\rb\0c\n\r\n", 9));
  EXPECT_EQ(out, std::string("a\r\nb\0c\r\n\r\n", 11));
}

}  // namespace
}  // namespace eider::mime
