// mail::migrate_store between two SQLite stores: what clients know survives
// (UIDVALIDITY, UIDs, MODSEQs, flags, subscriptions), attachments are shared
// in the target, and a target that is not empty is refused untouched.
#include <gtest/gtest.h>

#include "mail/mail.h"
#include "mail/migrate.h"
#include "mail/users.h"
#include "notify/local.h"
#include "store_test_util.h"

namespace eider::mail {
namespace {

using store::testing::open_sqlite_or_die;
using store::testing::TempDir;

std::string with_attachment(int n, const std::string& attachment) {
  return "Subject: " + std::to_string(n) +
         "\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
         "Content-Type: text/plain\r\n\r\nbody " +
         std::to_string(n) + "\nbare lf\r\n--b\r\nContent-Type: application/octet-stream\r\n\r\n" +
         attachment + "\r\n--b--";
}

class MigrateStore : public ::testing::Test {
 protected:
  void SetUp() override {
    from_ = open_sqlite_or_die(source_dir_);
    to_ = open_sqlite_or_die(target_dir_);
    ASSERT_NE(from_, nullptr);
    ASSERT_NE(to_, nullptr);
    limits_.blob_threshold = 64;
  }

  Result<MigrationSummary> migrate() {
    return migrate_store(*from_, *to_, limits_, [this](const MigrationProgress& p) {
      last_ = p;
      ++reports_;
    });
  }

  TempDir source_dir_;
  TempDir target_dir_;
  std::unique_ptr<store::Store> from_;
  std::unique_ptr<store::Store> to_;
  core::Limits limits_;
  notify::LocalNotifier notifier_;
  MigrationProgress last_;
  int reports_ = 0;
};

TEST_F(MigrateStore, CopyKeepsWhatClientsKnowAndSharesAttachments) {
  Mail mail(*from_, notifier_, limits_);
  const std::string attachment(500, 'A');
  int64_t ann = add_user(*from_, "ann", "pw", {"ann@example.test"}, {.bytes = 10}).value().id;
  int64_t bob = add_user(*from_, "bob", "pw", {}, {}).value().id;
  ASSERT_TRUE(mail.create_mailbox(ann, "Lists/eider").is_ok());
  for (int n = 0; n < 3; ++n) {
    ASSERT_TRUE(mail.deliver(bob, "INBOX", with_attachment(n, attachment)).is_ok());
  }
  store::Mailbox bob_inbox = from_->find_mailbox(bob, "INBOX").value();
  // ann ends over a quota lowered after her mail came: it is copied all the same.
  ASSERT_TRUE(from_->set_quota("ann", {}).is_ok());
  ASSERT_TRUE(mail.deliver(ann, "Lists/eider", with_attachment(9, attachment)).is_ok());
  ASSERT_TRUE(from_->set_quota("ann", {.bytes = 10}).is_ok());
  ASSERT_TRUE(from_->expunge_messages(bob, bob_inbox.id, {2}).is_ok());
  ASSERT_TRUE(
      from_->store_flags(bob, bob_inbox.id, {1}, store::FlagMode::add, {"\\Seen", "$X"}).is_ok());
  ASSERT_TRUE(from_->delete_mailbox(bob, "Junk").is_ok());
  ASSERT_TRUE(from_->set_subscribed(bob, "Sent", false).is_ok());

  Result<MigrationSummary> summary = migrate();
  ASSERT_TRUE(summary.is_ok()) << summary.status().to_string();
  EXPECT_EQ(summary->users, 2u);
  EXPECT_EQ(summary->messages, 3u);
  EXPECT_EQ(summary->lost_subscriptions, 1u);  // bob's Junk
  EXPECT_EQ(summary->source_blobs, 1u);
  EXPECT_EQ(summary->target_blobs, 1u);
  EXPECT_EQ(last_.users_done, 2u);
  EXPECT_EQ(last_.messages_copied, 3u);
  EXPECT_EQ(last_.messages_verified, 3u);
  EXPECT_GT(reports_, 2);

  store::User copied_bob = to_->find_user("bob").value();
  store::Mailbox inbox = to_->find_mailbox(copied_bob.id, "INBOX").value();
  EXPECT_EQ(inbox.uidvalidity, bob_inbox.uidvalidity);
  EXPECT_EQ(inbox.uidnext, 4u);
  std::vector<store::MessageInfo> infos = to_->list_messages(copied_bob.id, inbox.id).value();
  std::vector<store::MessageInfo> source = from_->list_messages(bob, bob_inbox.id).value();
  ASSERT_EQ(infos.size(), 2u);
  for (size_t i = 0; i < infos.size(); ++i) {
    EXPECT_EQ(infos[i].uid, source[i].uid);
    EXPECT_EQ(infos[i].modseq, source[i].modseq);
    EXPECT_EQ(infos[i].flags, source[i].flags);
  }
  EXPECT_EQ(to_->find_mailbox(copied_bob.id, "Junk").status().code(), Code::not_found);
  EXPECT_FALSE(to_->find_mailbox(copied_bob.id, "Sent").value().subscribed);
  EXPECT_EQ(to_->list_lost_subscriptions(copied_bob.id).value(), std::vector<std::string>{"Junk"});
  store::User copied_ann = to_->find_user("ann").value();
  EXPECT_EQ(copied_ann.quota_bytes, 10u);
  EXPECT_EQ(copied_ann.storage_used, from_->find_user("ann").value().storage_used);
  EXPECT_EQ(to_->list_addresses(copied_ann.id).value(),
            std::vector<std::string>{"ann@example.test"});
}

TEST_F(MigrateStore, TargetWithAUserIsRefusedUntouched) {
  ASSERT_TRUE(add_user(*from_, "ann", "pw", {}, {}).is_ok());
  ASSERT_TRUE(add_user(*to_, "zed", "pw", {}, {}).is_ok());
  store::Stats before = to_->stats().value();
  Result<MigrationSummary> summary = migrate();
  EXPECT_EQ(summary.status().code(), Code::already_exists);
  EXPECT_EQ(to_->find_user("ann").status().code(), Code::not_found);
  EXPECT_EQ(to_->stats().value().journal_rows, before.journal_rows);
}

TEST_F(MigrateStore, EmptySourceCopiesNothing) {
  Result<MigrationSummary> summary = migrate();
  ASSERT_TRUE(summary.is_ok()) << summary.status().to_string();
  EXPECT_EQ(summary->users, 0u);
  EXPECT_TRUE(to_->list_users().value().empty());
}

}  // namespace
}  // namespace eider::mail
