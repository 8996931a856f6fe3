#include "store/sqlite/schema.h"

#include <array>
#include <string>

namespace eider::store::sqlite {

namespace {

// Append only: a released migration is never edited, a change is a new entry.
// Every per-user table carries user_id (DESIGN.md: distributable by user).
constexpr std::array kMigrations = {
    R"sql(
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  quota_bytes INTEGER NOT NULL DEFAULT 0,
  storage_used INTEGER NOT NULL DEFAULT 0,
  message_count INTEGER NOT NULL DEFAULT 0,
  last_uidvalidity INTEGER NOT NULL DEFAULT 0,
  last_thread_id INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE addresses (
  address TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL
);
CREATE INDEX addresses_by_user ON addresses (user_id);
CREATE TABLE mailboxes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL,
  path TEXT NOT NULL,
  special_use TEXT NOT NULL DEFAULT '',
  uidvalidity INTEGER NOT NULL,
  uidnext INTEGER NOT NULL DEFAULT 1,
  highest_modseq INTEGER NOT NULL DEFAULT 0,
  subscribed INTEGER NOT NULL DEFAULT 1,
  message_count INTEGER NOT NULL DEFAULT 0,
  UNIQUE (user_id, path)
);
CREATE TABLE messages (
  user_id INTEGER NOT NULL,
  mailbox_id INTEGER NOT NULL,
  uid INTEGER NOT NULL,
  modseq INTEGER NOT NULL,
  flags TEXT NOT NULL DEFAULT '',
  internal_date INTEGER NOT NULL,
  size INTEGER NOT NULL,
  tree BLOB NOT NULL,
  envelope TEXT NOT NULL,
  bodystructure TEXT NOT NULL,
  body TEXT NOT NULL,
  message_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  thread_id INTEGER NOT NULL,
  PRIMARY KEY (mailbox_id, uid)
);
CREATE INDEX messages_by_message_id ON messages (user_id, message_id);
CREATE TABLE message_blobs (
  user_id INTEGER NOT NULL,
  mailbox_id INTEGER NOT NULL,
  uid INTEGER NOT NULL,
  key BLOB NOT NULL,
  uses INTEGER NOT NULL,
  PRIMARY KEY (mailbox_id, uid, key)
) WITHOUT ROWID;
CREATE TABLE journal (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL,
  mailbox_id INTEGER NOT NULL,
  modseq INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  uid INTEGER NOT NULL DEFAULT 0,
  data TEXT NOT NULL DEFAULT ''
);
CREATE INDEX journal_by_mailbox ON journal (mailbox_id, modseq);
CREATE INDEX journal_by_user ON journal (user_id);
CREATE TABLE blobs (
  key BLOB PRIMARY KEY,
  refcount INTEGER NOT NULL,
  size INTEGER NOT NULL,
  data BLOB NOT NULL
);
)sql",
};

Status apply(Connection& connection, int version, const char* sql) {
  EIDER_RETURN_IF_ERROR(connection.exec("BEGIN IMMEDIATE"));
  // Another process may have migrated while this one waited for the lock.
  Result<int64_t> current = connection.query_int("PRAGMA user_version");
  Status status = current.status();
  if (status && *current >= version) return connection.exec("COMMIT");
  if (status) status = connection.exec(sql);
  if (status) status = connection.exec("PRAGMA user_version=" + std::to_string(version));
  if (status) status = connection.exec("COMMIT");
  if (!status && connection.in_transaction()) (void)connection.exec("ROLLBACK");
  return status;
}

}  // namespace

int schema_version() {
  return static_cast<int>(kMigrations.size());
}

Status migrate(Connection& connection) {
  Result<int64_t> current = connection.query_int("PRAGMA user_version");
  if (!current) return current.status();
  if (*current > schema_version()) {
    return error(Code::unsupported, "database schema version " + std::to_string(*current) +
                                        " is newer than this eider supports (" +
                                        std::to_string(schema_version()) + ")");
  }
  for (int version = static_cast<int>(*current) + 1; version <= schema_version(); ++version) {
    EIDER_RETURN_IF_ERROR(apply(connection, version, kMigrations[version - 1]));
  }
  return Status::ok();
}

}  // namespace eider::store::sqlite
