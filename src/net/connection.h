// One client connection, as a protocol session sees it: reads and writes
// that end with a reason instead of an exception, an idle timeout, and the
// server's request to stop.
//
// A Connection belongs to one I/O thread; call it only from the coroutine
// that runs it (and, for IMAP IDLE, one writer beside one pending read). It
// holds no buffers of its own unless compression is on: the session owns its
// input buffer and decides how large it may grow.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace eider::net {

class TlsContext;
// The TLS layer over a connection's socket (tls.cc): kept out of this
// header so only tls.cc includes OpenSSL.
struct TlsStream;
struct TlsStreamDeleter {
  void operator()(TlsStream* stream) const;
};
// COMPRESS=DEFLATE state (compression.cc).
struct Compression;
struct CompressionDeleter {
  void operator()(Compression* compression) const;
};

using Socket = boost::asio::generic::stream_protocol::socket;

struct Read {
  enum class Ended {
    no,        // `size` bytes were read (size > 0)
    closed,    // the peer closed the connection (or reset it)
    timeout,   // nothing arrived within the idle timeout
    deadline,  // the deadline (set_deadline) passed first
    shutdown,  // the server is stopping
  };
  std::size_t size = 0;
  Ended ended = Ended::no;
};

// Always held by a shared_ptr: a pending idle timer keeps it alive.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `peer` is the client's IP address ("192.0.2.7", "2001:db8::1") or
  // "unix" for a unix socket peer.
  Connection(Socket socket, std::string peer);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Reads at least one byte into [data, data + size). A read waiting longer
  // than the idle timeout ends with Ended::timeout, one still waiting at the
  // deadline with Ended::deadline; once stop() was called, reads end with
  // Ended::shutdown.
  boost::asio::awaitable<Read> read_some(char* data, std::size_t size);

  // Writes all bytes; fails with Code::io_error when the peer is gone. Not
  // ended by stop(): a peer that never reads holds it until the Server's
  // shutdown grace runs out.
  boost::asio::awaitable<Status> write(std::string_view bytes);

  // Runs the TLS handshake as the server; afterwards reads and writes go
  // through TLS. The caller discards any input it buffered before (RFC 2595
  // 4: bytes pipelined before the handshake are not trusted). Fails with
  // Code::io_error when the handshake fails or times out (idle timeout);
  // the connection is then unusable. Call it once, with nothing in flight.
  boost::asio::awaitable<Status> start_tls(const TlsContext& context);
  bool secure() const { return tls_ != nullptr; }

  // Starts COMPRESS=DEFLATE (RFC 4978): from here on, writes are raw
  // deflate, each ending with a sync flush, and reads are inflated, above
  // TLS when it is on. `already_read` is input the session had read past
  // the COMPRESS command: it belongs to the compressed stream. Call once,
  // with nothing in flight. Bytes that are not raw deflate end reads with
  // Ended::closed and a log line (net.inflate_failed).
  void start_compression(std::string_view already_read);
  bool compressed() const { return compression_ != nullptr; }
  // Frees what compression holds that an idle session does not need
  // (net/deflate.h: the compressor, the inflater's state between blocks,
  // the compressed input buffer). Safe at any time: what is in use stays.
  // A compressed read that waits more than a moment frees the streams by
  // itself, so a session between commands does not keep them either.
  void release_idle_memory();

  // 0 = no timeout.
  void set_idle_timeout(std::chrono::seconds timeout) { idle_timeout_ = timeout; }
  // Reads and the TLS handshake started after this end at `deadline` at the
  // latest (net/deadlines.h); time_point::max() = none.
  void set_deadline(std::chrono::steady_clock::time_point deadline) { deadline_ = deadline; }

  const std::string& peer() const { return peer_; }
  // Numbers connections in accept order, unique within the process: the
  // `session=` of log lines, so one client's lines can be followed.
  uint64_t id() const { return id_; }
  Socket::executor_type executor() { return socket_.get_executor(); }
  bool stopping() const { return stopping_; }

  // Makes pending and future reads end with Ended::shutdown. Called by the
  // Server on the connection's own I/O thread.
  void stop();
  void close();

 private:
  // Arms the idle timer for one operation; see read_some.
  void arm_idle_timer();
  // read_some and write on the socket or TLS, below compression.
  boost::asio::awaitable<Read> read_transport(char* data, std::size_t size);
  boost::asio::awaitable<Status> write_transport(std::string_view bytes);
  boost::asio::awaitable<Read> read_inflated(char* data, std::size_t size);
  // Arms a timer that releases the compression streams if the read about
  // to start still waits after a while (compression.cc).
  void release_compression_later();
  boost::asio::awaitable<Status> write_deflated(std::string_view bytes);

  Socket socket_;
  std::unique_ptr<TlsStream, TlsStreamDeleter> tls_;
  std::unique_ptr<Compression, CompressionDeleter> compression_;
  boost::asio::steady_timer timer_;
  std::string peer_;
  uint64_t id_;
  std::chrono::seconds idle_timeout_{0};
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  // Counts reads, so a timer that fires after its read completed is ignored.
  uint64_t read_generation_ = 0;
  bool stopping_ = false;
  bool timed_out_ = false;
  bool deadline_passed_ = false;  // the timer that fired was the deadline's
};

}  // namespace eider::net
