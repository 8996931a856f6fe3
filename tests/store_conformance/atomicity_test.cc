// A failing call leaves nothing (no message, journal row, blob reference,
// quota change or MODSEQ), and two Stores on one store (two nodes) see one
// another's changes and never lose or repeat a UID or a MODSEQ.
#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "conformance.h"

namespace eider::store::testing {
namespace {

class Atomicity : public StoreConformance {
 protected:
  void SetUp() override {
    StoreConformance::SetUp();
    if (HasFatalFailure()) return;
    bob_ = account("bob", {.bytes = 10000, .messages = 5});
    append(bob_, make_message(4000, {make_blob("kept", 3000)}, {"\\Seen"}));
    append(bob_, make_message(4000));
  }

  Account bob_;
};
EIDER_CONFORMANCE(Atomicity);

TEST_P(Atomicity, FailedCallsLeaveNothing) {
  const int64_t u = bob_.user.id;
  const int64_t inbox = bob_.inbox.id;
  const Mailbox trash = mailbox(u, "Trash");
  const Footprint before = footprint(u);
  struct Case {
    std::string what;
    Code code;
    std::function<Status()> call;
  };
  mime::Blob fresh = make_blob("fresh", 5000);
  std::vector<Case> cases = {
      {"append over the byte quota", Code::over_quota,
       [&] { return store().append_message(u, inbox, make_message(2001, {fresh})).status(); }},
      {"copy over the byte quota", Code::over_quota,
       [&] {
         return copy(u, inbox, {1, 2}, trash.id).status();
       }},
      {"append with a bad flag", Code::invalid_argument,
       [&] {
         return store().append_message(u, inbox, make_message(10, {fresh}, {"a b"})).status();
       }},
      {"append to a missing mailbox", Code::not_found,
       [&] { return store().append_message(u, 999999, make_message(10, {fresh})).status(); }},
      {"store_flags with a bad flag", Code::invalid_argument,
       [&] {
         return store().store_flags(u, inbox, {1, 2}, FlagMode::add, {"\\Flagged", ""}).status();
       }},
      {"copy to a missing mailbox", Code::not_found,
       [&] { return copy(u, inbox, {1}, 999999).status(); }},
      {"move to a missing mailbox", Code::not_found,
       [&] { return move(u, inbox, {1}, 999999).status(); }},
      {"rename onto a taken name", Code::already_exists,
       [&] { return rename(u, "Trash", "Sent"); }},
      {"rename INBOX onto a taken name", Code::already_exists,
       [&] { return rename(u, "INBOX", "Sent"); }},
      {"rename into a bad path", Code::invalid_argument,
       [&] { return rename(u, "Trash", "a//b"); }},
      {"delete INBOX", Code::invalid_argument, [&] { return remove(u, "INBOX"); }},
      {"create a bad path", Code::invalid_argument,
       [&] { return store().create_mailbox(u, "a/", "").status(); }},
      {"create a taken name", Code::already_exists,
       [&] { return store().create_mailbox(u, "Sent", "").status(); }},
      {"create with a bad special-use", Code::invalid_argument,
       [&] { return store().create_mailbox(u, "New", "\\Nope").status(); }},
      {"create_user with a taken address", Code::already_exists,
       [&] {
         return store()
             .create_user("carol", "x", {"c@example.org", "bob@example.org"}, {})
             .status();
       }},
      {"create_user with a bad address", Code::invalid_argument,
       [&] {
         return store().create_user("carol", "x", {"c@example.org", "no-at-sign"}, {}).status();
       }},
      {"add a taken address", Code::already_exists,
       [&] { return store().add_address(u, "BOB@example.org"); }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    EXPECT_EQ(c.call().code(), c.code);
    expect_unchanged(before, footprint(u));
  }
  EXPECT_EQ(store().read_blob(fresh.key).status().code(), Code::not_found);
  EXPECT_EQ(store().find_user("carol").status().code(), Code::not_found);
  EXPECT_EQ(store().list_users().value().size(), 1u);
  EXPECT_EQ(store().list_addresses(u).value(), std::vector<std::string>{"bob@example.org"});
  std::vector<MessageInfo> listed = store().list_messages(u, inbox).value();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].flags, std::vector<std::string>{"\\Seen"});
  EXPECT_TRUE(listed[1].flags.empty());
}

TEST_P(Atomicity, MessageQuotaFailureLeavesNothing) {
  const int64_t u = bob_.user.id;
  ASSERT_TRUE(store().set_quota("bob", {.messages = 3}).is_ok());
  const Footprint before = footprint(u);
  EXPECT_EQ(copy(u, bob_.inbox.id, {1, 2}, bob_.inbox.id).status().code(), Code::over_quota);
  expect_unchanged(before, footprint(u));
}

class TwoNodes : public StoreConformance {};
EIDER_CONFORMANCE(TwoNodes);

TEST_P(TwoNodes, ParallelAppendsGetDistinctUidsAndIncreasingModseqsAndNothingIsLost) {
  Account bob = account("bob");
  Result<std::unique_ptr<Store>> second = instance_->open_another();
  ASSERT_TRUE(second.is_ok()) << second.status().to_string();
  constexpr int kPerThread = 25;
  constexpr int kThreads = 4;  // two on each store
  std::vector<std::vector<Appended>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Store& on = t % 2 ? **second : store();
      for (int i = 0; i < kPerThread; ++i) {
        Result<Appended> appended =
            on.append_message(bob.user.id, bob.inbox.id, make_message(100 + t));
        EXPECT_TRUE(appended.is_ok()) << appended.status().to_string();
        if (appended) got[t].push_back(*appended);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<uint32_t> all_uids;
  std::set<uint64_t> all_modseqs;
  for (const std::vector<Appended>& one : got) {
    ASSERT_EQ(one.size(), static_cast<size_t>(kPerThread));
    for (size_t i = 0; i < one.size(); ++i) {
      all_uids.insert(one[i].uid);
      all_modseqs.insert(one[i].modseq);
      EXPECT_EQ(one[i].uidvalidity, bob.inbox.uidvalidity);
      if (i > 0) {
        // Each caller sees its own appends in order.
        EXPECT_GT(one[i].uid, one[i - 1].uid);
        EXPECT_GT(one[i].modseq, one[i - 1].modseq);
      }
    }
  }
  constexpr size_t kTotal = kPerThread * kThreads;
  EXPECT_EQ(all_uids.size(), kTotal);
  EXPECT_EQ(all_modseqs.size(), kTotal);
  EXPECT_EQ(*all_uids.begin(), 1u);
  EXPECT_EQ(*all_uids.rbegin(), kTotal);
  for (Store* on : {&store(), second->get()}) {
    Mailbox inbox = on->find_mailbox(bob.user.id, "INBOX").value();
    EXPECT_EQ(inbox.message_count, kTotal);
    EXPECT_EQ(inbox.uidnext, kTotal + 1);
    EXPECT_EQ(inbox.highest_modseq, *all_modseqs.rbegin());
    EXPECT_EQ(on->find_user("bob").value().message_count, kTotal);
    EXPECT_EQ(on->list_messages(bob.user.id, bob.inbox.id).value().size(), kTotal);
  }
  // The journal has one added row per message, in modseq order with UIDs ascending.
  std::vector<JournalEntry> journal =
      store().journal_since(bob.user.id, bob.inbox.id, bob.inbox.highest_modseq).value();
  ASSERT_EQ(journal.size(), kTotal);
  for (size_t i = 0; i < journal.size(); ++i) {
    EXPECT_EQ(journal[i].kind, JournalKind::added);
    EXPECT_EQ(journal[i].uid, i + 1);
    if (i > 0) {
      EXPECT_GT(journal[i].modseq, journal[i - 1].modseq);
    }
  }
}

TEST_P(TwoNodes, QuotaHoldsAgainstParallelAppendsOnBothStores) {
  Account bob = account("bob", {.bytes = 1000, .messages = 10});
  Result<std::unique_ptr<Store>> second = instance_->open_another();
  ASSERT_TRUE(second.is_ok()) << second.status().to_string();
  std::atomic<int> stored = 0;
  std::atomic<int> refused = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Store& on = t % 2 ? **second : store();
      for (int i = 0; i < 6; ++i) {
        Result<Appended> appended = on.append_message(bob.user.id, bob.inbox.id, make_message(50));
        if (appended) {
          ++stored;
        } else {
          EXPECT_EQ(appended.status().code(), Code::over_quota);
          ++refused;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(stored, 10);
  EXPECT_EQ(refused, 14);
  User user = store().find_user("bob").value();
  EXPECT_EQ(user.message_count, 10u);
  EXPECT_EQ(user.storage_used, 500u);
  EXPECT_EQ(mailbox(bob.user.id, "INBOX").uidnext, 11u);
}

TEST_P(TwoNodes, ParallelExpungesOfOneMessageRemoveItOnce) {
  Account bob = account("bob");
  for (int i = 0; i < 20; ++i) append(bob, make_message(10));
  Result<std::unique_ptr<Store>> second = instance_->open_another();
  ASSERT_TRUE(second.is_ok()) << second.status().to_string();
  std::vector<uint32_t> all;
  for (uint32_t uid = 1; uid <= 20; ++uid) all.push_back(uid);
  std::vector<std::vector<uint32_t>> removed(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Store& on = t % 2 ? **second : store();
      // Each caller expunges every message, one at a time, from its own end.
      for (int i = 0; i < 20; ++i) {
        uint32_t uid = t < 2 ? all[i] : all[19 - i];
        Result<std::vector<uint32_t>> gone = expunge(bob.user.id, bob.inbox.id, {uid}, &on);
        ASSERT_TRUE(gone.is_ok()) << gone.status().to_string();
        removed[t].insert(removed[t].end(), gone->begin(), gone->end());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::vector<uint32_t> merged;
  for (const std::vector<uint32_t>& one : removed)
    merged.insert(merged.end(), one.begin(), one.end());
  std::sort(merged.begin(), merged.end());
  EXPECT_EQ(merged, all);
  User user = store().find_user("bob").value();
  EXPECT_EQ(user.message_count, 0u);
  EXPECT_EQ(user.storage_used, 0u);
  EXPECT_EQ(store().expunged_since(bob.user.id, bob.inbox.id, 0).value(), all);
}

TEST_P(TwoNodes, ParallelCreatesOfOneNameMakeOneMailbox) {
  Account bob = account("bob");
  Result<std::unique_ptr<Store>> second = instance_->open_another();
  ASSERT_TRUE(second.is_ok()) << second.status().to_string();
  std::vector<Code> codes(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Store& on = t % 2 ? **second : store();
      codes[t] = on.create_mailbox(bob.user.id, "Work", "").status().code();
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(std::count(codes.begin(), codes.end(), Code::ok), 1);
  EXPECT_EQ(std::count(codes.begin(), codes.end(), Code::already_exists), 3);
}

TEST_P(TwoNodes, EachSeesTheOthersChangesAtOnce) {
  Result<std::unique_ptr<Store>> second = instance_->open_another();
  ASSERT_TRUE(second.is_ok()) << second.status().to_string();
  Store& other = **second;
  Account bob = account("bob");
  EXPECT_EQ(other.find_user("bob").value().id, bob.user.id);
  ASSERT_TRUE(other.append_message(bob.user.id, bob.inbox.id, make_message(10)));
  EXPECT_EQ(uids(bob.user.id, bob.inbox.id), std::vector<uint32_t>{1});
  ASSERT_TRUE(store().store_flags(bob.user.id, bob.inbox.id, {1}, FlagMode::add, {"\\Seen"}));
  EXPECT_EQ(other.list_messages(bob.user.id, bob.inbox.id).value()[0].flags,
            std::vector<std::string>{"\\Seen"});
  ASSERT_TRUE(other.create_mailbox(bob.user.id, "Work", "").is_ok());
  EXPECT_EQ(store().create_mailbox(bob.user.id, "Work", "").status().code(), Code::already_exists);
  EXPECT_EQ(other.create_user("BOB", "x", {}, {}).status().code(), Code::already_exists);
  ASSERT_TRUE(store().delete_user("bob").is_ok());
  EXPECT_EQ(other.find_user("bob").status().code(), Code::not_found);
}

}  // namespace
}  // namespace eider::store::testing
