#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "api/validate.h"

namespace eider::api {
namespace {

json::object parse(std::string_view text) {
  return json::parse(text).as_object();
}

json::object details(const Validated& v) {
  return json::parse(v.reply().body).as_object()["details"].as_object();
}

const Schema& list_schema() {
  static const Schema schema{
      Field::id("user").required(),
      Field::integer("limit").fallback(20).range(1, 250),
      Field::boolean("unseen").fallback(false),
      Field::string("order").one_of({"asc", "desc"}).fallback("desc"),
      Field::string("query").trim().empty_as_absent().length(0, 10),
  };
  return schema;
}

TEST(ApiValidate, DefaultsFillAbsentFields) {
  Validated v = list_schema().validate(parse(R"({"user": "5f000001000000000000002a"})"));
  ASSERT_TRUE(v);
  EXPECT_EQ(v.integer("limit"), 20);
  EXPECT_FALSE(v.flag("unseen"));
  EXPECT_EQ(v.text("order"), "desc");
  EXPECT_FALSE(v.has("query"));
}

TEST(ApiValidate, QueryStringsConvertToNumbersAndBooleans) {
  Validated v = list_schema().validate(parse(
      R"({"user": "5F000001000000000000002A", "limit": "50", "unseen": "yes", "query": " ab "})"));
  ASSERT_TRUE(v) << v.reply().body;
  EXPECT_EQ(v.integer("limit"), 50);
  EXPECT_TRUE(v.flag("unseen"));
  EXPECT_EQ(v.text("user"), "5f000001000000000000002a");
  EXPECT_EQ(v.text("query"), "ab");
}

TEST(ApiValidate, BooleansAcceptWildDucksTruthyAndFalsyValues) {
  for (const char* yes : {R"("true")", R"("Y")", R"("on")", R"("1")", "1", "true"}) {
    Validated v = list_schema().validate(
        parse(std::string(R"({"user": "5f000001000000000000002a", "unseen": )") + yes + "}"));
    ASSERT_TRUE(v) << yes;
    EXPECT_TRUE(v.flag("unseen")) << yes;
  }
  for (const char* no : {R"("false")", R"("N")", R"("off")", R"("0")", "0", "false"}) {
    Validated v = list_schema().validate(
        parse(std::string(R"({"user": "5f000001000000000000002a", "unseen": )") + no + "}"));
    ASSERT_TRUE(v) << no;
    EXPECT_FALSE(v.flag("unseen")) << no;
  }
  Validated v =
      list_schema().validate(parse(R"({"user": "5f000001000000000000002a", "unseen": "maybe"})"));
  EXPECT_FALSE(v);
  EXPECT_EQ(details(v)["unseen"], "\"unseen\" must be a boolean");
}

TEST(ApiValidate, EveryProblemIsReportedByField) {
  Validated v = list_schema().validate(
      parse(R"({"limit": 0, "order": "up", "query": "much too long", "extra": 1})"));
  ASSERT_FALSE(v);
  Reply reply = v.reply();
  EXPECT_EQ(reply.status, 400u);
  json::object body = json::parse(reply.body).as_object();
  EXPECT_EQ(body["code"], "InputValidationError");
  json::object d = body["details"].as_object();
  EXPECT_EQ(d["user"], "\"user\" is required");
  EXPECT_EQ(d["limit"], "\"limit\" must be greater than or equal to 1");
  EXPECT_EQ(d["order"], "\"order\" must be one of [asc, desc]");
  EXPECT_EQ(d["query"], "\"query\" length must be less than or equal to 10 characters long");
  EXPECT_EQ(d["extra"], "\"extra\" is not allowed");
  EXPECT_NE(body["error"].as_string().find("\"user\" is required"), std::string::npos);
}

TEST(ApiValidate, WrongTypesAreRefused) {
  Validated v = list_schema().validate(parse(R"({"user": 5, "limit": "many", "query": ["a"]})"));
  ASSERT_FALSE(v);
  json::object d = details(v);
  EXPECT_EQ(d["user"], "\"user\" must be a string");
  EXPECT_EQ(d["limit"], "\"limit\" must be a number");
  EXPECT_EQ(d["query"], "\"query\" must be a string");
}

TEST(ApiValidate, IntegersRefuseFractionsAndNumbersKeepThem) {
  static const Schema schema{Field::integer("n"), Field::number("x").range(0, 1)};
  Validated bad = schema.validate(parse(R"({"n": 1.5})"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(details(bad)["n"], "\"n\" must be an integer");
  Validated good = schema.validate(parse(R"({"n": 3.0, "x": "0.25"})"));
  ASSERT_TRUE(good);
  EXPECT_EQ(good.integer("n"), 3);
  EXPECT_DOUBLE_EQ(good.value("x").as_double(), 0.25);
}

TEST(ApiValidate, LengthsCountCharactersNotBytes) {
  static const Schema schema{Field::string("name").length(1, 3)};
  EXPECT_TRUE(schema.validate(parse(R"({"name": "äöü"})")));
  EXPECT_FALSE(schema.validate(parse(R"({"name": "äöüx"})")));
  EXPECT_FALSE(schema.validate(parse(R"({"name": ""})")));
}

TEST(ApiValidate, PatternsMatchTheWholeValue) {
  static const Schema schema{Field::string("u").pattern("[a-z]+", "username")};
  EXPECT_TRUE(schema.validate(parse(R"({"u": "abc"})")));
  Validated v = schema.validate(parse(R"({"u": "ab1"})"));
  ASSERT_FALSE(v);
  EXPECT_EQ(details(v)["u"], "\"u\" with value \"ab1\" fails to match the username pattern");
}

TEST(ApiValidate, SessAndIpAreAcceptedEverywhere) {
  static const Schema schema{};
  EXPECT_TRUE(schema.validate(parse(R"({"sess": "abc", "ip": "192.0.2.1"})")));
  EXPECT_FALSE(schema.validate(parse(R"({"sess": 1})")));
}

TEST(ApiValidate, CustomChecksSeeTheConvertedValue) {
  static const Schema schema{
      Field::string("a").lowercase().check([](json::value& value) -> std::optional<std::string> {
        if (value.as_string().find('@') == json::string::npos) return "must be an address";
        return std::nullopt;
      })};
  EXPECT_TRUE(schema.validate(parse(R"({"a": "X@Y"})")));
  Validated v = schema.validate(parse(R"({"a": "xy"})"));
  ASSERT_FALSE(v);
  EXPECT_EQ(details(v)["a"], "\"a\" must be an address");
}

}  // namespace
}  // namespace eider::api
