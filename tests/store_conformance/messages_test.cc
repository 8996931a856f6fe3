// Messages: append and read back, quota on both limits, blob references,
// threads, the listings (list_messages*, list_flagged, list_flags,
// visit_summaries), read_message(s) and claim_recent.
#include <atomic>
#include <thread>

#include "conformance.h"
#include "mime/message.h"
#include "mime/tree.h"
#include "mime/wire.h"
#include "store/flags.h"

namespace eider::store::testing {
namespace {

// A message made the way mail::ingest makes it: split from real bytes, with
// a small blob threshold so line ends sit in blobs too.
NewMessage message_from(const std::string& raw) {
  NewMessage message = make_message(raw.size());
  message.split = mime::split(raw, mime::parse(raw), {.blob_threshold = 16});
  message.wire_size = mime::wire_size(raw);
  return message;
}

const std::string kCrlf =
    "Subject: crlf\r\nContent-Type: text/plain\r\n\r\nline one of the body\r\nline two\r\n";
const std::string kLf = "Subject: lf\nContent-Type: text/plain\n\nline one of the body\nline two\n";
const std::string kMixed =
    "Subject: mixed\r\nX-Cr: a\rb\n\nline one of the body\r\nbare lf\nbare cr\rend";

class Messages : public StoreConformance {
 protected:
  void SetUp() override {
    StoreConformance::SetUp();
    if (HasFatalFailure()) return;
    bob_ = account("bob");
  }

  uint32_t append(const NewMessage& message, int64_t mailbox_id = 0) {
    return StoreConformance::append(bob_, message, mailbox_id);
  }

  std::string rebuild(const StoredMessage& stored) {
    Result<std::string> bytes = mime::rebuild(
        stored.tree, [this](const mime::BlobKey& key) { return store().read_blob(key); });
    EXPECT_TRUE(bytes.is_ok()) << bytes.status().to_string();
    return bytes ? *bytes : "";
  }

