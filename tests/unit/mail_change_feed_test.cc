#include <gtest/gtest.h>

#include <atomic>

#include "mail/change_feed.h"
#include "mail_fixture.h"

namespace eider::mail {
namespace {

constexpr std::string_view kMessage = "Subject: hi\r\n\r\nbody\r\n";

TEST(FeedCursor, RoundTripsThroughItsText) {
  const FeedCursor cursor{
      .user_id = 7,
      .mailboxes = {{1, 5, 1765000000}, {2, 0, 0}, {300, 1ull << 40, 1}, {INT64_MAX, 9, 4}}};
  const std::string text = cursor.encode();
  EXPECT_EQ(text.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(FeedCursor::decode(text), cursor);
  const FeedCursor empty{.user_id = 1, .mailboxes = {}};
  EXPECT_EQ(FeedCursor::decode(empty.encode()), empty);
}

TEST(FeedCursor, RejectsTextItDidNotWrite) {
  const std::string good =
      FeedCursor{.user_id = 7, .mailboxes = {{1, 5, 100}, {3, 2, 100}}}.encode();
  std::string upper = good;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string cases[] = {
      "",
      "0",
      "zz",
      good.substr(0, good.size() - 2),  // truncated
      good + "00",                      // trailing bytes
      "02" + good.substr(2),            // another version
      upper == good ? "x" : upper,      // one text per cursor
      FeedCursor{.user_id = 7, .mailboxes = {{3, 1, 0}, {3, 2, 0}}}.encode(),  // id twice
      FeedCursor{.user_id = 0, .mailboxes = {}}.encode(),                      // no user
      "01"
      "07"
      "ffffffff0f",  // more mailboxes than bytes
  };
  for (const std::string& text : cases) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(FeedCursor::decode(text).has_value());
  }
}

class ChangeFeedTest : public testing::MailFixture {
 protected:
  // A feed of `user` from `resume`, with the events start gives.
  std::unique_ptr<ChangeFeed> open_feed(int64_t user, std::string_view resume = "",
                                        std::vector<FeedEvent>* first = nullptr) {
    auto feed = std::make_unique<ChangeFeed>(notifier_, user, [this] { ++wakes_; });
    Result<std::vector<FeedEvent>> started = feed->start(*faulty_, resume);
    EXPECT_TRUE(started.is_ok()) << started.status().to_string();
    if (first != nullptr && started) *first = *started;
    return feed;
  }

  std::vector<FeedEvent> read(ChangeFeed& feed) {
    Result<std::vector<FeedEvent>> events = feed.read(*faulty_);
    EXPECT_TRUE(events.is_ok()) << events.status().to_string();
    return events ? *events : std::vector<FeedEvent>{};
  }

  // Delivery, flags, expunge, create, rename, delete (of a mailbox older
  // than the feed): one of each.
  void change_everything(int64_t user) {
    ASSERT_TRUE(mail_->deliver(user, "INBOX", kMessage).is_ok());
    const int64_t inbox = mailbox(user, "INBOX").id;
    ASSERT_TRUE(
        mail_->set_flags(user, inbox, {1}, store::FlagMode::add, {"\\Seen", "$Work"}).is_ok());
    ASSERT_TRUE(mail_->create_mailbox(user, "Projects").is_ok());
    ASSERT_TRUE(mail_->rename_mailbox(user, "Projects", "Done").is_ok());
    ASSERT_TRUE(mail_->deliver(user, "Done", kMessage).is_ok());
    ASSERT_TRUE(mail_->expunge(user, inbox, {1}).is_ok());
    ASSERT_TRUE(mail_->delete_mailbox(user, "Archive").is_ok());
  }

