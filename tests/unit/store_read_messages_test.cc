// Store::read_messages and MessageInfo::wire_size: batched reads, missing
// uids, trees only when asked, and the wire size kept through copy and move.
#include "mime/message.h"
#include "mime/tree.h"
#include "mime/wire.h"
#include "store/flags.h"
#include "store_test_util.h"

namespace eider::store {
namespace {

using testing::Account;
using testing::make_account;
using testing::make_message;
using testing::open_or_die;
using testing::options_for;
using testing::TempDir;

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

class StoreReadMessages : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_or_die(options_for(dir_));
    ASSERT_NE(store_, nullptr);
    bob_ = make_account(*store_, "bob");
  }

  uint32_t append(const NewMessage& message, int64_t mailbox_id = 0) {
    Result<Appended> appended =
        store_->append_message(bob_.user.id, mailbox_id ? mailbox_id : bob_.inbox.id, message);
    EXPECT_TRUE(appended.is_ok()) << appended.status().to_string();
    return appended ? appended->uid : 0;
  }

  std::string rebuild(const StoredMessage& stored) {
    Result<std::string> bytes = mime::rebuild(
        stored.tree, [this](const mime::BlobKey& key) { return store_->read_blob(key); });
    EXPECT_TRUE(bytes.is_ok()) << bytes.status().to_string();
    return bytes ? *bytes : "";
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  Account bob_;
};

TEST(MimeWireSize, CountsBareLineEndsAsCrlf) {
  EXPECT_EQ(mime::wire_size(""), 0u);
  EXPECT_EQ(mime::wire_size("a\r\nb\r\n"), 6u);
  EXPECT_EQ(mime::wire_size("a\nb\n"), 6u);
  EXPECT_EQ(mime::wire_size("\n"), 2u);
  EXPECT_EQ(mime::wire_size("\r"), 2u);
  EXPECT_EQ(mime::wire_size("a\rb\r"), 6u);
  EXPECT_EQ(mime::wire_size("\r\r\n\n"), 6u);
  EXPECT_EQ(mime::wire_size("a\r\nb"), 4u);
}

TEST(MimeWireSize, AppendCrlfLinesAddsExactlyWireSizeBytesAndKeepsNul) {
  for (std::string_view bytes :
       {std::string_view(""), std::string_view("a\r\nb\r\n"), std::string_view("a\nb\n"),
        std::string_view("\r\r\n\n"), std::string_view("a\rb\0c\n", 7)}) {
    std::string out = "x";
    mime::append_crlf_lines(out, bytes);
    EXPECT_EQ(out.size(), 1 + mime::wire_size(bytes));
  }
  std::string out;
  mime::append_crlf_lines(out, std::string_view("a\rb\0c\n\r\n", 9));
  EXPECT_EQ(out, std::string("a\r\nb\0c\r\n\r\n", 11));
}

TEST_F(StoreReadMessages, WireSizeOfCrlfLfAndMixedMessages) {
  const uint32_t crlf = append(message_from(kCrlf));
  const uint32_t lf = append(message_from(kLf));
  const uint32_t mixed = append(message_from(kMixed));
  std::vector<MessageInfo> infos = store_->list_messages(bob_.user.id, bob_.inbox.id).value();
  ASSERT_EQ(infos.size(), 3u);
  EXPECT_EQ(infos[0].wire_size, kCrlf.size());
  EXPECT_EQ(infos[0].size, kCrlf.size());
  EXPECT_EQ(infos[1].wire_size, kLf.size() + 5);
  EXPECT_EQ(infos[1].size, kLf.size());
  EXPECT_EQ(infos[2].wire_size, kMixed.size() + 5);

  for (uint32_t uid : {crlf, lf, mixed}) {
    StoredMessage one = store_->read_message(bob_.user.id, bob_.inbox.id, uid).value();
    EXPECT_EQ(one.info.wire_size, mime::wire_size(rebuild(one)));
  }
}

TEST_F(StoreReadMessages, WireSizeSurvivesCopyAndMove) {
  const uint32_t lf = append(message_from(kLf));
  const uint32_t mixed = append(message_from(kMixed));
  Mailbox trash = store_->find_mailbox(bob_.user.id, "Trash").value();
  Mailbox archive = store_->find_mailbox(bob_.user.id, "Archive").value();
  ASSERT_TRUE(store_->copy_messages(bob_.user.id, bob_.inbox.id, {lf, mixed}, trash.id));
  ASSERT_TRUE(store_->move_messages(bob_.user.id, trash.id, {1, 2}, archive.id));
  std::vector<MessageInfo> infos = store_->list_messages(bob_.user.id, archive.id).value();
  ASSERT_EQ(infos.size(), 2u);
  EXPECT_EQ(infos[0].wire_size, kLf.size() + 5);
  EXPECT_EQ(infos[1].wire_size, kMixed.size() + 5);
}

TEST_F(StoreReadMessages, SkipsMissingUidsInAscendingOrder) {
  for (int i = 0; i < 5; ++i) append(message_from(kLf));
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, {3}));
  Result<std::vector<StoredMessage>> read =
      store_->read_messages(bob_.user.id, bob_.inbox.id, {5, 3, 1, 1, 99, 100000, 2}, true);
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
  EXPECT_TRUE(store_->read_messages(bob_.user.id, bob_.inbox.id, {}, true)->empty());
  EXPECT_TRUE(store_->read_messages(bob_.user.id, bob_.inbox.id, {3, 7}, true)->empty());
}

