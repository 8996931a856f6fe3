// IMAP sessions over an in-memory connection: LOGIN, SELECT and FETCH on a
// real store, a pipelined burst, literals cut short or split over reads,
// and a failed commit.
#include <gtest/gtest.h>

#include <optional>

#include "imap/imap.h"
#include "notify/local.h"
#include "session_fixture.h"

namespace eider::imap {
namespace {

using eider::testing::lines_of;
using eider::testing::SessionRunner;

constexpr std::string_view kMessage = "Subject: hello\r\nFrom: a@example.org\r\n\r\nhi there\r\n";

// The line of `output` that starts with `tag` and a space: the tagged reply.
std::string tagged(const std::string& output, const std::string& tag) {
  for (const std::string& line : lines_of(output)) {
    if (line.starts_with(tag + " ")) return line;
  }
  return "(no reply tagged " + tag + " in: " + output + ")";
}

class ImapSession : public eider::testing::SessionFixture {
 protected:
  void SetUp() override {
    SessionFixture::SetUp();
    bob_ = add("bob");
    ASSERT_TRUE(mail_->deliver(bob_, "INBOX", kMessage).is_ok());
    services_.emplace(Services{*mail_, *faulty_, executor_, limiter_, user_connections_, notifier_,
                               select_cache_});
  }

  std::unique_ptr<SessionRunner> connect() {
    auto session = std::make_unique<SessionRunner>(service(Settings{}, *services_));
    EXPECT_TRUE(session->run().starts_with("* OK "));
    return session;
  }

  int64_t bob_ = 0;
  SelectCache select_cache_;
  std::optional<Services> services_;
};

TEST_F(ImapSession, LogsInSelectsAndFetches) {
  auto session = connect();
  EXPECT_TRUE(tagged(session->send("a LOGIN bob pw\r\n"), "a").starts_with("a OK [CAPABILITY "));
  std::string selected = session->send("b SELECT INBOX\r\n");
  EXPECT_NE(selected.find("* 1 EXISTS\r\n"), std::string::npos) << selected;
  EXPECT_EQ(tagged(selected, "b"), "b OK [READ-WRITE] SELECT completed");
  std::string fetched = session->send("c FETCH 1 (FLAGS BODY[])\r\n");
  EXPECT_TRUE(fetched.starts_with("* 1 FETCH (")) << fetched;
  EXPECT_NE(
      fetched.find("BODY[] {" + std::to_string(kMessage.size()) + "}\r\n" + std::string(kMessage)),
      std::string::npos)
      << fetched;
  EXPECT_NE(fetched.find("\\Seen"), std::string::npos) << "BODY[] sets \\Seen: " << fetched;
  EXPECT_TRUE(tagged(fetched, "c").starts_with("c OK")) << fetched;
  EXPECT_TRUE(tagged(session->send("d LOGOUT\r\n"), "d").starts_with("d OK"));
  EXPECT_TRUE(session->done());
}

TEST_F(ImapSession, PipelinedBurstIsAnsweredInOrder) {
  auto session = connect();
  std::string out = session->send(
      "a NOOP\r\nb LOGIN bob pw\r\nc SELECT INBOX\r\nd STORE 1 +FLAGS (\\Flagged)\r\n"
      "e FETCH 1 FLAGS\r\nf LOGOUT\r\n");
  std::vector<std::string> tags;
  for (const std::string& line : lines_of(out)) {
    if (!line.starts_with("* ")) tags.push_back(line.substr(0, 4));
  }
  EXPECT_EQ(tags, (std::vector<std::string>{"a OK", "b OK", "c OK", "d OK", "e OK", "f OK"}))
      << out;
  EXPECT_TRUE(session->done());
}

TEST_F(ImapSession, ClientGoneInTheMiddleOfALiteralAppendsNothing) {
  auto session = connect();
  session->send("a LOGIN bob pw\r\n");
  EXPECT_EQ(session->send("b APPEND INBOX {100}\r\n"), "+ Ready for literal data\r\n");
  EXPECT_EQ(session->send("Subject: cut short\r\n"), "");
  session->finish();
  EXPECT_EQ(mailbox(bob_, "INBOX").message_count, 1u);
}

TEST_F(ImapSession, NonSynchronizingLiteralSplitOverReadsIsAppended) {
  auto session = connect();
  session->send("a LOGIN bob pw\r\n");
  const std::string message = "Subject: split\r\n\r\nbody\r\n";
  session->connection().feed("b APPEND INBOX {" + std::to_string(message.size()) + "+}\r\n");
  session->connection().feed(message.substr(0, 10));
  EXPECT_TRUE(
      tagged(session->send(message.substr(10) + "\r\n"), "b").starts_with("b OK [APPENDUID "));
  EXPECT_EQ(mailbox(bob_, "INBOX").message_count, 2u);
}

TEST_F(ImapSession, StoreFailureIsNoAndTheSessionGoesOn) {
  auto session = connect();
  session->send("a LOGIN bob pw\r\nb SELECT INBOX\r\n");
  vfs_.fail_syncs(1);
  EXPECT_TRUE(tagged(session->send("c STORE 1 +FLAGS (\\Flagged)\r\n"), "c").starts_with("c NO"));
  std::string fetched = session->send("d FETCH 1 FLAGS\r\n");
  EXPECT_EQ(fetched.find("\\Flagged"), std::string::npos) << fetched;
  EXPECT_TRUE(tagged(fetched, "d").starts_with("d OK"));
}

}  // namespace
}  // namespace eider::imap
