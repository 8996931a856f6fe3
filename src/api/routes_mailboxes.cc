// /users/:user/mailboxes: list, create, get (by id or path), update (rename
// with children, subscribe, hidden, retention) and delete, as WildDuck's
// lib/api/mailboxes.js with the codes of its lib/mailbox-handler.js.
#include <algorithm>
#include <boost/json/array.hpp>

#include "api/ids.h"
#include "api/mail_lookup.h"
#include "api/reply.h"
#include "api/router.h"
#include "api/routes.h"
#include "api/validate.h"
#include "mail/mail.h"
#include "mail/names.h"
#include "store/executor.h"

namespace eider::api {
namespace {

namespace asio = boost::asio;

// WildDuck's limits (lib/consts.js): levels of a path, and characters of
// one level. The mail layer's own byte limits (mail/names.h) apply too.
constexpr size_t kMaxLevels = 128;
constexpr size_t kMaxLevelChars = 512;

Field path_field() {
  // No "//" and no trailing "/", as WildDuck's pattern.
  return Field::string("path").pattern(R"((?![\s\S]*//)(?![\s\S]*/$)[\s\S]+)", "mailbox path");
}

// A mailbox-handler refusal: 400 CANNOT with WildDuck's text.
Reply cannot(std::string_view text) {
  return fail(400, "CANNOT", text);
}

size_t utf8_chars(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// WildDuck's depth and level checks, before the mail layer's.
std::optional<Reply> check_path_limits(std::string_view path) {
  size_t levels = 1;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    std::string_view level =
        path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (utf8_chars(level) > kMaxLevelChars) {
      return cannot("Any part of the mailbox path cannot be longer than 512 chars");
    }
    if (slash == std::string_view::npos) break;
    ++levels;
    start = slash + 1;
  }
  if (levels > kMaxLevels) return cannot("The mailbox path cannot be more than 128 levels deep");
  return std::nullopt;
}

std::string name_of(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

json::object describe(const store::Mailbox& mailbox) {
  json::object fields;
  fields["id"] = mailbox_id(mailbox);
  fields["name"] = name_of(mailbox.path);
  fields["path"] = mailbox.path;
  fields["specialUse"] = special_use_value(mailbox);
  fields["modifyIndex"] = mailbox.highest_modseq;
  fields["subscribed"] = mailbox.subscribed;
  fields["hidden"] = mailbox.hidden;
  if (mailbox.retention_ms != 0) fields["retention"] = mailbox.retention_ms;
  return fields;
}

const store::MailboxCounters* counters_of(const std::vector<store::MailboxCounters>& all,
                                          int64_t mailbox_id) {
  for (const store::MailboxCounters& c : all) {
    if (c.mailbox_id == mailbox_id) return &c;
  }
  return nullptr;
}

// WildDuck's order: INBOX, then its children, subscribed before not, then by path.
bool listed_before(const store::Mailbox& a, const store::Mailbox& b) {
  auto rank = [](const store::Mailbox& m) {
    if (m.path == "INBOX") return 0;
    if (m.path.starts_with("INBOX/")) return 1;
    return 2;
  };
  if (rank(a) != rank(b)) return rank(a) < rank(b);
  if (a.subscribed != b.subscribed) return a.subscribed;
  return a.path < b.path;
}

asio::awaitable<Reply> list_mailboxes(Context& ctx) {
  static const Schema schema{
      Field::id("user").required(),
      Field::boolean("specialUse").fallback(false),
      Field::boolean("showHidden").fallback(false),
      Field::boolean("counters").fallback(false),
      Field::boolean("sizes").fallback(false),
  };
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  auto user = co_await find_user(ctx, input.text("user"));
  if (auto* reply = std::get_if<Reply>(&user)) co_return std::move(*reply);
  const int64_t user_id = std::get<store::User>(user).id;
  const bool counters = input.flag("counters");
  const bool sizes = input.flag("sizes");
  store::Store& store = ctx.services.store;
  Result<std::vector<store::Mailbox>> mailboxes = co_await ctx.services.executor.run(
      [&store, user_id] { return store.list_mailboxes(user_id); });
  if (!mailboxes) co_return from_status(mailboxes.status());
  std::vector<store::MailboxCounters> counted;
  if (counters || sizes) {
    Result<std::vector<store::MailboxCounters>> read = co_await ctx.services.executor.run(
        [&store, user_id] { return store.mailbox_counters(user_id); });
    if (!read) co_return from_status(read.status());
    counted = std::move(*read);
  }
  std::vector<store::Mailbox> shown;
  for (store::Mailbox& m : *mailboxes) {
    if (input.flag("specialUse") && m.path != "INBOX" && m.special_use.empty()) continue;
    if (!input.flag("showHidden") && m.hidden) continue;
    shown.push_back(std::move(m));
  }
  std::sort(shown.begin(), shown.end(), listed_before);
  json::array results;
  for (const store::Mailbox& m : shown) {
    json::object fields = describe(m);
    const store::MailboxCounters* c = counters_of(counted, m.id);
    if (counters) {
      fields["total"] = c ? c->total : 0;
      fields["unseen"] = c ? c->unseen : 0;
    }
    if (sizes) fields["size"] = c ? c->size : 0;
    results.push_back(std::move(fields));
  }
  json::object reply;
  reply["results"] = std::move(results);
  co_return ok(std::move(reply));
}

asio::awaitable<Reply> create_mailbox(Context& ctx) {
  static const Schema schema{
      Field::id("user").required(),
      path_field().required(),
      Field::boolean("hidden").fallback(false),
      Field::integer("retention").range(0, 9007199254740991.0),
  };
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  auto user = co_await find_user(ctx, input.text("user"));
  if (auto* reply = std::get_if<Reply>(&user)) co_return std::move(*reply);
  const int64_t user_id = std::get<store::User>(user).id;
  const std::string path(input.text("path"));
  if (std::optional<Reply> refused = check_path_limits(path)) co_return std::move(*refused);
  store::MailboxUpdate update;
  if (input.flag("hidden")) update.hidden = true;
  if (input.integer("retention") > 0)
    update.retention_ms = static_cast<uint64_t>(input.integer("retention"));
  mail::Mail& mail = ctx.services.mail;
  Result<store::Mailbox> created = co_await ctx.services.executor.run(
      [&mail, user_id, &path, &update]() -> Result<store::Mailbox> {
        Result<store::Mailbox> mailbox = mail.create_mailbox(user_id, path);
        if (!mailbox || (!update.hidden && !update.retention_ms)) return mailbox;
        // Two writes: a failure of the second leaves a plain mailbox,
        // which the caller is told about and may update.
        EIDER_RETURN_IF_ERROR(mail.update_mailbox(user_id, mailbox->id, update));
        return mailbox;
      });
  if (!created) {
    if (created.status().code() == Code::already_exists) {
      co_return fail(400, "ALREADYEXISTS",
                     "Mailbox creation failed with code MailboxAlreadyExists");
    }
    co_return from_status(created.status());
  }
  json::object fields;
  fields["id"] = mailbox_id(*created);
  co_return ok(std::move(fields));
}

asio::awaitable<Reply> get_mailbox(Context& ctx) {
  static const Schema schema{
      Field::id("user").required(),
      Field::string("mailbox").required(),
      path_field(),
  };
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  auto user = co_await find_user(ctx, input.text("user"));
  if (auto* reply = std::get_if<Reply>(&user)) co_return std::move(*reply);
  const int64_t user_id = std::get<store::User>(user).id;
  store::Store& store = ctx.services.store;
  store::Mailbox mailbox;
  if (input.text("mailbox") == "resolve") {
    if (!input.has("path")) {
      json::object details;
      details["path"] = "\"path\" is required";
      co_return validation_failed("\"path\" is required", std::move(details));
    }
    const std::string path(input.text("path"));
    Result<store::Mailbox> found = co_await ctx.services.executor.run(
        [&store, user_id, &path] { return store.find_mailbox(user_id, path); });
    if (!found) {
      if (found.status().code() == Code::not_found ||
          found.status().code() == Code::invalid_argument) {
        co_return no_such_mailbox();
      }
      co_return from_status(found.status());
    }
    mailbox = std::move(*found);
  } else {
    auto found = co_await find_mailbox(ctx, user_id, input.text("mailbox"));
    if (auto* reply = std::get_if<Reply>(&found)) co_return std::move(*reply);
    mailbox = std::move(std::get<store::Mailbox>(found));
  }
  Result<std::vector<store::MailboxCounters>> counted = co_await ctx.services.executor.run(
      [&store, user_id] { return store.mailbox_counters(user_id); });
  if (!counted) co_return from_status(counted.status());
  json::object fields = describe(mailbox);
  const store::MailboxCounters* c = counters_of(*counted, mailbox.id);
  fields["total"] = c ? c->total : 0;
  fields["unseen"] = c ? c->unseen : 0;
  fields["size"] = c ? c->size : 0;
  co_return ok(std::move(fields));
}

asio::awaitable<Reply> update_mailbox(Context& ctx) {
  static const Schema schema{
      Field::id("user").required(),
      Field::id("mailbox").required(),
      path_field(),
      Field::integer("retention").range(0, 9007199254740991.0),
      Field::boolean("subscribed"),
      Field::boolean("hidden"),
  };
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  if (!input.has("path") && !input.has("retention") && !input.has("subscribed") &&
      !input.has("hidden")) {
    co_return fail(400, "NothingChanged", "Nothing was changed");
  }
  auto user = co_await find_user(ctx, input.text("user"));
  if (auto* reply = std::get_if<Reply>(&user)) co_return std::move(*reply);
  const int64_t user_id = std::get<store::User>(user).id;
  auto found = co_await find_mailbox(ctx, user_id, input.text("mailbox"), "NONEXISTENT");
  if (auto* reply = std::get_if<Reply>(&found)) co_return std::move(*reply);
  const store::Mailbox mailbox = std::move(std::get<store::Mailbox>(found));

  std::string path = mailbox.path;
  if (input.has("path") && input.text("path") != mailbox.path) {
    if (mailbox.path == "INBOX" || mailbox.hidden) {
      co_return cannot("Mailbox update failed with code DisallowedMailboxMethod");
    }
    if (std::optional<Reply> refused = check_path_limits(input.text("path"))) {
      co_return std::move(*refused);
    }
    path = std::string(input.text("path"));
  }
  store::MailboxUpdate update;
  if (input.has("hidden")) update.hidden = input.flag("hidden");
  if (input.has("retention"))
    update.retention_ms = static_cast<uint64_t>(input.integer("retention"));
  std::optional<bool> subscribed;
  if (input.has("subscribed")) subscribed = input.flag("subscribed");

  mail::Mail& mail = ctx.services.mail;
  Status done = co_await ctx.services.executor.run([&]() -> Status {
    if (path != mailbox.path)
      EIDER_RETURN_IF_ERROR(mail.rename_mailbox(user_id, mailbox.path, path));
    if (subscribed) EIDER_RETURN_IF_ERROR(mail.subscribe(user_id, path, *subscribed));
    if (update.hidden || update.retention_ms) {
      EIDER_RETURN_IF_ERROR(mail.update_mailbox(user_id, mailbox.id, update));
    }
    return Status::ok();
  });
  if (!done) {
    if (done.code() == Code::already_exists) {
      co_return fail(400, "ALREADYEXISTS", "Mailbox rename failed with code MailboxAlreadyExists");
    }
    if (done.code() == Code::not_found) {
      co_return fail(404, "NONEXISTENT", "Mailbox update failed with code NoSuchMailbox");
    }
    co_return from_status(done);
  }
  co_return ok();
}

asio::awaitable<Reply> delete_mailbox(Context& ctx) {
  static const Schema schema{Field::id("user").required(), Field::id("mailbox").required()};
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  auto user = co_await find_user(ctx, input.text("user"));
  if (auto* reply = std::get_if<Reply>(&user)) co_return std::move(*reply);
  const int64_t user_id = std::get<store::User>(user).id;
  auto found = co_await find_mailbox(ctx, user_id, input.text("mailbox"), "NONEXISTENT");
  if (auto* reply = std::get_if<Reply>(&found)) co_return std::move(*reply);
  const store::Mailbox mailbox = std::move(std::get<store::Mailbox>(found));
  if (mailbox.path == "INBOX" || !mailbox.special_use.empty() || mailbox.hidden) {
    co_return cannot("Mailbox deletion failed with code DisallowedMailboxMethod");
  }
  mail::Mail& mail = ctx.services.mail;
  Status done = co_await ctx.services.executor.run(
      [&mail, user_id, &mailbox] { return mail.delete_mailbox(user_id, mailbox.path); });
  if (!done) {
    if (done.code() == Code::not_found) {
      co_return fail(404, "NONEXISTENT", "Mailbox deletion failed with code NoSuchMailbox");
    }
    co_return from_status(done);
  }
  co_return ok();
}

}  // namespace

void add_mailbox_routes(Router& router) {
  const RouteOptions user{.access = Access::user};
  router.get("/users/:user/mailboxes", user, list_mailboxes);
  router.post("/users/:user/mailboxes", user, create_mailbox);
  router.get("/users/:user/mailboxes/:mailbox", user, get_mailbox);
  router.put("/users/:user/mailboxes/:mailbox", user, update_mailbox);
  router.del("/users/:user/mailboxes/:mailbox", user, delete_mailbox);
}

}  // namespace eider::api
