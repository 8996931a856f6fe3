// Fault injection: a failed operation leaves no partial message, journal
// row, blob reference or quota change, and the next operation works.
#include <algorithm>
#include <atomic>
#include <functional>
#include <thread>

#include "store/faulty_store.h"
#include "store_test_util.h"

namespace eider::store {
namespace {

using testing::make_blob;
using testing::make_message;
using testing::open_or_die;
using testing::options_for;
using testing::TempDir;

// Everything a failed operation could have touched, in comparable form.
struct Snapshot {
  Stats stats;
  User user;
  std::vector<Mailbox> mailboxes;
  std::vector<std::vector<MessageInfo>> messages;
  std::vector<std::vector<JournalEntry>> journals;

  static Snapshot of(Store& store, const std::string& name) {
    Snapshot s;
    s.stats = store.stats().value();
    s.user = store.find_user(name).value();
    s.mailboxes = store.list_mailboxes(s.user.id).value();
    for (const Mailbox& m : s.mailboxes) {
      s.messages.push_back(store.list_messages(s.user.id, m.id).value());
      s.journals.push_back(store.journal_since(s.user.id, m.id, 0).value());
    }
    return s;
  }
};

void expect_same(const Snapshot& a, const Snapshot& b) {
  EXPECT_EQ(a.stats.blob_count, b.stats.blob_count);
  EXPECT_EQ(a.stats.blob_bytes, b.stats.blob_bytes);
  EXPECT_EQ(a.stats.blob_refs, b.stats.blob_refs);
  EXPECT_EQ(a.stats.message_count, b.stats.message_count);
  EXPECT_EQ(a.stats.journal_rows, b.stats.journal_rows);
  EXPECT_EQ(a.user.storage_used, b.user.storage_used);
  EXPECT_EQ(a.user.message_count, b.user.message_count);
  ASSERT_EQ(a.mailboxes.size(), b.mailboxes.size());
  for (size_t i = 0; i < a.mailboxes.size(); ++i) {
    EXPECT_EQ(a.mailboxes[i].path, b.mailboxes[i].path);
    EXPECT_EQ(a.mailboxes[i].uidnext, b.mailboxes[i].uidnext);
    EXPECT_EQ(a.mailboxes[i].highest_modseq, b.mailboxes[i].highest_modseq);
    EXPECT_EQ(a.mailboxes[i].message_count, b.mailboxes[i].message_count);
    ASSERT_EQ(a.messages[i].size(), b.messages[i].size());
    for (size_t j = 0; j < a.messages[i].size(); ++j) {
      EXPECT_EQ(a.messages[i][j].uid, b.messages[i][j].uid);
      EXPECT_EQ(a.messages[i][j].modseq, b.messages[i][j].modseq);
      EXPECT_EQ(a.messages[i][j].flags, b.messages[i][j].flags);
    }
    EXPECT_EQ(a.journals[i].size(), b.journals[i].size());
  }
}

class StoreFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_or_die(options_for(dir_, faults_));
    ASSERT_NE(store_, nullptr);
    auto account = testing::make_account(*store_, "bob");
    user_ = account.user;
    inbox_ = account.inbox;
    archive_ = store_->find_mailbox(user_.id, "Archive").value();
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(store_
                      ->append_message(
                          user_.id, inbox_.id,
                          make_message(5000, {shared_, make_blob("own" + std::to_string(i), 3000)}))
                      .is_ok());
    }
  }

  NewMessage big_message() {
    return make_message(300000, {make_blob("big-" + std::to_string(++counter_), 250000, true)});
  }

  std::shared_ptr<FaultPlan> faults_ = std::make_shared<FaultPlan>();
  TempDir dir_;
  std::unique_ptr<Store> store_;
  User user_;
  Mailbox inbox_;
  Mailbox archive_;
  mime::Blob shared_ = make_blob("shared", 4000);
  std::atomic<int> counter_{0};
};

struct Operation {
  std::string name;
  std::function<Status()> run;
};

TEST_F(StoreFaults, FailedCommitLeavesNothingOfAnyOperation) {
  std::vector<Operation> operations = {
      {"append",
       [this] { return store_->append_message(user_.id, inbox_.id, big_message()).status(); }},
      {"copy",
       [this] {
         return store_->copy_messages(user_.id, inbox_.id, {1, 2}, archive_.id).status();
       }},
      {"move",
       [this] {
         return store_->move_messages(user_.id, inbox_.id, {1, 3}, archive_.id).status();
       }},
      {"expunge", [this] { return store_->expunge_messages(user_.id, inbox_.id, {2}).status(); }},
      {"flags",
       [this] {
         return store_->store_flags(user_.id, inbox_.id, {1, 2}, FlagMode::add, {"\\Seen"})
             .status();
       }},
      {"create_mailbox", [this] { return store_->create_mailbox(user_.id, "New", "").status(); }},
      {"rename_mailbox", [this] { return store_->rename_mailbox(user_.id, "Sent", "Sent2"); }},
      {"rename_inbox", [this] { return store_->rename_mailbox(user_.id, "INBOX", "Old"); }},
      {"delete_mailbox", [this] { return store_->delete_mailbox(user_.id, "Archive"); }},
      {"set_quota", [this] { return store_->set_quota("bob", {.bytes = 1}); }},
  };
  for (const Operation& op : operations) {
    SCOPED_TRACE(op.name);
    Snapshot before = Snapshot::of(*store_, "bob");
    faults_->fail_commits = 1;
    EXPECT_EQ(op.run().code(), Code::io_error);
    EXPECT_EQ(faults_->fail_commits.load(), 0);
    expect_same(before, Snapshot::of(*store_, "bob"));
    EXPECT_EQ(store_->find_user("bob").value().quota_bytes, 0u);
  }
  // The operations all work once the fault is gone.
  for (const Operation& op : operations) {
    if (op.name == "set_quota") continue;
    EXPECT_TRUE(op.run().is_ok()) << op.name;
  }
}

