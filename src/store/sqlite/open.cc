// Opening a SQLite store from store::Options: where its file is, and
// whether its folder can take it.
#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "store/sqlite/sqlite_store.h"

namespace eider::store::sqlite {

namespace {

constexpr std::string_view kSqlite = "sqlite";
constexpr std::string_view kSqlitePrefix = "sqlite:";
constexpr std::string_view kDatabaseFile = "eider.db";

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

bool is_sqlite_url(std::string_view url) {
  return url == kSqlite || (url.starts_with(kSqlitePrefix) && url.size() > kSqlitePrefix.size());
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const Options& options,
                                                       const SqliteOptions& sqlite) {
  std::filesystem::path file;
  if (options.url == kSqlite) {
    file = std::filesystem::path(options.data_dir) / kDatabaseFile;
  } else if (is_sqlite_url(options.url)) {
    file = options.url.substr(kSqlitePrefix.size());
  } else {
    return error(Code::unsupported, "\"" + options.url + "\" is not a SQLite store URL");
  }
  std::filesystem::path dir = file.parent_path().empty() ? "." : file.parent_path();
  EIDER_RETURN_IF_ERROR(prepare_folder(dir, options.create));
  if (!options.create && !std::filesystem::exists(file)) {
    return error(Code::not_found, "no database " + file.string());
  }
  Result<std::unique_ptr<SqliteStore>> store = open_file(file.string(), options, sqlite);
  if (!store && store.status().code() == Code::permission_denied) {
    return error(Code::permission_denied,
                 "cannot write database " + file.string() + ": " + store.status().message());
  }
  return store;
}

}  // namespace eider::store::sqlite
