// Import (eider migrate): import_mailbox keeps a mailbox's state and
// import_messages keeps each message's UID, MODSEQ, flags and date, shares
// blobs as a delivery does, and refuses what would break the mailbox's
// state, all or nothing.
#include "conformance.h"

namespace eider::store::testing {
namespace {

class Import : public StoreConformance {
 protected:
  void SetUp() override {
    StoreConformance::SetUp();
    if (HasFatalFailure()) return;
    bob_ = account("bob");
  }

  // The state a source store might hold: far from what a new mailbox has.
  static Mailbox state(std::string path) {
    Mailbox mailbox;
    mailbox.path = std::move(path);
    mailbox.uidvalidity = 4000000000u;  // above any time-based value for a while
    mailbox.uidnext = 5000;
    mailbox.highest_modseq = 9000;
    mailbox.subscribed = false;
    mailbox.special_use = "\\Flagged";
    mailbox.recent_uid = 4000;
    return mailbox;
  }

  static ImportedMessage imported(uint32_t uid, uint64_t modseq, NewMessage message) {
    return ImportedMessage{uid, modseq, std::move(message)};
  }

  Account bob_;
};
EIDER_CONFORMANCE(Import);

TEST_P(Import, MailboxKeepsItsStateAndItsFloorIsItsHighestModseq) {
  Result<Mailbox> made = store().import_mailbox(bob_.user.id, state("Lists/eider"));
  ASSERT_TRUE(made.is_ok()) << made.status().to_string();
  Mailbox found = mailbox(bob_.user.id, "Lists/eider");
  EXPECT_EQ(found.id, made->id);
  EXPECT_EQ(found.uidvalidity, 4000000000u);
  EXPECT_EQ(found.uidnext, 5000u);
  EXPECT_EQ(found.highest_modseq, 9000u);
  EXPECT_FALSE(found.subscribed);
  EXPECT_EQ(found.special_use, "\\Flagged");
  EXPECT_EQ(found.recent_uid, 4000u);
  EXPECT_EQ(found.message_count, 0u);
  EXPECT_EQ(found.journal_floor, 9000u);
  Result<std::vector<JournalEntry>> rows = store().journal_since(bob_.user.id, found.id, 9000);
  ASSERT_TRUE(rows.is_ok()) << rows.status().to_string();
  EXPECT_TRUE(rows->empty());
  EXPECT_EQ(store().journal_since(bob_.user.id, found.id, 1).status().code(), Code::out_of_range);
  // A new mailbox never takes a UIDVALIDITY a client may have seen.
  Result<Mailbox> later = store().create_mailbox(bob_.user.id, "later", "");
  ASSERT_TRUE(later.is_ok()) << later.status().to_string();
  EXPECT_GT(later->uidvalidity, 4000000000u);
}

TEST_P(Import, MailboxTakesOverAnEmptyExistingOne) {
  Mailbox wanted = state("inbox");
  wanted.special_use = "";
  wanted.subscribed = true;
  Result<Mailbox> made = store().import_mailbox(bob_.user.id, wanted);
  ASSERT_TRUE(made.is_ok()) << made.status().to_string();
  EXPECT_EQ(made->id, bob_.inbox.id);
  EXPECT_EQ(made->path, "INBOX");
  EXPECT_EQ(made->uidvalidity, 4000000000u);
  EXPECT_EQ(made->uidnext, 5000u);
  EXPECT_TRUE(made->subscribed);
  EXPECT_EQ(store().list_lost_subscriptions(bob_.user.id).value(), std::vector<std::string>{});
}

TEST_P(Import, MailboxHoldingMessagesIsRefused) {
  append(bob_, make_message(100));
  Footprint before = footprint(bob_.user.id);
  Result<Mailbox> made = store().import_mailbox(bob_.user.id, state("INBOX"));
  EXPECT_EQ(made.status().code(), Code::invalid_argument);
  expect_unchanged(before, footprint(bob_.user.id));
}

TEST_P(Import, MailboxWithoutUidvalidityIsRefused) {
  Mailbox wanted = state("x");
  wanted.uidvalidity = 0;
  EXPECT_EQ(store().import_mailbox(bob_.user.id, wanted).status().code(), Code::invalid_argument);
  EXPECT_EQ(store().find_mailbox(bob_.user.id, "x").status().code(), Code::not_found);
}

TEST_P(Import, MessagesKeepUidModseqFlagsAndDateAndShareBlobs) {
  Mailbox box = store().import_mailbox(bob_.user.id, state("archive-2020")).value();
  Stats before = store().stats().value();
  mime::Blob shared = make_blob("shared-attachment", 3000, true);
  NewMessage first = make_message(4000, {shared}, {"\\Seen", "$Label"}, "<a@x>");
  first.internal_date = 1111111111;
  first.wire_size = 4010;
  NewMessage second = make_message(5000, {shared}, {"\\Flagged"}, "<b@x>");
  second.internal_date = 1222222222;
  Status status = store().import_messages(bob_.user.id, box.id,
                                          {imported(17, 300, first), imported(4999, 9000, second)});
  ASSERT_TRUE(status.is_ok()) << status.to_string();

  std::vector<MessageInfo> infos = store().list_messages(bob_.user.id, box.id).value();
  ASSERT_EQ(infos.size(), 2u);
  EXPECT_EQ(infos[0].uid, 17u);
  EXPECT_EQ(infos[0].modseq, 300u);
  EXPECT_EQ(infos[0].flags, (std::vector<std::string>{"\\Seen", "$Label"}));
  EXPECT_EQ(infos[0].internal_date, 1111111111);
  EXPECT_EQ(infos[0].size, 4000u);
  EXPECT_EQ(infos[0].wire_size, 4010u);
  EXPECT_EQ(infos[1].uid, 4999u);
  EXPECT_EQ(infos[1].modseq, 9000u);
  EXPECT_EQ(infos[1].internal_date, 1222222222);
  StoredMessage stored = store().read_message(bob_.user.id, box.id, 17).value();
  EXPECT_EQ(stored.tree, first.split.tree);
  EXPECT_EQ(stored.envelope, first.envelope);
  EXPECT_EQ(store().read_blob(shared.key).value(), shared.content);

  Mailbox after = mailbox(bob_.user.id, "archive-2020");
  EXPECT_EQ(after.uidnext, 5000u);
  EXPECT_EQ(after.highest_modseq, 9000u);
  EXPECT_EQ(after.message_count, 2u);
  EXPECT_TRUE(store().journal_since(bob_.user.id, box.id, 9000).value().empty());
  User user = store().find_user_by_id(bob_.user.id).value();
  EXPECT_EQ(user.storage_used, 9000u);
  EXPECT_EQ(user.message_count, 2u);
  Stats stats = store().stats().value();
  EXPECT_EQ(stats.blob_count, before.blob_count + 1);
  EXPECT_EQ(stats.message_count, before.message_count + 2);
  EXPECT_EQ(stats.journal_rows, before.journal_rows);

  // What comes after the import continues from the imported state.
  Result<Appended> next = store().append_message(bob_.user.id, box.id, make_message(10));
  ASSERT_TRUE(next.is_ok()) << next.status().to_string();
  EXPECT_EQ(next->uid, 5000u);
  EXPECT_EQ(next->modseq, 9001u);
  EXPECT_EQ(next->uidvalidity, 4000000000u);
}

TEST_P(Import, MessagesOverQuotaAreImported) {
  Account small = account("small", Quota{.bytes = 100, .messages = 1});
  Mailbox box = store().import_mailbox(small.user.id, state("INBOX")).value();
  Status status = store().import_messages(
      small.user.id, box.id,
      {imported(1, 1, make_message(500)), imported(2, 2, make_message(500))});
  ASSERT_TRUE(status.is_ok()) << status.to_string();
  User user = store().find_user_by_id(small.user.id).value();
  EXPECT_EQ(user.storage_used, 1000u);
  EXPECT_EQ(user.message_count, 2u);
}

TEST_P(Import, MessagesBreakingTheStateAreRefusedAllOrNothing) {
  Mailbox box = store().import_mailbox(bob_.user.id, state("box")).value();
  ASSERT_TRUE(
      store().import_messages(bob_.user.id, box.id, {imported(100, 50, make_message(10))}).is_ok());
  Footprint before = footprint(bob_.user.id);
  mime::Blob blob = make_blob("never-kept", 500);
  const std::vector<std::vector<ImportedMessage>> bad = {
      {imported(200, 60, make_message(10, {blob})), imported(100, 70, make_message(10))},
      {imported(200, 60, make_message(10, {blob})), imported(150, 70, make_message(10))},
      {imported(200, 60, make_message(10, {blob})), imported(5000, 70, make_message(10))},
      {imported(200, 60, make_message(10, {blob})), imported(300, 9001, make_message(10))},
      {imported(0, 60, make_message(10))},
  };
  for (const std::vector<ImportedMessage>& messages : bad) {
    EXPECT_EQ(store().import_messages(bob_.user.id, box.id, messages).code(),
              Code::invalid_argument)
        << "uid " << messages.back().uid;
    expect_unchanged(before, footprint(bob_.user.id));
  }
  EXPECT_EQ(store().read_blob(blob.key).status().code(), Code::not_found);
  EXPECT_EQ(uids(bob_.user.id, box.id), std::vector<uint32_t>{100});
}

TEST_P(Import, SummariesOfImportedMessagesAreAllVisited) {
  Mailbox wanted = state("big");
  wanted.uidnext = 3000;
  Mailbox box = store().import_mailbox(bob_.user.id, wanted).value();
  // Batches in ascending order that cross summary-chunk-sized UID ranges,
  // with gaps (expunged in the source).
  uint32_t uid = 1;
  std::vector<uint32_t> expected;
  for (uint32_t batch_end : {700u, 1500u, 2990u}) {
    std::vector<ImportedMessage> batch;
    for (; uid <= batch_end; uid += (uid % 7 == 0 ? 3 : 1)) {
      NewMessage message = make_message(10);
      message.search_summary = "s" + std::to_string(uid);
      batch.push_back(imported(uid, uid, std::move(message)));
      expected.push_back(uid);
    }
    Status status = store().import_messages(bob_.user.id, box.id, batch);
    ASSERT_TRUE(status.is_ok()) << status.to_string();
  }
  std::vector<UidSummary> visited = summaries_of(store(), bob_.user.id, box.id, 1, UINT32_MAX);
  ASSERT_EQ(visited.size(), expected.size());
  for (size_t i = 0; i < visited.size(); ++i) {
    EXPECT_EQ(visited[i].uid, expected[i]);
    EXPECT_EQ(visited[i].summary, "s" + std::to_string(expected[i]));
  }
}

}  // namespace
}  // namespace eider::store::testing
