#include <gtest/gtest.h>

#include "api/auth.h"
#include "api/ids.h"

namespace eider::api {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

Caller user_caller(int64_t id) {
  Caller caller;
  caller.user_id = id;
  caller.user_created = 1700000000;
  caller.token_hash = "h";
  return caller;
}

TEST(ApiAuth, TheAdminReachesEveryRoute) {
  Caller admin;
  admin.admin = true;
  for (Access access : {Access::open, Access::admin, Access::user, Access::token}) {
    Params params{{"user", encode_id(1, 7)}};
    EXPECT_FALSE(check_access(access, admin, params));
  }
}

TEST(ApiAuth, AUserTokenReachesItsOwnUsersRoutes) {
  Params params{{"user", encode_id(1700000000, 7)}, {"mailbox", "x"}};
  EXPECT_FALSE(check_access(Access::user, user_caller(7), params));
}

TEST(ApiAuth, MeBecomesTheTokensOwnUser) {
  Params params{{"user", "me"}};
  EXPECT_FALSE(check_access(Access::user, user_caller(7), params));
  EXPECT_EQ(params[0].second, encode_id(1700000000, 7));
}

TEST(ApiAuth, AnotherUsersRouteIsForbiddenWhateverTheId) {
  for (std::string other : {encode_id(1700000000, 8), std::string("garbage"), std::string("")}) {
    Params params{{"user", other}};
    std::optional<Reply> refused = check_access(Access::user, user_caller(7), params);
    ASSERT_TRUE(refused) << other;
    EXPECT_EQ(refused->status, 403u);
    EXPECT_NE(refused->body.find("MissingPrivileges"), std::string::npos);
  }
}

TEST(ApiAuth, AUserTokenDoesNotReachAdminRoutes) {
  Params params;
  std::optional<Reply> refused = check_access(Access::admin, user_caller(7), params);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403u);
  EXPECT_FALSE(check_access(Access::token, user_caller(7), params));
}

TEST(ApiAuth, TheTokenComesFromQueryHeaderOrBearer) {
  Request request;
  request.query = {{"limit", "5"}, {"accessToken", "q"}};
  request.headers = {{"x-access-token", "h"}};
  EXPECT_EQ(take_token(request), "q");
  EXPECT_EQ(request.query.size(), 1u);  // removed, so no schema sees it
  EXPECT_EQ(take_token(request), "h");
  request.headers = {{"authorization", "Bearer  b "}};
  EXPECT_EQ(take_token(request), "b");
  request.headers = {};
  EXPECT_FALSE(take_token(request));
}

}  // namespace
}  // namespace eider::api
