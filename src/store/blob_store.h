// Where blob contents live, apart from the messages that use them: a
// content-addressed map from a blob key (the hash of the decoded content,
// mime/tree.h) to its packed bytes (store/codec.h). Backend-neutral so that
// an object store can take the contents later; which blobs are still used,
// and when one may go, is the store's business (docs/scale-out.md, "Blobs").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "mime/tree.h"

namespace eider::store {

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // Stores `packed` (pack() of `size` content bytes) under `key`, unless a
  // blob is already stored there: a key names one content, so the stored
  // one is the same. Returns true when this call stored it.
  virtual Result<bool> put(const mime::BlobKey& key, std::string_view packed, uint64_t size) = 0;
  virtual Result<bool> contains(const mime::BlobKey& key) = 0;
  // The packed bytes; Code::not_found when no blob has that key.
  virtual Result<std::string> get(const mime::BlobKey& key) = 0;
  // Removes the blob; removing a missing one is not an error.
  virtual Status remove(const mime::BlobKey& key) = 0;
};

}  // namespace eider::store