  Account bob_;
};
EIDER_CONFORMANCE(Messages);

TEST_P(Messages, AppendThenReadReturnsWhatWasStored) {
  mime::Blob small = make_blob("small-attachment", 100);
  mime::Blob big = make_blob("big-random-attachment", 200000, true);
  NewMessage message = make_message(250000, {small, big}, {"\\seen", "$Label"}, "<m1@x>");
  message.split.tree = make_tree(250000, {small.key, big.key}, std::string(5000, 'T'));
  message.internal_date = 1234567890;
  message.wire_size = 250123;
  Result<Appended> appended = store().append_message(bob_.user.id, bob_.inbox.id, message);
  ASSERT_TRUE(appended.is_ok()) << appended.status().to_string();
  EXPECT_EQ(appended->uid, 1u);
  EXPECT_EQ(appended->mailbox_id, bob_.inbox.id);
  EXPECT_EQ(appended->uidvalidity, bob_.inbox.uidvalidity);
  EXPECT_GT(appended->modseq, bob_.inbox.highest_modseq);

  Result<StoredMessage> stored = store().read_message(bob_.user.id, bob_.inbox.id, 1);
  ASSERT_TRUE(stored.is_ok()) << stored.status().to_string();
  EXPECT_EQ(stored->tree, message.split.tree);
  EXPECT_EQ(stored->envelope, message.envelope);
  EXPECT_EQ(stored->bodystructure, message.bodystructure);
  EXPECT_EQ(stored->body, message.body);
  EXPECT_EQ(stored->info.uid, 1u);
  EXPECT_EQ(stored->info.size, 250000u);
  EXPECT_EQ(stored->info.wire_size, 250123u);
  EXPECT_EQ(stored->info.internal_date, 1234567890);
  EXPECT_EQ(stored->info.flags, (std::vector<std::string>{"\\Seen", "$Label"}));
  EXPECT_EQ(stored->info.modseq, appended->modseq);
  EXPECT_EQ(store().read_blob(small.key).value(), small.content);
  EXPECT_EQ(store().read_blob(big.key).value(), big.content);
  EXPECT_EQ(store().read_blob(key_of("absent")).status().code(), Code::not_found);
  EXPECT_EQ(store().read_message(bob_.user.id, bob_.inbox.id, 2).status().code(), Code::not_found);

  User user = store().find_user("bob").value();
  EXPECT_EQ(user.storage_used, 250000u);
  EXPECT_EQ(user.message_count, 1u);
  Mailbox inbox = mailbox(bob_.user.id, "INBOX");
  EXPECT_EQ(inbox.uidnext, 2u);
  EXPECT_EQ(inbox.message_count, 1u);
  EXPECT_EQ(inbox.highest_modseq, appended->modseq);
  std::vector<JournalEntry> journal =
      store().journal_since(bob_.user.id, bob_.inbox.id, bob_.inbox.highest_modseq).value();
  ASSERT_EQ(journal.size(), 1u);
  EXPECT_EQ(journal[0].kind, JournalKind::added);
  EXPECT_EQ(journal[0].uid, 1u);
  EXPECT_EQ(journal[0].modseq, appended->modseq);
}

TEST_P(Messages, UidsAndModseqsGrowAndUidsAreNeverReused) {
  uint64_t last = bob_.inbox.highest_modseq;
  for (uint32_t want = 1; want <= 3; ++want) {
    Result<Appended> appended =
        store().append_message(bob_.user.id, bob_.inbox.id, make_message(10));
    ASSERT_TRUE(appended.is_ok());
    EXPECT_EQ(appended->uid, want);
    EXPECT_GT(appended->modseq, last);
    last = appended->modseq;
  }
  ASSERT_TRUE(expunge(bob_.user.id, bob_.inbox.id, {3}));
  EXPECT_EQ(append(make_message(10)), 4u);
}

TEST_P(Messages, OtherUsersCannotReachAMessage) {
  append(make_message(10));
  Account eve = account("eve");
  const int64_t e = eve.user.id;
  const int64_t box = bob_.inbox.id;
  EXPECT_EQ(store().read_message(e, box, 1).status().code(), Code::not_found);
  EXPECT_EQ(store().read_messages(e, box, {1}, true).status().code(), Code::not_found);
  EXPECT_EQ(store().list_messages(e, box).status().code(), Code::not_found);
  EXPECT_EQ(store().list_messages_between(e, box, 1, 9).status().code(), Code::not_found);
  EXPECT_EQ(store().list_flags(e, box).status().code(), Code::not_found);
  EXPECT_EQ(store().list_flagged(e, box, "\\Seen").status().code(), Code::not_found);
  EXPECT_EQ(store().list_changed_since(e, box, 0).status().code(), Code::not_found);
  EXPECT_EQ(store().append_message(e, box, make_message(1)).status().code(), Code::not_found);
  EXPECT_EQ(expunge(e, box, {1}).status().code(), Code::not_found);
  EXPECT_EQ(store().store_flags(e, box, {1}, FlagMode::add, {"\\Seen"}).status().code(),
            Code::not_found);
  EXPECT_EQ(copy(e, box, {1}, eve.inbox.id).status().code(), Code::not_found);
  EXPECT_EQ(move(e, box, {1}, eve.inbox.id).status().code(), Code::not_found);
  EXPECT_EQ(copy(bob_.user.id, box, {1}, eve.inbox.id).status().code(), Code::not_found);
  EXPECT_EQ(uids(bob_.user.id, box), std::vector<uint32_t>{1});
}

TEST_P(Messages, ByteQuotaRefusesAppendAndCopyLeavingNothing) {
  ASSERT_TRUE(store().set_quota("bob", {.bytes = 1000}).is_ok());
  append(make_message(600));
  Footprint before = footprint(bob_.user.id);
  EXPECT_EQ(store().append_message(bob_.user.id, bob_.inbox.id, make_message(401)).status().code(),
            Code::over_quota);
  EXPECT_EQ(copy(bob_.user.id, bob_.inbox.id, {1}, bob_.inbox.id).status().code(),
            Code::over_quota);
  expect_unchanged(before, footprint(bob_.user.id));
  append(make_message(400));  // exactly at the quota is allowed
  // A move never needs more space.
  Mailbox trash = mailbox(bob_.user.id, "Trash");
  EXPECT_TRUE(move(bob_.user.id, bob_.inbox.id, {1, 2}, trash.id).is_ok());
  EXPECT_TRUE(move(bob_.user.id, trash.id, {1}, trash.id).is_ok());
  EXPECT_EQ(store().find_user("bob").value().storage_used, 1000u);
}

TEST_P(Messages, MessageQuotaRefusesAppendAndCopyPastTheCount) {
  ASSERT_TRUE(store().set_quota("bob", {.messages = 3}).is_ok());
  append(make_message(10));
  append(make_message(10));
  Footprint before = footprint(bob_.user.id);
  EXPECT_EQ(copy(bob_.user.id, bob_.inbox.id, {1, 2}, bob_.inbox.id).status().code(),
            Code::over_quota);
  expect_unchanged(before, footprint(bob_.user.id));
  ASSERT_TRUE(copy(bob_.user.id, bob_.inbox.id, {1}, bob_.inbox.id).is_ok());
  EXPECT_EQ(store().append_message(bob_.user.id, bob_.inbox.id, make_message(1)).status().code(),
            Code::over_quota);
  User bob = store().find_user("bob").value();
  EXPECT_EQ(bob.message_count, 3u);
  EXPECT_EQ(bob.quota_messages, 3u);
  EXPECT_EQ(bob.quota_bytes, 0u);
  // A move at the limit is fine, and expunging frees room for one more.
  Mailbox trash = mailbox(bob_.user.id, "Trash");
  ASSERT_TRUE(move(bob_.user.id, bob_.inbox.id, {1}, trash.id).is_ok());
  ASSERT_TRUE(expunge(bob_.user.id, bob_.inbox.id, {2}).is_ok());
  append(make_message(10));
}

TEST_P(Messages, LoweredQuotaRefusesNewMailButKeepsTheOld) {
  append(make_message(500));
  ASSERT_TRUE(store().set_quota("bob", {.bytes = 100}).is_ok());
  EXPECT_EQ(store().append_message(bob_.user.id, bob_.inbox.id, make_message(1)).status().code(),
            Code::over_quota);
  EXPECT_EQ(uids(bob_.user.id, bob_.inbox.id), std::vector<uint32_t>{1});
  ASSERT_TRUE(store().set_quota("bob", {}).is_ok());
  append(make_message(1));
}

TEST_P(Messages, BlobReferencesComeFromTheTreeWithRepetition) {
  mime::Blob blob = make_blob("logo", 3000);
  NewMessage twice = make_message(7000, {blob});
  twice.split.tree = make_tree(7000, {blob.key, blob.key});
  append(twice);
  EXPECT_EQ(store().stats().value().blob_refs, 2u);

  // A message may rely on a blob already stored without shipping it again.
  NewMessage relying = make_message(3100);
  relying.split.tree = make_tree(3100, {blob.key});
  append(relying);
  EXPECT_EQ(store().stats().value().blob_refs, 3u);
  EXPECT_EQ(store().stats().value().blob_count, 1u);

  Footprint before = footprint(bob_.user.id);
  NewMessage dangling = make_message(3100);
  dangling.split.tree = make_tree(3100, {key_of("never-stored")});
  EXPECT_EQ(store().append_message(bob_.user.id, bob_.inbox.id, dangling).status().code(),
            Code::invalid_argument);
  NewMessage corrupt = make_message(10);
  corrupt.split.tree = "not a tree";
  EXPECT_EQ(store().append_message(bob_.user.id, bob_.inbox.id, corrupt).status().code(),
            Code::corrupt);
  expect_unchanged(before, footprint(bob_.user.id));

  ASSERT_TRUE(expunge(bob_.user.id, bob_.inbox.id, {1}).is_ok());
  EXPECT_EQ(store().stats().value().blob_refs, 1u);
  ASSERT_TRUE(expunge(bob_.user.id, bob_.inbox.id, {2}).is_ok());
  EXPECT_EQ(store().stats().value().blob_count, 0u);
  EXPECT_EQ(store().read_blob(blob.key).status().code(), Code::not_found);
}

TEST_P(Messages, SameBlobInManyMessagesAndUsersIsStoredOnce) {
  mime::Blob blob = make_blob("popular-attachment", 100000, true);
  Account eve = account("eve");
  for (int i = 0; i < 10; ++i) append(make_message(100100, {blob}));
  StoreConformance::append(eve, make_message(100100, {blob}));
  Stats stats = store().stats().value();
  EXPECT_EQ(stats.blob_count, 1u);
  EXPECT_EQ(stats.blob_refs, 11u);
  EXPECT_LT(stats.blob_bytes, 2 * blob.content.size());
  EXPECT_EQ(store().read_blob(blob.key).value(), blob.content);
}

TEST_P(Messages, MessagesWithTheSameMessageIdShareAThread) {
  append(make_message(10, {}, {}, "<a@x>"));
  append(make_message(10, {}, {}, "<a@x>"));
  append(make_message(10, {}, {}, "<b@x>"));
  std::vector<MessageInfo> infos = store().list_messages(bob_.user.id, bob_.inbox.id).value();
  ASSERT_EQ(infos.size(), 3u);
  EXPECT_EQ(infos[0].thread_id, infos[1].thread_id);
  EXPECT_NE(infos[0].thread_id, infos[2].thread_id);
}

TEST_P(Messages, WireSizeOfCrlfLfAndMixedMessagesAndItSurvivesCopyAndMove) {
  const uint32_t crlf = append(message_from(kCrlf));
  const uint32_t lf = append(message_from(kLf));
  const uint32_t mixed = append(message_from(kMixed));
  std::vector<MessageInfo> infos = store().list_messages(bob_.user.id, bob_.inbox.id).value();
  ASSERT_EQ(infos.size(), 3u);
  EXPECT_EQ(infos[0].wire_size, kCrlf.size());
  EXPECT_EQ(infos[0].size, kCrlf.size());
  EXPECT_EQ(infos[1].wire_size, kLf.size() + 5);
  EXPECT_EQ(infos[1].size, kLf.size());
  EXPECT_EQ(infos[2].wire_size, kMixed.size() + 5);
  for (uint32_t uid : {crlf, lf, mixed}) {
    StoredMessage one = store().read_message(bob_.user.id, bob_.inbox.id, uid).value();
    EXPECT_EQ(one.info.wire_size, mime::wire_size(rebuild(one)));
  }
  Mailbox trash = mailbox(bob_.user.id, "Trash");
  Mailbox archive = mailbox(bob_.user.id, "Archive");
  ASSERT_TRUE(copy(bob_.user.id, bob_.inbox.id, {lf, mixed}, trash.id));
  ASSERT_TRUE(move(bob_.user.id, trash.id, {1, 2}, archive.id));
  infos = store().list_messages(bob_.user.id, archive.id).value();
  ASSERT_EQ(infos.size(), 2u);
  EXPECT_EQ(infos[0].wire_size, kLf.size() + 5);
  EXPECT_EQ(infos[1].wire_size, kMixed.size() + 5);
}

TEST_P(Messages, ReadMessagesSkipsMissingUidsInAscendingOrder) {
  for (int i = 0; i < 5; ++i) append(message_from(kLf));
  ASSERT_TRUE(expunge(bob_.user.id, bob_.inbox.id, {3}));
  Result<std::vector<StoredMessage>> read =
      store().read_messages(bob_.user.id, bob_.inbox.id, {5, 3, 1, 1, 99, 100000, 2}, true);
  ASSERT_TRUE(read.is_ok()) << read.status().to_string();
  ASSERT_EQ(read->size(), 3u);
  EXPECT_EQ((*read)[0].info.uid, 1u);
  EXPECT_EQ((*read)[1].info.uid, 2u);
  EXPECT_EQ((*read)[2].info.uid, 5u);
  for (const StoredMessage& stored : *read) {
    EXPECT_EQ(rebuild(stored), kLf);
    EXPECT_EQ(stored.info.wire_size, kLf.size() + 5);
    EXPECT_FALSE(stored.envelope.empty());
  }
  EXPECT_TRUE(store().read_messages(bob_.user.id, bob_.inbox.id, {}, true)->empty());
  EXPECT_TRUE(store().read_messages(bob_.user.id, bob_.inbox.id, {3, 7}, true)->empty());
  EXPECT_EQ(store().read_message(bob_.user.id, bob_.inbox.id, 3).status().code(), Code::not_found);
}

TEST_P(Messages, ReadMessagesWithoutTreeLeavesTreeEmpty) {
  NewMessage message = message_from(kCrlf);
  message.flags = {"\\Answered"};
  append(message);
  StoredMessage one = store().read_message(bob_.user.id, bob_.inbox.id, 1).value();
  EXPECT_FALSE(one.tree.empty());
  std::vector<StoredMessage> read =
      store().read_messages(bob_.user.id, bob_.inbox.id, {1}, false).value();
  ASSERT_EQ(read.size(), 1u);
  EXPECT_TRUE(read[0].tree.empty());
  EXPECT_EQ(read[0].envelope, one.envelope);
  EXPECT_EQ(read[0].bodystructure, one.bodystructure);
  EXPECT_EQ(read[0].body, one.body);
  EXPECT_EQ(read[0].info.wire_size, one.info.wire_size);
  EXPECT_EQ(read[0].info.flags, one.info.flags);
  EXPECT_EQ(read[0].info.modseq, one.info.modseq);
  read = store().read_messages(bob_.user.id, bob_.inbox.id, {1}, true).value();
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].tree, one.tree);
}