  std::atomic<int> wakes_ = 0;
};

// What a test compares: everything but the cursor.
std::string describe(const FeedEvent& event) {
  std::string text = std::to_string(static_cast<int>(event.kind)) + " mailbox " +
                     std::to_string(event.mailbox_id) + " modseq " + std::to_string(event.modseq) +
                     " uid " + std::to_string(event.uid) + " path " + event.path + " flags";
  for (const std::string& flag : event.flags) text += " " + flag;
  return text;
}

std::vector<std::string> describe(const std::vector<FeedEvent>& events) {
  std::vector<std::string> out;
  for (const FeedEvent& event : events) out.push_back(describe(event));
  return out;
}

TEST_F(ChangeFeedTest, StartsAtTheEndAndReportsEveryKindOfChange) {
  const int64_t user = add("alice");
  ASSERT_TRUE(mail_->deliver(user, "INBOX", kMessage).is_ok());  // before the start: not reported
  std::unique_ptr<ChangeFeed> feed = open_feed(user);
  EXPECT_TRUE(read(*feed).empty());
  const int64_t archive = mailbox(user, "Archive").id;
  change_everything(user);
  const store::Mailbox inbox = mailbox(user, "INBOX");
  std::vector<FeedEvent> events = read(*feed);
  ASSERT_EQ(events.size(), 7u) << ::testing::PrintToString(describe(events));
  // Mailbox by mailbox in ascending id (INBOX, Archive, the new one), each
  // in MODSEQ order.
  EXPECT_EQ(events[0].kind, FeedEventKind::added);
  EXPECT_EQ(events[0].mailbox_id, inbox.id);
  EXPECT_EQ(events[0].uid, 2u);
  EXPECT_EQ(events[1].kind, FeedEventKind::flags);
  EXPECT_EQ(events[1].uid, 1u);
  EXPECT_EQ(events[1].flags, (std::vector<std::string>{"\\Seen", "$Work"}));
  EXPECT_EQ(events[2].kind, FeedEventKind::expunged);
  EXPECT_EQ(events[2].uid, 1u);
  EXPECT_EQ(events[2].modseq, inbox.highest_modseq);
  EXPECT_EQ(events[3].kind, FeedEventKind::mailbox_deleted);
  EXPECT_EQ(events[3].mailbox_id, archive);
  EXPECT_EQ(events[3].path, "Archive");
  const int64_t done = mailbox(user, "Done").id;
  EXPECT_EQ(events[4].kind, FeedEventKind::mailbox_created);
  EXPECT_EQ(events[4].mailbox_id, done);
  EXPECT_EQ(events[4].path, "Projects");
  EXPECT_EQ(events[5].kind, FeedEventKind::mailbox_renamed);
  EXPECT_EQ(events[5].path, "Done");
  EXPECT_EQ(events[6].kind, FeedEventKind::added);
  EXPECT_EQ(events[6].mailbox_id, done);
  EXPECT_EQ(events[6].uid, 1u);
  for (std::size_t i = 0; i + 1 < events.size(); ++i) {
    if (events[i].mailbox_id == events[i + 1].mailbox_id) {
      EXPECT_LT(events[i].modseq, events[i + 1].modseq);
    }
  }
  EXPECT_EQ(events.back().cursor, feed->cursor());
  EXPECT_TRUE(read(*feed).empty());
}

TEST_F(ChangeFeedTest, ResumingFromAnEventGivesExactlyTheEventsAfterIt) {
  const int64_t user = add("alice");
  std::unique_ptr<ChangeFeed> feed = open_feed(user);
  const std::string origin = feed->cursor();
  change_everything(user);
  const std::vector<FeedEvent> all = read(*feed);
  ASSERT_EQ(all.size(), 7u);
  for (std::size_t i = 0; i <= all.size(); ++i) {
    SCOPED_TRACE(i);
    std::vector<FeedEvent> first;
    std::unique_ptr<ChangeFeed> resumed =
        open_feed(user, i == 0 ? origin : all[i - 1].cursor, &first);
    EXPECT_TRUE(first.empty());
    EXPECT_EQ(
        describe(read(*resumed)),
        describe(std::vector<FeedEvent>(all.begin() + static_cast<std::ptrdiff_t>(i), all.end())));
  }
}

TEST_F(ChangeFeedTest, ACursorSurvivesARestartOfTheStore) {
  const int64_t user = add("alice");
  std::string cursor = open_feed(user)->cursor();
  ASSERT_TRUE(mail_->deliver(user, "INBOX", kMessage).is_ok());
  open_mail(core::Limits{});  // a new Store over the same files
  ASSERT_TRUE(mail_->deliver(user, "Sent", kMessage).is_ok());
  std::unique_ptr<ChangeFeed> resumed = open_feed(user, cursor);
  std::vector<FeedEvent> events = read(*resumed);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].mailbox_id, mailbox(user, "INBOX").id);
  EXPECT_EQ(events[1].mailbox_id, mailbox(user, "Sent").id);
  for (const FeedEvent& event : events) EXPECT_EQ(event.kind, FeedEventKind::added);
}

