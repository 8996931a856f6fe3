#include "store/postgres/schema.h"

#include <array>
#include <string>

namespace eider::store::postgres {

namespace {

// Append only: a released migration is never edited, a change is a new
// entry. Every per-user table has user_id first in its primary key and
// indexes (docs/scale-out.md says how each table is distributed). Strings
// are bytea: stored and compared as the bytes given (SQLite's BINARY
// collation), whatever the database's encoding and locale.
const std::array kMigrations = {
    R"sql(
CREATE TABLE users (
  id bigserial PRIMARY KEY,
  name bytea NOT NULL UNIQUE,
  password_hash bytea NOT NULL,
  quota_bytes bigint NOT NULL DEFAULT 0,
  quota_messages bigint NOT NULL DEFAULT 0,
  storage_used bigint NOT NULL DEFAULT 0,
  message_count bigint NOT NULL DEFAULT 0,
  last_uidvalidity bigint NOT NULL DEFAULT 0,
  last_thread_id bigint NOT NULL DEFAULT 0
);
CREATE TABLE addresses (
  address bytea PRIMARY KEY,
  user_id bigint NOT NULL
);
CREATE INDEX addresses_by_user ON addresses (user_id);
CREATE TABLE mailboxes (
  user_id bigint NOT NULL,
  id bigserial NOT NULL,
  path bytea NOT NULL,
  special_use bytea NOT NULL DEFAULT '',
  uidvalidity bigint NOT NULL,
  uidnext bigint NOT NULL DEFAULT 1,
  highest_modseq bigint NOT NULL DEFAULT 0,
  subscribed boolean NOT NULL DEFAULT true,
  message_count bigint NOT NULL DEFAULT 0,
  recent_uid bigint NOT NULL DEFAULT 1,
  journal_floor bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, id),
  UNIQUE (user_id, path)
);
CREATE TABLE lost_subscriptions (
  user_id bigint NOT NULL,
  path bytea NOT NULL,
  PRIMARY KEY (user_id, path)
);
CREATE TABLE messages (
  user_id bigint NOT NULL,
  mailbox_id bigint NOT NULL,
  uid bigint NOT NULL,
  modseq bigint NOT NULL,
  flags bytea NOT NULL DEFAULT '',
  internal_date bigint NOT NULL,
  size bigint NOT NULL,
  wire_size bigint NOT NULL,
  thread_id bigint NOT NULL,
  PRIMARY KEY (user_id, mailbox_id, uid)
);
CREATE INDEX messages_by_modseq ON messages (user_id, mailbox_id, modseq);
CREATE TABLE message_contents (
  user_id bigint NOT NULL,
  mailbox_id bigint NOT NULL,
  uid bigint NOT NULL,
  tree bytea NOT NULL,
  envelope bytea NOT NULL,
  bodystructure bytea NOT NULL,
  body bytea NOT NULL,
  summary bytea NOT NULL,
  message_id bytea NOT NULL,
  subject bytea NOT NULL,
  PRIMARY KEY (user_id, mailbox_id, uid)
);
CREATE INDEX message_contents_by_message_id ON message_contents (user_id, message_id);
CREATE TABLE message_blobs (
  user_id bigint NOT NULL,
  mailbox_id bigint NOT NULL,
  uid bigint NOT NULL,
  key bytea NOT NULL,
  uses bigint NOT NULL,
  PRIMARY KEY (user_id, mailbox_id, uid, key)
);
CREATE TABLE user_blobs (
  user_id bigint NOT NULL,
  key bytea NOT NULL,
  uses bigint NOT NULL,
  PRIMARY KEY (user_id, key)
);
CREATE INDEX user_blobs_by_key ON user_blobs (key);
CREATE TABLE blob_releases (
  user_id bigint NOT NULL,
  key bytea NOT NULL,
  PRIMARY KEY (user_id, key)
);
CREATE TABLE blobs (
  key bytea PRIMARY KEY,
  size bigint NOT NULL,
  stored bigint NOT NULL,
  chunks integer NOT NULL
);
CREATE TABLE blob_chunks (
  key bytea NOT NULL,
  seq integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (key, seq)
);
CREATE TABLE journal (
  user_id bigint NOT NULL,
  mailbox_id bigint NOT NULL,
  modseq bigint NOT NULL,
  kind smallint NOT NULL,
  uid bigint NOT NULL DEFAULT 0,
  data bytea NOT NULL DEFAULT '',
  at bigint NOT NULL
);
CREATE INDEX journal_by_mailbox ON journal (user_id, mailbox_id, modseq);
CREATE INDEX journal_by_age ON journal (at);
CREATE TABLE mailbox_snapshots (
  user_id bigint NOT NULL,
  mailbox_id bigint NOT NULL,
  modseq bigint NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (user_id, mailbox_id)
);
)sql",
    // 2: search summaries sealed into chunks of 1,024 UIDs
    // (store/summary_chunks.h). Ranges sealed before stay unsealed and are
    // read from message_contents. Already compressed: kept out of TOAST's
    // own compression.
    R"sql(
CREATE TABLE summary_chunks (
  user_id bigint NOT NULL,
  mailbox_id bigint NOT NULL,
  last_uid bigint NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (user_id, mailbox_id, last_uid)
);
ALTER TABLE summary_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
)sql",
    // 3: accounts for the HTTP API. Users gain a display name, tags
    // (",a,b," so a tag matches as ",tag,"), retention, a disabled flag, a
    // pending deletion and a creation time; mailboxes a creation time.
    // Addresses get an id of their own, a main flag, a name, tags and the
    // forwarded kind (user_id 0, with targets); each user's alphabetically
    // first address becomes main. Rows from before are dated by the
    // migration.
    R"sql(