TEST_P(Messages, ReadsThousandsOfUidsDenseAndSparse) {
  append(message_from(kLf));
  // Copies into the same mailbox double it: 2,048 messages in 11 writes.
  for (uint32_t count = 1; count < 2048; count *= 2) {
    std::vector<uint32_t> all;
    for (uint32_t uid = 1; uid <= count; ++uid) all.push_back(uid);
    ASSERT_TRUE(copy(bob_.user.id, bob_.inbox.id, all, bob_.inbox.id));
  }
  ASSERT_TRUE(expunge(bob_.user.id, bob_.inbox.id, {7, 1500}));
  std::vector<uint32_t> all;
  for (uint32_t uid = 1; uid <= 2000; ++uid) all.push_back(uid);
  std::vector<StoredMessage> read =
      store().read_messages(bob_.user.id, bob_.inbox.id, all, false).value();
  ASSERT_EQ(read.size(), 1998u);
  uint32_t expected = 1;
  for (const StoredMessage& stored : read) {
    if (expected == 7 || expected == 1500) ++expected;
    EXPECT_EQ(stored.info.uid, expected++);
    EXPECT_EQ(stored.info.wire_size, kLf.size() + 5);
    EXPECT_TRUE(stored.tree.empty());
  }
  std::vector<uint32_t> sparse;
  for (uint32_t uid = 2040; uid >= 1 && uid <= 2040; uid -= 97) sparse.push_back(uid);
  sparse.push_back(50000);
  read = store().read_messages(bob_.user.id, bob_.inbox.id, sparse, true).value();
  ASSERT_EQ(read.size(), sparse.size() - 1);
  for (size_t i = 1; i < read.size(); ++i) EXPECT_LT(read[i - 1].info.uid, read[i].info.uid);
  EXPECT_EQ(read.front().info.uid, 2040u % 97);
  EXPECT_EQ(rebuild(read.front()), kLf);
}

