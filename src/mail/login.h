// Logging in from a session coroutine: the user lookup runs on a store
// thread and the password hash on Mail's bounded hashing pool
// (password-hash-threads), so that many logins at once neither hold a store
// thread each while they hash nor cost one argon2 work area (19 MiB) each.
// An unknown user is hashed against a decoy, at the same cost in time.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

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

}  // namespace eider::mail
