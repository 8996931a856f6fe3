#include "store/blob_uses.h"

#include <unordered_map>

namespace eider::store {

Result<std::vector<BlobUse>> blob_uses(const mime::SplitMessage& split) {
  Result<std::vector<mime::BlobKey>> refs = mime::blob_refs(split.tree);
  if (!refs) {
    return error(Code::corrupt, "message tree cannot be read: " + refs.status().message());
  }
  std::unordered_map<std::string_view, const mime::Blob*> shipped;
  for (const mime::Blob& blob : split.blobs) shipped.emplace(blob.key, &blob);
  std::vector<BlobUse> uses;
  // Views into *refs, which stays put while the map lives.
  std::unordered_map<std::string_view, size_t> index;
  for (const mime::BlobKey& key : *refs) {
    auto [it, added] = index.emplace(key, uses.size());
    if (!added) {
      ++uses[it->second].uses;
      continue;
    }
    auto blob = shipped.find(key);
    uses.push_back({key, 1, blob == shipped.end() ? nullptr : blob->second});
  }
  return uses;
}

}  // namespace eider::store
