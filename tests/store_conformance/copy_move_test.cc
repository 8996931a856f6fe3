// copy_messages, move_messages and expunge_messages: uid order, missing
// uids skipped, shared blobs, quota, journal rows on both sides, and a
// randomized run against a model of quota, counters and blob references.
#include <algorithm>
#include <map>
#include <random>

#include "conformance.h"

namespace eider::store::testing {
namespace {

class CopyMove : public StoreConformance {
 protected:
  void SetUp() override {
    StoreConformance::SetUp();
    if (HasFatalFailure()) return;
    bob_ = account("bob");
    trash_ = mailbox(bob_.user.id, "Trash");
  }

  uint32_t append(uint64_t size, std::vector<mime::Blob> blobs = {},
                  std::vector<std::string> flags = {}) {
    return StoreConformance::append(bob_, make_message(size, std::move(blobs), std::move(flags)));
  }

  Account bob_;
  Mailbox trash_;
};
EIDER_CONFORMANCE(CopyMove);

TEST_P(CopyMove, CopyGivesNewUidsInAscendingOrderSkipsMissingAndSharesBlobs) {
  mime::Blob blob = make_blob("attachment", 50000);
  append(60000, {blob}, {"\\Seen", "$Label"});
  append(70);
  Mailbox archive = mailbox(bob_.user.id, "Archive");
  const uint64_t before = archive.highest_modseq;
  Result<std::vector<UidPair>> copied = copy(bob_.user.id, bob_.inbox.id, {2, 1, 7, 2}, archive.id);
  ASSERT_TRUE(copied.is_ok()) << copied.status().to_string();
  ASSERT_EQ(copied->size(), 2u);
  EXPECT_EQ((*copied)[0].from, 1u);
  EXPECT_EQ((*copied)[0].to, 1u);
  EXPECT_EQ((*copied)[1].from, 2u);
  EXPECT_EQ((*copied)[1].to, 2u);
  Stats stats = store().stats().value();
  EXPECT_EQ(stats.blob_count, 1u);
  EXPECT_EQ(stats.blob_refs, 2u);
  std::vector<MessageInfo> listed = store().list_messages(bob_.user.id, archive.id).value();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].flags, (std::vector<std::string>{"\\Seen", "$Label"}));
  EXPECT_EQ(listed[0].size, 60000u);
  User user = store().find_user("bob").value();
  EXPECT_EQ(user.storage_used, 2 * 60070u);
  EXPECT_EQ(user.message_count, 4u);
  // The source is untouched; the target has an added row per message, one modseq each.
  EXPECT_EQ(uids(bob_.user.id, bob_.inbox.id), (std::vector<uint32_t>{1, 2}));
  std::vector<JournalEntry> journal =
      store().journal_since(bob_.user.id, archive.id, before).value();
  ASSERT_EQ(journal.size(), 2u);
  EXPECT_EQ(journal[0].kind, JournalKind::added);
  EXPECT_EQ(journal[0].uid, 1u);
  EXPECT_EQ(journal[1].uid, 2u);
  EXPECT_LT(journal[0].modseq, journal[1].modseq);
  Mailbox after = mailbox(bob_.user.id, "Archive");
  EXPECT_EQ(after.highest_modseq, journal[1].modseq);
  EXPECT_EQ(after.uidnext, 3u);
  EXPECT_EQ(after.message_count, 2u);
  StoredMessage copy_of_1 = store().read_message(bob_.user.id, archive.id, 1).value();
  EXPECT_EQ(copy_of_1.tree, store().read_message(bob_.user.id, bob_.inbox.id, 1).value().tree);
  // Nothing to copy is no change.
  EXPECT_TRUE(copy(bob_.user.id, bob_.inbox.id, {9}, archive.id).value().empty());
  EXPECT_EQ(mailbox(bob_.user.id, "Archive").highest_modseq, after.highest_modseq);
}

