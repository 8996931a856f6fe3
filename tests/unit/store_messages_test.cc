// Blob dedup as the SQLite file sees it: vacuum gives the space of freed
// blobs back. The backend-neutral message cases are in
// tests/store_conformance/.
#include "store_test_util.h"

namespace eider::store {
namespace {

using testing::Account;
using testing::make_account;
using testing::make_blob;
using testing::make_message;
using testing::open_or_die;
using testing::options_for;
using testing::TempDir;

class StoreMessages : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::open_sqlite_or_die(dir_);
    ASSERT_NE(store_, nullptr);
    bob_ = make_account(*store_, "bob");
  }

  uint32_t append(uint64_t size, std::vector<mime::Blob> blobs = {},
                  std::vector<std::string> flags = {}) {
    Result<Appended> appended =
        store_->append_message(bob_.user.id, bob_.inbox.id, make_message(size, blobs, flags));
    EXPECT_TRUE(appended.is_ok()) << appended.status().to_string();
    return appended ? appended->uid : 0;
  }

  TempDir dir_;
  std::unique_ptr<sqlite::SqliteStore> store_;  // vacuum is SQLite's own
  Account bob_;
};

TEST_F(StoreMessages, SameBlobInAHundredMessagesIsStoredOnceAndVacuumShrinksTheFile) {
  mime::Blob blob = make_blob("popular-attachment", 300000, true);
  for (int i = 0; i < 100; ++i) append(300100, {blob, make_blob("own-" + std::to_string(i), 40)});
  Stats stats = store_->stats().value();
  EXPECT_EQ(stats.blob_count, 101u);
  EXPECT_EQ(stats.blob_refs, 200u);
  EXPECT_LT(stats.blob_bytes, 2 * blob.content.size());
  ASSERT_TRUE(store_->vacuum().is_ok());
  uintmax_t full_size = std::filesystem::file_size(dir_.db());

  std::vector<uint32_t> all;
  for (uint32_t uid = 1; uid <= 100; ++uid) all.push_back(uid);
  ASSERT_TRUE(store_->expunge_messages(bob_.user.id, bob_.inbox.id, all).is_ok());
  stats = store_->stats().value();
  EXPECT_EQ(stats.blob_count, 0u);
  EXPECT_EQ(stats.blob_bytes, 0u);
  EXPECT_EQ(stats.message_count, 0u);
  ASSERT_TRUE(store_->vacuum().is_ok());
  EXPECT_LT(std::filesystem::file_size(dir_.db()), full_size - blob.content.size() / 2);
}

}  // namespace
}  // namespace eider::store
