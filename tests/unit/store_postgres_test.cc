// The PostgreSQL store against a private server (support/postgres_server.h),
// one fresh database per test: each method's contract as the SQLite tests
// check it, plus what only a shared server has (two stores on one database,
// migrations under a lock, the server going away and coming back, blob uses
// counted per user and swept, summary chunk rows).
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <thread>

#include "store/codec.h"
#include "store/postgres/pool.h"
#include "store/postgres/rows.h"
#include "store/postgres/schema.h"
#include "store/summary_chunks.h"
#include "store_test_util.h"
#include "support/postgres_server.h"

namespace eider::store {
namespace {

using testing::Account;
using testing::make_account;
using testing::make_blob;
using testing::make_message;
using testing::PostgresServer;
using testing::shared_postgres_server;

constexpr int64_t kNow = 1'700'000'000;

std::vector<uint32_t> uids_of(const std::vector<MessageInfo>& infos) {
  std::vector<uint32_t> uids;
  for (const MessageInfo& info : infos) uids.push_back(info.uid);
  return uids;
}

Options options_for(const std::string& url, uint32_t connections = 3) {
  Options options;
  options.url = url;
  options.connections = connections;
  return options;
}

// Runs SQL on the test database beside the store.
int64_t query_int(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  PGresult* result = PQexec(conn, sql.c_str());
  EXPECT_EQ(PQresultStatus(result), PGRES_TUPLES_OK) << PQresultErrorMessage(result);
  int64_t value = PQntuples(result) > 0 ? std::atoll(PQgetvalue(result, 0, 0)) : -1;
  PQclear(result);
  PQfinish(conn);
  return value;
}

// The bytes of the first column of the first row (binary results).
std::string query_bytes(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  PGresult* result = PQexecParams(conn, sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 1);
  EXPECT_EQ(PQresultStatus(result), PGRES_TUPLES_OK) << PQresultErrorMessage(result);
  std::string value = PQntuples(result) > 0
                          ? std::string(PQgetvalue(result, 0, 0), PQgetlength(result, 0, 0))
                          : std::string();
  PQclear(result);
  PQfinish(conn);
  return value;
}

class StorePostgres : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = shared_postgres_server();
    if (server_ == nullptr) {
      ASSERT_FALSE(testing::postgres_required()) << "no test PostgreSQL under CI";
      GTEST_SKIP() << "no PostgreSQL server binaries";
    }
    Result<std::string> url = server_->create_database();
    ASSERT_TRUE(url) << url.status().to_string();
    url_ = *url;
    store_ = testing::open_or_die(options_for(url_));
    ASSERT_NE(store_, nullptr);
    bob_ = make_account(*store_, "bob");
  }

  Mailbox mailbox(const std::string& path) {
    return store_->find_mailbox(bob_.user.id, path).value();
  }

  PostgresServer* server_ = nullptr;
  std::string url_;
  std::unique_ptr<Store> store_;
  Account bob_;
};

TEST_F(StorePostgres, CreateUserMakesDefaultMailboxesAndAddresses) {
  std::vector<Mailbox> boxes = store_->list_mailboxes(bob_.user.id).value();
  std::vector<std::string> paths;
  for (const Mailbox& m : boxes) paths.push_back(m.path);
  EXPECT_EQ(paths,
            (std::vector<std::string>{"Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"}));
  EXPECT_EQ(mailbox("Sent").special_use, "\\Sent");
  EXPECT_EQ(store_->find_address("bob@example.org").value(), bob_.user.id);
  EXPECT_EQ(store_->find_user("BOB").value().id, bob_.user.id);
  EXPECT_EQ(store_->find_user_by_id(bob_.user.id).value().name, "bob");
  EXPECT_EQ(store_->create_user("Bob", "$6$x", {}, {}).status().code(), Code::already_exists);
  EXPECT_EQ(store_->create_user("carol", "$6$x", {"BOB@example.org"}, {}).status().code(),
            Code::already_exists);
  // All or nothing: carol's failed creation left no user behind.
  EXPECT_EQ(store_->find_user("carol").status().code(), Code::not_found);
  EXPECT_EQ(store_->list_users().value().size(), 1u);
}

