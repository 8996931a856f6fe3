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
#include "mail/mail.h"
#include "mail/users.h"

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

// AuthLimiter::try_login, waiting while others' checks for the same user or
// IP under way could reach the maximum (a client logging in on many
// connections at once): they are answered within the hashing time, so up to
// 10 s, and then the limiter's verdict stands, `busy` included.
inline boost::asio::awaitable<AuthLimiter::Verdict> admit_login(AuthLimiter& limiter,
                                                                const std::string& name,
                                                                const std::string& peer,
                                                                AuthLimiter::Attempt& attempt) {
  constexpr auto kBusyWait = std::chrono::milliseconds(50);
  constexpr int kBusyTries = 200;
  AuthLimiter::Verdict verdict = limiter.try_login(name, peer, attempt);
  for (int i = 0; verdict == AuthLimiter::Verdict::busy && i < kBusyTries; ++i) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, kBusyWait);
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    verdict = limiter.try_login(name, peer, attempt);
  }
  co_return verdict;
}

}  // namespace eider::mail
