// The journal as CONDSTORE/QRESYNC read it: messages changed since a
// modseq, expunges since a modseq, conditional flag changes, and trimming
// (journal_floor, Code::out_of_range), with migration 8 over a version 7
// database.
#include <sqlite3.h>

#include "store_test_util.h"

namespace eider::store {
namespace {

using testing::Account;
using testing::make_account;
using testing::make_message;
using testing::open_or_die;
using testing::options_for;
using testing::TempDir;

constexpr int64_t kNow = 1'700'000'000;
constexpr uint64_t kDay = 86400;

std::vector<uint32_t> uids_of(const std::vector<MessageInfo>& infos) {
  std::vector<uint32_t> uids;
  for (const MessageInfo& info : infos) uids.push_back(info.uid);
  return uids;
}

class StoreJournal : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_or_die(options_for(dir_));
    ASSERT_NE(store_, nullptr);
    bob_ = make_account(*store_, "bob");
    for (int i = 0; i < 6; ++i) {
      ASSERT_TRUE(store_->append_message(bob_.user.id, bob_.inbox.id, make_message(10)));
    }
  }

  uint64_t highest() { return store_->find_mailbox(bob_.user.id, "INBOX").value().highest_modseq; }
  Mailbox inbox() { return store_->find_mailbox(bob_.user.id, "INBOX").value(); }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  Account bob_;
};

TEST_F(StoreJournal, ChangedSinceListsFlagChangesAndArrivalsAfterTheModseq) {
  const uint64_t mark = highest();
  ASSERT_TRUE(store_->store_flags(bob_.user.id, bob_.inbox.id, {5, 2}, FlagMode::add, {"\\Seen"}));
  ASSERT_TRUE(store_->append_message(bob_.user.id, bob_.inbox.id, make_message(10)));
  std::vector<MessageInfo> changed =
      store_->list_changed_since(bob_.user.id, bob_.inbox.id, mark).value();
  EXPECT_EQ(uids_of(changed), (std::vector<uint32_t>{2, 5, 7}));
  EXPECT_EQ(changed[0].flags, (std::vector<std::string>{"\\Seen"}));
  EXPECT_GT(changed[0].modseq, mark);
  EXPECT_EQ(store_->list_changed_since(bob_.user.id, bob_.inbox.id, 0).value().size(), 7u);
  EXPECT_TRUE(store_->list_changed_since(bob_.user.id, bob_.inbox.id, highest()).value().empty());
}

TEST_F(StoreJournal, ExpungedSinceGivesTheUidsGoneAfterTheModseqAscending) {
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, {1}));
  const uint64_t mark = highest();
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, {4, 3}));
  Result<Mailbox> other = store_->find_mailbox(bob_.user.id, "Archive");
  ASSERT_TRUE(store_->move_messages(bob_.user.id, bob_.inbox.id, {6}, other->id));
  EXPECT_EQ(store_->expunged_since(bob_.user.id, bob_.inbox.id, mark).value(),
            (std::vector<uint32_t>{3, 4, 6}));
  EXPECT_EQ(store_->expunged_since(bob_.user.id, bob_.inbox.id, 0).value(),
            (std::vector<uint32_t>{1, 3, 4, 6}));
}

TEST_F(StoreJournal, UnchangedSinceLeavesNewerMessagesAloneAndListsThem) {
  const uint64_t mark = highest();
  ASSERT_TRUE(store_->store_flags(bob_.user.id, bob_.inbox.id, {2}, FlagMode::add, {"$A"}));
  ConditionalFlags done =
      store_
          ->store_flags_unchanged_since(bob_.user.id, bob_.inbox.id, {1, 2, 3, 99}, FlagMode::add,
                                        {"\\Flagged"}, mark)
          .value();
  EXPECT_EQ(uids_of(done.changed), (std::vector<uint32_t>{1, 3}));
  EXPECT_EQ(done.modified, (std::vector<uint32_t>{2}));
  std::vector<MessageInfo> two =
      store_->list_messages_between(bob_.user.id, bob_.inbox.id, 2, 2).value();
  EXPECT_EQ(two[0].flags, (std::vector<std::string>{"$A"}));
  // 0 fails for every message (RFC 7162 3.1.3), and a no-op passes.
  done = store_
             ->store_flags_unchanged_since(bob_.user.id, bob_.inbox.id, {1, 2}, FlagMode::add,
                                           {"\\Flagged"}, 0)
             .value();
  EXPECT_TRUE(done.changed.empty());
  EXPECT_EQ(done.modified, (std::vector<uint32_t>{1, 2}));
  done = store_
             ->store_flags_unchanged_since(bob_.user.id, bob_.inbox.id, {1}, FlagMode::add,
                                           {"\\Flagged"}, highest())
             .value();
  EXPECT_TRUE(done.changed.empty() && done.modified.empty());
}

