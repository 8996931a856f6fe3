// The HTTP API's user tokens: stored by hash with their user and expiry,
// found only while unexpired and while the user exists, revoked one at a
// time or all of a user's but one.
#include "conformance.h"

namespace eider::store::testing {
namespace {

class ApiTokens : public StoreConformance {};
EIDER_CONFORMANCE(ApiTokens);

const std::string kHashA(64, 'a');
const std::string kHashB(64, 'b');
const std::string kHashC(64, 'c');

TEST_P(ApiTokens, AStoredTokenIsFoundUntilItExpires) {
  User bob = account("bob").user;
  ASSERT_TRUE(store().add_api_token(kHashA, {.user_id = bob.id, .created = 1000, .expires = 2000}));
  Result<ApiToken> found = store().find_api_token(kHashA, 1999);
  ASSERT_TRUE(found.is_ok()) << found.status().to_string();
  EXPECT_EQ(found->user_id, bob.id);
  EXPECT_EQ(found->created, 1000);
  EXPECT_EQ(found->expires, 2000);
  EXPECT_EQ(store().find_api_token(kHashA, 2000).status().code(), Code::not_found);
  EXPECT_EQ(store().find_api_token(kHashB, 1500).status().code(), Code::not_found);
}

TEST_P(ApiTokens, ATokenForAMissingUserIsRefused) {
  EXPECT_EQ(store().add_api_token(kHashA, {.user_id = 999999, .created = 1, .expires = 9}).code(),
            Code::not_found);
}

TEST_P(ApiTokens, TheSameHashTwiceIsAlreadyExists) {
  User bob = account("bob").user;
  ASSERT_TRUE(store().add_api_token(kHashA, {.user_id = bob.id, .created = 1, .expires = 99}));
  EXPECT_EQ(store().add_api_token(kHashA, {.user_id = bob.id, .created = 1, .expires = 99}).code(),
            Code::already_exists);
}

TEST_P(ApiTokens, DeletingATokenRemovesOnlyIt) {
  User bob = account("bob").user;
  ASSERT_TRUE(store().add_api_token(kHashA, {.user_id = bob.id, .created = 1, .expires = 99}));
  ASSERT_TRUE(store().add_api_token(kHashB, {.user_id = bob.id, .created = 1, .expires = 99}));
  ASSERT_TRUE(store().delete_api_token(kHashA));
  EXPECT_EQ(store().find_api_token(kHashA, 2).status().code(), Code::not_found);
  EXPECT_TRUE(store().find_api_token(kHashB, 2).is_ok());
  EXPECT_TRUE(store().delete_api_token(kHashA));  // already gone: no error
}

TEST_P(ApiTokens, RevokingAUsersTokensKeepsTheOneNamedAndOtherUsers) {
  User bob = account("bob").user;
  User eve = account("eve").user;
  ASSERT_TRUE(store().add_api_token(kHashA, {.user_id = bob.id, .created = 1, .expires = 99}));
  ASSERT_TRUE(store().add_api_token(kHashB, {.user_id = bob.id, .created = 1, .expires = 99}));
  ASSERT_TRUE(store().add_api_token(kHashC, {.user_id = eve.id, .created = 1, .expires = 99}));
  Result<uint64_t> removed = store().delete_user_api_tokens(bob.id, kHashB);
  ASSERT_TRUE(removed.is_ok()) << removed.status().to_string();
  EXPECT_EQ(*removed, 1u);
  EXPECT_EQ(store().find_api_token(kHashA, 2).status().code(), Code::not_found);
  EXPECT_TRUE(store().find_api_token(kHashB, 2).is_ok());
  EXPECT_TRUE(store().find_api_token(kHashC, 2).is_ok());
  EXPECT_EQ(store().delete_user_api_tokens(bob.id, "").value(), 1u);
  EXPECT_EQ(store().find_api_token(kHashB, 2).status().code(), Code::not_found);
}

TEST_P(ApiTokens, ADeletedUsersTokensAreNotFound) {
  User bob = account("bob").user;
  ASSERT_TRUE(store().add_api_token(kHashA, {.user_id = bob.id, .created = 1, .expires = 99}));
  ASSERT_TRUE(store().delete_user("bob"));
  EXPECT_EQ(store().find_api_token(kHashA, 2).status().code(), Code::not_found);
  // A new user of the same name does not inherit them.
  account("bob");
  EXPECT_EQ(store().find_api_token(kHashA, 2).status().code(), Code::not_found);
}

TEST_P(ApiTokens, AddingATokenRemovesExpiredOnes) {
  User bob = account("bob").user;
  ASSERT_TRUE(store().add_api_token(kHashA, {.user_id = bob.id, .created = 1, .expires = 10}));
  ASSERT_TRUE(store().add_api_token(kHashB, {.user_id = bob.id, .created = 20, .expires = 99}));
  // Gone, not merely expired: a find "in the past" no longer sees it.
  EXPECT_EQ(store().find_api_token(kHashA, 5).status().code(), Code::not_found);
  EXPECT_TRUE(store().find_api_token(kHashB, 5).is_ok());
}

}  // namespace
}  // namespace eider::store::testing
