#include <gtest/gtest.h>

#include <string>

#include "mail/events.h"

namespace eider::mail {
namespace {

TEST(MessageIdOf, IsTheUnfoldedTrimmedTopLevelField) {
  EXPECT_EQ(message_id_of("Subject: x\r\nMessage-ID:\r\n\t<a@b.example> \r\n\r\nbody"),
            "<a@b.example>");
  EXPECT_EQ(message_id_of("message-id: <c@d>\nTo: x\n\nMessage-ID: <body@x>\n"), "<c@d>");
}

TEST(MessageIdOf, IsEmptyWithoutOneInTheHeader) {
  EXPECT_EQ(message_id_of("Subject: x\r\n\r\nMessage-ID: <in-body@x>\r\n"), "");
  EXPECT_EQ(message_id_of(""), "");
}

TEST(MessageIdOf, IsCutSoALogLineStaysShort) {
  std::string message = "Message-ID: <" + std::string(10000, 'a') + ">\r\n\r\n";
  EXPECT_EQ(message_id_of(message).size(), 256u);
}

TEST(WithoutResponseCode, DropsTheBracketedCode) {
  EXPECT_EQ(without_response_code("[AUTHENTICATIONFAILED] Authentication failed"),
            "Authentication failed");
  EXPECT_EQ(without_response_code("Invalid PLAIN response"), "Invalid PLAIN response");
}

}  // namespace
}  // namespace eider::mail
