// Users and addresses: create_user and its default mailboxes, lookups,
// password and quota updates, delete_user releasing everything, and the
// one normal form and uniqueness of addresses.
#include <algorithm>

#include "conformance.h"

namespace eider::store::testing {
namespace {

class Users : public StoreConformance {};
EIDER_CONFORMANCE(Users);

TEST_P(Users, NewUserGetsDefaultMailboxesWithSpecialUse) {
  Result<User> user =
      store().create_user("Bob", "$6$h", {"Bob@Example.ORG"}, {.bytes = 5000, .messages = 9});
  ASSERT_TRUE(user.is_ok()) << user.status().to_string();
  EXPECT_EQ(user->name, "bob");
  EXPECT_EQ(user->password_hash, "$6$h");
  EXPECT_EQ(user->quota_bytes, 5000u);
  EXPECT_EQ(user->quota_messages, 9u);
  EXPECT_EQ(user->storage_used, 0u);
  EXPECT_EQ(user->message_count, 0u);
  std::vector<std::pair<std::string, std::string>> got;
  std::vector<Mailbox> mailboxes = store().list_mailboxes(user->id).value();
  for (const Mailbox& m : mailboxes) {
    got.emplace_back(m.path, m.special_use);
    EXPECT_EQ(m.user_id, user->id);
    EXPECT_GT(m.uidvalidity, 0u);
    EXPECT_EQ(m.uidnext, 1u);
    EXPECT_EQ(m.message_count, 0u);
    EXPECT_TRUE(m.subscribed);
  }
  std::sort(got.begin(), got.end());
  std::vector<std::pair<std::string, std::string>> want = {
      {"Archive", "\\Archive"}, {"Drafts", "\\Drafts"}, {"INBOX", ""},
      {"Junk", "\\Junk"},       {"Sent", "\\Sent"},     {"Trash", "\\Trash"}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(store().find_address("bob@example.org").value(), user->id);
  EXPECT_EQ(store().list_addresses(user->id).value(), std::vector<std::string>{"bob@example.org"});
}

TEST_P(Users, FoundByLowercasedNameOrIdAndListed) {
  User bob = account("Bob").user;
  User eve = account("eve").user;
  EXPECT_EQ(bob.name, "bob");
  EXPECT_EQ(store().find_user("BOB").value().id, bob.id);
  EXPECT_EQ(store().find_user_by_id(eve.id).value().name, "eve");
  EXPECT_EQ(store().find_user("nobody").status().code(), Code::not_found);
  EXPECT_EQ(store().find_user_by_id(std::max(bob.id, eve.id) + 100).status().code(),
            Code::not_found);
  std::vector<std::string> names;
  std::vector<User> users = store().list_users().value();
  for (const User& user : users) names.push_back(user.name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"bob", "eve"}));
}

TEST_P(Users, DuplicateUserOrAddressIsAlreadyExistsAndLeavesNothing) {
  ASSERT_TRUE(store().create_user("bob", "x", {"bob@example.org"}, {}).is_ok());
  EXPECT_EQ(store().create_user("BOB", "x", {}, {}).status().code(), Code::already_exists);
  EXPECT_EQ(
      store().create_user("carol", "x", {"c@example.org", "BOB@example.org"}, {}).status().code(),
      Code::already_exists);
  // The failed create_user left neither the user, its mailboxes nor its first address.
  EXPECT_EQ(store().find_user("carol").status().code(), Code::not_found);
  EXPECT_EQ(store().find_address("c@example.org").status().code(), Code::not_found);
  EXPECT_EQ(store().list_users().value().size(), 1u);
  // The name is free to take afterwards.
  EXPECT_TRUE(store().create_user("carol", "x", {"c@example.org"}, {}).is_ok());
}

TEST_P(Users, PasswordAndQuotaUpdates) {
  account("bob");
  ASSERT_TRUE(store().set_password_hash("Bob", "$y$new").is_ok());
  ASSERT_TRUE(store().set_quota("bob", {.bytes = 42, .messages = 7}).is_ok());
  User bob = store().find_user("bob").value();
  EXPECT_EQ(bob.password_hash, "$y$new");
  EXPECT_EQ(bob.quota_bytes, 42u);
  EXPECT_EQ(bob.quota_messages, 7u);
  ASSERT_TRUE(store().set_quota("BOB", {}).is_ok());
  bob = store().find_user("bob").value();
  EXPECT_EQ(bob.quota_bytes, 0u);
  EXPECT_EQ(bob.quota_messages, 0u);
  EXPECT_EQ(store().set_quota("nobody", {.bytes = 1}).code(), Code::not_found);
  EXPECT_EQ(store().set_password_hash("nobody", "x").code(), Code::not_found);
}

TEST_P(Users, DeleteUserRemovesEverythingAndReleasesBlobs) {
  auto [bob, inbox] = account("bob");
  auto [eve, eve_inbox] = account("eve");
  mime::Blob shared = make_blob("shared", 5000);
  mime::Blob own = make_blob("bob-only", 3000);
  ASSERT_TRUE(store().append_message(bob.id, inbox.id, make_message(9000, {shared, own})));
  ASSERT_TRUE(store().append_message(eve.id, eve_inbox.id, make_message(6000, {shared})));
  ASSERT_TRUE(store().add_address(bob.id, "*@bob.example").is_ok());
  ASSERT_TRUE(store().delete_user("BOB").is_ok());
  EXPECT_EQ(store().find_user("bob").status().code(), Code::not_found);
  EXPECT_EQ(store().find_user_by_id(bob.id).status().code(), Code::not_found);
  EXPECT_EQ(store().find_address("bob@example.org").status().code(), Code::not_found);
  EXPECT_EQ(store().find_address("*@bob.example").status().code(), Code::not_found);
  EXPECT_EQ(store().list_mailboxes(bob.id).status().code(), Code::not_found);
  EXPECT_EQ(store().read_blob(own.key).status().code(), Code::not_found);
  EXPECT_EQ(store().read_blob(shared.key).value(), shared.content);
  Stats stats = store().stats().value();
  EXPECT_EQ(stats.message_count, 1u);
  EXPECT_EQ(stats.blob_count, 1u);
  EXPECT_EQ(stats.blob_refs, 1u);
  EXPECT_EQ(store().find_user("eve").value().storage_used, 6000u);
  ASSERT_TRUE(store().delete_user("eve").is_ok());
  stats = store().stats().value();
  EXPECT_EQ(stats.message_count, 0u);
  EXPECT_EQ(stats.blob_count, 0u);
  EXPECT_EQ(stats.blob_refs, 0u);
  EXPECT_EQ(stats.journal_rows, 0u);
  EXPECT_EQ(store().delete_user("eve").code(), Code::not_found);
  // The name and the address can be taken again.
  EXPECT_TRUE(store().create_user("bob", "x", {"bob@example.org"}, {}).is_ok());
}

class Addresses : public StoreConformance {};
EIDER_CONFORMANCE(Addresses);

TEST_P(Addresses, AddedRemovedAndCatchAllKept) {
  User bob = account("bob").user;
  ASSERT_TRUE(store().add_address(bob.id, "*@Example.NET").is_ok());
  EXPECT_EQ(store().find_address("*@example.net").value(), bob.id);
  EXPECT_EQ(store().add_address(bob.id, "*@example.net").code(), Code::already_exists);
  EXPECT_EQ(store().add_address(bob.id, "no-at-sign").code(), Code::invalid_argument);
  EXPECT_EQ(store().add_address(bob.id + 100, "x@example.net").code(), Code::not_found);
  std::vector<std::string> listed = store().list_addresses(bob.id).value();
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(listed, (std::vector<std::string>{"*@example.net", "bob@example.org"}));
  ASSERT_TRUE(store().remove_address("*@example.net").is_ok());
  EXPECT_EQ(store().remove_address("*@example.net").code(), Code::not_found);
  EXPECT_EQ(store().find_address("*@example.net").status().code(), Code::not_found);
  EXPECT_EQ(store().list_addresses(bob.id).value(), std::vector<std::string>{"bob@example.org"});
}

TEST_P(Addresses, KeptInTheirOneNormalForm) {
  User bob = account("bob").user;
  ASSERT_TRUE(store().add_address(bob.id, "Änne@XN--BCHER-KVA.Example").is_ok());
  EXPECT_EQ(store().find_address("änne@bücher.example").value(), bob.id);
  EXPECT_EQ(store().add_address(bob.id, "änne@BÜCHER.example").code(), Code::already_exists);
  ASSERT_TRUE(store().remove_address("ÄNNE@bücher.example.").is_ok());
  EXPECT_EQ(store().find_address("änne@bücher.example").status().code(), Code::not_found);
}

TEST_P(Addresses, AnAddressBelongsToOneUser) {
  User bob = account("bob").user;
  User eve = account("eve").user;
  EXPECT_EQ(store().add_address(eve.id, "BOB@example.org").code(), Code::already_exists);
  EXPECT_EQ(store().find_address("bob@example.org").value(), bob.id);
  ASSERT_TRUE(store().add_address(eve.id, "*@example.org").is_ok());
  // The catch-all is an address of its own: lookups are exact.
  EXPECT_EQ(store().find_address("bob@example.org").value(), bob.id);
  EXPECT_EQ(store().find_address("*@example.org").value(), eve.id);
  EXPECT_EQ(store().find_address("carol@example.org").status().code(), Code::not_found);
}

}  // namespace
}  // namespace eider::store::testing