TEST_F(StorePostgres, UsersPasswordsQuotaAndAddressesChange) {
  ASSERT_TRUE(store_->set_password_hash("bob", "$6$new"));
  ASSERT_TRUE(store_->set_quota("bob", Quota{.bytes = 100, .messages = 5}));
  User bob = store_->find_user("bob").value();
  EXPECT_EQ(bob.password_hash, "$6$new");
  EXPECT_EQ(bob.quota_bytes, 100u);
  EXPECT_EQ(bob.quota_messages, 5u);
  EXPECT_EQ(store_->set_quota("nobody", {}).code(), Code::not_found);
  ASSERT_TRUE(store_->add_address(bob_.user.id, "Robert@Example.ORG"));
  EXPECT_EQ(store_->list_addresses(bob_.user.id).value(),
            (std::vector<std::string>{"bob@example.org", "robert@example.org"}));
  EXPECT_EQ(store_->add_address(bob_.user.id, "robert@example.org").code(), Code::already_exists);
  ASSERT_TRUE(store_->remove_address("robert@example.org"));
  EXPECT_EQ(store_->remove_address("robert@example.org").code(), Code::not_found);
  ASSERT_TRUE(store_->delete_user("bob"));
  EXPECT_EQ(store_->find_user("bob").status().code(), Code::not_found);
  EXPECT_EQ(store_->find_address("bob@example.org").status().code(), Code::not_found);
}

TEST_F(StorePostgres, MailboxesCreateRenameDeleteAndSubscribe) {
  Mailbox a = store_->create_mailbox(bob_.user.id, "a", "").value();
  ASSERT_TRUE(store_->create_mailbox(bob_.user.id, "a/b", ""));
  EXPECT_EQ(store_->create_mailbox(bob_.user.id, "a", "").status().code(), Code::already_exists);
  EXPECT_EQ(store_->create_mailbox(bob_.user.id, "x", "\\Bogus").status().code(),
            Code::invalid_argument);
  std::vector<MailboxModseq> renamed = store_->rename_mailbox(bob_.user.id, "a", "c").value();
  ASSERT_EQ(renamed.size(), 2u);  // "a" and "a/b", each with its mailbox_renamed modseq
  EXPECT_EQ(renamed[0].mailbox_id, a.id);
  Mailbox c = mailbox("c");
  EXPECT_EQ(c.id, a.id);
  EXPECT_EQ(c.uidvalidity, a.uidvalidity);
  EXPECT_TRUE(store_->find_mailbox(bob_.user.id, "c/b"));
  EXPECT_EQ(store_->rename_mailbox(bob_.user.id, "c", "INBOX").status().code(),
            Code::invalid_argument);
  EXPECT_EQ(store_->rename_mailbox(bob_.user.id, "c", "Sent").status().code(),
            Code::already_exists);
  EXPECT_TRUE(store_->find_mailbox(bob_.user.id, "c/b"));  // the failed rename left all in place
  const uint64_t before = mailbox("c").highest_modseq;
  MailboxModseq deleted = store_->delete_mailbox(bob_.user.id, "c").value();
  EXPECT_EQ(deleted, (MailboxModseq{a.id, before + 1}));
  EXPECT_EQ(store_->find_mailbox(bob_.user.id, "c").status().code(), Code::not_found);
  EXPECT_EQ(store_->list_lost_subscriptions(bob_.user.id).value(), (std::vector<std::string>{"c"}));
  Mailbox again = store_->create_mailbox(bob_.user.id, "c", "").value();
  EXPECT_NE(again.id, a.id);
  EXPECT_GT(again.uidvalidity, a.uidvalidity);
  EXPECT_TRUE(store_->list_lost_subscriptions(bob_.user.id).value().empty());
  ASSERT_TRUE(store_->set_subscribed(bob_.user.id, "c", false));
  EXPECT_FALSE(mailbox("c").subscribed);
  ASSERT_TRUE(store_->set_subscribed(bob_.user.id, "future", true));
  EXPECT_EQ(store_->list_lost_subscriptions(bob_.user.id).value(),
            (std::vector<std::string>{"future"}));
  EXPECT_EQ(store_->set_subscribed(bob_.user.id, "never", false).code(), Code::not_found);
  EXPECT_EQ(store_->delete_mailbox(bob_.user.id, "inbox").status().code(), Code::invalid_argument);
  std::vector<JournalEntry> journal = store_->journal_since(bob_.user.id, a.id, 0).value();
  ASSERT_FALSE(journal.empty());
  EXPECT_EQ(journal.back().kind, JournalKind::mailbox_deleted);
}

