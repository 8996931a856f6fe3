#include "store/sqlite/connection.h"

#include <unistd.h>

#include <mutex>
#include <string>

namespace eider::store::sqlite {

namespace {

constexpr int kBusyTimeoutMs = 10000;

Code code_for(int rc) {
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return Code::disk_full;
    case SQLITE_TOOBIG:
      return Code::too_large;
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return Code::permission_denied;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Code::unavailable;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Code::corrupt;
    case SQLITE_IOERR:
      return Code::io_error;
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return Code::already_exists;
      }
      return Code::internal;
    default:
      return Code::internal;
  }
}

// SQLite counts every allocation under one process-wide mutex for memory
// statistics that Eider never reads: a listing of 100,000 rows spent a
// quarter of its time taking and releasing that lock. Must come before
// SQLite initialises itself; if something opened a database earlier the
// call fails harmlessly and the counting stays on.
void configure_sqlite() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

Status sqlite_status(int rc, sqlite3* db, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return error(code_for(rc), std::move(message));
}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_status(rc, db_, "database statement failed");
}

Status Statement::run() {
  for (;;) {
    Result<bool> row = step();
    if (!row) return row.status();
    if (!*row) return Status::ok();
  }
}

std::string Statement::text(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr) return {};
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path,
                                                     const std::string& vfs, bool create,
                                                     bool read_only) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  if (create) flags |= SQLITE_OPEN_CREATE;
  configure_sqlite();
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, vfs.empty() ? nullptr : vfs.c_str());
  if (rc != SQLITE_OK) {
    Status status = sqlite_status(rc, db, "cannot open database " + path);
    sqlite3_close_v2(db);
    return status;
  }
  std::unique_ptr<Connection> connection(new Connection(db));
  // SQLite opens a file it may not write (mode 0444, another owner, a
  // read-only mount) read-only without a word; the writer would then fail
  // every write, so it is refused here, where start-up can say why.
  if (!read_only && sqlite3_db_readonly(db, "main") == 1) {
    return error(Code::permission_denied,
                 "the file or its filesystem is read-only for this user (uid " +
                     std::to_string(::geteuid()) + ")");
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  // FULL: a COMMIT that returned is on disk (docs/architecture.md, idea 5).
  EIDER_RETURN_IF_ERROR(connection->exec("PRAGMA synchronous=FULL"));
  if (read_only) EIDER_RETURN_IF_ERROR(connection->exec("PRAGMA query_only=ON"));
  // The one writer rewrites a page per message for a flag change (rows are
  // wide): with SQLite's default 2 MB cache, a STORE on 10,000 messages
  // re-reads most pages it just wrote. 32 MB, used only as it fills.
  if (!read_only) EIDER_RETURN_IF_ERROR(connection->exec("PRAGMA cache_size=-32768"));
  return connection;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status Connection::exec(std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);
  if (rc != SQLITE_OK) return sqlite_status(rc, db_, "database command failed");
  return Status::ok();
}

Result<Statement> Connection::prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return sqlite_status(rc, db_, "cannot prepare database statement");
    it = cache_.emplace(sql, stmt).first;
  }
  return Statement(it->second, db_);
}

}  // namespace eider::store::sqlite
