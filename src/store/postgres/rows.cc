#include "store/postgres/rows.h"

#include <algorithm>
#include <ctime>

#include "store/accounts.h"
#include "store/packed_message.h"
#include "store/postgres/blob_store.h"
#include "store/postgres/summary_chunks.h"

namespace eider::store::postgres {

namespace {

constexpr const char* kMailboxColumns =
    "SELECT id, user_id, path, special_use, uidvalidity, uidnext, highest_modseq, subscribed,"
    " message_count, recent_uid, journal_floor, hidden, retention_ms, created FROM mailboxes ";

}  // namespace

User user_from(const Rows& rows, int i) {
  User user;
  user.id = rows.int64(i, 0);
  user.name = rows.bytes(i, 1);
  user.password_hash = rows.bytes(i, 2);
  user.quota_bytes = static_cast<uint64_t>(rows.int64(i, 3));
  user.storage_used = static_cast<uint64_t>(rows.int64(i, 4));
  user.message_count = static_cast<uint64_t>(rows.int64(i, 5));
  user.quota_messages = static_cast<uint64_t>(rows.int64(i, 6));
  user.display_name = rows.bytes(i, 7);
  user.tags = decode_tags(rows.bytes(i, 8));
  user.retention = rows.int64(i, 9);
  user.disabled = rows.int64(i, 10) != 0;
  user.delete_after = rows.int64(i, 11);
  user.created = rows.int64(i, 12);
  user.main_address = rows.bytes(i, 13);
  return user;
}

namespace {

Mailbox mailbox_from(const Rows& rows, int i) {
  Mailbox mailbox;
  mailbox.id = rows.int64(i, 0);
  mailbox.user_id = rows.int64(i, 1);
  mailbox.path = rows.bytes(i, 2);
  mailbox.special_use = rows.bytes(i, 3);
  mailbox.uidvalidity = static_cast<uint32_t>(rows.int64(i, 4));
  mailbox.uidnext = static_cast<uint32_t>(rows.int64(i, 5));
  mailbox.highest_modseq = static_cast<uint64_t>(rows.int64(i, 6));
  mailbox.subscribed = rows.int64(i, 7) != 0;
  mailbox.message_count = static_cast<uint64_t>(rows.int64(i, 8));
  mailbox.recent_uid = static_cast<uint32_t>(rows.int64(i, 9));
  mailbox.journal_floor = static_cast<uint64_t>(rows.int64(i, 10));
  mailbox.hidden = rows.int64(i, 11) != 0;
  mailbox.retention_ms = static_cast<uint64_t>(rows.int64(i, 12));
  mailbox.created = rows.int64(i, 13);
  return mailbox;
}

template <typename T, typename From>
Result<T> load_one(Connection& db, const std::string& sql, const Params& params, From from,
                   std::string what) {
  Result<Rows> rows = db.query(sql, params);
  if (!rows) return rows.status();
  if (rows->empty()) return error(Code::not_found, std::move(what));
  return from(*rows, 0);
}

struct Existing {
  uint32_t uid;
  uint64_t size;
};

Result<std::vector<Existing>> existing_messages(Connection& db, int64_t user_id, int64_t mailbox_id,
                                                const std::vector<uint32_t>& uids) {
  std::vector<Existing> out;
  std::vector<uint32_t> sorted = sorted_unique(uids);
  if (sorted.empty()) return out;
  Result<Rows> rows = db.query(
      "SELECT uid, size FROM messages WHERE user_id = $1 AND mailbox_id = $2"
      " AND uid = ANY ($3) ORDER BY uid",
      Params(user_id, mailbox_id, sorted));
  if (!rows) return rows.status();
  for (int i = 0; i < rows->size(); ++i) {
    out.push_back(
        {static_cast<uint32_t>(rows->int64(i, 0)), static_cast<uint64_t>(rows->int64(i, 1))});
  }
  return out;
}

// The advisory lock of a blob key: its first 8 bytes (a hash already).
int64_t blob_lock(const std::string& key) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < key.size(); ++i)
    v = (v << 8) | static_cast<unsigned char>(key[i]);
  return static_cast<int64_t>(v);
}

