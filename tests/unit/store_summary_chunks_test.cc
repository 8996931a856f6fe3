// Search summaries sealed into chunks of 1,024 UIDs (schema version 10):
// the chunk format, sealing at append and copy, reading across chunks and
// the UIDs above them, pruning at expunge and move, deletion with the
// mailbox, and the migrations.
#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <vector>

#include "store/codec.h"
#include "store/summary_chunks.h"
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
using testing::summaries_of;
using testing::TempDir;

std::string summary_of(uint32_t uid) {
  return "Subject: message " + std::to_string(uid) + "\r\n\r\n";
}

std::vector<uint32_t> uids_from_to(uint32_t first, uint32_t last) {
  std::vector<uint32_t> uids;
  for (uint32_t uid = first; uid <= last; ++uid) uids.push_back(uid);
  return uids;
}

SummaryVisitor collect(std::vector<UidSummary>& out) {
  return [&out](uint32_t uid, std::string_view summary) {
    out.push_back({uid, std::string(summary)});
  };
}

TEST(SummaryChunkFormat, DecodesWhatWasEncodedWithinTheAskedUids) {
  const std::vector<UidSummary> in = {{1025, summary_of(1025)}, {1030, ""}, {2048, "x"}};
  const std::string chunk = encode_summary_chunk(1025, in);
  std::vector<UidSummary> out;
  ASSERT_TRUE(decode_summary_chunk(chunk, 1025, 0, UINT32_MAX, collect(out)));
  ASSERT_EQ(out.size(), 3u);
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[i].uid, in[i].uid);
    EXPECT_EQ(out[i].summary, in[i].summary);
  }
  out.clear();
  ASSERT_TRUE(decode_summary_chunk(chunk, 1025, 1026, 2047, collect(out)));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].uid, 1030u);
}

TEST(SummaryChunkFormat, ADamagedChunkIsCorruptNeverReadPastItsEnd) {
  const std::string chunk = encode_summary_chunk(1, {{1, summary_of(1)}, {2, summary_of(2)}});
  for (size_t cut = 1; cut < chunk.size(); ++cut) {
    std::vector<UidSummary> out;
    Status status = decode_summary_chunk(chunk.substr(0, cut), 1, 0, UINT32_MAX, collect(out));
    // A cut between two entries reads as a shorter chunk.
    if (status)
      EXPECT_EQ(out.size(), 1u);
    else
      EXPECT_EQ(status.code(), Code::corrupt);
  }
  std::vector<UidSummary> out;
  // A gap of zero, and a UID beyond the chunk's range.
  EXPECT_EQ(decode_summary_chunk(std::string("\x00\x00", 2), 1, 0, UINT32_MAX, collect(out)).code(),
            Code::corrupt);
  EXPECT_EQ(
      decode_summary_chunk(encode_summary_chunk(1, {{1025, ""}}), 1, 0, UINT32_MAX, collect(out))
          .code(),
      Code::corrupt);
}

class StoreSummaryChunks : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_or_die(options_for(dir_));
    ASSERT_NE(store_, nullptr);
    bob_ = make_account(*store_, "bob");
  }

  void append(int64_t mailbox, uint32_t uid) {
    NewMessage message = make_message(10);
    message.search_summary = summary_of(uid);
    Result<Appended> appended = store_->append_message(bob_.user.id, mailbox, message);
    ASSERT_TRUE(appended);
    ASSERT_EQ(appended->uid, uid);
  }

  int64_t chunks() {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(dir_.db().c_str(), &db), SQLITE_OK);
    int64_t count = query_int(db, "SELECT count(*) FROM summary_chunks");
    sqlite3_close(db);
    return count;
  }

  // The UIDs a chunk itself holds, read from the file.
  std::vector<uint32_t> chunk_uids(int64_t mailbox, uint32_t last_uid) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(dir_.db().c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db,
                                 "SELECT data FROM summary_chunks WHERE mailbox_id = ?"
                                 " AND last_uid = ?",
                                 -1, &stmt, nullptr),
              SQLITE_OK);
    sqlite3_bind_int64(stmt, 1, mailbox);
    sqlite3_bind_int64(stmt, 2, last_uid);
    std::vector<uint32_t> uids;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      std::string packed(static_cast<const char*>(sqlite3_column_blob(stmt, 0)),
                         sqlite3_column_bytes(stmt, 0));
      Result<std::string> chunk = unpack(packed);
      EXPECT_TRUE(chunk);
      std::vector<UidSummary> out;
      EXPECT_TRUE(decode_summary_chunk(*chunk, last_uid - kSummaryChunkUids + 1, 0,
                                       UINT32_MAX, collect(out)));
      for (const UidSummary& one : out) uids.push_back(one.uid);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return uids;
  }

  // `listed` is every UID from first to last with its summary_of.
  void expect_listed(int64_t mailbox, uint32_t first, uint32_t last,
                     const std::vector<UidSummary>& listed) {
    ASSERT_EQ(listed.size(), last - first + 1);
    for (uint32_t uid = first; uid <= last; ++uid) {
      EXPECT_EQ(listed[uid - first].uid, uid);
      EXPECT_EQ(listed[uid - first].summary, summary_of(uid)) << "mailbox " << mailbox;
    }
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  Account bob_;
};