TEST_P(Messages, MissingMailboxIsNotFoundForEveryRead) {
  const int64_t u = bob_.user.id;
  constexpr int64_t kNoBox = 999999;
  EXPECT_EQ(store().read_messages(u, kNoBox, {1}, false).status().code(), Code::not_found);
  EXPECT_EQ(store().list_messages(u, kNoBox).status().code(), Code::not_found);
  EXPECT_EQ(store().list_messages_between(u, kNoBox, 1, 5).status().code(), Code::not_found);
  EXPECT_EQ(store().list_flagged(u, kNoBox, "\\Deleted").status().code(), Code::not_found);
  EXPECT_EQ(store().list_flags(u, kNoBox).status().code(), Code::not_found);
  EXPECT_EQ(store().list_changed_since(u, kNoBox, 0).status().code(), Code::not_found);
  EXPECT_EQ(store().claim_recent(u, kNoBox).status().code(), Code::not_found);
  EXPECT_EQ(store().save_snapshot(u, kNoBox, MailboxSnapshot{1, "x"}).code(), Code::not_found);
  EXPECT_EQ(store().append_message(u, kNoBox, make_message(1)).status().code(), Code::not_found);
}

TEST_P(Messages, ListMessagesBetweenGivesOnlyThatUidRange) {
  for (int i = 0; i < 6; ++i) append(message_from(kLf));
  ASSERT_TRUE(expunge(bob_.user.id, bob_.inbox.id, {3}));
  std::vector<MessageInfo> listed =
      store().list_messages_between(bob_.user.id, bob_.inbox.id, 2, 5).value();
  EXPECT_EQ(uids_of(listed), (std::vector<uint32_t>{2, 4, 5}));
  EXPECT_EQ(listed[0].wire_size, kLf.size() + 5);
  EXPECT_TRUE(store().list_messages_between(bob_.user.id, bob_.inbox.id, 7, 9)->empty());
  EXPECT_EQ(
      uids_of(store().list_messages_between(bob_.user.id, bob_.inbox.id, 1, UINT32_MAX).value()),
      (std::vector<uint32_t>{1, 2, 4, 5, 6}));
}

