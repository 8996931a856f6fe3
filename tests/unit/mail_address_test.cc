#include <gtest/gtest.h>

#include "mail/address.h"
#include "mail_fixture.h"

namespace eider::mail {
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

using ResolveAddress = testing::MailFixture;

TEST_F(ResolveAddress, FindsExactPlusTaggedAndCatchAllAddresses) {
  int64_t bob = add("bob", 0, {"Bob@Example.com", "bob@xn--bcher-kva.example"});
  int64_t carol = add("carol", 0, {"carol+vip@example.com"});
  int64_t catchall = add("catchall", 0, {"*@Other.example"});

  const std::pair<std::string, int64_t> cases[] = {
      {"bob@example.com", bob},         {"BOB@EXAMPLE.COM", bob},
      {"bob+news@example.com", bob},    {"bob+@example.com", bob},
      {"bob@bücher.example", bob},      {"bob@XN--BCHER-KVA.EXAMPLE", bob},
      {"carol+vip@example.com", carol}, {"anyone@other.example", catchall},
      {"bob@other.example", catchall},  {"x+y@OTHER.example", catchall},
  };
  for (const auto& [recipient, user] : cases) {
    SCOPED_TRACE(recipient);
    Result<int64_t> found = resolve_address(*faulty_, recipient);
    ASSERT_TRUE(found.is_ok()) << found.status().to_string();
    EXPECT_EQ(*found, user);
  }
}

TEST_F(ResolveAddress, RefusesUnknownAndMalformedRecipients) {
  add("carol", 0, {"carol+vip@example.com"});
  const std::pair<std::string, Code> cases[] = {
      {"carol@example.com", Code::not_found},  // a tag is not removed from the stored side
      {"nobody@example.com", Code::not_found},    {"+tag@example.com", Code::not_found},
      {"bob@elsewhere.example", Code::not_found}, {"not an address", Code::invalid_argument},
  };
  for (const auto& [recipient, code] : cases) {
    SCOPED_TRACE(recipient);
    EXPECT_EQ(resolve_address(*faulty_, recipient).status().code(), code);
  }
}

TEST_F(ResolveAddress, AddressesAreUniqueAfterNormalisation) {
  add("bob", 0, {"bob@xn--bcher-kva.example"});
  Result<store::User> dup = add_user(*faulty_, "bob2", "pw", {"BOB@bücher.example"}, {});
  EXPECT_EQ(dup.status().code(), Code::already_exists) << dup.status().to_string();
  EXPECT_EQ(faulty_->find_user("bob2").status().code(), Code::not_found);
}

TEST_F(ResolveAddress, StoreFailureIsNotHiddenAsNotFound) {
  add("bob", 0, {"bob@example.com"});
  faulty_->fail(store::testing::StoreCall::find_address, error(Code::io_error, "disk gone"));
  EXPECT_EQ(resolve_address(*faulty_, "bob@example.com").status().code(), Code::io_error);
}

}  // namespace
}  // namespace eider::mail
