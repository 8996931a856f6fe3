// POP3 sessions over an in-memory connection: login, the maildrop listing
// and RETR, a pipelined burst, and a client that leaves without QUIT.
#include <gtest/gtest.h>

#include "pop3/pop3.h"
#include "session_fixture.h"

namespace eider::pop3 {
namespace {

using eider::testing::lines_of;
using eider::testing::SessionRunner;

constexpr std::string_view kMessage = "Subject: hello\r\n\r\nline one\r\n.dot first\r\n";

class Pop3Session : public eider::testing::SessionFixture {
 protected:
  void SetUp() override {
    SessionFixture::SetUp();
    bob_ = add("bob");
    ASSERT_TRUE(mail_->deliver(bob_, "INBOX", kMessage).is_ok());
    ASSERT_TRUE(mail_->deliver(bob_, "INBOX", "Subject: two\r\n\r\nsecond\r\n").is_ok());
  }

  std::unique_ptr<SessionRunner> connect() {
    auto session = std::make_unique<SessionRunner>(
        service(Settings{}, Services{*mail_, *faulty_, executor_, limiter_, notifier_,
                                     user_connections_}));
    EXPECT_TRUE(session->run().starts_with("+OK "));
    return session;
  }

  int64_t bob_ = 0;
};

TEST_F(Pop3Session, LogsInListsAndRetrievesDotStuffed) {
  auto session = connect();
  EXPECT_TRUE(session->send("USER bob\r\n").starts_with("+OK"));
  EXPECT_TRUE(session->send("PASS pw\r\n").starts_with("+OK"));
  std::vector<std::string> stat = lines_of(session->send("STAT\r\n"));
  ASSERT_EQ(stat.size(), 1u);
  EXPECT_TRUE(stat[0].starts_with("+OK 2 ")) << stat[0];
  EXPECT_EQ(lines_of(session->send("RETR 1\r\n")),
            (std::vector<std::string>{"+OK Message follows", "Subject: hello", "", "line one",
                                      "..dot first", "."}));
  EXPECT_TRUE(session->send("QUIT\r\n").starts_with("+OK"));
  EXPECT_TRUE(session->done());
}

TEST_F(Pop3Session, PipelinedBurstIsAnsweredInOrder) {
  auto session = connect();
  std::vector<std::string> lines =
      lines_of(session->send("USER bob\r\nPASS pw\r\nSTAT\r\nDELE 2\r\nSTAT\r\nQUIT\r\n"));
  ASSERT_EQ(lines.size(), 6u);
  for (const std::string& line : lines) EXPECT_TRUE(line.starts_with("+OK")) << line;
  EXPECT_TRUE(lines[2].starts_with("+OK 2 ")) << lines[2];
  EXPECT_TRUE(lines[4].starts_with("+OK 1 ")) << lines[4];
  EXPECT_TRUE(session->done());
  EXPECT_EQ(mailbox(bob_, "INBOX").message_count, 1u) << "QUIT expunged the deleted message";
}

TEST_F(Pop3Session, ClientGoneWithoutQuitDeletesNothing) {
  auto session = connect();
  session->send("USER bob\r\nPASS pw\r\n");
  EXPECT_TRUE(session->send("DELE 1\r\n").starts_with("+OK"));
  EXPECT_EQ(session->finish(), "");
  EXPECT_EQ(mailbox(bob_, "INBOX").message_count, 2u) << "RFC 1939 6: no UPDATE state";
}

TEST_F(Pop3Session, LogoutBeaconEndsTheSessionWithoutUpdate) {
  add("carol");
  auto session = connect();
  session->send("USER bob\r\nPASS pw\r\n");
  EXPECT_TRUE(session->send("DELE 1\r\n").starts_with("+OK"));
  auto other = connect();
  other->send("USER carol\r\nPASS pw\r\n");
  mail_->logout_user(bob_);
  // Closed without a reply, as RFC 1939's autologout is.
  EXPECT_EQ(session->run(), "");
  EXPECT_TRUE(session->done());
  EXPECT_EQ(mailbox(bob_, "INBOX").message_count, 2u) << "no UPDATE state: DELE not applied";
  EXPECT_TRUE(other->send("STAT\r\n").starts_with("+OK 0 "));
}

TEST_F(Pop3Session, WrongPasswordIsRefused) {
  auto session = connect();
  session->send("USER bob\r\n");
  EXPECT_TRUE(session->send("PASS wrong\r\n").starts_with("-ERR [AUTH]"));
  EXPECT_TRUE(session->send("STAT\r\n").starts_with("-ERR"));
}

}  // namespace
}  // namespace eider::pop3
