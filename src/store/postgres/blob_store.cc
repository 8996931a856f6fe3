#include "store/postgres/blob_store.h"

namespace eider::store::postgres {

Result<bool> PgBlobStore::put(const mime::BlobKey& key, std::string_view packed, uint64_t size) {
  const size_t chunks = packed.empty() ? 1 : (packed.size() + kChunkBytes - 1) / kChunkBytes;
  // DO NOTHING: an existing row is left untouched, so storing a popular
  // attachment again writes nothing global.
  Result<Rows> inserted = db_.query(
      "INSERT INTO blobs (key, size, stored, chunks) VALUES ($1, $2, $3, $4)"
      " ON CONFLICT (key) DO NOTHING",
      Params(std::string_view(key), size, static_cast<uint64_t>(packed.size()),
             static_cast<uint64_t>(chunks)));
  if (!inserted) return inserted.status();
  if (inserted->affected() == 0) return false;
  for (size_t i = 0; i < chunks; ++i) {
    std::string_view part = packed.substr(std::min(packed.size(), i * kChunkBytes), kChunkBytes);
    EIDER_RETURN_IF_ERROR(db_.run("INSERT INTO blob_chunks (key, seq, data) VALUES ($1, $2, $3)",
                                  Params(std::string_view(key), static_cast<uint64_t>(i), part)));
  }
  return true;
}

Result<bool> PgBlobStore::contains(const mime::BlobKey& key) {
  Result<Rows> rows =
      db_.query("SELECT 1 FROM blobs WHERE key = $1", Params(std::string_view(key)));
  if (!rows) return rows.status();
  return !rows->empty();
}

Result<std::string> PgBlobStore::get(const mime::BlobKey& key) {
  Result<Rows> rows = db_.query("SELECT data FROM blob_chunks WHERE key = $1 ORDER BY seq",
                                Params(std::string_view(key)));
  if (!rows) return rows.status();
  if (rows->empty()) return error(Code::not_found, "no blob " + mime::blob_key_hex(key));
  std::string packed;
  for (int i = 0; i < rows->size(); ++i) packed.append(rows->view(i, 0));
  return packed;
}

Status PgBlobStore::remove(const mime::BlobKey& key) {
  EIDER_RETURN_IF_ERROR(
      db_.run("DELETE FROM blob_chunks WHERE key = $1", Params(std::string_view(key))));
  return db_.run("DELETE FROM blobs WHERE key = $1", Params(std::string_view(key)));
}

}  // namespace eider::store::postgres
