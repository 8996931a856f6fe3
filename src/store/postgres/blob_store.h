// BlobStore on PostgreSQL tables, inside the caller's transaction: one
// `blobs` row per key (sizes, chunk count) and the packed bytes in
// `blob_chunks`, kChunkBytes to a row, so no single value grows with the
// attachment and a read streams row by row.
#pragma once

#include "store/blob_store.h"
#include "store/postgres/connection.h"

namespace eider::store::postgres {

class PgBlobStore final : public BlobStore {
 public:
  static constexpr size_t kChunkBytes = 1 << 20;

  // `db` is in a transaction the caller commits.
  explicit PgBlobStore(Connection& db) : db_(db) {}

  Result<bool> put(const mime::BlobKey& key, std::string_view packed, uint64_t size) override;
  Result<bool> contains(const mime::BlobKey& key) override;
  Result<std::string> get(const mime::BlobKey& key) override;
  Status remove(const mime::BlobKey& key) override;

 private:
  Connection& db_;
};

}  // namespace eider::store::postgres
