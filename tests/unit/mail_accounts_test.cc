// mail/users.h accounts: what `eider user ...` and the HTTP API share.
#include <gtest/gtest.h>

#include "core/password.h"
#include "mail/address.h"
#include "mail/users.h"
#include "mail_fixture.h"

namespace eider::mail {
namespace {

using Accounts = testing::MailFixture;

AccountSettings settings() {
  Result<AccountSettings> made = account_settings("Example.ORG", "INBOX, Sent:\\Sent, Notes");
  EXPECT_TRUE(made.is_ok()) << made.status().to_string();
  return made ? *made : AccountSettings{};
}

TEST_F(Accounts, SettingsParseTheMailboxListAndTheDomain) {
  AccountSettings parsed = settings();
  EXPECT_EQ(parsed.default_domain, "example.org");
  ASSERT_EQ(parsed.mailboxes.size(), 3u);
  EXPECT_EQ(parsed.mailboxes[1].path, "Sent");
  EXPECT_EQ(parsed.mailboxes[1].special_use, "\\Sent");
  EXPECT_EQ(parsed.mailboxes[2].special_use, "");
  EXPECT_EQ(account_settings("xn--bcher-kva.example", "").value().default_domain, "bücher.example");
  EXPECT_FALSE(account_settings("", "").value().default_domain.empty());
  EXPECT_EQ(account_settings("x", "Sent:\\Bogus").status().code(), Code::invalid_argument);
  EXPECT_EQ(account_settings("a@b", "").status().code(), Code::invalid_argument);
}

TEST_F(Accounts, NewAccountWithoutAddressGetsNameAtDefaultDomainAndTheMailboxSetting) {
  NewAccount account;
  account.username = "Alice";
  account.password = "s3cret";
  account.name = "Alice A.";
  account.tags = {"VIP"};
  Result<store::User> user = create_account(*faulty_, account, settings());
  ASSERT_TRUE(user.is_ok()) << user.status().to_string();
  EXPECT_EQ(user->main_address, "alice@example.org");
  EXPECT_EQ(user->display_name, "Alice A.");
  EXPECT_EQ(user->tags, std::vector<std::string>{"vip"});
  EXPECT_TRUE(user->password_hash.starts_with("$argon2id$"));
  EXPECT_EQ(faulty_->list_mailboxes(user->id).value().size(), 3u);
  account.username = "nobody";
  account.no_address = true;
  EXPECT_EQ(create_account(*faulty_, account, settings()).value().main_address, "");
}

TEST_F(Accounts, ImportedHashesAreKeptAndCheckedAndBadOnesRefused) {
  // sha512-crypt of "secret".
  const std::string hash =
      "$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq."
      "H91p5hVO1";
  NewAccount account;
  account.username = "imported";
  account.password = hash;
  account.hashed = true;
  Result<store::User> user = create_account(*faulty_, account, settings());
  ASSERT_TRUE(user.is_ok()) << user.status().to_string();
  EXPECT_EQ(user->password_hash, hash);
  EXPECT_EQ(core::verify_password("secret", hash),
            authenticate(*faulty_, "imported", "secret").is_ok());
  account.username = "bad";
  for (std::string bad :
       {"plain", "$6$", "$2b$31$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ012"}) {
    account.password = bad;
    EXPECT_EQ(create_account(*faulty_, account, settings()).status().code(), Code::invalid_argument)
        << bad;
  }
}

TEST_F(Accounts, DeleteLaterDisablesUntilRestoredAndTheSweepDeletes) {
  NewAccount account;
  account.username = "bob";
  account.password = "pw";
  store::User bob = create_account(*faulty_, account, settings()).value();
  ASSERT_TRUE(authenticate(*faulty_, "bob@example.org", "pw").is_ok());
  ASSERT_TRUE(delete_account(*faulty_, bob.id, 2000).is_ok());
  EXPECT_EQ(authenticate(*faulty_, "bob", "pw").status().code(), Code::auth_failed);
  EXPECT_EQ(resolve_address(*faulty_, "bob@example.org").status().code(), Code::not_found);
  EXPECT_EQ(resolve_account(*faulty_, "bob").status().code(), Code::not_found);
  EXPECT_TRUE(restore_account(*faulty_, bob.id).is_ok());
  EXPECT_TRUE(authenticate(*faulty_, "bob", "pw").is_ok());
  EXPECT_EQ(restore_account(*faulty_, bob.id).status().code(), Code::not_found);
  ASSERT_TRUE(delete_account(*faulty_, bob.id, 2000).is_ok());
  EXPECT_EQ(sweep_deleted_accounts(*faulty_, 1999).value(), 0u);
  EXPECT_EQ(sweep_deleted_accounts(*faulty_, 2000).value(), 1u);
  EXPECT_EQ(faulty_->find_user("bob").status().code(), Code::not_found);
}

TEST_F(Accounts, DomainAliasesReachTheDomainForDeliveryAndLogin) {
  NewAccount account;
  account.username = "carol";
  account.password = "pw";
  account.addresses = {"carol@example.org"};
  store::User carol = create_account(*faulty_, account, settings()).value();
  ASSERT_TRUE(create_domain_alias(*faulty_, "XN--BCHER-KVA.test", "Example.org").is_ok());
  EXPECT_EQ(faulty_->find_domain_alias("bücher.test").value().domain, "example.org");
  EXPECT_EQ(resolve_address(*faulty_, "carol+x@bücher.test").value(), carol.id);
  EXPECT_EQ(resolve_account(*faulty_, "Carol@xn--bcher-kva.test").value().id, carol.id);
  EXPECT_TRUE(authenticate(*faulty_, "carol@bücher.test", "pw").is_ok());
  EXPECT_EQ(resolve_address_row(*faulty_, "carol@bücher.test").value().user_id, carol.id);
  EXPECT_EQ(create_domain_alias(*faulty_, "example.org", "example.org").status().code(),
            Code::invalid_argument);
  EXPECT_EQ(create_domain_alias(*faulty_, "bücher.test", "x.test").status().code(),
            Code::already_exists);
}

TEST_F(Accounts, PasswordResetGivesAWorkingGeneratedPasswordAndRecountKeepsUsage) {
  NewAccount account;
  account.username = "dan";
  account.password = "old";
  store::User dan = create_account(*faulty_, account, settings()).value();
  Result<std::string> fresh = reset_password(*faulty_, dan.id);
  ASSERT_TRUE(fresh.is_ok());
  EXPECT_EQ(fresh->size(), 16u);
  EXPECT_TRUE(authenticate(*faulty_, "dan", *fresh).is_ok());
  EXPECT_FALSE(authenticate(*faulty_, "dan", "old").is_ok());
  Result<Recount> recount = recount_quota(*faulty_, dan.id);
  ASSERT_TRUE(recount.is_ok());
  EXPECT_EQ(recount->previous_storage, 0u);
  EXPECT_EQ(recount->user.storage_used, 0u);
}

TEST_F(Accounts, UserAddressIsNotFoundForAnotherUsersId) {
  NewAccount account;
  account.username = "erin";
  store::User erin = create_account(*faulty_, account, settings()).value();
  account.username = "finn";
  store::User finn = create_account(*faulty_, account, settings()).value();
  std::vector<store::Address> finns = faulty_->user_addresses(finn.id).value();
  ASSERT_EQ(finns.size(), 1u);
  EXPECT_EQ(user_address(*faulty_, erin.id, finns[0].id).status().code(), Code::not_found);
  EXPECT_TRUE(user_address(*faulty_, finn.id, finns[0].id).is_ok());
}

}  // namespace
}  // namespace eider::mail
