// The net::Service of a protocol whose connections each run one Session,
// and the start such a session makes.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "net/connection.h"
#include "net/deadlines.h"
#include "net/server.h"

namespace eider::net {

// What a login session does before its greeting: sets the idle timeout,
// starts the login deadline, and on an implicit-TLS listener (IMAPS, POP3S:
// `implicit_tls` not null) makes the handshake. False when the handshake
// failed; the session then ends without a word.
inline boost::asio::awaitable<bool> start_session(Connection& connection, Deadlines& deadlines,
                                                  std::chrono::seconds idle_timeout,
                                                  const TlsContext* implicit_tls) {
  connection.set_idle_timeout(idle_timeout);
  const auto now = Deadlines::Clock::now();
  deadlines.start_login(now);
  connection.set_deadline(deadlines.next(now));
  if (implicit_tls == nullptr) co_return true;
  Status secured = co_await connection.start_tls(*implicit_tls);
  co_return secured.is_ok();
}

namespace detail {

// A coroutine's parameters live in its frame, so the session's settings
// and services stay alive for as long as it runs.
template <typename Session, typename Settings, typename... Services>
boost::asio::awaitable<void> run_session(Connection& connection,
                                         std::shared_ptr<const Settings> settings,
                                         Services... services) {
  Session session(*settings, services..., connection);
  co_await session.run();
}

}  // namespace detail

// A Service that runs `Session(settings, services..., connection).run()` for
// each connection. Every connection shares one copy of `settings`; each
// gets its own copy of `services`, which are small values that refer to
// what outlives the Server's connections (a struct of references, or
// std::ref(x)).
template <typename Session, typename Settings, typename... Services>
Service session_service(std::string name, std::string refusal, const Settings& settings,
                        Services... services) {
  auto shared = std::make_shared<const Settings>(settings);
  Service result;
  result.name = std::move(name);
  result.refusal = std::move(refusal);
  // Not a coroutine itself: run_session's frame owns copies of what it uses.
  result.handler = [shared, services...](Connection& connection) {
    return detail::run_session<Session, Settings, Services...>(connection, shared, services...);
  };
  return result;
}

}  // namespace eider::net
