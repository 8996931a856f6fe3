// The journal as CONDSTORE/QRESYNC read it: messages changed since a
// modseq, expunges since a modseq, conditional flag changes, and trimming
// by each row's age, mailbox by mailbox, under one lease (journal_floor,
// Code::out_of_range), with migrations 8 and 13 over older databases.
#include <sqlite3.h>

#include <ctime>
#include <string>

#include "store/sqlite/schema.h"
#include "store_test_util.h"

namespace eider::store {
namespace {

using testing::Account;
using testing::make_account;
using testing::make_message;
using testing::open_or_die;
using testing::options_for;
using testing::TempDir;

constexpr uint64_t kDay = 86400;

// The clock journal rows are written with, one second on: every row
// written so far is older than this.
int64_t time_now() {
  return static_cast<int64_t>(std::time(nullptr)) + 1;
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

  // Sets the time the mailbox's rows up to `modseq` were written.
  void set_age(int64_t mailbox_id, uint64_t modseq, int64_t at) {
    exec_sql("UPDATE journal SET at = " + std::to_string(at) + " WHERE mailbox_id = " +
             std::to_string(mailbox_id) + " AND modseq <= " + std::to_string(modseq));
  }
  void exec_sql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir_.db().c_str(), &db), SQLITE_OK);
    testing::exec(db, sql.c_str());
    sqlite3_close(db);
  }

  uint64_t highest() { return store_->find_mailbox(bob_.user.id, "INBOX").value().highest_modseq; }
  Mailbox inbox() { return store_->find_mailbox(bob_.user.id, "INBOX").value(); }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  Account bob_;
};

TEST_F(StoreJournal, TrimRemovesRowsOlderThanKeepAndRaisesEachMailboxsFloor) {
  const int64_t now = time_now();
  Mailbox sent = store_->find_mailbox(bob_.user.id, "Sent").value();
  ASSERT_TRUE(store_->append_message(bob_.user.id, sent.id, make_message(10)));
  const uint64_t mark = highest();
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, {2, 3}));
  // INBOX's rows up to the mark and all of Sent's were written two days
  // ago; the rest of INBOX's and Drafts' are new.
  set_age(bob_.inbox.id, mark, now - 2 * static_cast<int64_t>(kDay));
  set_age(sent.id, UINT32_MAX, now - 2 * static_cast<int64_t>(kDay));
  const uint64_t rows = store_->stats().value().journal_rows;

  EXPECT_EQ(store_->trim_journal(now, kDay).value(), mark + 2);  // 1 created, 6 added; Sent's 2
  EXPECT_EQ(store_->stats().value().journal_rows, rows - mark - 2);
  EXPECT_EQ(inbox().journal_floor, mark);
  sent = store_->find_mailbox(bob_.user.id, "Sent").value();
  EXPECT_EQ(sent.journal_floor, sent.highest_modseq);
  EXPECT_EQ(store_->find_mailbox(bob_.user.id, "Drafts").value().journal_floor, 0u);
  EXPECT_EQ(store_->journal_since(bob_.user.id, bob_.inbox.id, mark - 1).status().code(),
            Code::out_of_range);
  EXPECT_EQ(store_->expunged_since(bob_.user.id, bob_.inbox.id, 0).status().code(),
            Code::out_of_range);
  EXPECT_EQ(store_->expunged_since(bob_.user.id, bob_.inbox.id, mark).value(),
            (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(store_->journal_since(bob_.user.id, bob_.inbox.id, mark).value().size(), 2u);
  EXPECT_EQ(store_->journal_since(bob_.user.id, sent.id, sent.highest_modseq).value().size(), 0u);
  // Messages still say what changed since any modseq: that needs no journal.
  EXPECT_EQ(store_->list_changed_since(bob_.user.id, bob_.inbox.id, 0).value().size(), 4u);
  // A day later than that, the rest goes.
  EXPECT_EQ(store_->trim_journal(now, 3 * kDay).value(), 0u);
  EXPECT_GT(store_->trim_journal(now + 2 * static_cast<int64_t>(kDay), kDay).value(), 0u);
  EXPECT_EQ(store_->stats().value().journal_rows, 0u);
}

TEST_F(StoreJournal, TrimRemovesAYoungerRowBelowAnOldOneSoTheFloorHolds) {
  const int64_t now = time_now();
  // The clock went back: row 3 is older than the rows before it.
  set_age(bob_.inbox.id, 3, now - 2 * static_cast<int64_t>(kDay));
  exec_sql("UPDATE journal SET at = " + std::to_string(now) + " WHERE modseq < 3");
  EXPECT_EQ(store_->trim_journal(now, kDay).value(), 3u);
  EXPECT_EQ(inbox().journal_floor, 3u);
  EXPECT_EQ(store_->journal_since(bob_.user.id, bob_.inbox.id, 3).value().size(), highest() - 3);
}

TEST_F(StoreJournal, TrimWithNothingToKeepEmptiesTheJournalAndRaisesEveryFloor) {
  const uint64_t top = highest();
  EXPECT_GT(store_->trim_journal(time_now(), 0).value(), 0u);
  EXPECT_EQ(store_->stats().value().journal_rows, 0u);
  EXPECT_EQ(inbox().journal_floor, top);
  EXPECT_TRUE(store_->journal_since(bob_.user.id, bob_.inbox.id, top).value().empty());
  // Other mailboxes are trimmed too, each to its own modseq.
  Result<Mailbox> sent = store_->find_mailbox(bob_.user.id, "Sent");
  EXPECT_EQ(sent->journal_floor, sent->highest_modseq);
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, {1}));
  EXPECT_EQ(store_->expunged_since(bob_.user.id, bob_.inbox.id, top).value(),
            (std::vector<uint32_t>{1}));
}

