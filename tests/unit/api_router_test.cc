#include <gtest/gtest.h>

#include "api/router.h"

namespace eider::api {
namespace {

boost::asio::awaitable<Reply> nothing(Context&) {
  co_return Reply{};
}

Router sample() {
  Router router;
  router.get("/users", {}, nothing);
  router.post("/users", {}, nothing);
  router.get("/users/:user", {.access = Access::user}, nothing);
  router.get("/users/resolve/:username", {}, nothing);
  router.get("/users/:user/mailboxes/:mailbox", {.access = Access::user}, nothing);
  return router;
}

TEST(ApiRouter, ParametersAreTakenFromThePath) {
  Router router = sample();
  Router::Match match = router.find("GET", "/users/abc/mailboxes/def");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->pattern, "/users/:user/mailboxes/:mailbox");
  ASSERT_EQ(match.params.size(), 2u);
  EXPECT_EQ(match.params[0], (std::pair<std::string, std::string>{"user", "abc"}));
  EXPECT_EQ(match.params[1], (std::pair<std::string, std::string>{"mailbox", "def"}));
}

TEST(ApiRouter, ALiteralSegmentWinsOverAParameter) {
  Router router = sample();
  Router::Match match = router.find("GET", "/users/resolve/alice");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->pattern, "/users/resolve/:username");
  Router::Match plain = router.find("GET", "/users/resolve");
  ASSERT_NE(plain.route, nullptr);
  EXPECT_EQ(plain.route->pattern, "/users/:user");
}

TEST(ApiRouter, ParametersArePercentDecoded) {
  Router router = sample();
  Router::Match match = router.find("GET", "/users/resolve/a%40b.example");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.params[0].second, "a@b.example");
  EXPECT_TRUE(router.find("GET", "/users/resolve/a%4").bad_encoding);
}

TEST(ApiRouter, AnUnknownPathHasNoRouteAndNoMethods) {
  Router router = sample();
  Router::Match match = router.find("GET", "/nothing/here");
  EXPECT_EQ(match.route, nullptr);
  EXPECT_TRUE(match.allowed.empty());
  EXPECT_EQ(router.find("GET", "/users/").route, nullptr);  // an empty parameter
}

TEST(ApiRouter, AWrongMethodListsTheAllowedOnes) {
  Router router = sample();
  Router::Match match = router.find("DELETE", "/users");
  EXPECT_EQ(match.route, nullptr);
  EXPECT_EQ(match.allowed, (std::vector<std::string>{"GET", "POST"}));
}

TEST(ApiRouter, AddingTheSameRouteTwiceIsABug) {
  Router router = sample();
  EXPECT_THROW(router.get("/users/:other", {}, nothing), std::logic_error);
}

TEST(ApiRouter, PercentDecodeTurnsPlusIntoSpaceOnlyWhenAsked) {
  EXPECT_EQ(percent_decode("a+b%20c", true), "a b c");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
  EXPECT_FALSE(percent_decode("%zz", false));
}

}  // namespace
}  // namespace eider::api