// Subtracts uses[i] from the user's count of keys[i] (distinct keys); a
// count at zero goes and its key is recorded for the sweep. Two statements
// however many keys.
Status release_uses(Connection& db, int64_t user_id, const std::vector<std::string>& keys,
                    const std::vector<int64_t>& uses, std::vector<std::string>& released) {
  if (keys.empty()) return Status::ok();
  EIDER_RETURN_IF_ERROR(
      db.run("UPDATE user_blobs u SET uses = u.uses - r.uses"
             " FROM unnest($2::bytea[], $3::bigint[]) AS r(key, uses)"
             " WHERE u.user_id = $1 AND u.key = r.key",
             Params(user_id, keys, uses)));
  Result<Rows> gone = db.query(
      "WITH d AS (DELETE FROM user_blobs WHERE user_id = $1 AND key = ANY ($2) AND uses <= 0"
      " RETURNING key),"
      " r AS (INSERT INTO blob_releases (user_id, key) SELECT $1, key FROM d"
      " ON CONFLICT DO NOTHING)"
      " SELECT key FROM d",
      Params(user_id, keys));
  if (!gone) return gone.status();
  for (int i = 0; i < gone->size(); ++i) released.push_back(gone->bytes(i, 0));
  return Status::ok();
}

// Releases the blob uses of the given messages' message_blobs rows (all of
// the mailbox when `uids` is empty and `whole_mailbox`), and deletes them.
Status release_blobs(Connection& db, int64_t user_id, int64_t mailbox_id,
                     const std::vector<uint32_t>& uids, bool whole_mailbox,
                     std::vector<std::string>& released) {
  Result<Rows> uses = whole_mailbox
                          ? db.query(
                                "DELETE FROM message_blobs WHERE user_id = $1 AND mailbox_id = $2"
                                " RETURNING key, uses",
                                Params(user_id, mailbox_id))
                          : db.query(
                                "DELETE FROM message_blobs WHERE user_id = $1 AND mailbox_id = $2"
                                " AND uid = ANY ($3) RETURNING key, uses",
                                Params(user_id, mailbox_id, uids));
  if (!uses) return uses.status();
  // Summed per key first: an UPDATE ... FROM changes each row once.
  std::vector<std::pair<std::string, int64_t>> per_key;
  for (int i = 0; i < uses->size(); ++i) per_key.emplace_back(uses->bytes(i, 0), uses->int64(i, 1));
  std::sort(per_key.begin(), per_key.end());
  std::vector<std::string> keys;
  std::vector<int64_t> totals;
  for (const auto& [key, count] : per_key) {
    if (keys.empty() || keys.back() != key) {
      keys.push_back(key);
      totals.push_back(0);
    }
    totals.back() += count;
  }
  return release_uses(db, user_id, keys, totals, released);
}

}  // namespace

Result<User> load_user(Connection& db, std::string_view normalized_name) {
  static const std::string sql = std::string(kUserColumns) + "WHERE name = $1";
  return load_one<User>(db, sql, Params(normalized_name), user_from,
                        "no user \"" + std::string(normalized_name) + "\"");
}

Result<User> load_user_by_id(Connection& db, int64_t user_id) {
  static const std::string sql = std::string(kUserColumns) + "WHERE id = $1";
  return load_one<User>(db, sql, Params(user_id), user_from, "no such user");
}

Result<User> lock_user(Connection& db, int64_t user_id) {
  static const std::string sql = std::string(kUserColumns) + "WHERE id = $1 FOR UPDATE";
  return load_one<User>(db, sql, Params(user_id), user_from, "no such user");
}

Result<std::vector<User>> all_users(Connection& db) {
  static const std::string sql = std::string(kUserColumns) + "ORDER BY name";
  Result<Rows> rows = db.query(sql);
  if (!rows) return rows.status();
  std::vector<User> users;
  users.reserve(rows->size());
  for (int i = 0; i < rows->size(); ++i) users.push_back(user_from(*rows, i));
  return users;
}

Result<Mailbox> load_mailbox(Connection& db, int64_t user_id, std::string_view normalized_path) {
  static const std::string sql = std::string(kMailboxColumns) + "WHERE user_id = $1 AND path = $2";
  return load_one<Mailbox>(db, sql, Params(user_id, normalized_path), mailbox_from,
                           "no mailbox \"" + std::string(normalized_path) + "\"");
}

Result<Mailbox> load_mailbox_by_id(Connection& db, int64_t user_id, int64_t mailbox_id, bool lock) {
  static const std::string sql = std::string(kMailboxColumns) + "WHERE user_id = $1 AND id = $2";
  static const std::string locked = sql + " FOR UPDATE";
  return load_one<Mailbox>(db, lock ? locked : sql, Params(user_id, mailbox_id), mailbox_from,
                           "no such mailbox");
}