TEST_P(Messages, ListFlagsGivesEveryUidWithItsFlagsAndTheMailboxOfThatSnapshot) {
  NewMessage seen = message_from(kLf);
  seen.flags = {"\\Seen", "$Work"};
  append(seen);
  append(message_from(kLf));
  FlagListing listing = store().list_flags(bob_.user.id, bob_.inbox.id).value();
  ASSERT_EQ(listing.messages.size(), 2u);
  EXPECT_EQ(listing.messages[0].uid, 1u);
  EXPECT_EQ(split_flags(listing.messages[0].flags), (std::vector<std::string>{"\\Seen", "$Work"}));
  EXPECT_EQ(listing.messages[1].flags, "");
  EXPECT_GT(listing.messages[1].modseq, listing.messages[0].modseq);
  EXPECT_EQ(listing.mailbox.id, bob_.inbox.id);
  EXPECT_EQ(listing.mailbox.highest_modseq, mailbox(bob_.user.id, "INBOX").highest_modseq);
  EXPECT_EQ(listing.mailbox.uidnext, 3u);
}

TEST_P(Messages, ListFlagsIsOneSnapshotWhileAnotherStoreWrites) {
  // Whatever a concurrent writer does, the listing has exactly the messages
  // the mailbox row it comes with counts, and none above its UIDNEXT.
  Result<std::unique_ptr<Store>> other = instance_->open_another();
  ASSERT_TRUE(other.is_ok()) << other.status().to_string();
  std::atomic<bool> done = false;
  std::thread writer([&] {
    for (int i = 0; i < 40; ++i) {
      EXPECT_TRUE((*other)->append_message(bob_.user.id, bob_.inbox.id, make_message(10)));
    }
    done = true;
  });
  int listings = 0;
  while (!done || listings == 0) {
    FlagListing listing = store().list_flags(bob_.user.id, bob_.inbox.id).value();
    EXPECT_EQ(listing.messages.size(), listing.mailbox.message_count);
    for (const UidFlags& m : listing.messages) {
      EXPECT_LT(m.uid, listing.mailbox.uidnext);
      EXPECT_LE(m.modseq, listing.mailbox.highest_modseq);
    }
    ++listings;
  }
  writer.join();
}

