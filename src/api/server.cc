// The API's HTTP/1.1 connections: one coroutine per connection reads one
// request at a time (Beast's parser over the connection's input buffer),
// answers it, then reads the next, so pipelined requests are answered in
// order and at most one read's worth of the ones behind is buffered.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>
#include <mutex>
#include <unordered_map>

#include "api/api.h"
#include "api/auth.h"
#include "api/reply.h"
#include "core/ascii.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/metrics.h"
#include "net/deadlines.h"
#include "net/input_buffer.h"

namespace eider::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

constexpr std::size_t kReadChunk = 16 * 1024;
// Node's (and so WildDuck's) default limit for a request's header block.
constexpr std::size_t kHeaderLimit = 16 * 1024;

// Requests running at once per client IP, over all its connections.
class RequestsPerIp {
 public:
  bool enter(const std::string& ip, uint64_t max) {
    std::lock_guard lock(mutex_);
    uint64_t& count = counts_[ip];
    if (max != 0 && count >= max) {
      if (count == 0) counts_.erase(ip);
      return false;
    }
    ++count;
    return true;
  }
  void leave(const std::string& ip) {
    std::lock_guard lock(mutex_);
    auto it = counts_.find(ip);
    if (it != counts_.end() && --it->second == 0) counts_.erase(it);
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, uint64_t> counts_;
};

struct Shared {
  const Services& services;
  RequestsPerIp per_ip;
};

std::string hex_size(std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), kHex[n & 0xf]);
    n >>= 4;
  } while (n != 0);
  return out;
}

bool is_json_type(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  type = core::trim_wsp(type);
  return core::iequals(type, "application/json") ||
         (core::istarts_with(type, "application/") && type.size() > 5 &&
          core::iequals(type.substr(type.size() - 5), "+json"));
}

// The body writer of one streamed reply; see BodyWriter. For an event
// stream it also watches the connection (a read that ends when the client
// closes or the server stops), started by the first wait().
class SocketBodyWriter final : public BodyWriter {
 public:
  SocketBodyWriter(net::Connection& connection, bool chunked)
      : connection_(connection),
        chunked_(chunked),
        timer_(connection.executor()),
        watcher_done_timer_(connection.executor()) {}

  asio::awaitable<Status> write(std::string_view piece) override {
    if (!open_) co_return error(Code::io_error, "client gone");
    if (piece.empty()) co_return Status::ok();
    Status status;
    if (!chunked_) {
      status = co_await connection_.write(piece);
    } else if (piece.size() < 4096) {
      std::string framed = hex_size(piece.size()) + "\r\n";
      framed.append(piece);
      framed += "\r\n";
      status = co_await connection_.write(framed);
    } else {
      status = co_await connection_.write(hex_size(piece.size()) + "\r\n");
      if (status) status = co_await connection_.write(piece);
      if (status) status = co_await connection_.write("\r\n");
    }
    if (!status) open_ = false;
    co_return status;
  }