TEST_F(StorePostgres, AppendThenReadReturnsWhatWasStored) {
  mime::Blob blob = make_blob("attachment", 5000);
  NewMessage message = make_message(6000, {blob}, {"\\seen", "$Work"}, "<id@x>");
  message.wire_size = 6100;
  message.search_summary = "summary bytes \x01\x02";
  Appended added = store_->append_message(bob_.user.id, bob_.inbox.id, message).value();
  EXPECT_EQ(added.uid, 1u);
  EXPECT_EQ(added.uidvalidity, bob_.inbox.uidvalidity);
  EXPECT_GT(added.modseq, bob_.inbox.highest_modseq);
  StoredMessage stored = store_->read_message(bob_.user.id, bob_.inbox.id, 1).value();
  EXPECT_EQ(stored.tree, message.split.tree);
  EXPECT_EQ(stored.envelope, message.envelope);
  EXPECT_EQ(stored.bodystructure, message.bodystructure);
  EXPECT_EQ(stored.info.flags, (std::vector<std::string>{"\\Seen", "$Work"}));
  EXPECT_EQ(stored.info.size, 6000u);
  EXPECT_EQ(stored.info.wire_size, 6100u);
  EXPECT_EQ(stored.info.internal_date, 1700000000);
  EXPECT_EQ(store_->read_blob(blob.key).value(), blob.content);
  EXPECT_EQ(store_->read_blob(testing::key_of("none")).status().code(), Code::not_found);
  EXPECT_EQ(store_->read_message(bob_.user.id, bob_.inbox.id, 2).status().code(), Code::not_found);
  std::vector<UidSummary> summaries =
      testing::summaries_of(*store_, bob_.user.id, bob_.inbox.id, 1, 10);
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_EQ(summaries[0].summary, message.search_summary);
  User bob = store_->find_user("bob").value();
  EXPECT_EQ(bob.storage_used, 6000u);
  EXPECT_EQ(bob.message_count, 1u);
  Mailbox inbox = mailbox("INBOX");
  EXPECT_EQ(inbox.uidnext, 2u);
  EXPECT_EQ(inbox.message_count, 1u);
  EXPECT_EQ(inbox.highest_modseq, added.modseq);
  // Another user cannot reach it.
  Account eve = make_account(*store_, "eve");
  EXPECT_EQ(store_->read_message(eve.user.id, bob_.inbox.id, 1).status().code(), Code::not_found);
  EXPECT_EQ(store_->append_message(eve.user.id, bob_.inbox.id, message).status().code(),
            Code::not_found);
}

TEST_F(StorePostgres, ListingsReadMessagesAndFlaggedOnes) {
  for (int i = 0; i < 5; ++i) {
    std::vector<std::string> flags;
    if (i % 2 == 0) flags.push_back("\\Deleted");
    ASSERT_TRUE(store_->append_message(bob_.user.id, bob_.inbox.id, make_message(10, {}, flags)));
  }
  EXPECT_EQ(uids_of(store_->list_messages(bob_.user.id, bob_.inbox.id).value()),
            (std::vector<uint32_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(uids_of(store_->list_messages_between(bob_.user.id, bob_.inbox.id, 2, 4).value()),
            (std::vector<uint32_t>{2, 3, 4}));
  EXPECT_EQ(uids_of(store_->list_flagged(bob_.user.id, bob_.inbox.id, "\\Deleted").value()),
            (std::vector<uint32_t>{1, 3, 5}));
  FlagListing listing = store_->list_flags(bob_.user.id, bob_.inbox.id).value();
  ASSERT_EQ(listing.messages.size(), 5u);
  EXPECT_EQ(listing.messages[0].flags, "\\Deleted");
  EXPECT_EQ(listing.mailbox.highest_modseq, mailbox("INBOX").highest_modseq);
  std::vector<StoredMessage> read =
      store_->read_messages(bob_.user.id, bob_.inbox.id, {4, 2, 99, 2}, false).value();
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0].info.uid, 2u);
  EXPECT_TRUE(read[0].tree.empty());
  EXPECT_FALSE(read[0].envelope.empty());
  EXPECT_EQ(store_->list_messages(bob_.user.id, 424242).status().code(), Code::not_found);
}