TEST_P(Messages, ListFlaggedGivesOnlyMessagesWithThatWholeFlag) {
  const std::vector<std::vector<std::string>> flags = {{"\\Deleted"},
                                                       {"\\Seen"},
                                                       {"\\Seen", "\\Deleted", "$Work"},
                                                       {"\\DeletedToo"},
                                                       {"Deleted"},
                                                       {"$Work", "\\deleted"},
                                                       {}};
  for (const std::vector<std::string>& some : flags) {
    NewMessage message = message_from(kLf);
    message.flags = some;
    append(message);
  }
  std::vector<MessageInfo> flagged =
      store().list_flagged(bob_.user.id, bob_.inbox.id, "\\Deleted").value();
  EXPECT_EQ(uids_of(flagged), (std::vector<uint32_t>{1, 3, 6}));
  ASSERT_EQ(flagged.size(), 3u);
  EXPECT_EQ(flagged[1].size, kLf.size());
  EXPECT_EQ(flagged[1].flags, (std::vector<std::string>{"\\Seen", "\\Deleted", "$Work"}));
  EXPECT_TRUE(store().list_flagged(bob_.user.id, bob_.inbox.id, "\\Draft")->empty());
  EXPECT_EQ(store().list_flagged(bob_.user.id, bob_.inbox.id, "a b").status().code(),
            Code::invalid_argument);
}

TEST_P(Messages, VisitSummariesGivesTheStoredSummaryInUidRangeAndCopiesKeepIt) {
  NewMessage with = message_from(kLf);
  with.search_summary = "Subject: x\r\n\r\n";
  append(with);
  append(message_from(kLf));  // no summary (too large to keep one)
  append(with);
  Result<Mailbox> other = store().create_mailbox(bob_.user.id, "Other", "");
  ASSERT_TRUE(other);
  ASSERT_TRUE(copy(bob_.user.id, bob_.inbox.id, {1, 2, 3}, other->id));
  for (int64_t box : {bob_.inbox.id, other->id}) {
    std::vector<UidSummary> listed = summaries_of(store(), bob_.user.id, box, 1, UINT32_MAX);
    ASSERT_EQ(listed.size(), 3u);
    EXPECT_EQ(listed[0].uid, 1u);
    EXPECT_EQ(listed[0].summary, with.search_summary);
    EXPECT_EQ(listed[1].uid, 2u);
    EXPECT_EQ(listed[1].summary, "");
    EXPECT_EQ(listed[2].uid, 3u);
  }
  std::vector<UidSummary> two = summaries_of(store(), bob_.user.id, bob_.inbox.id, 2, 3);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].uid, 2u);
  EXPECT_TRUE(summaries_of(store(), bob_.user.id, bob_.inbox.id, 4, 9).empty());
  // Expunged messages may still be visited: a caller matches them against a listing.
  ASSERT_TRUE(expunge(bob_.user.id, bob_.inbox.id, {2}));
  for (const UidSummary& s : summaries_of(store(), bob_.user.id, bob_.inbox.id, 1, 9)) {
    EXPECT_TRUE(s.uid == 1 || s.uid == 2 || s.uid == 3) << s.uid;
  }
}

