// Messages: append/read round trip, flags, copy/move/expunge, journal,
// quota, blob dedup and vacuum.
#include "store_test_util.h"

namespace eider::store {
namespace {

using testing::Account;
using testing::make_account;
using testing::make_blob;
using testing::make_message;
using testing::open_or_die;
using testing::options_for;
using testing::TempDir;

std::vector<uint32_t> uids_of(const std::vector<MessageInfo>& infos) {
  std::vector<uint32_t> uids;
  for (const MessageInfo& info : infos) uids.push_back(info.uid);
  return uids;
}

class StoreMessages : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_or_die(options_for(dir_));
    ASSERT_NE(store_, nullptr);
    bob_ = make_account(*store_, "bob");
  }

  uint32_t append(uint64_t size, std::vector<mime::Blob> blobs = {},
                  std::vector<std::string> flags = {}) {
    Result<Appended> appended =
        store_->append_message(bob_.user.id, bob_.inbox.id, make_message(size, blobs, flags));
    EXPECT_TRUE(appended.is_ok()) << appended.status().to_string();
    return appended ? appended->uid : 0;
  }

  std::vector<MessageInfo> list(int64_t mailbox_id) {
    return store_->list_messages(bob_.user.id, mailbox_id).value();
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  Account bob_;
};

TEST_F(StoreMessages, AppendThenReadReturnsWhatWasStored) {
  mime::Blob small = make_blob("small-attachment", 100);
  mime::Blob big = make_blob("big-random-attachment", 200000, true);
  NewMessage message = make_message(250000, {small, big}, {"\\seen", "$Label"}, "<m1@x>");
  message.split.tree = testing::make_tree(250000, {small.key, big.key}, std::string(5000, 'T'));
  message.internal_date = 1234567890;
  Result<Appended> appended = store_->append_message(bob_.user.id, bob_.inbox.id, message);
  ASSERT_TRUE(appended.is_ok()) << appended.status().to_string();
  EXPECT_EQ(appended->uid, 1u);
  EXPECT_EQ(appended->mailbox_id, bob_.inbox.id);
  EXPECT_EQ(appended->uidvalidity, bob_.inbox.uidvalidity);
  EXPECT_GT(appended->modseq, bob_.inbox.highest_modseq);

  Result<StoredMessage> stored = store_->read_message(bob_.user.id, bob_.inbox.id, 1);
  ASSERT_TRUE(stored.is_ok()) << stored.status().to_string();
  EXPECT_EQ(stored->tree, message.split.tree);
  EXPECT_EQ(stored->envelope, message.envelope);
  EXPECT_EQ(stored->bodystructure, message.bodystructure);
  EXPECT_EQ(stored->body, message.body);
  EXPECT_EQ(stored->info.size, 250000u);
  EXPECT_EQ(stored->info.internal_date, 1234567890);
  EXPECT_EQ(stored->info.flags, (std::vector<std::string>{"\\Seen", "$Label"}));
  EXPECT_EQ(stored->info.modseq, appended->modseq);
  EXPECT_EQ(store_->read_blob(small.key).value(), small.content);
  EXPECT_EQ(store_->read_blob(big.key).value(), big.content);
  EXPECT_EQ(store_->read_blob(testing::key_of("absent")).status().code(), Code::not_found);
  EXPECT_EQ(store_->read_message(bob_.user.id, bob_.inbox.id, 2).status().code(), Code::not_found);

  User user = store_->find_user("bob").value();
  EXPECT_EQ(user.storage_used, 250000u);
  EXPECT_EQ(user.message_count, 1u);
  Mailbox inbox = store_->find_mailbox(bob_.user.id, "INBOX").value();
  EXPECT_EQ(inbox.uidnext, 2u);
  EXPECT_EQ(inbox.message_count, 1u);
  EXPECT_EQ(inbox.highest_modseq, appended->modseq);
}

TEST_F(StoreMessages, OtherUsersCannotReachAMessage) {
  append(10);
  Account eve = make_account(*store_, "eve");
  EXPECT_EQ(store_->read_message(eve.user.id, bob_.inbox.id, 1).status().code(), Code::not_found);
  EXPECT_EQ(store_->list_messages(eve.user.id, bob_.inbox.id).status().code(), Code::not_found);
  EXPECT_EQ(store_->append_message(eve.user.id, bob_.inbox.id, make_message(1)).status().code(),
            Code::not_found);
  EXPECT_EQ(store_->expunge_messages(eve.user.id, bob_.inbox.id, {1}).status().code(),
            Code::not_found);
}

TEST_F(StoreMessages, QuotaRefusesAppendAndCopyLeavingNothing) {
  ASSERT_TRUE(store_->set_quota("bob", {.bytes = 1000}).is_ok());
  append(600);
  Stats before = store_->stats().value();
  EXPECT_EQ(store_->append_message(bob_.user.id, bob_.inbox.id, make_message(401)).status().code(),
            Code::over_quota);
  EXPECT_EQ(store_->copy_messages(bob_.user.id, bob_.inbox.id, {1}, bob_.inbox.id).status().code(),
            Code::over_quota);
  Stats after = store_->stats().value();
  EXPECT_EQ(after.message_count, before.message_count);
  EXPECT_EQ(after.journal_rows, before.journal_rows);
  EXPECT_EQ(store_->find_user("bob").value().storage_used, 600u);
  EXPECT_EQ(store_->find_mailbox(bob_.user.id, "INBOX").value().uidnext, 2u);
  append(400);  // exactly at the quota is allowed
  // A move never needs more space.
  Mailbox trash = store_->find_mailbox(bob_.user.id, "Trash").value();
  EXPECT_TRUE(store_->move_messages(bob_.user.id, bob_.inbox.id, {1, 2}, trash.id).is_ok());
}

TEST_F(StoreMessages, MessageQuotaRefusesAppendAndCopyPastTheCount) {
  ASSERT_TRUE(store_->set_quota("bob", {.messages = 3}).is_ok());
  append(10);
  append(10);
  EXPECT_EQ(
      store_->copy_messages(bob_.user.id, bob_.inbox.id, {1, 2}, bob_.inbox.id).status().code(),
      Code::over_quota);
  ASSERT_TRUE(store_->copy_messages(bob_.user.id, bob_.inbox.id, {1}, bob_.inbox.id).is_ok());
  EXPECT_EQ(store_->append_message(bob_.user.id, bob_.inbox.id, make_message(1)).status().code(),
            Code::over_quota);
  User bob = store_->find_user("bob").value();
  EXPECT_EQ(bob.message_count, 3u);
  EXPECT_EQ(bob.quota_messages, 3u);
  EXPECT_EQ(bob.quota_bytes, 0u);
  // Expunging frees room for one more.
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, {1}).is_ok());
  append(10);
}

