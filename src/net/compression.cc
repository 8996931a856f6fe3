// COMPRESS=DEFLATE on a SocketConnection: the deflate streams of net/deflate.h
// between the session and the socket (or TLS), and the one buffer they
// need, for compressed input not inflated yet.
#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstring>
#include <optional>

#include "core/log.h"
#include "net/deflate.h"
#include "net/socket_connection.h"

namespace eider::net {

namespace asio = boost::asio;

namespace {

// Compressed bytes asked of the socket per read: about what the session
// asked for in plain bytes, so that IMAP IDLE's small read of DONE holds a
// small buffer, and never more than the session's usual read.
constexpr std::size_t kMinCompressedRead = 64;
constexpr std::size_t kMaxCompressedRead = 16 * 1024;
// The read that starts with nothing buffered after a read that did not
// fill its buffer: the client has probably sent all it had (a command),
// and the next bytes may be minutes away, so the buffer that waits for
// them is small. A read that fills its buffer makes the next one full size.
constexpr std::size_t kQuietRead = 1024;

// A session that has waited this long for its next bytes gives back its
// deflate state (net/deflate.h: about 80 KiB), as an IDLE session does at
// once: a client keeps spare connections open for minutes between
// commands. A busy session keeps the state from one command to the next.
constexpr std::chrono::seconds kReleaseAfter{2};

}  // namespace

struct Compression {
  Deflater deflater;
  Inflater inflater;
  // Compressed input read and not inflated yet: [begin, end) of `input`.
  std::unique_ptr<char[]> input;
  std::size_t capacity = 0;
  std::size_t begin = 0;
  std::size_t end = 0;
  bool reading = false;  // a socket read into `input` is pending
  // The last inflate filled the caller's buffer: zlib may hold more output.
  bool output_pending = false;
  bool writing = false;         // the deflater is in use by a write
  bool failed = false;          // the peer sent bad deflate data: reads end closed
  bool last_read_full = false;  // the last socket read filled what it asked for
  // Releases the streams while a read waits (kReleaseAfter); `reads`
  // counts finished reads, so a timer that fired late is ignored.
  std::optional<asio::steady_timer> release_timer;
  uint64_t reads = 0;
};

void CompressionDeleter::operator()(Compression* compression) const {
  delete compression;
}

void SocketConnection::start_compression(std::string_view already_read) {
  compression_.reset(new Compression);
  if (already_read.empty()) return;
  Compression& c = *compression_;
  c.input = std::make_unique_for_overwrite<char[]>(already_read.size());
  std::memcpy(c.input.get(), already_read.data(), already_read.size());
  c.capacity = c.end = already_read.size();
}

void SocketConnection::release_idle_memory() {
  if (!compression_) return;
  Compression& c = *compression_;
  if (!c.writing) c.deflater.release();
  if (c.reading || c.begin != c.end || c.output_pending) return;
  c.inflater.release();
  c.input.reset();
  c.capacity = c.begin = c.end = 0;
}

void SocketConnection::release_compression_later() {
  Compression& c = *compression_;
  if (!c.release_timer) c.release_timer.emplace(socket_.get_executor());
  c.release_timer->expires_after(kReleaseAfter);
  c.release_timer->async_wait(
      [self = shared_from_this(), reads = c.reads](boost::system::error_code ec) {
        if (ec || !self->compression_) return;
        Compression& c = *self->compression_;
        if (c.reads != reads || !c.reading) return;
        if (!c.writing) c.deflater.release();
        c.inflater.release();
      });
}

asio::awaitable<Read> SocketConnection::read_inflated(char* data, std::size_t size) {
  Compression& c = *compression_;
  while (true) {
    if (c.failed) co_return Read{0, Read::Ended::closed};
    // Inflate what is buffered first: an earlier read may have filled the
    // caller's buffer with more still to come. With nothing buffered the
    // inflater is left alone, so that a released one (net/deflate.h) is not
    // rebuilt, window and all, only to wait for input.
    if (c.begin != c.end || c.output_pending) {
      Result<Inflater::Step> step = c.inflater.inflate(
          std::string_view(c.input.get() + c.begin, c.end - c.begin), data, size);
      if (!step) {
        core::log_event(core::LogLevel::warn, "net.inflate_failed",
                        {{"peer", peer()}, {"error", step.status().to_string()}});
        c.failed = true;
        co_return Read{0, Read::Ended::closed};
      }
      c.begin += step->consumed;
      if (c.begin == c.end) c.begin = c.end = 0;
      c.output_pending = step->produced == size;
      if (step->produced > 0) co_return Read{step->produced, Read::Ended::no};
    }

    std::size_t want = std::clamp(size, kMinCompressedRead, kMaxCompressedRead);
    if (c.begin == c.end && !c.last_read_full) {
      want = std::min(want, kQuietRead);
      if (c.capacity > want) {  // what a burst grew is not kept for the wait
        c.input.reset();
        c.capacity = c.begin = c.end = 0;
      }
    }
    if (c.begin > 0) {
      std::memmove(c.input.get(), c.input.get() + c.begin, c.end - c.begin);
      c.end -= c.begin;
      c.begin = 0;
    }
    if (c.capacity < c.end + want) {
      auto grown = std::make_unique_for_overwrite<char[]>(c.end + want);
      if (c.end > 0) std::memcpy(grown.get(), c.input.get(), c.end);
      c.input = std::move(grown);
      c.capacity = c.end + want;
    }
    // With nothing buffered, every byte given to the inflater is consumed:
    // it may be released while this read waits.
    const bool releasable = c.end == 0 && !c.output_pending;
    if (releasable) release_compression_later();
    c.reading = true;
    Read read = co_await read_transport(c.input.get() + c.end, want);
    c.reading = false;
    ++c.reads;
    if (releasable) c.release_timer->cancel();
    c.last_read_full = read.size == want;
    if (read.ended != Read::Ended::no) co_return read;
    c.end += read.size;
  }
}

asio::awaitable<Status> SocketConnection::write_deflated(std::string_view bytes) {
  Compression& c = *compression_;
  c.writing = true;
  c.deflater.start(bytes);
  Status status = Status::ok();
  while (status.is_ok()) {
    Result<std::string_view> piece = c.deflater.next();
    if (!piece) {
      status = piece.status();
    } else if (piece->empty()) {
      break;
    } else {
      status = co_await write_transport(*piece);
    }
  }
  c.writing = false;
  co_return status;
}

}  // namespace eider::net
