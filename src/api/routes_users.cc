// /users: listing, creating, reading, changing, deleting (now or with
// deleteAfter) and restoring accounts, resolving a name, recounting quota
// and resetting a password (WildDuck's lib/api/users.js). Every account
// operation is mail/users.h's, shared with `eider user ...`.
#include <boost/asio/awaitable.hpp>

#include "api/accounts.h"
#include "api/ids.h"
#include "api/iso_dates.h"
#include "api/reply.h"
#include "api/router.h"
#include "api/routes.h"
#include "api/validate.h"
#include "mail/api_tokens.h"
#include "mail/mail.h"
#include "mail/users.h"
#include "store/accounts.h"
#include "store/executor.h"

namespace eider::api {
namespace {

namespace asio = boost::asio;

json::object quota_json(uint64_t allowed, uint64_t used) {
  json::object quota;
  quota["allowed"] = allowed;
  quota["used"] = used;
  return quota;
}

// The fields GET /users lists for each user.
json::object listed_user(const store::User& user) {
  json::object out;
  out["id"] = user_id(user);
  out["username"] = user.name;
  out["name"] = user.display_name;
  out["address"] = user.main_address;
  out["tags"] = string_array(user.tags);
  out["targets"] = json::array();
  out["enabled2fa"] = json::array();
  out["autoreply"] = false;
  out["encryptMessages"] = false;
  out["encryptForwarded"] = false;
  out["quota"] = quota_json(user.quota_bytes, user.storage_used);
  out["hasPasswordSet"] = !user.password_hash.empty();
  out["activated"] = true;
  out["disabled"] = user.disabled || user.delete_after != 0;
  out["suspended"] = false;
  return out;
}

json::object full_user(const store::User& user) {
  json::object out;
  out["id"] = user_id(user);
  out["username"] = user.name;
  out["name"] = user.display_name;
  out["address"] = user.main_address;
  if (user.retention != 0) {
    out["retention"] = user.retention;
  } else {
    out["retention"] = false;
  }
  out["enabled2fa"] = json::array();
  out["autoreply"] = false;
  out["encryptMessages"] = false;
  out["encryptForwarded"] = false;
  out["pubKey"] = "";
  out["keyInfo"] = false;
  out["metaData"] = json::object();
  out["targets"] = json::array();
  out["spamLevel"] = 50;
  json::object limits;
  limits["quota"] = quota_json(user.quota_bytes, user.storage_used);
  limits["messages"] = quota_json(user.quota_messages, user.message_count);
  out["limits"] = std::move(limits);
  out["tags"] = string_array(user.tags);
  out["fromWhitelist"] = json::array();
  out["disabledScopes"] = json::array();
  out["hasPasswordSet"] = !user.password_hash.empty();
  out["activated"] = true;
  out["disabled"] = user.disabled || user.delete_after != 0;
  out["suspended"] = false;
  return out;
}

// WildDuck's `password`: a string of up to 256 characters, or false (or
// "") for no password.
Field password_field(std::string name) {
  return Field::any(std::move(name)).check([](json::value& value) -> std::optional<std::string> {
    if (value.is_bool() && !value.as_bool()) {
      value = "";
      return std::nullopt;
    }
    if (!value.is_string()) return std::string(" must be a string");
    if (value.as_string().size() > 256) {
      return std::string(" length must be less than or equal to 256 characters long");
    }
    return std::nullopt;
  });
}

Field tags_field() {
  return Field::array("tags").strings(128);
}

std::optional<Reply> bad_username(std::string_view username) {
  if (username.find('*') != std::string_view::npos) {
    return fail(400, "InputValidationError", "Invalid character in username: *");
  }
  if (username.front() == '.' || username.back() == '.' ||
      username.find("..") != std::string_view::npos) {
    return fail(400, "InputValidationError", "Invalid dot symbols in username");
  }
  return std::nullopt;
}

Reply account_failure(const Status& status) {
  if (status.code() == Code::already_exists) {
    const bool address = status.message().find("address") != std::string::npos;
    return fail(400, address ? "AddressExistsError" : "UserExistsError",
                address ? "This address already exists" : "This username already exists");
  }
  return from_status(status);
}

asio::awaitable<Reply> list_users(Context& ctx) {
  static const Schema schema{
      Field::string("query").empty_as_absent().lowercase().length(0, 128),
      Field::string("tags").trim().empty_as_absent().length(0, 1024),
      Field::string("requiredTags").trim().empty_as_absent().length(0, 1024),
      Field::boolean("metaData"),
      Field::boolean("internalData"),
      Field::integer("limit").fallback(20).range(1, 250),
      Field::string("next").empty_as_absent().length(0, 1024),
      Field::string("previous").empty_as_absent().length(0, 1024),
      Field::integer("page").fallback(1).range(0, 1e9),
  };
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  store::ListQuery query;
  query.text = std::string(input.text("query"));
  query.any_tags = tag_list(input.value("tags"));
  query.required_tags = tag_list(input.value("requiredTags"));
  query.limit = static_cast<uint32_t>(input.integer("limit"));
  if (std::optional<Reply> refusal = read_cursors(input, query)) co_return *refusal;
  int64_t page = input.integer("page");
  store::Store& store = ctx.services.store;
  Result<store::Page<store::User>> listed = error(Code::internal, "not listed");
  if (ctx.caller.admin) {
    listed =
        co_await ctx.services.executor.run([&store, &query] { return store.query_users(query); });
  } else {
    // A user token lists its own user only.
    const int64_t own = ctx.caller.user_id;
    listed =
        co_await ctx.services.executor.run([&store, own]() -> Result<store::Page<store::User>> {
          Result<store::User> user = store.find_user_by_id(own);
          if (!user) return user.status();
          store::Page<store::User> page;
          page.items.push_back(std::move(*user));
          page.total = 1;
          return page;
        });
  }
  if (!listed) co_return from_status(listed.status());
  const std::vector<store::User>& users = listed->items;
  PageCursors cursors = page_cursors(query, *listed);
  if (cursors.previous.is_bool()) page = 1;
  json::array results;
  for (const store::User& user : users) results.emplace_back(listed_user(user));
  json::object fields;
  if (input.has("query")) {
    fields["query"] = input.text("query");
  } else {
    fields["query"] = nullptr;
  }
  fields["total"] = listed->total;
  fields["page"] = page;
  fields["previousCursor"] = cursors.previous;
  fields["nextCursor"] = cursors.next;
  fields["results"] = std::move(results);
  co_return ok(std::move(fields));
}

asio::awaitable<Reply> create_user(Context& ctx) {
  static const Schema schema{
      Field::string("username")
          .lowercase()
          .pattern("[\\x21-\\x7e]{1,128}", "username")
          .length(1, 128)
          .required(),
      password_field("password").required(),
      Field::boolean("hashedPassword").fallback(false),
      Field::boolean("allowUnsafe").fallback(true),
      Field::string("address").length(3, 512),
      Field::boolean("emptyAddress").fallback(false),
      Field::string("name").length(0, 256),
      tags_field(),
      Field::boolean("addTagsToAddress").fallback(false),
      Field::integer("retention").fallback(0).range(0, 9.2e15),
      Field::integer("quota").fallback(0).range(0, 9.2e18),
      Field::integer("quotaMessages").fallback(0).range(0, 9.2e18),
  };
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  if (std::optional<Reply> refusal = bad_username(input.text("username"))) co_return *refusal;
  if (input.text("address").find('*') != std::string_view::npos) {
    co_return fail(400, "InputValidationError", "Invalid character in email address: *");
  }
  Result<mail::AccountSettings> settings = mail::account_settings(
      ctx.services.settings.default_domain, ctx.services.settings.new_user_mailboxes);
  if (!settings) co_return from_status(settings.status());
  mail::NewAccount account;
  account.username = std::string(input.text("username"));
  account.password = std::string(input.text("password"));
  account.hashed = input.flag("hashedPassword") && !account.password.empty();
  if (input.has("address")) account.addresses.emplace_back(input.text("address"));
  account.no_address = input.flag("emptyAddress");
  account.name = std::string(input.text("name"));
  account.tags = tag_list(input.value("tags"));
  account.retention = input.integer("retention");
  account.quota = {static_cast<uint64_t>(input.integer("quota")),
                   static_cast<uint64_t>(input.integer("quotaMessages"))};
  const bool tag_address = input.flag("addTagsToAddress");
  store::Store& store = ctx.services.store;
  const mail::AccountSettings& chosen = *settings;
  // Hashing a password takes tens of milliseconds: on the hashing pool,
  // then the store thread creates the account.
  Result<store::User> user = co_await ctx.services.executor.run(
      [&store, &account, &chosen, tag_address]() -> Result<store::User> {
        Result<store::User> made = mail::create_account(store, account, chosen);
        if (!made || !tag_address || made->tags.empty()) return made;
        Result<std::vector<store::Address>> addresses = store.user_addresses(made->id);
        if (!addresses) return addresses.status();
        for (const store::Address& address : *addresses) {
          store::AddressChange change;
          change.tags = made->tags;
          Result<store::Address> tagged = store.update_address(address.id, change);
          if (!tagged) return tagged.status();
        }
        return made;
      });
  if (!user) co_return account_failure(user.status());
  json::object fields;
  fields["id"] = user_id(*user);
  co_return ok(std::move(fields));
}

asio::awaitable<Reply> resolve_user(Context& ctx) {
  static const Schema schema{
      Field::string("username").trim().lowercase().length(1, 255).required(),
  };
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  store::Store& store = ctx.services.store;
  const std::string name(input.text("username"));
  Result<store::User> user = co_await ctx.services.executor.run(
      [&store, &name] { return mail::resolve_account(store, name); });
  if (!user) {
    if (user.status().code() == Code::not_found) co_return user_not_found();
    co_return from_status(user.status());
  }
  json::object fields;
  fields["id"] = user_id(*user);
  co_return ok(std::move(fields));
}

asio::awaitable<Reply> get_user(Context& ctx) {
  static const Schema schema{Field::id("user").required()};
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  LoadedUser loaded = co_await load_user(ctx, input.text("user"));
  if (loaded.refusal) co_return *loaded.refusal;
  json::object fields = full_user(*loaded.user);
  co_return ok(std::move(fields));
}

asio::awaitable<Reply> update_user(Context& ctx) {
  static const Schema schema{
      Field::id("user").required(),
      Field::string("name").length(0, 256),
      password_field("existingPassword"),
      password_field("password"),
      Field::boolean("hashedPassword").fallback(false),
      Field::boolean("allowUnsafe").fallback(true),
      tags_field(),
      Field::integer("retention").range(0, 9.2e15),
      Field::integer("quota").range(0, 9.2e18),
      Field::integer("quotaMessages").range(0, 9.2e18),
      Field::boolean("disabled"),
  };
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  LoadedUser loaded = co_await load_user(ctx, input.text("user"));
  if (loaded.refusal) co_return *loaded.refusal;
  if (!ctx.caller.admin && input.has("disabled")) co_return missing_privileges();
  if (input.has("existingPassword")) {
    std::optional<store::User> candidate = *loaded.user;
    const std::string existing(input.text("existingPassword"));
    Result<store::User> checked = co_await ctx.services.mail.password_hasher().run(
        [&candidate, &existing] { return mail::check_login(std::move(candidate), existing); });
    if (!checked) co_return fail(403, "AuthFailed", "Password verification failed");
  }
  mail::AccountChange change;
  if (input.has("name")) change.name = std::string(input.text("name"));
  if (input.has("tags")) change.tags = tag_list(input.value("tags"));
  if (input.has("retention")) change.retention = input.integer("retention");
  if (input.has("quota")) change.quota_bytes = static_cast<uint64_t>(input.integer("quota"));
  if (input.has("quotaMessages")) {
    change.quota_messages = static_cast<uint64_t>(input.integer("quotaMessages"));
  }
  if (input.has("disabled")) change.disabled = input.flag("disabled");
  if (input.has("password")) {
    change.password = std::string(input.text("password"));
    change.hashed = input.flag("hashedPassword") && !change.password->empty();
  }
  store::Store& store = ctx.services.store;
  const int64_t id = loaded.user->id;
  const std::string keep = ctx.caller.token_hash;
  Result<store::User> updated =
      co_await ctx.services.executor.run([&store, &change, id, &keep]() -> Result<store::User> {
        Result<store::User> user = mail::update_account(store, id, change);
        // A new password ends the user's other API tokens, not the caller's.
        if (user && change.password) {
          Result<uint64_t> revoked = mail::revoke_user_tokens(store, id, keep);
          if (!revoked) return revoked.status();
        }
        return user;
      });
  if (!updated) co_return account_failure(updated.status());
  if (change.disabled.value_or(false)) ctx.services.mail.logout_user(id);
  co_return ok();
}

asio::awaitable<Reply> delete_user(Context& ctx) {
  static const Schema schema{
      Field::id("user").required(),
      Field::any("deleteAfter").check([](json::value& value) -> std::optional<std::string> {
        if (value.is_bool() && !value.as_bool()) {
          value = 0;
          return std::nullopt;
        }
        std::string text;
        if (value.is_string()) text = std::string(value.as_string());
        if (value.is_int64()) text = std::to_string(value.as_int64());
        std::optional<int64_t> when = text.empty() ? std::nullopt : parse_iso_date_time(text);
        if (!when) return std::string(" must be a valid date");
        value = *when;
        return std::nullopt;
      }),
  };
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  LoadedUser loaded = co_await load_user(ctx, input.text("user"));
  if (loaded.refusal) co_return *loaded.refusal;
  int64_t after = input.has("deleteAfter") ? input.value("deleteAfter").as_int64() : 0;
  // A time already past deletes now, as the sweep would at once.
  if (after != 0 && after <= store::unix_now()) after = 0;
  store::Store& store = ctx.services.store;
  const int64_t id = loaded.user->id;
  Status deleted = co_await ctx.services.executor.run(
      [&store, id, after] { return mail::delete_account(store, id, after); });
  if (!deleted) co_return from_status(deleted);
  ctx.services.mail.logout_user(id);
  json::object fields;
  fields["code"] = "TaskScheduled";
  fields["user"] = user_id(*loaded.user);
  if (after != 0) {
    fields["deleteAfter"] = iso_date_time(after);
  } else {
    fields["deleteAfter"] = false;
  }
  co_return ok(std::move(fields));
}

asio::awaitable<Reply> restore_user(Context& ctx) {
  static const Schema schema{Field::id("user").required()};
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  LoadedUser loaded = co_await load_user(ctx, input.text("user"), true);
  if (loaded.refusal) co_return *loaded.refusal;
  if (loaded.user->delete_after == 0) co_return user_not_found();
  store::Store& store = ctx.services.store;
  const int64_t id = loaded.user->id;
  Result<store::User> restored =
      co_await ctx.services.executor.run([&store, id] { return mail::restore_account(store, id); });
  if (!restored) co_return from_status(restored.status());
  json::object fields;
  fields["user"] = user_id(*restored);
  fields["username"] = restored->name;
  fields["storageUsed"] = restored->storage_used;
  fields["tags"] = string_array(restored->tags);
  fields["deleteAfter"] = iso_date_time(loaded.user->delete_after);
  json::object addresses;
  addresses["main"] = restored->main_address;
  fields["addresses"] = std::move(addresses);
  co_return ok(std::move(fields));
}

asio::awaitable<Reply> reset_quota(Context& ctx) {
  static const Schema schema{Field::id("user").required()};
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  LoadedUser loaded = co_await load_user(ctx, input.text("user"));
  if (loaded.refusal) co_return *loaded.refusal;
  store::Store& store = ctx.services.store;
  const int64_t id = loaded.user->id;
  Result<mail::Recount> recount =
      co_await ctx.services.executor.run([&store, id] { return mail::recount_quota(store, id); });
  if (!recount) co_return from_status(recount.status());
  json::object fields;
  fields["storageUsed"] = recount->user.storage_used;
  fields["previousStorageUsed"] = recount->previous_storage;
  co_return ok(std::move(fields));
}

asio::awaitable<Reply> reset_password(Context& ctx) {
  static const Schema schema{
      Field::id("user").required(),
      Field::string("validAfter").empty_as_absent().length(0, 64),
  };
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  LoadedUser loaded = co_await load_user(ctx, input.text("user"));
  if (loaded.refusal) co_return *loaded.refusal;
  store::Store& store = ctx.services.store;
  const int64_t id = loaded.user->id;
  Result<std::string> password =
      co_await ctx.services.executor.run([&store, id]() -> Result<std::string> {
        Result<std::string> fresh = mail::reset_password(store, id);
        if (!fresh) return fresh;
        Result<uint64_t> revoked = mail::revoke_user_tokens(store, id, "");
        if (!revoked) return revoked.status();
        return fresh;
      });
  if (!password) co_return from_status(password.status());
  json::object fields;
  fields["password"] = *password;
  fields["validAfter"] = iso_date_time(store::unix_now());
  co_return ok(std::move(fields));
}

}  // namespace

void add_users_routes(Router& router) {
  router.get("/users", {.access = Access::token}, list_users);
  router.post("/users", {.access = Access::admin}, create_user);
  router.get("/users/resolve/:username", {.access = Access::admin}, resolve_user);
  router.get("/users/:user", {.access = Access::user}, get_user);
  router.put("/users/:user", {.access = Access::user}, update_user);
  router.del("/users/:user", {.access = Access::admin}, delete_user);
  router.post("/users/:user/restore", {.access = Access::admin}, restore_user);
  router.post("/users/:user/quota/reset", {.access = Access::admin}, reset_quota);
  router.post("/users/:user/password/reset", {.access = Access::admin}, reset_password);
}

}  // namespace eider::api