TEST_F(StoreMessages, FlagsAddRemoveReplaceWithCanonicalSystemFlags) {
  append(10, {}, {"\\Seen"});
  append(10);
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
      {FlagMode::replace, {"\\Answered", "\\draft"}, {1, 2}, {"\\Answered", "\\Draft"}},
      {FlagMode::replace, {}, {1, 2}, {}},
  };
  uint64_t last_modseq = store_->find_mailbox(bob_.user.id, "INBOX").value().highest_modseq;
  for (const Step& step : steps) {
    Result<std::vector<MessageInfo>> changed =
        store_->store_flags(bob_.user.id, bob_.inbox.id, {1, 2, 99}, step.mode, step.flags);
    ASSERT_TRUE(changed.is_ok()) << changed.status().to_string();
    EXPECT_EQ(uids_of(*changed), step.changed);
    for (const MessageInfo& info : *changed) {
      EXPECT_GT(info.modseq, last_modseq);
      last_modseq = info.modseq;
    }
    EXPECT_EQ(list(bob_.inbox.id)[0].flags, step.flags_of_1);
  }
  EXPECT_EQ(store_->find_mailbox(bob_.user.id, "INBOX").value().highest_modseq, last_modseq);
  EXPECT_EQ(store_->store_flags(bob_.user.id, bob_.inbox.id, {1}, FlagMode::add, {"bad flag"})
                .status()
                .code(),
            Code::invalid_argument);
}

