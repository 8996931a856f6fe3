// SelectCache: the state SELECT announces, built from the store and kept up
// to date from the journal, always equal to a fresh build.
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "imap/select_cache.h"
#include "store/flags.h"
#include "store_test_util.h"
#include "support/faulty_store.h"

namespace eider::imap {
namespace {

using store::testing::Account;
using store::testing::make_account;
using store::testing::make_message;
using store::testing::open_or_die;
using store::testing::options_for;
using store::testing::TempDir;

class SelectCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::shared_ptr<store::Store> inner = open_or_die(options_for(dir_));
    ASSERT_NE(inner, nullptr);
    store_ = std::make_shared<store::testing::FaultyStore>(inner);
    bob_ = make_account(*store_, "bob");
  }

  void append(std::vector<std::string> flags = {}) {
    ASSERT_TRUE(store_->append_message(bob_.user.id, bob_.inbox.id,
                                       make_message(100, {}, std::move(flags))));
  }

  void set_flags(std::vector<uint32_t> uids, store::FlagMode mode, std::vector<std::string> flags) {
    ASSERT_TRUE(store_->store_flags(bob_.user.id, bob_.inbox.id, uids, mode, flags));
  }

  store::Mailbox inbox() { return *store_->find_mailbox(bob_.user.id, "INBOX"); }

  // One random append, expunge or flag change (of UIDs that may not exist).
  void random_change(std::mt19937& rng) {
    const std::vector<std::string> flag_pool = {"\\Seen", "\\Flagged", "$A", "$B"};
    const uint32_t top = inbox().uidnext;
    switch (rng() % 4) {
      case 0:
        append(rng() % 2 ? std::vector<std::string>{"\\Seen"} : std::vector<std::string>{});
        break;
      case 1:
        ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id,
                                             {static_cast<uint32_t>(rng() % top)}));
        break;
      default: {
        std::vector<uint32_t> uids;
        for (int n = 0; n < 3; ++n) uids.push_back(static_cast<uint32_t>(rng() % top));
        const auto mode = static_cast<store::FlagMode>(rng() % 3);
        set_flags(uids, mode, {flag_pool[rng() % flag_pool.size()]});
        break;
      }
    }
  }

  SelectState load(SelectCache& cache) {
    Result<SelectState> state = cache.load(*store_, bob_.user.id, inbox());
    EXPECT_TRUE(state.is_ok()) << state.status().to_string();
    return state ? std::move(*state) : SelectState{};
  }

  // The state computed straight from a listing of the store.
  SelectState fresh() {
    store::FlagListing listing = store_->list_flags(bob_.user.id, bob_.inbox.id).value();
    SelectState state;
    state.modseq = listing.mailbox.highest_modseq;
    for (const store::UidFlags& message : listing.messages) {
      state.uids.append(message.uid);
      const std::vector<std::string> flags = store::split_flags(message.flags);
      const bool seen = std::find(flags.begin(), flags.end(), "\\Seen") != flags.end();
      if (!seen && state.first_unseen_uid == 0) state.first_unseen_uid = message.uid;
      if (!seen) ++state.unseen;
    }
    return state;
  }

  // SelectCache::flags as (uid, flags) pairs of the UIDs still there.
  std::vector<store::UidFlags> flags_of(SelectCache& cache, const std::vector<uint32_t>& uids) {
    Result<SelectCache::FlagsOf> flags =
        cache.flags(*store_, bob_.user.id, bob_.inbox.id, bob_.inbox.uidvalidity, uids);
    EXPECT_TRUE(flags.is_ok()) << flags.status().to_string();
    std::vector<store::UidFlags> pairs;
    if (!flags) return pairs;
    EXPECT_EQ(flags->list_of.size(), uids.size());
    for (std::size_t i = 0; i < uids.size(); ++i) {
      const uint32_t list = flags->list_of[i];
      if (list != SelectCache::FlagsOf::kGone) pairs.push_back({uids[i], flags->lists.at(list)});
    }
    return pairs;
  }

  // Every message's flags, as the store lists them.
  std::vector<store::UidFlags> stored_flags() {
    return store_->list_flags(bob_.user.id, bob_.inbox.id).value().messages;
  }

  static std::vector<uint32_t> every_uid_up_to(uint32_t last) {
    std::vector<uint32_t> uids;
    for (uint32_t uid = 1; uid <= last; ++uid) uids.push_back(uid);
    return uids;
  }

  static void expect_same(const std::vector<store::UidFlags>& got,
                          const std::vector<store::UidFlags>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].uid, want[i].uid);
      EXPECT_EQ(got[i].flags, want[i].flags) << "uid " << got[i].uid;
    }
  }

  static void expect_same(const SelectState& got, const SelectState& want) {
    EXPECT_EQ(got.uids.uids(), want.uids.uids());
    EXPECT_EQ(got.first_unseen_uid, want.first_unseen_uid);
    EXPECT_EQ(got.unseen, want.unseen);
    EXPECT_EQ(got.modseq, want.modseq);
  }

  TempDir dir_;
  std::shared_ptr<store::testing::FaultyStore> store_;
  Account bob_;
};

