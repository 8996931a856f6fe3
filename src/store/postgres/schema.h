// The PostgreSQL schema: numbered migrations, applied at open.
#pragma once

#include "core/status.h"
#include "store/postgres/connection.h"

namespace eider::store::postgres {

// The number of migrations this eider knows.
int schema_version();

// Applies the migrations the database lacks, each in its own transaction,
// holding a session advisory lock meanwhile: of several nodes starting at
// once one migrates, the others wait and then find nothing left to do.
// Code::unsupported when the database was migrated by a newer eider.
Status migrate(Connection& db);

// The advisory lock keys (the two-int form, so they never meet the one-int
// locks taken on blob keys, pg_blob_store.h).
inline constexpr int kLockSpace = 0x45494452;  // "EIDR"
inline constexpr int kMigrationLock = 1;
inline constexpr int kTrimLock = 2;
inline constexpr int kSweepLock = 3;

}  // namespace eider::store::postgres
