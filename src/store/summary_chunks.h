// Search summaries kept together, as every backend stores them. Reading a
// summary per message row costs a row visit each (SQLite: scattered index
// pages; PostgreSQL: a heap tuple and its transfer each), so once a
// mailbox's UIDs pass a multiple of kSummaryChunkUids, the summaries of
// that aligned UID range are copied, compressed, into one chunk row;
// reading a mailbox's summaries then means a few chunks plus the summaries
// of the UIDs no chunk covers (above the last one, or a range sealed before
// the backend kept chunks).
//
// UIDs are not reused, so a sealed range can only lose messages: the
// transaction that expunges them rewrites the chunks that held them without
// their summaries (an expunged message's subject and addresses do not stay
// behind), and deletes a chunk left empty. This header holds what does not
// depend on the database: the format, which chunks a transaction seals or
// rewrites, and reading; each backend keeps its SQL (sqlite/summary_chunks.h,
// postgres/summary_chunks.h).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/store.h"

namespace eider::store {

// UIDs per chunk; the chunk ending at last_uid (a multiple of this) holds
// UIDs last_uid - kSummaryChunkUids + 1 .. last_uid.
inline constexpr uint32_t kSummaryChunkUids = 1024;

// The last UID of the chunk that holds `uid`.
uint64_t chunk_last_uid(uint32_t uid);
inline uint32_t chunk_first_uid(uint64_t last_uid) {
  return static_cast<uint32_t>(last_uid - kSummaryChunkUids + 1);
}

// The chunk format (before pack()): for each summary, ascending by UID,
// varint(uid - previous uid, starting from the chunk's first UID - 1),
// varint(length), the summary's bytes.
std::string encode_summary_chunk(uint32_t first_uid, const std::vector<UidSummary>& summaries);
// Visits the summaries of a chunk with first_uid <= uid <= last_uid in
// ascending order; Code::corrupt for a damaged chunk (after visiting those
// before the damage).
Status decode_summary_chunk(std::string_view chunk, uint32_t chunk_first_uid, uint32_t first_uid,
                            uint32_t last_uid, const SummaryVisitor& visit);

// The sealing rule: the last UIDs of the chunks a transaction seals that
// took a mailbox's UIDNEXT from `old_uidnext` to `uidnext` (each chunk
// whose last UID it handed out), ascending.
std::vector<uint64_t> chunks_to_seal(uint32_t old_uidnext, uint32_t uidnext);
// The last UIDs of the chunks that may hold `uids` (ascending), ascending.
std::vector<uint64_t> chunks_holding(const std::vector<uint32_t>& uids);

// What becomes of a stored chunk when only the summaries `keep` accepts
// stay.
struct ChunkRewrite {
  enum class Action { keep, remove, replace };
  Action action = Action::keep;
  std::string packed;  // the new chunk, packed, for replace
};
Result<ChunkRewrite> rewrite_chunk(std::string_view packed, uint64_t last_uid,
                                   const std::function<bool(uint32_t)>& keep);

// What a backend read for a UID range, still packed: reading happens in a
// read transaction, decompressing after the connection is free again.
struct SummaryRows {
  struct Chunk {
    uint32_t first_uid = 0;
    std::string packed;
  };
  std::vector<Chunk> chunks;  // ascending
  // Summaries of the UIDs no chunk covers, from the message rows, ascending.
  std::vector<UidSummary> unsealed;
};
// The UID ranges [first, last] within first_uid..last_uid that the chunks
// ending at `chunk_last_uids` (ascending) do not cover: where a reader
// reads message rows.
std::vector<std::pair<uint32_t, uint32_t>> uncovered_uids(
    uint32_t first_uid, uint32_t last_uid, const std::vector<uint64_t>& chunk_last_uids);
// Visits the summaries of the messages with first_uid <= uid <= last_uid,
// ascending. A reader's snapshot may predate an expunge, so callers match
// the UIDs visited against their own listing.
Status visit_summary_rows(const SummaryRows& rows, uint32_t first_uid, uint32_t last_uid,
                          const SummaryVisitor& visit);

}  // namespace eider::store
