#include "store/sqlite/summary_chunks.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "store/codec.h"

namespace eider::store::sqlite {

namespace {

UidSummary summary_from(const Statement& row) {
  return UidSummary{static_cast<uint32_t>(row.int64(0)), row.text(1)};
}

Result<std::vector<UidSummary>> stored_summaries(Connection& db, int64_t mailbox_id,
                                                 uint64_t first_uid, uint64_t last_uid) {
  return db.query_rows<UidSummary>(
      "SELECT uid, summary FROM message_contents WHERE mailbox_id = ? AND uid BETWEEN ? AND ?"
      " ORDER BY uid",
      summary_from, mailbox_id, first_uid, last_uid);
}

Result<std::string> load_one_chunk(Connection& db, int64_t mailbox_id, uint64_t last_uid) {
  Result<Statement> stmt =
      db.prepare("SELECT data FROM summary_chunks WHERE mailbox_id = ? AND last_uid = ?");
  if (!stmt) return stmt.status();
  Result<bool> found = stmt->bind(mailbox_id, last_uid).step();
  if (!found) return found.status();
  if (!*found) return error(Code::not_found, "no summary chunk");
  return stmt->text(0);
}

// Rewrites the chunk of `mailbox_id` ending at `last_uid` (if it exists)
// with only the summaries whose UID `keep` accepts (store::rewrite_chunk).
Status rewrite_stored_chunk(Connection& db, int64_t mailbox_id, uint64_t last_uid,
                            const std::function<bool(uint32_t)>& keep) {
  Result<std::string> packed = load_one_chunk(db, mailbox_id, last_uid);
  if (!packed) return packed.status().code() == Code::not_found ? Status::ok() : packed.status();
  Result<ChunkRewrite> rewrite = rewrite_chunk(*packed, last_uid, keep);
  if (!rewrite) return rewrite.status();
  switch (rewrite->action) {
    case ChunkRewrite::Action::keep:
      return Status::ok();
    case ChunkRewrite::Action::remove:
      return db.run("DELETE FROM summary_chunks WHERE mailbox_id = ? AND last_uid = ?", mailbox_id,
                    last_uid);
    case ChunkRewrite::Action::replace:
      return db.run("UPDATE summary_chunks SET data = ? WHERE mailbox_id = ? AND last_uid = ?",
                    Bytes{std::move(rewrite->packed)}, mailbox_id, last_uid);
  }
  return Status::ok();
}

}  // namespace

Status seal_summary_chunks(Connection& db, int64_t user_id, int64_t mailbox_id,
                           uint32_t old_uidnext, uint32_t uidnext) {
  for (uint64_t last : chunks_to_seal(old_uidnext, uidnext)) {
    const uint32_t first = chunk_first_uid(last);
    Result<std::vector<UidSummary>> summaries = stored_summaries(db, mailbox_id, first, last);
    if (!summaries) return summaries.status();
    EIDER_RETURN_IF_ERROR(
        db.run("INSERT OR IGNORE INTO summary_chunks (mailbox_id, last_uid, user_id, data)"
               " VALUES (?, ?, ?, ?)",
               mailbox_id, last, user_id, Bytes{pack(encode_summary_chunk(first, *summaries))}));
  }
  return Status::ok();
}

Status drop_from_summary_chunks(Connection& db, int64_t mailbox_id,
                                std::vector<uint32_t> expunged) {
  std::sort(expunged.begin(), expunged.end());
  auto kept = [&](uint32_t uid) {
    return !std::binary_search(expunged.begin(), expunged.end(), uid);
  };
  for (uint64_t last : chunks_holding(expunged)) {
    EIDER_RETURN_IF_ERROR(rewrite_stored_chunk(db, mailbox_id, last, kept));
  }
  return Status::ok();
}

Status prune_summary_chunks(Connection& db) {
  struct Key {
    int64_t mailbox_id;
    int64_t user_id;
    uint64_t last_uid;
  };
  Result<std::vector<Key>> keys = db.query_rows<Key>(
      "SELECT mailbox_id, user_id, last_uid FROM summary_chunks", [](const Statement& row) {
        return Key{row.int64(0), row.int64(1), static_cast<uint64_t>(row.int64(2))};
      });
  if (!keys) return keys.status();
  for (const Key& key : *keys) {
    Result<std::vector<uint32_t>> live = db.query_rows<uint32_t>(
        "SELECT uid FROM messages WHERE user_id = ? AND mailbox_id = ? AND uid BETWEEN ? AND ?"
        " ORDER BY uid",
        [](const Statement& row) { return static_cast<uint32_t>(row.int64(0)); }, key.user_id,
        key.mailbox_id, key.last_uid - kSummaryChunkUids + 1, key.last_uid);
    if (!live) return live.status();
    EIDER_RETURN_IF_ERROR(rewrite_stored_chunk(db, key.mailbox_id, key.last_uid, [&](uint32_t uid) {
      return std::binary_search(live->begin(), live->end(), uid);
    }));
  }
  return Status::ok();
}

Result<SummaryRows> read_summary_rows(Connection& db, int64_t mailbox_id, uint32_t first_uid,
                                      uint32_t last_uid) {
  SummaryRows rows;
  if (first_uid > last_uid) return rows;
  Result<Statement> stmt = db.prepare(
      "SELECT last_uid, data FROM summary_chunks WHERE mailbox_id = ? AND last_uid >= ?"
      " AND last_uid < ? ORDER BY last_uid");
  if (!stmt) return stmt.status();
  stmt->bind(mailbox_id, first_uid, uint64_t{last_uid} + kSummaryChunkUids);
  std::vector<uint64_t> covered;
  for (;;) {
    Result<bool> row = stmt->step();
    if (!row) return row.status();
    if (!*row) break;
    covered.push_back(static_cast<uint64_t>(stmt->int64(0)));
    rows.chunks.push_back({chunk_first_uid(covered.back()), stmt->text(1)});
  }
  for (auto [first, last] : uncovered_uids(first_uid, last_uid, covered)) {
    Result<std::vector<UidSummary>> some = stored_summaries(db, mailbox_id, first, last);
    if (!some) return some.status();
    std::move(some->begin(), some->end(), std::back_inserter(rows.unsealed));
  }
  return rows;
}

}  // namespace eider::store::sqlite
