#include "store/summary_chunks.h"

#include <algorithm>

#include "core/varint.h"
#include "store/codec.h"

namespace eider::store {

uint64_t chunk_last_uid(uint32_t uid) {
  return (uint64_t{uid} + kSummaryChunkUids - 1) / kSummaryChunkUids * kSummaryChunkUids;
}

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

std::vector<uint64_t> chunks_to_seal(uint32_t old_uidnext, uint32_t uidnext) {
  const uint64_t step = kSummaryChunkUids;
  std::vector<uint64_t> out;
  // The first chunk end at or above old_uidnext, i.e. whose last UID was
  // handed out by this transaction.
  for (uint64_t last = (uint64_t{old_uidnext} + step - 1) / step * step; last < uidnext;
       last += step) {
    if (last != 0) out.push_back(last);
  }
  return out;
}

std::vector<uint64_t> chunks_holding(const std::vector<uint32_t>& uids) {
  std::vector<uint64_t> out;
  for (uint32_t uid : uids) {
    const uint64_t last = chunk_last_uid(uid);
    if (out.empty() || out.back() != last) out.push_back(last);
  }
  return out;
}

Result<ChunkRewrite> rewrite_chunk(std::string_view packed, uint64_t last_uid,
                                   const std::function<bool(uint32_t)>& keep) {
  Result<std::string> chunk = unpack(packed);
  if (!chunk) return chunk.status();
  const uint32_t first_uid = chunk_first_uid(last_uid);
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
  ChunkRewrite rewrite;
  if (!dropped) return rewrite;
  if (kept.empty()) {
    rewrite.action = ChunkRewrite::Action::remove;
    return rewrite;
  }
  rewrite.action = ChunkRewrite::Action::replace;
  rewrite.packed = pack(encode_summary_chunk(first_uid, kept));
  return rewrite;
}

std::vector<std::pair<uint32_t, uint32_t>> uncovered_uids(
    uint32_t first_uid, uint32_t last_uid, const std::vector<uint64_t>& chunk_last_uids) {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  // UIDs from `next` on are covered by no chunk seen yet.
  uint64_t next = first_uid;
  auto add = [&](uint64_t below) {
    if (next < below)
      out.emplace_back(static_cast<uint32_t>(next), static_cast<uint32_t>(below - 1));
  };
  for (uint64_t last : chunk_last_uids) {
    add(std::min<uint64_t>(chunk_first_uid(last), uint64_t{last_uid} + 1));
    next = std::max(next, last + 1);
  }
  add(uint64_t{last_uid} + 1);
  return out;
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

}  // namespace eider::store
