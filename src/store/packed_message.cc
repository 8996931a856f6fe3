#include "store/packed_message.h"

#include <algorithm>
#include <utility>

#include "store/codec.h"
#include "store/flags.h"

namespace eider::store {

Result<PackedMessage> pack_message(const NewMessage& message) {
  PackedMessage packed;
  Result<std::vector<std::string>> flags = normalize_flags(message.flags);
  if (!flags) return flags.status();
  packed.flags = join_flags(*flags);
  Result<std::vector<BlobUse>> uses = blob_uses(message.split);
  if (!uses) return uses.status();
  packed.uses = std::move(*uses);
  for (const BlobUse& use : packed.uses) {
    packed.blob_data.push_back(use.blob != nullptr ? pack(use.blob->content) : std::string());
  }
  packed.tree = pack(message.split.tree);
  return packed;
}

std::vector<uint32_t> sorted_unique(std::vector<uint32_t> uids) {
  std::sort(uids.begin(), uids.end());
  uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
  return uids;
}

}  // namespace eider::store