TEST_F(StoreJournal, TrimRemovesTheRowADeletedMailboxLeft) {
  Mailbox gone = store_->create_mailbox(bob_.user.id, "Gone", "").value();
  ASSERT_TRUE(store_->delete_mailbox(bob_.user.id, "Gone"));
  ASSERT_EQ(store_->journal_since(bob_.user.id, gone.id, 0).value().size(), 1u);
  EXPECT_GT(store_->trim_journal(time_now(), 0).value(), 0u);
  EXPECT_TRUE(store_->journal_since(bob_.user.id, gone.id, 0).value().empty());
  EXPECT_EQ(store_->stats().value().journal_rows, 0u);
}

TEST_F(StoreJournal, TrimOfAMailboxWithMoreRowsThanABatchRemovesThemAll) {
  // 6 messages copied 200 times: 1,200 rows in Archive, over a batch.
  Mailbox archive = store_->find_mailbox(bob_.user.id, "Archive").value();
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(store_->copy_messages(bob_.user.id, bob_.inbox.id, {1, 2, 3, 4, 5, 6}, archive.id));
  }
  const uint64_t rows = store_->stats().value().journal_rows;
  EXPECT_EQ(store_->trim_journal(time_now(), 0).value(), rows);
  archive = store_->find_mailbox(bob_.user.id, "Archive").value();
  EXPECT_EQ(archive.journal_floor, archive.highest_modseq);
  EXPECT_EQ(archive.highest_modseq, 1201u);
}

TEST_F(StoreJournal, OnlyTheInstanceHoldingTheLeaseTrimsUntilItExpires) {
  std::unique_ptr<Store> other = open_or_die(options_for(dir_));
  ASSERT_NE(other, nullptr);
  const int64_t now = time_now();
  EXPECT_GT(store_->trim_journal(now, 0).value(), 0u);
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, {1}));
  // The first instance's lease runs to now + 10 minutes, and it renews it.
  EXPECT_EQ(other->trim_journal(now + 1, 0).value(), 0u);
  EXPECT_EQ(other->trim_journal(now + 599, 0).value(), 0u);
  EXPECT_EQ(store_->stats().value().journal_rows, 1u);
  EXPECT_EQ(store_->trim_journal(now + 300, 3600).value(), 0u);  // renewed, nothing old enough
  EXPECT_EQ(other->trim_journal(now + 899, 0).value(), 0u);
  // Once it lapses, the other takes over, and keeps it.
  EXPECT_EQ(other->trim_journal(now + 900, 0).value(), 1u);
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, {2}));
  EXPECT_EQ(store_->trim_journal(now + 901, 0).value(), 0u);
  EXPECT_EQ(other->trim_journal(now + 902, 0).value(), 1u);
}

TEST_F(StoreJournal, AClosedInstanceGivesItsLeaseUpSoAnotherTrimsAtOnce) {
  const int64_t now = time_now();
  EXPECT_GT(store_->trim_journal(now, 0).value(), 0u);
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, {1}));
  store_.reset();
  std::unique_ptr<Store> next = open_or_die(options_for(dir_));
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(next->trim_journal(now + 1, 0).value(), 1u);
}