Result<std::vector<Mailbox>> all_mailboxes(Connection& db, int64_t user_id) {
  static const std::string sql = std::string(kMailboxColumns) + "WHERE user_id = $1 ORDER BY path";
  Result<Rows> rows = db.query(sql, Params(user_id));
  if (!rows) return rows.status();
  std::vector<Mailbox> mailboxes;
  for (int i = 0; i < rows->size(); ++i) mailboxes.push_back(mailbox_from(*rows, i));
  return mailboxes;
}

Result<Mailbox> insert_mailbox(Connection& db, int64_t user_id, std::string_view path,
                               std::string_view special_use) {
  // Time-based like other IMAP servers, but never below the user's previous
  // value, so a re-created mailbox always gets a new UIDVALIDITY.
  Result<Rows> uidvalidity = db.query(
      "UPDATE users SET last_uidvalidity = greatest(last_uidvalidity + 1, $2) WHERE id = $1"
      " RETURNING last_uidvalidity",
      Params(user_id, static_cast<int64_t>(std::time(nullptr))));
  if (!uidvalidity) return uidvalidity.status();
  if (uidvalidity->empty()) return error(Code::not_found, "no such user");
  if (uidvalidity->int64(0, 0) > UINT32_MAX) {
    return error(Code::internal, "UIDVALIDITY space exhausted");
  }
  Result<Rows> inserted = db.query(
      "INSERT INTO mailboxes (user_id, path, special_use, uidvalidity, created)"
      " VALUES ($1, $2, $3, $4, $5) RETURNING id",
      Params(user_id, path, special_use, uidvalidity->int64(0, 0), unix_now()));
  if (!inserted && inserted.status().code() == Code::already_exists) {
    return error(Code::already_exists, "mailbox \"" + std::string(path) + "\" already exists");
  }
  if (!inserted) return inserted.status();
  const int64_t id = inserted->int64(0, 0);
  // The new mailbox is subscribed (the column's default): a subscription
  // its name had without a mailbox is now held by the mailbox row.
  EIDER_RETURN_IF_ERROR(db.run("DELETE FROM lost_subscriptions WHERE user_id = $1 AND path = $2",
                               Params(user_id, path)));
  Result<uint64_t> modseq = take_modseqs(db, user_id, id, 1);
  if (!modseq) return modseq.status();
  EIDER_RETURN_IF_ERROR(add_journal(db, user_id, id, *modseq, JournalKind::mailbox_created, 0, path));
  return load_mailbox_by_id(db, user_id, id);
}

Result<uint64_t> take_modseqs(Connection& db, int64_t user_id, int64_t mailbox_id, uint64_t count) {
  Result<Rows> last = db.query(
      "UPDATE mailboxes SET highest_modseq = highest_modseq + $3 WHERE user_id = $1 AND id = $2"
      " RETURNING highest_modseq",
      Params(user_id, mailbox_id, count));
  if (!last) return last.status();
  if (last->empty()) return error(Code::not_found, "no such mailbox");
  return static_cast<uint64_t>(last->int64(0, 0)) - count + 1;
}

Result<MailboxModseq> current_modseq(Connection& db, int64_t user_id, int64_t mailbox_id) {
  Result<Mailbox> mailbox = load_mailbox_by_id(db, user_id, mailbox_id);
  if (!mailbox) return mailbox.status();
  return MailboxModseq{mailbox->id, mailbox->highest_modseq};
}

Status add_journal(Connection& db, int64_t user_id, int64_t mailbox_id, uint64_t modseq,
                   JournalKind kind, uint32_t uid, std::string_view data) {
  // The server's clock: one clock for every node.
  return db.run(
      "INSERT INTO journal (user_id, mailbox_id, modseq, kind, uid, data, at)"
      " VALUES ($1, $2, $3, $4, $5, $6, " EIDER_PG_NOW_SECONDS ")",
      Params(user_id, mailbox_id, modseq, static_cast<int>(kind), uid, data));
}