  asio::awaitable<bool> wait(std::chrono::milliseconds timeout) override {
    if (!open_) co_return false;
    start_watcher();
    if (!woken_) {
      timer_.expires_after(timeout);
      (void)co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    woken_ = false;
    co_return open_;
  }

  void wake() override {
    woken_ = true;
    timer_.cancel();
  }

  bool open() const override { return open_; }
  asio::any_io_executor executor() override { return connection_.executor(); }

  // True when the connection can carry another request: no watcher ran.
  // Otherwise closes it and waits for the watcher to end.
  asio::awaitable<bool> finish() {
    if (!watching_) co_return open_;
    if (!watcher_done_) {
      connection_.close();
      watcher_done_timer_.expires_at(asio::steady_timer::time_point::max());
      (void)co_await watcher_done_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    co_return false;
  }

  bool chunked() const { return chunked_; }

 private:
  void start_watcher() {
    if (watching_) return;
    watching_ = true;
    // An event stream is quiet on the client's side: only the server's
    // stop or the client's close ends it.
    connection_.set_idle_timeout(std::chrono::seconds(0));
    connection_.set_deadline(std::chrono::steady_clock::time_point::max());
    asio::co_spawn(connection_.executor(), watch(), asio::detached);
  }

  asio::awaitable<void> watch() {
    char discard[512];
    for (;;) {
      net::Read read = co_await connection_.read_some(discard, sizeof discard);
      if (read.ended != net::Read::Ended::no) break;
    }
    open_ = false;
    watcher_done_ = true;
    timer_.cancel();
    watcher_done_timer_.cancel();
  }

  net::Connection& connection_;
  bool chunked_;
  bool open_ = true;
  bool woken_ = false;
  bool watching_ = false;
  bool watcher_done_ = false;
  asio::steady_timer timer_;
  asio::steady_timer watcher_done_timer_;
};

class HttpSession {
 public:
  HttpSession(Shared& shared, net::Connection& connection)
      : shared_(shared), services_(shared.services), connection_(connection) {}

  asio::awaitable<void> run() {
    connection_.set_idle_timeout(std::chrono::seconds(services_.limits.idle_timeout));
    for (;;) {
      bool keep_alive = co_await one_request();
      if (!keep_alive) break;
      if (input_.empty()) input_.release();
    }
  }

 private:
  // Reads, answers and writes one request; false when the connection ends.
  asio::awaitable<bool> one_request() {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(services_.settings.body_limit);
    net::Deadlines header_clock(
        {.request = std::chrono::seconds(services_.settings.header_timeout)});
    net::Deadlines::Options body_options = net::Deadlines::options(services_.limits);
    body_options.login = std::chrono::seconds(0);
    net::Deadlines body_clock(body_options);
    net::Deadlines* clock = &header_clock;
    Router::Match match;
    bool header_seen = false;
    for (;;) {
      if (!input_.empty()) {
        if (!header_seen) header_clock.begin_request();
        beast::error_code ec;
        std::string_view unread = input_.unread();
        const std::size_t used = parser.put(asio::buffer(unread.data(), unread.size()), ec);
        input_.consume(used);
        if (ec && ec != http::error::need_more) {
          if (ec == http::error::header_limit) {
            co_await refuse(fail(431, "HeaderTooLarge", "Request header fields too large"));
          } else if (ec == http::error::body_limit) {
            co_await refuse(payload_too_large());
          } else {
            co_await refuse(fail(400, "BadRequest", "Malformed HTTP request"));
          }
          co_return false;
        }
        if (parser.is_header_done() && !header_seen) {
          header_seen = true;
          header_clock.end_request();
          auto& message = parser.get();
          std::string_view target = message.target();
          match =
              services_.router.find(message.method_string(), target.substr(0, target.find('?')));
          uint64_t limit = services_.settings.body_limit;
          if (match.route != nullptr && match.route->options.body_limit != 0) {
            limit = match.route->options.body_limit;
          }
          parser.body_limit(limit);
          if (auto length = parser.content_length(); length && *length > limit) {
            co_await refuse(payload_too_large());
            co_return false;
          }
          auto expect = message.find(http::field::expect);
          if (expect != message.end() && core::iequals(expect->value(), "100-continue") &&
              !parser.is_done()) {
            if (!co_await connection_.write("HTTP/1.1 100 Continue\r\n\r\n")) co_return false;
          }
          body_clock.begin_request();
          clock = &body_clock;
        }
        if (parser.is_done()) break;
        if (!ec && used > 0) continue;
      }
      net::Read read = co_await input_.read_more(connection_, kReadChunk, clock);
      if (read.ended == net::Read::Ended::no) continue;
      const bool started = header_seen || !input_.empty();
      if (started &&
          (read.ended == net::Read::Ended::timeout || read.ended == net::Read::Ended::deadline)) {
        co_await refuse(fail(408, "RequestTimeout", "Request took too long to arrive"));
      }
      co_return false;
    }
    body_clock.end_request();

    auto& message = parser.get();
    Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    const std::size_t question = request.target.find('?');
    request.path = request.target.substr(0, question);
    request.peer = connection_.peer();
    request.session = connection_.id();
    for (const auto& field : message) {
      request.headers.emplace_back(core::ascii_lowercase(field.name_string()),
                                   std::string(field.value()));
    }
    request.body = std::move(message.body());
    const bool keep_alive = message.keep_alive();
    const unsigned version = message.version();

    static core::Counter& commands = core::metrics().counter(
        "eider_commands_total", "Commands (API: requests) received, by protocol",
        "protocol=\"api\"");
    commands.add();
    Reply reply;
    bool parsed_query = true;
    if (question != std::string::npos) {
      parsed_query = parse_query(std::string_view(request.target).substr(question + 1), request);
    }
    if (!parsed_query) {
      reply = fail(400, "InputValidationError", "Malformed query string");
    } else if (!shared_.per_ip.enter(request.peer, services_.settings.requests_per_ip)) {
      reply = fail(429, "TooManyRequests", "Too many concurrent requests from your address");
    } else {
      reply = co_await dispatch(request, match);
      shared_.per_ip.leave(request.peer);
    }
    core::log_event(core::LogLevel::debug, "api.request",
                    {{"session", connection_.id()},
                     {"method", request.method},
                     {"path", request.path},
                     {"status", reply.status}});
    co_return co_await send(reply, keep_alive, version);
  }

  static bool parse_query(std::string_view query, Request& request) {
    while (!query.empty()) {
      std::string_view pair = query.substr(0, query.find('&'));
      query.remove_prefix(std::min(query.size(), pair.size() + 1));
      if (pair.empty()) continue;
      std::size_t equals = pair.find('=');
      std::optional<std::string> key = percent_decode(pair.substr(0, equals), true);
      std::optional<std::string> value = percent_decode(
          equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1), true);
      if (!key || !value) return false;
      request.query.emplace_back(std::move(*key), std::move(*value));
    }
    return true;
  }

  asio::awaitable<Reply> dispatch(Request& request, Router::Match& match) {
    if (match.bad_encoding) {
      co_return fail(400, "InputValidationError", "Malformed percent-encoding in the path");
    }
    if (match.route == nullptr) {
      if (match.allowed.empty()) {
        co_return fail(404, "ResourceNotFound", request.path + " does not exist");
      }
      Reply reply = fail(405, "MethodNotAllowed", request.method + " is not allowed");
      std::string allow;
      for (const std::string& method : match.allowed) allow += (allow.empty() ? "" : ", ") + method;
      reply.headers.emplace_back("Allow", allow);
      co_return reply;
    }
    const Route& route = *match.route;
    std::optional<std::string> token = take_token(request);
    Context context(request, services_);
    context.params = std::move(match.params);
    if (route.options.access != Access::open) {
      std::variant<Caller, Reply> who = co_await identify(token, services_);
      if (Reply* refused = std::get_if<Reply>(&who)) co_return std::move(*refused);
      context.caller = std::move(std::get<Caller>(who));
      if (std::optional<Reply> refused =
              check_access(route.options.access, context.caller, context.params)) {
        co_return std::move(*refused);
      }
    }
    if (!request.body.empty()) {
      std::optional<std::string_view> type = request.header("content-type");
      if (route.options.raw_body && !(type && is_json_type(*type))) {
        context.raw_body = request.body;
      } else {
        boost::system::error_code ec;
        json::value body = json::parse(request.body, ec);
        if (ec) co_return fail(400, "InputValidationError", "Request body is not valid JSON");
        if (!body.is_object()) {
          co_return fail(400, "InputValidationError", "Request body must be a JSON object");
        }
        context.input = std::move(body.as_object());
      }
    }
    for (const auto& [key, value] : request.query) {
      json::value* existing = context.input.if_contains(key);
      if (existing == nullptr) {
        context.input[key] = value;
      } else if (existing->is_array()) {
        existing->as_array().emplace_back(value);
      } else {
        json::array both;
        both.emplace_back(std::move(*existing));
        both.emplace_back(value);
        *existing = std::move(both);
      }
    }
    for (const auto& [name, value] : context.params) context.input[name] = value;
    try {
      Reply reply = co_await route.handler(context);
      co_return reply;
    } catch (const std::exception& e) {
      core::log_event(core::LogLevel::error, "api.handler_failed",
                      {{"method", request.method}, {"path", request.path}, {"error", e.what()}});
    }
    co_return internal_error();
  }

  // Writes a refusal and ends the connection (what follows in the input
  // cannot be trusted to start a request).
  asio::awaitable<void> refuse(Reply reply) { (void)co_await send(reply, false, 11); }

  asio::awaitable<bool> send(const Reply& reply, bool keep_alive, unsigned version) {
    std::string head = "HTTP/1.1 " + std::to_string(reply.status) + " ";
    head += http::obsolete_reason(static_cast<http::status>(reply.status));
    head += "\r\nContent-Type: " + reply.content_type + "\r\n";
    const bool streamed = static_cast<bool>(reply.stream);
    // HTTP/1.0 has no chunked coding: such a body ends with the connection.
    const bool chunked = streamed && !reply.length && version >= 11;
    if (streamed && !reply.length && !chunked) keep_alive = false;
    if (!streamed) {
      head += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
    } else if (reply.length) {
      head += "Content-Length: " + std::to_string(*reply.length) + "\r\n";
    } else if (chunked) {
      head += "Transfer-Encoding: chunked\r\n";
    }
    for (const auto& [name, value] : reply.headers) head += name + ": " + value + "\r\n";
    head += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    if (!streamed) {
      head += reply.body;
      Status written = co_await connection_.write(head);
      co_return written.is_ok() && keep_alive;
    }
    if (!co_await connection_.write(head)) co_return false;
    SocketBodyWriter writer(connection_, chunked);
    Status status = co_await reply.stream(writer);
    const bool reusable = co_await writer.finish();
    if (!status || !reusable) co_return false;
    if (chunked && !co_await connection_.write("0\r\n\r\n")) co_return false;
    co_return keep_alive;
  }

  Shared& shared_;
  const Services& services_;
  net::Connection& connection_;
  net::InputBuffer input_;
};

asio::awaitable<void> run_connection(std::shared_ptr<Shared> shared, net::Connection& connection) {
  HttpSession session(*shared, connection);
  co_await session.run();
}

}  // namespace

std::optional<std::string_view> Request::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

net::Service service(const Services& services) {
  auto shared = std::make_shared<Shared>(services);
  net::Service result;
  result.name = "api";
  const std::string body =
      R"({"error":"Too many connections, try later","code":"TooManyConnections"})";
  result.refusal =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  result.handler = [shared](net::Connection& connection) {
    return run_connection(shared, connection);
  };
  return result;
}

}  // namespace eider::api
