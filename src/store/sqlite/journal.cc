// SqliteStore: reading and trimming the journal.
#include <algorithm>
#include <string>
#include <utility>

#include "store/sqlite/access.h"
#include "store/sqlite/rows.h"

namespace eider::store::sqlite {

namespace {

// Code::out_of_range when rows after `since` may be trimmed. A deleted
// mailbox has no row (and no floor): its journal is the one
// mailbox_deleted row delete_mailbox leaves.
Status check_floor(Connection& db, int64_t user_id, int64_t mailbox_id, uint64_t since) {
  Result<int64_t> floor = db.query_int(
      "SELECT journal_floor FROM mailboxes WHERE user_id = ? AND id = ?", user_id, mailbox_id);
  if (!floor) return floor.status().code() == Code::not_found ? Status::ok() : floor.status();
  if (since < static_cast<uint64_t>(*floor)) {
    return error(Code::out_of_range, "journal before modseq " + std::to_string(*floor) +
                                         " of mailbox " + std::to_string(mailbox_id) +
                                         " was trimmed");
  }
  return Status::ok();
}

}  // namespace

Result<std::vector<JournalEntry>> SqliteStore::journal_since(int64_t user_id, int64_t mailbox_id,
                                                             uint64_t since) {
  return read<std::vector<JournalEntry>>([&](Connection& db) -> Result<std::vector<JournalEntry>> {
    EIDER_RETURN_IF_ERROR(check_floor(db, user_id, mailbox_id, since));
    return db.query_rows<JournalEntry>(
        "SELECT modseq, kind, uid, data FROM journal"
        " WHERE user_id = ? AND mailbox_id = ? AND modseq > ? ORDER BY modseq, id",
        [](const Statement& row) {
          JournalEntry entry;
          entry.modseq = static_cast<uint64_t>(row.int64(0));
          entry.kind = static_cast<JournalKind>(row.int64(1));
          entry.uid = static_cast<uint32_t>(row.int64(2));
          entry.data = row.text(3);
          return entry;
        },
        user_id, mailbox_id, since);
  });
}

Result<std::vector<uint32_t>> SqliteStore::expunged_since(int64_t user_id, int64_t mailbox_id,
                                                          uint64_t since) {
  return read<std::vector<uint32_t>>([&](Connection& db) -> Result<std::vector<uint32_t>> {
    EIDER_RETURN_IF_ERROR(check_floor(db, user_id, mailbox_id, since));
    return db.query_rows<uint32_t>(
        "SELECT uid FROM journal WHERE mailbox_id = ? AND modseq > ? AND kind = ?"
        " AND user_id = ? ORDER BY uid",
        [](const Statement& row) { return static_cast<uint32_t>(row.int64(0)); }, mailbox_id, since,
        static_cast<int>(JournalKind::expunged), user_id);
  });
}

Result<uint64_t> SqliteStore::trim_journal(int64_t now, uint64_t keep_seconds) {
  const int64_t keep = static_cast<int64_t>(std::min<uint64_t>(keep_seconds, INT64_MAX / 2));
  return write<uint64_t>([&](Connection& db) -> Result<uint64_t> {
    EIDER_RETURN_IF_ERROR(
        db.run("INSERT INTO journal_marks (at, last_id)"
               " VALUES (?, (SELECT coalesce(max(id), 0) FROM journal))",
               now));
    Result<int64_t> cut = db.query_int(
        "SELECT coalesce(max(last_id), 0) FROM journal_marks WHERE at <= ?", now - keep);
    if (!cut) return cut.status();
    if (*cut == 0) return uint64_t{0};
    struct Floor {
      int64_t user_id;
      int64_t mailbox_id;
      int64_t modseq;
    };
    // The journal's rowid grows with every row written, so "written before
    // the mark" is a range of ids.
    Result<std::vector<Floor>> floors = db.query_rows<Floor>(
        "SELECT user_id, mailbox_id, max(modseq) FROM journal WHERE id <= ?"
        " GROUP BY user_id, mailbox_id",
        [](const Statement& row) {
          return Floor{row.int64(0), row.int64(1), row.int64(2)};
        },
        *cut);
    if (!floors) return floors.status();
    for (const Floor& floor : *floors) {
      EIDER_RETURN_IF_ERROR(
          db.run("UPDATE mailboxes SET journal_floor = max(journal_floor, ?)"
                 " WHERE user_id = ? AND id = ?",
                 floor.modseq, floor.user_id, floor.mailbox_id));
    }
    EIDER_RETURN_IF_ERROR(db.run("DELETE FROM journal WHERE id <= ?", *cut));
    const auto removed = static_cast<uint64_t>(db.changes());
    EIDER_RETURN_IF_ERROR(db.run("DELETE FROM journal_marks WHERE last_id <= ?", *cut));
    return removed;
  });
}

}  // namespace eider::store::sqlite
