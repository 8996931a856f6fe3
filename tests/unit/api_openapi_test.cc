// The served OpenAPI document lists exactly the routes the router serves:
// a route added without its entry in src/api/openapi/<group>.json (or an
// entry left behind by a removed route) fails here.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "api/openapi.h"
#include "api/router.h"
#include "api/routes.h"

namespace eider::api {
namespace {

TEST(ApiOpenApi, TheDocumentListsExactlyTheServedRoutes) {
  Router router;
  add_all_routes(router);
  Result<std::string> document = build_openapi(openapi_parts());
  ASSERT_TRUE(document) << document.status().to_string();
  std::vector<std::string> mismatches = openapi_mismatches(*document, router);
  std::string all;
  for (const std::string& line : mismatches) all += line + "\n";
  EXPECT_TRUE(mismatches.empty()) << all;
}

TEST(ApiOpenApi, TheDocumentHasTheTopLevelFieldsOfOpenApi3) {
  Result<std::string> document = build_openapi(openapi_parts());
  ASSERT_TRUE(document);
  boost::json::object root = boost::json::parse(*document).as_object();
  EXPECT_TRUE(root["openapi"].as_string().starts_with("3."));
  EXPECT_TRUE(root["info"].as_object().contains("title"));
  EXPECT_TRUE(root["info"].as_object().contains("version"));
  EXPECT_TRUE(root["paths"].is_object());
}

TEST(ApiOpenApi, AMissingEntryIsReported) {
  Router router;
  router.get("/nowhere/:id", {},
             [](Context&) -> boost::asio::awaitable<Reply> { co_return Reply{}; });
  Result<std::string> document =
      build_openapi({{"base.json", R"({"openapi": "3.0.3", "info": {}})"},
                     {"x.json", R"({"paths": {"/elsewhere": {"get": {}}}})"}});
  ASSERT_TRUE(document);
  EXPECT_EQ(openapi_mismatches(*document, router),
            (std::vector<std::string>{"GET /nowhere/{id}: served but not documented",
                                      "GET /elsewhere: documented but not served"}));
}

TEST(ApiOpenApi, APathDefinedInTwoFilesIsRefused) {
  Result<std::string> document =
      build_openapi({{"base.json", R"({"openapi": "3.0.3", "info": {}})"},
                     {"a.json", R"({"paths": {"/x": {"get": {}}}})"},
                     {"b.json", R"({"paths": {"/x": {"put": {}}}})"}});
  ASSERT_FALSE(document);
  EXPECT_NE(document.status().message().find("b.json"), std::string::npos);
}

TEST(ApiOpenApi, PathParametersUseBraces) {
  EXPECT_EQ(openapi_path("/users/:user/mailboxes/:mailbox"), "/users/{user}/mailboxes/{mailbox}");
  EXPECT_EQ(openapi_path("/health"), "/health");
}

}  // namespace
}  // namespace eider::api