TEST_F(StorePostgres, FlagsChangeWithModseqsAndUnchangedSince) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store_->append_message(bob_.user.id, bob_.inbox.id, make_message(10)));
  }
  const uint64_t mark = mailbox("INBOX").highest_modseq;
  std::vector<MessageInfo> changed =
      store_->store_flags(bob_.user.id, bob_.inbox.id, {3, 1, 7}, FlagMode::add, {"\\SEEN"})
          .value();
  EXPECT_EQ(uids_of(changed), (std::vector<uint32_t>{1, 3}));
  EXPECT_EQ(changed[0].flags, (std::vector<std::string>{"\\Seen"}));
  EXPECT_EQ(changed[0].modseq, mark + 1);
  EXPECT_EQ(changed[1].modseq, mark + 2);
  EXPECT_TRUE(
      store_->store_flags(bob_.user.id, bob_.inbox.id, {1}, FlagMode::add, {"\\Seen"})->empty());
  EXPECT_EQ(
      store_->store_flags(bob_.user.id, bob_.inbox.id, {1}, FlagMode::add, {"a b"}).status().code(),
      Code::invalid_argument);
  ConditionalFlags done = store_
                              ->store_flags_unchanged_since(bob_.user.id, bob_.inbox.id, {1, 2, 3},
                                                            FlagMode::replace, {"$X"}, mark)
                              .value();
  EXPECT_EQ(uids_of(done.changed), (std::vector<uint32_t>{2}));
  EXPECT_EQ(done.modified, (std::vector<uint32_t>{1, 3}));
  EXPECT_EQ(uids_of(store_->list_changed_since(bob_.user.id, bob_.inbox.id, mark).value()),
            (std::vector<uint32_t>{1, 2, 3}));
  std::vector<JournalEntry> journal =
      store_->journal_since(bob_.user.id, bob_.inbox.id, mark).value();
  ASSERT_EQ(journal.size(), 3u);
  EXPECT_EQ(journal[0].kind, JournalKind::flags);
  EXPECT_EQ(journal[0].data, "\\Seen");
  EXPECT_EQ(journal[2].data, "$X");
}

TEST_F(StorePostgres, CopyMoveAndExpungeKeepCountsQuotaAndJournal) {
  mime::Blob blob = make_blob("shared", 4000);
  ASSERT_TRUE(store_->append_message(bob_.user.id, bob_.inbox.id, make_message(100, {blob})));
  ASSERT_TRUE(store_->append_message(bob_.user.id, bob_.inbox.id, make_message(200)));
  Mailbox archive = mailbox("Archive");
  Copied copy = store_->copy_messages(bob_.user.id, bob_.inbox.id, {2, 1, 9}, archive.id).value();
  EXPECT_EQ(copy.changed,
            (std::vector<MailboxModseq>{{archive.id, mailbox("Archive").highest_modseq}}));
  std::vector<UidPair>& copied = copy.uids;
  ASSERT_EQ(copied.size(), 2u);
  EXPECT_EQ(copied[0].from, 1u);
  EXPECT_EQ(copied[0].to, 1u);
  EXPECT_EQ(store_->find_user("bob")->storage_used, 600u);
  Stats stats = store_->stats().value();
  EXPECT_EQ(stats.blob_count, 1u);
  EXPECT_EQ(stats.blob_refs, 2u);
  const uint64_t mark = mailbox("INBOX").highest_modseq;
  Copied move = store_->move_messages(bob_.user.id, bob_.inbox.id, {1}, archive.id).value();
  EXPECT_EQ(move.changed,
            (std::vector<MailboxModseq>{{archive.id, mailbox("Archive").highest_modseq},
                                        {bob_.inbox.id, mailbox("INBOX").highest_modseq}}));
  std::vector<UidPair>& moved = move.uids;
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].to, 3u);
  EXPECT_EQ(store_->expunged_since(bob_.user.id, bob_.inbox.id, mark).value(),
            (std::vector<uint32_t>{1}));
  EXPECT_EQ(store_->find_user("bob")->storage_used, 600u);
  EXPECT_EQ(mailbox("INBOX").message_count, 1u);
  EXPECT_EQ(mailbox("Archive").message_count, 3u);
  // Moved into its own mailbox: a new uid, the old one expunged.
  Copied refile = store_->move_messages(bob_.user.id, archive.id, {3}, archive.id).value();
  EXPECT_EQ(refile.changed.size(), 1u);
  std::vector<UidPair>& refiled = refile.uids;
  ASSERT_EQ(refiled.size(), 1u);
  EXPECT_EQ(refiled[0].to, 4u);
  EXPECT_EQ(uids_of(store_->list_messages(bob_.user.id, archive.id).value()),
            (std::vector<uint32_t>{1, 2, 4}));
  Expunged expunged = store_->expunge_messages(bob_.user.id, archive.id, {1, 4, 4, 77}).value();
  EXPECT_EQ(expunged.uids, (std::vector<uint32_t>{1, 4}));
  EXPECT_EQ(expunged.changed,
            (std::vector<MailboxModseq>{{archive.id, mailbox("Archive").highest_modseq}}));
  EXPECT_TRUE(store_->expunge_messages(bob_.user.id, archive.id, {1})->changed.empty());
  stats = store_->stats().value();
  EXPECT_EQ(stats.blob_count, 0u);  // the last use went: swept after the commit
  EXPECT_EQ(stats.blob_refs, 0u);
  EXPECT_EQ(store_->find_user("bob")->storage_used, 400u);
  EXPECT_EQ(store_->find_user("bob")->message_count, 2u);
}