TEST_P(CopyMove, MoveExpungesTheSourceAndKeepsQuotaAndBlobs) {
  mime::Blob blob = make_blob("attachment", 50000);
  append(60000, {blob}, {"\\Seen"});
  append(70);
  append(80);
  const uint64_t inbox_modseq = mailbox(bob_.user.id, "INBOX").highest_modseq;
  Result<std::vector<UidPair>> moved = move(bob_.user.id, bob_.inbox.id, {3, 1, 42}, trash_.id);
  ASSERT_TRUE(moved.is_ok()) << moved.status().to_string();
  ASSERT_EQ(moved->size(), 2u);
  EXPECT_EQ((*moved)[0].from, 1u);
  EXPECT_EQ((*moved)[0].to, 1u);
  EXPECT_EQ((*moved)[1].from, 3u);
  EXPECT_EQ((*moved)[1].to, 2u);
  EXPECT_EQ(uids(bob_.user.id, bob_.inbox.id), std::vector<uint32_t>{2});
  EXPECT_EQ(uids(bob_.user.id, trash_.id), (std::vector<uint32_t>{1, 2}));
  std::vector<MessageInfo> listed = store().list_messages(bob_.user.id, trash_.id).value();
  EXPECT_EQ(listed[0].flags, std::vector<std::string>{"\\Seen"});
  EXPECT_EQ(store().expunged_since(bob_.user.id, bob_.inbox.id, inbox_modseq).value(),
            (std::vector<uint32_t>{1, 3}));
  std::vector<JournalEntry> trash_journal =
      store().journal_since(bob_.user.id, trash_.id, trash_.highest_modseq).value();
  ASSERT_EQ(trash_journal.size(), 2u);
  EXPECT_EQ(trash_journal[0].kind, JournalKind::added);
  User user = store().find_user("bob").value();
  EXPECT_EQ(user.storage_used, 60150u);
  EXPECT_EQ(user.message_count, 3u);
  EXPECT_EQ(mailbox(bob_.user.id, "INBOX").message_count, 1u);
  EXPECT_EQ(store().stats().value().blob_refs, 1u);
}

TEST_P(CopyMove, MoveIntoItsOwnMailboxGivesNewUidsAndExpungesTheOld) {
  append(10);
  append(20);
  Result<std::vector<UidPair>> same = move(bob_.user.id, bob_.inbox.id, {1}, bob_.inbox.id);
  ASSERT_TRUE(same.is_ok()) << same.status().to_string();
  ASSERT_EQ(same->size(), 1u);
  EXPECT_EQ((*same)[0].from, 1u);
  EXPECT_EQ((*same)[0].to, 3u);
  EXPECT_EQ(uids(bob_.user.id, bob_.inbox.id), (std::vector<uint32_t>{2, 3}));
  std::vector<JournalEntry> journal = store().journal_since(bob_.user.id, bob_.inbox.id, 0).value();
  EXPECT_EQ(journal.back().kind, JournalKind::expunged);
  EXPECT_EQ(journal.back().uid, 1u);
  User user = store().find_user("bob").value();
  EXPECT_EQ(user.storage_used, 30u);
  EXPECT_EQ(user.message_count, 2u);
}

TEST_P(CopyMove, CopyOrMoveToAMissingMailboxIsNotFoundAndLeavesNothing) {
  append(10);
  Footprint before = footprint(bob_.user.id);
  EXPECT_EQ(copy(bob_.user.id, bob_.inbox.id, {1}, 999999).status().code(), Code::not_found);
  EXPECT_EQ(move(bob_.user.id, bob_.inbox.id, {1}, 999999).status().code(), Code::not_found);
  EXPECT_EQ(move(bob_.user.id, 999999, {1}, bob_.inbox.id).status().code(), Code::not_found);
  EXPECT_EQ(expunge(bob_.user.id, 999999, {1}).status().code(), Code::not_found);
  expect_unchanged(before, footprint(bob_.user.id));
}

TEST_P(CopyMove, ExpungeReturnsRemovedUidsAscendingAndReleasesQuota) {
  append(10);
  append(20);
  append(30);
  const uint64_t before = mailbox(bob_.user.id, "INBOX").highest_modseq;
  Result<std::vector<uint32_t>> removed = expunge(bob_.user.id, bob_.inbox.id, {3, 1, 1, 42});
  ASSERT_TRUE(removed.is_ok());
  EXPECT_EQ(*removed, (std::vector<uint32_t>{1, 3}));
  EXPECT_EQ(uids(bob_.user.id, bob_.inbox.id), std::vector<uint32_t>{2});
  User user = store().find_user("bob").value();
  EXPECT_EQ(user.storage_used, 20u);
  EXPECT_EQ(user.message_count, 1u);
  std::vector<JournalEntry> journal =
      store().journal_since(bob_.user.id, bob_.inbox.id, before).value();
  ASSERT_EQ(journal.size(), 2u);
  EXPECT_EQ(journal[0].kind, JournalKind::expunged);
  EXPECT_EQ(journal[0].uid, 1u);
  EXPECT_EQ(journal[1].uid, 3u);
  Mailbox inbox = mailbox(bob_.user.id, "INBOX");
  EXPECT_EQ(inbox.highest_modseq, journal[1].modseq);
  EXPECT_EQ(inbox.message_count, 1u);
  // Nothing left to expunge: no change, no modseq.
  EXPECT_TRUE(expunge(bob_.user.id, bob_.inbox.id, {1, 3}).value().empty());
  EXPECT_EQ(mailbox(bob_.user.id, "INBOX").highest_modseq, inbox.highest_modseq);
  // UIDs are never reused.
  EXPECT_EQ(append(5), 4u);
}

