// Backend-neutral helpers of the store tests: a temporary folder,
// hand-made messages (no parser involved) and an account to put them in.
// The SQLite-only ones are in tests/unit/store_test_util.h.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/varint.h"
#include "store/store.h"

namespace eider::store::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "eider-store-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path db() const { return path_ / "eider.db"; }

 private:
  std::filesystem::path path_;
};

// A 32-byte key derived from a name, standing in for a SHA-256.
inline mime::BlobKey key_of(const std::string& name) {
  std::string key = name.substr(0, 32);
  key.resize(32, '.');
  return key;
}

// A blob whose content is `size` bytes derived from `name`, compressible
// unless `random` (xorshift noise, which zstd cannot shrink).
inline mime::Blob make_blob(const std::string& name, size_t size, bool random = false) {
  std::string content;
  content.reserve(size);
  uint64_t x = std::hash<std::string>{}(name) | 1;
  for (size_t i = 0; i < size; ++i) {
    if (random) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      content.push_back(static_cast<char>(x));
    } else {
      content.push_back(name[i % name.size()]);
    }
  }
  return mime::Blob{key_of(name), std::move(content)};
}

// A stored-tree document (docs/formats.md, "Stored tree") written by hand:
// a skeleton and one identity slot per key, all at offset 0.
inline std::string make_tree(uint64_t size, const std::vector<mime::BlobKey>& refs,
                             const std::string& body = "") {
  std::string skeleton = "Subject: a " + std::to_string(size) + "-byte message\r\n\r\n" + body;
  std::string tree(1, '\x01');
  put_varint(tree, size);
  put_varint(tree, skeleton.size());
  tree += skeleton;
  put_varint(tree, refs.size());
  for (const mime::BlobKey& key : refs) {
    put_varint(tree, 0);
    tree.push_back('\x00');
    tree += key;
  }
  return tree;
}

// A message of `size` bytes whose tree uses `blobs` once each.
inline NewMessage make_message(uint64_t size, std::vector<mime::Blob> blobs = {},
                               std::vector<std::string> flags = {}, std::string message_id = "") {
  NewMessage message;
  message.split.size = size;
  std::vector<mime::BlobKey> refs;
  for (const mime::Blob& blob : blobs) refs.push_back(blob.key);
  message.split.tree = make_tree(size, refs);
  message.split.blobs = std::move(blobs);
  message.internal_date = 1700000000;
  message.flags = std::move(flags);
  message.envelope = "(NIL \"subject\" NIL NIL NIL NIL NIL NIL NIL NIL)";
  message.bodystructure = "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 0 0)";
  message.body = message.bodystructure;
  message.message_id = std::move(message_id);
  message.subject = "subject";
  return message;
}

struct Account {
  User user;
  Mailbox inbox;
};

inline Account make_account(Store& store, const std::string& name, uint64_t quota = 0) {
  Result<User> user =
      store.create_user(name, "$6$hash", {name + "@example.org"}, Quota{.bytes = quota});
  EXPECT_TRUE(user.is_ok()) << user.status().to_string();
  Result<Mailbox> inbox = store.find_mailbox(user->id, "INBOX");
  EXPECT_TRUE(inbox.is_ok()) << inbox.status().to_string();
  return Account{*user, *inbox};
}

// Store::visit_summaries, collected.
inline std::vector<UidSummary> summaries_of(Store& store, int64_t user_id, int64_t mailbox_id,
                                            uint32_t first_uid, uint32_t last_uid) {
  std::vector<UidSummary> out;
  Status status = store.visit_summaries(user_id, mailbox_id, first_uid, last_uid,
                                        [&out](uint32_t uid, std::string_view summary) {
                                          out.push_back({uid, std::string(summary)});
                                        });
  EXPECT_TRUE(status.is_ok()) << status.to_string();
  return out;
}

}  // namespace eider::store::testing
