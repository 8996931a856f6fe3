// GET /health, GET /metrics, GET /openapi.json: the server's own state.
#include "api/reply.h"
#include "api/router.h"
#include "api/routes.h"
#include "api/validate.h"
#include "core/metrics.h"
#include "notify/notifier.h"
#include "store/executor.h"
#include "store/store.h"

namespace eider::api {
namespace {

namespace asio = boost::asio;

// Reachable: a lookup of a user that cannot exist comes back not_found.
asio::awaitable<Reply> health(Context& ctx) {
  static const Schema schema{};
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  store::Store& store = ctx.services.store;
  Status probe = co_await ctx.services.executor.run([&store]() -> Status {
    Result<store::User> none = store.find_user_by_id(0);
    if (none || none.status().code() == Code::not_found) return Status::ok();
    return none.status();
  });
  const bool notifier_ok = ctx.services.notifier.healthy();
  json::object fields;
  fields["store"] = probe ? "ok" : "unavailable";
  fields["notifier"] = notifier_ok ? "ok" : "unavailable";
  if (!probe) {
    json::object body;
    body["error"] = "The store cannot be reached";
    body["code"] = "ServiceUnavailable";
    body["store"] = "unavailable";
    body["notifier"] = fields["notifier"];
    co_return json_reply(503, body);
  }
  co_return ok(std::move(fields));
}

asio::awaitable<Reply> openapi(Context& ctx) {
  static const Schema schema{};
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  Reply reply;
  reply.body = ctx.services.settings.openapi;
  co_return reply;
}

asio::awaitable<Reply> metrics(Context& ctx) {
  static const Schema schema{};
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  Reply reply;
  reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
  reply.body = core::metrics().render();
  co_return reply;
}

}  // namespace

void add_core_routes(Router& router) {
  router.get("/health", {.access = Access::open}, health);
  router.get("/metrics", {.access = Access::admin}, metrics);
  router.get("/openapi.json", {.access = Access::open}, openapi);
}

}  // namespace eider::api
