#include "store/sqlite/schema.h"

#include <array>
#include <string>
#include <vector>

#include "mime/search_summary.h"
#include "mime/tree.h"
#include "mime/wire.h"
#include "store/codec.h"
#include "store/sqlite/summary_chunks.h"

namespace eider::store::sqlite {

namespace {

Status backfill_wire_sizes(Connection& db);
Status backfill_summaries(Connection& db);
Status backfill_summary_chunks(Connection& db);

struct Migration {
  const char* sql;
  // Runs after `sql` in the same transaction, for what SQL cannot compute.
  Status (*after)(Connection&) = nullptr;
};

// Append only: a released migration is never edited, a change is a new entry.
// Every per-user table carries user_id (docs/architecture.md, idea 6).
const std::array kMigrations = {
    Migration{R"sql(
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
)sql"},
    // 2: sizes as sent over IMAP/POP3, and the \Recent mark. Mail that was
    // there before is not recent: nobody can tell which session saw it.
    Migration{R"sql(
ALTER TABLE messages ADD COLUMN wire_size INTEGER NOT NULL DEFAULT -1;
ALTER TABLE mailboxes ADD COLUMN recent_uid INTEGER NOT NULL DEFAULT 1;
UPDATE mailboxes SET recent_uid = uidnext;
)sql",
              backfill_wire_sizes},
    // 3: a covering index for listings (SELECT, FETCH FLAGS, POP3 login).
    // Without it a listing reads every wide message row (tree, envelope,
    // bodystructure; wire_size sits after them), i.e. the whole mailbox.
    Migration{R"sql(
CREATE INDEX messages_listing ON messages
  (mailbox_id, uid, user_id, modseq, flags, internal_date, size, thread_id, wire_size);
)sql"},
    // 4: the search summary (mime/search_summary.h), in an index of its own
    // so that SEARCH on those fields scans a few hundred bytes a message.
    Migration{R"sql(
ALTER TABLE messages ADD COLUMN summary BLOB NOT NULL DEFAULT x'';
CREATE INDEX messages_summary ON messages (mailbox_id, uid, user_id, summary);
)sql",
              backfill_summaries},
    // 5: each message row split in two. A flag change rewrote the page of a
    // wide row (tree, envelope, bodystructure: one row a page), so STORE on
    // 10,000 messages wrote 40 MB. `messages` keeps what listings and flag
    // changes touch, narrow and clustered by (mailbox_id, uid), which also
    // makes migration 3's listing index unneeded; `message_contents` keeps
    // the rest.
    Migration{R"sql(
CREATE TABLE message_contents (
  mailbox_id INTEGER NOT NULL,
  uid INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  tree BLOB NOT NULL,
  envelope TEXT NOT NULL,
  bodystructure TEXT NOT NULL,
  body TEXT NOT NULL,
  summary BLOB NOT NULL,
  PRIMARY KEY (mailbox_id, uid)
);
INSERT INTO message_contents
  (mailbox_id, uid, user_id, tree, envelope, bodystructure, body, summary)
  SELECT mailbox_id, uid, user_id, tree, envelope, bodystructure, body, summary FROM messages;
CREATE INDEX message_contents_summary ON message_contents (mailbox_id, uid, user_id, summary);
CREATE TABLE messages_narrow (
  mailbox_id INTEGER NOT NULL,
  uid INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  modseq INTEGER NOT NULL,
  flags TEXT NOT NULL DEFAULT '',
  internal_date INTEGER NOT NULL,
  size INTEGER NOT NULL,
  wire_size INTEGER NOT NULL,
  thread_id INTEGER NOT NULL,
  message_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  PRIMARY KEY (mailbox_id, uid)
) WITHOUT ROWID;
INSERT INTO messages_narrow
  (mailbox_id, uid, user_id, modseq, flags, internal_date, size, wire_size, thread_id,
   message_id, subject)
  SELECT mailbox_id, uid, user_id, modseq, flags, internal_date, size, wire_size, thread_id,
         message_id, subject FROM messages;
DROP TABLE messages;
ALTER TABLE messages_narrow RENAME TO messages;
CREATE INDEX messages_by_message_id ON messages (user_id, message_id);
)sql"},
    // 6: a protocol layer's snapshot of each mailbox (Store::save_snapshot).
    Migration{R"sql(
CREATE TABLE mailbox_snapshots (
  mailbox_id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL,
  modseq INTEGER NOT NULL,
  data BLOB NOT NULL
);
)sql"},
    // 7: Message-ID and Subject (used only to thread new mail) move to
    // message_contents: they were most of each narrow row, and listings
    // read every narrow row of a mailbox.
    Migration{R"sql(
ALTER TABLE message_contents ADD COLUMN message_id TEXT NOT NULL DEFAULT '';
ALTER TABLE message_contents ADD COLUMN subject TEXT NOT NULL DEFAULT '';
UPDATE message_contents SET (message_id, subject) =
  (SELECT m.message_id, m.subject FROM messages m
   WHERE m.mailbox_id = message_contents.mailbox_id AND m.uid = message_contents.uid);
CREATE INDEX message_contents_by_message_id ON message_contents (user_id, message_id);
CREATE TABLE messages_narrower (
  mailbox_id INTEGER NOT NULL,
  uid INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  modseq INTEGER NOT NULL,
  flags TEXT NOT NULL DEFAULT '',
  internal_date INTEGER NOT NULL,
  size INTEGER NOT NULL,
  wire_size INTEGER NOT NULL,
  thread_id INTEGER NOT NULL,
  PRIMARY KEY (mailbox_id, uid)
) WITHOUT ROWID;
INSERT INTO messages_narrower
  (mailbox_id, uid, user_id, modseq, flags, internal_date, size, wire_size, thread_id)
  SELECT mailbox_id, uid, user_id, modseq, flags, internal_date, size, wire_size, thread_id
  FROM messages;
DROP TABLE messages;
ALTER TABLE messages_narrower RENAME TO messages;
)sql"},
    // 8: CONDSTORE/QRESYNC. Messages by modseq (what changed since a
    // client's state), and a journal that can be trimmed: journal_floor
    // says below which modseq a mailbox's rows may be gone, and
    // journal_marks records, at each trim, how far the journal went then
    // (Store::trim_journal), so rows need no time of their own.
    Migration{R"sql(
CREATE INDEX messages_by_modseq ON messages (mailbox_id, modseq);
ALTER TABLE mailboxes ADD COLUMN journal_floor INTEGER NOT NULL DEFAULT 0;
CREATE TABLE journal_marks (
  at INTEGER NOT NULL,
  last_id INTEGER NOT NULL
);
)sql"},
    // 9: a limit on the number of messages (IMAP QUOTA's MESSAGE resource,
    // RFC 9208), beside quota_bytes; 0 = unlimited.
    Migration{R"sql(
ALTER TABLE users ADD COLUMN quota_messages INTEGER NOT NULL DEFAULT 0;
)sql"},
    // 10: search summaries kept together, 1,024 UIDs to a row
    // (store/sqlite/summary_chunks.h): the summary index's pages lie
    // scattered through the file, and a cold SEARCH read them one by one.
    Migration{R"sql(
CREATE TABLE summary_chunks (
  mailbox_id INTEGER NOT NULL,
  last_uid INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (mailbox_id, last_uid)
);
)sql",
              backfill_summary_chunks},
    // 11: nothing to change in the schema; chunks sealed before expunges
    // rewrote them still held the summaries of expunged messages.
    Migration{"", prune_summary_chunks},
    // 12: a subscription outlives its mailbox (RFC 3501 6.3.6: the server
    // must not drop it on its own), and a name can be subscribed before it
    // exists; such names live here, the others in mailboxes.subscribed.
    Migration{R"sql(
CREATE TABLE lost_subscriptions (
  user_id INTEGER NOT NULL,
  path TEXT NOT NULL,
  PRIMARY KEY (user_id, path)
) WITHOUT ROWID;
)sql"},
    // 13: journal rows carry the time they were written, so trimming goes
    // by each row's own age, mailbox by mailbox, and journal_marks (which
    // needed ids growing in commit order) goes. Rows from before get the
    // migration's time: they are kept a full journal-days from now.
    // `leases` lets one store instance at a time trim (Store::trim_journal).
    Migration{R"sql(
ALTER TABLE journal ADD COLUMN at INTEGER NOT NULL DEFAULT 0;
UPDATE journal SET at = CAST(strftime('%s', 'now') AS INTEGER);
CREATE INDEX journal_by_age ON journal (at);
DROP TABLE journal_marks;
CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
)sql"},
    // 14: accounts for the HTTP API. Users gain a display name, tags (",a,b," so a tag
    // matches as ",tag,"), retention, a disabled flag, a pending deletion
    // and a creation time; mailboxes a creation time. Addresses get an id
    // of their own (AUTOINCREMENT: an id is never reused, and VACUUM keeps
    // it), a main flag, a name, tags, and the forwarded kind (user_id 0,
    // with targets). Each user's alphabetically first address becomes main.
    // Rows from before are dated by the migration; a mailbox takes its
    // UIDVALIDITY, the time it was created at unless imported.
    Migration{R"sql(
ALTER TABLE users ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN retention INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN delete_after INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN created INTEGER NOT NULL DEFAULT 0;
UPDATE users SET created = CAST(strftime('%s', 'now') AS INTEGER);
CREATE INDEX users_by_created ON users (created, id);
ALTER TABLE mailboxes ADD COLUMN created INTEGER NOT NULL DEFAULT 0;
UPDATE mailboxes SET created = uidvalidity;
CREATE TABLE addresses_new (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  address TEXT NOT NULL UNIQUE,
  user_id INTEGER NOT NULL,
  main INTEGER NOT NULL DEFAULT 0,
  name TEXT NOT NULL DEFAULT '',
  tags TEXT NOT NULL DEFAULT '',
  targets TEXT NOT NULL DEFAULT '',
  forwards INTEGER NOT NULL DEFAULT 0,
  forwarded_disabled INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL DEFAULT 0
);
INSERT INTO addresses_new (address, user_id, created)
  SELECT address, user_id, CAST(strftime('%s', 'now') AS INTEGER) FROM addresses
  ORDER BY user_id, address;
UPDATE addresses_new SET main = 1 WHERE id IN (SELECT min(id) FROM addresses_new GROUP BY user_id);
DROP TABLE addresses;
ALTER TABLE addresses_new RENAME TO addresses;
CREATE INDEX addresses_by_user ON addresses (user_id);
CREATE INDEX addresses_by_created ON addresses (created, id);
CREATE TABLE domain_aliases (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  alias TEXT NOT NULL UNIQUE,
  domain TEXT NOT NULL,
  created INTEGER NOT NULL
);
)sql"},
    // 15: the HTTP API's user tokens, by the SHA-256 of the token (never the
    // token itself); expired rows go when a token is added.
    Migration{R"sql(
CREATE TABLE api_tokens (
  hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL,
  created INTEGER NOT NULL,
  expires INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);
CREATE INDEX api_tokens_by_expiry ON api_tokens (expires);
)sql"},
    // 16: the HTTP API's mailbox fields (Store::update_mailbox).
    Migration{R"sql(
ALTER TABLE mailboxes ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN retention_ms INTEGER NOT NULL DEFAULT 0;
)sql"},
};

