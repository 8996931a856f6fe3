// Search summaries kept together on disk. Each message's summary is written
// into message_contents with the message, but SQLite places a growing
// index's pages wherever the file ends, between the pages of the messages
// themselves: a cold SEARCH SUBJECT on 100,000 messages read 6,000 scattered
// 4 KiB pages. Once a mailbox's UIDs pass a multiple of kSummaryChunkUids,
// the summaries of that aligned UID range are copied, compressed, into one
// summary_chunks row (schema version 10), which SQLite writes as one run
// of overflow pages; reading a mailbox's summaries then means reading a few
// such runs plus the summaries of the UIDs above the last chunk.
//
// UIDs are not reused, so a sealed range can only lose messages: the
// transaction that expunges them rewrites the chunks that held them without
// their summaries (an expunged message's subject and addresses do not stay
// behind), and deletes a chunk left empty.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/sqlite/connection.h"
#include "store/store.h"

namespace eider::store::sqlite {

// UIDs per chunk; chunk k holds UIDs k*kSummaryChunkUids+1 ..
// (k+1)*kSummaryChunkUids.
inline constexpr uint32_t kSummaryChunkUids = 1024;

// The chunk format (before pack()): for each summary, ascending by UID,
// varint(uid - previous uid, starting from the chunk's first UID - 1),
// varint(length), the summary's bytes.
std::string encode_summary_chunk(uint32_t first_uid, const std::vector<UidSummary>& summaries);
// Visits the summaries of a chunk with first_uid <= uid <= last_uid in
// ascending order; Code::corrupt for a damaged chunk (after visiting those
// before the damage).
Status decode_summary_chunk(std::string_view chunk, uint32_t chunk_first_uid, uint32_t first_uid,
                            uint32_t last_uid, const SummaryVisitor& visit);

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

// What read_summary_rows() found, still packed: reading happens inside a
// reader transaction, decompressing after the connection is back in the
// pool.
struct SummaryRows {
  struct Chunk {
    uint32_t first_uid = 0;
    std::string packed;
  };
  std::vector<Chunk> chunks;
  // Summaries of the UIDs no chunk covers, from message_contents.
  std::vector<UidSummary> unsealed;
};
Result<SummaryRows> read_summary_rows(Connection& db, int64_t mailbox_id, uint32_t first_uid,
                                      uint32_t last_uid);
// Visits the summaries of the messages with first_uid <= uid <= last_uid,
// ascending. A reader's snapshot may predate an expunge, so callers match
// the UIDs visited against their own listing.
Status visit_summary_rows(const SummaryRows& rows, uint32_t first_uid, uint32_t last_uid,
                          const SummaryVisitor& visit);

}  // namespace eider::store::sqlite