struct ModelMessage {
  uint64_t size = 0;
  std::vector<mime::BlobKey> refs;
};

using ModelMailbox = std::map<uint32_t, ModelMessage>;

class StoreRandom : public StoreConformance {
 protected:
  static constexpr uint64_t kQuota = 400000;
  static constexpr int kBlobPool = 12;

  void SetUp() override {
    StoreConformance::SetUp();
    if (HasFatalFailure()) return;
    user_ = account("bob", {.bytes = kQuota}).user;
    for (const char* path : {"INBOX", "A", "B"}) {
      if (std::string(path) != "INBOX") {
        ASSERT_TRUE(store().create_mailbox(user_.id, path, "").is_ok());
      }
      ids_[path] = mailbox(user_.id, path).id;
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
    std::vector<uint32_t> out;
    for (const auto& [uid, m] : model_[mailbox]) {
      if (rng_() % 3 == 0) out.push_back(uid);
    }
    if (rng_() % 4 == 0) out.push_back(100000);  // absent uids are skipped
    return out;
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
    NewMessage message = make_message(size, blobs);
    message.split.tree = make_tree(size, refs);
    Result<Appended> appended = store().append_message(user_.id, mailbox, message);
    if (used() + size > kQuota) {
      EXPECT_EQ(appended.status().code(), Code::over_quota);
      return;
    }
    ASSERT_TRUE(appended.is_ok()) << appended.status().to_string();
    model_[mailbox][appended->uid] = ModelMessage{size, refs};
  }

  void step_copy_or_move(bool moving) {
    int64_t from = random_mailbox();
    int64_t to = random_mailbox();
    if (moving && from == to) return;
    std::vector<uint32_t> picked = random_uids(from);
    uint64_t bytes = 0;
    for (uint32_t uid : picked) {
      if (model_[from].count(uid)) bytes += model_[from][uid].size;
    }
    Result<std::vector<UidPair>> pairs =
        moving ? move(user_.id, from, picked, to) : copy(user_.id, from, picked, to);
    if (!moving && bytes > 0 && used() + bytes > kQuota) {
      EXPECT_EQ(pairs.status().code(), Code::over_quota);
      return;
    }
    ASSERT_TRUE(pairs.is_ok()) << pairs.status().to_string();
    for (const UidPair& pair : *pairs) {
      model_[to][pair.to] = model_[from].at(pair.from);
      if (moving) model_[from].erase(pair.from);
    }
  }

  void step_expunge() {
    int64_t mailbox = random_mailbox();
    Result<std::vector<uint32_t>> removed = expunge(user_.id, mailbox, random_uids(mailbox));
    ASSERT_TRUE(removed.is_ok()) << removed.status().to_string();
    for (uint32_t uid : *removed) EXPECT_EQ(model_[mailbox].erase(uid), 1u);
  }

  void step_delete_mailbox() {
    const char* path = rng_() % 2 == 0 ? "A" : "B";
    ASSERT_TRUE(remove(user_.id, path).is_ok());
    model_.erase(ids_[path]);
    Result<Mailbox> created = store().create_mailbox(user_.id, path, "");
    ASSERT_TRUE(created.is_ok());
    ids_[path] = created->id;
    model_[created->id];
  }

  void check(int step) {
    SCOPED_TRACE("after step " + std::to_string(step));
    User user = store().find_user("bob").value();
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
      EXPECT_EQ(uids(user_.id, id), want) << "mailbox " << id;
    }
    EXPECT_EQ(user.message_count, messages);
    Stats stats = store().stats().value();
    EXPECT_EQ(stats.message_count, messages);
    EXPECT_EQ(stats.blob_count, refs.size());
    uint64_t total_refs = 0;
    for (const auto& [key, count] : refs) total_refs += count;
    EXPECT_EQ(stats.blob_refs, total_refs);
    for (const mime::Blob& blob : pool_) {
      Result<std::string> content = store().read_blob(blob.key);
      if (refs.count(blob.key)) {
        EXPECT_EQ(content.value(), blob.content);
      } else {
        EXPECT_EQ(content.status().code(), Code::not_found);
      }
    }
  }

  User user_;
  std::map<std::string, int64_t> ids_;
  std::map<int64_t, ModelMailbox> model_;
  std::vector<mime::Blob> pool_;
  std::mt19937 rng_{20240611};
};
EIDER_CONFORMANCE(StoreRandom);

TEST_P(StoreRandom, QuotaCountersAndBlobRefcountsMatchTheModelAfterEveryStep) {
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
}  // namespace eider::store::testing