TEST_F(StoreReadMessages, ListMessagesBetweenGivesOnlyThatUidRange) {
  for (int i = 0; i < 6; ++i) append(message_from(kLf));
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, {3}));
  std::vector<MessageInfo> listed =
      store_->list_messages_between(bob_.user.id, bob_.inbox.id, 2, 5).value();
  std::vector<uint32_t> uids;
  for (const MessageInfo& info : listed) uids.push_back(info.uid);
  EXPECT_EQ(uids, (std::vector<uint32_t>{2, 4, 5}));
  EXPECT_EQ(listed[0].wire_size, kLf.size() + 5);
  EXPECT_TRUE(store_->list_messages_between(bob_.user.id, bob_.inbox.id, 7, 9)->empty());
}

TEST_F(StoreReadMessages, ListFlagsGivesEveryUidWithItsFlagsAndTheMailboxOfThatSnapshot) {
  NewMessage seen = message_from(kLf);
  seen.flags = {"\\Seen", "$Work"};
  append(seen);
  append(message_from(kLf));
  FlagListing listing = store_->list_flags(bob_.user.id, bob_.inbox.id).value();
  ASSERT_EQ(listing.messages.size(), 2u);
  EXPECT_EQ(listing.messages[0].uid, 1u);
  EXPECT_EQ(split_flags(listing.messages[0].flags), (std::vector<std::string>{"\\Seen", "$Work"}));
  EXPECT_EQ(listing.messages[1].flags, "");
  EXPECT_EQ(listing.mailbox.highest_modseq,
            store_->find_mailbox(bob_.user.id, "INBOX")->highest_modseq);
  EXPECT_EQ(store_->list_flags(bob_.user.id, 999999).status().code(), Code::not_found);
}

TEST_F(StoreReadMessages, ListFlaggedGivesOnlyMessagesWithThatWholeFlag) {
  const std::vector<std::vector<std::string>> flags = {{"\\Deleted"},
                                                       {"\\Seen"},
                                                       {"\\Seen", "\\Deleted", "$Work"},
                                                       {"\\DeletedToo"},
                                                       {"Deleted"},
                                                       {"$Work", "\\Deleted"},
                                                       {}};
  for (const std::vector<std::string>& some : flags) {
    NewMessage message = message_from(kLf);
    message.flags = some;
    append(message);
  }
  std::vector<MessageInfo> flagged =
      store_->list_flagged(bob_.user.id, bob_.inbox.id, "\\Deleted").value();
  std::vector<uint32_t> uids;
  for (const MessageInfo& info : flagged) uids.push_back(info.uid);
  EXPECT_EQ(uids, (std::vector<uint32_t>{1, 3, 6}));
  EXPECT_EQ(flagged[1].size, kLf.size());
  EXPECT_EQ(flagged[1].flags, (std::vector<std::string>{"\\Seen", "\\Deleted", "$Work"}));
  EXPECT_TRUE(store_->list_flagged(bob_.user.id, bob_.inbox.id, "\\Draft")->empty());
  EXPECT_EQ(store_->list_flagged(bob_.user.id, bob_.inbox.id, "a b").status().code(),
            Code::invalid_argument);
  EXPECT_EQ(store_->list_flagged(bob_.user.id, 999999, "\\Deleted").status().code(),
            Code::not_found);
}

