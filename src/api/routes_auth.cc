// POST /authenticate, DELETE /authenticate, POST /preauth: user tokens
// (WildDuck's lib/api/auth.js). A failed /authenticate counts in the login
// limiter shared with IMAP and POP3, and waits as long as their failures.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "api/auth.h"
#include "api/ids.h"
#include "api/reply.h"
#include "api/router.h"
#include "api/routes.h"
#include "api/validate.h"
#include "core/limits.h"
#include "mail/api_tokens.h"
#include "mail/events.h"
#include "mail/login.h"
#include "mail/mail.h"
#include "store/executor.h"

namespace eider::api {
namespace {

namespace asio = boost::asio;

Field username_field() {
  return Field::string("username").trim().length(1, 255).required();
}

Field scope_field() {
  return Field::string("scope").one_of({"master", "imap", "pop3", "smtp"}).fallback("master");
}

Reply auth_failed() {
  return fail(403, "AuthFailed", "Authentication failed");
}

asio::awaitable<Reply> authenticate(Context& ctx) {
  static const Schema schema{
      username_field(),
      Field::string("password").length(0, 256).required(),
      Field::string("protocol").length(0, 100).fallback("API"),
      scope_field(),
      Field::string("appId").empty_as_absent().length(0, 1024),
      Field::boolean("token").fallback(false),
  };
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  if (input.flag("token") && input.text("scope") != "master") {
    json::object details;
    details["scope"] = "\"scope\" must be [master]";
    co_return validation_failed("\"scope\" must be [master]", std::move(details));
  }
  const Services& services = ctx.services;
  const std::string name(input.text("username"));
  const std::string password(input.text("password"));
  const mail::Origin origin{
      .protocol = "api", .session = ctx.request.session, .peer = ctx.request.peer};

  mail::AuthLimiter::Attempt attempt;
  const mail::AuthLimiter::Verdict verdict =
      co_await mail::admit_login(services.limiter, services.executor, name, origin, attempt);
  if (verdict != mail::AuthLimiter::Verdict::allowed) {
    co_return fail(403, "RateLimitedError", mail::login_refusal(verdict).text);
  }
  store::Store& store = services.store;
  Result<std::optional<store::User>> found = co_await services.executor.run(
      [&store, &name] { return mail::find_api_login_user(store, name); });
  if (!found) co_return from_status(found.status());
  std::optional<store::User> candidate = std::move(*found);
  Result<store::User> user = co_await services.mail.password_hasher().run(
      [&candidate, &password] { return mail::check_login(std::move(candidate), password); });
  if (!user) {
    if (user.status().code() != Code::auth_failed) co_return from_status(user.status());
    attempt.failed();
    const std::chrono::milliseconds delay = co_await mail::failed_login_delay(
        services.limiter, services.executor, name, ctx.request.peer, true);
    asio::steady_timer timer(co_await asio::this_coro::executor, delay);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    mail::log_login_failed(origin, name, "authentication failed");
    co_return auth_failed();
  }
  attempt.succeeded();
  mail::log_login(origin, user->name);

  json::object fields;
  fields["id"] = encode_id(user_created(*user), user->id);
  fields["username"] = user->name;
  fields["scope"] = input.text("scope");
  fields["require2fa"] = false;
  fields["requirePasswordChange"] = false;
  if (input.flag("token")) {
    const int64_t user_id = user->id;
    const uint64_t ttl = services.settings.token_ttl;
    Result<std::string> token = co_await services.executor.run([&store, user_id, ttl] {
      return mail::issue_api_token(store, user_id, mail::now_seconds(), ttl);
    });
    if (!token) co_return from_status(token.status());
    fields["token"] = *token;
  }
  co_return ok(std::move(fields));
}

asio::awaitable<Reply> revoke(Context& ctx) {
  static const Schema schema{};
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  if (!ctx.caller.token_hash.empty()) {
    store::Store& store = ctx.services.store;
    const std::string hash = ctx.caller.token_hash;
    Status removed = co_await ctx.services.executor.run(
        [&store, &hash] { return store.delete_api_token(hash); });
    if (!removed) co_return from_status(removed);
  }
  co_return ok();
}

asio::awaitable<Reply> preauth(Context& ctx) {
  static const Schema schema{username_field(), scope_field()};
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  store::Store& store = ctx.services.store;
  const std::string name(input.text("username"));
  Result<std::optional<store::User>> found = co_await ctx.services.executor.run(
      [&store, &name] { return mail::find_api_login_user(store, name); });
  if (!found) co_return from_status(found.status());
  if (!*found) co_return auth_failed();
  const store::User& user = **found;
  json::object fields;
  fields["id"] = encode_id(user_created(user), user.id);
  fields["username"] = user.name;
  fields["scope"] = input.text("scope");
  fields["require2fa"] = false;
  co_return ok(std::move(fields));
}

}  // namespace

void add_auth_routes(Router& router) {
  router.post("/authenticate", {.access = Access::admin}, authenticate);
  router.del("/authenticate", {.access = Access::token}, revoke);
  router.post("/preauth", {.access = Access::admin}, preauth);
}

}  // namespace eider::api
