// Migration 8 (the modseq index, journal_floor and journal_marks) over a
// version 7 database. The journal's contract is checked on every backend in
// tests/store_conformance/.
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
