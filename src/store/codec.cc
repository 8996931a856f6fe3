#include "store/codec.h"

#include <zstd.h>

namespace eider::store {

namespace {

constexpr char kRaw = 0x00;
constexpr char kZstd = 0x01;
// Fast levels: ingest latency matters more than the last few percent.
constexpr int kLevel = 3;
// Below this, a zstd frame's overhead outweighs any gain.
constexpr size_t kMinCompress = 64;
// A frame claiming more than this is treated as corrupt (no unbounded allocation).
constexpr unsigned long long kMaxContent = 1ull << 32;

// One context per thread, reused: ZSTD_compress and ZSTD_decompress build
// and free a context on every call, which cost more than the work itself for
// messages of a few kilobytes (perf: most of a header SEARCH's time).
struct Contexts {
  ZSTD_CCtx* compress = ZSTD_createCCtx();
  ZSTD_DCtx* decompress = ZSTD_createDCtx();
  Contexts() = default;
  Contexts(const Contexts&) = delete;
  Contexts& operator=(const Contexts&) = delete;
  ~Contexts() {
    ZSTD_freeCCtx(compress);
    ZSTD_freeDCtx(decompress);
  }
};

Contexts& contexts() {
  thread_local Contexts per_thread;
  return per_thread;
}

std::string raw(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + 1);
  out.push_back(kRaw);
  out.append(bytes);
  return out;
}

}  // namespace

std::string pack(std::string_view bytes) {
  if (bytes.size() < kMinCompress) return raw(bytes);
  std::string out(1 + ZSTD_compressBound(bytes.size()), '\0');
  out[0] = kZstd;
  size_t n = ZSTD_compressCCtx(contexts().compress, out.data() + 1, out.size() - 1, bytes.data(),
                               bytes.size(), kLevel);
  if (ZSTD_isError(n) || n >= bytes.size()) return raw(bytes);
  out.resize(n + 1);
  return out;
}

Result<std::string_view> unpack_into(std::string_view stored, std::string& buffer) {
  if (stored.empty()) return error(Code::corrupt, "stored bytes have no marker");
  std::string_view body = stored.substr(1);
  if (stored[0] == kRaw) return body;
  if (stored[0] != kZstd) return error(Code::corrupt, "unknown stored-bytes marker");
  unsigned long long size = ZSTD_getFrameContentSize(body.data(), body.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > kMaxContent) {
    return error(Code::corrupt, "bad zstd frame in stored bytes");
  }
  if (buffer.size() < size) buffer.resize(size);
  size_t n =
      ZSTD_decompressDCtx(contexts().decompress, buffer.data(), size, body.data(), body.size());
  if (ZSTD_isError(n) || n != size) return error(Code::corrupt, "bad zstd frame in stored bytes");
  return std::string_view(buffer.data(), size);
}

Result<std::string> unpack(std::string_view stored) {
  std::string buffer;
  Result<std::string_view> bytes = unpack_into(stored, buffer);
  if (!bytes) return bytes.status();
  // A raw value is a view of `stored`; a zstd one is all of `buffer`.
  if (bytes->data() != buffer.data()) return std::string(*bytes);
  return buffer;
}

}  // namespace eider::store