TEST_F(StoreMessages, JournalListsEveryChangeInModseqOrder) {
  uint64_t start = store_->find_mailbox(bob_.user.id, "INBOX").value().highest_modseq;
  append(10);
  append(20);
  ASSERT_TRUE(
      store_->store_flags(bob_.user.id, bob_.inbox.id, {2}, FlagMode::add, {"\\Seen"}).is_ok());
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, {1}).is_ok());
  std::vector<JournalEntry> entries =
      store_->journal_since(bob_.user.id, bob_.inbox.id, start).value();
  struct Want {
    JournalKind kind;
    uint32_t uid;
    std::string data;
  };
  std::vector<Want> want = {{JournalKind::added, 1, ""},
                            {JournalKind::added, 2, ""},
                            {JournalKind::flags, 2, "\\Seen"},
                            {JournalKind::expunged, 1, ""}};
  ASSERT_EQ(entries.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(entries[i].kind, want[i].kind) << i;
    EXPECT_EQ(entries[i].uid, want[i].uid) << i;
    EXPECT_EQ(entries[i].data, want[i].data) << i;
    EXPECT_EQ(entries[i].modseq, start + 1 + i) << i;
  }
  EXPECT_EQ(store_->journal_since(bob_.user.id, bob_.inbox.id, start + 2).value().size(), 2u);
  EXPECT_TRUE(store_->journal_since(bob_.user.id, bob_.inbox.id, start + 4).value().empty());
}

TEST_F(StoreMessages, CopySharesBlobsAndMoveJournalsBothMailboxes) {
  mime::Blob blob = make_blob("attachment", 50000);
  append(60000, {blob}, {"\\Seen"});
  append(70);
  Mailbox archive = store_->find_mailbox(bob_.user.id, "Archive").value();
  Result<Copied> copied = store_->copy_messages(bob_.user.id, bob_.inbox.id, {2, 1, 7}, archive.id);
  ASSERT_TRUE(copied.is_ok()) << copied.status().to_string();
  ASSERT_EQ(copied->uids.size(), 2u);
  EXPECT_EQ(copied->uids[0].from, 1u);
  EXPECT_EQ(copied->uids[0].to, 1u);
  EXPECT_EQ(copied->uids[1].from, 2u);
  EXPECT_EQ(copied->uids[1].to, 2u);
  // Only the destination changed, and the call says to which modseq.
  EXPECT_EQ(
      copied->changed,
      (std::vector<MailboxModseq>{
          {archive.id, store_->find_mailbox(bob_.user.id, "Archive").value().highest_modseq}}));
  Stats stats = store_->stats().value();
  EXPECT_EQ(stats.blob_count, 1u);
  EXPECT_EQ(stats.blob_refs, 2u);
  EXPECT_EQ(list(archive.id)[0].flags, std::vector<std::string>{"\\Seen"});
  EXPECT_EQ(store_->find_user("bob").value().storage_used, 2 * 60070u);

  Mailbox trash = store_->find_mailbox(bob_.user.id, "Trash").value();
  uint64_t inbox_modseq = store_->find_mailbox(bob_.user.id, "INBOX").value().highest_modseq;
  Result<Copied> moved = store_->move_messages(bob_.user.id, bob_.inbox.id, {1}, trash.id);
  ASSERT_TRUE(moved.is_ok()) << moved.status().to_string();
  ASSERT_EQ(moved->uids.size(), 1u);
  EXPECT_EQ(moved->changed,
            (std::vector<MailboxModseq>{
                {trash.id, store_->find_mailbox(bob_.user.id, "Trash").value().highest_modseq},
                {bob_.inbox.id, inbox_modseq + 1}}));
  EXPECT_EQ(uids_of(list(bob_.inbox.id)), std::vector<uint32_t>{2});
  EXPECT_EQ(uids_of(list(trash.id)), std::vector<uint32_t>{1});
  std::vector<JournalEntry> inbox_journal =
      store_->journal_since(bob_.user.id, bob_.inbox.id, inbox_modseq).value();
  ASSERT_EQ(inbox_journal.size(), 1u);
  EXPECT_EQ(inbox_journal[0].kind, JournalKind::expunged);
  EXPECT_EQ(store_->journal_since(bob_.user.id, trash.id, 0).value().back().kind,
            JournalKind::added);
  EXPECT_EQ(store_->find_user("bob").value().storage_used, 2 * 60070u);
  EXPECT_EQ(store_->stats().value().blob_refs, 2u);
  // Into its own mailbox: a new uid, the old one expunged, in one transaction.
  Copied moved_within = store_->move_messages(bob_.user.id, trash.id, {1}, trash.id).value();
  const std::vector<UidPair>& same = moved_within.uids;
  ASSERT_EQ(same.size(), 1u);
  // One entry, with the modseq the expunge took after the copy.
  EXPECT_EQ(moved_within.changed,
            (std::vector<MailboxModseq>{
                {trash.id, store_->find_mailbox(bob_.user.id, "Trash").value().highest_modseq}}));
  EXPECT_EQ(same[0].from, 1u);
  EXPECT_EQ(uids_of(list(trash.id)), std::vector<uint32_t>{same[0].to});
  EXPECT_GT(same[0].to, 1u);
  std::vector<JournalEntry> trash_journal =
      store_->journal_since(bob_.user.id, trash.id, 0).value();
  EXPECT_EQ(trash_journal.back().kind, JournalKind::expunged);
  EXPECT_EQ(trash_journal.back().uid, 1u);
  EXPECT_EQ(store_->find_user("bob").value().storage_used, 2 * 60070u);
  EXPECT_EQ(store_->stats().value().blob_refs, 2u);
}

