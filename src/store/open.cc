#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace eider::store {

namespace {

constexpr std::string_view kPostgres = "postgresql://";
constexpr std::string_view kPostgresShort = "postgres://";

}  // namespace

Result<std::unique_ptr<Store>> open(const Options& options) {
  // libpq takes the URI as it is.
  if (options.url.starts_with(kPostgres) || options.url.starts_with(kPostgresShort)) {
    return postgres::PgStore::open(options.url, options);
  }
  if (sqlite::is_sqlite_url(options.url)) {
    Result<std::unique_ptr<sqlite::SqliteStore>> store = sqlite::SqliteStore::open(options);
    if (!store) return store.status();
    return std::unique_ptr<Store>(std::move(*store));
  }
  return error(Code::unsupported, "unknown store URL \"" + options.url + "\"");
}

}  // namespace eider::store
