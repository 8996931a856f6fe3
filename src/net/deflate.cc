// The only translation unit with zlib.
#include "net/deflate.h"

#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace eider::net {
namespace {

// Raw deflate: negative window bits (RFC 4978 2: no zlib header). The
// inflater takes the largest window a peer may use.
constexpr int kDeflateWindowBits = -12;
constexpr int kDeflateMemLevel = 5;
constexpr int kInflateWindowBits = -15;

// zlib's allocations, counted so that held() says what a stream costs.
struct Counted {
  std::size_t bytes = 0;
};

voidpf counted_alloc(voidpf opaque, uInt items, uInt size) {
  const std::size_t bytes = std::size_t{items} * size;
  auto* block = static_cast<std::size_t*>(std::malloc(bytes + sizeof(std::max_align_t)));
  if (block == nullptr) return Z_NULL;
  *block = bytes;
  static_cast<Counted*>(opaque)->bytes += bytes;
  return reinterpret_cast<char*>(block) + sizeof(std::max_align_t);
}

void counted_free(voidpf opaque, voidpf address) {
  auto* block =
      reinterpret_cast<std::size_t*>(static_cast<char*>(address) - sizeof(std::max_align_t));
  static_cast<Counted*>(opaque)->bytes -= *block;
  std::free(block);
}

void prepare(z_stream& stream, Counted& counted) {
  std::memset(&stream, 0, sizeof stream);
  stream.zalloc = counted_alloc;
  stream.zfree = counted_free;
  stream.opaque = &counted;
}

}  // namespace

// ---------------------------------------------------------------- Deflater

struct Deflater::State {
  z_stream stream;
  Counted counted;
  std::unique_ptr<char[]> piece = std::make_unique_for_overwrite<char[]>(kPieceSize);
  ~State() { deflateEnd(&stream); }
};

Deflater::Deflater() = default;
Deflater::~Deflater() = default;

void Deflater::start(std::string_view plain) {
  pending_ = plain;
  flushed_ = false;
}

Result<std::string_view> Deflater::next() {
  if (flushed_) return std::string_view();
  if (!state_) {
    auto state = std::make_unique<State>();
    prepare(state->stream, state->counted);
    if (deflateInit2(&state->stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kDeflateWindowBits,
                     kDeflateMemLevel, Z_DEFAULT_STRATEGY) != Z_OK) {
      return error(Code::internal, "cannot allocate a deflate stream");
    }
    state_ = std::move(state);
  }
  z_stream& stream = state_->stream;
  // zlib reads at most uInt bytes at a time: the rest stays in pending_.
  const std::size_t chunk = std::min<std::size_t>(pending_.size(), 1u << 30);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(pending_.data()));
  stream.avail_in = static_cast<uInt>(chunk);
  stream.next_out = reinterpret_cast<Bytef*>(state_->piece.get());
  stream.avail_out = static_cast<uInt>(kPieceSize);
  const int flush = chunk == pending_.size() ? Z_SYNC_FLUSH : Z_NO_FLUSH;
  // Z_BUF_ERROR only says no progress was possible, which a full piece or
  // an empty input explain; every other result but Z_OK is a bug.
  const int result = deflate(&stream, flush);
  if (result != Z_OK && result != Z_BUF_ERROR) {
    return error(Code::internal, "deflate failed: " + std::to_string(result));
  }
  pending_.remove_prefix(chunk - stream.avail_in);
  const std::size_t produced = kPieceSize - stream.avail_out;
  // A sync flush is complete once zlib left room in the piece: it had
  // nothing more to write.
  if (flush == Z_SYNC_FLUSH && pending_.empty() && stream.avail_out != 0) flushed_ = true;
  return std::string_view(state_->piece.get(), produced);
}

void Deflater::release() {
  if (flushed_) state_.reset();
}

std::size_t Deflater::held() const {
  return state_ ? state_->counted.bytes + kPieceSize : 0;
}

// ---------------------------------------------------------------- Inflater

struct Inflater::State {
  z_stream stream;
  Counted counted;
  ~State() { inflateEnd(&stream); }
};

Inflater::Inflater() = default;
Inflater::~Inflater() = default;

Status Inflater::open() {
  auto state = std::make_unique<State>();
  prepare(state->stream, state->counted);
  if (inflateInit2(&state->stream, kInflateWindowBits) != Z_OK) {
    return error(Code::internal, "cannot allocate an inflate stream");
  }
  if (!history_.empty()) {
    // A raw inflater takes a dictionary at any time (zlib.h): the peer's
    // next blocks may refer back into what it sent before release().
    if (inflateSetDictionary(&state->stream, reinterpret_cast<const Bytef*>(history_.data()),
                             static_cast<uInt>(history_.size())) != Z_OK) {
      return error(Code::internal, "cannot restore the inflate history");
    }
    std::string().swap(history_);
  }
  state_ = std::move(state);
  return Status::ok();
}

Result<Inflater::Step> Inflater::inflate(std::string_view input, char* out, std::size_t size) {
  if (!state_) EIDER_RETURN_IF_ERROR(open());
  z_stream& stream = state_->stream;
  const std::size_t in_chunk = std::min<std::size_t>(input.size(), 1u << 30);
  const std::size_t out_chunk = std::min<std::size_t>(size, 1u << 30);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(in_chunk);
  stream.next_out = reinterpret_cast<Bytef*>(out);
  stream.avail_out = static_cast<uInt>(out_chunk);
  const int result = ::inflate(&stream, Z_SYNC_FLUSH);
  Step step{in_chunk - stream.avail_in, out_chunk - stream.avail_out};
  switch (result) {
    case Z_OK:
    case Z_BUF_ERROR:  // no progress possible: more input is needed
      return step;
    case Z_STREAM_END:
      return error(Code::invalid_argument, "the compressed stream ended (a final block)");
    case Z_MEM_ERROR:
      return error(Code::internal, "inflate: out of memory");
    default:  // Z_DATA_ERROR, Z_NEED_DICT
      return error(Code::invalid_argument,
                   std::string("bad deflate data: ") + (stream.msg ? stream.msg : "invalid"));
  }
}

bool Inflater::release() {
  if (!state_) return true;
  z_stream& stream = state_->stream;
  // zlib.h: data_type has 128 when inflate() stopped right before a block
  // header, and its low bits count the bits it holds of the next byte.
  // A stream that has read nothing stands before its first block too.
  const bool between_blocks =
      ((stream.data_type & 128) != 0 && (stream.data_type & 7) == 0) || stream.total_in == 0;
  if (!between_blocks || stream.avail_in != 0) return false;
  uInt length = 0;
  if (inflateGetDictionary(&stream, Z_NULL, &length) != Z_OK) return false;
  std::string history(length, '\0');
  if (length > 0 &&
      inflateGetDictionary(&stream, reinterpret_cast<Bytef*>(history.data()), &length) != Z_OK) {
    return false;
  }
  history_ = std::move(history);
  state_.reset();
  return true;
}

std::size_t Inflater::held() const {
  return state_ ? state_->counted.bytes : history_.size();
}

}  // namespace eider::net