TEST_F(StoreMessages, ExpungeReturnsRemovedUidsAndReleasesQuota) {
  append(10);
  append(20);
  append(30);
  const uint64_t before = store_->find_mailbox(bob_.user.id, "INBOX").value().highest_modseq;
  Result<Expunged> removed = store_->expunge_messages(bob_.user.id, bob_.inbox.id, {3, 1, 1, 42});
  ASSERT_TRUE(removed.is_ok());
  EXPECT_EQ(removed->uids, (std::vector<uint32_t>{1, 3}));
  EXPECT_EQ(removed->changed, (std::vector<MailboxModseq>{{bob_.inbox.id, before + 2}}));
  // Nothing expunged: nothing changed, no modseq taken.
  Result<Expunged> none = store_->expunge_messages(bob_.user.id, bob_.inbox.id, {1, 42});
  ASSERT_TRUE(none.is_ok());
  EXPECT_TRUE(none->uids.empty());
  EXPECT_TRUE(none->changed.empty());
  EXPECT_EQ(store_->find_mailbox(bob_.user.id, "INBOX").value().highest_modseq, before + 2);
  EXPECT_EQ(uids_of(list(bob_.inbox.id)), std::vector<uint32_t>{2});
  User user = store_->find_user("bob").value();
  EXPECT_EQ(user.storage_used, 20u);
  EXPECT_EQ(user.message_count, 1u);
  // UIDs are never reused.
  EXPECT_EQ(append(5), 4u);
}

TEST_F(StoreMessages, SameBlobInAHundredMessagesIsStoredOnceAndVacuumShrinksTheFile) {
  mime::Blob blob = make_blob("popular-attachment", 300000, true);
  for (int i = 0; i < 100; ++i) append(300100, {blob, make_blob("own-" + std::to_string(i), 40)});
  Stats stats = store_->stats().value();
  EXPECT_EQ(stats.blob_count, 101u);
  EXPECT_EQ(stats.blob_refs, 200u);
  EXPECT_LT(stats.blob_bytes, 2 * blob.content.size());
  ASSERT_TRUE(store_->vacuum().is_ok());
  uintmax_t full_size = std::filesystem::file_size(dir_.db());

  std::vector<uint32_t> all;
  for (uint32_t uid = 1; uid <= 100; ++uid) all.push_back(uid);
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, all).is_ok());
  stats = store_->stats().value();
  EXPECT_EQ(stats.blob_count, 0u);
  EXPECT_EQ(stats.blob_bytes, 0u);
  EXPECT_EQ(stats.message_count, 0u);
  ASSERT_TRUE(store_->vacuum().is_ok());
  EXPECT_LT(std::filesystem::file_size(dir_.db()), full_size - blob.content.size() / 2);
}

