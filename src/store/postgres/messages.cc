// PgStore: messages, blobs, flags, \Recent and snapshots.
#include <algorithm>
#include <string>

#include "store/codec.h"
#include "store/flags.h"
#include "store/packed_message.h"
#include "store/postgres/blob_store.h"
#include "store/postgres/pg_store.h"
#include "store/postgres/rows.h"
#include "store/postgres/summary_chunks.h"

namespace eider::store::postgres {

namespace {

constexpr const char* kInfoColumns =
    "m.uid, m.modseq, m.flags, m.internal_date, m.size, m.thread_id, m.wire_size";
constexpr int kInfoColumnCount = 7;

MessageInfo info_from(const Rows& rows, int i) {
  MessageInfo info;
  info.uid = static_cast<uint32_t>(rows.int64(i, 0));
  info.modseq = static_cast<uint64_t>(rows.int64(i, 1));
  info.flags = split_flags(rows.view(i, 2));
  info.internal_date = rows.int64(i, 3);
  info.size = static_cast<uint64_t>(rows.int64(i, 4));
  info.thread_id = rows.int64(i, 5);
  info.wire_size = static_cast<uint64_t>(rows.int64(i, 6));
  return info;
}

std::vector<MessageInfo> infos_from(const Rows& rows) {
  std::vector<MessageInfo> infos;
  infos.reserve(rows.size());
  for (int i = 0; i < rows.size(); ++i) infos.push_back(info_from(rows, i));
  return infos;
}

// A row of kInfoColumns + ", tree, envelope, bodystructure, body"; the tree
// stays packed.
StoredMessage stored_from(const Rows& rows, int i, bool with_tree) {
  StoredMessage message;
  message.info = info_from(rows, i);
  if (with_tree) message.tree = rows.bytes(i, kInfoColumnCount);
  message.envelope = rows.bytes(i, kInfoColumnCount + 1);
  message.bodystructure = rows.bytes(i, kInfoColumnCount + 2);
  message.body = rows.bytes(i, kInfoColumnCount + 3);
  return message;
}

// Messages with the same Message-ID (copies, duplicate deliveries) share a
// thread; anything else starts its own. Needs lock_user.
Result<int64_t> thread_for(Connection& db, int64_t user_id, const std::string& message_id) {
  if (!message_id.empty()) {
    Result<Rows> existing = db.query(
        "SELECT m.thread_id FROM message_contents c JOIN messages m"
        " ON m.user_id = c.user_id AND m.mailbox_id = c.mailbox_id AND m.uid = c.uid"
        " WHERE c.user_id = $1 AND c.message_id = $2 LIMIT 1",
        Params(user_id, message_id));
    if (!existing) return existing.status();
    if (!existing->empty()) return existing->int64(0, 0);
  }
  Result<Rows> next = db.query(
      "UPDATE users SET last_thread_id = last_thread_id + 1 WHERE id = $1"
      " RETURNING last_thread_id",
      Params(user_id));
  if (!next) return next.status();
  if (next->empty()) return error(Code::not_found, "no such user");
  return next->int64(0, 0);
}

}  // namespace

Status insert_message_rows(Connection& db, int64_t user_id, int64_t mailbox_id, uint32_t uid,
                           uint64_t modseq, const NewMessage& message,
                           const PackedMessage& packed) {
  Result<int64_t> thread = thread_for(db, user_id, message.message_id);
  if (!thread) return thread.status();
  // Both rows in one statement: a round trip each would be a good part of
  // a delivery's SQL time.
  EIDER_RETURN_IF_ERROR(
      db.run("WITH m AS (INSERT INTO messages (user_id, mailbox_id, uid, modseq, flags,"
             " internal_date, size, thread_id, wire_size)"
             " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9))"
             " INSERT INTO message_contents (user_id, mailbox_id, uid, tree, envelope,"
             " bodystructure, body, summary, message_id, subject)"
             " VALUES ($1, $2, $3, $10, $11, $12, $13, $14, $15, $16)",
             Params(user_id, mailbox_id, uid, modseq, packed.flags, message.internal_date,
                    message.split.size, *thread, message.wire_size, packed.tree, message.envelope,
                    message.bodystructure, message.body, message.search_summary, message.message_id,
                    message.subject)));
  for (size_t i = 0; i < packed.uses.size(); ++i) {
    EIDER_RETURN_IF_ERROR(
        add_blob_use(db, user_id, mailbox_id, uid, packed.uses[i], packed.blob_data[i]));
  }
  return Status::ok();
}

Result<Appended> PgStore::append_message(int64_t user_id, int64_t mailbox_id,
                                         const NewMessage& message) {
  Result<PackedMessage> packed = pack_message(message);
  if (!packed) return packed.status();
  // One call of eider_append (schema.cc, migration 6) does the write. With
  // nothing else to do (no blob uses, no summary chunk to seal), BEGIN, the
  // call and COMMIT go in one round trip. A chunk to seal is found by the
  // call itself, which then writes nothing: the write runs again, sealing.
  bool seal_here = !packed->uses.empty();
  for (int attempt = 0; attempt < 2; ++attempt) {
    Result<std::optional<Appended>> appended =
        write<std::optional<Appended>>([&](Connection& db) -> Result<std::optional<Appended>> {
          static const std::string sql =
              "SELECT * FROM eider_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,"
              " $14, $15)";
          const Params params(
              user_id, mailbox_id, packed->flags, message.internal_date, message.split.size,
              message.wire_size, packed->tree, message.envelope, message.bodystructure,
              message.body, message.search_summary, message.message_id, message.subject,
              static_cast<int>(JournalKind::added), seal_here ? 0u : kSummaryChunkUids);
          Result<Rows> row = seal_here ? db.query(sql, params) : db.query_and_commit(sql, params);
          if (!row) return row.status();
          if (row->is_null(0, 1)) return error(Code::not_found, "no such user");
          if (row->is_null(0, 6)) return error(Code::not_found, "no such mailbox");
          const auto uid = static_cast<uint32_t>(row->int64(0, 8));
          const Appended done{mailbox_id, static_cast<uint32_t>(row->int64(0, 7)), uid,
                              static_cast<uint64_t>(row->int64(0, 9))};
          if (row->int64(0, 0) == 0) {
            // Nothing written: say why as lock_user and check_quota do.
            User user;
            user.id = user_id;
            user.name = row->bytes(0, 1);
            user.quota_bytes = static_cast<uint64_t>(row->int64(0, 2));
            user.quota_messages = static_cast<uint64_t>(row->int64(0, 3));
            user.storage_used = static_cast<uint64_t>(row->int64(0, 4));
            user.message_count = static_cast<uint64_t>(row->int64(0, 5));
            EIDER_RETURN_IF_ERROR(check_quota(user, message.split.size, 1));
            if (row->int64(0, 8) >= UINT32_MAX) {
              return error(Code::unavailable,
                           "mailbox \"" + row->bytes(0, 6) + "\" has run out of UIDs");
            }
            return std::optional<Appended>();  // a chunk to seal
          }
          for (size_t i = 0; i < packed->uses.size(); ++i) {
            EIDER_RETURN_IF_ERROR(
                add_blob_use(db, user_id, mailbox_id, uid, packed->uses[i], packed->blob_data[i]));
          }
          if (seal_here) {
            EIDER_RETURN_IF_ERROR(seal_summary_chunks(db, user_id, mailbox_id, uid, uid + 1));
          }
          return std::optional<Appended>(done);
        });
    if (!appended) return appended.status();
    if (*appended) return **appended;
    seal_here = true;
  }
  return error(Code::internal, "append: the summary chunk was not sealed");
}

Result<std::vector<MessageInfo>> PgStore::list_messages(int64_t user_id, int64_t mailbox_id) {
  return list_messages_between(user_id, mailbox_id, 0, UINT32_MAX);
}

Result<std::vector<MessageInfo>> PgStore::list_messages_between(int64_t user_id, int64_t mailbox_id,
                                                                uint32_t first_uid,
                                                                uint32_t last_uid) {
  return read<std::vector<MessageInfo>>([&](Connection& db) -> Result<std::vector<MessageInfo>> {
    Result<Mailbox> mailbox = load_mailbox_by_id(db, user_id, mailbox_id);
    if (!mailbox) return mailbox.status();
    static const std::string sql = std::string("SELECT ") + kInfoColumns +
                                   " FROM messages m WHERE m.user_id = $1 AND m.mailbox_id = $2"
                                   " AND m.uid BETWEEN $3 AND $4 ORDER BY m.uid";
    Result<Rows> rows = db.query(sql, Params(user_id, mailbox_id, first_uid, last_uid));
    if (!rows) return rows.status();
    return infos_from(*rows);
  });
}

Result<std::vector<MessageInfo>> PgStore::list_changed_since(int64_t user_id, int64_t mailbox_id,
                                                             uint64_t since) {
  return read<std::vector<MessageInfo>>([&](Connection& db) -> Result<std::vector<MessageInfo>> {
    Result<Mailbox> mailbox = load_mailbox_by_id(db, user_id, mailbox_id);
    if (!mailbox) return mailbox.status();
    static const std::string sql = std::string("SELECT ") + kInfoColumns +
                                   " FROM messages m WHERE m.user_id = $1 AND m.mailbox_id = $2"
                                   " AND m.modseq > $3 ORDER BY m.uid";
    Result<Rows> rows = db.query(sql, Params(user_id, mailbox_id, since));
    if (!rows) return rows.status();
    return infos_from(*rows);
  });
}

Result<std::vector<MessageInfo>> PgStore::list_flagged(int64_t user_id, int64_t mailbox_id,
                                                       std::string_view system_flag) {
  if (system_flag.empty() || system_flag.find(' ') != std::string_view::npos) {
    return error(Code::invalid_argument, "not a flag: \"" + std::string(system_flag) + "\"");
  }
  return read<std::vector<MessageInfo>>([&](Connection& db) -> Result<std::vector<MessageInfo>> {
    Result<Mailbox> mailbox = load_mailbox_by_id(db, user_id, mailbox_id);
    if (!mailbox) return mailbox.status();
    // position() picks the candidates; the whole-flag test follows here.
    static const std::string sql = std::string("SELECT ") + kInfoColumns +
                                   " FROM messages m WHERE m.user_id = $1 AND m.mailbox_id = $2"
                                   " AND position($3 in m.flags) > 0 ORDER BY m.uid";
    Result<Rows> rows = db.query(sql, Params(user_id, mailbox_id, system_flag));
    if (!rows) return rows.status();
    std::vector<MessageInfo> found = infos_from(*rows);
    std::erase_if(found, [&](const MessageInfo& info) {
      return std::find(info.flags.begin(), info.flags.end(), system_flag) == info.flags.end();
    });
    return found;
  });
}

Result<FlagListing> PgStore::list_flags(int64_t user_id, int64_t mailbox_id) {
  return read<FlagListing>([&](Connection& db) -> Result<FlagListing> {
    Result<Mailbox> mailbox = load_mailbox_by_id(db, user_id, mailbox_id);
    if (!mailbox) return mailbox.status();
    FlagListing listing{std::move(*mailbox), {}};
    Result<Rows> rows = db.query(
        "SELECT uid, flags, modseq FROM messages WHERE user_id = $1 AND mailbox_id = $2"
        " ORDER BY uid",
        Params(user_id, mailbox_id));
    if (!rows) return rows.status();
    listing.messages.reserve(rows->size());
    for (int i = 0; i < rows->size(); ++i) {
      listing.messages.push_back(UidFlags{static_cast<uint32_t>(rows->int64(i, 0)),
                                          rows->bytes(i, 1),
                                          static_cast<uint64_t>(rows->int64(i, 2))});
    }
    return listing;
  });
}

Status PgStore::visit_summaries(int64_t user_id, int64_t mailbox_id, uint32_t first_uid,
                                uint32_t last_uid, const SummaryVisitor& visit) {
  Result<SummaryRows> rows = read<SummaryRows>([&](Connection& db) -> Result<SummaryRows> {
    Result<Mailbox> mailbox = load_mailbox_by_id(db, user_id, mailbox_id);
    if (!mailbox) return mailbox.status();
    return read_summary_rows(db, user_id, mailbox_id, first_uid, last_uid);
  });
  if (!rows) return rows.status();
  // Unpacked and visited after the connection went back to the pool.
  return visit_summary_rows(*rows, first_uid, last_uid, visit);
}

Result<StoredMessage> PgStore::read_message(int64_t user_id, int64_t mailbox_id, uint32_t uid) {
  Result<std::vector<StoredMessage>> found = read_messages(user_id, mailbox_id, {uid}, true);
  if (!found) return found.status();
  if (found->empty()) return error(Code::not_found, "no message with uid " + std::to_string(uid));
  return std::move(found->front());
}

Result<std::vector<StoredMessage>> PgStore::read_messages(int64_t user_id, int64_t mailbox_id,
                                                          const std::vector<uint32_t>& uids,
                                                          bool with_tree) {
  std::vector<uint32_t> sorted = sorted_unique(uids);
  Result<std::vector<StoredMessage>> stored =
      read<std::vector<StoredMessage>>([&](Connection& db) -> Result<std::vector<StoredMessage>> {
        // A missing mailbox (or another user's) is not_found, as for every read.
        Result<Mailbox> mailbox = load_mailbox_by_id(db, user_id, mailbox_id);
        if (!mailbox) return mailbox.status();
        static const std::string with_tree_sql =
            std::string("SELECT ") + kInfoColumns +
            ", c.tree, c.envelope, c.bodystructure, c.body FROM messages m JOIN message_contents c"
            " ON c.user_id = m.user_id AND c.mailbox_id = m.mailbox_id AND c.uid = m.uid"
            " WHERE m.user_id = $1 AND m.mailbox_id = $2 AND m.uid = ANY ($3) ORDER BY m.uid";
        static const std::string without_tree_sql =
            std::string("SELECT ") + kInfoColumns +
            ", ''::bytea, c.envelope, c.bodystructure, c.body FROM messages m JOIN"
            " message_contents c"
            " ON c.user_id = m.user_id AND c.mailbox_id = m.mailbox_id AND c.uid = m.uid"
            " WHERE m.user_id = $1 AND m.mailbox_id = $2 AND m.uid = ANY ($3) ORDER BY m.uid";
        Result<Rows> rows = db.query(with_tree ? with_tree_sql : without_tree_sql,
                                     Params(user_id, mailbox_id, sorted));
        if (!rows) return rows.status();
        std::vector<StoredMessage> out;
        out.reserve(rows->size());
        for (int i = 0; i < rows->size(); ++i) out.push_back(stored_from(*rows, i, with_tree));
        return out;
      });
  if (!stored || !with_tree) return stored;
  // Decompressed here, after the connection went back to the pool.
  for (StoredMessage& message : *stored) {
    Result<std::string> tree = unpack(message.tree);
    if (!tree) return tree.status();
    message.tree = std::move(*tree);
  }
  return stored;
}

Result<std::string> PgStore::read_blob(const mime::BlobKey& key) {
  Result<std::string> packed = read<std::string>(
      [&](Connection& db) -> Result<std::string> { return PgBlobStore(db).get(key); });
  if (!packed) return packed;
  return unpack(*packed);
}

Result<Copied> PgStore::copy_messages(int64_t user_id, int64_t from_mailbox,
                                      const std::vector<uint32_t>& uids, int64_t to_mailbox) {
  return write<Copied>([&](Connection& db) -> Result<Copied> {
    Result<User> user = lock_user(db, user_id);
    if (!user) return user.status();
    Result<Mailbox> source = load_mailbox_by_id(db, user_id, from_mailbox);
    if (!source) return source.status();
    Result<std::vector<UidPair>> pairs = copy_rows(db, *user, from_mailbox, uids, to_mailbox, true);
    if (!pairs) return pairs.status();
    Copied copied{std::move(*pairs), {}};
    if (copied.uids.empty()) return copied;
    Result<MailboxModseq> target = current_modseq(db, user_id, to_mailbox);
    if (!target) return target.status();
    copied.changed.push_back(*target);
    return copied;
  });
}

Result<Copied> PgStore::move_messages(int64_t user_id, int64_t from_mailbox,
                                      const std::vector<uint32_t>& uids, int64_t to_mailbox) {
  // Into their own mailbox too (RFC 6851 does not forbid it): new UIDs, the
  // old ones expunged, as a client that re-files a message expects.
  return write<Copied>([&](Connection& db) -> Result<Copied> {
    Result<User> user = lock_user(db, user_id);
    if (!user) return user.status();
    // Mailbox rows in id order, after the user row.
    for (int64_t id : {std::min(from_mailbox, to_mailbox), std::max(from_mailbox, to_mailbox)}) {
      Result<Mailbox> locked = load_mailbox_by_id(db, user_id, id, true);
      if (!locked) return locked.status();
    }
    // The messages leave as they arrive, so the quota cannot be exceeded.
    Result<std::vector<UidPair>> pairs =
        copy_rows(db, *user, from_mailbox, uids, to_mailbox, false);
    if (!pairs) return pairs.status();
    Copied moved{std::move(*pairs), {}};
    if (moved.uids.empty()) return moved;
    std::vector<uint32_t> gone;
    for (const UidPair& pair : moved.uids) gone.push_back(pair.from);
    std::vector<std::string> released;  // none: the copies hold the same blobs
    Result<std::vector<uint32_t>> expunged =
        expunge_rows(db, user_id, from_mailbox, gone, released);
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

Result<Expunged> PgStore::expunge_messages(int64_t user_id, int64_t mailbox_id,
                                           const std::vector<uint32_t>& uids) {
  std::vector<std::string> released;
  Result<Expunged> expunged = write<Expunged>([&](Connection& db) -> Result<Expunged> {
    released.clear();
    Result<User> user = lock_user(db, user_id);
    if (!user) return user.status();
    Result<Mailbox> mailbox = load_mailbox_by_id(db, user_id, mailbox_id, true);
    if (!mailbox) return mailbox.status();
    Result<std::vector<uint32_t>> removed = expunge_rows(db, user_id, mailbox_id, uids, released);
    if (!removed) return removed.status();
    Expunged done{std::move(*removed), {}};
    if (done.uids.empty()) return done;
    Result<MailboxModseq> changed = current_modseq(db, user_id, mailbox_id);
    if (!changed) return changed.status();
    done.changed.push_back(*changed);
    return done;
  });
  if (expunged) sweep(released);
  return expunged;
}

Result<std::vector<MessageInfo>> PgStore::store_flags(int64_t user_id, int64_t mailbox_id,
                                                      const std::vector<uint32_t>& uids,
                                                      FlagMode mode,
                                                      const std::vector<std::string>& flags) {
  Result<ConditionalFlags> done =
      change_flags(user_id, mailbox_id, uids, mode, flags, std::nullopt);
  if (!done) return done.status();
  return std::move(done->changed);
}

Result<ConditionalFlags> PgStore::store_flags_unchanged_since(int64_t user_id, int64_t mailbox_id,
                                                              const std::vector<uint32_t>& uids,
                                                              FlagMode mode,
                                                              const std::vector<std::string>& flags,
                                                              uint64_t unchanged_since) {
  return change_flags(user_id, mailbox_id, uids, mode, flags, unchanged_since);
}

Result<ConditionalFlags> PgStore::change_flags(int64_t user_id, int64_t mailbox_id,
                                               const std::vector<uint32_t>& uids, FlagMode mode,
                                               const std::vector<std::string>& flags,
                                               std::optional<uint64_t> unchanged_since) {
  Result<std::vector<std::string>> change = normalize_flags(flags);
  if (!change) return change.status();
  std::vector<uint32_t> sorted = sorted_unique(uids);
  return write<ConditionalFlags>([&](Connection& db) -> Result<ConditionalFlags> {
    // The mailbox row alone: flag changes never touch the user's counters.
    Result<Mailbox> mailbox = load_mailbox_by_id(db, user_id, mailbox_id, true);
    if (!mailbox) return mailbox.status();
    static const std::string sql = std::string("SELECT ") + kInfoColumns +
                                   " FROM messages m WHERE m.user_id = $1 AND m.mailbox_id = $2"
                                   " AND m.uid = ANY ($3) ORDER BY m.uid";
    Result<Rows> rows = db.query(sql, Params(user_id, mailbox_id, sorted));
    if (!rows) return rows.status();
    ConditionalFlags result = plan_flag_changes(infos_from(*rows), mode, *change, unchanged_since);
    std::vector<MessageInfo>& changed = result.changed;
    if (changed.empty()) return result;
    Result<uint64_t> modseq = take_modseqs(db, user_id, mailbox_id, changed.size());
    if (!modseq) return modseq.status();
    // Set-wise: one UPDATE and one journal INSERT however many messages.
    std::vector<uint32_t> uids_changed;
    std::vector<std::string> joined;
    for (MessageInfo& info : changed) {
      info.modseq = *modseq + uids_changed.size();
      uids_changed.push_back(info.uid);
      joined.push_back(join_flags(info.flags));
    }
    EIDER_RETURN_IF_ERROR(
        db.run("UPDATE messages m SET flags = c.flags, modseq = $3 + c.n - 1"
               " FROM unnest($4::bigint[], $5::bytea[]) WITH ORDINALITY AS c(uid, flags, n)"
               " WHERE m.user_id = $1 AND m.mailbox_id = $2 AND m.uid = c.uid",
               Params(user_id, mailbox_id, *modseq, uids_changed, joined)));
    EIDER_RETURN_IF_ERROR(add_journal_rows(db, user_id, mailbox_id, *modseq, JournalKind::flags,
                                           uids_changed, joined));
    return result;
  });
}

Result<RecentClaim> PgStore::claim_recent(int64_t user_id, int64_t mailbox_id) {
  return write<RecentClaim>([&](Connection& db) -> Result<RecentClaim> {
    // Most calls find nothing new: those lock and write nothing.
    Result<Mailbox> seen = load_mailbox_by_id(db, user_id, mailbox_id);
    if (!seen) return seen.status();
    if (seen->recent_uid >= seen->uidnext) return RecentClaim{seen->uidnext, seen->uidnext};
    // Read and moved under the row lock, so two sessions never win the same UIDs.
    Result<Mailbox> mark = load_mailbox_by_id(db, user_id, mailbox_id, true);
    if (!mark) return mark.status();
    if (mark->recent_uid >= mark->uidnext) return RecentClaim{mark->uidnext, mark->uidnext};
    EIDER_RETURN_IF_ERROR(
        db.run("UPDATE mailboxes SET recent_uid = $3 WHERE user_id = $1 AND id = $2",
               Params(user_id, mailbox_id, mark->uidnext)));
    return RecentClaim{mark->recent_uid, mark->uidnext};
  });
}

Result<std::optional<MailboxSnapshot>> PgStore::load_snapshot(int64_t user_id, int64_t mailbox_id) {
  return read_one<std::optional<MailboxSnapshot>>(
      [&](Connection& db) -> Result<std::optional<MailboxSnapshot>> {
        Result<Rows> rows = db.query(
            "SELECT modseq, data FROM mailbox_snapshots WHERE user_id = $1 AND mailbox_id = $2",
            Params(user_id, mailbox_id));
        if (!rows) return rows.status();
        if (rows->empty()) return std::optional<MailboxSnapshot>{};
        return std::optional<MailboxSnapshot>{
            MailboxSnapshot{static_cast<uint64_t>(rows->int64(0, 0)), rows->bytes(0, 1)}};
      });
}

Status PgStore::save_snapshot(int64_t user_id, int64_t mailbox_id,
                              const MailboxSnapshot& snapshot) {
  return write<Done>([&](Connection& db) -> Result<Done> {
           Result<Mailbox> mailbox = load_mailbox_by_id(db, user_id, mailbox_id, true);
           if (!mailbox) return mailbox.status();
           EIDER_RETURN_IF_ERROR(
               db.run("INSERT INTO mailbox_snapshots (user_id, mailbox_id, modseq, data)"
                      " VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, mailbox_id) DO UPDATE SET"
                      " modseq = excluded.modseq, data = excluded.data"
                      " WHERE excluded.modseq >= mailbox_snapshots.modseq",
                      Params(user_id, mailbox_id, snapshot.modseq, snapshot.data)));
           return Done{};
         })
      .status();
}

}  // namespace eider::store::postgres
