#include <gtest/gtest.h>

#include "mail/address.h"
#include "mail_fixture.h"

namespace eider::mail {
namespace {

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