Status add_journal_rows(Connection& db, int64_t user_id, int64_t mailbox_id, uint64_t first_modseq,
                        JournalKind kind, const std::vector<uint32_t>& uids,
                        const std::vector<std::string>& data) {
  if (uids.empty()) return Status::ok();
  if (data.empty()) {
    return db.run(
        "INSERT INTO journal (user_id, mailbox_id, modseq, kind, uid, data, at)"
        " SELECT $1, $2, $3 + c.n - 1, $4, c.uid, ''::bytea, " EIDER_PG_NOW_SECONDS
        " FROM unnest($5::bigint[]) WITH ORDINALITY AS c(uid, n)",
        Params(user_id, mailbox_id, first_modseq, static_cast<int>(kind), uids));
  }
  return db.run(
      "INSERT INTO journal (user_id, mailbox_id, modseq, kind, uid, data, at)"
      " SELECT $1, $2, $3 + c.n - 1, $4, c.uid, c.data, " EIDER_PG_NOW_SECONDS
      " FROM unnest($5::bigint[], $6::bytea[]) WITH ORDINALITY AS c(uid, data, n)",
      Params(user_id, mailbox_id, first_modseq, static_cast<int>(kind), uids, data));
}

Status check_quota(const User& user, uint64_t bytes, uint64_t messages) {
  if (user.quota_bytes != 0 && user.storage_used + bytes > user.quota_bytes) {
    return error(Code::over_quota, "quota of " + std::to_string(user.quota_bytes) +
                                       " bytes exceeded for user \"" + user.name + "\"");
  }
  if (user.quota_messages != 0 && user.message_count + messages > user.quota_messages) {
    return error(Code::over_quota, "quota of " + std::to_string(user.quota_messages) +
                                       " messages exceeded for user \"" + user.name + "\"");
  }
  return Status::ok();
}

Status change_usage(Connection& db, int64_t user_id, int64_t bytes, int64_t messages) {
  return db.run(
      "UPDATE users SET storage_used = storage_used + $2, message_count = message_count + $3"
      " WHERE id = $1",
      Params(user_id, bytes, messages));
}

Result<std::vector<UidPair>> copy_rows(Connection& db, const User& user, int64_t from,
                                       const std::vector<uint32_t>& uids, int64_t to, bool check) {
  const int64_t user_id = user.id;
  Result<Mailbox> target = load_mailbox_by_id(db, user_id, to, true);
  if (!target) return target.status();
  Result<std::vector<Existing>> found = existing_messages(db, user_id, from, uids);
  if (!found) return found.status();
  std::vector<UidPair> pairs;
  if (found->empty()) return pairs;
  uint64_t bytes = 0;
  for (const Existing& m : *found) bytes += m.size;
  const uint64_t count = found->size();
  if (check) EIDER_RETURN_IF_ERROR(check_quota(user, bytes, count));
  if (uint64_t{target->uidnext} + count > UINT32_MAX) {
    return error(Code::unavailable, "mailbox \"" + target->path + "\" has run out of UIDs");
  }
  EIDER_RETURN_IF_ERROR(
      db.run("UPDATE mailboxes SET uidnext = uidnext + $3, message_count = message_count + $3"
             " WHERE user_id = $1 AND id = $2",
             Params(user_id, to, count)));
  Result<uint64_t> modseq = take_modseqs(db, user_id, to, count);
  if (!modseq) return modseq.status();
  // Set-wise, one statement per table: the n-th message found (ascending)
  // becomes UID uidnext + n - 1 with MODSEQ first + n - 1. $3 the source
  // UIDs, $5 the first new UID, $6 the first new MODSEQ.
  std::vector<uint32_t> from_uids;
  for (const Existing& m : *found) from_uids.push_back(m.uid);
  const uint32_t first_uid = target->uidnext;
  EIDER_RETURN_IF_ERROR(
      db.run("INSERT INTO messages (user_id, mailbox_id, uid, modseq, flags, internal_date,"
             " size, thread_id, wire_size)"
             " SELECT m.user_id, $4, $5 + c.n - 1, $6 + c.n - 1, m.flags, m.internal_date, m.size,"
             " m.thread_id, m.wire_size FROM unnest($3::bigint[]) WITH ORDINALITY AS c(uid, n)"
             " JOIN messages m ON m.user_id = $1 AND m.mailbox_id = $2 AND m.uid = c.uid",
             Params(user_id, from, from_uids, to, first_uid, *modseq)));
  EIDER_RETURN_IF_ERROR(db.run(
      "INSERT INTO message_contents (user_id, mailbox_id, uid, tree, envelope, bodystructure,"
      " body, summary, message_id, subject)"
      " SELECT m.user_id, $4, $5 + c.n - 1, m.tree, m.envelope, m.bodystructure, m.body,"
      " m.summary, m.message_id, m.subject"
      " FROM unnest($3::bigint[]) WITH ORDINALITY AS c(uid, n) JOIN message_contents m"
      " ON m.user_id = $1 AND m.mailbox_id = $2 AND m.uid = c.uid",
      Params(user_id, from, from_uids, to, first_uid)));
  EIDER_RETURN_IF_ERROR(
      db.run("INSERT INTO message_blobs (user_id, mailbox_id, uid, key, uses)"
             " SELECT m.user_id, $4, $5 + c.n - 1, m.key, m.uses"
             " FROM unnest($3::bigint[]) WITH ORDINALITY AS c(uid, n) JOIN message_blobs m"
             " ON m.user_id = $1 AND m.mailbox_id = $2 AND m.uid = c.uid",
             Params(user_id, from, from_uids, to, first_uid)));
  // The user already uses these blobs (the source messages do), so the
  // sweep cannot take them: no advisory lock needed. Summed per key first:
  // an UPDATE ... FROM changes each row once, whatever it joins.
  EIDER_RETURN_IF_ERROR(
      db.run("UPDATE user_blobs u SET uses = u.uses + s.uses FROM"
             " (SELECT key, sum(uses)::bigint AS uses FROM message_blobs"
             " WHERE user_id = $1 AND mailbox_id = $2 AND uid BETWEEN $3 AND $4 GROUP BY key) s"
             " WHERE u.user_id = $1 AND u.key = s.key",
             Params(user_id, to, first_uid, uint64_t{first_uid} + count - 1)));
  EIDER_RETURN_IF_ERROR(
      seal_summary_chunks(db, user_id, to, first_uid, static_cast<uint32_t>(first_uid + count)));
  std::vector<uint32_t> new_uids;
  for (uint64_t n = 0; n < count; ++n) {
    new_uids.push_back(static_cast<uint32_t>(first_uid + n));
    pairs.push_back({from_uids[n], new_uids.back()});
  }
  EIDER_RETURN_IF_ERROR(add_journal_rows(db, user_id, to, *modseq, JournalKind::added, new_uids));
  EIDER_RETURN_IF_ERROR(
      change_usage(db, user_id, static_cast<int64_t>(bytes), static_cast<int64_t>(count)));
  return pairs;
}