// Rebuilds each existing message once: its wire size depends on line ends
// that may sit inside blobs, so the tree alone does not give it.
Status backfill_wire_sizes(Connection& db) {
  struct Key {
    int64_t mailbox_id;
    int64_t uid;
  };
  // Keys first: updating rows while a SELECT walks the same table is not
  // something SQLite defines the order of.
  Result<std::vector<Key>> keys = db.query_rows<Key>(
      "SELECT mailbox_id, uid FROM messages WHERE wire_size < 0", [](const Statement& row) {
        return Key{row.int64(0), row.int64(1)};
      });
  if (!keys) return keys.status();
  auto read_blob = [&db](const mime::BlobKey& key) -> Result<std::string> {
    Result<Statement> stmt = db.prepare("SELECT data FROM blobs WHERE key = ?");
    if (!stmt) return stmt.status();
    Result<bool> row = stmt->bind(Bytes{key}).step();
    if (!row) return row.status();
    if (!*row) return error(Code::corrupt, "missing blob " + mime::blob_key_hex(key));
    return unpack(stmt->text(0));
  };
  for (const Key& key : *keys) {
    std::string packed;
    {
      Result<Statement> stmt =
          db.prepare("SELECT tree FROM messages WHERE mailbox_id = ? AND uid = ?");
      if (!stmt) return stmt.status();
      Result<bool> row = stmt->bind(key.mailbox_id, key.uid).step();
      if (!row) return row.status();
      if (!*row) continue;
      packed = stmt->text(0);
    }
    Result<std::string> tree = unpack(packed);
    if (!tree) return tree.status();
    Result<std::string> bytes = mime::rebuild(*tree, read_blob);
    if (!bytes) return bytes.status();
    EIDER_RETURN_IF_ERROR(
        db.run("UPDATE messages SET wire_size = ? WHERE mailbox_id = ? AND uid = ?",
               mime::wire_size(*bytes), key.mailbox_id, key.uid));
  }
  return Status::ok();
}