TEST_F(StorePostgres, QuotaRefusesAppendAndCopyLeavingNothing) {
  ASSERT_TRUE(store_->set_quota("bob", Quota{.bytes = 250, .messages = 3}));
  ASSERT_TRUE(store_->append_message(bob_.user.id, bob_.inbox.id, make_message(200)));
  EXPECT_EQ(store_->append_message(bob_.user.id, bob_.inbox.id, make_message(100)).status().code(),
            Code::over_quota);
  EXPECT_EQ(
      store_->copy_messages(bob_.user.id, bob_.inbox.id, {1}, mailbox("Trash").id).status().code(),
      Code::over_quota);
  EXPECT_EQ(mailbox("INBOX").uidnext, 2u);
  EXPECT_EQ(store_->stats()->message_count, 1u);
  // A move never fails for quota.
  EXPECT_TRUE(store_->move_messages(bob_.user.id, bob_.inbox.id, {1}, mailbox("Trash").id));
}

TEST_F(StorePostgres, RenamingInboxMovesItsMessages) {
  ASSERT_TRUE(store_->append_message(bob_.user.id, bob_.inbox.id, make_message(10)));
  std::vector<MailboxModseq> changed = store_->rename_mailbox(bob_.user.id, "INBOX", "Old").value();
  ASSERT_EQ(changed.size(), 2u);
  EXPECT_EQ(changed[0], (MailboxModseq{bob_.inbox.id, mailbox("INBOX").highest_modseq}));
  EXPECT_EQ(changed[1], (MailboxModseq{mailbox("Old").id, mailbox("Old").highest_modseq}));
  EXPECT_EQ(mailbox("INBOX").message_count, 0u);
  EXPECT_EQ(mailbox("Old").message_count, 1u);
  EXPECT_EQ(store_->find_user("bob")->message_count, 1u);
}

TEST_F(StorePostgres, DeletingAMailboxFreesMessagesBlobsAndQuota) {
  Mailbox box = store_->create_mailbox(bob_.user.id, "box", "").value();
  ASSERT_TRUE(
      store_->append_message(bob_.user.id, box.id, make_message(100, {make_blob("a", 3000)})));
  ASSERT_TRUE(store_->save_snapshot(bob_.user.id, box.id, {5, "state"}));
  ASSERT_TRUE(store_->delete_mailbox(bob_.user.id, "box"));
  Stats stats = store_->stats().value();
  EXPECT_EQ(stats.message_count, 0u);
  EXPECT_EQ(stats.blob_count, 0u);
  EXPECT_EQ(store_->find_user("bob")->storage_used, 0u);
  EXPECT_FALSE(store_->load_snapshot(bob_.user.id, box.id).value().has_value());
}