Result<std::vector<uint32_t>> expunge_rows(Connection& db, int64_t user_id, int64_t mailbox_id,
                                           const std::vector<uint32_t>& uids,
                                           std::vector<std::string>& released) {
  Result<std::vector<Existing>> found = existing_messages(db, user_id, mailbox_id, uids);
  if (!found) return found.status();
  std::vector<uint32_t> removed;
  if (found->empty()) return removed;
  const uint64_t count = found->size();
  Result<uint64_t> modseq = take_modseqs(db, user_id, mailbox_id, count);
  if (!modseq) return modseq.status();
  uint64_t bytes = 0;
  for (const Existing& m : *found) {
    bytes += m.size;
    removed.push_back(m.uid);
  }
  EIDER_RETURN_IF_ERROR(
      add_journal_rows(db, user_id, mailbox_id, *modseq, JournalKind::expunged, removed));
  EIDER_RETURN_IF_ERROR(release_blobs(db, user_id, mailbox_id, removed, false, released));
  EIDER_RETURN_IF_ERROR(drop_from_summary_chunks(db, user_id, mailbox_id, removed));
  const Params keys(user_id, mailbox_id, removed);
  EIDER_RETURN_IF_ERROR(
      db.run("DELETE FROM messages WHERE user_id = $1 AND mailbox_id = $2"
             " AND uid = ANY ($3)",
             keys));
  EIDER_RETURN_IF_ERROR(
      db.run("DELETE FROM message_contents WHERE user_id = $1 AND mailbox_id = $2"
             " AND uid = ANY ($3)",
             keys));
  EIDER_RETURN_IF_ERROR(
      db.run("UPDATE mailboxes SET message_count = message_count - $3 WHERE user_id = $1"
             " AND id = $2",
             Params(user_id, mailbox_id, count)));
  EIDER_RETURN_IF_ERROR(
      change_usage(db, user_id, -static_cast<int64_t>(bytes), -static_cast<int64_t>(count)));
  return removed;
}

