// SqliteStore: messages, blobs and the journal.
#include <algorithm>
#include <string>

#include "store/blob_uses.h"
#include "store/codec.h"
#include "store/flags.h"
#include "store/packed_message.h"
#include "store/sqlite/access.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/summary_chunks.h"

namespace eider::store::sqlite {

namespace {

// Columns of `messages m` (schema migration 5: the narrow half of a message).
constexpr const char* kInfoColumns =
    "m.uid, m.modseq, m.flags, m.internal_date, m.size, m.thread_id, m.wire_size";
// The wide half, joined where the content is read.
constexpr const char* kJoinContents =
    " JOIN message_contents c ON c.mailbox_id = m.mailbox_id AND c.uid = m.uid";
// Columns of kInfoColumns, then tree, envelope, bodystructure, body.
constexpr int kInfoColumnCount = 7;

MessageInfo info_from(const Statement& row) {
  MessageInfo info;
  info.uid = static_cast<uint32_t>(row.int64(0));
  info.modseq = static_cast<uint64_t>(row.int64(1));
  info.flags = split_flags(row.text(2));
  info.internal_date = row.int64(3);
  info.size = static_cast<uint64_t>(row.int64(4));
  info.thread_id = row.int64(5);
  info.wire_size = static_cast<uint64_t>(row.int64(6));
  return info;
}

// A row of kInfoColumns + ", tree, envelope, bodystructure, body"; the tree
// stays packed.
StoredMessage stored_from(const Statement& row, bool with_tree) {
  StoredMessage message;
  message.info = info_from(row);
  if (with_tree) message.tree = row.text(kInfoColumnCount);
  message.envelope = row.text(kInfoColumnCount + 1);
  message.bodystructure = row.text(kInfoColumnCount + 2);
  message.body = row.text(kInfoColumnCount + 3);
  return message;
}

// Messages with the same Message-ID (copies, duplicate deliveries) share a
// thread; anything else starts its own.
Result<int64_t> thread_for(Connection& db, int64_t user_id, const std::string& message_id) {
  if (!message_id.empty()) {
    Result<int64_t> existing = db.query_int(
        "SELECT m.thread_id FROM message_contents c JOIN messages m"
        " ON m.mailbox_id = c.mailbox_id AND m.uid = c.uid"
        " WHERE c.user_id = ? AND c.message_id = ? LIMIT 1",
        user_id, message_id);
    if (existing || existing.status().code() != Code::not_found) return existing;
  }
  return db.query_int(
      "UPDATE users SET last_thread_id = last_thread_id + 1 WHERE id = ? RETURNING last_thread_id",
      user_id);
}

Status add_blob_use(Connection& db, const BlobUse& use, const std::string& packed) {
  if (use.blob == nullptr) {
    EIDER_RETURN_IF_ERROR(
        db.run("UPDATE blobs SET refcount = refcount + ? WHERE key = ?", use.uses, Bytes{use.key}));
    if (db.changes() == 0) {
      return error(Code::invalid_argument, "message refers to blob " + mime::blob_key_hex(use.key) +
                                               " which is not stored");
    }
    return Status::ok();
  }
  return db.run(
      "INSERT INTO blobs (key, refcount, size, data) VALUES (?, ?, ?, ?)"
      " ON CONFLICT (key) DO UPDATE SET refcount = refcount + excluded.refcount",
      Bytes{use.key}, use.uses, use.blob->content.size(), Bytes{packed});
}

Result<std::vector<MessageInfo>> changed_infos(Connection& db, int64_t user_id, int64_t mailbox_id,
                                               const std::vector<uint32_t>& uids) {
  static const std::string sql = std::string("SELECT ") + kInfoColumns +
                                 " FROM messages m WHERE m.user_id = ? AND m.mailbox_id = ?"
                                 " AND m.uid = ?";
  std::vector<MessageInfo> infos;
  for (uint32_t uid : uids) {
    Result<Statement> stmt = db.prepare(sql.c_str());
    if (!stmt) return stmt.status();
    Result<bool> row = stmt->bind(user_id, mailbox_id, uid).step();
    if (!row) return row.status();
    if (*row) infos.push_back(info_from(*stmt));
  }
  return infos;
}

}  // namespace

Status insert_message_rows(Connection& db, int64_t user_id, int64_t mailbox_id, uint32_t uid,
                           uint64_t modseq, const NewMessage& message,
                           const PackedMessage& packed) {
  Result<int64_t> thread = thread_for(db, user_id, message.message_id);
  if (!thread) return thread.status();
  EIDER_RETURN_IF_ERROR(
      db.run("INSERT INTO messages (user_id, mailbox_id, uid, modseq, flags, internal_date, size,"
             " thread_id, wire_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
             user_id, mailbox_id, uid, modseq, packed.flags, message.internal_date,
             message.split.size, *thread, message.wire_size));
  EIDER_RETURN_IF_ERROR(db.run(
      "INSERT INTO message_contents (user_id, mailbox_id, uid, tree, envelope, bodystructure,"
      " body, summary, message_id, subject) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      user_id, mailbox_id, uid, Bytes{packed.tree}, message.envelope, message.bodystructure,
      message.body, Bytes{message.search_summary}, message.message_id, message.subject));
  for (size_t i = 0; i < packed.uses.size(); ++i) {
    const BlobUse& use = packed.uses[i];
    EIDER_RETURN_IF_ERROR(db.run(
        "INSERT INTO message_blobs (user_id, mailbox_id, uid, key, uses) VALUES (?, ?, ?, ?, ?)",
        user_id, mailbox_id, uid, Bytes{use.key}, use.uses));
    EIDER_RETURN_IF_ERROR(add_blob_use(db, use, packed.blob_data[i]));
  }
  return Status::ok();
}

Result<Appended> SqliteStore::append_message(int64_t user_id, int64_t mailbox_id,
                                             const NewMessage& message) {
  Result<PackedMessage> packed = pack_message(message);
  if (!packed) return packed.status();
  return write<Appended>([&](Connection& db) -> Result<Appended> {
    Result<Mailbox> mailbox = load_mailbox_by_id(db, user_id, mailbox_id);
    if (!mailbox) return mailbox.status();
    EIDER_RETURN_IF_ERROR(check_quota(db, user_id, message.split.size, 1));
    if (mailbox->uidnext >= UINT32_MAX) {
      return error(Code::unavailable, "mailbox \"" + mailbox->path + "\" has run out of UIDs");
    }
    Result<int64_t> last_modseq = db.query_int(
        "UPDATE mailboxes SET uidnext = uidnext + 1, message_count = message_count + 1,"
        " highest_modseq = highest_modseq + 1 WHERE user_id = ? AND id = ?"
        " RETURNING highest_modseq",
        user_id, mailbox_id);
    if (!last_modseq) return last_modseq.status();
    const auto modseq = static_cast<uint64_t>(*last_modseq);
    const uint32_t uid = mailbox->uidnext;
    EIDER_RETURN_IF_ERROR(
        insert_message_rows(db, user_id, mailbox_id, uid, modseq, message, *packed));
    EIDER_RETURN_IF_ERROR(seal_summary_chunks(db, user_id, mailbox_id, uid, uid + 1));
    EIDER_RETURN_IF_ERROR(
        add_journal(db, user_id, mailbox_id, modseq, JournalKind::added, uid, ""));
    EIDER_RETURN_IF_ERROR(change_usage(db, user_id, static_cast<int64_t>(message.split.size), 1));
    return Appended{mailbox_id, mailbox->uidvalidity, uid, modseq};
  });
}

Result<std::vector<MessageInfo>> SqliteStore::list_messages(int64_t user_id, int64_t mailbox_id) {
  return list_messages_between(user_id, mailbox_id, 0, UINT32_MAX);
}

// The listing queries below read only the narrow `messages` rows (schema
// migration 5), clustered by (mailbox_id, uid).
Result<std::vector<MessageInfo>> SqliteStore::list_messages_between(int64_t user_id,
                                                                    int64_t mailbox_id,
                                                                    uint32_t first_uid,
                                                                    uint32_t last_uid) {
  return read<std::vector<MessageInfo>>([&](Connection& db) -> Result<std::vector<MessageInfo>> {
    Result<Mailbox> mailbox = load_mailbox_by_id(db, user_id, mailbox_id);
    if (!mailbox) return mailbox.status();
    static const std::string sql = std::string("SELECT ") + kInfoColumns +
                                   " FROM messages m WHERE m.mailbox_id = ?"
                                   " AND m.uid BETWEEN ? AND ? AND m.user_id = ? ORDER BY m.uid";
    std::vector<MessageInfo> infos;
    infos.reserve(std::min<uint64_t>(mailbox->message_count, uint64_t{last_uid} - first_uid + 1));
    EIDER_RETURN_IF_ERROR(
        db.append_rows(infos, sql.c_str(), info_from, mailbox_id, first_uid, last_uid, user_id));
    return infos;
  });
}

// Reads the messages_by_modseq index (schema migration 8), then the rows it names.
Result<std::vector<MessageInfo>> SqliteStore::list_changed_since(int64_t user_id,
                                                                 int64_t mailbox_id,
                                                                 uint64_t since) {
  return read<std::vector<MessageInfo>>([&](Connection& db) -> Result<std::vector<MessageInfo>> {
    Result<Mailbox> mailbox = load_mailbox_by_id(db, user_id, mailbox_id);
    if (!mailbox) return mailbox.status();
    static const std::string sql = std::string("SELECT ") + kInfoColumns +
                                   " FROM messages m WHERE m.mailbox_id = ? AND m.modseq > ?"
                                   " AND m.user_id = ? ORDER BY m.uid";
    return db.query_rows<MessageInfo>(sql.c_str(), info_from, mailbox_id, since, user_id);
  });
}

// instr() picks the candidate rows without copying the flags column (a
// concatenation allocated per row); the whole-flag test follows on the
// few rows it finds.
Result<std::vector<MessageInfo>> SqliteStore::list_flagged(int64_t user_id, int64_t mailbox_id,
                                                           std::string_view system_flag) {
  if (system_flag.empty() || system_flag.find(' ') != std::string_view::npos) {
    return error(Code::invalid_argument, "not a flag: \"" + std::string(system_flag) + "\"");
  }
  return read<std::vector<MessageInfo>>([&](Connection& db) -> Result<std::vector<MessageInfo>> {
    Result<Mailbox> mailbox = load_mailbox_by_id(db, user_id, mailbox_id);
    if (!mailbox) return mailbox.status();
    static const std::string sql = std::string("SELECT ") + kInfoColumns +
                                   " FROM messages m WHERE m.mailbox_id = ? AND m.user_id = ?"
                                   " AND instr(m.flags, ?) > 0 ORDER BY m.uid";
    Result<std::vector<MessageInfo>> found =
        db.query_rows<MessageInfo>(sql.c_str(), info_from, mailbox_id, user_id, system_flag);
    if (!found) return found;
    std::erase_if(*found, [&](const MessageInfo& info) {
      return std::find(info.flags.begin(), info.flags.end(), system_flag) == info.flags.end();
    });
    return found;
  });
}

Result<FlagListing> SqliteStore::list_flags(int64_t user_id, int64_t mailbox_id) {
  return read<FlagListing>([&](Connection& db) -> Result<FlagListing> {
    Result<Mailbox> mailbox = load_mailbox_by_id(db, user_id, mailbox_id);
    if (!mailbox) return mailbox.status();
    FlagListing listing{std::move(*mailbox), {}};
    listing.messages.reserve(listing.mailbox.message_count);
    Result<Statement> stmt = db.prepare(
        "SELECT uid, flags, modseq FROM messages WHERE mailbox_id = ? AND user_id = ?"
        " ORDER BY uid");
    if (!stmt) return stmt.status();
    stmt->bind(mailbox_id, user_id);
    for (;;) {
      Result<bool> row = stmt->step();
      if (!row) return row.status();
      if (!*row) break;
      listing.messages.push_back(UidFlags{static_cast<uint32_t>(stmt->int64(0)), stmt->text(1),
                                          static_cast<uint64_t>(stmt->int64(2))});
    }
    return listing;
  });
}

// Reads the summary chunks and, for UIDs no chunk covers yet, the
// message_contents_summary index (store/sqlite/summary_chunks.h).
Status SqliteStore::visit_summaries(int64_t user_id, int64_t mailbox_id, uint32_t first_uid,
                                    uint32_t last_uid, const SummaryVisitor& visit) {
  Result<SummaryRows> rows = read<SummaryRows>([&](Connection& db) -> Result<SummaryRows> {
    Result<Mailbox> mailbox = load_mailbox_by_id(db, user_id, mailbox_id);
    if (!mailbox) return mailbox.status();
    return read_summary_rows(db, mailbox_id, first_uid, last_uid);
  });
  if (!rows) return rows.status();
  // Decompressed here, after the reader connection went back to the pool.
  return visit_summary_rows(*rows, first_uid, last_uid, visit);
}

Result<StoredMessage> SqliteStore::read_message(int64_t user_id, int64_t mailbox_id, uint32_t uid) {
  Result<StoredMessage> stored = read<StoredMessage>([&](Connection& db) -> Result<StoredMessage> {
    static const std::string sql = std::string("SELECT ") + kInfoColumns +
                                   ", c.tree, c.envelope, c.bodystructure, c.body FROM messages m" +
                                   kJoinContents +
                                   " WHERE m.user_id = ? AND m.mailbox_id = ? AND m.uid = ?";
    Result<Statement> stmt = db.prepare(sql.c_str());
    if (!stmt) return stmt.status();
    Result<bool> row = stmt->bind(user_id, mailbox_id, uid).step();
    if (!row) return row.status();
    if (!*row) return error(Code::not_found, "no message with uid " + std::to_string(uid));
    return stored_from(*stmt, true);
  });
  if (!stored) return stored;
  // Decompressed here, after the reader connection went back to the pool.
  Result<std::string> tree = unpack(stored->tree);
  if (!tree) return tree.status();
  stored->tree = std::move(*tree);
  return stored;
}

Result<std::string> SqliteStore::read_blob(const mime::BlobKey& key) {
  Result<std::string> stored = read<std::string>([&](Connection& db) -> Result<std::string> {
    Result<Statement> stmt = db.prepare("SELECT data FROM blobs WHERE key = ?");
    if (!stmt) return stmt.status();
    Result<bool> row = stmt->bind(Bytes{key}).step();
    if (!row) return row.status();
    if (!*row) return error(Code::not_found, "no blob " + mime::blob_key_hex(key));
    return stmt->text(0);
  });
  if (!stored) return stored;
  return unpack(*stored);
}

Result<Copied> SqliteStore::copy_messages(int64_t user_id, int64_t from_mailbox,
                                          const std::vector<uint32_t>& uids, int64_t to_mailbox) {
  return write<Copied>([&](Connection& db) -> Result<Copied> {
    Result<Mailbox> source = load_mailbox_by_id(db, user_id, from_mailbox);
    if (!source) return source.status();
    Result<std::vector<UidPair>> pairs =
        copy_rows(db, user_id, from_mailbox, uids, to_mailbox, true);
    if (!pairs) return pairs.status();
    Copied copied{std::move(*pairs), {}};
    if (copied.uids.empty()) return copied;
    Result<MailboxModseq> target = current_modseq(db, user_id, to_mailbox);
    if (!target) return target.status();
    copied.changed.push_back(*target);
    return copied;
  });
}

Result<Copied> SqliteStore::move_messages(int64_t user_id, int64_t from_mailbox,
                                          const std::vector<uint32_t>& uids, int64_t to_mailbox) {
  // Into their own mailbox too (RFC 6851 does not forbid it): new UIDs, the
  // old ones expunged, as a client that re-files a message expects.
  return write<Copied>([&](Connection& db) -> Result<Copied> {
    Result<Mailbox> source = load_mailbox_by_id(db, user_id, from_mailbox);
    if (!source) return source.status();
    // The messages leave as they arrive, so the quota cannot be exceeded.
    Result<std::vector<UidPair>> pairs =
        copy_rows(db, user_id, from_mailbox, uids, to_mailbox, false);
    if (!pairs) return pairs.status();
    Copied moved{std::move(*pairs), {}};
    if (moved.uids.empty()) return moved;
    std::vector<uint32_t> gone;
    for (const UidPair& pair : moved.uids) gone.push_back(pair.from);
    Result<std::vector<uint32_t>> expunged = expunge_rows(db, user_id, from_mailbox, gone);
    if (!expunged) return expunged.status();
    // Read after both steps: a move within one mailbox is one entry, with
    // the modseq its expunges took last.
    Result<MailboxModseq> target = current_modseq(db, user_id, to_mailbox);
    if (!target) return target.status();
    moved.changed.push_back(*target);
    if (from_mailbox != to_mailbox) {
      Result<MailboxModseq> origin = current_modseq(db, user_id, from_mailbox);
      if (!origin) return origin.status();
      moved.changed.push_back(*origin);
    }
    return moved;
  });
}

Result<Expunged> SqliteStore::expunge_messages(int64_t user_id, int64_t mailbox_id,
                                               const std::vector<uint32_t>& uids) {
  return write<Expunged>([&](Connection& db) -> Result<Expunged> {
    Result<Mailbox> mailbox = load_mailbox_by_id(db, user_id, mailbox_id);
    if (!mailbox) return mailbox.status();
    Result<std::vector<uint32_t>> removed = expunge_rows(db, user_id, mailbox_id, uids);
    if (!removed) return removed.status();
    Expunged expunged{std::move(*removed), {}};
    if (expunged.uids.empty()) return expunged;
    Result<MailboxModseq> changed = current_modseq(db, user_id, mailbox_id);
    if (!changed) return changed.status();
    expunged.changed.push_back(*changed);
    return expunged;
  });
}

Result<std::vector<MessageInfo>> SqliteStore::store_flags(int64_t user_id, int64_t mailbox_id,
                                                          const std::vector<uint32_t>& uids,
                                                          FlagMode mode,
                                                          const std::vector<std::string>& flags) {
  Result<ConditionalFlags> done =
      change_flags(user_id, mailbox_id, uids, mode, flags, std::nullopt);
  if (!done) return done.status();
  return std::move(done->changed);
}

Result<ConditionalFlags> SqliteStore::store_flags_unchanged_since(
    int64_t user_id, int64_t mailbox_id, const std::vector<uint32_t>& uids, FlagMode mode,
    const std::vector<std::string>& flags, uint64_t unchanged_since) {
  return change_flags(user_id, mailbox_id, uids, mode, flags, unchanged_since);
}

Result<ConditionalFlags> SqliteStore::change_flags(int64_t user_id, int64_t mailbox_id,
                                                   const std::vector<uint32_t>& uids, FlagMode mode,
                                                   const std::vector<std::string>& flags,
                                                   std::optional<uint64_t> unchanged_since) {
  Result<std::vector<std::string>> change = normalize_flags(flags);
  if (!change) return change.status();
  std::vector<uint32_t> sorted = sorted_unique(uids);
  return write<ConditionalFlags>([&](Connection& db) -> Result<ConditionalFlags> {
    Result<Mailbox> mailbox = load_mailbox_by_id(db, user_id, mailbox_id);
    if (!mailbox) return mailbox.status();
    Result<std::vector<MessageInfo>> current = changed_infos(db, user_id, mailbox_id, sorted);
    if (!current) return current.status();
    ConditionalFlags result =
        plan_flag_changes(std::move(*current), mode, *change, unchanged_since);
    std::vector<MessageInfo>& changed = result.changed;
    if (changed.empty()) return result;
    Result<uint64_t> modseq = take_modseqs(db, user_id, mailbox_id, changed.size());
    if (!modseq) return modseq.status();
    for (MessageInfo& info : changed) {
      info.modseq = (*modseq)++;
      std::string joined = join_flags(info.flags);
      EIDER_RETURN_IF_ERROR(
          db.run("UPDATE messages SET flags = ?, modseq = ? WHERE user_id = ? AND mailbox_id = ?"
                 " AND uid = ?",
                 joined, info.modseq, user_id, mailbox_id, info.uid));
      EIDER_RETURN_IF_ERROR(
          add_journal(db, user_id, mailbox_id, info.modseq, JournalKind::flags, info.uid, joined));
    }
    return result;
  });
}

}  // namespace eider::store::sqlite