TEST_F(StorePostgres, SummariesOfFullRangesAreSealedIntoChunkRowsAndLeaveWithTheirMessages) {
  for (int i = 1; i <= 1030; ++i) {
    NewMessage message = make_message(10);
    message.search_summary = "Subject: message " + std::to_string(i) + "\r\n\r\n";
    ASSERT_TRUE(store_->append_message(bob_.user.id, bob_.inbox.id, message));
  }
  const std::string chunks = "SELECT count(*) FROM summary_chunks";
  EXPECT_EQ(query_int(url_, chunks), 1);
  Mailbox other = store_->create_mailbox(bob_.user.id, "Other", "").value();
  std::vector<uint32_t> all;
  for (uint32_t uid = 1; uid <= 1030; ++uid) all.push_back(uid);
  ASSERT_TRUE(store_->copy_messages(bob_.user.id, bob_.inbox.id, all, other.id));
  EXPECT_EQ(query_int(url_, chunks), 2);
  // An expunge rewrites the chunk without the expunged summaries.
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, other.id, {3, 4, 5}));
  Result<std::string> chunk = unpack(query_bytes(
      url_, "SELECT data FROM summary_chunks WHERE mailbox_id = " + std::to_string(other.id)));
  ASSERT_TRUE(chunk);
  std::vector<uint32_t> held;
  ASSERT_TRUE(decode_summary_chunk(*chunk, 1, 1, kSummaryChunkUids,
                                   [&](uint32_t uid, std::string_view) { held.push_back(uid); }));
  ASSERT_EQ(held.size(), 1021u);
  EXPECT_EQ(held[1], 2u);
  EXPECT_EQ(held[2], 6u);
  // A range expunged whole leaves its chunk, empty: still covered.
  all.resize(1024);
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, all));
  EXPECT_EQ(query_int(url_, chunks), 2);
  EXPECT_EQ(unpack(query_bytes(url_, "SELECT data FROM summary_chunks WHERE mailbox_id = " +
                                         std::to_string(bob_.inbox.id)))
                .value(),
            "");
  ASSERT_TRUE(store_->delete_mailbox(bob_.user.id, "Other"));
  EXPECT_EQ(query_int(url_, chunks), 1);
}

// Connection::query_and_commit, on which a delivery's one round trip rests.
TEST_F(StorePostgres, AStatementSentWithItsCommitIsCommittedAndAFailedOneLeavesNothing) {
  using postgres::Connection;
  using postgres::Params;
  using postgres::Pool;
  using postgres::Rows;
  Pool pool(url_, 1);
  const std::string insert = "INSERT INTO lost_subscriptions (user_id, path) VALUES ($1, $2)";
  const std::string count = "SELECT count(*) FROM lost_subscriptions";
  Result<postgres::Done> committed = pool.transact<postgres::Done>(
      Pool::Kind::write, [&](Connection& db) -> Result<postgres::Done> {
        EIDER_RETURN_IF_ERROR(db.run(insert, Params(bob_.user.id, "a")));
        Result<Rows> rows = db.query_and_commit(insert, Params(bob_.user.id, "b"));
        if (!rows) return rows.status();
        return postgres::Done{};
      });
  ASSERT_TRUE(committed) << committed.status().to_string();
  EXPECT_EQ(query_int(url_, count), 2);
  // The last statement fails: COMMIT never runs, the first insert goes too.
  Result<postgres::Done> failed = pool.transact<postgres::Done>(
      Pool::Kind::write, [&](Connection& db) -> Result<postgres::Done> {
        EIDER_RETURN_IF_ERROR(db.run(insert, Params(bob_.user.id, "c")));
        Result<Rows> rows = db.query_and_commit(insert, Params(bob_.user.id, "a"));
        if (!rows) return rows.status();
        return postgres::Done{};
      });
  EXPECT_EQ(failed.status().code(), Code::already_exists);
  EXPECT_EQ(query_int(url_, count), 2);
  // The pool's one connection was rolled back and serves the next call, a
  // statement without a transaction.
  Result<int64_t> seen =
      pool.transact<int64_t>(Pool::Kind::statement, [&](Connection& db) -> Result<int64_t> {
        Result<Rows> rows = db.query(count);
        if (!rows) return rows.status();
        return rows->int64(0, 0);
      });
  ASSERT_TRUE(seen) << seen.status().to_string();
  EXPECT_EQ(*seen, 2);
}