TEST_F(StoreMessages, DeleteMailboxFreesMessagesBlobsAndQuota) {
  Mailbox work = store_->create_mailbox(bob_.user.id, "Work", "").value();
  mime::Blob blob = make_blob("report", 10000);
  ASSERT_TRUE(store_->append_message(bob_.user.id, work.id, make_message(11000, {blob})).is_ok());
  append(11000, {blob});
  const uint64_t work_modseq = store_->find_mailbox(bob_.user.id, "Work").value().highest_modseq;
  Result<MailboxModseq> deleted = store_->delete_mailbox(bob_.user.id, "Work");
  ASSERT_TRUE(deleted.is_ok());
  EXPECT_EQ(*deleted, (MailboxModseq{work.id, work_modseq + 1}));
  EXPECT_EQ(store_->journal_since(bob_.user.id, work.id, 0).value().back().modseq, work_modseq + 1);
  Stats stats = store_->stats().value();
  EXPECT_EQ(stats.message_count, 1u);
  EXPECT_EQ(stats.blob_refs, 1u);
  EXPECT_EQ(store_->find_user("bob").value().storage_used, 11000u);
  EXPECT_EQ(store_->read_blob(blob.key).value(), blob.content);
}

TEST_F(StoreMessages, BlobReferencesComeFromTheTreeWithRepetition) {
  mime::Blob blob = make_blob("logo", 3000);
  NewMessage twice = make_message(7000, {blob});
  twice.split.tree = testing::make_tree(7000, {blob.key, blob.key});
  ASSERT_TRUE(store_->append_message(bob_.user.id, bob_.inbox.id, twice).is_ok());
  EXPECT_EQ(store_->stats().value().blob_refs, 2u);

  // A message may rely on a blob already stored without shipping it again.
  NewMessage relying = make_message(3100);
  relying.split.tree = testing::make_tree(3100, {blob.key});
  ASSERT_TRUE(store_->append_message(bob_.user.id, bob_.inbox.id, relying).is_ok());
  EXPECT_EQ(store_->stats().value().blob_refs, 3u);

  Stats before = store_->stats().value();
  NewMessage dangling = make_message(3100);
  dangling.split.tree = testing::make_tree(3100, {testing::key_of("never-stored")});
  EXPECT_EQ(store_->append_message(bob_.user.id, bob_.inbox.id, dangling).status().code(),
            Code::invalid_argument);
  NewMessage corrupt = make_message(10);
  corrupt.split.tree = "not a tree";
  EXPECT_EQ(store_->append_message(bob_.user.id, bob_.inbox.id, corrupt).status().code(),
            Code::corrupt);
  Stats after = store_->stats().value();
  EXPECT_EQ(after.message_count, before.message_count);
  EXPECT_EQ(after.blob_refs, before.blob_refs);
  EXPECT_EQ(after.journal_rows, before.journal_rows);

  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, {1}).is_ok());
  EXPECT_EQ(store_->stats().value().blob_refs, 1u);
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, {2}).is_ok());
  EXPECT_EQ(store_->stats().value().blob_count, 0u);
}

TEST_F(StoreMessages, MessagesWithTheSameMessageIdShareAThread) {
  NewMessage first = make_message(10, {}, {}, "<a@x>");
  NewMessage second = make_message(10, {}, {}, "<a@x>");
  NewMessage other = make_message(10, {}, {}, "<b@x>");
  for (const NewMessage* m : {&first, &second, &other}) {
    ASSERT_TRUE(store_->append_message(bob_.user.id, bob_.inbox.id, *m).is_ok());
  }
  std::vector<MessageInfo> infos = list(bob_.inbox.id);
  EXPECT_EQ(infos[0].thread_id, infos[1].thread_id);
  EXPECT_NE(infos[0].thread_id, infos[2].thread_id);
}

}  // namespace
}  // namespace eider::store
