#include "store/postgres/summary_chunks.h"

#include <algorithm>
#include <iterator>

#include "store/codec.h"

namespace eider::store::postgres {

namespace {

std::vector<UidSummary> summaries_from(const Rows& rows) {
  std::vector<UidSummary> out;
  out.reserve(rows.size());
  for (int i = 0; i < rows.size(); ++i) {
    out.push_back({static_cast<uint32_t>(rows.int64(i, 0)), rows.bytes(i, 1)});
  }
  return out;
}

}  // namespace

Status seal_summary_chunks(Connection& db, int64_t user_id, int64_t mailbox_id,
                           uint32_t old_uidnext, uint32_t uidnext) {
  for (uint64_t last : chunks_to_seal(old_uidnext, uidnext)) {
    const uint32_t first = chunk_first_uid(last);
    Result<Rows> rows = db.query(
        "SELECT uid, summary FROM message_contents WHERE user_id = $1 AND mailbox_id = $2"
        " AND uid BETWEEN $3 AND $4 ORDER BY uid",
        Params(user_id, mailbox_id, first, last));
    if (!rows) return rows.status();
    const std::string packed = pack(encode_summary_chunk(first, summaries_from(*rows)));
    EIDER_RETURN_IF_ERROR(
        db.run("INSERT INTO summary_chunks (user_id, mailbox_id, last_uid, data)"
               " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
               Params(user_id, mailbox_id, last, packed)));
  }
  return Status::ok();
}

Status drop_from_summary_chunks(Connection& db, int64_t user_id, int64_t mailbox_id,
                                const std::vector<uint32_t>& expunged) {
  std::vector<uint32_t> lasts;
  for (uint64_t last : chunks_holding(expunged)) lasts.push_back(static_cast<uint32_t>(last));
  if (lasts.empty()) return Status::ok();
  Result<Rows> chunks = db.query(
      "SELECT last_uid, data FROM summary_chunks WHERE user_id = $1 AND mailbox_id = $2"
      " AND last_uid = ANY ($3) ORDER BY last_uid",
      Params(user_id, mailbox_id, lasts));
  if (!chunks) return chunks.status();
  auto kept = [&](uint32_t uid) {
    return !std::binary_search(expunged.begin(), expunged.end(), uid);
  };
  for (int i = 0; i < chunks->size(); ++i) {
    const auto last = static_cast<uint64_t>(chunks->int64(i, 0));
    Result<ChunkRewrite> rewrite = rewrite_chunk(chunks->view(i, 1), last, kept);
    if (!rewrite) return rewrite.status();
    if (rewrite->action == ChunkRewrite::Action::keep) continue;
    // An emptied chunk is kept, empty (see the header).
    const std::string packed = rewrite->action == ChunkRewrite::Action::remove
                                   ? pack(std::string_view())
                                   : std::move(rewrite->packed);
    EIDER_RETURN_IF_ERROR(
        db.run("UPDATE summary_chunks SET data = $4 WHERE user_id = $1 AND mailbox_id = $2"
               " AND last_uid = $3",
               Params(user_id, mailbox_id, last, packed)));
  }
  return Status::ok();
}

Result<SummaryRows> read_summary_rows(Connection& db, int64_t user_id, int64_t mailbox_id,
                                      uint32_t first_uid, uint32_t last_uid) {
  SummaryRows out;
  if (first_uid > last_uid) return out;
  Result<Rows> chunks = db.query(
      "SELECT last_uid, data FROM summary_chunks WHERE user_id = $1 AND mailbox_id = $2"
      " AND last_uid >= $3 AND last_uid < $4 ORDER BY last_uid",
      Params(user_id, mailbox_id, first_uid, uint64_t{last_uid} + kSummaryChunkUids));
  if (!chunks) return chunks.status();
  std::vector<uint64_t> covered;
  for (int i = 0; i < chunks->size(); ++i) {
    covered.push_back(static_cast<uint64_t>(chunks->int64(i, 0)));
    out.chunks.push_back({chunk_first_uid(covered.back()), chunks->bytes(i, 1)});
  }
  for (auto [low, high] : uncovered_uids(first_uid, last_uid, covered)) {
    Result<Rows> rows = db.query(
        "SELECT uid, summary FROM message_contents WHERE user_id = $1 AND mailbox_id = $2"
        " AND uid BETWEEN $3 AND $4 ORDER BY uid",
        Params(user_id, mailbox_id, low, high));
    if (!rows) return rows.status();
    std::vector<UidSummary> some = summaries_from(*rows);
    std::move(some.begin(), some.end(), std::back_inserter(out.unsealed));
  }
  return out;
}

}  // namespace eider::store::postgres
