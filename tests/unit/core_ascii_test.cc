#include <gtest/gtest.h>

#include "core/ascii.h"

namespace eider::core {
namespace {

TEST(Ascii, IequalsFoldsAsciiLettersOnly) {
  EXPECT_TRUE(iequals("Content-Type", "content-TYPE"));
  EXPECT_FALSE(iequals("abc", "abcd"));
  EXPECT_FALSE(iequals("a[", "A{"));              // '[' and '{' differ by 32 but are not letters
  EXPECT_FALSE(iequals("\xC3\xA9", "\xC3\x89"));  // é / É: not ASCII, compared as bytes
  EXPECT_TRUE(iequals("", ""));
}

TEST(Ascii, IstartsWithComparesThePrefixOnly) {
  EXPECT_TRUE(istarts_with("MAIL FROM:<a@b>", "mail from:"));
  EXPECT_FALSE(istarts_with("MAIL", "mail from:"));
}

TEST(Ascii, CaseConversionsLeaveOtherBytesAlone) {
  EXPECT_EQ(ascii_lowercase("INBOX.Caf\xC3\x89@"), "inbox.caf\xC3\x89@");
  EXPECT_EQ(ascii_uppercase("body[1.mime]"), "BODY[1.MIME]");
}

TEST(Ascii, TrimWspTakesSpacesAndTabsOffTheEnds) {
  EXPECT_EQ(trim_wsp(" \t a b\t "), "a b");
  EXPECT_EQ(trim_wsp("\r\nx\r\n"), "\r\nx\r\n");  // line endings are not WSP
  EXPECT_EQ(trim_wsp(" \t "), "");
  EXPECT_EQ(trim_wsp(""), "");
}

}  // namespace
}  // namespace eider::core
