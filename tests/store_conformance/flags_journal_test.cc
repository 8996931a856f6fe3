// store_flags and store_flags_unchanged_since, list_changed_since, the
// journal (journal_since, expunged_since) and its trimming (trim_journal,
// journal_floor, Code::out_of_range).
#include <chrono>
#include <ctime>
#include <thread>

#include "conformance.h"

namespace eider::store::testing {
namespace {

constexpr int64_t kDay = 86400;

// The store's clock, which times journal rows (Store::trim_journal).
int64_t clock_now() {
  return static_cast<int64_t>(std::time(nullptr));
}

class Flags : public StoreConformance {
 protected:
  void SetUp() override {
    StoreConformance::SetUp();
    if (HasFatalFailure()) return;
    bob_ = account("bob");
  }

  uint64_t highest() { return mailbox(bob_.user.id, "INBOX").highest_modseq; }

  std::vector<MessageInfo> list() {
    return store().list_messages(bob_.user.id, bob_.inbox.id).value();
  }

  Account bob_;
};
EIDER_CONFORMANCE(Flags);

TEST_P(Flags, AddRemoveReplaceWithCanonicalSystemFlagsAndOneModseqEach) {
  append(bob_, make_message(10, {}, {"\\Seen"}));
  append(bob_, make_message(10));
  struct Step {
    FlagMode mode;
    std::vector<std::string> flags;
    std::vector<uint32_t> changed;
    std::vector<std::string> flags_of_1;
  };
  std::vector<Step> steps = {
      {FlagMode::add, {"\\SEEN"}, {2}, {"\\Seen"}},
      {FlagMode::add, {"\\flagged", "Work"}, {1, 2}, {"\\Seen", "\\Flagged", "Work"}},
      {FlagMode::add, {"work"}, {}, {"\\Seen", "\\Flagged", "Work"}},
      {FlagMode::remove, {"\\Seen", "WORK"}, {1, 2}, {"\\Flagged"}},
      {FlagMode::replace, {"\\Flagged"}, {}, {"\\Flagged"}},
      {FlagMode::replace,
       {"\\Answered", "\\draft", "\\deleted"},
       {1, 2},
       {"\\Answered", "\\Draft", "\\Deleted"}},
      {FlagMode::replace, {}, {1, 2}, {}},
  };
  uint64_t last_modseq = highest();
  for (const Step& step : steps) {
    Result<std::vector<MessageInfo>> changed =
        store().store_flags(bob_.user.id, bob_.inbox.id, {99, 2, 1}, step.mode, step.flags);
    ASSERT_TRUE(changed.is_ok()) << changed.status().to_string();
    EXPECT_EQ(uids_of(*changed), step.changed);
    for (const MessageInfo& info : *changed) {
      EXPECT_EQ(info.modseq, last_modseq + 1);  // one new modseq each
      last_modseq = info.modseq;
    }
    std::vector<MessageInfo> listed = list();
    EXPECT_EQ(listed[0].flags, step.flags_of_1);
    if (!changed->empty() && changed->front().uid == 1) {
      EXPECT_EQ(changed->front().flags, step.flags_of_1);
      EXPECT_EQ(listed[0].modseq, changed->front().modseq);
    }
    EXPECT_EQ(highest(), last_modseq);
  }
}

TEST_P(Flags, EveryChangeIsJournaledWithTheFlagsItLeft) {
  append(bob_, make_message(10));
  const uint64_t mark = highest();
  ASSERT_TRUE(
      store().store_flags(bob_.user.id, bob_.inbox.id, {1}, FlagMode::add, {"$Work", "\\seen"}));
  std::vector<JournalEntry> journal =
      store().journal_since(bob_.user.id, bob_.inbox.id, mark).value();
  ASSERT_EQ(journal.size(), 1u);
  EXPECT_EQ(journal[0].kind, JournalKind::flags);
  EXPECT_EQ(journal[0].uid, 1u);
  EXPECT_EQ(journal[0].data, "$Work \\Seen");
  EXPECT_EQ(journal[0].modseq, mark + 1);
}

TEST_P(Flags, BadFlagIsInvalidArgumentAndChangesNothing) {
  append(bob_, make_message(10));
  Footprint before = footprint(bob_.user.id);
  for (const std::string& bad : {std::string(""), std::string("two words"), std::string("a\tb"),
                                 std::string("(x"), std::string("x)"), std::string("nl\n")}) {
    EXPECT_EQ(store()
                  .store_flags(bob_.user.id, bob_.inbox.id, {1}, FlagMode::add, {"\\Seen", bad})
                  .status()
                  .code(),
              Code::invalid_argument)
        << bad;
    EXPECT_EQ(store()
                  .store_flags_unchanged_since(bob_.user.id, bob_.inbox.id, {1}, FlagMode::replace,
                                               {bad}, highest())
                  .status()
                  .code(),
              Code::invalid_argument)
        << bad;
  }
  expect_unchanged(before, footprint(bob_.user.id));
  EXPECT_TRUE(list()[0].flags.empty());
}

TEST_P(Flags, UnchangedSinceLeavesNewerMessagesAloneAndListsThem) {
  for (int i = 0; i < 3; ++i) append(bob_, make_message(10));
  const uint64_t mark = highest();
  ASSERT_TRUE(store().store_flags(bob_.user.id, bob_.inbox.id, {2}, FlagMode::add, {"$A"}));
  ConditionalFlags done =
      store()
          .store_flags_unchanged_since(bob_.user.id, bob_.inbox.id, {3, 2, 1, 99}, FlagMode::add,
                                       {"\\Flagged"}, mark)
          .value();
  EXPECT_EQ(uids_of(done.changed), (std::vector<uint32_t>{1, 3}));
  EXPECT_EQ(done.modified, (std::vector<uint32_t>{2}));
  std::vector<MessageInfo> two =
      store().list_messages_between(bob_.user.id, bob_.inbox.id, 2, 2).value();
  EXPECT_EQ(two[0].flags, (std::vector<std::string>{"$A"}));
  // 0 fails for every message (RFC 7162 3.1.3), and a no-op passes.
  done = store()
             .store_flags_unchanged_since(bob_.user.id, bob_.inbox.id, {1, 2}, FlagMode::add,
                                          {"\\Flagged"}, 0)
             .value();
  EXPECT_TRUE(done.changed.empty());
  EXPECT_EQ(done.modified, (std::vector<uint32_t>{1, 2}));
  const uint64_t top = highest();
  done = store()
             .store_flags_unchanged_since(bob_.user.id, bob_.inbox.id, {1}, FlagMode::add,
                                          {"\\Flagged"}, top)
             .value();
  EXPECT_TRUE(done.changed.empty() && done.modified.empty());
  EXPECT_EQ(highest(), top);
}

TEST_P(Flags, UnchangedSinceIsOneTransactionAcrossStores) {
  // Racing conditional changes from the same modseq (as two clients of two
  // nodes would send them): for each message exactly one wins.
  for (int i = 0; i < 5; ++i) append(bob_, make_message(10));
  Result<std::unique_ptr<Store>> other = instance_->open_another();
  ASSERT_TRUE(other.is_ok()) << other.status().to_string();
  const uint64_t mark = highest();
  constexpr int kRacers = 6;
  std::vector<Result<ConditionalFlags>> results(kRacers, error(Code::internal, "not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kRacers; ++i) {
    threads.emplace_back([&, i] {
      Store& on = i % 2 ? **other : store();
      results[i] =
          on.store_flags_unchanged_since(bob_.user.id, bob_.inbox.id, {1, 2, 3, 4, 5},
                                         FlagMode::replace, {"$Racer" + std::to_string(i)}, mark);
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::vector<int> wins(6, 0);
  for (const Result<ConditionalFlags>& result : results) {
    ASSERT_TRUE(result.is_ok()) << result.status().to_string();
    EXPECT_EQ(result->changed.size() + result->modified.size(), 5u);
    for (const MessageInfo& info : result->changed) ++wins[info.uid];
  }
  for (uint32_t uid = 1; uid <= 5; ++uid) EXPECT_EQ(wins[uid], 1) << uid;
  EXPECT_EQ(highest(), mark + 5);
}

TEST_P(Flags, ChangedSinceListsFlagChangesAndArrivalsAfterTheModseq) {
  for (int i = 0; i < 6; ++i) append(bob_, make_message(10));
  const uint64_t mark = highest();
  ASSERT_TRUE(store().store_flags(bob_.user.id, bob_.inbox.id, {5, 2}, FlagMode::add, {"\\Seen"}));
  append(bob_, make_message(10));
  std::vector<MessageInfo> changed =
      store().list_changed_since(bob_.user.id, bob_.inbox.id, mark).value();
  EXPECT_EQ(uids_of(changed), (std::vector<uint32_t>{2, 5, 7}));
  EXPECT_EQ(changed[0].flags, (std::vector<std::string>{"\\Seen"}));
  EXPECT_GT(changed[0].modseq, mark);
  EXPECT_EQ(store().list_changed_since(bob_.user.id, bob_.inbox.id, 0).value().size(), 7u);
  EXPECT_TRUE(store().list_changed_since(bob_.user.id, bob_.inbox.id, highest()).value().empty());
  // Expunged messages are not listed (expunged_since reports them).
  ASSERT_TRUE(expunge(bob_.user.id, bob_.inbox.id, {5}));
  EXPECT_EQ(uids_of(store().list_changed_since(bob_.user.id, bob_.inbox.id, mark).value()),
            (std::vector<uint32_t>{2, 7}));
}

class Journal : public Flags {
 protected:
  void SetUp() override {
    Flags::SetUp();
    if (HasFatalFailure()) return;
    for (int i = 0; i < 6; ++i) append(bob_, make_message(10));
  }

  Mailbox inbox() { return mailbox(bob_.user.id, "INBOX"); }
};
EIDER_CONFORMANCE(Journal);

TEST_P(Journal, ListsEveryChangeInModseqOrder) {
  const uint64_t start = highest();
  append(bob_, make_message(10));
  append(bob_, make_message(20));
  ASSERT_TRUE(store().store_flags(bob_.user.id, bob_.inbox.id, {8}, FlagMode::add, {"\\Seen"}));
  ASSERT_TRUE(expunge(bob_.user.id, bob_.inbox.id, {7}));
  std::vector<JournalEntry> entries =
      store().journal_since(bob_.user.id, bob_.inbox.id, start).value();
  struct Want {
    JournalKind kind;
    uint32_t uid;
    std::string data;
  };
  std::vector<Want> want = {{JournalKind::added, 7, ""},
                            {JournalKind::added, 8, ""},
                            {JournalKind::flags, 8, "\\Seen"},
                            {JournalKind::expunged, 7, ""}};
  ASSERT_EQ(entries.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(entries[i].kind, want[i].kind) << i;
    EXPECT_EQ(entries[i].uid, want[i].uid) << i;
    EXPECT_EQ(entries[i].data, want[i].data) << i;
    EXPECT_EQ(entries[i].modseq, start + 1 + i) << i;
  }
  EXPECT_EQ(store().journal_since(bob_.user.id, bob_.inbox.id, start + 2).value().size(), 2u);
  EXPECT_TRUE(store().journal_since(bob_.user.id, bob_.inbox.id, start + 4).value().empty());
  // Another mailbox's changes are not in this one's journal.
  Mailbox trash = mailbox(bob_.user.id, "Trash");
  append(bob_, make_message(10), trash.id);
  EXPECT_TRUE(store().journal_since(bob_.user.id, bob_.inbox.id, start + 4).value().empty());
}

TEST_P(Journal, ExpungedSinceGivesTheUidsGoneAfterTheModseqAscending) {
  ASSERT_TRUE(expunge(bob_.user.id, bob_.inbox.id, {1}));
  const uint64_t mark = highest();
  ASSERT_TRUE(expunge(bob_.user.id, bob_.inbox.id, {4, 3}));
  Mailbox archive = mailbox(bob_.user.id, "Archive");
  ASSERT_TRUE(move(bob_.user.id, bob_.inbox.id, {6}, archive.id));
  ASSERT_TRUE(store().store_flags(bob_.user.id, bob_.inbox.id, {2}, FlagMode::add, {"\\Seen"}));
  EXPECT_EQ(store().expunged_since(bob_.user.id, bob_.inbox.id, mark).value(),
            (std::vector<uint32_t>{3, 4, 6}));
  EXPECT_EQ(store().expunged_since(bob_.user.id, bob_.inbox.id, 0).value(),
            (std::vector<uint32_t>{1, 3, 4, 6}));
  EXPECT_TRUE(store().expunged_since(bob_.user.id, bob_.inbox.id, highest()).value().empty());
}

TEST_P(Journal, OtherUsersSeeNothingOfAMailboxsJournal) {
  // not_found or nothing: a deleted mailbox's journal is still read (its
  // mailbox_deleted row), so a backend need not tell the two apart.
  ASSERT_TRUE(expunge(bob_.user.id, bob_.inbox.id, {1}));
  Account eve = account("eve");
  Result<std::vector<JournalEntry>> journal = store().journal_since(eve.user.id, bob_.inbox.id, 0);
  if (journal) {
    EXPECT_TRUE(journal->empty());
  } else {
    EXPECT_EQ(journal.status().code(), Code::not_found);
  }
  Result<std::vector<uint32_t>> expunged = store().expunged_since(eve.user.id, bob_.inbox.id, 0);
  if (expunged) {
    EXPECT_TRUE(expunged->empty());
  } else {
    EXPECT_EQ(expunged.status().code(), Code::not_found);
  }
}

TEST_P(Journal, TrimKeepsRowsYoungerThanKeepAndRemovesOlderOnes) {
  // Rows are timed by the store's clock: just written, none is a day old.
  const int64_t now = clock_now();
  EXPECT_EQ(store().trim_journal(now, kDay).value(), 0u);
  EXPECT_EQ(inbox().journal_floor, 0u);
  ASSERT_TRUE(expunge(bob_.user.id, bob_.inbox.id, {2}));
  const uint64_t top = highest();
  const Mailbox untouched = mailbox(bob_.user.id, "Sent");
  // Two days on, every row is older than a day.
  EXPECT_GT(store().trim_journal(now + 2 * kDay, kDay).value(), 0u);
  EXPECT_EQ(inbox().journal_floor, top);
  EXPECT_EQ(highest(), top);  // trimming writes no modseq
  EXPECT_EQ(store().journal_since(bob_.user.id, bob_.inbox.id, top - 1).status().code(),
            Code::out_of_range);
  EXPECT_EQ(store().expunged_since(bob_.user.id, bob_.inbox.id, 0).status().code(),
            Code::out_of_range);
  EXPECT_TRUE(store().journal_since(bob_.user.id, bob_.inbox.id, top).value().empty());
  // Messages still say what changed since any modseq: that needs no journal.
  EXPECT_EQ(store().list_changed_since(bob_.user.id, bob_.inbox.id, 0).value().size(), 5u);
  EXPECT_EQ(mailbox(bob_.user.id, "Sent").highest_modseq, untouched.highest_modseq);
  // Later changes are journaled above the floor.
  ASSERT_TRUE(expunge(bob_.user.id, bob_.inbox.id, {3}));
  EXPECT_EQ(store().expunged_since(bob_.user.id, bob_.inbox.id, top).value(),
            (std::vector<uint32_t>{3}));
}

// A row's time is never later than the clock that wrote it: written late
// in a second, it is gone by a trim with nothing to keep in that second.
// (PostgreSQL once rounded its epoch, dating such rows a second ahead.)
TEST_P(Journal, ARowWrittenLateInASecondIsTrimmedInThatSecond) {
  using std::chrono::system_clock;
  for (int attempt = 0; attempt < 5; ++attempt) {
    const auto since_second = system_clock::now().time_since_epoch() % std::chrono::seconds(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(1700) - since_second);
    const int64_t second = clock_now();
    const uint64_t top = highest();
    ASSERT_TRUE(expunge(bob_.user.id, bob_.inbox.id, {static_cast<uint32_t>(attempt + 1)}));
    const uint64_t trimmed = store().trim_journal(second, 0).value();
    if (clock_now() != second) continue;  // the second ended first: try again
    EXPECT_GT(trimmed, 0u);
    EXPECT_GT(inbox().journal_floor, top);
    EXPECT_EQ(inbox().journal_floor, inbox().highest_modseq);
    return;
  }
  GTEST_SKIP() << "every attempt crossed a second boundary";
}

TEST_P(Journal, TrimWithNothingToKeepEmptiesTheJournalAndRaisesEveryFloor) {
  const uint64_t top = highest();
  Account eve = account("eve");
  EXPECT_GT(store().trim_journal(clock_now() + 2, 0).value(), 0u);
  EXPECT_EQ(store().stats().value().journal_rows, 0u);
  EXPECT_EQ(inbox().journal_floor, top);
  EXPECT_EQ(inbox().highest_modseq, top);
  EXPECT_TRUE(store().journal_since(bob_.user.id, bob_.inbox.id, top).value().empty());
  // Other mailboxes and users are trimmed too, each to its own modseq.
  Mailbox sent = mailbox(bob_.user.id, "Sent");
  EXPECT_EQ(sent.journal_floor, sent.highest_modseq);
  Mailbox eve_inbox = mailbox(eve.user.id, "INBOX");
  EXPECT_EQ(eve_inbox.journal_floor, eve_inbox.highest_modseq);
  // Later changes are journaled above the floor as before.
  ASSERT_TRUE(expunge(bob_.user.id, bob_.inbox.id, {1}));
  EXPECT_EQ(store().expunged_since(bob_.user.id, bob_.inbox.id, top).value(),
            (std::vector<uint32_t>{1}));
  EXPECT_EQ(store().trim_journal(clock_now(), kDay).value(), 0u);
}

TEST_P(Journal, TwoStoresTrimmingAtOnceRemoveEachRowOnce) {
  Result<std::unique_ptr<Store>> second = instance_->open_another();
  ASSERT_TRUE(second.is_ok()) << second.status().to_string();
  const uint64_t rows = store().stats().value().journal_rows;
  ASSERT_GT(rows, 0u);
  uint64_t removed[2] = {0, 0};
  std::thread other([&] { removed[1] = (*second)->trim_journal(clock_now() + 1, 0).value(); });
  removed[0] = store().trim_journal(clock_now() + 1, 0).value();
  other.join();
  EXPECT_EQ(removed[0] + removed[1], rows);
  EXPECT_EQ(store().stats().value().journal_rows, 0u);
  EXPECT_EQ(inbox().journal_floor, highest());
}

}  // namespace
}  // namespace eider::store::testing
