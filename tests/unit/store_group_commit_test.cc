// Group commit: concurrent writers share transactions, and each still gets
// its own result.
#include <algorithm>
#include <thread>

#include "store_test_util.h"

namespace eider::store {
namespace {

using testing::make_account;
using testing::make_message;
using testing::open_or_die;
using testing::options_for;
using testing::TempDir;

TEST(StoreGroupCommit, EightWritersShareCommitsAndGetDenseUniqueUids) {
  constexpr int kThreads = 8;
  constexpr int kAppends = 50;
  TempDir dir;
  auto store = testing::open_sqlite_or_die(dir);
  ASSERT_NE(store, nullptr);
  auto [user, inbox] = make_account(*store, "bob");
  Mailbox sent = store->find_mailbox(user.id, "Sent").value();
  sqlite::CommitCounters before = store->commit_counters();

  std::vector<std::vector<uint32_t>> uids(kThreads);
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      int64_t mailbox = t % 2 == 0 ? inbox.id : sent.id;
      for (int i = 0; i < kAppends; ++i) {
        Result<Appended> appended = store->append_message(
            user.id, mailbox,
            make_message(100, {testing::make_blob("shared", 500),
                               testing::make_blob("t" + std::to_string(t), 600)}));
        if (appended) {
          uids[t].push_back(appended->uid);
        } else {
          ++failures[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
  for (int parity = 0; parity < 2; ++parity) {
    std::vector<uint32_t> all;
    for (int t = parity; t < kThreads; t += 2) {
      EXPECT_TRUE(std::is_sorted(uids[t].begin(), uids[t].end()));
      all.insert(all.end(), uids[t].begin(), uids[t].end());
    }
    std::sort(all.begin(), all.end());
    ASSERT_EQ(all.size(), size_t{kThreads / 2 * kAppends});
    for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], i + 1);
  }

  sqlite::CommitCounters counted = store->commit_counters();
  uint64_t jobs = counted.jobs - before.jobs;
  uint64_t commits = counted.commits - before.commits;
  Stats after = store->stats().value();
  EXPECT_EQ(jobs, uint64_t{kThreads * kAppends});
  EXPECT_LT(commits, jobs);
  EXPECT_EQ(after.message_count, uint64_t{kThreads * kAppends});
  EXPECT_EQ(after.blob_count, 1u + kThreads);
  EXPECT_EQ(after.blob_refs, 2u * kThreads * kAppends);
  User updated = store->find_user("bob").value();
  EXPECT_EQ(updated.storage_used, 100u * kThreads * kAppends);
  EXPECT_EQ(store->find_mailbox(user.id, "INBOX").value().message_count,
            uint64_t{kThreads / 2 * kAppends});
}

TEST(StoreGroupCommit, AFailingJobDoesNotFailItsBatch) {
  constexpr int kThreads = 8;
  TempDir dir;
  auto store = open_or_die(options_for(dir));
  ASSERT_NE(store, nullptr);
  auto [user, inbox] = make_account(*store, "bob", 100 * 20);
  std::vector<std::thread> threads;
  std::vector<int> ok(kThreads, 0);
  std::vector<int> over(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        Result<Appended> appended = store->append_message(user.id, inbox.id, make_message(100));
        if (appended) ++ok[t];
        if (appended.status().code() == Code::over_quota) ++over[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  int total_ok = 0;
  int total_over = 0;
  for (int t = 0; t < kThreads; ++t) {
    total_ok += ok[t];
    total_over += over[t];
  }
  EXPECT_EQ(total_ok, 20);
  EXPECT_EQ(total_over, kThreads * 5 - 20);
  EXPECT_EQ(store->find_user("bob").value().storage_used, 2000u);
  EXPECT_EQ(store->list_messages(user.id, inbox.id).value().size(), 20u);
}

// Two stores on one file stand for the server and an admin command running
// beside it: their writers take turns and neither loses or repeats a uid.
TEST(StoreGroupCommit, TwoStoresOnOneFileTakeTurns) {
  TempDir dir;
  auto first = open_or_die(options_for(dir));
  auto second = open_or_die(options_for(dir));
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  auto [user, inbox] = make_account(*first, "bob");
  std::vector<uint32_t> uids[2];
  std::vector<std::thread> threads;
  for (int s = 0; s < 2; ++s) {
    threads.emplace_back([&, s] {
      Store& store = s == 0 ? *first : *second;
      for (int i = 0; i < 30; ++i) {
        Result<Appended> appended = store.append_message(user.id, inbox.id, make_message(10));
        EXPECT_TRUE(appended.is_ok()) << appended.status().to_string();
        if (appended) uids[s].push_back(appended->uid);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::vector<uint32_t> all = uids[0];
  all.insert(all.end(), uids[1].begin(), uids[1].end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), 60u);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], i + 1);
  EXPECT_EQ(second->find_user("bob").value().message_count, 60u);
}

TEST(StoreGroupCommit, ConcurrentWritesSurviveReopen) {
  TempDir dir;
  int64_t user_id = 0;
  int64_t inbox_id = 0;
  {
    auto store = open_or_die(options_for(dir));
    ASSERT_NE(store, nullptr);
    auto [user, inbox] = make_account(*store, "bob");
    user_id = user.id;
    inbox_id = inbox.id;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 10; ++i) {
          EXPECT_TRUE(store->append_message(user_id, inbox_id, make_message(10)).is_ok());
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
  }
  auto reopened = open_or_die(options_for(dir));
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->list_messages(user_id, inbox_id).value().size(), 40u);
}

}  // namespace
}  // namespace eider::store
