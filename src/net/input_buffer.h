// A session's input: the bytes read from its connection and not consumed
// yet. Every protocol session (LMTP, POP3, IMAP) reads through one.
//
// Memory: the unread bytes plus room for one read. A buffer that grew for a
// long line, a literal or a message is freed as soon as everything in it has
// been consumed, and release() frees it for a session going idle, so an idle
// session holds no input memory. Reads do not zero-fill the buffer first.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <memory>
#include <string_view>

#include "net/connection.h"
#include "net/deadlines.h"

namespace eider::net {

class InputBuffer {
 public:
  std::string_view unread() const { return {data_.get() + begin_, end_ - begin_}; }
  bool empty() const { return begin_ == end_; }
  // Marks the first n unread bytes as used (n <= unread().size()).
  void consume(std::size_t n) { begin_ += n; }
  // Drops every unread byte: after STARTTLS/STLS, what the client sent
  // before the handshake is not trusted (RFC 2595 4, RFC 3501 6.2.1).
  void clear() { begin_ = end_ = 0; }
  // Frees the memory when nothing is unread.
  void release();

  // Reads at most `chunk` more bytes after the unread ones; unread() views
  // taken before are invalid afterwards. With `deadlines`, the read ends at
  // their next deadline and what it took and brought is charged to them.
  boost::asio::awaitable<Read> read_more(Connection& connection, std::size_t chunk,
                                         Deadlines* deadlines = nullptr);

 private:
  std::unique_ptr<char[]> data_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

}  // namespace eider::net