namespace eider::store::sqlite {

namespace {

// Wanted uids closer than this share one range scan: stepping over a few
// rows that are not wanted costs less than another query.
constexpr uint32_t kScanGap = 32;

// Appends the wanted messages of one mailbox, `sorted` ascending and
// without duplicates, to `out`, as ranges of nearby uids. Each row's uid is
// read before anything else, so an unwanted row's tree is never copied.
Status read_rows(Connection& db, int64_t user_id, int64_t mailbox_id,
                 const std::vector<uint32_t>& sorted, bool with_tree,
                 std::vector<StoredMessage>& out) {
  static const std::string with_tree_sql =
      std::string("SELECT ") + kInfoColumns +
      ", c.tree, c.envelope, c.bodystructure, c.body FROM messages m" + kJoinContents +
      " WHERE m.user_id = ? AND m.mailbox_id = ? AND m.uid BETWEEN ? AND ? ORDER BY m.uid";
  static const std::string without_tree_sql =
      std::string("SELECT ") + kInfoColumns +
      ", x'', c.envelope, c.bodystructure, c.body FROM messages m" + kJoinContents +
      " WHERE m.user_id = ? AND m.mailbox_id = ? AND m.uid BETWEEN ? AND ? ORDER BY m.uid";
  const char* sql = with_tree ? with_tree_sql.c_str() : without_tree_sql.c_str();
  size_t begin = 0;
  while (begin < sorted.size()) {
    size_t end = begin + 1;
    while (end < sorted.size() && sorted[end] - sorted[end - 1] <= kScanGap) ++end;
    Result<Statement> stmt = db.prepare(sql);
    if (!stmt) return stmt.status();
    stmt->bind(user_id, mailbox_id, sorted[begin], sorted[end - 1]);
    size_t next = begin;
    for (;;) {
      Result<bool> row = stmt->step();
      if (!row) return row.status();
      if (!*row) break;
      const auto uid = static_cast<uint32_t>(stmt->int64(0));
      while (next < end && sorted[next] < uid) ++next;
      if (next == end) break;
      if (sorted[next] == uid) out.push_back(stored_from(*stmt, with_tree));
    }
    begin = end;
  }
  return Status::ok();
}

struct RecentMark {
  uint32_t recent_uid = 0;
  uint32_t uidnext = 0;
};

Result<RecentMark> load_recent_mark(Connection& db, int64_t user_id, int64_t mailbox_id) {
  Result<Statement> stmt =
      db.prepare("SELECT recent_uid, uidnext FROM mailboxes WHERE user_id = ? AND id = ?");
  if (!stmt) return stmt.status();
  Result<bool> row = stmt->bind(user_id, mailbox_id).step();
  if (!row) return row.status();
  if (!*row) return error(Code::not_found, "no such mailbox");
  return RecentMark{static_cast<uint32_t>(stmt->int64(0)), static_cast<uint32_t>(stmt->int64(1))};
}

}  // namespace

Result<std::vector<StoredMessage>> SqliteStore::read_messages(int64_t user_id, int64_t mailbox_id,
                                                              const std::vector<uint32_t>& uids,
                                                              bool with_tree) {
  std::vector<uint32_t> sorted = sorted_unique(uids);
  Result<std::vector<StoredMessage>> stored =
      read<std::vector<StoredMessage>>([&](Connection& db) -> Result<std::vector<StoredMessage>> {
        Result<Mailbox> mailbox = load_mailbox_by_id(db, user_id, mailbox_id);
        if (!mailbox) return mailbox.status();
        std::vector<StoredMessage> out;
        out.reserve(sorted.size());
        EIDER_RETURN_IF_ERROR(read_rows(db, user_id, mailbox_id, sorted, with_tree, out));
        return out;
      });
  if (!stored || !with_tree) return stored;
  // Decompressed here, after the reader connection went back to the pool.
  for (StoredMessage& message : *stored) {
    Result<std::string> tree = unpack(message.tree);
    if (!tree) return tree.status();
    message.tree = std::move(*tree);
  }
  return stored;
}

Result<RecentClaim> SqliteStore::claim_recent(int64_t user_id, int64_t mailbox_id) {
  // Most calls find nothing new: answer those from a reader and leave the
  // writer (and its fsync) alone.
  Result<RecentMark> seen =
      read<RecentMark>([&](Connection& db) { return load_recent_mark(db, user_id, mailbox_id); });
  if (!seen) return seen.status();
  if (seen->recent_uid >= seen->uidnext) return RecentClaim{seen->uidnext, seen->uidnext};
  return write<RecentClaim>([&](Connection& db) -> Result<RecentClaim> {
    // Another session may have claimed since the read above.
    Result<RecentMark> mark = load_recent_mark(db, user_id, mailbox_id);
    if (!mark) return mark.status();
    if (mark->recent_uid >= mark->uidnext) return RecentClaim{mark->uidnext, mark->uidnext};
    EIDER_RETURN_IF_ERROR(db.run("UPDATE mailboxes SET recent_uid = ? WHERE user_id = ? AND id = ?",
                                 mark->uidnext, user_id, mailbox_id));
    return RecentClaim{mark->recent_uid, mark->uidnext};
  });
}

Result<std::optional<MailboxSnapshot>> SqliteStore::load_snapshot(int64_t user_id,
                                                                  int64_t mailbox_id) {
  return read<std::optional<MailboxSnapshot>>(
      [&](Connection& db) -> Result<std::optional<MailboxSnapshot>> {
        Result<Statement> stmt = db.prepare(
            "SELECT modseq, data FROM mailbox_snapshots WHERE mailbox_id = ? AND user_id = ?");
        if (!stmt) return stmt.status();
        Result<bool> row = stmt->bind(mailbox_id, user_id).step();
        if (!row) return row.status();
        if (!*row) return std::optional<MailboxSnapshot>{};
        return std::optional<MailboxSnapshot>{
            MailboxSnapshot{static_cast<uint64_t>(stmt->int64(0)), stmt->text(1)}};
      });
}

Status SqliteStore::save_snapshot(int64_t user_id, int64_t mailbox_id,
                                  const MailboxSnapshot& snapshot) {
  return write<Done>([&](Connection& db) -> Result<Done> {
           Result<Mailbox> mailbox = load_mailbox_by_id(db, user_id, mailbox_id);
           if (!mailbox) return mailbox.status();
           EIDER_RETURN_IF_ERROR(
               db.run("INSERT INTO mailbox_snapshots (mailbox_id, user_id, modseq, data)"
                      " VALUES (?, ?, ?, ?) ON CONFLICT (mailbox_id) DO UPDATE SET"
                      " modseq = excluded.modseq, data = excluded.data"
                      " WHERE excluded.modseq >= mailbox_snapshots.modseq",
                      mailbox_id, user_id, snapshot.modseq, Bytes{snapshot.data}));
           return Done{};
         })
      .status();
}

}  // namespace eider::store::sqlite
