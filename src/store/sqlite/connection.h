// One SQLite connection with its cache of prepared statements.
//
// A Connection is used by one thread at a time (opened without SQLite's own
// mutex); the store gives each reader thread and the writer thread their own.
// Statements are prepared once per SQL text and reused; a Statement handle
// resets its statement when it goes out of scope.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace eider::store::sqlite {

// The Status for a failed SQLite call: SQLITE_FULL => disk_full, TOOBIG => too_large,
// CANTOPEN/READONLY/PERM/AUTH => permission_denied, BUSY/LOCKED => unavailable,
// CORRUPT/NOTADB => corrupt, IOERR => io_error, UNIQUE/PRIMARY KEY =>
// already_exists, anything else => internal. `what` prefixes the message.
Status sqlite_status(int rc, sqlite3* db, std::string_view what);

// A byte string bound as a BLOB rather than TEXT.
struct Bytes {
  std::string_view bytes;
};

class Statement {
 public:
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  Statement(Statement&& other) noexcept : stmt_(other.stmt_), db_(other.db_) {
    other.stmt_ = nullptr;
  }
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binds parameters 1..n in order. Strings bind as TEXT (copied), Bytes as
  // BLOB without a copy: the bytes must outlive the last step().
  template <typename... Args>
  Statement& bind(const Args&... args) {
    [[maybe_unused]] int index = 0;
    (bind_one(++index, args), ...);
    return *this;
  }

  // Steps once: true when a row is available, false when done.
  Result<bool> step();
  // Steps to the end, for statements that return no rows.
  Status run();

  int64_t int64(int column) const { return sqlite3_column_int64(stmt_, column); }
  // TEXT or BLOB column as bytes.
  std::string text(int column) const;
  bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

 private:
  void bind_one(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
  void bind_one(int index, uint64_t value) {
    sqlite3_bind_int64(stmt_, index, static_cast<int64_t>(value));
  }
  void bind_one(int index, int value) { sqlite3_bind_int64(stmt_, index, value); }
  void bind_one(int index, uint32_t value) { sqlite3_bind_int64(stmt_, index, value); }
  void bind_one(int index, std::string_view value) {
    sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  }
  void bind_one(int index, const std::string& value) { bind_one(index, std::string_view(value)); }
  void bind_one(int index, const char* value) { bind_one(index, std::string_view(value)); }
  void bind_one(int index, Bytes value) {
    sqlite3_bind_blob(stmt_, index, value.bytes.data(), static_cast<int>(value.bytes.size()),
                      SQLITE_STATIC);
  }

  sqlite3_stmt* stmt_;
  sqlite3* db_;
};

class Connection {
 public:
  // Opens the database file through the SQLite VFS named `vfs` (empty: the
  // default one). `read_only` connections refuse writes (PRAGMA
  // query_only); every connection waits up to busy_timeout_ms for a lock
  // held by another process.
  static Result<std::unique_ptr<Connection>> open(const std::string& path, const std::string& vfs,
                                                  bool create, bool read_only);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs one or more SQL statements that return no rows.
  Status exec(std::string_view sql);
  // The cached prepared statement for `sql`, ready for binding. `sql` must be
  // a string literal: the cache is keyed by its address.
  Result<Statement> prepare(const char* sql);
  // Prepares, binds and runs a statement that returns no rows.
  template <typename... Args>
  Status run(const char* sql, const Args&... args) {
    Result<Statement> stmt = prepare(sql);
    if (!stmt) return stmt.status();
    return stmt->bind(args...).run();
  }
  // The first column of the first row; Code::not_found when there is no row.
  template <typename... Args>
  Result<int64_t> query_int(const char* sql, const Args&... args) {
    Result<Statement> stmt = prepare(sql);
    if (!stmt) return stmt.status();
    Result<bool> row = stmt->bind(args...).step();
    if (!row) return row.status();
    if (!*row) return error(Code::not_found, "no row");
    return stmt->int64(0);
  }

  // Every row of a query, each made into a T by `from(const Statement&)`.
  template <typename T, typename From, typename... Args>
  Result<std::vector<T>> query_rows(const char* sql, From from, const Args&... args) {
    std::vector<T> rows;
    EIDER_RETURN_IF_ERROR(append_rows(rows, sql, from, args...));
    return rows;
  }
  // The same, appended to `rows`: a caller that knows about how many rows
  // come reserves room first (a listing of 100,000 messages spent a third
  // of its time growing the vector).
  template <typename T, typename From, typename... Args>
  Status append_rows(std::vector<T>& rows, const char* sql, From from, const Args&... args) {
    Result<Statement> stmt = prepare(sql);
    if (!stmt) return stmt.status();
    stmt->bind(args...);
    for (;;) {
      Result<bool> row = stmt->step();
      if (!row) return row.status();
      if (!*row) return Status::ok();
      rows.push_back(from(*stmt));
    }
  }

  int64_t changes() const { return sqlite3_changes64(db_); }
  // True when no transaction is open (SQLite rolled back on its own or none began).
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
  sqlite3* handle() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
};

}  // namespace eider::store::sqlite