TEST_F(StoreFaults, FailedBlobWriteLeavesNoPartialMessage) {
  Snapshot before = Snapshot::of(*store_, "bob");
  faults_->fail_blob_writes = 1;
  EXPECT_EQ(store_->append_message(user_.id, inbox_.id, big_message()).status().code(),
            Code::io_error);
  expect_same(before, Snapshot::of(*store_, "bob"));
  Result<Appended> next = store_->append_message(user_.id, inbox_.id, big_message());
  ASSERT_TRUE(next.is_ok()) << next.status().to_string();
  EXPECT_EQ(next->uid, 4u);
}

TEST_F(StoreFaults, FullDiskIsDiskFullAndLeavesNothing) {
  Snapshot before = Snapshot::of(*store_, "bob");
  faults_->disk_full = true;
  Result<Appended> appended = store_->append_message(user_.id, inbox_.id, big_message());
  EXPECT_EQ(appended.status().code(), Code::disk_full) << appended.status().to_string();
  expect_same(before, Snapshot::of(*store_, "bob"));
  // Reads keep working on a full disk.
  EXPECT_EQ(store_->list_messages(user_.id, inbox_.id).value().size(), 3u);
  faults_->disk_full = false;
  Result<Appended> next = store_->append_message(user_.id, inbox_.id, big_message());
  ASSERT_TRUE(next.is_ok()) << next.status().to_string();
  EXPECT_EQ(next->uid, 4u);
  EXPECT_EQ(store_->find_user("bob").value().storage_used, 3 * 5000u + 300000u);
}

// A full disk fails the jobs that grow the file; jobs sharing their batch
// that need no new page still commit (SQLite may abandon the transaction on
// SQLITE_FULL, and the writer then reruns the others).
TEST_F(StoreFaults, FullDiskFailsOnlyTheJobsThatNeedSpace) {
  faults_->disk_full = true;
  std::vector<std::thread> threads;
  std::atomic<int> appends_failed{0};
  std::atomic<int> flags_failed{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        if (t % 2 == 0) {
          Status s = store_->append_message(user_.id, inbox_.id, big_message()).status();
          if (s.code() == Code::disk_full) ++appends_failed;
        } else {
          FlagMode mode = i % 2 == 0 ? FlagMode::add : FlagMode::remove;
          std::string flag = "t" + std::to_string(t);
          if (!store_->store_flags(user_.id, inbox_.id, {1, 2, 3}, mode, {flag}).is_ok()) {
            ++flags_failed;
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(appends_failed.load(), 15);
  EXPECT_EQ(flags_failed.load(), 0);
  std::vector<MessageInfo> infos = store_->list_messages(user_.id, inbox_.id).value();
  ASSERT_EQ(infos.size(), 3u);
  for (MessageInfo& info : infos) {
    std::sort(info.flags.begin(), info.flags.end());
    EXPECT_EQ(info.flags, (std::vector<std::string>{"t1", "t3", "t5"}));
  }
}

TEST_F(StoreFaults, FaultyStoreFailsChosenCallsWithoutReachingTheStore) {
  auto inner = std::shared_ptr<Store>(std::move(store_));
  FaultyStore faulty(inner);
  Snapshot before = Snapshot::of(*inner, "bob");
  faulty.fail(StoreCall::append_message, error(Code::unavailable, "injected"), 2);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(faulty.append_message(user_.id, inbox_.id, make_message(10)).status().code(),
              Code::unavailable);
  }
  expect_same(before, Snapshot::of(*inner, "bob"));
  EXPECT_TRUE(faulty.append_message(user_.id, inbox_.id, make_message(10)).is_ok());
  faulty.fail(StoreCall::find_user, error(Code::io_error, "injected"));
  faulty.fail(StoreCall::vacuum, error(Code::disk_full, "injected"));
  faulty.clear();
  EXPECT_TRUE(faulty.find_user("bob").is_ok());
  EXPECT_TRUE(faulty.vacuum().is_ok());
  faulty.fail(StoreCall::expunge_messages, error(Code::io_error, "injected"));
  EXPECT_EQ(faulty.expunge_messages(user_.id, inbox_.id, {1}).status().code(), Code::io_error);
  EXPECT_EQ(faulty.list_messages(user_.id, inbox_.id).value().size(), 4u);
}

}  // namespace
}  // namespace eider::store
