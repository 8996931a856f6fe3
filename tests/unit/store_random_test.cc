// A randomized run (fixed seed) of append/copy/move/expunge/delete_mailbox
// against a model: after every step, quota, counters, message lists and blob
// reference counts must match the model exactly.
#include <map>
#include <random>
#include <set>

#include "store_test_util.h"

namespace eider::store {
namespace {

using testing::make_blob;
using testing::make_tree;
using testing::open_or_die;
using testing::options_for;
using testing::TempDir;

struct ModelMessage {
  uint64_t size = 0;
  std::vector<mime::BlobKey> refs;
};

using ModelMailbox = std::map<uint32_t, ModelMessage>;

class StoreRandom : public ::testing::Test {
 protected:
  static constexpr uint64_t kQuota = 400000;
  static constexpr int kBlobPool = 12;

  void SetUp() override {
    store_ = open_or_die(options_for(dir_));
    ASSERT_NE(store_, nullptr);
    user_ = testing::make_account(*store_, "bob", kQuota).user;
    for (const char* path : {"INBOX", "A", "B"}) {
      if (std::string(path) != "INBOX") {
        ASSERT_TRUE(store_->create_mailbox(user_.id, path, "").is_ok());
      }
      ids_[path] = store_->find_mailbox(user_.id, path).value().id;
      model_[ids_[path]];
    }
    for (int i = 0; i < kBlobPool; ++i)
      pool_.push_back(make_blob("pool-" + std::to_string(i), 2000 + i));
  }

  int64_t random_mailbox() {
    static const char* kPaths[] = {"INBOX", "A", "B"};
    return ids_[kPaths[rng_() % 3]];
  }

  std::vector<uint32_t> random_uids(int64_t mailbox) {
    std::vector<uint32_t> uids;
    for (const auto& [uid, m] : model_[mailbox]) {
      if (rng_() % 3 == 0) uids.push_back(uid);
    }
    if (rng_() % 4 == 0) uids.push_back(100000);  // absent uids are skipped
    return uids;
  }

  uint64_t used() const {
    uint64_t total = 0;
    for (const auto& [id, mailbox] : model_) {
      for (const auto& [uid, m] : mailbox) total += m.size;
    }
    return total;
  }

  void step_append() {
    int64_t mailbox = random_mailbox();
    uint64_t size = 1000 + rng_() % 30000;
    std::vector<mime::Blob> blobs;
    std::vector<mime::BlobKey> refs;
    for (int n = rng_() % 4; n > 0; --n) {
      const mime::Blob& blob = pool_[rng_() % kBlobPool];
      refs.push_back(blob.key);
      if (std::none_of(blobs.begin(), blobs.end(),
                       [&](const mime::Blob& b) { return b.key == blob.key; })) {
        blobs.push_back(blob);
      }
    }
    NewMessage message = testing::make_message(size, blobs);
    message.split.tree = make_tree(size, refs);
    Result<Appended> appended = store_->append_message(user_.id, mailbox, message);
    if (used() + size > kQuota) {
      EXPECT_EQ(appended.status().code(), Code::over_quota);
      return;
    }
    ASSERT_TRUE(appended.is_ok()) << appended.status().to_string();
    model_[mailbox][appended->uid] = ModelMessage{size, refs};
  }

  void step_copy_or_move(bool move) {
    int64_t from = random_mailbox();
    int64_t to = random_mailbox();
    if (move && from == to) return;
    std::vector<uint32_t> uids = random_uids(from);
    uint64_t bytes = 0;
    for (uint32_t uid : uids) {
      if (model_[from].count(uid)) bytes += model_[from][uid].size;
    }
    Result<Copied> pairs = move ? store_->move_messages(user_.id, from, uids, to)
                                : store_->copy_messages(user_.id, from, uids, to);
    if (!move && bytes > 0 && used() + bytes > kQuota) {
      EXPECT_EQ(pairs.status().code(), Code::over_quota);
      return;
    }
    ASSERT_TRUE(pairs.is_ok()) << pairs.status().to_string();
    for (const UidPair& pair : pairs->uids) {
      model_[to][pair.to] = model_[from].at(pair.from);
      if (move) model_[from].erase(pair.from);
    }
  }

  void step_expunge() {
    int64_t mailbox = random_mailbox();
    std::vector<uint32_t> uids = random_uids(mailbox);
    Result<Expunged> removed = store_->expunge_messages(user_.id, mailbox, uids);
    ASSERT_TRUE(removed.is_ok()) << removed.status().to_string();
    for (uint32_t uid : removed->uids) EXPECT_EQ(model_[mailbox].erase(uid), 1u);
  }

  void step_delete_mailbox() {
    const char* path = rng_() % 2 == 0 ? "A" : "B";
    ASSERT_TRUE(store_->delete_mailbox(user_.id, path).is_ok());
    model_.erase(ids_[path]);
    Result<Mailbox> created = store_->create_mailbox(user_.id, path, "");
    ASSERT_TRUE(created.is_ok());
    ids_[path] = created->id;
    model_[created->id];
  }

  void check(int step) {
    SCOPED_TRACE("after step " + std::to_string(step));
    User user = store_->find_user("bob").value();
    EXPECT_EQ(user.storage_used, used());
    std::map<mime::BlobKey, uint64_t> refs;
    uint64_t messages = 0;
    for (const auto& [id, mailbox] : model_) {
      std::vector<uint32_t> want;
      for (const auto& [uid, m] : mailbox) {
        want.push_back(uid);
        for (const mime::BlobKey& key : m.refs) ++refs[key];
      }
      messages += mailbox.size();
      std::vector<uint32_t> got;
      std::vector<MessageInfo> infos = store_->list_messages(user_.id, id).value();
      for (const MessageInfo& info : infos) got.push_back(info.uid);
      EXPECT_EQ(got, want) << "mailbox " << id;
    }
    EXPECT_EQ(user.message_count, messages);
    Stats stats = store_->stats().value();
    EXPECT_EQ(stats.message_count, messages);
    EXPECT_EQ(stats.blob_count, refs.size());
    uint64_t total_refs = 0;
    for (const auto& [key, count] : refs) total_refs += count;
    EXPECT_EQ(stats.blob_refs, total_refs);
    for (const mime::Blob& blob : pool_) {
      Result<std::string> content = store_->read_blob(blob.key);
      if (refs.count(blob.key)) {
        EXPECT_EQ(content.value(), blob.content);
      } else {
        EXPECT_EQ(content.status().code(), Code::not_found);
      }
    }
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  User user_;
  std::map<std::string, int64_t> ids_;
  std::map<int64_t, ModelMailbox> model_;
  std::vector<mime::Blob> pool_;
  std::mt19937 rng_{20240611};
};

TEST_F(StoreRandom, QuotaCountersAndBlobRefcountsMatchTheModelAfterEveryStep) {
  for (int step = 0; step < 300; ++step) {
    unsigned pick = rng_() % 100;
    if (pick < 40) {
      step_append();
    } else if (pick < 55) {
      step_copy_or_move(false);
    } else if (pick < 70) {
      step_copy_or_move(true);
    } else if (pick < 95) {
      step_expunge();
    } else {
      step_delete_mailbox();
    }
    if (HasFatalFailure()) return;
    check(step);
  }
}

}  // namespace
}  // namespace eider::store
