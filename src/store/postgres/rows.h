// Row-level steps that PgStore composes into transactions. Each runs on the
// connection it is given, inside the caller's transaction, and leaves quota,
// counters, blob uses and the journal exact when the whole transaction
// commits. Every query is scoped by user_id. Writers lock the user row
// before any mailbox row (lock_user), so two transactions never wait on
// each other in a circle.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/blob_uses.h"
#include "store/packed_message.h"
#include "store/postgres/connection.h"
#include "store/store.h"

namespace eider::store::postgres {

// The value of a write that returns only a Status.
struct Done {};

// The columns user_from reads, ending in "FROM users ".
inline constexpr const char* kUserColumns =
    "SELECT id, name, password_hash, quota_bytes, storage_used, message_count, quota_messages,"
    " display_name, tags, retention, disabled, delete_after, created,"
    " coalesce((SELECT a.address FROM addresses a WHERE a.user_id = users.id AND a.main),"
    " ''::bytea) FROM users ";
User user_from(const Rows& rows, int i);

Result<User> load_user(Connection& db, std::string_view normalized_name);
Result<User> load_user_by_id(Connection& db, int64_t user_id);
// The user row, locked until the transaction ends: what every write that
// changes the user's counters, quota use or mailboxes takes first.
Result<User> lock_user(Connection& db, int64_t user_id);
// Every user, by name, in one query.
Result<std::vector<User>> all_users(Connection& db);
Result<Mailbox> load_mailbox(Connection& db, int64_t user_id, std::string_view normalized_path);
// With `lock`, the row stays locked until the transaction ends (UIDNEXT and
// MODSEQ are taken from it).
Result<Mailbox> load_mailbox_by_id(Connection& db, int64_t user_id, int64_t mailbox_id,
                                   bool lock = false);
Result<std::vector<Mailbox>> all_mailboxes(Connection& db, int64_t user_id);

// Creates a mailbox with a fresh UIDVALIDITY (greater than any this user
// had) and its mailbox_created journal row (with the path). Needs lock_user.
Result<Mailbox> insert_mailbox(Connection& db, int64_t user_id, std::string_view path,
                               std::string_view special_use);

// Takes `count` MODSEQs of a mailbox and returns the first (the others follow).
Result<uint64_t> take_modseqs(Connection& db, int64_t user_id, int64_t mailbox_id, uint64_t count);
// The mailbox's highest MODSEQ now, in the transaction.
Result<MailboxModseq> current_modseq(Connection& db, int64_t user_id, int64_t mailbox_id);
// A journal row's `at`: the database server's clock in whole seconds, one
// clock for every node. Floored, as the SQLite store's clock: a cast alone
// rounds, dating a row up to half a second into the future, where a trim
// in that second (trim_journal keeps rows newer than now - keep) misses it.
#define EIDER_PG_NOW_SECONDS "floor(extract(epoch FROM now()))::bigint"
// A journal row, stamped with the server's clock (trim_journal).
Status add_journal(Connection& db, int64_t user_id, int64_t mailbox_id, uint64_t modseq,
                   JournalKind kind, uint32_t uid, std::string_view data);

// One journal row of `kind` for each of `uids` in turn, with MODSEQs
// first_modseq, first_modseq + 1, ...; `data` is empty or holds each row's
// data. One statement however many rows.
Status add_journal_rows(Connection& db, int64_t user_id, int64_t mailbox_id, uint64_t first_modseq,
                        JournalKind kind, const std::vector<uint32_t>& uids,
                        const std::vector<std::string>& data = {});

// Code::over_quota when adding `messages` messages of `bytes` bytes together
// would pass either of the user's limits. `user` from lock_user.
Status check_quota(const User& user, uint64_t bytes, uint64_t messages);
Status change_usage(Connection& db, int64_t user_id, int64_t bytes, int64_t messages);

// Inserts one message's rows (the narrow and wide halves, its blob uses,
// its thread) under `uid` and `modseq` (messages.cc). The caller sets the
// mailbox's counters, the user's usage and the journal. Needs lock_user.
Status insert_message_rows(Connection& db, int64_t user_id, int64_t mailbox_id, uint32_t uid,
                           uint64_t modseq, const NewMessage& message, const PackedMessage& packed);

// Copies existing messages (sharing their blobs) into `to`, in uid order;
// uids that do not exist are skipped. Checks quota when asked.
Result<std::vector<UidPair>> copy_rows(Connection& db, const User& user, int64_t from,
                                       const std::vector<uint32_t>& uids, int64_t to,
                                       bool check_quota);
// Removes existing messages, releasing blob uses, quota and counters, with
// one expunged journal row each. Returns the uids removed, ascending; the
// keys of blobs the user no longer uses are added to `released`.
Result<std::vector<uint32_t>> expunge_rows(Connection& db, int64_t user_id, int64_t mailbox_id,
                                           const std::vector<uint32_t>& uids,
                                           std::vector<std::string>& released);
// Removes a mailbox with everything in it and its journal. Writes no
// journal row of its own.
Status delete_mailbox_rows(Connection& db, int64_t user_id, int64_t mailbox_id,
                           std::vector<std::string>& released);

// Blob uses (docs/scale-out.md, "Blobs"). A message's uses are counted per
// user in user_blobs (user_id, key): a delivery writes its recipient's rows
// and, for a blob not stored yet, the blob; a popular attachment has no
// global counter that every delivery would update. A key no user uses any
// more is recorded in blob_releases, and sweep_blob() deletes the blob
// after the commit (or a later sweep, should this node stop first).
//
// Stores the blob when shipped (else Code::invalid_argument unless it is
// stored already) and adds the message's uses, under a shared advisory lock
// on the key that keeps sweep_blob() from deleting it meanwhile.
Status add_blob_use(Connection& db, int64_t user_id, int64_t mailbox_id, uint32_t uid,
                    const BlobUse& use, const std::string& packed);
// In its own transaction: deletes the blob of `key` when no user uses it.
Status sweep_blob(Connection& db, const std::string& key);
// The keys left in blob_releases (at most `limit`): sweeps to do.
Result<std::vector<std::string>> pending_releases(Connection& db, int64_t limit);

}  // namespace eider::store::postgres
