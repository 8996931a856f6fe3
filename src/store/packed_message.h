// What both backends do to a message before their transaction: flags
// checked and joined, blob uses read from the tree, bytes compressed. Done
// outside the transaction so that a writer holds its lock for SQL only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/blob_uses.h"
#include "store/store.h"

namespace eider::store {

struct PackedMessage {
  std::string tree;   // the stored tree, packed (store/codec.h)
  std::string flags;  // canonical, space-separated (store/flags.h)
  std::vector<BlobUse> uses;
  std::vector<std::string> blob_data;  // packed content for uses[i], "" when not shipped
};

// Code::invalid_argument for a bad flag or a tree whose blob references do
// not parse.
Result<PackedMessage> pack_message(const NewMessage& message);

// Ascending, without duplicates: copies, moves and expunges run in uid order.
std::vector<uint32_t> sorted_unique(std::vector<uint32_t> uids);

}  // namespace eider::store
