// Store::claim_recent writing no transaction when there is nothing to
// claim, and migrations 2 (wire_size, recent_uid) to 8 (the
// split message tables, snapshots, the trimmable journal) over a database
// left at schema version 1.
#include <sqlite3.h>

#include <utility>

#include "mime/message.h"
#include "mime/tree.h"
#include "mime/wire.h"
#include "store/sqlite/schema.h"
#include "store_test_util.h"

namespace eider::store {
namespace {

using testing::Account;
using testing::exec;
using testing::make_account;
using testing::make_message;
using testing::open_or_die;
using testing::options_for;
using testing::query_int;
using testing::TempDir;

using Claim = std::pair<uint32_t, uint32_t>;  // RecentClaim as (first, next)

Claim as_pair(const RecentClaim& claim) {
  return {claim.first, claim.next};
}

class StoreRecent : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::open_sqlite_or_die(dir_);
    ASSERT_NE(store_, nullptr);
    bob_ = make_account(*store_, "bob");
  }

  void append(int64_t mailbox_id) {
    ASSERT_TRUE(store_->append_message(bob_.user.id, mailbox_id, make_message(100)));
  }

  Claim claim(int64_t mailbox_id) {
    Result<RecentClaim> claimed = store_->claim_recent(bob_.user.id, mailbox_id);
    EXPECT_TRUE(claimed.is_ok()) << claimed.status().to_string();
    return claimed ? as_pair(*claimed) : Claim{};
  }

  TempDir dir_;
  std::unique_ptr<sqlite::SqliteStore> store_;  // its commit counters show a write
  Account bob_;
};

TEST_F(StoreRecent, NothingToClaimWritesNothing) {
  append(bob_.inbox.id);
  claim(bob_.inbox.id);
  const uint64_t commits = store_->commit_counters().commits;
  EXPECT_EQ(claim(bob_.inbox.id), Claim(2, 2));
  EXPECT_EQ(store_->commit_counters().commits, commits);
}

TEST(StoreMigration, VersionOneDataGetsWireSizesOldMailNotRecentSummariesAndTheSplitTables) {
  TempDir dir;
  const std::string raw = "Subject: old\n\nbody line long enough for a blob\rand more\n";
  int64_t user_id = 0;
  int64_t inbox_id = 0;
  {
    std::unique_ptr<Store> store = open_or_die(options_for(dir));
    ASSERT_NE(store, nullptr);
    Account bob = make_account(*store, "bob");
    user_id = bob.user.id;
    inbox_id = bob.inbox.id;
    NewMessage message = make_message(raw.size());
    message.split = mime::split(raw, mime::parse(raw), {.blob_threshold = 16});
    ASSERT_FALSE(message.split.blobs.empty());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(store->append_message(user_id, inbox_id, message));
  }
  // Back to what version 1 wrote: one wide messages table, without the
  // columns, tables and indexes of the later versions.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.db().c_str(), &db), SQLITE_OK);
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), sqlite::schema_version());
  exec(db, testing::kBackToVersion12);
  exec(db,
       "CREATE TABLE v1 (user_id INTEGER NOT NULL, mailbox_id INTEGER NOT NULL,"
       " uid INTEGER NOT NULL, modseq INTEGER NOT NULL, flags TEXT NOT NULL DEFAULT '',"
       " internal_date INTEGER NOT NULL, size INTEGER NOT NULL, tree BLOB NOT NULL,"
       " envelope TEXT NOT NULL, bodystructure TEXT NOT NULL, body TEXT NOT NULL,"
       " message_id TEXT NOT NULL, subject TEXT NOT NULL, thread_id INTEGER NOT NULL,"
       " PRIMARY KEY (mailbox_id, uid));"
       " INSERT INTO v1 SELECT m.user_id, m.mailbox_id, m.uid, m.modseq, m.flags,"
       " m.internal_date, m.size, c.tree, c.envelope, c.bodystructure, c.body, c.message_id,"
       " c.subject, m.thread_id FROM messages m JOIN message_contents c USING (mailbox_id, uid);"
       " DROP TABLE messages; DROP TABLE message_contents; DROP TABLE mailbox_snapshots;"
       " ALTER TABLE v1 RENAME TO messages;"
       " CREATE INDEX messages_by_message_id ON messages (user_id, message_id);"
       " ALTER TABLE mailboxes DROP COLUMN recent_uid; ALTER TABLE mailboxes DROP COLUMN"
       " journal_floor; DROP TABLE journal_marks; ALTER TABLE users DROP COLUMN quota_messages;"
       " DROP TABLE summary_chunks; DROP TABLE lost_subscriptions; PRAGMA user_version = 1");
  sqlite3_close(db);

  for (int reopen = 0; reopen < 2; ++reopen) {
    std::unique_ptr<Store> store = open_or_die(options_for(dir));
    ASSERT_NE(store, nullptr);
    std::vector<MessageInfo> infos = store->list_messages(user_id, inbox_id).value();
    ASSERT_GE(infos.size(), 3u);
    for (size_t i = 0; i < 3; ++i) EXPECT_EQ(infos[i].wire_size, mime::wire_size(raw));
    // The content moved to its own table and still rebuilds byte for byte.
    StoredMessage stored = store->read_message(user_id, inbox_id, 2).value();
    Result<std::string> rebuilt = mime::rebuild(
        stored.tree, [&store](const mime::BlobKey& key) { return store->read_blob(key); });
    ASSERT_TRUE(rebuilt.is_ok()) << rebuilt.status().to_string();
    EXPECT_EQ(*rebuilt, raw);
    EXPECT_FALSE(stored.envelope.empty());
    if (reopen == 0) {
      EXPECT_EQ(as_pair(store->claim_recent(user_id, inbox_id).value()), Claim(4, 4));
      ASSERT_TRUE(store->append_message(user_id, inbox_id, make_message(10)));
    } else {
      EXPECT_EQ(as_pair(store->claim_recent(user_id, inbox_id).value()), Claim(4, 5));
    }
  }
  ASSERT_EQ(sqlite3_open(dir.db().c_str(), &db), SQLITE_OK);
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), sqlite::schema_version());
  // The old messages got their search summary from their stored header.
  EXPECT_EQ(query_int(db,
                      "SELECT count(*) FROM message_contents WHERE summary = CAST('Subject: old' ||"
                      " char(13, 10, 13, 10) AS BLOB)"),
            3);
  sqlite3_close(db);
}

}  // namespace
}  // namespace eider::store