TEST_F(StorePostgres, RecentIsClaimedOnceAndSnapshotsKeepTheNewest) {
  ASSERT_TRUE(store_->append_message(bob_.user.id, bob_.inbox.id, make_message(10)));
  ASSERT_TRUE(store_->append_message(bob_.user.id, bob_.inbox.id, make_message(10)));
  RecentClaim first = store_->claim_recent(bob_.user.id, bob_.inbox.id).value();
  EXPECT_EQ(first.first, 1u);
  EXPECT_EQ(first.next, 3u);
  RecentClaim second = store_->claim_recent(bob_.user.id, bob_.inbox.id).value();
  EXPECT_EQ(second.first, second.next);
  EXPECT_EQ(store_->claim_recent(bob_.user.id, 999999).status().code(), Code::not_found);
  EXPECT_FALSE(store_->load_snapshot(bob_.user.id, bob_.inbox.id).value().has_value());
  ASSERT_TRUE(store_->save_snapshot(bob_.user.id, bob_.inbox.id, {7, "seven"}));
  ASSERT_TRUE(store_->save_snapshot(bob_.user.id, bob_.inbox.id, {5, "five"}));
  EXPECT_EQ(store_->load_snapshot(bob_.user.id, bob_.inbox.id).value()->data, "seven");
  EXPECT_EQ(store_->save_snapshot(bob_.user.id, 999999, {1, "x"}).code(), Code::not_found);
}

TEST_F(StorePostgres, TrimmingRemovesOldRowsAndRaisesTheFloor) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store_->append_message(bob_.user.id, bob_.inbox.id, make_message(10)));
  }
  const uint64_t top = mailbox("INBOX").highest_modseq;
  const int64_t now = std::time(nullptr);
  // Nothing is a day old yet.
  EXPECT_EQ(store_->trim_journal(now, 86400).value(), 0u);
  EXPECT_EQ(mailbox("INBOX").journal_floor, 0u);
  const uint64_t rows = store_->stats()->journal_rows;
  EXPECT_EQ(store_->trim_journal(now + 86401, 86400).value(), rows);
  EXPECT_EQ(mailbox("INBOX").journal_floor, top);
  EXPECT_EQ(store_->journal_since(bob_.user.id, bob_.inbox.id, top - 1).status().code(),
            Code::out_of_range);
  EXPECT_EQ(store_->expunged_since(bob_.user.id, bob_.inbox.id, 0).status().code(),
            Code::out_of_range);
  EXPECT_TRUE(store_->journal_since(bob_.user.id, bob_.inbox.id, top).value().empty());
  (void)kNow;
}

TEST_F(StorePostgres, OnlyOneNodeTrimsAtATime) {
  ASSERT_TRUE(store_->append_message(bob_.user.id, bob_.inbox.id, make_message(10)));
  const int64_t later = std::time(nullptr) + 100;
  // Another node in the middle of a trim holds the lock.
  PGconn* other = PQconnectdb(url_.c_str());
  PQclear(PQexec(other, "BEGIN; SELECT pg_advisory_xact_lock(1162429522, 2)"));
  EXPECT_EQ(store_->trim_journal(later, 10).value(), 0u);
  EXPECT_EQ(mailbox("INBOX").journal_floor, 0u);
  PQclear(PQexec(other, "COMMIT"));
  PQfinish(other);
  EXPECT_GT(store_->trim_journal(later, 10).value(), 0u);
  EXPECT_EQ(mailbox("INBOX").journal_floor, mailbox("INBOX").highest_modseq);
}

