// LMTP sessions over an in-memory connection and a store that fails on
// request: a failed store call is never acknowledged, a client gone in the
// middle of a message leaves nothing, and one message to many recipients
// shares its blobs.
#include <gtest/gtest.h>

#include "lmtp/lmtp.h"
#include "session_fixture.h"

namespace eider::lmtp {
namespace {

using eider::testing::lines_of;
using eider::testing::SessionRunner;

// The last line of each reply in `output` (a multiline reply's "250-"
// lines are dropped), cut to `width` characters.
std::vector<std::string> replies(const std::string& output, std::size_t width = 3) {
  std::vector<std::string> out;
  for (const std::string& line : lines_of(output)) {
    if (line.size() > 3 && line[3] == '-') continue;
    out.push_back(line.substr(0, width));
  }
  return out;
}

using Replies = std::vector<std::string>;

class LmtpSession : public eider::testing::SessionFixture {
 protected:
  void SetUp() override {
    limits_.blob_threshold = 1024;
    open_mail(limits_);
    bob_ = add("bob", 0, {"bob@example.test"});
    carol_ = add("carol", 0, {"carol@example.test"});
  }

  std::unique_ptr<SessionRunner> connect() {
    Settings settings{.hostname = "test.example", .limits = limits_};
    auto session = std::make_unique<SessionRunner>(service(settings, *mail_, *faulty_, executor_));
    EXPECT_EQ(replies(session->run()), Replies{"220"});
    return session;
  }

  // LHLO, MAIL and the given recipients, each accepted; then DATA.
  void begin(SessionRunner& session, const std::vector<std::string>& rcpts) {
    EXPECT_EQ(replies(session.send("LHLO client.example\r\nMAIL FROM:<alice@example.org>\r\n")),
              (Replies{"250", "250"}));
    for (const std::string& rcpt : rcpts) {
      EXPECT_EQ(replies(session.send("RCPT TO:<" + rcpt + ">\r\n")), Replies{"250"}) << rcpt;
    }
    EXPECT_EQ(replies(session.send("DATA\r\n")), Replies{"354"});
  }

  uint64_t inbox_count(int64_t user_id) { return mailbox(user_id, "INBOX").message_count; }

  core::Limits limits_;
  int64_t bob_ = 0;
  int64_t carol_ = 0;
};

TEST_F(LmtpSession, DeliversToEachRecipientAndSaysGoodbye) {
  auto session = connect();
  begin(*session, {"bob@example.test", "carol@example.test"});
  EXPECT_EQ(replies(session->send("Subject: x\r\n\r\nbody\r\n.\r\n"), 9),
            (Replies{"250 2.0.0", "250 2.0.0"}));
  EXPECT_EQ(replies(session->send("QUIT\r\n")), Replies{"221"});
  EXPECT_TRUE(session->done());
  EXPECT_EQ(inbox_count(bob_), 1u);
  EXPECT_EQ(inbox_count(carol_), 1u);
}

TEST_F(LmtpSession, PipelinedTransactionsAreAnsweredInOrder) {
  auto session = connect();
  std::string burst = "LHLO c\r\n";
  for (const char* rcpt : {"bob", "carol"}) {
    burst += "MAIL FROM:<>\r\nRCPT TO:<" + std::string(rcpt) +
             "@example.test>\r\nRCPT TO:<nobody@example.test>\r\nDATA\r\n"
             "Subject: " +
             rcpt + "\r\n\r\nbody\r\n.\r\n";
  }
  burst += "QUIT\r\n";
  EXPECT_EQ(replies(session->send(burst)), (Replies{"250", "250", "250", "550", "354", "250", "250",
                                                    "250", "550", "354", "250", "221"}));
  EXPECT_EQ(inbox_count(bob_), 1u);
  EXPECT_EQ(inbox_count(carol_), 1u);
}

TEST_F(LmtpSession, ClientGoneInTheMiddleOfAMessageStoresNothing) {
  auto session = connect();
  begin(*session, {"bob@example.test"});
  EXPECT_EQ(session->send("Subject: x\r\n\r\nthe first half"), "");
  EXPECT_EQ(session->finish(), "");
  EXPECT_EQ(inbox_count(bob_), 0u);
}

TEST_F(LmtpSession, FailedAppendIsAnswered451AndOnlyOtherRecipientsAreStored) {
  auto session = connect();
  begin(*session, {"bob@example.test", "carol@example.test"});
  faulty_->fail(store::testing::StoreCall::append_message, error(Code::unavailable, "store down"));
  EXPECT_EQ(replies(session->send("Subject: x\r\n\r\nbody\r\n.\r\n"), 9),
            (Replies{"451 4.3.0", "250 2.0.0"}));
  EXPECT_EQ(inbox_count(bob_), 0u);
  EXPECT_EQ(inbox_count(carol_), 1u);
}

TEST_F(LmtpSession, FailedCommitIsNeverAcknowledged) {
  auto session = connect();
  begin(*session, {"bob@example.test"});
  vfs_.fail_syncs(1);
  EXPECT_EQ(replies(session->send("Subject: x\r\n\r\nbody\r\n.\r\n"), 9), Replies{"451 4.3.0"});
  EXPECT_EQ(inbox_count(bob_), 0u);
  // The session goes on; the next transaction is stored.
  EXPECT_EQ(replies(session->send("MAIL FROM:<>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n")),
            (Replies{"250", "250", "354"}));
  EXPECT_EQ(replies(session->send("Subject: y\r\n\r\nbody\r\n.\r\n"), 9), Replies{"250 2.0.0"});
  EXPECT_EQ(inbox_count(bob_), 1u);
}

TEST_F(LmtpSession, FullDiskIsATemporaryFailure) {
  auto session = connect();
  begin(*session, {"bob@example.test"});
  vfs_.set_disk_full(true);
  EXPECT_EQ(replies(session->send("Subject: x\r\n\r\nbody\r\n.\r\n"), 9), Replies{"451 4.3.0"});
  vfs_.set_disk_full(false);
  EXPECT_EQ(inbox_count(bob_), 0u);
}

TEST_F(LmtpSession, RecipientLookupFailureIsATemporaryFailure) {
  auto session = connect();
  faulty_->fail(store::testing::StoreCall::find_address, error(Code::unavailable, "store down"));
  Replies got = replies(session->send("LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<bob@example.test>\r\n"
                                      "RCPT TO:<bob@example.test>\r\n"),
                        9);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].substr(0, 3), "250");
  EXPECT_EQ(got[1].substr(0, 3), "250");
  EXPECT_EQ(got[2], "451 4.3.0");
  EXPECT_EQ(got[3], "250 2.1.5");
}

TEST_F(LmtpSession, OneMessageToManyRecipientsSharesItsBlobs) {
  auto session = connect();
  begin(*session, {"bob@example.test", "carol@example.test", "bob+copy@example.test"});
  std::string attachment;
  for (int i = 0; i < 200; ++i) attachment += "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\r\n";
  EXPECT_EQ(replies(session->send(
                        "Subject: shared\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
                        "boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\n"
                        "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: "
                        "base64\r\n\r\n" +
                        attachment + "--b--\r\n.\r\n"),
                    9),
            (Replies{"250 2.0.0", "250 2.0.0", "250 2.0.0"}));
  Result<store::Stats> stats = faulty_->stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->blob_count, 1u);
  EXPECT_EQ(stats->blob_refs, 3u);
  EXPECT_EQ(stats->message_count, 3u);
}

}  // namespace
}  // namespace eider::lmtp
