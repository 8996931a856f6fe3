// Row-level steps that SqliteStore composes into transactions. Each runs on
// the connection it is given, inside the caller's transaction, and leaves
// quota, counters, blob references and the journal exact when the whole
// transaction commits. Every query is scoped by user_id.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/packed_message.h"
#include "store/sqlite/connection.h"
#include "store/store.h"

namespace eider::store::sqlite {

// The columns user_from reads, ending in "FROM users ".
inline constexpr const char* kUserColumns =
    "SELECT id, name, password_hash, quota_bytes, storage_used, message_count, quota_messages,"
    " display_name, tags, retention, disabled, delete_after, created,"
    " coalesce((SELECT a.address FROM addresses a WHERE a.user_id = users.id AND a.main = 1), '')"
    " FROM users ";
User user_from(const Statement& row);

Result<User> load_user(Connection& db, std::string_view normalized_name);
Result<User> load_user_by_id(Connection& db, int64_t user_id);
Result<Mailbox> load_mailbox(Connection& db, int64_t user_id, std::string_view normalized_path);
Result<Mailbox> load_mailbox_by_id(Connection& db, int64_t user_id, int64_t mailbox_id);

// Creates a mailbox with a fresh UIDVALIDITY (greater than any this user
// had) and its mailbox_created journal row (with the path).
Result<Mailbox> insert_mailbox(Connection& db, int64_t user_id, std::string_view path,
                               std::string_view special_use);

// Takes `count` MODSEQs of a mailbox and returns the first (the others follow).
Result<uint64_t> take_modseqs(Connection& db, int64_t user_id, int64_t mailbox_id, uint64_t count);
// The mailbox's highest MODSEQ as this transaction sees it (after its own
// changes): what a mutating call returns for the beacon.
Result<MailboxModseq> current_modseq(Connection& db, int64_t user_id, int64_t mailbox_id);
Status add_journal(Connection& db, int64_t user_id, int64_t mailbox_id, uint64_t modseq,
                   JournalKind kind, uint32_t uid, std::string_view data);

// Code::over_quota when adding `messages` messages of `bytes` bytes together
// would pass either of the user's limits.
Status check_quota(Connection& db, int64_t user_id, uint64_t bytes, uint64_t messages);
Status change_usage(Connection& db, int64_t user_id, int64_t bytes, int64_t messages);

// Inserts one message's rows (the narrow and wide halves, its blob uses,
// its thread) under `uid` and `modseq` (messages.cc). The caller sets the
// mailbox's counters, the user's usage, the journal and summary chunks.
Status insert_message_rows(Connection& db, int64_t user_id, int64_t mailbox_id, uint32_t uid,
                           uint64_t modseq, const NewMessage& message, const PackedMessage& packed);

// Copies existing messages (sharing their blobs) into `to`, in uid order;
// uids that do not exist are skipped. Checks quota when asked.
Result<std::vector<UidPair>> copy_rows(Connection& db, int64_t user_id, int64_t from,
                                       const std::vector<uint32_t>& uids, int64_t to,
                                       bool check_quota);
// Removes existing messages, releasing blobs, quota and counters, with one
// expunged journal row each. Returns the uids removed, ascending.
Result<std::vector<uint32_t>> expunge_rows(Connection& db, int64_t user_id, int64_t mailbox_id,
                                           const std::vector<uint32_t>& uids);
// Removes a mailbox with everything in it and its journal. Writes no
// journal row of its own.
Status delete_mailbox_rows(Connection& db, int64_t user_id, int64_t mailbox_id);

}  // namespace eider::store::sqlite