// Reads each existing message's header (never a blob: the top-level header
// is always in the tree). Keys first, then one tree at a time, so memory
// stays small whatever the store holds.
Status backfill_summaries(Connection& db) {
  struct Key {
    int64_t mailbox_id;
    int64_t uid;
  };
  Result<std::vector<Key>> keys =
      db.query_rows<Key>("SELECT mailbox_id, uid FROM messages", [](const Statement& row) {
        return Key{row.int64(0), row.int64(1)};
      });
  if (!keys) return keys.status();
  for (const Key& key : *keys) {
    Result<Statement> stmt =
        db.prepare("SELECT tree FROM messages WHERE mailbox_id = ? AND uid = ?");
    if (!stmt) return stmt.status();
    Result<bool> found = stmt->bind(key.mailbox_id, key.uid).step();
    if (!found) return found.status();
    Result<std::string> tree = unpack(stmt->text(0));
    if (!tree) return tree.status();
    Result<std::string> header = mime::leading_bytes(*tree);
    if (!header) return header.status();
    EIDER_RETURN_IF_ERROR(db.run("UPDATE messages SET summary = ? WHERE mailbox_id = ? AND uid = ?",
                                 Bytes{mime::search_summary(*header)}, key.mailbox_id, key.uid));
  }
  return Status::ok();
}

