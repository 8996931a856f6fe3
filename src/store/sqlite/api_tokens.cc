// SqliteStore: the HTTP API's user tokens (by hash).
#include <string>

#include "store/sqlite/access.h"
#include "store/sqlite/rows.h"

namespace eider::store::sqlite {

Status SqliteStore::add_api_token(std::string_view hash, const ApiToken& token) {
  std::string key(hash);
  return write<Done>([&](Connection& db) -> Result<Done> {
           Result<User> user = load_user_by_id(db, token.user_id);
           if (!user) return user.status();
           EIDER_RETURN_IF_ERROR(
               db.run("DELETE FROM api_tokens WHERE expires <= ?", token.created));
           EIDER_RETURN_IF_ERROR(db.run(
               "INSERT INTO api_tokens (hash, user_id, created, expires) VALUES (?, ?, ?, ?)", key,
               token.user_id, token.created, token.expires));
           return Done{};
         })
      .status();
}

Result<ApiToken> SqliteStore::find_api_token(std::string_view hash, int64_t now) {
  std::string key(hash);
  return read<ApiToken>([&](Connection& db) -> Result<ApiToken> {
    Result<std::vector<ApiToken>> rows = db.query_rows<ApiToken>(
        "SELECT t.user_id, t.created, t.expires FROM api_tokens t JOIN users u ON u.id = t.user_id"
        " WHERE t.hash = ? AND t.expires > ?",
        [](const Statement& row) {
          return ApiToken{row.int64(0), row.int64(1), row.int64(2)};
        },
        key, now);
    if (!rows) return rows.status();
    if (rows->empty()) return error(Code::not_found, "no such token");
    return rows->front();
  });
}

Status SqliteStore::delete_api_token(std::string_view hash) {
  std::string key(hash);
  return write<Done>([&](Connection& db) -> Result<Done> {
           EIDER_RETURN_IF_ERROR(db.run("DELETE FROM api_tokens WHERE hash = ?", key));
           return Done{};
         })
      .status();
}

Result<uint64_t> SqliteStore::delete_user_api_tokens(int64_t user_id, std::string_view keep_hash) {
  std::string keep(keep_hash);
  return write<uint64_t>([&](Connection& db) -> Result<uint64_t> {
    EIDER_RETURN_IF_ERROR(
        db.run("DELETE FROM api_tokens WHERE user_id = ? AND hash <> ?", user_id, keep));
    return static_cast<uint64_t>(db.changes());
  });
}

}  // namespace eider::store::sqlite
