// The Connection the Server gives its sessions: an accepted socket, with
// TLS (tls.cc) and COMPRESS=DEFLATE (compression.cc) layered on request,
// and the timer behind the idle timeout and deadline. Private to src/net.
#pragma once

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "net/connection.h"

namespace eider::net {

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

// Always held by a shared_ptr: a pending idle timer keeps it alive.
class SocketConnection final : public Connection,
                               public std::enable_shared_from_this<SocketConnection> {
 public:
  SocketConnection(Socket socket, std::string peer);

  boost::asio::awaitable<Read> read_some(char* data, std::size_t size) override;
  boost::asio::awaitable<Status> write(std::string_view bytes) override;
  boost::asio::awaitable<Status> start_tls(const TlsContext& context) override;
  bool secure() const override { return tls_ != nullptr; }
  void start_compression(std::string_view already_read) override;
  bool compressed() const override { return compression_ != nullptr; }
  void release_idle_memory() override;
  boost::asio::any_io_executor executor() override { return socket_.get_executor(); }
  void close() override;

  // Makes pending and future reads end with Ended::shutdown. Called by the
  // Server on the connection's own I/O thread.
  void stop();

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
  // Counts reads, so a timer that fires after its read completed is ignored.
  uint64_t read_generation_ = 0;
  bool stopping_ = false;
  bool timed_out_ = false;
  bool deadline_passed_ = false;  // the timer that fired was the deadline's
};

}  // namespace eider::net
