// The SQLite schema as numbered migrations (docs/formats.md summarises it).
//
// The schema version is PRAGMA user_version: the number of migrations
// applied. migrate() applies the missing ones in order, each in its own
// transaction, and refuses a database from a newer eider.
#pragma once

#include "core/status.h"
#include "store/sqlite/connection.h"

namespace eider::store::sqlite {

// The schema version this binary writes.
int schema_version();

// Brings the database to schema_version(). Fails with Code::unsupported when
// the database's version is newer.
Status migrate(Connection& connection);

// Writes nothing: Code::unsupported unless the database is at
// schema_version() (a store opened read-only cannot be migrated).
Status expect_current(Connection& connection);

}  // namespace eider::store::sqlite