ALTER TABLE users ADD COLUMN display_name bytea NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN tags bytea NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN retention bigint NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN disabled boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN delete_after bigint NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN created bigint NOT NULL DEFAULT 0;
UPDATE users SET created = floor(extract(epoch FROM now()))::bigint;
CREATE INDEX users_by_created ON users (created, id);
ALTER TABLE mailboxes ADD COLUMN created bigint NOT NULL DEFAULT 0;
UPDATE mailboxes SET created = floor(extract(epoch FROM now()))::bigint;
ALTER TABLE addresses ADD COLUMN id bigserial NOT NULL UNIQUE;
ALTER TABLE addresses ADD COLUMN main boolean NOT NULL DEFAULT false;
ALTER TABLE addresses ADD COLUMN name bytea NOT NULL DEFAULT '';
ALTER TABLE addresses ADD COLUMN tags bytea NOT NULL DEFAULT '';
ALTER TABLE addresses ADD COLUMN targets bytea NOT NULL DEFAULT '';
ALTER TABLE addresses ADD COLUMN forwards bigint NOT NULL DEFAULT 0;
ALTER TABLE addresses ADD COLUMN forwarded_disabled boolean NOT NULL DEFAULT false;
ALTER TABLE addresses ADD COLUMN created bigint NOT NULL DEFAULT 0;
UPDATE addresses SET created = floor(extract(epoch FROM now()))::bigint;
UPDATE addresses a SET main = true WHERE NOT EXISTS
  (SELECT 1 FROM addresses b WHERE b.user_id = a.user_id AND b.address < a.address);
CREATE INDEX addresses_by_created ON addresses (created, id);
CREATE TABLE domain_aliases (
  id bigserial PRIMARY KEY,
  alias bytea NOT NULL UNIQUE,
  domain bytea NOT NULL,
  created bigint NOT NULL
);
)sql",
    // 4: the HTTP API's user tokens, by the SHA-256 of the token (never the
    // token itself); expired rows go when a token is added.
    R"sql(
CREATE TABLE api_tokens (
  hash bytea PRIMARY KEY,
  user_id bigint NOT NULL,
  created bigint NOT NULL,
  expires bigint NOT NULL
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);
CREATE INDEX api_tokens_by_expiry ON api_tokens (expires);
)sql",
};

Status apply(Connection& db, int version, const char* sql) {
  EIDER_RETURN_IF_ERROR(db.exec("BEGIN"));
  Status status = db.exec(sql);
  if (status) {
    status = db.run("INSERT INTO schema_migrations (version) VALUES ($1)",
                    Params(static_cast<int64_t>(version)));
  }
  if (status) status = db.exec("COMMIT");
  if (!status && !db.broken()) (void)db.exec("ROLLBACK");
  return status;
}

Status migrate_locked(Connection& db) {
  EIDER_RETURN_IF_ERROR(
      db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY,"
              " applied timestamptz NOT NULL DEFAULT now())"));
  Result<Rows> current =
      db.query("SELECT coalesce(max(version), 0)::bigint FROM schema_migrations");
  if (!current) return current.status();
  const int64_t version = current->int64(0, 0);
  if (version > schema_version()) {
    return error(Code::unsupported, "database schema version " + std::to_string(version) +
                                        " is newer than this eider supports (" +
                                        std::to_string(schema_version()) + ")");
  }
  for (int next = static_cast<int>(version) + 1; next <= schema_version(); ++next) {
    EIDER_RETURN_IF_ERROR(apply(db, next, kMigrations[next - 1]));
  }
  return Status::ok();
}

}  // namespace

int schema_version() {
  return static_cast<int>(kMigrations.size());
}

Status migrate(Connection& db) {
  const std::string key = std::to_string(kLockSpace) + ", " + std::to_string(kMigrationLock);
  EIDER_RETURN_IF_ERROR(db.exec("SELECT pg_advisory_lock(" + key + ")"));
  Status status = migrate_locked(db);
  Status unlocked = db.exec("SELECT pg_advisory_unlock(" + key + ")");
  return status ? unlocked : status;
}

}  // namespace eider::store::postgres