TEST_F(SelectCacheTest, BuildsUidsFirstUnseenAndKeywordsFromTheStore) {
  append({"\\Seen"});
  append({});
  append({"$Work", "\\Seen"});
  SelectCache cache;
  SelectState state = load(cache);
  EXPECT_EQ(state.uids.uids(), (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_EQ(state.first_unseen_uid, 2u);
  EXPECT_EQ(state.unseen, 1u);
  EXPECT_EQ(state.keywords, (std::vector<std::string>{"$Work"}));
  EXPECT_EQ(state.modseq, inbox().highest_modseq);
}

TEST_F(SelectCacheTest, AnUnchangedMailboxIsAnsweredWithoutReadingTheStore) {
  append();
  SelectCache cache;
  load(cache);
  store_->fail(store::testing::StoreCall::list_flags,
               error(Code::io_error, "list_flags must not be called"));
  store_->fail(store::testing::StoreCall::journal_since,
               error(Code::io_error, "journal must not be read"));
  SelectState state = load(cache);
  EXPECT_EQ(state.uids.size(), 1u);
  store_->clear();
}

TEST_F(SelectCacheTest, ChangesAreReadFromTheJournalNotFromAListing) {
  append({"\\Seen"});
  append({"\\Seen"});
  append({"\\Seen"});
  SelectCache cache;
  load(cache);
  append({"$New"});                                     // uid 4, unseen
  set_flags({2}, store::FlagMode::remove, {"\\Seen"});  // unseen again
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, {1}));
  store_->fail(store::testing::StoreCall::list_flags,
               error(Code::io_error, "list_flags must not be called"));
  SelectState state = load(cache);
  store_->clear();
  EXPECT_EQ(state.uids.uids(), (std::vector<uint32_t>{2, 3, 4}));
  EXPECT_EQ(state.first_unseen_uid, 2u);
  EXPECT_EQ(state.keywords, (std::vector<std::string>{"$New"}));
  expect_same(state, fresh());
}

TEST_F(SelectCacheTest, AKeywordStaysListedAfterItsLastMessageDropsIt) {
  append({"$Old"});
  SelectCache cache;
  load(cache);
  set_flags({1}, store::FlagMode::remove, {"$Old"});
  EXPECT_EQ(load(cache).keywords, (std::vector<std::string>{"$Old"}));
}

TEST_F(SelectCacheTest, ADeletedMailboxIsNotFound) {
  Result<store::Mailbox> box = store_->create_mailbox(bob_.user.id, "Gone", "");
  ASSERT_TRUE(box);
  ASSERT_TRUE(store_->append_message(bob_.user.id, box->id, make_message(100)));
  SelectCache cache;
  ASSERT_TRUE(cache.load(*store_, bob_.user.id, *box));
  ASSERT_TRUE(store_->delete_mailbox(bob_.user.id, "Gone"));
  store::Mailbox stale = *box;
  stale.highest_modseq += 100;  // as if read just before the delete, after a change
  Result<SelectState> state = cache.load(*store_, bob_.user.id, stale);
  ASSERT_FALSE(state);
  EXPECT_EQ(state.status().code(), Code::not_found);
  EXPECT_EQ(cache.entries(), 0u);
}

