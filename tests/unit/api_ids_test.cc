#include <gtest/gtest.h>

#include "api/ids.h"

namespace eider::api {
namespace {

TEST(ApiIds, EncodeGivesTimeThenKeyInLowercaseHex) {
  EXPECT_EQ(encode_id(0x5f000001, 0x2a), "5f000001000000000000002a");
  EXPECT_EQ(encode_id(0, 1), "000000000000000000000001");
  EXPECT_EQ(encode_id(0, INT64_MAX), "000000007fffffffffffffff");
}

TEST(ApiIds, DecodeReturnsWhatEncodeWrote) {
  const std::string id = encode_id(1765000000, 123456789);
  std::optional<DecodedId> decoded = decode_id(id);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->created, 1765000000u);
  EXPECT_EQ(decoded->key, 123456789);
  EXPECT_TRUE(id_matches(*decoded, 1765000000, 123456789));
  EXPECT_FALSE(id_matches(*decoded, 1765000001, 123456789));
  EXPECT_FALSE(id_matches(*decoded, 1765000000, 123456788));
}

TEST(ApiIds, DecodeAcceptsUpperCaseAsWildDuckLowercases) {
  std::optional<DecodedId> decoded = decode_id("5F000001000000000000002A");
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->key, 42);
}

TEST(ApiIds, DecodeRefusesMalformedIds) {
  EXPECT_FALSE(decode_id(""));
  EXPECT_FALSE(decode_id("5f000001000000000000002"));    // 23
  EXPECT_FALSE(decode_id("5f000001000000000000002a0"));  // 25
  EXPECT_FALSE(decode_id("5f00000100000000000000zz"));
  EXPECT_FALSE(decode_id("me"));
  EXPECT_FALSE(decode_id("5f0000010000000000000000"));  // key 0
  EXPECT_FALSE(decode_id("5f0000018000000000000000"));  // negative key
}

TEST(ApiIds, IdsSortInCreationOrder) {
  EXPECT_LT(encode_id(1000, 99), encode_id(1001, 1));
  EXPECT_LT(encode_id(1000, 1), encode_id(1000, 2));
}

TEST(ApiIds, CreationTimeOutOfRangeIsClamped) {
  EXPECT_EQ(encode_id(-5, 1).substr(0, 8), "00000000");
  EXPECT_EQ(encode_id(int64_t{1} << 40, 1).substr(0, 8), "ffffffff");
}

}  // namespace
}  // namespace eider::api
