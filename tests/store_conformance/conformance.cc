#include "conformance.h"

namespace eider::store::testing {

void StoreConformance::expect_unchanged(const Footprint& before, const Footprint& after) {
  EXPECT_EQ(after.stats.message_count, before.stats.message_count);
  EXPECT_EQ(after.stats.journal_rows, before.stats.journal_rows);
  EXPECT_EQ(after.stats.blob_count, before.stats.blob_count);
  EXPECT_EQ(after.stats.blob_refs, before.stats.blob_refs);
  EXPECT_EQ(after.stats.blob_bytes, before.stats.blob_bytes);
  EXPECT_EQ(after.user.storage_used, before.user.storage_used);
  EXPECT_EQ(after.user.message_count, before.user.message_count);
  EXPECT_EQ(after.user.quota_bytes, before.user.quota_bytes);
  EXPECT_EQ(after.user.quota_messages, before.user.quota_messages);
  ASSERT_EQ(after.mailboxes.size(), before.mailboxes.size());
  for (size_t i = 0; i < before.mailboxes.size(); ++i) {
    const Mailbox& b = before.mailboxes[i];
    const Mailbox& a = after.mailboxes[i];
    SCOPED_TRACE(b.path);
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.path, b.path);
    EXPECT_EQ(a.uidnext, b.uidnext);
    EXPECT_EQ(a.highest_modseq, b.highest_modseq);
    EXPECT_EQ(a.message_count, b.message_count);
    EXPECT_EQ(a.subscribed, b.subscribed);
  }
}

std::vector<uint32_t> uids_of(const std::vector<MessageInfo>& infos) {
  std::vector<uint32_t> uids;
  for (const MessageInfo& info : infos) uids.push_back(info.uid);
  return uids;
}

std::string backend_name(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

}  // namespace eider::store::testing
