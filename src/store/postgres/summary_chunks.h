// Search summaries kept together (store/summary_chunks.h) in the
// summary_chunks table (migration 2). Why PostgreSQL needs them: a summary
// read per message is a heap tuple of message_contents (beside the tree
// and ENVELOPE) and a row on the wire each; a chunk is one row of 1,024
// compressed summaries. Each step runs inside the caller's transaction,
// which holds the mailbox row locked for the writes.
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "store/postgres/connection.h"
#include "store/summary_chunks.h"

namespace eider::store::postgres {

// Seals the chunks store::chunks_to_seal(old_uidnext, uidnext) names: to be
// called after the transaction's message_contents rows. Idempotent.
Status seal_summary_chunks(Connection& db, int64_t user_id, int64_t mailbox_id,
                           uint32_t old_uidnext, uint32_t uidnext);
// Removes the summaries of `expunged` (ascending) from the chunks that
// hold them: in the transaction that deletes those messages. A chunk left
// empty stays as an empty row, so its range stays covered: the UIDs no
// chunk covers are then at most two ranges (those sealed before migration
// 2, and those above the last chunk), each read with a plain range query.
// (One statement over many ranges, unnest joined to message_contents, gets
// a sequential scan as its generic plan.)
Status drop_from_summary_chunks(Connection& db, int64_t user_id, int64_t mailbox_id,
                                const std::vector<uint32_t>& expunged);
// The chunks and unsealed summaries of first_uid..last_uid: one query for
// the chunks and one per uncovered range (at most two).
Result<SummaryRows> read_summary_rows(Connection& db, int64_t user_id, int64_t mailbox_id,
                                      uint32_t first_uid, uint32_t last_uid);

}  // namespace eider::store::postgres
