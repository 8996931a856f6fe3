#include "net/socket_connection.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "net/tls_stream.h"

namespace eider::net {

namespace asio = boost::asio;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

SocketConnection::SocketConnection(Socket socket, std::string peer)
    : Connection(std::move(peer)), socket_(std::move(socket)), timer_(socket_.get_executor()) {}

asio::awaitable<Read> SocketConnection::read_some(char* data, std::size_t size) {
  if (compression_) co_return co_await read_inflated(data, size);
  co_return co_await read_transport(data, size);
}

asio::awaitable<Read> SocketConnection::read_transport(char* data, std::size_t size) {
  if (stopping_) co_return Read{0, Read::Ended::shutdown};
  arm_idle_timer();
  auto [ec, n] = tls_ ? co_await tls_read_some(*tls_, data, size)
                      : co_await socket_.async_read_some(asio::buffer(data, size), kNoThrow);
  ++read_generation_;
  timer_.cancel();
  if (stopping_) co_return Read{0, Read::Ended::shutdown};
  if (timed_out_)
    co_return Read{0, deadline_passed_ ? Read::Ended::deadline : Read::Ended::timeout};
  if (ec || n == 0) co_return Read{0, Read::Ended::closed};
  co_return Read{n, Read::Ended::no};
}

void SocketConnection::arm_idle_timer() {
  const uint64_t generation = ++read_generation_;
  timed_out_ = false;
  deadline_passed_ = false;
  using Clock = std::chrono::steady_clock;
  Clock::time_point expiry = Clock::time_point::max();
  if (idle_timeout().count() > 0) expiry = Clock::now() + idle_timeout();
  const bool by_deadline = deadline() < expiry;
  if (by_deadline) expiry = deadline();
  if (expiry == Clock::time_point::max()) return;
  timer_.expires_at(expiry);
  timer_.async_wait(
      [self = shared_from_this(), generation, by_deadline](boost::system::error_code ec) {
        if (ec || generation != self->read_generation_) return;
        self->timed_out_ = true;
        self->deadline_passed_ = by_deadline;
        boost::system::error_code ignored;
        self->socket_.cancel(ignored);
      });
}

asio::awaitable<Status> SocketConnection::write(std::string_view bytes) {
  if (compression_) co_return co_await write_deflated(bytes);
  co_return co_await write_transport(bytes);
}

asio::awaitable<Status> SocketConnection::write_transport(std::string_view bytes) {
  auto [ec, n] = tls_ ? co_await tls_write(*tls_, bytes)
                      : co_await asio::async_write(
                            socket_, asio::buffer(bytes.data(), bytes.size()), kNoThrow);
  if (ec) co_return error(Code::io_error, "write to " + peer() + ": " + ec.message());
  co_return Status::ok();
}

void SocketConnection::stop() {
  stopping_ = true;
  // Ends a pending read (it sees end of input) but not a pending write: a
  // reply to a delivery that has committed still goes out.
  boost::system::error_code ignored;
  socket_.shutdown(Socket::shutdown_receive, ignored);
}

void SocketConnection::close() {
  boost::system::error_code ignored;
  socket_.shutdown(Socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace eider::net
