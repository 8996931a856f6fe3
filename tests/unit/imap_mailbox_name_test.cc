// Modified UTF-7 mailbox names: round trips and strict rejection.
#include <gtest/gtest.h>

#include "imap/mailbox_name.h"

namespace eider::imap {
namespace {

TEST(MailboxName, RoundTrips) {
  struct Case {
    std::string utf8;
    std::string wire;
  };
  const Case cases[] = {
      {"INBOX", "INBOX"},
      {"&", "&-"},
      {"a&b", "a&-b"},
      {"Entw\xc3\xbc"
       "rfe",
       "Entw&APw-rfe"},
      {"~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
       "~peter/mail/&U,BTFw-/&ZeVnLIqe-"},
      {"\xf0\x9f\x93\xa7 Mail", "&2D3c5w- Mail"},
      {"\xc3\xa4\xc3\xb6\xc3\xbc", "&AOQA9gD8-"},
      {"", ""},
  };
  for (const Case& c : cases) {
    Result<std::string> wire = encode_mailbox_name(c.utf8);
    ASSERT_TRUE(wire) << c.wire;
    EXPECT_EQ(*wire, c.wire);
    Result<std::string> utf8 = decode_mailbox_name(c.wire);
    ASSERT_TRUE(utf8) << c.wire << ": " << utf8.status().message();
    EXPECT_EQ(*utf8, c.utf8);
  }
}

TEST(MailboxName, RejectsInvalidWireNames) {
  for (std::string_view bad : {
           "&Jjo",         // unterminated
           "&AGE-",        // encodes "a": not canonical
           "&ACY-",        // encodes "&": must be "&-"
           "&AOQ-&APY-",   // two adjacent runs
           "&AO-",         // 12 bits: leftover
           "&AOR-",        // non-zero padding bits
           "&2D0-",        // lone high surrogate
           "&3ec-",        // lone low surrogate
           "&2D3YPQ-",     // high surrogate then high surrogate
           "&AAA-",        // NUL
           "&AB8-",        // control character
           "&A!Q-",        // not base64
           "&AOQ=-",       // padding is not used
           "caf\xc3\xa9",  // raw 8-bit
           "a\tb",         // control character
       }) {
    EXPECT_FALSE(decode_mailbox_name(bad)) << bad;
  }
}

TEST(MailboxName, RejectsInvalidUtf8) {
  for (std::string_view bad :
       {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc3", "\x80", "a\x01", "\xe2\x82"}) {
    EXPECT_FALSE(encode_mailbox_name(bad)) << bad;
  }
}

}  // namespace
}  // namespace eider::imap
