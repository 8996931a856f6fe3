#include <gtest/gtest.h>

#include "mail/sasl.h"

namespace eider::mail {
namespace {

TEST(MailSasl, DecodesPlainAndRefusesMalformedResponses) {
  std::optional<SaslPlain> plain = decode_sasl_plain("AGFsaWNlAHNlY3JldA==");  // \0alice\0secret
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->authzid, "");
  EXPECT_EQ(plain->authcid, "alice");
  EXPECT_EQ(plain->password, "secret");
  plain = decode_sasl_plain("Ym9iAGFsaWNlAHNlY3JldA==");  // bob\0alice\0secret
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->authzid, "bob");
  EXPECT_FALSE(decode_sasl_plain("YWxpY2U="));              // no NUL
  EXPECT_FALSE(decode_sasl_plain("AABzZWNyZXQ="));          // empty authcid
  EXPECT_FALSE(decode_sasl_plain("AGFsaWNlAHNlY3JldAB4"));  // a third NUL
  EXPECT_FALSE(decode_sasl_plain("not base64!"));
  EXPECT_FALSE(decode_sasl_plain(""));
  EXPECT_EQ(decode_sasl_base64("YWxpY2U="), "alice");
  EXPECT_FALSE(decode_sasl_base64("a b"));
}

}  // namespace
}  // namespace eider::mail
