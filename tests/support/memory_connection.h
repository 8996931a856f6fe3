// Protocol sessions without sockets: a net::Connection over memory, and a
// runner that drives one session (a net::Service handler) over it on the
// test's own thread (docs/architecture.md, testing).
//
//   SessionRunner imap(imap::service(settings, services));
//   std::string greeting = imap.run();
//   std::string reply = imap.send("a LOGIN bob pw\r\n");
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "net/connection.h"
#include "net/server.h"

namespace eider::net::testing {

// The session reads what the test fed, in the pieces it was fed (one read
// never spans two feed() calls, so the test decides where input splits: a
// pipelined burst is one piece, a literal cut short is a piece and then the
// end of input). A read with nothing fed waits until more is fed or the
// input ends. What the session writes is kept until the test takes it.
//
// Not a socket: start_tls fails (give sessions no TlsContext), COMPRESS is
// recorded but not applied (the test reads plain text after it), and the
// idle timeout and deadline are ignored (end_input says how reads end).
class MemoryConnection final : public Connection {
 public:
  explicit MemoryConnection(boost::asio::any_io_executor executor, std::string peer = "192.0.2.1");

  void feed(std::string bytes);
  // Once everything fed is read, reads end with `how`.
  void end_input(Read::Ended how = Read::Ended::closed);
  // True while a read waits for input that was not fed.
  bool waiting() const { return waiting_; }
  // What the session wrote since the last call.
  std::string take_output();
  bool closed() const { return closed_; }

  boost::asio::awaitable<Read> read_some(char* data, std::size_t size) override;
  boost::asio::awaitable<Status> write(std::string_view bytes) override;
  boost::asio::awaitable<Status> start_tls(const TlsContext& context) override;
  bool secure() const override { return false; }
  void start_compression(std::string_view already_read) override;
  bool compressed() const override { return compressed_; }
  void release_idle_memory() override {}
  boost::asio::any_io_executor executor() override { return executor_; }
  void close() override;

 private:
  boost::asio::any_io_executor executor_;
  // A waiting read sleeps on it; feed, end_input and close wake it.
  boost::asio::steady_timer wake_;
  std::deque<std::string> input_;
  std::size_t taken_ = 0;  // bytes of input_.front() already read
  std::optional<Read::Ended> end_;
  std::string output_;
  bool waiting_ = false;
  bool compressed_ = false;
  bool closed_ = false;
};

// Runs one session over a MemoryConnection. The session starts at once and
// runs only inside run(), send() and finish(), on the calling thread; store
// calls it awaits complete on the store threads meanwhile. Each of those
// waits at most `limit` for the session to wait for input (or return), and
// rethrows what the session threw.
class SessionRunner {
 public:
  explicit SessionRunner(const Service& service, std::string peer = "192.0.2.1",
                         std::chrono::seconds limit = std::chrono::seconds(20));
  // Ends the input and lets the session return: it uses the caller's
  // services, so destroy the runner before them.
  ~SessionRunner();
  SessionRunner(const SessionRunner&) = delete;
  SessionRunner& operator=(const SessionRunner&) = delete;

  // Runs the session until it waits for input or returns; what it wrote.
  std::string run();
  // feed(bytes), then run().
  std::string send(std::string bytes);
  // Runs the session until what it writes contains `text` (or it returns),
  // at most `limit`; what it wrote. For what comes by itself, later: a push
  // while idling, a timer's poll.
  std::string run_until(std::string_view text, std::chrono::milliseconds limit);
  // Runs the session for `duration` whatever it does; what it wrote.
  std::string run_for(std::chrono::milliseconds duration);
  // end_input(how), then runs until the session returns; what it wrote.
  std::string finish(Read::Ended how = Read::Ended::closed);
  bool done() const { return done_; }
  MemoryConnection& connection() { return *connection_; }

 private:
  // Runs handlers until the session returns.
  void finish_running();
  // Throws once `give_up` has passed.
  void check(std::chrono::steady_clock::time_point give_up);
  // Throws what the session threw, once.
  void rethrow();

  boost::asio::io_context context_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::unique_ptr<MemoryConnection> connection_;
  std::chrono::seconds limit_;
  bool done_ = false;
  std::exception_ptr failure_;
};

}  // namespace eider::net::testing
