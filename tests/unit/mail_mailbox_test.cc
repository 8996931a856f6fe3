#include <gtest/gtest.h>

#include "mail/names.h"
#include "mail_fixture.h"

namespace eider::mail {
namespace {

TEST(NormalizeMailboxPath, AcceptsValidNamesInTheirStoredForm) {
  const std::pair<std::string, std::string> cases[] = {
      {"INBOX", "INBOX"},
      {"inbox", "INBOX"},
      {"Inbox/Sub", "INBOX/Sub"},
      {"Archive/2026/Q1", "Archive/2026/Q1"},
      {"Entwürfe", "Entwürfe"},
      {"日本語/メール", "日本語/メール"},
      {"with space", "with space"},
      {"INBOXES", "INBOXES"},
      {std::string(255, 'a'), std::string(255, 'a')},
  };
  for (const auto& [input, expected] : cases) {
    SCOPED_TRACE(input);
    Result<std::string> path = normalize_mailbox_path(input);
    ASSERT_TRUE(path.is_ok()) << path.status().to_string();
    EXPECT_EQ(*path, expected);
  }
}

TEST(NormalizeMailboxPath, RejectsInvalidNames) {
  std::string long_path;
  while (long_path.size() <= kMaxMailboxPathBytes) long_path += "abcdefgh/";
  long_path += "x";
  const std::string cases[] = {
      "",
      "/",
      "/a",
      "a/",
      "a//b",
      "tab\there",
      "new\nline",
      std::string("nul\0x", 5),
      "del\x7f",
      "bad\xff utf8",
      "\xc0\xaf overlong",
      "star*",
      "per%cent",
      std::string(256, 'a'),
      long_path,
  };
  for (const std::string& input : cases) {
    SCOPED_TRACE(input);
    EXPECT_EQ(normalize_mailbox_path(input).status().code(), Code::invalid_argument);
  }
}

using Mailboxes = testing::MailFixture;

TEST_F(Mailboxes, CreateRenameDeletePublishBeaconsAfterCommit) {
  int64_t user = add("alice");
  record(user);

  Result<store::Mailbox> created = mail_->create_mailbox(user, "Projects");
  ASSERT_TRUE(created.is_ok()) << created.status().to_string();
  ASSERT_EQ(beacons().size(), 1u);
  EXPECT_EQ(beacons()[0].mailbox_id, created->id);

  ASSERT_TRUE(mail_->rename_mailbox(user, "Projects", "Work/Projects").is_ok());
  store::Mailbox renamed = mailbox(user, "Work/Projects");
  EXPECT_EQ(renamed.id, created->id);
  ASSERT_EQ(beacons().size(), 2u);
  EXPECT_EQ(beacons()[1], (notify::Beacon{user, created->id, renamed.highest_modseq}));

  ASSERT_TRUE(mail_->delete_mailbox(user, "Work/Projects").is_ok());
  EXPECT_EQ(faulty_->find_mailbox(user, "Work/Projects").status().code(), Code::not_found);
  ASSERT_EQ(beacons().size(), 3u);
  EXPECT_EQ(beacons()[2], (notify::Beacon{user, created->id, renamed.highest_modseq + 1}));
}

TEST_F(Mailboxes, RenamePublishesABeaconForEveryMailboxItMoves) {
  int64_t user = add("alice");
  std::vector<int64_t> ids;
  for (const char* path : {"a", "a/b", "a/c", "ab"}) {
    Result<store::Mailbox> created = mail_->create_mailbox(user, path);
    ASSERT_TRUE(created.is_ok()) << created.status().to_string();
    ids.push_back(created->id);
  }
  record(user);
  faulty_->fail(store::testing::StoreCall::list_mailboxes, error(Code::io_error, "injected"), 1000);
  ASSERT_TRUE(mail_->rename_mailbox(user, "a", "z").is_ok());
  // A session with "a/b" selected hears of it too; "ab" is not below "a".
  EXPECT_EQ(beacons(),
            (std::vector<notify::Beacon>{{user, ids[0], mailbox(user, "z").highest_modseq},
                                         {user, ids[1], mailbox(user, "z/b").highest_modseq},
                                         {user, ids[2], mailbox(user, "z/c").highest_modseq}}));
}

TEST_F(Mailboxes, RenamingInboxPublishesInboxAndTheNewMailbox) {
  int64_t user = add("alice");
  ASSERT_TRUE(mail_->deliver(user, "INBOX", "Subject: x\r\n\r\nbody\r\n").is_ok());
  record(user);
  ASSERT_TRUE(mail_->rename_mailbox(user, "INBOX", "Old").is_ok());
  store::Mailbox inbox = mailbox(user, "INBOX");
  store::Mailbox old = mailbox(user, "Old");
  EXPECT_EQ(beacons(), (std::vector<notify::Beacon>{{user, inbox.id, inbox.highest_modseq},
                                                    {user, old.id, old.highest_modseq}}));
}

TEST_F(Mailboxes, RefusedMailboxChangesPublishNothing) {
  int64_t user = add("alice");
  ASSERT_TRUE(mail_->create_mailbox(user, "Keep").is_ok());
  record(user);
  const std::pair<std::string, Code> creates[] = {
      {"Keep", Code::already_exists},  {"a//b", Code::invalid_argument},
      {"", Code::invalid_argument},    {"x*", Code::invalid_argument},
      {"inbox", Code::already_exists},
  };
  for (const auto& [path, code] : creates) {
    SCOPED_TRACE(path);
    EXPECT_EQ(mail_->create_mailbox(user, path).status().code(), code);
  }
  EXPECT_EQ(mail_->rename_mailbox(user, "Keep", "INBOX").code(), Code::invalid_argument);
  EXPECT_EQ(mail_->rename_mailbox(user, "Keep", "Trash").code(), Code::already_exists);
  EXPECT_EQ(mail_->rename_mailbox(user, "Missing", "Other").code(), Code::not_found);
  EXPECT_EQ(mail_->rename_mailbox(user, "Keep", "bad//name").code(), Code::invalid_argument);
  EXPECT_EQ(mail_->delete_mailbox(user, "inbox").code(), Code::invalid_argument);
  EXPECT_EQ(mail_->delete_mailbox(user, "Missing").code(), Code::not_found);
  faulty_->fail(store::testing::StoreCall::delete_mailbox, error(Code::io_error, "injected"));
  EXPECT_EQ(mail_->delete_mailbox(user, "Keep").code(), Code::io_error);
  faulty_->fail(store::testing::StoreCall::create_mailbox, error(Code::disk_full, "injected"));
  EXPECT_EQ(mail_->create_mailbox(user, "New").status().code(), Code::disk_full);
  EXPECT_TRUE(beacons().empty());
  EXPECT_EQ(mailbox(user, "Keep").path, "Keep");
}

TEST_F(Mailboxes, MessageOperationsPublishTheMailboxesTheyChanged) {
  int64_t user = add("alice");
  const std::string message = "Subject: x\r\n\r\nbody\r\n";
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(mail_->deliver(user, "INBOX", message).is_ok());
  store::Mailbox inbox = mailbox(user, "INBOX");
  store::Mailbox archive = mailbox(user, "Archive");
  store::Mailbox trash = mailbox(user, "Trash");
  record(user);
  // Beacons carry what the store calls returned: no listing after a change.
  faulty_->fail(store::testing::StoreCall::list_mailboxes, error(Code::io_error, "injected"), 1000);

  auto last_beacons = [&](size_t n) {
    std::vector<notify::Beacon> all = beacons();
    return std::vector<notify::Beacon>(all.end() - static_cast<std::ptrdiff_t>(n), all.end());
  };

  Result<std::vector<store::UidPair>> copied = mail_->copy(user, inbox.id, {1, 2}, "Archive");
  ASSERT_TRUE(copied.is_ok()) << copied.status().to_string();
  EXPECT_EQ(copied->size(), 2u);
  EXPECT_EQ(
      last_beacons(1),
      (std::vector<notify::Beacon>{{user, archive.id, mailbox(user, "Archive").highest_modseq}}));

  Result<std::vector<store::UidPair>> moved = mail_->move(user, inbox.id, {3}, "Trash");
  ASSERT_TRUE(moved.is_ok()) << moved.status().to_string();
  EXPECT_EQ(last_beacons(2),
            (std::vector<notify::Beacon>{{user, trash.id, mailbox(user, "Trash").highest_modseq},
                                         {user, inbox.id, mailbox(user, "INBOX").highest_modseq}}));

  Result<std::vector<store::MessageInfo>> flagged =
      mail_->set_flags(user, inbox.id, {1, 2}, store::FlagMode::add, {"\\Seen"});
  ASSERT_TRUE(flagged.is_ok()) << flagged.status().to_string();
  EXPECT_EQ(flagged->size(), 2u);
  EXPECT_EQ(last_beacons(1),
            (std::vector<notify::Beacon>{{user, inbox.id, mailbox(user, "INBOX").highest_modseq}}));

  Result<std::vector<uint32_t>> expunged = mail_->expunge(user, inbox.id, {1, 99});
  ASSERT_TRUE(expunged.is_ok()) << expunged.status().to_string();
  EXPECT_EQ(*expunged, (std::vector<uint32_t>{1}));
  EXPECT_EQ(last_beacons(1),
            (std::vector<notify::Beacon>{{user, inbox.id, mailbox(user, "INBOX").highest_modseq}}));

  size_t before = beacons().size();
  EXPECT_TRUE(mail_->expunge(user, inbox.id, {99}).is_ok());
  EXPECT_TRUE(mail_->set_flags(user, inbox.id, {2}, store::FlagMode::add, {"\\Seen"}).is_ok());
  EXPECT_EQ(beacons().size(), before) << "no change, no beacon";

  faulty_->fail(store::testing::StoreCall::copy_messages, error(Code::io_error, "injected"));
  EXPECT_EQ(mail_->copy(user, inbox.id, {2}, "Archive").status().code(), Code::io_error);
  faulty_->fail(store::testing::StoreCall::move_messages, error(Code::io_error, "injected"));
  EXPECT_EQ(mail_->move(user, inbox.id, {2}, "Archive").status().code(), Code::io_error);
  faulty_->fail(store::testing::StoreCall::expunge_messages, error(Code::io_error, "injected"));
  EXPECT_EQ(mail_->expunge(user, inbox.id, {2}).status().code(), Code::io_error);
  faulty_->fail(store::testing::StoreCall::store_flags, error(Code::io_error, "injected"));
  EXPECT_EQ(mail_->set_flags(user, inbox.id, {2}, store::FlagMode::replace, {}).status().code(),
            Code::io_error);
  EXPECT_EQ(mail_->copy(user, inbox.id, {2}, "Nowhere").status().code(), Code::not_found);
  EXPECT_EQ(beacons().size(), before);
}

}  // namespace
}  // namespace eider::mail