TEST_F(StoreReadMessages, ListSummariesGivesTheStoredSummaryAndCopiesKeepIt) {
  NewMessage with = message_from(kLf);
  with.search_summary = "Subject: x\r\n\r\n";
  append(with);
  append(message_from(kLf));  // no summary (too large to keep one)
  Result<Mailbox> other = store_->create_mailbox(bob_.user.id, "Other", "");
  ASSERT_TRUE(other);
  ASSERT_TRUE(store_->copy_messages(bob_.user.id, bob_.inbox.id, {1, 2}, other->id));
  for (int64_t mailbox : {bob_.inbox.id, other->id}) {
    std::vector<UidSummary> listed =
        testing::summaries_of(*store_, bob_.user.id, mailbox, 1, UINT32_MAX);
    ASSERT_EQ(listed.size(), 2u);
    EXPECT_EQ(listed[0].uid, 1u);
    EXPECT_EQ(listed[0].summary, with.search_summary);
    EXPECT_EQ(listed[1].summary, "");
  }
  EXPECT_EQ(testing::summaries_of(*store_, bob_.user.id, bob_.inbox.id, 2, 2).size(), 1u);
}

TEST_F(StoreReadMessages, WithoutTreeLeavesTreeEmpty) {
  append(message_from(kCrlf));
  StoredMessage one = store_->read_message(bob_.user.id, bob_.inbox.id, 1).value();
  std::vector<StoredMessage> read =
      store_->read_messages(bob_.user.id, bob_.inbox.id, {1}, false).value();
  ASSERT_EQ(read.size(), 1u);
  EXPECT_TRUE(read[0].tree.empty());
  EXPECT_EQ(read[0].envelope, one.envelope);
  EXPECT_EQ(read[0].bodystructure, one.bodystructure);
  EXPECT_EQ(read[0].body, one.body);
  EXPECT_EQ(read[0].info.wire_size, one.info.wire_size);
  EXPECT_EQ(read[0].info.flags, one.info.flags);
}

TEST_F(StoreReadMessages, ReadsThousandsOfUidsDenseAndSparse) {
  append(message_from(kLf));
  // Copies into the same mailbox double it: 2,048 messages in 11 writes.
  for (uint32_t count = 1; count < 2048; count *= 2) {
    std::vector<uint32_t> uids;
    for (uint32_t uid = 1; uid <= count; ++uid) uids.push_back(uid);
    ASSERT_TRUE(store_->copy_messages(bob_.user.id, bob_.inbox.id, uids, bob_.inbox.id));
  }
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, {7, 1500}));
  std::vector<uint32_t> all;
  for (uint32_t uid = 1; uid <= 2000; ++uid) all.push_back(uid);
  std::vector<StoredMessage> read =
      store_->read_messages(bob_.user.id, bob_.inbox.id, all, false).value();
  ASSERT_EQ(read.size(), 1998u);
  uint32_t expected = 1;
  for (const StoredMessage& stored : read) {
    if (expected == 7 || expected == 1500) ++expected;
    EXPECT_EQ(stored.info.uid, expected++);
    EXPECT_EQ(stored.info.wire_size, kLf.size() + 5);
    EXPECT_TRUE(stored.tree.empty());
  }
  // Every 97th uid, and far past the end: one query per uid or range either way.
  std::vector<uint32_t> sparse;
  for (uint32_t uid = 2040; uid >= 1 && uid <= 2040; uid -= 97) sparse.push_back(uid);
  sparse.push_back(50000);
  read = store_->read_messages(bob_.user.id, bob_.inbox.id, sparse, true).value();
  ASSERT_EQ(read.size(), sparse.size() - 1);
  for (size_t i = 1; i < read.size(); ++i) EXPECT_LT(read[i - 1].info.uid, read[i].info.uid);
  EXPECT_EQ(read.front().info.uid, 2040u % 97);
  EXPECT_EQ(rebuild(read.front()), kLf);
}

TEST_F(StoreReadMessages, MissingMailboxIsNotFound) {
  Result<std::vector<StoredMessage>> read = store_->read_messages(bob_.user.id, 999999, {1}, false);
  EXPECT_EQ(read.status().code(), Code::not_found);
  Account eve = make_account(*store_, "eve");
  read = store_->read_messages(eve.user.id, bob_.inbox.id, {1}, false);
  EXPECT_EQ(read.status().code(), Code::not_found);
}

}  // namespace
}  // namespace eider::store