// Backends may keep summaries in chunks of aligned UID ranges
// (store/summary_chunks.h): a listing must read the same across a range
// sealed by appends or a copy, the UIDs above it, and after expunges and
// moves out of it.
TEST_P(Messages, VisitSummariesReadsTheSameAcrossSealedRangesExpungesAndMoves) {
  constexpr uint32_t kCount = 1100;  // one full range of 1,024 and some
  auto summary_of = [](uint32_t n) { return "Subject: " + std::to_string(n) + "\r\n\r\n"; };
  for (uint32_t n = 1; n <= kCount; ++n) {
    NewMessage message = message_from(kLf);
    message.search_summary = summary_of(n);
    ASSERT_EQ(append(message), n);
  }
  Result<Mailbox> other = store().create_mailbox(bob_.user.id, "Other", "");
  ASSERT_TRUE(other);
  std::vector<uint32_t> all;
  for (uint32_t uid = 1; uid <= kCount; ++uid) all.push_back(uid);
  ASSERT_TRUE(copy(bob_.user.id, bob_.inbox.id, all, other->id));
  // The UIDs each mailbox should list, ascending.
  auto expect_listing = [&](int64_t box, const std::vector<uint32_t>& uids) {
    std::vector<UidSummary> listed = summaries_of(store(), bob_.user.id, box, 1, UINT32_MAX);
    ASSERT_EQ(listed.size(), uids.size()) << "mailbox " << box;
    for (size_t i = 0; i < uids.size(); ++i) {
      EXPECT_EQ(listed[i].uid, uids[i]);
      EXPECT_EQ(listed[i].summary, summary_of(uids[i]));
    }
    // A range across the end of the first 1,024 UIDs and one inside it.
    std::vector<uint32_t> part;
    for (uint32_t uid : uids) {
      if (uid >= 1000 && uid <= 1050) part.push_back(uid);
    }
    std::vector<UidSummary> some = summaries_of(store(), bob_.user.id, box, 1000, 1050);
    ASSERT_EQ(some.size(), part.size());
    for (size_t i = 0; i < part.size(); ++i) EXPECT_EQ(some[i].uid, part[i]);
    EXPECT_EQ(summaries_of(store(), bob_.user.id, box, 7, 7).size(),
              static_cast<size_t>(std::count(uids.begin(), uids.end(), 7u)));
  };
  expect_listing(bob_.inbox.id, all);
  expect_listing(other->id, all);

  const std::vector<uint32_t> gone = {1, 5, 1024, 1025, 1100};
  ASSERT_TRUE(expunge(bob_.user.id, bob_.inbox.id, gone));
  ASSERT_TRUE(move(bob_.user.id, other->id, {2, 1030}, bob_.inbox.id));
  std::vector<uint32_t> inbox_left;
  for (uint32_t uid : all) {
    if (std::find(gone.begin(), gone.end(), uid) == gone.end()) inbox_left.push_back(uid);
  }
  std::vector<uint32_t> other_left;
  for (uint32_t uid : all) {
    if (uid != 2 && uid != 1030) other_left.push_back(uid);
  }
  // The moved messages arrive in the INBOX as new UIDs, with their summaries.
  std::vector<UidSummary> moved =
      summaries_of(store(), bob_.user.id, bob_.inbox.id, kCount + 1, UINT32_MAX);
  ASSERT_EQ(moved.size(), 2u);
  EXPECT_EQ(moved[0].summary, summary_of(2));
  EXPECT_EQ(moved[1].summary, summary_of(1030));
  expect_listing(other->id, other_left);
  std::vector<UidSummary> listed = summaries_of(store(), bob_.user.id, bob_.inbox.id, 1, kCount);
  ASSERT_EQ(listed.size(), inbox_left.size());
  for (size_t i = 0; i < listed.size(); ++i) EXPECT_EQ(listed[i].uid, inbox_left[i]);

  // A whole sealed range expunged: nothing of it is listed.
  std::vector<uint32_t> first_range;
  for (uint32_t uid = 1; uid <= 1024; ++uid) first_range.push_back(uid);
  ASSERT_TRUE(expunge(bob_.user.id, other->id, first_range));
  EXPECT_TRUE(summaries_of(store(), bob_.user.id, other->id, 1, 1024).empty());
  EXPECT_EQ(summaries_of(store(), bob_.user.id, other->id, 1, UINT32_MAX).size(),
            kCount - 1024 - 1);
}