Status delete_mailbox_rows(Connection& db, int64_t user_id, int64_t mailbox_id,
                           std::vector<std::string>& released) {
  EIDER_RETURN_IF_ERROR(release_blobs(db, user_id, mailbox_id, {}, true, released));
  const Params keys(user_id, mailbox_id);
  EIDER_RETURN_IF_ERROR(
      db.run("UPDATE users SET storage_used = storage_used - s.bytes,"
             " message_count = message_count - s.count"
             " FROM (SELECT coalesce(sum(size), 0)::bigint AS bytes, count(*) AS count"
             " FROM messages WHERE user_id = $1 AND mailbox_id = $2) s WHERE id = $1",
             keys));
  EIDER_RETURN_IF_ERROR(
      db.run("DELETE FROM messages WHERE user_id = $1 AND mailbox_id = $2", keys));
  EIDER_RETURN_IF_ERROR(
      db.run("DELETE FROM message_contents WHERE user_id = $1 AND mailbox_id = $2", keys));
  EIDER_RETURN_IF_ERROR(
      db.run("DELETE FROM mailbox_snapshots WHERE user_id = $1 AND mailbox_id = $2", keys));
  EIDER_RETURN_IF_ERROR(
      db.run("DELETE FROM summary_chunks WHERE user_id = $1 AND mailbox_id = $2", keys));
  EIDER_RETURN_IF_ERROR(db.run("DELETE FROM journal WHERE user_id = $1 AND mailbox_id = $2", keys));
  return db.run("DELETE FROM mailboxes WHERE user_id = $1 AND id = $2", keys);
}

Status add_blob_use(Connection& db, int64_t user_id, int64_t mailbox_id, uint32_t uid,
                    const BlobUse& use, const std::string& packed) {
  // Shared: deliveries of one attachment do not wait for each other, only
  // a sweep of that key does (and they for it).
  EIDER_RETURN_IF_ERROR(
      db.run("SELECT pg_advisory_xact_lock_shared($1)", Params(blob_lock(use.key))));
  PgBlobStore blobs(db);
  if (use.blob != nullptr) {
    Result<bool> stored = blobs.put(use.key, packed, use.blob->content.size());
    if (!stored) return stored.status();
  } else {
    Result<bool> there = blobs.contains(use.key);
    if (!there) return there.status();
    if (!*there) {
      return error(Code::invalid_argument, "message refers to blob " + mime::blob_key_hex(use.key) +
                                               " which is not stored");
    }
  }
  return db.run(
      "WITH m AS (INSERT INTO message_blobs (user_id, mailbox_id, uid, key, uses)"
      " VALUES ($1, $2, $3, $4, $5))"
      " INSERT INTO user_blobs (user_id, key, uses) VALUES ($1, $4, $5)"
      " ON CONFLICT (user_id, key) DO UPDATE SET uses = user_blobs.uses + excluded.uses",
      Params(user_id, mailbox_id, uid, std::string_view(use.key), use.uses));
}

Status sweep_blob(Connection& db, const std::string& key) {
  EIDER_RETURN_IF_ERROR(db.exec("BEGIN"));
  // Exclusive: waits for the deliveries of this key in flight to commit, so
  // the check below sees their uses.
  Status status = db.run("SELECT pg_advisory_xact_lock($1)", Params(blob_lock(key)));
  if (status) {
    Result<Rows> unused = db.query(
        "SELECT 1 FROM blobs WHERE key = $1 AND NOT EXISTS"
        " (SELECT 1 FROM user_blobs WHERE key = $1)",
        Params(key));
    status = unused.status();
    if (status && !unused->empty()) status = PgBlobStore(db).remove(key);
  }
  if (status) status = db.run("DELETE FROM blob_releases WHERE key = $1", Params(key));
  if (status) status = db.exec("COMMIT");
  if (!status && !db.broken()) (void)db.exec("ROLLBACK");
  return status;
}

Result<std::vector<std::string>> pending_releases(Connection& db, int64_t limit) {
  Result<Rows> rows = db.query("SELECT DISTINCT key FROM blob_releases LIMIT $1", Params(limit));
  if (!rows) return rows.status();
  std::vector<std::string> keys;
  for (int i = 0; i < rows->size(); ++i) keys.push_back(rows->bytes(i, 0));
  return keys;
}

}  // namespace eider::store::postgres