TEST_F(StoreJournal, TrimKeepsRowsUntilAMarkOldEnoughCoversThem) {
  // The first call only records where the journal ends.
  EXPECT_EQ(store_->trim_journal(kNow, kDay).value(), 0u);
  EXPECT_EQ(inbox().journal_floor, 0u);
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, {2}));
  const uint64_t before_second = highest();
  EXPECT_EQ(store_->trim_journal(kNow + kDay / 2, kDay).value(), 0u);
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, {3}));
  // A day after the first mark: the rows it covers go, not the later ones.
  EXPECT_GT(store_->trim_journal(kNow + kDay, kDay).value(), 0u);
  const uint64_t floor = inbox().journal_floor;
  EXPECT_EQ(floor, before_second - 1);
  EXPECT_EQ(store_->journal_since(bob_.user.id, bob_.inbox.id, floor - 1).status().code(),
            Code::out_of_range);
  EXPECT_EQ(store_->expunged_since(bob_.user.id, bob_.inbox.id, 0).status().code(),
            Code::out_of_range);
  EXPECT_EQ(store_->expunged_since(bob_.user.id, bob_.inbox.id, floor).value(),
            (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(store_->journal_since(bob_.user.id, bob_.inbox.id, floor).value().size(), 2u);
  // Messages still say what changed since any modseq: that needs no journal.
  EXPECT_EQ(store_->list_changed_since(bob_.user.id, bob_.inbox.id, 0).value().size(), 4u);
}

TEST_F(StoreJournal, TrimWithNothingToKeepEmptiesTheJournalAndRaisesEveryFloor) {
  const uint64_t top = highest();
  EXPECT_GT(store_->trim_journal(kNow, 0).value(), 0u);
  EXPECT_EQ(store_->stats().value().journal_rows, 0u);
  EXPECT_EQ(inbox().journal_floor, top);
  EXPECT_TRUE(store_->journal_since(bob_.user.id, bob_.inbox.id, top).value().empty());
  // Other users' mailboxes are trimmed too, each to its own modseq.
  Result<Mailbox> sent = store_->find_mailbox(bob_.user.id, "Sent");
  EXPECT_EQ(sent->journal_floor, sent->highest_modseq);
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, {1}));
  EXPECT_EQ(store_->expunged_since(bob_.user.id, bob_.inbox.id, top).value(),
            (std::vector<uint32_t>{1}));
}

TEST(StoreJournalMigration, VersionSevenDataGetsTheIndexFloorAndMarks) {
  TempDir dir;
  int64_t user_id = 0;
  int64_t inbox_id = 0;
  {
    std::unique_ptr<Store> store = open_or_die(options_for(dir));
    ASSERT_NE(store, nullptr);
    Account bob = make_account(*store, "bob");
    user_id = bob.user.id;
    inbox_id = bob.inbox.id;
    for (int i = 0; i < 3; ++i)
      ASSERT_TRUE(store->append_message(user_id, inbox_id, make_message(5)));
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.db().c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP INDEX messages_by_modseq; ALTER TABLE mailboxes DROP COLUMN"
                         " journal_floor; DROP TABLE journal_marks; ALTER TABLE users DROP"
                         " COLUMN quota_messages; DROP TABLE summary_chunks;"
                         " DROP TABLE lost_subscriptions; PRAGMA user_version = 7",
                         nullptr, nullptr, &message),
            SQLITE_OK)
      << message;
  sqlite3_close(db);

  std::unique_ptr<Store> store = open_or_die(options_for(dir));
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->find_mailbox(user_id, "INBOX").value().journal_floor, 0u);
  EXPECT_EQ(store->expunged_since(user_id, inbox_id, 0).value().size(), 0u);
  EXPECT_EQ(store->list_changed_since(user_id, inbox_id, 0).value().size(), 3u);
  EXPECT_GT(store->trim_journal(kNow, 0).value(), 0u);
  EXPECT_EQ(store->journal_since(user_id, inbox_id, 0).status().code(), Code::out_of_range);
}

}  // namespace
}  // namespace eider::store
