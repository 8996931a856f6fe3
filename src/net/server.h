// Listeners and connections: the machinery every protocol server shares.
//
// A Server owns a fixed number of I/O threads, each running one io_context
// (docs/architecture.md, who runs where). listen() binds an ADDR (host:port, [v6]:port
// or unix:/path) at once, so start-up fails with a one-line reason before
// "eider ready"; start() begins accepting. Each accepted connection lives on
// one I/O thread, chosen round robin, as a coroutine running the service's
// handler; nothing of a connection is touched from another thread except
// through post().
//
// Limits: at most max_connections at once, and max_connections_per_ip from
// one IP address (unix socket peers are counted only in the total). A
// connection over a limit gets the service's refusal line and is closed
// without running the handler.
//
// Shutdown: stop() closes the listeners (unlinking unix socket files) and
// tells every connection to stop: its pending and future reads end with
// Read::Ended::shutdown, while work it is awaiting elsewhere (a store call)
// completes. wait() returns once every handler has returned, or after
// `grace` (the I/O threads then stop with handlers still suspended).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/config.h"
#include "core/status.h"
#include "net/connection.h"

namespace eider::net {

struct ServerOptions {
  std::size_t io_threads = 1;
  uint64_t max_connections = 1000;
  uint64_t max_connections_per_ip = 64;
};

struct Service {
  std::string name;  // "lmtp", for logs
  // Runs one connection. Exceptions it lets escape are logged and the
  // connection is closed; they never reach the I/O thread.
  std::function<boost::asio::awaitable<void>(Connection&)> handler;
  // Written, then the connection closed, when a connection limit is reached.
  std::string refusal;
};

class Server {
 public:
  explicit Server(const ServerOptions& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens on addr. A stale unix socket file is replaced; the new
  // one is made connectable by every local user (restrict access with the
  // folder's permissions). Fails with the address in the message. Call it
  // before start() only.
  Status listen(const core::Addr& addr, Service service);

  // Starts the I/O threads and the accept loops.
  void start();

  // Stops accepting and tells every connection to stop. Thread-safe; idempotent.
  void stop();

  // After stop(): waits for the handlers to return (at most `grace`), then
  // stops the I/O threads. Returns the number of connections still open.
  std::size_t wait(std::chrono::milliseconds grace);

  // Connections currently open, for tests and logs.
  std::size_t connection_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace eider::net
