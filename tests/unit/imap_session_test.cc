// IMAP sessions over an in-memory connection: LOGIN, SELECT and FETCH on a
// real store, a pipelined burst, literals cut short or split over reads,
// and a failed commit.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>

#include "imap/imap.h"
#include "notify/local.h"
#include "session_fixture.h"
#include "support/unreliable_notifier.h"

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
    auto session = std::make_unique<SessionRunner>(service(settings_, *services_));
    EXPECT_TRUE(session->run().starts_with("* OK "));
    return session;
  }

  int64_t bob_ = 0;
  Settings settings_;
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

TEST_F(ImapSession, RenamedSelectedMailboxStaysSelectedUnderItsNewName) {
  ASSERT_TRUE(mail_->create_mailbox(bob_, "a").is_ok());
  ASSERT_TRUE(mail_->create_mailbox(bob_, "a/b").is_ok());
  ASSERT_TRUE(mail_->deliver(bob_, "a/b", kMessage).is_ok());
  auto session = connect();
  session->send("a LOGIN bob pw\r\n");
  EXPECT_TRUE(tagged(session->send("b SELECT a/b\r\n"), "b").starts_with("b OK"));
  // Another session renames the parent: the selected mailbox moves with it
  // (RFC 3501 6.3.5 says nothing of ending the selection; Dovecot keeps it).
  ASSERT_TRUE(mail_->rename_mailbox(bob_, "a", "z").is_ok());
  std::string polled = session->send("c NOOP\r\n");
  EXPECT_EQ(polled, "c OK NOOP completed\r\n");
  ASSERT_TRUE(mail_->deliver(bob_, "z/b", kMessage).is_ok());
  polled = session->send("d NOOP\r\n");
  EXPECT_NE(polled.find("* 2 EXISTS\r\n"), std::string::npos) << polled;
  EXPECT_TRUE(tagged(session->send("e FETCH 2 UID\r\n"), "e").starts_with("e OK"));
}

TEST_F(ImapSession, LogoutBeaconEndsTheUsersSessionsWithBye) {
  add("carol");
  auto waiting = connect();
  waiting->send("a LOGIN bob pw\r\nb SELECT INBOX\r\n");
  auto idling = connect();
  idling->send("a LOGIN bob pw\r\nb SELECT INBOX\r\n");
  EXPECT_EQ(idling->send("c IDLE\r\n"), "+ idling\r\n");
  auto other = connect();
  other->send("a LOGIN carol pw\r\n");

  mail_->logout_user(bob_);
  EXPECT_EQ(waiting->run(), "* BYE Logged out by the administrator\r\n");
  EXPECT_TRUE(waiting->done());
  EXPECT_EQ(idling->run(), "* BYE Logged out by the administrator\r\n");
  EXPECT_TRUE(idling->done());
  EXPECT_EQ(other->run(), "");
  EXPECT_FALSE(other->done());
  EXPECT_EQ(other->send("c NOOP\r\n"), "c OK NOOP completed\r\n");
}

// A session whose notifier can lose its peers (support/unreliable_notifier.h).
class ImapSessionWithoutBeacons : public ImapSession {
 protected:
  void SetUp() override {
    ImapSession::SetUp();
    unreliable_mail_ = std::make_unique<mail::Mail>(*faulty_, notifier_down_, core::Limits{});
    services_.emplace(Services{*unreliable_mail_, *faulty_, executor_, limiter_, user_connections_,
                               notifier_down_, select_cache_});
  }

  uint64_t journal_reads() const {
    return faulty_->calls(store::testing::StoreCall::journal_since);
  }

  notify::testing::UnreliableNotifier notifier_down_;
  std::unique_ptr<mail::Mail> unreliable_mail_;
};

TEST_F(ImapSessionWithoutBeacons, IdleSessionHearsADeliveryWithinThePollInterval) {
  EXPECT_EQ(settings_.notify_poll_interval, 2000u);
  auto session = connect();
  session->send("a LOGIN bob pw\r\nb SELECT INBOX\r\n");
  notifier_down_.cut();
  EXPECT_EQ(session->send("c IDLE\r\n"), "+ idling\r\n");
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(unreliable_mail_->deliver(bob_, "INBOX", kMessage).is_ok());
  EXPECT_EQ(notifier_down_.dropped(), 1u);
  std::string pushed = session->run_until("* 2 EXISTS\r\n", std::chrono::seconds(4));
  EXPECT_NE(pushed.find("* 2 EXISTS\r\n"), std::string::npos) << pushed;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2600));
}