TEST_F(StoreJournal, RowsWrittenAtNowGoWhenNothingIsKept) {
  const int64_t now = time_now();
  set_age(bob_.inbox.id, UINT32_MAX, now);
  const uint64_t rows = store_->stats().value().journal_rows;
  // Rows at `now` are 0 seconds old: old enough for keep 0.
  EXPECT_EQ(store_->trim_journal(now, 0).value(), rows);
  EXPECT_EQ(inbox().journal_floor, highest());
}

TEST(StoreJournalMigration, VersionSevenDataGetsTheIndexFloorAndTimes) {
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
  testing::exec(db, testing::kBackToVersion12);
  testing::exec(db,
                "DROP INDEX messages_by_modseq; ALTER TABLE mailboxes DROP COLUMN"
                " journal_floor; DROP TABLE journal_marks; ALTER TABLE users DROP COLUMN"
                " quota_messages;"
                " DROP TABLE summary_chunks; DROP TABLE lost_subscriptions;"
                " PRAGMA user_version = 7");
  sqlite3_close(db);

  const int64_t now = time_now();
  std::unique_ptr<Store> store = open_or_die(options_for(dir));
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->find_mailbox(user_id, "INBOX").value().journal_floor, 0u);
  EXPECT_EQ(store->expunged_since(user_id, inbox_id, 0).value().size(), 0u);
  EXPECT_EQ(store->list_changed_since(user_id, inbox_id, 0).value().size(), 3u);
  // Rows from before migration 13 count from the migration.
  EXPECT_EQ(store->trim_journal(now - 2, 0).value(), 0u);
  EXPECT_GT(store->trim_journal(now + 2, 0).value(), 0u);
  EXPECT_EQ(store->journal_since(user_id, inbox_id, 0).status().code(), Code::out_of_range);
}

TEST(StoreJournalMigration, VersionTwelveJournalMarksMakeWayForRowTimesAndLeases) {
  TempDir dir;
  {
    std::unique_ptr<Store> store = open_or_die(options_for(dir));
    ASSERT_NE(store, nullptr);
    make_account(*store, "bob");
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.db().c_str(), &db), SQLITE_OK);
  testing::exec(db, testing::kBackToVersion12);
  sqlite3_close(db);
  const int64_t before = time_now() - 1;
  ASSERT_NE(open_or_die(options_for(dir)), nullptr);
  ASSERT_EQ(sqlite3_open(dir.db().c_str(), &db), SQLITE_OK);
  EXPECT_EQ(testing::query_int(db, "PRAGMA user_version"), sqlite::schema_version());
  EXPECT_EQ(
      testing::query_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'journal_marks'"), 0);
  EXPECT_GT(testing::query_int(db, "SELECT count(*) FROM journal"), 0);
  EXPECT_GE(testing::query_int(db, "SELECT min(at) FROM journal"), before);
  EXPECT_EQ(testing::query_int(db, "SELECT count(*) FROM leases"), 0);
  sqlite3_close(db);
}

// The plan of `sql` on the database in `dir`, one step a line.
std::string query_plan(const TempDir& dir, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(dir.db().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &stmt, nullptr),
            SQLITE_OK);
  std::string plan;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    plan += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
    plan += "\n";
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return plan;
}

// Trimming costs the rows it removes: the old rows are found through the
// index on `at`, and each mailbox's are deleted through (mailbox_id, modseq).
TEST(StoreJournalPlan, TrimReadsOnlyTheRowsItRemoves) {
  TempDir dir;
  ASSERT_NE(open_or_die(options_for(dir)), nullptr);
  std::string plan = query_plan(dir,
                                "SELECT user_id, mailbox_id, max(modseq), count(*) FROM journal"
                                " INDEXED BY journal_by_age WHERE at <= 5"
                                " GROUP BY user_id, mailbox_id");
  EXPECT_NE(plan.find("USING INDEX journal_by_age (at<?)"), std::string::npos) << plan;
  plan =
      query_plan(dir, "DELETE FROM journal WHERE mailbox_id = 1 AND user_id = 1 AND modseq <= 9");
  EXPECT_NE(plan.find("USING INDEX journal_by_mailbox (mailbox_id=? AND modseq<?)"),
            std::string::npos)
      << plan;
}

}  // namespace
}  // namespace eider::store