TEST_F(SelectCacheTest, TheByteBudgetDropsTheLeastRecentlyUsedMailboxes) {
  SelectCache cache(1024);  // a few empty mailboxes' worth
  std::vector<store::Mailbox> boxes;
  for (int i = 0; i < 10; ++i) {
    Result<store::Mailbox> box =
        store_->create_mailbox(bob_.user.id, "Box" + std::to_string(i), "");
    ASSERT_TRUE(box);
    boxes.push_back(*box);
    ASSERT_TRUE(cache.load(*store_, bob_.user.id, *box));
  }
  EXPECT_GE(cache.entries(), 1u);
  EXPECT_LT(cache.entries(), 10u);
  // The most recent one is still there: loading it reads nothing.
  store_->fail(store::testing::StoreCall::list_flags,
               error(Code::io_error, "list_flags must not be called"));
  EXPECT_TRUE(cache.load(*store_, bob_.user.id, boxes.back()));
  // The first one was dropped: loading it reads the store again.
  store_->fail(store::testing::StoreCall::load_snapshot, error(Code::io_error, "read again"));
  EXPECT_FALSE(cache.load(*store_, bob_.user.id, boxes.front()));
  store_->clear();
}

TEST_F(SelectCacheTest, AnotherProcessStartsFromTheSavedSnapshotWithoutAListing) {
  append({"\\Seen"});
  append({"$Work"});
  {
    SelectCache first_process;
    load(first_process);  // lists the mailbox and saves the state
  }
  append({});
  set_flags({2}, store::FlagMode::add, {"\\Seen"});
  store_->fail(store::testing::StoreCall::list_flags,
               error(Code::io_error, "list_flags must not be called"));
  SelectCache second_process;
  SelectState state = load(second_process);
  store_->clear();
  EXPECT_EQ(state.keywords, (std::vector<std::string>{"$Work"}));
  expect_same(state, fresh());
}

TEST_F(SelectCacheTest, AnEntryOlderThanTheTrimmedJournalIsListedAgain) {
  append({"\\Seen"});
  append({});
  append({});
  SelectCache cache;
  load(cache);
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, {2}));
  set_flags({3}, store::FlagMode::add, {"\\Seen"});
  // Every row goes, the expunge of 2 with it: only a listing knows.
  ASSERT_TRUE(store_->trim_journal(std::time(nullptr) + 1, 0));
  SelectState state = load(cache);
  EXPECT_EQ(state.uids.uids(), (std::vector<uint32_t>{1, 3}));
  expect_same(state, fresh());
  // The saved snapshot is older than the floor too: another process lists.
  SelectCache other_process;
  expect_same(load(other_process), fresh());
}

TEST_F(SelectCacheTest, SaveAllStoresStatesAheadOfTheirSnapshot) {
  append({});
  SelectCache cache;
  load(cache);  // listed and saved
  set_flags({1}, store::FlagMode::add, {"\\Seen"});
  load(cache);  // one row replayed: too few to save at once
  EXPECT_LT(store_->load_snapshot(bob_.user.id, bob_.inbox.id).value()->modseq,
            inbox().highest_modseq);
  cache.save_all(*store_);
  EXPECT_EQ(store_->load_snapshot(bob_.user.id, bob_.inbox.id).value()->modseq,
            inbox().highest_modseq);
  SelectCache next_process;
  expect_same(load(next_process), fresh());
}

TEST_F(SelectCacheTest, ManySmallCatchUpsAreSavedOnceTheyAddUp) {
  append({});
  SelectCache cache;
  load(cache);
  const uint64_t first_save = store_->load_snapshot(bob_.user.id, bob_.inbox.id).value()->modseq;
  // 1,100 changes, each read by its own catch-up.
  for (int i = 0; i < 1100; ++i) {
    set_flags({1}, i % 2 ? store::FlagMode::remove : store::FlagMode::add, {"\\Seen"});
    load(cache);
  }
  EXPECT_GT(store_->load_snapshot(bob_.user.id, bob_.inbox.id).value()->modseq, first_save);
}

