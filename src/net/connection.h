// One client connection, as a protocol session sees it: reads and writes
// that end with a reason instead of an exception, an idle timeout, and the
// server's request to stop.
//
// An interface, so that session logic runs over something other than a
// socket: the server's connections are SocketConnections (socket_connection.h,
// with TLS and COMPRESS); unit tests drive sessions through an in-memory one
// (tests/support/memory_connection.h).
//
// A Connection belongs to one I/O thread; call it only from the coroutine
// that runs it (and, for IMAP IDLE, one writer beside one pending read). It
// holds no buffers of its own unless compression is on: the session owns its
// input buffer and decides how large it may grow.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace eider::net {

class TlsContext;

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

class Connection {
 public:
  virtual ~Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Reads at least one byte into [data, data + size). A read waiting longer
  // than the idle timeout ends with Ended::timeout, one still waiting at the
  // deadline with Ended::deadline; once the server stops, reads end with
  // Ended::shutdown.
  virtual boost::asio::awaitable<Read> read_some(char* data, std::size_t size) = 0;

  // Writes all bytes; fails with Code::io_error when the peer is gone. Not
  // ended by the server's stop: a peer that never reads holds it until the
  // Server's shutdown grace runs out.
  virtual boost::asio::awaitable<Status> write(std::string_view bytes) = 0;

  // Runs the TLS handshake as the server; afterwards reads and writes go
  // through TLS. The caller discards any input it buffered before (RFC 2595
  // 4: bytes pipelined before the handshake are not trusted). Fails with
  // Code::io_error when the handshake fails or times out (idle timeout);
  // the connection is then unusable. Call it once, with nothing in flight.
  virtual boost::asio::awaitable<Status> start_tls(const TlsContext& context) = 0;
  virtual bool secure() const = 0;

  // Starts COMPRESS=DEFLATE (RFC 4978): from here on, writes are raw
  // deflate, each ending with a sync flush, and reads are inflated, above
  // TLS when it is on. `already_read` is input the session had read past
  // the COMPRESS command: it belongs to the compressed stream. Call once,
  // with nothing in flight. Bytes that are not raw deflate end reads with
  // Ended::closed and a log line (net.inflate_failed).
  virtual void start_compression(std::string_view already_read) = 0;
  virtual bool compressed() const = 0;
  // Frees what compression holds that an idle session does not need
  // (net/deflate.h: the compressor, the inflater's state between blocks,
  // the compressed input buffer). Safe at any time: what is in use stays.
  // A compressed read that waits more than a moment frees the streams by
  // itself, so a session between commands does not keep them either.
  virtual void release_idle_memory() = 0;

  // 0 = no timeout.
  void set_idle_timeout(std::chrono::seconds timeout) { idle_timeout_ = timeout; }
  // Reads and the TLS handshake started after this end at `deadline` at the
  // latest (net/deadlines.h); time_point::max() = none.
  void set_deadline(std::chrono::steady_clock::time_point deadline) { deadline_ = deadline; }

  // The client's IP address ("192.0.2.7", "2001:db8::1") or "unix" for a
  // unix socket peer.
  const std::string& peer() const { return peer_; }
  // Numbers connections in accept order, unique within the process: the
  // `session=` of log lines, so one client's lines can be followed.
  uint64_t id() const { return id_; }
  // The I/O thread's executor, for the session's timers and coroutines.
  virtual boost::asio::any_io_executor executor() = 0;

  // Closes the connection at once: a pending read ends with Ended::closed.
  virtual void close() = 0;

 protected:
  explicit Connection(std::string peer);

  std::chrono::seconds idle_timeout() const { return idle_timeout_; }
  std::chrono::steady_clock::time_point deadline() const { return deadline_; }

 private:
  std::string peer_;
  uint64_t id_;
  std::chrono::seconds idle_timeout_{0};
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
};

}  // namespace eider::net
