#include <gtest/gtest.h>

#include "core/utf8.h"

namespace eider::core {
namespace {

TEST(Utf8, DecodesWellFormedCodePoints) {
  const std::pair<std::string, uint32_t> cases[] = {
      {"A", 0x41},
      {"\xC3\xA9", 0xE9},
      {"\xE2\x82\xAC", 0x20AC},
      {"\xF0\x9F\x98\x80", 0x1F600},
      {"\xF4\x8F\xBF\xBF", 0x10FFFF},
  };
  for (const auto& [text, value] : cases) {
    CodePoint cp = decode_utf8(text, 0);
    EXPECT_EQ(cp.value, value) << text;
    EXPECT_EQ(cp.length, text.size()) << text;
  }
  EXPECT_EQ(decode_utf8("a\xC3\xA9", 1).value, 0xE9u);
}

TEST(Utf8, RefusesWhatIsNotWellFormed) {
  for (const char* bad : {
           "\x80",              // continuation byte first
           "\xC0\xAF",          // overlong
           "\xC1\xBF",          // overlong
           "\xE0\x80\xAF",      // overlong
           "\xED\xA0\x80",      // surrogate
           "\xF4\x90\x80\x80",  // above U+10FFFF
           "\xF5\x80\x80\x80",  // no such lead byte
           "\xC3",              // cut short
           "\xE2\x82",          // cut short
           "\xC3\x28",          // not a continuation
       }) {
    EXPECT_EQ(decode_utf8(bad, 0).length, 0u) << bad;
  }
}

TEST(Utf8, EncodesWhatItDecodes) {
  for (uint32_t cp : {0x0u, 0x7Fu, 0x80u, 0x7FFu, 0x800u, 0xFFFFu, 0x10000u, 0x10FFFFu}) {
    std::string out;
    append_utf8(out, cp);
    CodePoint back = decode_utf8(out, 0);
    EXPECT_EQ(back.value, cp);
    EXPECT_EQ(back.length, out.size());
  }
}

}  // namespace
}  // namespace eider::core