TEST_F(SelectCacheTest, AnUnreadableSnapshotIsListedAgain) {
  append({});
  ASSERT_TRUE(store_->save_snapshot(bob_.user.id, bob_.inbox.id,
                                    store::MailboxSnapshot{inbox().highest_modseq, "garbage"}));
  SelectCache cache;
  expect_same(load(cache), fresh());
}

TEST_F(SelectCacheTest, RandomChangesAlwaysMatchAFreshBuildAndTheStoredFlags) {
  std::mt19937 rng(20261125);
  SelectCache cache;
  for (int i = 0; i < 20; ++i) append({});
  for (int step = 0; step < 300; ++step) {
    random_change(rng);
    // Reading only some of the time lets several changes pile up in the journal.
    if (rng() % 3 == 0) {
      SCOPED_TRACE("step " + std::to_string(step));
      expect_same(load(cache), fresh());
      expect_same(flags_of(cache, every_uid_up_to(inbox().uidnext)), stored_flags());
    }
    if (rng() % 10 == 0) {
      SCOPED_TRACE("new cache at step " + std::to_string(step));
      SelectCache restarted;
      expect_same(load(restarted), fresh());
      expect_same(flags_of(restarted, every_uid_up_to(inbox().uidnext)), stored_flags());
    }
  }
  expect_same(load(cache), fresh());
}

TEST_F(SelectCacheTest, FlagsFollowTheJournalWithoutReadingMessageRows) {
  append({"\\Seen"});
  append({});
  append({"$Work"});
  SelectCache cache;
  load(cache);
  set_flags({2}, store::FlagMode::add, {"\\Flagged"});
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, {3}));
  store_->fail(store::testing::StoreCall::list_flags,
               error(Code::io_error, "list_flags must not be called"));
  store_->fail(store::testing::StoreCall::list_messages_between,
               error(Code::io_error, "message rows must not be read"));
  std::vector<store::UidFlags> flags = flags_of(cache, {1, 2, 3});
  store_->clear();
  expect_same(flags, stored_flags());
  ASSERT_EQ(flags.size(), 2u);
  EXPECT_EQ(flags[1].flags, "\\Flagged");
}

TEST_F(SelectCacheTest, FlagsLeaveOutUidsNotAsked) {
  for (int i = 0; i < 5; ++i) append({i % 2 ? "\\Seen" : "$A"});
  SelectCache cache;
  std::vector<store::UidFlags> flags = flags_of(cache, {2, 4, 9});
  ASSERT_EQ(flags.size(), 2u);
  EXPECT_EQ(flags[0].uid, 2u);
  EXPECT_EQ(flags[0].flags, "\\Seen");
  EXPECT_EQ(flags[1].uid, 4u);
}

TEST_F(SelectCacheTest, FlagsOfAReCreatedMailboxAreNotFound) {
  append({});
  SelectCache cache;
  Result<SelectCache::FlagsOf> flags =
      cache.flags(*store_, bob_.user.id, bob_.inbox.id, bob_.inbox.uidvalidity + 1, {1});
  ASSERT_FALSE(flags);
  EXPECT_EQ(flags.status().code(), Code::not_found);
}

TEST_F(SelectCacheTest, ManyDifferentFlagListsAreListedFromTheStore) {
  // More different keyword sets than an entry keeps groups for.
  for (int i = 0; i < 300; ++i) append({"$K" + std::to_string(i)});
  SelectCache cache;
  load(cache);
  set_flags({7}, store::FlagMode::add, {"\\Seen"});
  expect_same(flags_of(cache, every_uid_up_to(300)), stored_flags());
  SelectCache restarted;  // from the saved snapshot, which keeps no groups
  expect_same(flags_of(restarted, every_uid_up_to(300)), stored_flags());
}

}  // namespace
}  // namespace eider::imap