using Claim = std::pair<uint32_t, uint32_t>;  // RecentClaim as (first, next)

class Recent : public Messages {
 protected:
  Claim claim(int64_t mailbox_id, Store* on = nullptr) {
    Result<RecentClaim> claimed = (on ? *on : store()).claim_recent(bob_.user.id, mailbox_id);
    EXPECT_TRUE(claimed.is_ok()) << claimed.status().to_string();
    return claimed ? Claim{claimed->first, claimed->next} : Claim{};
  }
};
EIDER_CONFORMANCE(Recent);

TEST_P(Recent, EachUidIsClaimedOnceWithoutJournalOrModseq) {
  EXPECT_EQ(claim(bob_.inbox.id), Claim(1, 1));
  append(make_message(100));
  append(make_message(100));
  const uint64_t modseq = mailbox(bob_.user.id, "INBOX").highest_modseq;
  const uint64_t rows = store().stats()->journal_rows;
  EXPECT_EQ(claim(bob_.inbox.id), Claim(1, 3));
  EXPECT_EQ(claim(bob_.inbox.id), Claim(3, 3));
  Mailbox inbox = mailbox(bob_.user.id, "INBOX");
  EXPECT_EQ(inbox.highest_modseq, modseq);
  EXPECT_EQ(inbox.recent_uid, 3u);
  EXPECT_EQ(store().stats()->journal_rows, rows);
  append(make_message(100));
  EXPECT_EQ(claim(bob_.inbox.id), Claim(3, 4));
  EXPECT_EQ(claim(bob_.inbox.id), Claim(4, 4));
}

TEST_P(Recent, ConcurrentClaimsOnTwoStoresNeverOverlap) {
  for (int i = 0; i < 50; ++i) append(make_message(100));
  Result<std::unique_ptr<Store>> other = instance_->open_another();
  ASSERT_TRUE(other.is_ok()) << other.status().to_string();
  std::vector<std::thread> threads;
  std::vector<Claim> claims(8);
  for (size_t i = 0; i < claims.size(); ++i) {
    threads.emplace_back(
        [&, i] { claims[i] = claim(bob_.inbox.id, i % 2 ? other->get() : nullptr); });
  }
  for (std::thread& thread : threads) thread.join();
  uint32_t claimed = 0;
  for (const Claim& c : claims) {
    claimed += c.second - c.first;
    if (c.first != c.second) {
      EXPECT_EQ(c, Claim(1, 51));
    }
  }
  EXPECT_EQ(claimed, 50u);
}

TEST_P(Recent, CopiesAndMovesAreRecentInTheTarget) {
  append(make_message(100));
  append(make_message(100));
  claim(bob_.inbox.id);
  Mailbox trash = mailbox(bob_.user.id, "Trash");
  ASSERT_TRUE(copy(bob_.user.id, bob_.inbox.id, {1}, trash.id));
  ASSERT_TRUE(move(bob_.user.id, bob_.inbox.id, {2}, trash.id));
  EXPECT_EQ(claim(trash.id), Claim(1, 3));
  EXPECT_EQ(claim(bob_.inbox.id), Claim(3, 3));
}

TEST_P(Recent, OtherUsersAndRecreatedMailboxes) {
  Account eve = account("eve");
  EXPECT_EQ(store().claim_recent(eve.user.id, bob_.inbox.id).status().code(), Code::not_found);
  ASSERT_TRUE(remove(bob_.user.id, "Trash"));
  Mailbox trash = store().create_mailbox(bob_.user.id, "Trash", "").value();
  append(make_message(100), trash.id);
  EXPECT_EQ(claim(trash.id), Claim(1, 2));
}

TEST_P(Recent, RenamedInboxMessagesAreRecentInTheNewMailbox) {
  append(make_message(100));
  append(make_message(100));
  claim(bob_.inbox.id);
  ASSERT_TRUE(rename(bob_.user.id, "INBOX", "Old"));
  Mailbox old = mailbox(bob_.user.id, "Old");
  EXPECT_EQ(claim(old.id), Claim(1, 3));
  EXPECT_EQ(claim(bob_.inbox.id), Claim(3, 3));
  append(make_message(100));
  EXPECT_EQ(claim(bob_.inbox.id), Claim(3, 4));
}

}  // namespace
}  // namespace eider::store::testing
