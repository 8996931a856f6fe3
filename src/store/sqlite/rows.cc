#include "store/sqlite/rows.h"

#include <algorithm>
#include <chrono>
#include <ctime>

#include "store/accounts.h"
#include "store/packed_message.h"
#include "store/sqlite/summary_chunks.h"

namespace eider::store::sqlite {

namespace {}  // namespace

User user_from(const Statement& row) {
  User user;
  user.id = row.int64(0);
  user.name = row.text(1);
  user.password_hash = row.text(2);
  user.quota_bytes = static_cast<uint64_t>(row.int64(3));
  user.storage_used = static_cast<uint64_t>(row.int64(4));
  user.message_count = static_cast<uint64_t>(row.int64(5));
  user.quota_messages = static_cast<uint64_t>(row.int64(6));
  user.display_name = row.text(7);
  user.tags = decode_tags(row.text(8));
  user.retention = row.int64(9);
  user.disabled = row.int64(10) != 0;
  user.delete_after = row.int64(11);
  user.created = row.int64(12);
  user.main_address = row.text(13);
  return user;
}

namespace {

Mailbox mailbox_from(const Statement& row) {
  Mailbox mailbox;
  mailbox.id = row.int64(0);
  mailbox.user_id = row.int64(1);
  mailbox.path = row.text(2);
  mailbox.special_use = row.text(3);
  mailbox.uidvalidity = static_cast<uint32_t>(row.int64(4));
  mailbox.uidnext = static_cast<uint32_t>(row.int64(5));
  mailbox.highest_modseq = static_cast<uint64_t>(row.int64(6));
  mailbox.subscribed = row.int64(7) != 0;
  mailbox.message_count = static_cast<uint64_t>(row.int64(8));
  mailbox.recent_uid = static_cast<uint32_t>(row.int64(9));
  mailbox.journal_floor = static_cast<uint64_t>(row.int64(10));
  mailbox.hidden = row.int64(11) != 0;
  mailbox.retention_ms = static_cast<uint64_t>(row.int64(12));
  mailbox.created = row.int64(13);
  return mailbox;
}

template <typename T, typename From, typename... Args>
Result<T> load_one(Connection& db, const char* sql, From from, std::string what,
                   const Args&... args) {
  Result<Statement> stmt = db.prepare(sql);
  if (!stmt) return stmt.status();
  Result<bool> row = stmt->bind(args...).step();
  if (!row) return row.status();
  if (!*row) return error(Code::not_found, std::move(what));
  return from(*stmt);
}

struct Existing {
  uint32_t uid;
  uint64_t size;
};

Result<std::vector<Existing>> existing_messages(Connection& db, int64_t user_id, int64_t mailbox_id,
                                                const std::vector<uint32_t>& uids) {
  std::vector<Existing> out;
  for (uint32_t uid : sorted_unique(uids)) {
    Result<int64_t> size =
        db.query_int("SELECT size FROM messages WHERE user_id = ? AND mailbox_id = ? AND uid = ?",
                     user_id, mailbox_id, uid);
    if (size) {
      out.push_back({uid, static_cast<uint64_t>(*size)});
    } else if (size.status().code() != Code::not_found) {
      return size.status();
    }
  }
  return out;
}

// Subtracts one message's blob uses from the blobs' refcounts and deletes the
// blobs nobody uses any more.
Status release_blobs(Connection& db, int64_t user_id, int64_t mailbox_id, uint32_t uid) {
  EIDER_RETURN_IF_ERROR(
      db.run("UPDATE blobs SET refcount = refcount - (SELECT uses FROM message_blobs m"
             " WHERE m.user_id = ?1 AND m.mailbox_id = ?2 AND m.uid = ?3 AND m.key = blobs.key)"
             " WHERE key IN (SELECT key FROM message_blobs"
             " WHERE user_id = ?1 AND mailbox_id = ?2 AND uid = ?3)",
             user_id, mailbox_id, uid));
  EIDER_RETURN_IF_ERROR(
      db.run("DELETE FROM blobs WHERE refcount <= 0 AND key IN (SELECT key FROM message_blobs"
             " WHERE user_id = ?1 AND mailbox_id = ?2 AND uid = ?3)",
             user_id, mailbox_id, uid));
  return db.run("DELETE FROM message_blobs WHERE user_id = ? AND mailbox_id = ? AND uid = ?",
                user_id, mailbox_id, uid);
}

}  // namespace

Result<User> load_user(Connection& db, std::string_view normalized_name) {
  static const std::string sql = std::string(kUserColumns) + "WHERE name = ?";
  return load_one<User>(db, sql.c_str(), user_from,
                        "no user \"" + std::string(normalized_name) + "\"", normalized_name);
}

Result<User> load_user_by_id(Connection& db, int64_t user_id) {
  static const std::string sql = std::string(kUserColumns) + "WHERE id = ?";
  return load_one<User>(db, sql.c_str(), user_from, "no such user", user_id);
}

Result<Mailbox> load_mailbox(Connection& db, int64_t user_id, std::string_view normalized_path) {
  return load_one<Mailbox>(
      db,
      "SELECT id, user_id, path, special_use, uidvalidity, uidnext, highest_modseq, subscribed,"
      " message_count, recent_uid, journal_floor, hidden, retention_ms, created"
      " FROM mailboxes WHERE user_id = ? AND path = ?",
      mailbox_from, "no mailbox \"" + std::string(normalized_path) + "\"", user_id,
      normalized_path);
}

Result<Mailbox> load_mailbox_by_id(Connection& db, int64_t user_id, int64_t mailbox_id) {
  return load_one<Mailbox>(
      db,
      "SELECT id, user_id, path, special_use, uidvalidity, uidnext, highest_modseq, subscribed,"
      " message_count, recent_uid, journal_floor, hidden, retention_ms, created"
      " FROM mailboxes WHERE user_id = ? AND id = ?",
      mailbox_from, "no such mailbox", user_id, mailbox_id);
}

Result<Mailbox> insert_mailbox(Connection& db, int64_t user_id, std::string_view path,
                               std::string_view special_use) {
  // Time-based like other IMAP servers, but never below the user's previous
  // value, so a re-created mailbox always gets a new UIDVALIDITY.
  Result<int64_t> uidvalidity = db.query_int(
      "UPDATE users SET last_uidvalidity = max(last_uidvalidity + 1, ?) WHERE id = ?"
      " RETURNING last_uidvalidity",
      static_cast<int64_t>(std::time(nullptr)), user_id);
  if (!uidvalidity) return uidvalidity.status();
  if (*uidvalidity > UINT32_MAX) return error(Code::internal, "UIDVALIDITY space exhausted");
  Status inserted = db.run(
      "INSERT INTO mailboxes (user_id, path, special_use, uidvalidity, created)"
      " VALUES (?, ?, ?, ?, ?)",
      user_id, path, special_use, *uidvalidity, unix_now());
  if (inserted.code() == Code::already_exists) {
    return error(Code::already_exists, "mailbox \"" + std::string(path) + "\" already exists");
  }
  EIDER_RETURN_IF_ERROR(inserted);
  int64_t id = sqlite3_last_insert_rowid(db.handle());
  // The new mailbox is subscribed (the column's default): a subscription
  // its name had without a mailbox is now held by the mailbox row.
  EIDER_RETURN_IF_ERROR(
      db.run("DELETE FROM lost_subscriptions WHERE user_id = ? AND path = ?", user_id, path));
  Result<uint64_t> modseq = take_modseqs(db, user_id, id, 1);
  if (!modseq) return modseq.status();
  EIDER_RETURN_IF_ERROR(add_journal(db, user_id, id, *modseq, JournalKind::mailbox_created, 0, path));
  return load_mailbox_by_id(db, user_id, id);
}

Result<uint64_t> take_modseqs(Connection& db, int64_t user_id, int64_t mailbox_id, uint64_t count) {
  Result<int64_t> last = db.query_int(
      "UPDATE mailboxes SET highest_modseq = highest_modseq + ? WHERE user_id = ? AND id = ?"
      " RETURNING highest_modseq",
      count, user_id, mailbox_id);
  if (!last) return last.status();
  return static_cast<uint64_t>(*last) - count + 1;
}

Result<MailboxModseq> current_modseq(Connection& db, int64_t user_id, int64_t mailbox_id) {
  Result<int64_t> modseq = db.query_int(
      "SELECT highest_modseq FROM mailboxes WHERE user_id = ? AND id = ?", user_id, mailbox_id);
  if (!modseq) return modseq.status();
  return MailboxModseq{mailbox_id, static_cast<uint64_t>(*modseq)};
}

Status add_journal(Connection& db, int64_t user_id, int64_t mailbox_id, uint64_t modseq,
                   JournalKind kind, uint32_t uid, std::string_view data) {
  // The row's age is what trim_journal goes by: the store's clock, read
  // when the row is written, in the transaction that writes it.
  const int64_t at = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  return db.run(
      "INSERT INTO journal (user_id, mailbox_id, modseq, kind, uid, data, at)"
      " VALUES (?, ?, ?, ?, ?, ?, ?)",
      user_id, mailbox_id, modseq, static_cast<int>(kind), uid, data, at);
}

Status check_quota(Connection& db, int64_t user_id, uint64_t bytes, uint64_t messages) {
  Result<User> user = load_user_by_id(db, user_id);
  if (!user) return user.status();
  if (user->quota_bytes != 0 && user->storage_used + bytes > user->quota_bytes) {
    return error(Code::over_quota, "quota of " + std::to_string(user->quota_bytes) +
                                       " bytes exceeded for user \"" + user->name + "\"");
  }
  if (user->quota_messages != 0 && user->message_count + messages > user->quota_messages) {
    return error(Code::over_quota, "quota of " + std::to_string(user->quota_messages) +
                                       " messages exceeded for user \"" + user->name + "\"");
  }
  return Status::ok();
}

Status change_usage(Connection& db, int64_t user_id, int64_t bytes, int64_t messages) {
  return db.run(
      "UPDATE users SET storage_used = storage_used + ?, message_count = message_count + ?"
      " WHERE id = ?",
      bytes, messages, user_id);
}

Result<std::vector<UidPair>> copy_rows(Connection& db, int64_t user_id, int64_t from,
                                       const std::vector<uint32_t>& uids, int64_t to, bool check) {
  Result<Mailbox> target = load_mailbox_by_id(db, user_id, to);
  if (!target) return target.status();
  Result<std::vector<Existing>> found = existing_messages(db, user_id, from, uids);
  if (!found) return found.status();
  std::vector<UidPair> pairs;
  if (found->empty()) return pairs;
  uint64_t bytes = 0;
  for (const Existing& m : *found) bytes += m.size;
  const uint64_t count = found->size();
  if (check) EIDER_RETURN_IF_ERROR(check_quota(db, user_id, bytes, count));
  if (uint64_t{target->uidnext} + count > UINT32_MAX) {
    return error(Code::unavailable, "mailbox \"" + target->path + "\" has run out of UIDs");
  }
  EIDER_RETURN_IF_ERROR(
      db.run("UPDATE mailboxes SET uidnext = uidnext + ?1, message_count = message_count + ?1"
             " WHERE user_id = ?2 AND id = ?3",
             count, user_id, to));
  Result<uint64_t> modseq = take_modseqs(db, user_id, to, count);
  if (!modseq) return modseq.status();
  uint32_t uid = target->uidnext;
  for (const Existing& m : *found) {
    EIDER_RETURN_IF_ERROR(
        db.run("INSERT INTO messages (user_id, mailbox_id, uid, modseq, flags, internal_date, size,"
               " thread_id, wire_size)"
               " SELECT user_id, ?4, ?5, ?6, flags, internal_date, size, thread_id, wire_size"
               " FROM messages WHERE user_id = ?1 AND mailbox_id = ?2 AND uid = ?3",
               user_id, from, m.uid, to, uid, *modseq));
    EIDER_RETURN_IF_ERROR(db.run(
        "INSERT INTO message_contents (user_id, mailbox_id, uid, tree, envelope, bodystructure,"
        " body, summary, message_id, subject)"
        " SELECT user_id, ?4, ?5, tree, envelope, bodystructure, body, summary, message_id,"
        " subject FROM message_contents WHERE user_id = ?1 AND mailbox_id = ?2 AND uid = ?3",
        user_id, from, m.uid, to, uid));
    EIDER_RETURN_IF_ERROR(
        db.run("INSERT INTO message_blobs (user_id, mailbox_id, uid, key, uses)"
               " SELECT user_id, ?4, ?5, key, uses FROM message_blobs"
               " WHERE user_id = ?1 AND mailbox_id = ?2 AND uid = ?3",
               user_id, from, m.uid, to, uid));
    EIDER_RETURN_IF_ERROR(
        db.run("UPDATE blobs SET refcount = refcount + (SELECT uses FROM message_blobs m"
               " WHERE m.user_id = ?1 AND m.mailbox_id = ?2 AND m.uid = ?3 AND m.key = blobs.key)"
               " WHERE key IN (SELECT key FROM message_blobs"
               " WHERE user_id = ?1 AND mailbox_id = ?2 AND uid = ?3)",
               user_id, to, uid));
    EIDER_RETURN_IF_ERROR(add_journal(db, user_id, to, *modseq, JournalKind::added, uid, ""));
    pairs.push_back({m.uid, uid});
    ++uid;
    ++*modseq;
  }
  EIDER_RETURN_IF_ERROR(seal_summary_chunks(db, user_id, to, target->uidnext, uid));
  EIDER_RETURN_IF_ERROR(
      change_usage(db, user_id, static_cast<int64_t>(bytes), static_cast<int64_t>(count)));
  return pairs;
}

Result<std::vector<uint32_t>> expunge_rows(Connection& db, int64_t user_id, int64_t mailbox_id,
                                           const std::vector<uint32_t>& uids) {
  Result<std::vector<Existing>> found = existing_messages(db, user_id, mailbox_id, uids);
  if (!found) return found.status();
  std::vector<uint32_t> removed;
  if (found->empty()) return removed;
  const uint64_t count = found->size();
  Result<uint64_t> modseq = take_modseqs(db, user_id, mailbox_id, count);
  if (!modseq) return modseq.status();
  uint64_t bytes = 0;
  for (const Existing& m : *found) {
    EIDER_RETURN_IF_ERROR(release_blobs(db, user_id, mailbox_id, m.uid));
    EIDER_RETURN_IF_ERROR(
        db.run("DELETE FROM messages WHERE user_id = ? AND mailbox_id = ? AND uid = ?", user_id,
               mailbox_id, m.uid));
    EIDER_RETURN_IF_ERROR(
        db.run("DELETE FROM message_contents WHERE user_id = ? AND mailbox_id = ? AND uid = ?",
               user_id, mailbox_id, m.uid));
    EIDER_RETURN_IF_ERROR(
        add_journal(db, user_id, mailbox_id, *modseq, JournalKind::expunged, m.uid, ""));
    ++*modseq;
    bytes += m.size;
    removed.push_back(m.uid);
  }
  EIDER_RETURN_IF_ERROR(drop_from_summary_chunks(db, mailbox_id, removed));
  EIDER_RETURN_IF_ERROR(
      db.run("UPDATE mailboxes SET message_count = message_count - ? WHERE user_id = ? AND id = ?",
             count, user_id, mailbox_id));
  EIDER_RETURN_IF_ERROR(
      change_usage(db, user_id, -static_cast<int64_t>(bytes), -static_cast<int64_t>(count)));
  return removed;
}

Status delete_mailbox_rows(Connection& db, int64_t user_id, int64_t mailbox_id) {
  EIDER_RETURN_IF_ERROR(
      db.run("UPDATE blobs SET refcount = refcount - (SELECT sum(uses) FROM message_blobs m"
             " WHERE m.user_id = ?1 AND m.mailbox_id = ?2 AND m.key = blobs.key)"
             " WHERE key IN (SELECT key FROM message_blobs WHERE user_id = ?1 AND mailbox_id = ?2)",
             user_id, mailbox_id));
  EIDER_RETURN_IF_ERROR(
      db.run("DELETE FROM blobs WHERE refcount <= 0 AND key IN (SELECT key FROM message_blobs"
             " WHERE user_id = ?1 AND mailbox_id = ?2)",
             user_id, mailbox_id));
  EIDER_RETURN_IF_ERROR(db.run("DELETE FROM message_blobs WHERE user_id = ? AND mailbox_id = ?",
                               user_id, mailbox_id));
  EIDER_RETURN_IF_ERROR(
      db.run("UPDATE users SET storage_used = storage_used - (SELECT coalesce(sum(size), 0)"
             " FROM messages WHERE user_id = ?1 AND mailbox_id = ?2),"
             " message_count = message_count - (SELECT count(*) FROM messages"
             " WHERE user_id = ?1 AND mailbox_id = ?2) WHERE id = ?1",
             user_id, mailbox_id));
  EIDER_RETURN_IF_ERROR(
      db.run("DELETE FROM messages WHERE user_id = ? AND mailbox_id = ?", user_id, mailbox_id));
  EIDER_RETURN_IF_ERROR(db.run("DELETE FROM message_contents WHERE user_id = ? AND mailbox_id = ?",
                               user_id, mailbox_id));
  EIDER_RETURN_IF_ERROR(db.run("DELETE FROM mailbox_snapshots WHERE user_id = ? AND mailbox_id = ?",
                               user_id, mailbox_id));
  EIDER_RETURN_IF_ERROR(db.run("DELETE FROM summary_chunks WHERE user_id = ? AND mailbox_id = ?",
                               user_id, mailbox_id));
  EIDER_RETURN_IF_ERROR(
      db.run("DELETE FROM journal WHERE user_id = ? AND mailbox_id = ?", user_id, mailbox_id));
  return db.run("DELETE FROM mailboxes WHERE user_id = ? AND id = ?", user_id, mailbox_id);
}

}  // namespace eider::store::sqlite
