// Users, addresses and mailboxes.
#include <algorithm>

#include "store_test_util.h"

namespace eider::store {
namespace {

using testing::make_account;
using testing::make_message;
using testing::open_or_die;
using testing::options_for;
using testing::TempDir;

class StoreUsers : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_or_die(options_for(dir_));
    ASSERT_NE(store_, nullptr);
  }

  std::vector<std::string> paths(int64_t user_id) {
    std::vector<std::string> out;
    std::vector<Mailbox> mailboxes = store_->list_mailboxes(user_id).value();
    for (const Mailbox& m : mailboxes) out.push_back(m.path);
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreUsers, NewUserGetsDefaultMailboxesWithSpecialUse) {
  Result<User> user = store_->create_user("Bob", "$6$h", {"Bob@Example.ORG"}, {.bytes = 5000});
  ASSERT_TRUE(user.is_ok()) << user.status().to_string();
  EXPECT_EQ(user->name, "bob");
  EXPECT_EQ(user->password_hash, "$6$h");
  EXPECT_EQ(user->quota_bytes, 5000u);
  std::vector<std::pair<std::string, std::string>> got;
  std::vector<Mailbox> mailboxes = store_->list_mailboxes(user->id).value();
  for (const Mailbox& m : mailboxes) {
    got.emplace_back(m.path, m.special_use);
    EXPECT_GT(m.uidvalidity, 0u);
    EXPECT_EQ(m.uidnext, 1u);
    EXPECT_TRUE(m.subscribed);
  }
  std::vector<std::pair<std::string, std::string>> want = {
      {"Archive", "\\Archive"}, {"Drafts", "\\Drafts"}, {"INBOX", ""},
      {"Junk", "\\Junk"},       {"Sent", "\\Sent"},     {"Trash", "\\Trash"}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(store_->find_address("bob@example.org").value(), user->id);
  EXPECT_EQ(store_->list_addresses(user->id).value(), std::vector<std::string>{"bob@example.org"});
}

TEST_F(StoreUsers, DuplicateUserOrAddressIsAlreadyExistsAndLeavesNothing) {
  ASSERT_TRUE(store_->create_user("bob", "x", {"bob@example.org"}, {}).is_ok());
  EXPECT_EQ(store_->create_user("BOB", "x", {}, {}).status().code(), Code::already_exists);
  EXPECT_EQ(
      store_->create_user("carol", "x", {"c@example.org", "BOB@example.org"}, {}).status().code(),
      Code::already_exists);
  // The failed create_user left neither the user nor its first address.
  EXPECT_EQ(store_->find_user("carol").status().code(), Code::not_found);
  EXPECT_EQ(store_->find_address("c@example.org").status().code(), Code::not_found);
  EXPECT_EQ(store_->list_users().value().size(), 1u);
}

TEST_F(StoreUsers, AddressesAreAddedRemovedAndCatchAllKept) {
  User bob = make_account(*store_, "bob").user;
  ASSERT_TRUE(store_->add_address(bob.id, "*@Example.NET").is_ok());
  EXPECT_EQ(store_->find_address("*@example.net").value(), bob.id);
  EXPECT_EQ(store_->add_address(bob.id, "*@example.net").code(), Code::already_exists);
  EXPECT_EQ(store_->add_address(bob.id, "no-at-sign").code(), Code::invalid_argument);
  EXPECT_EQ(store_->add_address(bob.id + 100, "x@example.net").code(), Code::not_found);
  ASSERT_TRUE(store_->remove_address("*@example.net").is_ok());
  EXPECT_EQ(store_->remove_address("*@example.net").code(), Code::not_found);
  EXPECT_EQ(store_->find_address("*@example.net").status().code(), Code::not_found);
}

TEST_F(StoreUsers, AddressesAreKeptInTheirOneNormalForm) {
  User bob = make_account(*store_, "bob").user;
  ASSERT_TRUE(store_->add_address(bob.id, "Änne@XN--BCHER-KVA.Example").is_ok());
  EXPECT_EQ(store_->find_address("änne@bücher.example").value(), bob.id);
  EXPECT_EQ(store_->add_address(bob.id, "änne@BÜCHER.example").code(), Code::already_exists);
  ASSERT_TRUE(store_->remove_address("ÄNNE@bücher.example.").is_ok());
  EXPECT_EQ(store_->find_address("änne@bücher.example").status().code(), Code::not_found);
}

TEST_F(StoreUsers, PasswordAndQuotaUpdates) {
  make_account(*store_, "bob");
  ASSERT_TRUE(store_->set_password_hash("Bob", "$y$new").is_ok());
  ASSERT_TRUE(store_->set_quota("bob", {.bytes = 42, .messages = 7}).is_ok());
  User bob = store_->find_user("bob").value();
  EXPECT_EQ(bob.password_hash, "$y$new");
  EXPECT_EQ(bob.quota_bytes, 42u);
  EXPECT_EQ(bob.quota_messages, 7u);
  EXPECT_EQ(store_->set_quota("nobody", {.bytes = 1}).code(), Code::not_found);
  EXPECT_EQ(store_->set_password_hash("nobody", "x").code(), Code::not_found);
}

TEST_F(StoreUsers, DeleteUserRemovesEverythingAndReleasesBlobs) {
  auto [bob, inbox] = make_account(*store_, "bob");
  auto [eve, eve_inbox] = make_account(*store_, "eve");
  mime::Blob shared = testing::make_blob("shared", 5000);
  ASSERT_TRUE(store_->append_message(bob.id, inbox.id, make_message(6000, {shared})).is_ok());
  ASSERT_TRUE(store_->append_message(eve.id, eve_inbox.id, make_message(6000, {shared})).is_ok());
  ASSERT_TRUE(store_->delete_user("bob").is_ok());
  EXPECT_EQ(store_->find_user("bob").status().code(), Code::not_found);
  EXPECT_EQ(store_->find_address("bob@example.org").status().code(), Code::not_found);
  EXPECT_EQ(store_->list_mailboxes(bob.id).status().code(), Code::not_found);
  Stats stats = store_->stats().value();
  EXPECT_EQ(stats.message_count, 1u);
  EXPECT_EQ(stats.blob_count, 1u);
  EXPECT_EQ(stats.blob_refs, 1u);
  ASSERT_TRUE(store_->delete_user("eve").is_ok());
  stats = store_->stats().value();
  EXPECT_EQ(stats.message_count, 0u);
  EXPECT_EQ(stats.blob_count, 0u);
  EXPECT_EQ(stats.journal_rows, 0u);
  EXPECT_EQ(store_->delete_user("eve").code(), Code::not_found);
}

TEST_F(StoreUsers, MailboxNamesAreValidatedAndInboxIsCaseInsensitive) {
  User bob = make_account(*store_, "bob").user;
  struct Case {
    std::string path;
    Code code;
  };
  for (const Case& c : std::vector<Case>{{"", Code::invalid_argument},
                                         {"/a", Code::invalid_argument},
                                         {"a/", Code::invalid_argument},
                                         {"a//b", Code::invalid_argument},
                                         {"a\nb", Code::invalid_argument},
                                         {"inbox", Code::already_exists},
                                         {"Sent", Code::already_exists},
                                         {"Projects", Code::ok},
                                         {"Projects/2024", Code::ok},
                                         {"inbox/sub", Code::ok}}) {
    EXPECT_EQ(store_->create_mailbox(bob.id, c.path, "").status().code(), c.code) << c.path;
  }
  EXPECT_EQ(store_->find_mailbox(bob.id, "iNbOx").value().path, "INBOX");
  EXPECT_EQ(store_->find_mailbox(bob.id, "INBOX/sub").value().path, "INBOX/sub");
  EXPECT_EQ(store_->create_mailbox(bob.id, "X", "\\Bogus").status().code(), Code::invalid_argument);
  EXPECT_EQ(store_->create_mailbox(bob.id, "All", "\\All").value().special_use, "\\All");
}

TEST_F(StoreUsers, InboxCannotBeDeletedOrRenamedOnto) {
  User bob = make_account(*store_, "bob").user;
  EXPECT_EQ(store_->delete_mailbox(bob.id, "INBOX").status().code(), Code::invalid_argument);
  EXPECT_EQ(store_->delete_mailbox(bob.id, "inbox").status().code(), Code::invalid_argument);
  EXPECT_EQ(store_->rename_mailbox(bob.id, "Sent", "INBOX").status().code(),
            Code::invalid_argument);
  EXPECT_EQ(store_->rename_mailbox(bob.id, "Sent", "Inbox").status().code(),
            Code::invalid_argument);
  EXPECT_EQ(store_->delete_mailbox(bob.id, "Nope").status().code(), Code::not_found);
}

TEST_F(StoreUsers, RenameMovesChildrenAndRefusesTakenNames) {
  User bob = make_account(*store_, "bob").user;
  for (const char* path : {"a", "a/b", "a/b/c", "ab"}) {
    ASSERT_TRUE(store_->create_mailbox(bob.id, path, "").is_ok());
  }
  Mailbox before = store_->find_mailbox(bob.id, "a/b").value();
  std::vector<Mailbox> renaming;
  for (const char* path : {"a", "a/b", "a/b/c"}) {
    renaming.push_back(store_->find_mailbox(bob.id, path).value());
  }
  Result<std::vector<MailboxModseq>> renamed = store_->rename_mailbox(bob.id, "a", "z");
  ASSERT_TRUE(renamed.is_ok());
  // Every mailbox moved, each with the modseq of its mailbox_renamed row;
  // "ab" is not below "a" and is left alone.
  std::vector<MailboxModseq> expected;
  for (const Mailbox& mailbox : renaming) {
    expected.push_back({mailbox.id, mailbox.highest_modseq + 1});
  }
  EXPECT_EQ(*renamed, expected);
  std::vector<std::string> got = paths(bob.id);
  for (const char* path : {"z", "z/b", "z/b/c", "ab"}) {
    EXPECT_NE(std::find(got.begin(), got.end(), path), got.end()) << path;
  }
  EXPECT_EQ(std::find(got.begin(), got.end(), "a"), got.end());
  Mailbox after = store_->find_mailbox(bob.id, "z/b").value();
  EXPECT_EQ(after.id, before.id);
  EXPECT_EQ(after.uidvalidity, before.uidvalidity);
  std::vector<JournalEntry> journal = store_->journal_since(bob.id, after.id, 0).value();
  ASSERT_FALSE(journal.empty());
  EXPECT_EQ(journal.back().kind, JournalKind::mailbox_renamed);
  EXPECT_EQ(journal.back().data, "z/b");

  EXPECT_EQ(store_->rename_mailbox(bob.id, "z", "ab").status().code(), Code::already_exists);
  EXPECT_EQ(store_->rename_mailbox(bob.id, "z", "z/inside").status().code(),
            Code::invalid_argument);
  EXPECT_EQ(store_->rename_mailbox(bob.id, "missing", "q").status().code(), Code::not_found);
  EXPECT_NE(store_->find_mailbox(bob.id, "z/b/c").status().code(), Code::not_found);
}

TEST_F(StoreUsers, RenamingInboxMovesItsMessagesAndLeavesItEmpty) {
  auto [bob, inbox] = make_account(*store_, "bob");
  ASSERT_TRUE(store_->create_mailbox(bob.id, "INBOX/child", "").is_ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store_->append_message(bob.id, inbox.id, make_message(100 + i)).is_ok());
  }
  Result<std::vector<MailboxModseq>> renamed = store_->rename_mailbox(bob.id, "INBOX", "Old");
  ASSERT_TRUE(renamed.is_ok());
  Mailbox old = store_->find_mailbox(bob.id, "Old").value();
  EXPECT_EQ(*renamed, (std::vector<MailboxModseq>{
                          {inbox.id, store_->find_mailbox(bob.id, "INBOX").value().highest_modseq},
                          {old.id, old.highest_modseq}}));
  EXPECT_EQ(store_->find_mailbox(bob.id, "INBOX").value().highest_modseq, inbox.highest_modseq + 6);
  EXPECT_EQ(old.message_count, 3u);
  EXPECT_EQ(store_->list_messages(bob.id, old.id).value().size(), 3u);
  Mailbox new_inbox = store_->find_mailbox(bob.id, "INBOX").value();
  EXPECT_EQ(new_inbox.id, inbox.id);
  EXPECT_EQ(new_inbox.message_count, 0u);
  EXPECT_TRUE(store_->list_messages(bob.id, inbox.id).value().empty());
  EXPECT_TRUE(store_->find_mailbox(bob.id, "INBOX/child").is_ok());
  User after = store_->find_user("bob").value();
  EXPECT_EQ(after.storage_used, 303u);
  EXPECT_EQ(after.message_count, 3u);
}

TEST_F(StoreUsers, RecreatedMailboxGetsNewUidValidity) {
  User bob = make_account(*store_, "bob").user;
  Mailbox first = store_->create_mailbox(bob.id, "Work", "").value();
  ASSERT_TRUE(store_->delete_mailbox(bob.id, "Work").is_ok());
  Mailbox second = store_->create_mailbox(bob.id, "Work", "").value();
  EXPECT_GT(second.uidvalidity, first.uidvalidity);
  EXPECT_NE(second.id, first.id);
  std::vector<JournalEntry> old = store_->journal_since(bob.id, first.id, 0).value();
  ASSERT_EQ(old.size(), 1u);
  EXPECT_EQ(old[0].kind, JournalKind::mailbox_deleted);
}

TEST_F(StoreUsers, SubscriptionIsStored) {
  User bob = make_account(*store_, "bob").user;
  ASSERT_TRUE(store_->set_subscribed(bob.id, "Junk", false).is_ok());
  EXPECT_FALSE(store_->find_mailbox(bob.id, "Junk").value().subscribed);
  EXPECT_EQ(store_->set_subscribed(bob.id, "Nope", false).code(), Code::not_found);
}

TEST_F(StoreUsers, SubscriptionsOutliveTheirMailboxes) {
  User bob = make_account(*store_, "bob").user;
  // A name can be subscribed before it is a mailbox (RFC 3501 6.3.6).
  ASSERT_TRUE(store_->set_subscribed(bob.id, "Later/Box", true).is_ok());
  ASSERT_TRUE(store_->create_mailbox(bob.id, "Gone", "").is_ok());
  ASSERT_TRUE(store_->create_mailbox(bob.id, "Quiet", "").is_ok());
  ASSERT_TRUE(store_->set_subscribed(bob.id, "Quiet", false).is_ok());
  ASSERT_TRUE(store_->delete_mailbox(bob.id, "Gone").is_ok());
  ASSERT_TRUE(store_->delete_mailbox(bob.id, "Quiet").is_ok());
  EXPECT_EQ(store_->list_lost_subscriptions(bob.id).value(),
            (std::vector<std::string>{"Gone", "Later/Box"}));
  // A mailbox made with the name takes its subscription back.
  ASSERT_TRUE(store_->create_mailbox(bob.id, "Gone", "").is_ok());
  EXPECT_TRUE(store_->find_mailbox(bob.id, "Gone").value().subscribed);
  ASSERT_TRUE(store_->rename_mailbox(bob.id, "Junk", "Later/Box").is_ok());
  EXPECT_TRUE(store_->list_lost_subscriptions(bob.id).value().empty());
  ASSERT_TRUE(store_->set_subscribed(bob.id, "Other", true).is_ok());
  ASSERT_TRUE(store_->set_subscribed(bob.id, "Other", false).is_ok());
  EXPECT_EQ(store_->set_subscribed(bob.id, "Other", false).code(), Code::not_found);
  EXPECT_TRUE(store_->list_lost_subscriptions(bob.id).value().empty());
  ASSERT_TRUE(store_->set_subscribed(bob.id, "Other", true).is_ok());
  ASSERT_TRUE(store_->delete_user("bob").is_ok());
  User again = make_account(*store_, "bob").user;
  EXPECT_TRUE(store_->list_lost_subscriptions(again.id).value().empty());
}

}  // namespace
}  // namespace eider::store
