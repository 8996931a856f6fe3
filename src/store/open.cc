#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace eider::store {

namespace {

constexpr std::string_view kSqlite = "sqlite";
constexpr std::string_view kSqlitePrefix = "sqlite:";
constexpr std::string_view kDatabaseFile = "eider.db";
constexpr std::string_view kPostgres = "postgresql://";
constexpr std::string_view kPostgresShort = "postgres://";

// Creates `dir` when missing and checks that it can take the database and its
// WAL files. Root passes access(), so open errors are mapped as well later.
Status prepare_folder(const std::filesystem::path& dir, bool create) {
  std::error_code ec;
  bool exists = std::filesystem::is_directory(dir, ec);
  if (!exists && create) {
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return error(Code::permission_denied,
                   "cannot create data folder " + dir.string() + ": " + ec.message());
    }
    exists = true;
  }
  if (!exists) return error(Code::not_found, "no data folder " + dir.string());
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return error(Code::permission_denied, "data folder " + dir.string() + " is not writable");
  }
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<Store>> open(const Options& options) {
  // libpq takes the URI as it is.
  if (options.url.starts_with(kPostgres) || options.url.starts_with(kPostgresShort)) {
    return postgres::PgStore::open(options.url, options);
  }
  std::filesystem::path file;
  if (options.url == kSqlite) {
    file = std::filesystem::path(options.data_dir) / kDatabaseFile;
  } else if (options.url.starts_with(kSqlitePrefix) && options.url.size() > kSqlitePrefix.size()) {
    file = options.url.substr(kSqlitePrefix.size());
  } else {
    return error(Code::unsupported, "unknown store URL \"" + options.url + "\"");
  }
  std::filesystem::path dir = file.parent_path().empty() ? "." : file.parent_path();
  EIDER_RETURN_IF_ERROR(prepare_folder(dir, options.create));
  if (!options.create && !std::filesystem::exists(file)) {
    return error(Code::not_found, "no database " + file.string());
  }
  Result<std::unique_ptr<Store>> store = sqlite::SqliteStore::open(file.string(), options);
  if (!store && store.status().code() == Code::permission_denied) {
    return error(Code::permission_denied,
                 "cannot write database " + file.string() + ": " + store.status().message());
  }
  return store;
}

}  // namespace eider::store
