// The QUOTA and QUOTAROOT responses (imap/quota_response.h): which resources are
// listed and how bytes round to KiB.
#include <gtest/gtest.h>

#include "imap/quota_response.h"

namespace eider::imap {
namespace {

store::User user(uint64_t quota_bytes, uint64_t quota_messages, uint64_t used, uint64_t count) {
  store::User u;
  u.quota_bytes = quota_bytes;
  u.quota_messages = quota_messages;
  u.storage_used = used;
  u.message_count = count;
  return u;
}

TEST(ImapQuota, ListsOnlyTheResourcesThatHaveALimit) {
  struct Case {
    store::User user;
    std::string response;
  };
  const Case cases[] = {
      {user(0, 0, 5000, 3), ""},
      {user(2048, 0, 0, 0), "* QUOTA \"\" (STORAGE 0 2)\r\n"},
      {user(0, 10, 5000, 3), "* QUOTA \"\" (MESSAGE 3 10)\r\n"},
      {user(2048, 10, 1, 1), "* QUOTA \"\" (STORAGE 1 2 MESSAGE 1 10)\r\n"},
  };
  for (const Case& c : cases) EXPECT_EQ(quota_response(c.user), c.response);
}

TEST(ImapQuota, StorageRoundsUsageAndLimitUpToWholeKibibytes) {
  // Rounding both up keeps the order of the byte counts: at the limit in
  // bytes is at the limit in KiB, never above it.
  EXPECT_EQ(quota_response(user(1025, 0, 1024, 1)), "* QUOTA \"\" (STORAGE 1 2)\r\n");
  EXPECT_EQ(quota_response(user(1500, 0, 1500, 1)), "* QUOTA \"\" (STORAGE 2 2)\r\n");
  EXPECT_EQ(quota_response(user(1500, 0, 1501, 1)), "* QUOTA \"\" (STORAGE 2 2)\r\n");
  EXPECT_EQ(quota_response(user(UINT64_MAX, 0, 0, 0)),
            "* QUOTA \"\" (STORAGE 0 " + std::to_string(UINT64_MAX / 1024 + 1) + ")\r\n");
}

TEST(ImapQuota, QuotaRootNamesTheRootOnlyWhenThereIsALimit) {
  EXPECT_EQ(quota_root_response("INBOX", user(1, 0, 0, 0)), "* QUOTAROOT \"INBOX\" \"\"\r\n");
  EXPECT_EQ(quota_root_response("a \"b\"", user(0, 1, 0, 0)),
            "* QUOTAROOT \"a \\\"b\\\"\" \"\"\r\n");
  EXPECT_EQ(quota_root_response("INBOX", user(0, 0, 0, 0)), "* QUOTAROOT \"INBOX\"\r\n");
}

}  // namespace
}  // namespace eider::imap