TEST_F(StoreSummaryChunks, AppendSealsEachFullRangeAndListingSpansChunksAndTheRest) {
  for (uint32_t uid = 1; uid <= 2100; ++uid) append(bob_.inbox.id, uid);
  EXPECT_EQ(chunks(), 2);
  for (auto [first, last] : {std::pair<uint32_t, uint32_t>{1, 2100},
                             {1000, 1100},
                             {1025, 2048},
                             {2040, 2100},
                             {2050, 2060},
                             {7, 7}}) {
    expect_listed(bob_.inbox.id, first, last,
                  summaries_of(*store_, bob_.user.id, bob_.inbox.id, first, last));
  }
  EXPECT_TRUE(summaries_of(*store_, bob_.user.id, bob_.inbox.id, 2101, UINT32_MAX).empty());
}

TEST_F(StoreSummaryChunks, CopySealsTheTargetsRangesAndDeletingTheMailboxDropsThem) {
  Result<Mailbox> other = store_->create_mailbox(bob_.user.id, "Other", "");
  ASSERT_TRUE(other);
  for (uint32_t uid = 1; uid <= 1500; ++uid) append(bob_.inbox.id, uid);
  ASSERT_TRUE(store_->copy_messages(bob_.user.id, bob_.inbox.id, uids_from_to(1, 1500), other->id));
  EXPECT_EQ(chunks(), 2);
  expect_listed(other->id, 1, 1500, summaries_of(*store_, bob_.user.id, other->id, 1, UINT32_MAX));
  ASSERT_TRUE(store_->delete_mailbox(bob_.user.id, "Other"));
  EXPECT_EQ(chunks(), 1);
}

TEST_F(StoreSummaryChunks, ExpungeRewritesTheChunksWithoutTheExpungedSummaries) {
  for (uint32_t uid = 1; uid <= 2100; ++uid) append(bob_.inbox.id, uid);
  // Across both chunks and the unsealed rest, in no particular order.
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, {2050, 1030, 5, 1, 1024}));
  std::vector<uint32_t> first = chunk_uids(bob_.inbox.id, 1024);
  ASSERT_EQ(first.size(), 1021u);
  EXPECT_EQ(first.front(), 2u);
  EXPECT_EQ(first.back(), 1023u);
  EXPECT_EQ(std::count(first.begin(), first.end(), 5u), 0);
  std::vector<uint32_t> second = chunk_uids(bob_.inbox.id, 2048);
  ASSERT_EQ(second.size(), 1023u);
  EXPECT_EQ(std::count(second.begin(), second.end(), 1030u), 0);
  std::vector<UidSummary> listed =
      summaries_of(*store_, bob_.user.id, bob_.inbox.id, 1, UINT32_MAX);
  EXPECT_EQ(listed.size(), 2100u - 5u);
  for (const UidSummary& one : listed) EXPECT_EQ(one.summary, summary_of(one.uid));
}

TEST_F(StoreSummaryChunks, ExpungingAWholeRangeDeletesItsChunkAndMovingPrunesTheSource) {
  Result<Mailbox> other = store_->create_mailbox(bob_.user.id, "Other", "");
  ASSERT_TRUE(other);
  for (uint32_t uid = 1; uid <= 2048; ++uid) append(bob_.inbox.id, uid);
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, uids_from_to(1, 1024)));
  EXPECT_EQ(chunks(), 1);
  EXPECT_TRUE(chunk_uids(bob_.inbox.id, 1024).empty());
  ASSERT_TRUE(store_->move_messages(bob_.user.id, bob_.inbox.id, {1025, 2000}, other->id));
  std::vector<uint32_t> left = chunk_uids(bob_.inbox.id, 2048);
  EXPECT_EQ(left.size(), 1022u);
  EXPECT_EQ(std::count(left.begin(), left.end(), 2000u), 0);
}

TEST_F(StoreSummaryChunks, MigrationElevenPrunesSummariesLeftByEarlierExpunges) {
  for (uint32_t uid = 1; uid <= 2048; ++uid) append(bob_.inbox.id, uid);
  // A version-10 file: the chunks as sealed, then messages deleted under
  // them without a rewrite.
  const std::vector<uint32_t> sealed_first = chunk_uids(bob_.inbox.id, 1024);
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.db().c_str(), &db), SQLITE_OK);
  exec(db, testing::kBackToVersion12);
  exec(db,
       "DELETE FROM messages WHERE uid IN (3, 1500) OR uid > 1024 AND uid <= 2048 AND uid != 1500;"
       "DROP TABLE lost_subscriptions; PRAGMA user_version = 10");
  sqlite3_close(db);
  EXPECT_EQ(sealed_first.size(), 1024u);
  store_ = open_or_die(options_for(dir_));
  ASSERT_NE(store_, nullptr);
  std::vector<uint32_t> first = chunk_uids(bob_.inbox.id, 1024);
  EXPECT_EQ(first.size(), 1023u);
  EXPECT_EQ(std::count(first.begin(), first.end(), 3u), 0);
  EXPECT_EQ(chunks(), 1);
}

TEST_F(StoreSummaryChunks, MigrationTenSealsTheChunksOfExistingMail) {
  for (uint32_t uid = 1; uid <= 1030; ++uid) append(bob_.inbox.id, uid);
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.db().c_str(), &db), SQLITE_OK);
  exec(db, testing::kBackToVersion12);
  exec(db, "DROP TABLE summary_chunks; DROP TABLE lost_subscriptions; PRAGMA user_version = 9");
  sqlite3_close(db);
  store_ = open_or_die(options_for(dir_));
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(chunks(), 1);
  expect_listed(bob_.inbox.id, 1, 1030,
                summaries_of(*store_, bob_.user.id, bob_.inbox.id, 1, UINT32_MAX));
}

}  // namespace
}  // namespace eider::store