TEST_F(StorePostgres, TwoStoresOnOneDatabaseSeeEachOthersWrites) {
  std::unique_ptr<Store> other = testing::open_or_die(options_for(url_));
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(other->append_message(bob_.user.id, bob_.inbox.id, make_message(10)));
  EXPECT_EQ(store_->list_messages(bob_.user.id, bob_.inbox.id)->size(), 1u);
  // UIDs are allocated in the transaction: concurrent appends from both
  // stores never share one.
  std::vector<std::thread> threads;
  for (Store* s : {store_.get(), other.get()}) {
    threads.emplace_back([s, this] {
      for (int i = 0; i < 20; ++i) {
        EXPECT_TRUE(s->append_message(bob_.user.id, bob_.inbox.id, make_message(10)));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::vector<MessageInfo> all = store_->list_messages(bob_.user.id, bob_.inbox.id).value();
  ASSERT_EQ(all.size(), 41u);
  EXPECT_EQ(all.back().uid, 41u);
  EXPECT_EQ(store_->find_user("bob")->message_count, 41u);
  EXPECT_EQ(mailbox("INBOX").highest_modseq, all.back().modseq);
}

TEST_F(StorePostgres, NodesStartingAtOnceMigrateOnce) {
  Result<std::string> url = server_->create_database();
  ASSERT_TRUE(url);
  std::vector<std::thread> threads;
  std::atomic<int> opened = 0;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      Result<std::unique_ptr<Store>> store = open(options_for(*url, 1));
      EXPECT_TRUE(store) << store.status().to_string();
      if (store) ++opened;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(opened, 4);
  // Each migration applied once.
  EXPECT_EQ(query_int(*url, "SELECT count(*) FROM schema_migrations"), postgres::schema_version());
  // A database from a newer eider is refused.
  PGconn* conn = PQconnectdb(url->c_str());
  PQclear(PQexec(conn, "INSERT INTO schema_migrations (version) VALUES (999)"));
  PQfinish(conn);
  EXPECT_EQ(open(options_for(*url)).status().code(), Code::unsupported);
}

TEST_F(StorePostgres, ConcurrentDeliveriesOfOneAttachmentShareOneBlob) {
  constexpr int kUsers = 8;
  std::vector<Account> users;
  for (int i = 0; i < kUsers; ++i) users.push_back(make_account(*store_, "u" + std::to_string(i)));
  mime::Blob blob = make_blob("newsletter", 20000, true);
  std::vector<std::thread> threads;
  for (const Account& a : users) {
    threads.emplace_back([&, a] {
      for (int i = 0; i < 5; ++i) {
        EXPECT_TRUE(store_->append_message(a.user.id, a.inbox.id, make_message(21000, {blob})));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  Stats stats = store_->stats().value();
  EXPECT_EQ(stats.blob_count, 1u);
  EXPECT_EQ(stats.blob_refs, kUsers * 5u);
  EXPECT_EQ(query_int(url_, "SELECT count(*) FROM user_blobs"), kUsers);
  // Each user's uses are theirs: the blob stays while anyone holds it.
  for (const Account& a : users) {
    ASSERT_TRUE(store_->delete_user(a.user.name));
    EXPECT_EQ(store_->read_blob(blob.key).status().is_ok(), &a != &users.back());
  }
  EXPECT_EQ(store_->stats()->blob_count, 0u);
}

TEST_F(StorePostgres, AReleaseLeftUnsweptIsSweptAtTheNextOpen) {
  ASSERT_TRUE(store_->append_message(bob_.user.id, bob_.inbox.id,
                                     make_message(10, {make_blob("orphan", 100)})));
  // As if a node stopped between the commit and its sweep.
  PGconn* conn = PQconnectdb(url_.c_str());
  PQclear(PQexec(conn,
                 "BEGIN; DELETE FROM message_blobs; DELETE FROM user_blobs;"
                 " INSERT INTO blob_releases SELECT 1, key FROM blobs; COMMIT"));
  PQfinish(conn);
  EXPECT_EQ(store_->stats()->blob_count, 1u);
  store_ = testing::open_or_die(options_for(url_));
  EXPECT_EQ(store_->stats()->blob_count, 0u);
  EXPECT_EQ(query_int(url_, "SELECT count(*) FROM blob_releases"), 0);
}

TEST(StorePostgresServer, AStoppedServerIsUnavailableAndTheStoreRecovers) {
  Result<std::unique_ptr<PostgresServer>> server = PostgresServer::start();
  if (!server) {
    ASSERT_FALSE(testing::postgres_required()) << server.status().to_string();
    GTEST_SKIP() << server.status().to_string();
  }
  Result<std::string> url = (*server)->create_database();
  ASSERT_TRUE(url);
  std::unique_ptr<Store> store = testing::open_or_die(options_for(*url, 2));
  ASSERT_NE(store, nullptr);
  Account bob = make_account(*store, "bob");
  ASSERT_TRUE((*server)->stop());
  Result<Appended> lost = store->append_message(bob.user.id, bob.inbox.id, make_message(10));
  EXPECT_EQ(lost.status().code(), Code::unavailable);
  EXPECT_EQ(store->find_user("bob").status().code(), Code::unavailable);
  ASSERT_TRUE((*server)->restart());
  EXPECT_TRUE(store->append_message(bob.user.id, bob.inbox.id, make_message(10)));
  EXPECT_EQ(store->list_messages(bob.user.id, bob.inbox.id)->size(), 1u);
  EXPECT_EQ(open(options_for("postgresql://eider@127.0.0.1:1/none")).status().code(),
            Code::unavailable);
}

}  // namespace
}  // namespace eider::store
