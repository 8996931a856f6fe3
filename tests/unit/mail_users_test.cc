#include <gtest/gtest.h>

#include "mail/users.h"
#include "mail_fixture.h"

namespace eider::mail {
namespace {

using Users = testing::MailFixture;

TEST_F(Users, AddStoresAHashNormalisedAddressesAndDefaultMailboxes) {
  Result<store::User> user =
      add_user(*faulty_, "alice", "s3cret", {"Alice@Example.COM", "a@XN--BCHER-KVA.example"},
               {.bytes = 5000});
  ASSERT_TRUE(user.is_ok()) << user.status().to_string();
  EXPECT_TRUE(user->password_hash.starts_with("$argon2id$"));
  EXPECT_EQ(user->quota_bytes, 5000u);

  Result<std::vector<UserSummary>> users = list_users(*faulty_);
  ASSERT_TRUE(users.is_ok());
  ASSERT_EQ(users->size(), 1u);
  std::vector<std::string> addresses = (*users)[0].addresses;
  std::sort(addresses.begin(), addresses.end());
  EXPECT_EQ(addresses, (std::vector<std::string>{"a@bücher.example", "alice@example.com"}));

  Result<std::vector<store::Mailbox>> boxes = faulty_->list_mailboxes(user->id);
  ASSERT_TRUE(boxes.is_ok());
  EXPECT_EQ(boxes->size(), 6u);
}

TEST_F(Users, AddRefusesBadInputAndLeavesNothing) {
  add("taken", 0, {"taken@example.com"});
  const std::tuple<std::string, std::vector<std::string>, Code> cases[] = {
      {"taken", {}, Code::already_exists},
      {"newbie", {"TAKEN@example.com"}, Code::already_exists},
      {"newbie", {"not-an-address"}, Code::invalid_argument},
      {"newbie", {"ok@example.com", "bad address@x"}, Code::invalid_argument},
      {"", {}, Code::invalid_argument},
      {"has space", {}, Code::invalid_argument},
  };
  for (const auto& [name, addresses, code] : cases) {
    SCOPED_TRACE(name);
    EXPECT_EQ(add_user(*faulty_, name, "pw", addresses, {}).status().code(), code);
  }
  Result<std::vector<UserSummary>> users = list_users(*faulty_);
  ASSERT_TRUE(users.is_ok());
  EXPECT_EQ(users->size(), 1u);
}

TEST_F(Users, AuthenticateChecksThePasswordAndPasswdChangesIt) {
  add("alice");
  EXPECT_TRUE(authenticate(*faulty_, "alice", "pw").is_ok());
  EXPECT_EQ(authenticate(*faulty_, "alice", "wrong").status().code(), Code::auth_failed);
  EXPECT_EQ(authenticate(*faulty_, "nobody", "pw").status().code(), Code::auth_failed);

  ASSERT_TRUE(set_password(*faulty_, "alice", "new one").is_ok());
  EXPECT_EQ(authenticate(*faulty_, "alice", "pw").status().code(), Code::auth_failed);
  EXPECT_TRUE(authenticate(*faulty_, "alice", "new one").is_ok());

  Status missing = set_password(*faulty_, "nobody", "x");
  EXPECT_EQ(missing.code(), Code::not_found);
  EXPECT_EQ(missing.message(), "no such user: nobody");
}

TEST_F(Users, LoginLookupAndHashCheckApartGiveWhatAuthenticateGives) {
  add("alice");
  Result<std::optional<store::User>> alice = find_login_user(*faulty_, "alice");
  ASSERT_TRUE(alice.is_ok());
  ASSERT_TRUE(alice->has_value());
  EXPECT_EQ(check_login(*alice, "pw")->name, "alice");
  EXPECT_EQ(check_login(*alice, "wrong").status().code(), Code::auth_failed);
  // An unknown user is no error of the lookup; the check fails it after
  // hashing against the decoy.
  Result<std::optional<store::User>> nobody = find_login_user(*faulty_, "nobody");
  ASSERT_TRUE(nobody.is_ok());
  EXPECT_FALSE(nobody->has_value());
  EXPECT_EQ(check_login(*nobody, "pw").status().code(), Code::auth_failed);
}

TEST_F(Users, DeleteRemovesTheUserAndTheirMail) {
  int64_t alice = add("alice", 0, {"alice@example.com"});
  ASSERT_TRUE(mail_->deliver(alice, "INBOX", "Subject: x\r\n\r\nbody\r\n").is_ok());
  ASSERT_TRUE(delete_user(*faulty_, "alice").is_ok());
  EXPECT_EQ(faulty_->find_user("alice").status().code(), Code::not_found);
  EXPECT_EQ(faulty_->find_address("alice@example.com").status().code(), Code::not_found);
  Result<store::Stats> stats = faulty_->stats();
  ASSERT_TRUE(stats.is_ok());
  EXPECT_EQ(stats->message_count, 0u);

  Status again = delete_user(*faulty_, "alice");
  EXPECT_EQ(again.code(), Code::not_found);
  EXPECT_EQ(again.message(), "no such user: alice");
}

}  // namespace
}  // namespace eider::mail
