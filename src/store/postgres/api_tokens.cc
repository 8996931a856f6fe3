// PgStore: the HTTP API's user tokens (by hash).
#include <string>

#include "store/postgres/pg_store.h"
#include "store/postgres/rows.h"

namespace eider::store::postgres {

Status PgStore::add_api_token(std::string_view hash, const ApiToken& token) {
  std::string key(hash);
  return write<Done>([&](Connection& db) -> Result<Done> {
           Result<User> user = load_user_by_id(db, token.user_id);
           if (!user) return user.status();
           EIDER_RETURN_IF_ERROR(
               db.run("DELETE FROM api_tokens WHERE expires <= $1", Params(token.created)));
           EIDER_RETURN_IF_ERROR(db.run(
               "INSERT INTO api_tokens (hash, user_id, created, expires) VALUES ($1, $2, $3, $4)",
               Params(key, token.user_id, token.created, token.expires)));
           return Done{};
         })
      .status();
}

Result<ApiToken> PgStore::find_api_token(std::string_view hash, int64_t now) {
  std::string key(hash);
  return read<ApiToken>([&](Connection& db) -> Result<ApiToken> {
    Result<Rows> rows = db.query(
        "SELECT t.user_id, t.created, t.expires FROM api_tokens t JOIN users u ON u.id = t.user_id"
        " WHERE t.hash = $1 AND t.expires > $2",
        Params(key, now));
    if (!rows) return rows.status();
    if (rows->empty()) return error(Code::not_found, "no such token");
    return ApiToken{rows->int64(0, 0), rows->int64(0, 1), rows->int64(0, 2)};
  });
}

Status PgStore::delete_api_token(std::string_view hash) {
  std::string key(hash);
  return write<Done>([&](Connection& db) -> Result<Done> {
           EIDER_RETURN_IF_ERROR(db.run("DELETE FROM api_tokens WHERE hash = $1", Params(key)));
           return Done{};
         })
      .status();
}

Result<uint64_t> PgStore::delete_user_api_tokens(int64_t user_id, std::string_view keep_hash) {
  std::string keep(keep_hash);
  return write<uint64_t>([&](Connection& db) -> Result<uint64_t> {
    Result<Rows> removed =
        db.query("DELETE FROM api_tokens WHERE user_id = $1 AND hash <> $2", Params(user_id, keep));
    if (!removed) return removed.status();
    return static_cast<uint64_t>(removed->affected());
  });
}

}  // namespace eider::store::postgres