// Seals every complete chunk of every mailbox, one mailbox at a time.
Status backfill_summary_chunks(Connection& db) {
  struct Box {
    int64_t id;
    int64_t user_id;
    uint32_t uidnext;
  };
  Result<std::vector<Box>> boxes =
      db.query_rows<Box>("SELECT id, user_id, uidnext FROM mailboxes", [](const Statement& row) {
        return Box{row.int64(0), row.int64(1), static_cast<uint32_t>(row.int64(2))};
      });
  if (!boxes) return boxes.status();
  for (const Box& box : *boxes) {
    EIDER_RETURN_IF_ERROR(seal_summary_chunks(db, box.user_id, box.id, 1, box.uidnext));
  }
  return Status::ok();
}

Status apply(Connection& connection, int version, const Migration& migration) {
  EIDER_RETURN_IF_ERROR(connection.exec("BEGIN IMMEDIATE"));
  // Another process may have migrated while this one waited for the lock.
  Result<int64_t> current = connection.query_int("PRAGMA user_version");
  Status status = current.status();
  if (status && *current >= version) return connection.exec("COMMIT");
  if (status) status = connection.exec(migration.sql);
  if (status && migration.after != nullptr) status = migration.after(connection);
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

Status expect_current(Connection& connection) {
  Result<int64_t> current = connection.query_int("PRAGMA user_version");
  if (!current) return current.status();
  if (*current != schema_version()) {
    return error(Code::unsupported, "database schema version " + std::to_string(*current) +
                                        " is not this eider's (" +
                                        std::to_string(schema_version()) +
                                        "); it cannot be migrated while opened read-only");
  }
  return Status::ok();
}

}  // namespace eider::store::sqlite