TEST_F(ImapSessionWithoutBeacons, EveryCommandReadsTheJournalWhileTheNotifierIsDown) {
  auto session = connect();
  session->send("a LOGIN bob pw\r\nb SELECT INBOX\r\n");
  notifier_down_.cut();
  session->run();  // the cut's resync beacon: nothing new
  ASSERT_TRUE(
      unreliable_mail_
          ->set_flags(bob_, mailbox(bob_, "INBOX").id, {1}, store::FlagMode::add, {"\\Flagged"})
          .is_ok());
  EXPECT_EQ(notifier_down_.dropped(), 1u);
  std::string polled = session->send("c NOOP\r\n");
  EXPECT_NE(polled.find("* 1 FETCH (FLAGS (\\Flagged"), std::string::npos) << polled;
  // Not only polls: CAPABILITY, which reads no journal while beacons come.
  ASSERT_TRUE(
      unreliable_mail_
          ->set_flags(bob_, mailbox(bob_, "INBOX").id, {1}, store::FlagMode::add, {"\\Seen"})
          .is_ok());
  std::string asked = session->send("d CAPABILITY\r\n");
  EXPECT_NE(asked.find("* 1 FETCH (FLAGS (\\Flagged \\Seen"), std::string::npos) << asked;
  notifier_down_.mend();
  session->send("e NOOP\r\n");  // reads what the recovery's resync asks for
  const uint64_t reads = journal_reads();
  session->send("f CAPABILITY\r\n");
  EXPECT_EQ(journal_reads(), reads) << "healthy again: no beacon, no journal read";
}

TEST_F(ImapSessionWithoutBeacons, IdleSessionStopsPollingOnceTheNotifierIsBack) {
  settings_.notify_poll_interval = 100;
  auto session = connect();
  session->send("a LOGIN bob pw\r\nb SELECT INBOX\r\n");
  notifier_down_.cut();
  EXPECT_EQ(session->send("c IDLE\r\n"), "+ idling\r\n");
  uint64_t reads = journal_reads();
  session->run_for(std::chrono::milliseconds(550));
  EXPECT_GE(journal_reads(), reads + 3) << "polls every 100 ms while the notifier is down";

  // A delivery whose beacon is lost, then the notifier's recovery: its
  // resync beacon brings the message at once.
  ASSERT_TRUE(unreliable_mail_->deliver(bob_, "INBOX", kMessage).is_ok());
  notifier_down_.mend();
  std::string pushed = session->run_until("* 2 EXISTS\r\n", std::chrono::seconds(1));
  EXPECT_NE(pushed.find("* 2 EXISTS\r\n"), std::string::npos) << pushed;
  session->run_for(std::chrono::milliseconds(150));  // a poll already due finds it healthy
  reads = journal_reads();
  EXPECT_EQ(session->run_for(std::chrono::milliseconds(500)), "");
  EXPECT_EQ(journal_reads(), reads) << "healthy: the store is not read while idle";
  // Beacons work again.
  ASSERT_TRUE(unreliable_mail_->deliver(bob_, "INBOX", kMessage).is_ok());
  pushed = session->run_until("* 3 EXISTS\r\n", std::chrono::seconds(1));
  EXPECT_NE(pushed.find("* 3 EXISTS\r\n"), std::string::npos) << pushed;
  EXPECT_TRUE(tagged(session->send("DONE\r\n"), "c").starts_with("c OK"));
}

TEST_F(ImapSessionWithoutBeacons, ResyncBeaconReadsTheJournalWhateverTheModseq) {
  auto session = connect();
  session->send("a LOGIN bob pw\r\nb SELECT INBOX\r\n");
  EXPECT_EQ(session->send("c IDLE\r\n"), "+ idling\r\n");
  // A change whose beacon was lost, though the notifier says it is healthy
  // (a peer restarted): only a resync beacon tells.
  ASSERT_TRUE(mail_->deliver(bob_, "INBOX", kMessage).is_ok());  // beacon to the other notifier
  EXPECT_EQ(session->run_for(std::chrono::milliseconds(100)), "");
  notifier_down_.publish({bob_, 0, 0, notify::BeaconKind::resync});
  std::string pushed = session->run_until("* 2 EXISTS\r\n", std::chrono::seconds(1));
  EXPECT_NE(pushed.find("* 2 EXISTS\r\n"), std::string::npos) << pushed;
}

}  // namespace
}  // namespace eider::imap
