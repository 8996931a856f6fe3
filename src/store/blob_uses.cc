#include "store/blob_uses.h"

#include <algorithm>

namespace eider::store {

Result<std::vector<BlobUse>> blob_uses(const mime::SplitMessage& split) {
  std::vector<BlobUse> uses;
  for (const mime::Blob& blob : split.blobs) uses.push_back({blob.key, 1, &blob});
  return uses;
}

}  // namespace eider::store
