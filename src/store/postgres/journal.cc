// PgStore: reading and trimming the journal.
#include <algorithm>
#include <string>
#include <utility>

#include "store/postgres/pg_store.h"
#include "store/postgres/rows.h"
#include "store/postgres/schema.h"

namespace eider::store::postgres {

namespace {

// Code::out_of_range when rows after `since` may be trimmed. A deleted
// mailbox has no row (and no floor): its journal is the one
// mailbox_deleted row delete_mailbox leaves.
Status check_floor(Connection& db, int64_t user_id, int64_t mailbox_id, uint64_t since) {
  Result<Rows> floor =
      db.query("SELECT journal_floor FROM mailboxes WHERE user_id = $1 AND id = $2",
               Params(user_id, mailbox_id));
  if (!floor) return floor.status();
  if (floor->empty()) return Status::ok();
  const auto value = static_cast<uint64_t>(floor->int64(0, 0));
  if (since < value) {
    return error(Code::out_of_range, "journal before modseq " + std::to_string(value) +
                                         " of mailbox " + std::to_string(mailbox_id) +
                                         " was trimmed");
  }
  return Status::ok();
}

// Mailboxes trimmed per transaction, so one trim never holds many row
// locks at once and writers are not held up for long.
constexpr int64_t kTrimBatch = 100;
}  // namespace

Result<std::vector<JournalEntry>> PgStore::journal_since(int64_t user_id, int64_t mailbox_id,
                                                         uint64_t since) {
  return read<std::vector<JournalEntry>>([&](Connection& db) -> Result<std::vector<JournalEntry>> {
    EIDER_RETURN_IF_ERROR(check_floor(db, user_id, mailbox_id, since));
    Result<Rows> rows = db.query(
        "SELECT modseq, kind, uid, data FROM journal"
        " WHERE user_id = $1 AND mailbox_id = $2 AND modseq > $3 ORDER BY modseq, ctid",
        Params(user_id, mailbox_id, since));
    if (!rows) return rows.status();
    std::vector<JournalEntry> entries;
    entries.reserve(rows->size());
    for (int i = 0; i < rows->size(); ++i) {
      JournalEntry entry;
      entry.modseq = static_cast<uint64_t>(rows->int64(i, 0));
      entry.kind = static_cast<JournalKind>(rows->int64(i, 1));
      entry.uid = static_cast<uint32_t>(rows->int64(i, 2));
      entry.data = rows->bytes(i, 3);
      entries.push_back(std::move(entry));
    }
    return entries;
  });
}

Result<std::vector<uint32_t>> PgStore::expunged_since(int64_t user_id, int64_t mailbox_id,
                                                      uint64_t since) {
  return read<std::vector<uint32_t>>([&](Connection& db) -> Result<std::vector<uint32_t>> {
    EIDER_RETURN_IF_ERROR(check_floor(db, user_id, mailbox_id, since));
    Result<Rows> rows = db.query(
        "SELECT uid FROM journal WHERE user_id = $1 AND mailbox_id = $2 AND modseq > $3"
        " AND kind = $4 ORDER BY uid",
        Params(user_id, mailbox_id, since, static_cast<int>(JournalKind::expunged)));
    if (!rows) return rows.status();
    std::vector<uint32_t> uids;
    for (int i = 0; i < rows->size(); ++i) uids.push_back(static_cast<uint32_t>(rows->int64(i, 0)));
    return uids;
  });
}

// Each row carries the server's clock when its transaction ran
// (journal.at: one clock for every node), so a row goes once it is
// `keep_seconds` old. Mailbox by mailbox, a few at a time: the floor rises
// to the highest modseq that is old enough and every row at or below it
// goes with it (whatever its time), so every row above the floor is kept.
// Of several nodes trimming at once, one does the work: the others find
// the advisory lock taken and remove nothing. Blobs whose sweep a stopped
// node left undone are swept here too.
Result<uint64_t> PgStore::trim_journal(int64_t now, uint64_t keep_seconds) {
  const int64_t keep = static_cast<int64_t>(std::min<uint64_t>(keep_seconds, INT64_MAX / 2));
  const int64_t cut = now - keep;
  static const std::string try_lock = "SELECT pg_try_advisory_xact_lock(" +
                                      std::to_string(kLockSpace) + ", " +
                                      std::to_string(kTrimLock) + ")::int";
  uint64_t removed = 0;
  for (;;) {
    // (rows removed, mailboxes trimmed), or mailboxes -1 when another
    // node holds the lock.
    using Batch = std::pair<int64_t, int64_t>;
    Result<Batch> batch = write<Batch>([&](Connection& db) -> Result<Batch> {
      Result<Rows> locked = db.query(try_lock);
      if (!locked) return locked.status();
      if (locked->int64(0, 0) == 0) return Batch{0, -1};
      Result<Rows> gone = db.query(
          "WITH floors AS (SELECT user_id, mailbox_id, max(modseq) AS modseq FROM journal"
          " WHERE at <= $1 GROUP BY user_id, mailbox_id LIMIT $2),"
          " gone AS (DELETE FROM journal j USING floors f WHERE j.user_id = f.user_id"
          " AND j.mailbox_id = f.mailbox_id AND j.modseq <= f.modseq RETURNING 1),"
          " raised AS (UPDATE mailboxes m SET journal_floor = greatest(m.journal_floor, f.modseq)"
          " FROM floors f WHERE m.user_id = f.user_id AND m.id = f.mailbox_id RETURNING 1)"
          " SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM floors),"
          " (SELECT count(*) FROM raised)",
          Params(cut, kTrimBatch));
      if (!gone) return gone.status();
      return Batch{gone->int64(0, 0), gone->int64(0, 1)};
    });
    if (!batch) return batch.status();
    if (batch->second < 0) return removed;  // another node is trimming
    removed += static_cast<uint64_t>(batch->first);
    if (batch->second < kTrimBatch) break;
  }
  EIDER_RETURN_IF_ERROR(sweep_pending());
  return removed;
}

}  // namespace eider::store::postgres
