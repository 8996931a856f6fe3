// Logging in from a session coroutine: the user lookup runs on a store
// thread and the password hash on Mail's bounded hashing pool
// (password-hash-threads), so that many logins at once neither hold a store
// thread each while they hash nor cost one argon2 work area (19 MiB) each.
// An unknown user is hashed against a decoy, at the same cost in time.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "mail/auth_limiter.h"
#include "mail/events.h"
#include "mail/mail.h"
#include "mail/user_connections.h"
#include "mail/users.h"
#include "store/executor.h"

namespace eider::mail {

// The user when `password` matches, else Code::auth_failed (or the store's
// failure). `name` and `password` must outlive the call.
inline boost::asio::awaitable<Result<store::User>> log_in(Mail& mail, store::Store& store,
                                                          store::Executor& executor,
                                                          const std::string& name,
                                                          const std::string& password) {
  // Locals, not temporaries in the co_await expressions: GCC 12 mishandles
  // a non-trivial co_return co_await operand (a User freed twice).
  Result<std::optional<store::User>> found =
      co_await executor.run([&store, &name] { return find_login_user(store, name); });
  if (!found) co_return found.status();
  std::optional<store::User> user = std::move(*found);
  Result<store::User> checked = co_await mail.password_hasher().run(
      [&user, &password] { return check_login(std::move(user), password); });
  co_return checked;
}

// Why admit_login refused, for the log line's reason and the reply's text
// (after the protocol's response code). `busy` is no lockout: nothing
// failed, the client may simply try again.
struct LoginRefusal {
  std::string_view reason;
  std::string_view text;
};
inline LoginRefusal login_refusal(AuthLimiter::Verdict verdict) {
  switch (verdict) {
    case AuthLimiter::Verdict::busy:
      return {"too many logins under way",
              "Too many logins under way for this user or address, try again later"};
    case AuthLimiter::Verdict::ip_locked:
      return {"address locked out", "Too many failed logins from your address, try later"};
    default:
      return {"user locked out", "Too many failed logins for this user, try later"};
  }
}

// limiter.try_login, on a store thread when the limiter blocks (Redis).
inline boost::asio::awaitable<AuthLimiter::Verdict> try_login(AuthLimiter& limiter,
                                                              store::Executor& executor,
                                                              const std::string& name,
                                                              std::string_view peer,
                                                              AuthLimiter::Attempt& attempt) {
  if (!limiter.blocks()) co_return limiter.try_login(name, peer, attempt);
  AuthLimiter::Verdict verdict =
      co_await executor.run([&] { return limiter.try_login(name, peer, attempt); });
  co_return verdict;
}

// AuthLimiter::try_login, waiting while others' checks for the same user or
// IP under way could reach the maximum (many logins at once: a client on many
// connections, or a reconnect storm behind one address). The checks queue for
// the hashing pool, so the wait backs off from 50 ms to 1 s and lasts up to a
// minute; then the verdict stands, `busy` included. A refusal is logged
// (event=login_failed with login_refusal's reason); the caller answers it.
inline boost::asio::awaitable<AuthLimiter::Verdict> admit_login(AuthLimiter& limiter,
                                                                store::Executor& executor,
                                                                const std::string& name,
                                                                const Origin& origin,
                                                                AuthLimiter::Attempt& attempt) {
  const std::string_view peer = origin.peer;
  constexpr auto kLongestWait = std::chrono::seconds(1);
  constexpr auto kGiveUpAfter = std::chrono::seconds(60);
  AuthLimiter::Verdict verdict = co_await try_login(limiter, executor, name, peer, attempt);
  std::chrono::milliseconds wait(50);
  std::chrono::milliseconds waited(0);
  while (verdict == AuthLimiter::Verdict::busy && waited < kGiveUpAfter) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, wait);
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    waited += wait;
    wait = std::min<std::chrono::milliseconds>(wait * 2, kLongestWait);
    verdict = co_await try_login(limiter, executor, name, peer, attempt);
  }
  if (verdict != AuthLimiter::Verdict::allowed) {
    log_login_failed(origin, name, login_refusal(verdict).reason);
  }
  co_return verdict;
}

// After a failed password check: counts the failure unless the check's
// Attempt did (`counted`), and returns how long the answer waits
// (AuthLimiter::failure_delay, on a store thread when the limiter blocks).
inline boost::asio::awaitable<std::chrono::milliseconds> failed_login_delay(
    AuthLimiter& limiter, store::Executor& executor, const std::string& name,
    const std::string& peer, bool counted) {
  if (!counted) limiter.record_failure(name, peer);  // never waits
  if (!limiter.blocks()) co_return limiter.failure_delay(name, peer);
  std::chrono::milliseconds delay =
      co_await executor.run([&] { return limiter.failure_delay(name, peer); });
  co_return delay;
}

// A place among the user's sessions (max-connections-per-user), taken after
// the login succeeded; !held() when the user has the maximum already.
inline boost::asio::awaitable<UserConnections::Slot> take_user_slot(UserConnections& connections,
                                                                    store::Executor& executor,
                                                                    int64_t user_id) {
  if (!connections.blocks()) co_return connections.acquire(user_id);
  UserConnections::Slot slot =
      co_await executor.run([&connections, user_id] { return connections.acquire(user_id); });
  co_return slot;
}

}  // namespace eider::mail
