// run_search: the same answer whichever way a message is read (summary,
// header from the tree, whole message), ascending, and an expunged
// candidate never matches.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/limits.h"
#include "imap/search_run.h"
#include "imap_feed.h"
#include "mail/mail.h"
#include "store_test_util.h"

namespace eider::imap {
namespace {

using store::testing::Account;
using store::testing::make_account;
using store::testing::open_or_die;
using store::testing::options_for;
using store::testing::TempDir;

SearchProgram compile(std::string_view arguments) {
  Command command = parse_one("a SEARCH " + std::string(arguments));
  Result<SearchProgram> program =
      SearchProgram::compile(std::get<SearchRequest>(command.arguments), 100, 100);
  EXPECT_TRUE(program.is_ok()) << program.status().to_string();
  return std::move(program).value();
}

class SearchRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_or_die(options_for(dir_));
    ASSERT_NE(store_, nullptr);
    bob_ = make_account(*store_, "bob");
    // uid 1 and 3 have a stored summary, uid 2 has none (as when its
    // summary fields exceed the limit), so its tree is read instead.
    append("Subject: holiday plans\r\nX-Tag: red\r\n\r\nsee you at the beach\r\n", true);
    append("Subject: holiday photos\r\nX-Tag: blue\r\n\r\nattached\r\n", false);
    append("Subject: invoice\r\nX-Tag: red\r\n\r\nbeach house rent\r\n", true);
    for (uint32_t uid = 1; uid <= 3; ++uid) candidates_.push_back({uid, uid, false});
  }

  void append(const std::string& raw, bool with_summary) {
    Result<store::NewMessage> message = mail::ingest(raw, core::Limits{}, 1700000000);
    ASSERT_TRUE(message.is_ok());
    if (!with_summary) message->search_summary.clear();
    ASSERT_TRUE(store_->append_message(bob_.user.id, bob_.inbox.id, *message));
  }

  std::vector<uint32_t> run(std::string_view query, bool by_uid = true) {
    SearchProgram program = compile(query);
    Result<SearchHits> hits =
        run_search(*store_, bob_.user.id, bob_.inbox.id, program, candidates_, by_uid);
    EXPECT_TRUE(hits.is_ok()) << hits.status().to_string();
    return hits ? hits->numbers : std::vector<uint32_t>{};
  }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  Account bob_;
  std::vector<SearchCandidate> candidates_;
};

TEST_F(SearchRunTest, AMessageWithoutSummaryIsSearchedFromItsTreeAndHitsStayAscending) {
  EXPECT_EQ(run("SUBJECT holiday"), (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(run("OR SUBJECT photos SUBJECT invoice"), (std::vector<uint32_t>{2, 3}));
}

TEST_F(SearchRunTest, OtherHeaderFieldsAndBodiesAreReadFromTheMessage) {
  EXPECT_EQ(run("HEADER X-Tag red"), (std::vector<uint32_t>{1, 3}));
  EXPECT_EQ(run("BODY beach"), (std::vector<uint32_t>{1, 3}));
  EXPECT_EQ(run("SUBJECT holiday NOT BODY beach"), (std::vector<uint32_t>{2}));
}

TEST_F(SearchRunTest, MetadataKeysAndSequenceNumbers) {
  ASSERT_TRUE(
      store_->store_flags(bob_.user.id, bob_.inbox.id, {2}, store::FlagMode::add, {"\\Flagged"}));
  EXPECT_EQ(run("FLAGGED"), (std::vector<uint32_t>{2}));
  candidates_ = {{10, 1, false}, {11, 2, false}, {12, 3, false}};
  EXPECT_EQ(run("ALL", false), (std::vector<uint32_t>{10, 11, 12}));
}

TEST_F(SearchRunTest, AnExpungedCandidateNeverMatches) {
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, {1, 2}));
  EXPECT_EQ(run("ALL"), (std::vector<uint32_t>{3}));
  EXPECT_EQ(run("SUBJECT holiday"), (std::vector<uint32_t>{}));
  EXPECT_EQ(run("BODY beach"), (std::vector<uint32_t>{3}));
}

// Past 1,024 UIDs the summaries are read from sealed chunks, which keep
// an expunged message's summary: the listing still decides.
TEST_F(SearchRunTest, SealedSummariesAnswerLikeUnsealedOnesAndExpungedOnesStayOut) {
  // uid u is a copy of uid (u - 1) % 3 + 1; 3,072 messages fill three chunks.
  for (uint32_t count = 3; count < 3072; count *= 2) {
    std::vector<uint32_t> uids;
    for (uint32_t uid = 1; uid <= count; ++uid) uids.push_back(uid);
    ASSERT_TRUE(store_->copy_messages(bob_.user.id, bob_.inbox.id, uids, bob_.inbox.id));
  }
  append("Subject: holiday again\r\n\r\n", true);  // uid 3073, above the chunks
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, {4, 2050}));
  candidates_.clear();
  std::vector<uint32_t> expected;
  for (uint32_t uid = 1; uid <= 3073; ++uid) {
    candidates_.push_back({uid, uid, false});
    if ((uid % 3 != 0 || uid == 3073) && uid != 4 && uid != 2050) expected.push_back(uid);
  }
  EXPECT_EQ(run("SUBJECT holiday"), expected);
}

}  // namespace
}  // namespace eider::imap
