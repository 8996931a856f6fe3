// QUOTA (RFC 9208): GETQUOTAROOT, GETQUOTA and SETQUOTA, and the untagged
// QUOTA response that goes with NO [OVERQUOTA]. The responses and the
// rounding are in imap/quota_response.h.
#include "core/log.h"
#include "imap/quota_response.h"
#include "imap/session.h"

namespace eider::imap {

namespace asio = boost::asio;

asio::awaitable<Result<store::User>> Session::load_user() {
  store::Store& store = services_.store;
  const int64_t user = user_id_;
  co_return co_await services_.executor.run([&store, user] { return store.find_user_by_id(user); });
}

asio::awaitable<void> Session::get_quota_root(const Command& command) {
  const auto& args = std::get<MailboxArgument>(command.arguments);
  std::optional<std::string> path = mailbox_path(command, args.mailbox);
  if (!path) co_return;
  store::Store& store = services_.store;
  const int64_t user_id = user_id_;
  struct Found {
    Result<store::Mailbox> mailbox;
    Result<store::User> user = store::User{};
  };
  Found found = co_await services_.executor.run([&store, user_id, &path] {
    Found result{store.find_mailbox(user_id, *path)};
    if (result.mailbox) result.user = store.find_user_by_id(user_id);
    return result;
  });
  if (!found.mailbox) {
    if (found.mailbox.status().code() == Code::not_found) {
      co_return no(command, "[NONEXISTENT] Mailbox does not exist: " + *path);
    }
    co_return fail(command, found.mailbox.status());
  }
  if (!found.user) co_return fail(command, found.user.status());
  out_ += quota_root_response(args.mailbox, *found.user);
  out_ += quota_response(*found.user);
  ok(command, "GETQUOTAROOT completed");
}

asio::awaitable<void> Session::get_quota(const Command& command) {
  const auto& args = std::get<MailboxArgument>(command.arguments);
  Result<store::User> user = co_await load_user();
  if (!user) co_return fail(command, user.status());
  if (args.mailbox != kQuotaRoot || !has_quota_root(*user)) {
    co_return no(command, "[NONEXISTENT] No such quota root");
  }
  out_ += quota_response(*user);
  ok(command, "GETQUOTA completed");
}

void Session::set_quota(const Command& command) {
  // QUOTASET is not offered (RFC 9208 4.1.3): limits belong to the
  // administrator, not to the user they limit.
  no(command, "[NOPERM] Quota limits are set by the administrator (eider user quota)");
}

asio::awaitable<void> Session::fail_over_quota(const Command& command, const Status& status) {
  // RFC 9208 4.3: the QUOTA response tells the client which limit it hit.
  Result<store::User> user = co_await load_user();
  if (user) {
    out_ += quota_response(*user);
  } else {
    core::log_event(core::LogLevel::error, "imap.store_failed",
                    {{"peer", connection_.peer()}, {"error", user.status().to_string()}});
  }
  fail(command, status);
}

}  // namespace eider::imap
