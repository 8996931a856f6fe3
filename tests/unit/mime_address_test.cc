#include <gtest/gtest.h>

#include "mime/address.h"

namespace eider::mime {
namespace {

TEST(NormalizeAddress, GivesOneFormPerAddress) {
  const std::pair<std::string, std::string> cases[] = {
      {"bob@example.com", "bob@example.com"},
      {"Bob@Example.COM", "bob@example.com"},
      {"BOB@EXAMPLE.COM.", "bob@example.com"},
      {"bob+tag@example.com", "bob+tag@example.com"},
      {"*@example.com", "*@example.com"},
      {"*@EXAMPLE.com", "*@example.com"},
      {"bob@xn--bcher-kva.example", "bob@bücher.example"},
      {"bob@XN--BCHER-KVA.example", "bob@bücher.example"},
      {"bob@bücher.example", "bob@bücher.example"},
      {"bob@BÜCHER.example", "bob@bücher.example"},
      {"bob@xn--fsqu00a.xn--0zwm56d", "bob@例子.测试"},
      {"ÄNNE@example.com", "änne@example.com"},
      {"\"quoted@at\"@example.com", "\"quoted@at\"@example.com"},
      {"bob@[192.0.2.1]", "bob@[192.0.2.1]"},
      {"bob@[IPv6:2001:DB8::1]", "bob@[ipv6:2001:db8::1]"},
  };
  for (const auto& [input, expected] : cases) {
    SCOPED_TRACE(input);
    Result<std::string> normalized = normalize_address(input);
    ASSERT_TRUE(normalized.is_ok()) << normalized.status().to_string();
    EXPECT_EQ(*normalized, expected);
  }
}

TEST(NormalizeAddress, RejectsWhatIsNotAnAddress) {
  const std::string cases[] = {
      "",
      "bob",
      "@example.com",
      "bob@",
      "bob@.",
      "bob smith@example.com",
      "bob@exa mple.com",
      "bob\t@example.com",
      std::string("bob\0@example.com", 16),
      "bob@example..com",
      "bob@-example.com",
      "b\xff@example.com",
      "bob@\xc3\x28.example",
      "bob@xn--zz.example",
      std::string(600, 'a') + "@example.com",
  };
  for (const std::string& input : cases) {
    SCOPED_TRACE(input);
    Result<std::string> normalized = normalize_address(input);
    EXPECT_EQ(normalized.status().code(), Code::invalid_argument)
        << (normalized ? *normalized : normalized.status().to_string());
  }
}

}  // namespace
}  // namespace eider::mime
