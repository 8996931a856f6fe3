// GET /users/:user/updates: the user's change feed (mail/change_feed.h) as
// Server-Sent Events; PUT /users/:user/logout: ends the user's IMAP and
// POP3 sessions on every node (WildDuck's lib/api/updates.js and the
// logout route of lib/api/users.js).
#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "api/auth.h"
#include "api/ids.h"
#include "api/mail_lookup.h"
#include "api/reply.h"
#include "api/router.h"
#include "api/routes.h"
#include "api/validate.h"
#include "mail/change_feed.h"
#include "mail/mail.h"
#include "notify/notifier.h"
#include "store/executor.h"
#include "store/store.h"

namespace eider::api {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// A comment line this often when nothing else was sent, so proxies and
// clients see the stream alive (WildDuck: 90 s; many proxies cut at 60).
constexpr std::chrono::seconds kHeartbeat{30};
// While the notifier may lose beacons, the feed is read this often, as IMAP
// IDLE polls (notify-poll-interval's default).
constexpr std::chrono::milliseconds kPollInterval{2000};
// The first read after the stream opens: a Redis SUBSCRIBE lands a moment
// after subscribe() returns, and a change another node made meanwhile
// brought no beacon here. After that, each heartbeat reads too.
constexpr std::chrono::milliseconds kFirstCheck{1000};
// A cursor carries about 20 hex characters a mailbox.
constexpr std::size_t kMaxCursorLength = 64 * 1024;

// WildDuck's journal command for each kind of event; RESET is Eider's.
std::string_view command_of(mail::FeedEventKind kind) {
  switch (kind) {
    case mail::FeedEventKind::added:
      return "EXISTS";
    case mail::FeedEventKind::expunged:
      return "EXPUNGE";
    case mail::FeedEventKind::flags:
      return "FETCH";
    case mail::FeedEventKind::mailbox_created:
      return "CREATE";
    case mail::FeedEventKind::mailbox_renamed:
      return "RENAME";
    case mail::FeedEventKind::mailbox_deleted:
      return "DELETE";
    case mail::FeedEventKind::reset:
      return "RESET";
  }
  return "RESET";
}

// One SSE message: a `data:` line of JSON and an `id:` line with the
// cursor after the event (what Last-Event-ID brings back).
void append_event(std::string& out, const mail::FeedEvent& event) {
  json::object data;
  data["command"] = command_of(event.kind);
  if (event.mailbox_id != 0) {
    data["mailbox"] = encode_id(event.mailbox_created, event.mailbox_id);
  }
  switch (event.kind) {
    case mail::FeedEventKind::added:
    case mail::FeedEventKind::expunged:
    case mail::FeedEventKind::flags:
      // Messages are their UIDs: `message` is WildDuck's message id field.
      data["message"] = event.uid;
      data["uid"] = event.uid;
      if (event.kind == mail::FeedEventKind::flags) {
        json::array flags;
        for (const std::string& flag : event.flags) flags.emplace_back(flag);
        data["flags"] = std::move(flags);
      }
      break;
    default:
      if (!event.path.empty()) data["path"] = event.path;
      break;
  }
  out += "data: ";
  out += to_text(data);
  out += "\nid: ";
  out += event.cursor;
  out += "\n\n";
}

void append_logout(std::string& out) {
  json::object data;
  data["command"] = "LOGOUT";
  data["reason"] = "Logged out by the administrator";
  out += "data: ";
  out += to_text(data);
  out += "\n\n";
}

// Lets beacons (on a notifier thread) wake the stream's wait (on its I/O
// thread) without outliving the writer: only the I/O thread reads or
// clears `writer`.
struct Waker {
  BodyWriter* writer = nullptr;
};

asio::awaitable<Status> stream_updates(const Services& services,
                                       std::shared_ptr<mail::ChangeFeed> feed,
                                       std::shared_ptr<Waker> waker, std::string first,
                                       int64_t user_id, BodyWriter& writer) {
  waker->writer = &writer;
  struct Unhook {
    Waker& waker;
    ~Unhook() { waker.writer = nullptr; }
  } unhook{*waker};
  store::Store& store = services.store;
  // Captured as a plain pointer (this frame keeps `feed`): GCC 12 destroys
  // the captures of a lambda made inside a co_await expression twice, which
  // a shared_ptr does not survive.
  mail::ChangeFeed* reader = feed.get();
  // A comment first, as WildDuck's, so the client sees the stream open.
  first.insert(0, ": eider [" + std::to_string(user_id) + "]\n\n");
  if (!co_await writer.write(first)) co_return Status::ok();
  Clock::time_point last_write = Clock::now();
  Clock::time_point next_check = last_write + kFirstCheck;
  for (;;) {
    if (feed->logged_out()) {
      // As WildDuck's: a logout ends the stream after saying so.
      std::string out;
      append_logout(out);
      (void)co_await writer.write(out);
      co_return Status::ok();
    }
    const bool healthy = services.notifier.healthy();
    const Clock::time_point now = Clock::now();
    if (feed->pending() || now >= next_check) {
      Result<std::vector<mail::FeedEvent>> events =
          co_await services.executor.run([reader, &store] { return reader->read(store); });
      next_check = Clock::now() + (healthy ? std::chrono::milliseconds(kHeartbeat) : kPollInterval);
      if (!events) {
        // The user is gone: nothing more will come. A store failure keeps
        // the position; the next check tries again.
        if (events.status().code() == Code::not_found) co_return Status::ok();
        next_check = Clock::now() + kPollInterval;
      } else if (!events->empty()) {
        std::string out;
        for (const mail::FeedEvent& event : *events) append_event(out, event);
        if (!co_await writer.write(out)) co_return Status::ok();
        last_write = Clock::now();
      }
      continue;
    }
    if (now >= last_write + kHeartbeat) {
      if (!co_await writer.write(": still here\n\n")) co_return Status::ok();
      last_write = now;
    }
    if (!healthy) next_check = std::min(next_check, now + kPollInterval);
    const Clock::time_point until = std::min(next_check, last_write + kHeartbeat);
    const auto timeout =
        std::max(std::chrono::duration_cast<std::chrono::milliseconds>(until - now),
                 std::chrono::milliseconds(1));
    // False: the client closed the connection or the server is stopping.
    if (!co_await writer.wait(timeout)) co_return Status::ok();
  }
}

asio::awaitable<Reply> updates(Context& ctx) {
  static const Schema schema{
      Field::id("user").required(),
      Field::string("Last-Event-ID")
          .empty_as_absent()
          .length(0, kMaxCursorLength)
          .pattern("[0-9a-f]*", "a cursor"),
  };
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  std::variant<store::User, Reply> user = co_await find_user(ctx, input.text("user"));
  if (Reply* refusal = std::get_if<Reply>(&user)) co_return std::move(*refusal);
  const int64_t user_id = std::get<store::User>(user).id;
  // The query parameter is WildDuck's; browsers' EventSource sends the
  // header when it reconnects.
  std::string resume(input.text("Last-Event-ID"));
  if (resume.empty()) {
    std::optional<std::string_view> header = ctx.request.header("last-event-id");
    if (header && header->size() <= kMaxCursorLength) resume = *header;
  }
  const Services& services = ctx.services;
  auto waker = std::make_shared<Waker>();
  asio::any_io_executor io = co_await asio::this_coro::executor;
  // Subscribed before the start reads the store, so no change falls between.
  auto feed = std::make_shared<mail::ChangeFeed>(services.notifier, user_id, [waker, io] {
    asio::post(io, [waker] {
      if (waker->writer != nullptr) waker->writer->wake();
    });
  });
  store::Store& store = services.store;
  // A plain pointer in the lambda: see stream_updates.
  mail::ChangeFeed* starter = feed.get();
  Result<std::vector<mail::FeedEvent>> started = co_await services.executor.run(
      [starter, &store, &resume] { return starter->start(store, resume); });
  if (!started) {
    if (started.status().code() == Code::not_found) co_return user_not_found();
    co_return from_status(started.status());
  }
  std::string first;
  for (const mail::FeedEvent& event : *started) append_event(first, event);
  Reply reply;
  reply.content_type = "text/event-stream; charset=utf-8";
  reply.headers = {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}};
  reply.stream = [&services, feed, waker, first = std::move(first),
                  user_id](BodyWriter& writer) -> asio::awaitable<Status> {
    return stream_updates(services, feed, waker, first, user_id, writer);
  };
  co_return reply;
}

asio::awaitable<Reply> logout(Context& ctx) {
  static const Schema schema{
      Field::id("user").required(),
      // Accepted as WildDuck's; IMAP's BYE says why in its own words.
      Field::string("reason").empty_as_absent().length(0, 128),
  };
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  std::variant<store::User, Reply> user = co_await find_user(ctx, input.text("user"));
  if (Reply* refusal = std::get_if<Reply>(&user)) co_return std::move(*refusal);
  mail::Mail& mail = ctx.services.mail;
  const int64_t user_id = std::get<store::User>(user).id;
  // A Redis notifier's publish may wait for its connection: not on this thread.
  (void)co_await ctx.services.executor.run([&mail, user_id] {
    mail.logout_user(user_id);
    return Status::ok();
  });
  co_return ok();
}

}  // namespace

void add_events_routes(Router& router) {
  router.get("/users/:user/updates", {.access = Access::user}, updates);
  router.put("/users/:user/logout", {.access = Access::user}, logout);
}

}  // namespace eider::api
