// Search summaries kept together on disk (store/summary_chunks.h), in the
// summary_chunks table (schema version 10). Why SQLite needs them: it
// places a growing index's pages wherever the file ends, between the pages
// of the messages themselves, so a cold SEARCH SUBJECT on 100,000 messages
// read 6,000 scattered 4 KiB pages; a chunk is written as one run of
// overflow pages.
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "store/sqlite/connection.h"
#include "store/summary_chunks.h"

namespace eider::store::sqlite {

// Seals every chunk whose last UID is below `uidnext` and at or above
// `old_uidnext` (the mailbox's UIDNEXT before the transaction's inserts):
// to be called in the transaction that added the messages, after their
// message_contents rows. Idempotent.
Status seal_summary_chunks(Connection& db, int64_t user_id, int64_t mailbox_id,
                           uint32_t old_uidnext, uint32_t uidnext);

// Removes the summaries of `expunged` (any order) from the chunks of the
// mailbox that hold them, deleting a chunk left empty: to be called in the
// transaction that deletes those messages.
Status drop_from_summary_chunks(Connection& db, int64_t mailbox_id, std::vector<uint32_t> expunged);
// Rewrites every chunk to hold only the summaries of messages that exist
// (migration 11: chunks sealed before expunges pruned them).
Status prune_summary_chunks(Connection& db);

// The chunks and unsealed summaries of first_uid..last_uid
// (visit_summary_rows reads them).
Result<SummaryRows> read_summary_rows(Connection& db, int64_t mailbox_id, uint32_t first_uid,
                                      uint32_t last_uid);

}  // namespace eider::store::sqlite