TEST_F(ChangeFeedTest, ATrimmedJournalGivesAResetForThatMailboxNeverASilentGap) {
  const int64_t user = add("alice");
  const std::string cursor = open_feed(user)->cursor();
  ASSERT_TRUE(mail_->deliver(user, "INBOX", kMessage).is_ok());
  ASSERT_TRUE(mail_->create_mailbox(user, "New").is_ok());
  ASSERT_TRUE(faulty_->trim_journal(now_seconds() + 10, 0).is_ok());
  const store::Mailbox inbox = mailbox(user, "INBOX");
  const store::Mailbox created = mailbox(user, "New");
  ASSERT_GT(inbox.journal_floor, 0u);
  std::unique_ptr<ChangeFeed> resumed = open_feed(user, cursor);
  std::vector<FeedEvent> events = read(*resumed);
  ASSERT_EQ(events.size(), 2u) << ::testing::PrintToString(describe(events));
  EXPECT_EQ(events[0].kind, FeedEventKind::reset);
  EXPECT_EQ(events[0].mailbox_id, inbox.id);
  EXPECT_EQ(events[0].path, "INBOX");
  // A mailbox new since the cursor whose creation was trimmed: reset too.
  EXPECT_EQ(events[1].kind, FeedEventKind::reset);
  EXPECT_EQ(events[1].mailbox_id, created.id);
  EXPECT_EQ(events[1].path, "New");
  // After the reset the feed goes on as usual.
  ASSERT_TRUE(mail_->deliver(user, "INBOX", kMessage).is_ok());
  events = read(*resumed);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, FeedEventKind::added);
  EXPECT_EQ(events[0].uid, 2u);
}

TEST_F(ChangeFeedTest, ADeletionWhoseRowWasTrimmedIsStillReported) {
  const int64_t user = add("alice");
  ASSERT_TRUE(mail_->create_mailbox(user, "Old").is_ok());
  const int64_t old = mailbox(user, "Old").id;
  const std::string cursor = open_feed(user)->cursor();
  ASSERT_TRUE(mail_->delete_mailbox(user, "Old").is_ok());
  ASSERT_TRUE(faulty_->trim_journal(now_seconds() + 10, 0).is_ok());
  std::vector<FeedEvent> events = read(*open_feed(user, cursor));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, FeedEventKind::mailbox_deleted);
  EXPECT_EQ(events[0].mailbox_id, old);
  EXPECT_EQ(events[0].path, "");
}

TEST_F(ChangeFeedTest, AMailboxCreatedAndDeletedSinceTheCursorIsNotReported) {
  const int64_t user = add("alice");
  std::unique_ptr<ChangeFeed> feed = open_feed(user);
  ASSERT_TRUE(mail_->create_mailbox(user, "Brief").is_ok());
  ASSERT_TRUE(mail_->delete_mailbox(user, "Brief").is_ok());
  EXPECT_TRUE(read(*feed).empty());
}

