#include "store/sqlite/summary_chunks.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "core/varint.h"
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
// with only the summaries whose UID `keep` accepts; deletes it when none is
// left, and leaves it alone when every one is kept.
template <typename Keep>
Status rewrite_chunk(Connection& db, int64_t mailbox_id, uint64_t last_uid, const Keep& keep) {
  Result<std::string> packed = load_one_chunk(db, mailbox_id, last_uid);
  if (!packed) return packed.status().code() == Code::not_found ? Status::ok() : packed.status();
  Result<std::string> chunk = unpack(*packed);
  if (!chunk) return chunk.status();
  const auto first_uid = static_cast<uint32_t>(last_uid - kSummaryChunkUids + 1);
  std::vector<UidSummary> kept;
  bool dropped = false;
  EIDER_RETURN_IF_ERROR(decode_summary_chunk(*chunk, first_uid, first_uid,
                                             static_cast<uint32_t>(last_uid),
                                             [&](uint32_t uid, std::string_view summary) {
                                               if (keep(uid)) {
                                                 kept.push_back({uid, std::string(summary)});
                                               } else {
                                                 dropped = true;
                                               }
                                             }));
  if (!dropped) return Status::ok();
  if (kept.empty()) {
    return db.run("DELETE FROM summary_chunks WHERE mailbox_id = ? AND last_uid = ?", mailbox_id,
                  last_uid);
  }
  return db.run("UPDATE summary_chunks SET data = ? WHERE mailbox_id = ? AND last_uid = ?",
                Bytes{pack(encode_summary_chunk(first_uid, kept))}, mailbox_id, last_uid);
}

uint64_t chunk_last_uid(uint32_t uid) {
  return (uint64_t{uid} + kSummaryChunkUids - 1) / kSummaryChunkUids * kSummaryChunkUids;
}

}  // namespace

std::string encode_summary_chunk(uint32_t first_uid, const std::vector<UidSummary>& summaries) {
  std::string out;
  std::size_t bytes = 0;
  for (const UidSummary& one : summaries) bytes += one.summary.size() + 4;
  out.reserve(bytes);
  uint32_t previous = first_uid - 1;
  for (const UidSummary& one : summaries) {
    put_varint(out, one.uid - previous);
    put_varint(out, one.summary.size());
    out += one.summary;
    previous = one.uid;
  }
  return out;
}

Status decode_summary_chunk(std::string_view chunk, uint32_t chunk_first_uid, uint32_t first_uid,
                            uint32_t last_uid, const SummaryVisitor& visit) {
  uint64_t uid = uint64_t{chunk_first_uid} - 1;
  const uint64_t chunk_last = uint64_t{chunk_first_uid} + kSummaryChunkUids - 1;
  while (!chunk.empty()) {
    uint64_t gap = 0;
    uint64_t size = 0;
    if (!get_varint(chunk, gap) || gap == 0 || !get_varint(chunk, size) || size > chunk.size()) {
      return error(Code::corrupt, "damaged search summary chunk");
    }
    uid += gap;
    if (uid > chunk_last) return error(Code::corrupt, "search summary chunk overruns its UIDs");
    if (uid > last_uid) break;
    if (uid >= first_uid) visit(static_cast<uint32_t>(uid), chunk.substr(0, size));
    chunk.remove_prefix(size);
  }
  return Status::ok();
}

Status seal_summary_chunks(Connection& db, int64_t user_id, int64_t mailbox_id,
                           uint32_t old_uidnext, uint32_t uidnext) {
  const uint64_t step = kSummaryChunkUids;
  // The first chunk end at or above old_uidnext, i.e. whose last UID was
  // handed out by this transaction.
  for (uint64_t last = (uint64_t{old_uidnext} + step - 1) / step * step; last < uidnext;
       last += step) {
    if (last == 0) continue;
    const uint64_t first = last - step + 1;
    Result<std::vector<UidSummary>> summaries = stored_summaries(db, mailbox_id, first, last);
    if (!summaries) return summaries.status();
    const std::string chunk = encode_summary_chunk(static_cast<uint32_t>(first), *summaries);
    EIDER_RETURN_IF_ERROR(
        db.run("INSERT OR IGNORE INTO summary_chunks (mailbox_id, last_uid, user_id, data)"
               " VALUES (?, ?, ?, ?)",
               mailbox_id, last, user_id, Bytes{pack(chunk)}));
  }
  return Status::ok();
}

Status drop_from_summary_chunks(Connection& db, int64_t mailbox_id,
                                std::vector<uint32_t> expunged) {
  std::sort(expunged.begin(), expunged.end());
  auto kept = [&](uint32_t uid) {
    return !std::binary_search(expunged.begin(), expunged.end(), uid);
  };
  for (auto at = expunged.begin(); at != expunged.end();) {
    const uint64_t last = chunk_last_uid(*at);
    EIDER_RETURN_IF_ERROR(rewrite_chunk(db, mailbox_id, last, kept));
    at = std::upper_bound(at, expunged.end(), last);
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
    EIDER_RETURN_IF_ERROR(rewrite_chunk(db, key.mailbox_id, key.last_uid, [&](uint32_t uid) {
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
  // UIDs from `next` on are covered neither by a chunk nor by rows read.
  uint64_t next = first_uid;
  auto read_unsealed = [&](uint64_t below) -> Status {
    if (next >= below) return Status::ok();
    Result<std::vector<UidSummary>> some = stored_summaries(db, mailbox_id, next, below - 1);
    if (!some) return some.status();
    std::move(some->begin(), some->end(), std::back_inserter(rows.unsealed));
    return Status::ok();
  };
  for (;;) {
    Result<bool> row = stmt->step();
    if (!row) return row.status();
    if (!*row) break;
    const auto chunk_last = static_cast<uint64_t>(stmt->int64(0));
    const uint64_t chunk_first = chunk_last - kSummaryChunkUids + 1;
    EIDER_RETURN_IF_ERROR(read_unsealed(chunk_first));
    rows.chunks.push_back({static_cast<uint32_t>(chunk_first), stmt->text(1)});
    next = chunk_last + 1;
  }
  EIDER_RETURN_IF_ERROR(read_unsealed(uint64_t{last_uid} + 1));
  return rows;
}

Status visit_summary_rows(const SummaryRows& rows, uint32_t first_uid, uint32_t last_uid,
                          const SummaryVisitor& visit) {
  // One buffer per store thread, reused by every chunk: a SEARCH unpacks
  // a hundred 200 KiB chunks on 100,000 messages. Kept up to kKeptBuffer.
  constexpr std::size_t kKeptBuffer = 512 * 1024;
  thread_local std::string buffer;
  auto unsealed = rows.unsealed.begin();
  auto visit_unsealed = [&](uint64_t below) {
    for (; unsealed != rows.unsealed.end() && unsealed->uid < below; ++unsealed) {
      visit(unsealed->uid, unsealed->summary);
    }
  };
  for (const SummaryRows::Chunk& chunk : rows.chunks) {
    visit_unsealed(chunk.first_uid);
    Result<std::string_view> bytes = unpack_into(chunk.packed, buffer);
    if (!bytes) return bytes.status();
    Status decoded = decode_summary_chunk(*bytes, chunk.first_uid, first_uid, last_uid, visit);
    if (buffer.size() > kKeptBuffer) std::string().swap(buffer);
    if (!decoded) return decoded;
  }
  visit_unsealed(uint64_t{UINT32_MAX} + 1);
  return Status::ok();
}

}  // namespace eider::store::sqlite
