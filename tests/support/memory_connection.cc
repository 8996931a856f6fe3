#include "support/memory_connection.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>
#include <stdexcept>

namespace eider::net::testing {

namespace asio = boost::asio;

MemoryConnection::MemoryConnection(asio::any_io_executor executor, std::string peer)
    : Connection(std::move(peer)),
      executor_(std::move(executor)),
      wake_(executor_, asio::steady_timer::time_point::max()) {}

void MemoryConnection::feed(std::string bytes) {
  if (bytes.empty()) return;
  input_.push_back(std::move(bytes));
  wake_.cancel();
}

void MemoryConnection::end_input(Read::Ended how) {
  end_ = how;
  wake_.cancel();
}

std::string MemoryConnection::take_output() {
  std::string out;
  out.swap(output_);
  return out;
}

asio::awaitable<Read> MemoryConnection::read_some(char* data, std::size_t size) {
  while (input_.empty() && !end_) {
    waiting_ = true;
    wake_.expires_at(asio::steady_timer::time_point::max());
    (void)co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
    waiting_ = false;
  }
  if (closed_) co_return Read{0, Read::Ended::closed};
  if (input_.empty()) co_return Read{0, *end_};
  const std::string& piece = input_.front();
  const std::size_t n = std::min(size, piece.size() - taken_);
  std::memcpy(data, piece.data() + taken_, n);
  taken_ += n;
  if (taken_ == piece.size()) {
    input_.pop_front();
    taken_ = 0;
  }
  co_return Read{n, Read::Ended::no};
}

asio::awaitable<Status> MemoryConnection::write(std::string_view bytes) {
  if (closed_) co_return error(Code::io_error, "write to " + peer() + ": closed");
  output_ += bytes;
  co_return Status::ok();
}

asio::awaitable<Status> MemoryConnection::start_tls(const TlsContext&) {
  co_return error(Code::io_error, "TLS handshake with " + peer() + ": no TLS in memory");
}

void MemoryConnection::start_compression(std::string_view already_read) {
  compressed_ = true;
  if (already_read.empty()) return;
  if (taken_ > 0) {  // what is left of the piece being read comes after it
    input_.front().erase(0, taken_);
    taken_ = 0;
  }
  input_.emplace_front(already_read);
}

void MemoryConnection::close() {
  closed_ = true;
  end_ = Read::Ended::closed;
  wake_.cancel();
}

SessionRunner::SessionRunner(const Service& service, std::string peer, std::chrono::seconds limit)
    : work_(context_.get_executor()),
      connection_(std::make_unique<MemoryConnection>(context_.get_executor(), std::move(peer))),
      limit_(limit) {
  asio::co_spawn(context_, service.handler(*connection_), [this](std::exception_ptr failure) {
    done_ = true;
    failure_ = failure;
  });
}

SessionRunner::~SessionRunner() {
  if (!done_) {
    connection_->end_input(Read::Ended::closed);
    try {
      finish_running();
    } catch (...) {  // the test has failed already, or no longer cares
    }
  }
  work_.reset();
  context_.poll();
}

void SessionRunner::check(std::chrono::steady_clock::time_point give_up) {
  if (std::chrono::steady_clock::now() >= give_up) {
    throw std::runtime_error("the session neither waits for input nor ends");
  }
}

void SessionRunner::rethrow() {
  if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
}

std::string SessionRunner::run() {
  const auto give_up = std::chrono::steady_clock::now() + limit_;
  while (!done_) {
    check(give_up);
    if (!connection_->waiting()) {
      context_.run_one_until(give_up);
      continue;
    }
    // Waiting for input with nothing else ready to run: the session has
    // answered all it can.
    if (context_.poll() == 0 && connection_->waiting()) break;
  }
  rethrow();
  return connection_->take_output();
}

std::string SessionRunner::run_until(std::string_view text, std::chrono::milliseconds limit) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  std::string written = connection_->take_output();
  while (!done_ && written.find(text) == std::string::npos &&
         std::chrono::steady_clock::now() < give_up) {
    context_.run_one_until(give_up);
    written += connection_->take_output();
  }
  rethrow();
  return written;
}

std::string SessionRunner::run_for(std::chrono::milliseconds duration) {
  const auto until = std::chrono::steady_clock::now() + duration;
  while (!done_ && std::chrono::steady_clock::now() < until) context_.run_one_until(until);
  rethrow();
  return connection_->take_output();
}

std::string SessionRunner::send(std::string bytes) {
  connection_->feed(std::move(bytes));
  return run();
}

std::string SessionRunner::finish(Read::Ended how) {
  connection_->end_input(how);
  finish_running();
  return connection_->take_output();
}

void SessionRunner::finish_running() {
  const auto give_up = std::chrono::steady_clock::now() + limit_;
  while (!done_) {
    check(give_up);
    context_.run_one_until(give_up);
  }
  rethrow();
}

}  // namespace eider::net::testing
