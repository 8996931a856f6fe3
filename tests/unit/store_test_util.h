// Shared helpers of the SQLite store tests: a store opened in a temporary
// folder and SQL beside it; the backend-neutral ones are in
// support/store_data.h.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_store.h"
#include "store/store.h"
#include "support/store_data.h"

namespace eider::store::testing {

inline Options options_for(const TempDir& dir) {
  Options options;
  options.data_dir = dir.path().string();
  options.connections = 2;
  return options;
}

inline std::unique_ptr<Store> open_or_die(const Options& options) {
  Result<std::unique_ptr<Store>> store = open(options);
  EXPECT_TRUE(store.is_ok()) << store.status().to_string();
  return store ? std::move(*store) : nullptr;
}

// The SQLite backend in `dir` itself: for what only it has (vacuum, commit
// counters) and for storage faults through `vfs` (support/faulty_vfs.h;
// "" = SQLite's default).
inline std::unique_ptr<sqlite::SqliteStore> open_sqlite_or_die(const TempDir& dir,
                                                               std::string vfs = "") {
  Result<std::unique_ptr<sqlite::SqliteStore>> store =
      sqlite::SqliteStore::open(options_for(dir), {.vfs = std::move(vfs)});
  EXPECT_TRUE(store.is_ok()) << store.status().to_string();
  return store ? std::move(*store) : nullptr;
}

// Takes a database from the newest schema version back to 12: migration tests run
// it first, then undo what the versions they go back past added.
constexpr const char* kBackToVersion12 =
    "DROP TABLE api_tokens;"
    " ALTER TABLE mailboxes DROP COLUMN hidden; ALTER TABLE mailboxes DROP COLUMN retention_ms;"
    " ALTER TABLE mailboxes DROP COLUMN created;"
    " DROP INDEX journal_by_age; ALTER TABLE journal DROP COLUMN at; DROP TABLE leases;"
    " CREATE TABLE journal_marks (at INTEGER NOT NULL, last_id INTEGER NOT NULL);"
    " PRAGMA user_version = 12";

// Runs SQL on a database opened beside the store (migration tests).
inline void exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &message), SQLITE_OK) << message;
}

// The first column of the first row of `sql`.
inline int64_t query_int(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK);
  EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  int64_t value = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  return value;
}

}  // namespace eider::store::testing
