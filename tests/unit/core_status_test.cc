#include <gtest/gtest.h>

#include "core/status.h"

namespace eider {
namespace {

TEST(Status, OkStatusHasNoMessageAndIsCheap) {
  Status s = Status::ok();
  EXPECT_TRUE(s.is_ok());
  EXPECT_EQ(s.code(), Code::ok);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.to_string(), "ok");
}

TEST(Status, ErrorCarriesCodeAndMessage) {
  Status s = error(Code::not_found, "no such user: bob");
  EXPECT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), Code::not_found);
  EXPECT_EQ(s.to_string(), "not_found: no such user: bob");
}

TEST(Result, HoldsValueOrStatus) {
  Result<int> good = 42;
  ASSERT_TRUE(good.is_ok());
  EXPECT_EQ(*good, 42);
  EXPECT_TRUE(good.status().is_ok());

  Result<int> bad = error(Code::io_error, "disk");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), Code::io_error);
}

}  // namespace
}  // namespace eider