TEST_F(ChangeFeedTest, AnotherUsersOrAMalformedCursorResetsEverything) {
  const int64_t alice = add("alice");
  const int64_t bob = add("bob");
  const std::string bobs = open_feed(bob)->cursor();
  for (const std::string& resume : {bobs, std::string("nonsense")}) {
    SCOPED_TRACE(resume);
    std::vector<FeedEvent> first;
    std::unique_ptr<ChangeFeed> feed = open_feed(alice, resume, &first);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].kind, FeedEventKind::reset);
    EXPECT_EQ(first[0].mailbox_id, 0);
    EXPECT_EQ(first[0].cursor, feed->cursor());
    EXPECT_TRUE(read(*feed).empty());
  }
}

TEST_F(ChangeFeedTest, ABeaconWakesTheReaderAndALogoutIsSeen) {
  const int64_t user = add("alice");
  const int64_t other = add("bob");
  std::unique_ptr<ChangeFeed> feed = open_feed(user);
  EXPECT_FALSE(feed->pending());
  ASSERT_TRUE(mail_->deliver(other, "INBOX", kMessage).is_ok());
  EXPECT_EQ(wakes_, 0);
  ASSERT_TRUE(mail_->deliver(user, "INBOX", kMessage).is_ok());
  EXPECT_EQ(wakes_, 1);
  EXPECT_TRUE(feed->pending());
  EXPECT_EQ(read(*feed).size(), 1u);
  EXPECT_FALSE(feed->pending());
  // A resync beacon (a notifier back from an outage) wakes it too.
  notifier_.publish({user, 0, 0, notify::BeaconKind::resync});
  EXPECT_EQ(wakes_, 2);
  EXPECT_TRUE(feed->pending());
  EXPECT_FALSE(feed->logged_out());
  mail_->logout_user(user);
  EXPECT_EQ(wakes_, 3);
  EXPECT_TRUE(feed->logged_out());
}

TEST_F(ChangeFeedTest, AReadStopsNearTheLimitAndStaysPending) {
  const int64_t user = add("alice");
  std::unique_ptr<ChangeFeed> feed = open_feed(user);
  ASSERT_TRUE(mail_->deliver(user, "INBOX", kMessage).is_ok());
  ASSERT_TRUE(mail_->deliver(user, "Sent", kMessage).is_ok());
  Result<std::vector<FeedEvent>> first = feed->read(*faulty_, 1);
  ASSERT_TRUE(first.is_ok());
  EXPECT_EQ(first->size(), 1u);
  EXPECT_TRUE(feed->pending());
  EXPECT_EQ(read(*feed).size(), 1u);
}

TEST_F(ChangeFeedTest, AFailedReadKeepsThePosition) {
  const int64_t user = add("alice");
  std::unique_ptr<ChangeFeed> feed = open_feed(user);
  ASSERT_TRUE(mail_->deliver(user, "INBOX", kMessage).is_ok());
  faulty_->fail(store::testing::StoreCall::journal_since, error(Code::unavailable, "store away"));
  EXPECT_EQ(feed->read(*faulty_).status().code(), Code::unavailable);
  EXPECT_TRUE(feed->pending());
  faulty_->clear();
  EXPECT_EQ(read(*feed).size(), 1u);
}

TEST_F(ChangeFeedTest, ADeletedUserEndsTheFeed) {
  const int64_t user = add("alice");
  std::unique_ptr<ChangeFeed> feed = open_feed(user);
  ASSERT_TRUE(faulty_->delete_user("alice").is_ok());
  EXPECT_EQ(feed->read(*faulty_).status().code(), Code::not_found);
  ChangeFeed late(notifier_, user, [] {});
  EXPECT_EQ(late.start(*faulty_, "").status().code(), Code::not_found);
}

}  // namespace
}  // namespace eider::mail
