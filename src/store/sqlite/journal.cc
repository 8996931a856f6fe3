// SqliteStore: reading and trimming the journal.
#include <algorithm>
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
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

constexpr std::string_view kTrimLease = "trim_journal";
// How long a trimmer's lease lasts unless renewed: how long a crashed
// node holds trimming up.
constexpr int64_t kLeaseSeconds = 600;
// Journal rows deleted in one transaction, at most (but a mailbox's rows
// are cut only when it alone has more): short enough that the writes of
// sessions queued behind it are not held up.
constexpr int64_t kRowsPerBatch = 1000;

// A mailbox with rows to trim: up to and including modseq `floor`.
struct Trim {
  int64_t user_id = 0;
  int64_t mailbox_id = 0;
  int64_t floor = 0;
  int64_t rows = 0;
};

struct Batch {
  uint64_t removed = 0;
  bool leased = true;  // false: another instance holds the lease now
  bool more = false;   // the mailbox has rows left below its floor
};

// Takes the lease `name` for `holder` until now + kLeaseSeconds, or renews
// it; false when another holder's lease is live.
Result<bool> take_lease(Connection& db, std::string_view name, const std::string& holder,
                        int64_t now) {
  EIDER_RETURN_IF_ERROR(
      db.run("INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)"
             " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,"
             " expires_at = excluded.expires_at"
             " WHERE leases.holder = excluded.holder OR leases.expires_at <= ?",
             name, holder, now + kLeaseSeconds, now));
  return db.changes() > 0;
}

// Deletes a mailbox's rows up to modseq `floor` and raises its
// journal_floor there, so that every row above the floor is still kept (a
// deleted mailbox has no floor to raise). Returns the rows removed.
Result<uint64_t> trim_mailbox(Connection& db, int64_t user_id, int64_t mailbox_id, int64_t floor) {
  EIDER_RETURN_IF_ERROR(
      db.run("DELETE FROM journal WHERE mailbox_id = ? AND user_id = ? AND modseq <= ?", mailbox_id,
             user_id, floor));
  const auto removed = static_cast<uint64_t>(db.changes());
  EIDER_RETURN_IF_ERROR(
      db.run("UPDATE mailboxes SET journal_floor = max(journal_floor, ?)"
             " WHERE user_id = ? AND id = ?",
             floor, user_id, mailbox_id));
  return removed;
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

SqliteStore::~SqliteStore() {
  if (!leased_) return;
  // Best effort: a lease left behind only expires.
  (void)write<Done>([&](Connection& db) -> Result<Done> {
    EIDER_RETURN_IF_ERROR(db.run("DELETE FROM leases WHERE holder = ?", holder_));
    return Done{};
  });
}

Result<uint64_t> SqliteStore::trim_journal(int64_t now, uint64_t keep_seconds) {
  const int64_t cut = now - static_cast<int64_t>(std::min<uint64_t>(keep_seconds, INT64_MAX / 2));
  // The lease is renewed by every batch, on `now` moved on by the time spent.
  const auto started = std::chrono::steady_clock::now();
  auto lease_now = [&] {
    return now + std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                  started)
                     .count();
  };
  Result<bool> leased =
      write<bool>([&](Connection& db) { return take_lease(db, kTrimLease, holder_, lease_now()); });
  if (!leased) return leased.status();
  if (!*leased) return uint64_t{0};
  leased_ = true;

  // Which mailboxes have old rows, and how far each is trimmed; read from
  // the index on `at`, so the cost is the rows that go (without INDEXED BY,
  // SQLite walks the user_id index to save the GROUP BY's sort: the whole
  // journal). A row written since has a greater modseq than any of these,
  // so it stays.
  Result<std::vector<Trim>> trims = read<std::vector<Trim>>([&](Connection& db) {
    return db.query_rows<Trim>(
        "SELECT user_id, mailbox_id, max(modseq), count(*) FROM journal"
        " INDEXED BY journal_by_age WHERE at <= ? GROUP BY user_id, mailbox_id",
        [](const Statement& row) {
          return Trim{row.int64(0), row.int64(1), row.int64(2), row.int64(3)};
        },
        cut);
  });
  if (!trims) return trims.status();

  uint64_t removed = 0;
  size_t next = 0;
  while (next < trims->size()) {
    // Whole mailboxes while they fit in one batch; a larger one alone, in
    // as many batches as it takes.
    size_t end = next + 1;
    int64_t rows = (*trims)[next].rows;
    while (end < trims->size() && rows + (*trims)[end].rows <= kRowsPerBatch) {
      rows += (*trims)[end++].rows;
    }
    const std::span<const Trim> batch(trims->data() + next, end - next);
    for (bool done = false; !done;) {
      Result<Batch> result = write<Batch>([&](Connection& db) -> Result<Batch> {
        Result<bool> still = take_lease(db, kTrimLease, holder_, lease_now());
        if (!still) return still.status();
        if (!*still) return Batch{.leased = false};
        Batch b;
        for (const Trim& trim : batch) {
          int64_t floor = trim.floor;
          if (batch.size() == 1 && trim.rows > kRowsPerBatch) {
            Result<int64_t> step = db.query_int(
                "SELECT modseq FROM journal WHERE mailbox_id = ? AND user_id = ? AND modseq <= ?"
                " ORDER BY modseq LIMIT 1 OFFSET ?",
                trim.mailbox_id, trim.user_id, trim.floor, kRowsPerBatch - 1);
            if (step) {
              floor = *step;
              b.more = *step < trim.floor;
            } else if (step.status().code() != Code::not_found) {
              return step.status();
            }
          }
          Result<uint64_t> gone = trim_mailbox(db, trim.user_id, trim.mailbox_id, floor);
          if (!gone) return gone.status();
          b.removed += *gone;
        }
        return b;
      });
      if (!result) return result.status();
      removed += result->removed;
      if (!result->leased) return removed;
      done = !result->more;
    }
    next = end;
  }
  return removed;
}

}  // namespace eider::store::sqlite
