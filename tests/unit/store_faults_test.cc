// Fault injection: a failed operation leaves no partial message, journal
// row, blob reference or quota change, and the next operation works. Disk
// faults come from a FaultyVfs below the store, failed calls from a
// FaultyStore above it.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <thread>

#include "store/sqlite/writer.h"
#include "store_test_util.h"
#include "support/faulty_store.h"
#include "support/faulty_vfs.h"

namespace eider::store {
namespace {

using testing::FaultyStore;
using testing::FaultyVfs;
using testing::make_blob;
using testing::make_message;
using testing::open_or_die;
using testing::options_for;
using testing::StoreCall;
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
    store_ = testing::open_sqlite_or_die(dir_, vfs_.name());
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

  FaultyVfs vfs_;  // outlives the store opened with it
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
      {"rename_mailbox",
       [this] { return store_->rename_mailbox(user_.id, "Sent", "Sent2").status(); }},
      {"rename_inbox",
       [this] { return store_->rename_mailbox(user_.id, "INBOX", "Old").status(); }},
      {"delete_mailbox", [this] { return store_->delete_mailbox(user_.id, "Archive").status(); }},
      {"set_quota", [this] { return store_->set_quota("bob", {.bytes = 1}); }},
  };
  for (const Operation& op : operations) {
    SCOPED_TRACE(op.name);
    Snapshot before = Snapshot::of(*store_, "bob");
    vfs_.fail_syncs(1);
    EXPECT_EQ(op.run().code(), Code::io_error);
    EXPECT_EQ(vfs_.syncs_to_fail(), 0);
    expect_same(before, Snapshot::of(*store_, "bob"));
    EXPECT_EQ(store_->find_user("bob").value().quota_bytes, 0u);
  }
  // The operations all work once the fault is gone.
  for (const Operation& op : operations) {
    if (op.name == "set_quota") continue;
    EXPECT_TRUE(op.run().is_ok()) << op.name;
  }
}

// The commit's write to the log fails after some of its pages were written.
TEST_F(StoreFaults, TornCommitLeavesNoPartialMessage) {
  Snapshot before = Snapshot::of(*store_, "bob");
  vfs_.fail_write_after(8);
  EXPECT_EQ(store_->append_message(user_.id, inbox_.id, big_message()).status().code(),
            Code::io_error);
  expect_same(before, Snapshot::of(*store_, "bob"));
  Result<Appended> next = store_->append_message(user_.id, inbox_.id, big_message());
  ASSERT_TRUE(next.is_ok()) << next.status().to_string();
  EXPECT_EQ(next->uid, 4u);
}

TEST_F(StoreFaults, FullDiskIsDiskFullAndLeavesNothing) {
  Snapshot before = Snapshot::of(*store_, "bob");
  vfs_.set_disk_full(true);
  Result<Appended> appended = store_->append_message(user_.id, inbox_.id, big_message());
  EXPECT_EQ(appended.status().code(), Code::disk_full) << appended.status().to_string();
  expect_same(before, Snapshot::of(*store_, "bob"));
  // Reads keep working on a full disk.
  EXPECT_EQ(store_->list_messages(user_.id, inbox_.id).value().size(), 3u);
  vfs_.set_disk_full(false);
  Result<Appended> next = store_->append_message(user_.id, inbox_.id, big_message());
  ASSERT_TRUE(next.is_ok()) << next.status().to_string();
  EXPECT_EQ(next->uid, 4u);
  EXPECT_EQ(store_->find_user("bob").value().storage_used, 3 * 5000u + 300000u);
}

// Concurrent writes on a full disk all fail, whichever batch they share,
// and leave nothing; afterwards they all work.
TEST_F(StoreFaults, FullDiskFailsConcurrentWritesAndLeavesNothing) {
  Snapshot before = Snapshot::of(*store_, "bob");
  vfs_.set_disk_full(true);
  std::vector<std::thread> threads;
  std::atomic<int> full{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        Status s = t % 2 == 0 ? store_->append_message(user_.id, inbox_.id, big_message()).status()
                              : store_
                                    ->store_flags(user_.id, inbox_.id, {1, 2, 3}, FlagMode::add,
                                                  {"t" + std::to_string(t)})
                                    .status();
        if (s.code() == Code::disk_full) ++full;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(full.load(), 30);
  expect_same(before, Snapshot::of(*store_, "bob"));
  vfs_.set_disk_full(false);
  EXPECT_TRUE(store_->append_message(user_.id, inbox_.id, big_message()).is_ok());
  EXPECT_TRUE(store_->store_flags(user_.id, inbox_.id, {1}, FlagMode::add, {"t1"}).is_ok());
}

// When a job's failure makes SQLite abandon the whole transaction (a full
// disk, an I/O error in the middle of a statement), the failing job alone
// fails: the writer runs the other jobs of its batch again in a new one.
TEST(StoreWriter, AJobThatLosesTheTransactionFailsAloneAndTheOthersRunAgain) {
  TempDir dir;
  auto connection = sqlite::Connection::open(dir.db().string(), "", true, false);
  ASSERT_TRUE(connection.is_ok()) << connection.status().to_string();
  ASSERT_TRUE((*connection)->exec("CREATE TABLE t (job INTEGER)"));
  sqlite::Writer writer(std::move(*connection));

  // The first job holds the writer while the others queue into one batch.
  std::promise<void> holding;
  std::promise<void> release;
  std::thread first([&] {
    EXPECT_TRUE(writer.run([&](sqlite::Connection&) {
      holding.set_value();
      release.get_future().wait();
      return Status::ok();
    }));
  });
  holding.get_future().wait();
  // Queued in this order (a pause between them): 0, then 1 that loses the
  // transaction, then 2.
  std::atomic<int> runs[3] = {0, 0, 0};
  std::vector<Status> results(3);
  std::vector<std::thread> others;
  for (int job = 0; job < 3; ++job) {
    others.emplace_back([&, job] {
      results[job] = writer.run([&, job](sqlite::Connection& db) -> Status {
        ++runs[job];
        EIDER_RETURN_IF_ERROR(db.run("INSERT INTO t (job) VALUES (?)", job));
        if (job != 1) return Status::ok();
        (void)db.run("ROLLBACK");  // as SQLite does by itself after SQLITE_FULL or an I/O error
        return error(Code::disk_full, "lost the transaction");
      });
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  release.set_value();
  first.join();
  for (std::thread& thread : others) thread.join();

  EXPECT_TRUE(results[0]) << results[0].to_string();
  EXPECT_EQ(results[1].code(), Code::disk_full);
  EXPECT_TRUE(results[2]) << results[2].to_string();
  EXPECT_EQ(runs[0].load(), 2) << "ran again after the transaction was lost";
  EXPECT_EQ(runs[1].load(), 1);
  EXPECT_EQ(runs[2].load(), 1);
  int64_t rows = -1;
  ASSERT_TRUE(writer.run([&](sqlite::Connection& db) -> Status {
    Result<int64_t> count = db.query_int("SELECT count(*) FROM t WHERE job != 1");
    if (count) rows = *count;
    return count.status();
  }));
  EXPECT_EQ(rows, 2);
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
  faulty.clear();
  EXPECT_TRUE(faulty.find_user("bob").is_ok());
  faulty.fail(StoreCall::expunge_messages, error(Code::io_error, "injected"));
  EXPECT_EQ(faulty.expunge_messages(user_.id, inbox_.id, {1}).status().code(), Code::io_error);
  EXPECT_EQ(faulty.list_messages(user_.id, inbox_.id).value().size(), 4u);
}

}  // namespace
}  // namespace eider::store
