// What a route handler sees of an HTTP request and gives back: plain values,
// so that route files need neither Beast nor sockets (api/server.cc turns
// them into HTTP/1.1).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace eider::api {

struct Request {
  std::string method;  // "GET", "POST", ... as sent (upper case)
  std::string target;  // as sent: path and query
  std::string path;    // the target before '?', percent-decoding left to the router
  // Query parameters, percent-decoded ('+' is a space), in order; the
  // access token parameter is already removed.
  std::vector<std::pair<std::string, std::string>> query;
  // Header fields with lower-case names, in order.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string peer;      // the client's IP address
  uint64_t session = 0;  // the connection's id (net::Connection::id), for logs

  // The first value of the header `name` (lower case), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const;
};

// Writes a streamed reply's body in pieces (message.eml, attachments) or a
// long-lived event stream (Server-Sent Events). Lives on the connection's
// I/O thread: call it only from the handler's coroutine, except wake(),
// which may be posted to executor().
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  // Writes the next piece (chunked framing is added when the length was not
  // announced). Fails (Code::io_error) once the client is gone.
  virtual boost::asio::awaitable<Status> write(std::string_view piece) = 0;
  // Waits until `timeout` passes (true), wake() is called (true), or the
  // client closes the connection or the server stops (false). An event
  // stream waits here between events; a heartbeat goes out at each timeout.
  virtual boost::asio::awaitable<bool> wait(std::chrono::milliseconds timeout) = 0;
  // Ends the current or next wait() early. Call on the I/O thread.
  virtual void wake() = 0;
  // False once the client has gone or the server is stopping.
  virtual bool open() const = 0;
  virtual boost::asio::any_io_executor executor() = 0;
};

struct Reply {
  unsigned status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  // Extra header fields (Content-Disposition, Cache-Control, ...).
  std::vector<std::pair<std::string, std::string>> headers;
  // A streamed body: when set, `body` is ignored and this writes the body
  // through the writer, returning when it is complete (or the client
  // gone). `length` announces Content-Length; without it the body is
  // chunked. An event stream sets content_type "text/event-stream" and
  // returns when wait() says the client or server is gone.
  std::function<boost::asio::awaitable<Status>(BodyWriter&)> stream;
  std::optional<uint64_t> length;
};

}  // namespace eider::api
