// How many times a message uses each blob: what the store adds to (and later
// subtracts from) the blobs' reference counts. Backend-neutral.
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "mime/tree.h"

namespace eider::store {

struct BlobUse {
  mime::BlobKey key;
  uint32_t uses = 0;
  // The content shipped with the message, or null when the message relies on
  // a blob the store already holds.
  const mime::Blob* blob = nullptr;
};

// One entry per distinct key the message's tree refers to, in first-use
// order. Code::corrupt when the tree cannot be read. Blobs in split.blobs that
// the tree never refers to are left out (nothing would ever release them).
Result<std::vector<BlobUse>> blob_uses(const mime::SplitMessage& split);

}  // namespace eider::store
