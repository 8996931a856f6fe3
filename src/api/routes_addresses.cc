// Addresses (WildDuck's lib/api/addresses.js and domainaliases.js): a
// user's addresses, every address, forwarded addresses and domain
// aliases. The store keeps them all as address rows (store::Address): a
// forwarded address is a row of no user, with targets.
#include <boost/asio/awaitable.hpp>

#include "api/accounts.h"
#include "api/ids.h"
#include "api/iso_dates.h"
#include "api/reply.h"
#include "api/router.h"
#include "api/routes.h"
#include "api/validate.h"
#include "mail/users.h"
#include "store/executor.h"

namespace eider::api {
namespace {

namespace asio = boost::asio;

Reply address_not_found() {
  return fail(404, "AddressNotFound", "Invalid or unknown address");
}

Reply alias_not_found() {
  return fail(404, "AliasNotFound", "This alias does not exist");
}

Reply address_failure(const Status& status) {
  switch (status.code()) {
    case Code::already_exists:
      return fail(400, "AddressExistsError", "This email address already exists");
    case Code::not_found:
      return address_not_found();
    case Code::invalid_argument:
      return fail(400, "InputValidationError", status.message());
    default:
      return from_status(status);
  }
}

json::object user_address_json(const store::Address& address) {
  json::object out;
  out["id"] = address_id(address);
  out["name"] = address.name;
  out["address"] = address.address;
  out["main"] = address.main;
  out["tags"] = string_array(address.tags);
  out["created"] = iso_date_time(address.created);
  return out;
}

json::object forwarded_json(const store::Address& address) {
  json::object out;
  out["id"] = address_id(address);
  out["address"] = address.address;
  out["name"] = address.name;
  out["targets"] = string_array(address.targets);
  json::object forwards;
  forwards["allowed"] = address.forwards;
  forwards["used"] = 0;
  forwards["ttl"] = false;
  json::object limits;
  limits["forwards"] = std::move(forwards);
  out["limits"] = std::move(limits);
  json::object autoreply;
  autoreply["status"] = false;
  out["autoreply"] = std::move(autoreply);
  out["forwardedDisabled"] = address.forwarded_disabled;
  out["created"] = iso_date_time(address.created);
  out["tags"] = string_array(address.tags);
  return out;
}

// The row an id names when its creation time matches, else not_found.
Result<store::Address> address_by_id(store::Store& store, std::string_view text) {
  std::optional<DecodedId> id = decode_id(text);
  if (!id) return error(Code::not_found, "no such address");
  Result<store::Address> address = store.find_address_by_id(id->key);
  if (address && !id_matches(*id, address->created, address->id)) {
    return error(Code::not_found, "no such address");
  }
  return address;
}

Field address_field() {
  return Field::string("address").trim().length(3, 512);
}

Field tags_field() {
  return Field::array("tags").strings(128);
}

// A forwarding target: an address, or an smtp(s):// or http(s):// URL.
Field targets_field() {
  return Field::array("targets").strings(1024).check(
      [](json::value& value) -> std::optional<std::string> {
        for (const json::value& item : value.as_array()) {
          std::string_view target = item.as_string();
          const bool url = target.starts_with("smtp://") || target.starts_with("smtps://") ||
                           target.starts_with("http://") || target.starts_with("https://");
          if (!url && target.find('@') == std::string_view::npos) {
            return " must hold addresses or smtp(s):// or http(s):// URLs";
          }
        }
        return std::nullopt;
      });
}

std::vector<std::string> strings_of(const json::value& value) {
  std::vector<std::string> out;
  if (value.is_array()) {
    for (const json::value& item : value.as_array()) {
      if (item.is_string()) out.emplace_back(item.as_string());
    }
  }
  return out;
}

std::optional<Reply> wildcard_refused(std::string_view address, bool allowed) {
  if (address.find('*') == std::string_view::npos) return std::nullopt;
  if (allowed && address.starts_with("*@")) return std::nullopt;
  return fail(400, "InputValidationError", "Invalid character in email address: *");
}

asio::awaitable<Reply> list_user_addresses(Context& ctx) {
  static const Schema schema{Field::id("user").required(), Field::boolean("metaData"),
                             Field::boolean("internalData")};
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  LoadedUser loaded = co_await load_user(ctx, input.text("user"));
  if (loaded.refusal) co_return *loaded.refusal;
  store::Store& store = ctx.services.store;
  const int64_t id = loaded.user->id;
  Result<std::vector<store::Address>> addresses =
      co_await ctx.services.executor.run([&store, id] { return store.user_addresses(id); });
  if (!addresses) co_return from_status(addresses.status());
  json::array results;
  for (const store::Address& address : *addresses) results.emplace_back(user_address_json(address));
  json::object fields;
  fields["results"] = std::move(results);
  co_return ok(std::move(fields));
}

asio::awaitable<Reply> create_user_address(Context& ctx) {
  static const Schema schema{
      Field::id("user").required(),
      address_field().required(),
      Field::string("name").length(0, 256),
      Field::boolean("main").fallback(false),
      Field::boolean("allowWildcard").fallback(false),
      tags_field(),
  };
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  if (auto refusal = wildcard_refused(input.text("address"), input.flag("allowWildcard"))) {
    co_return *refusal;
  }
  LoadedUser loaded = co_await load_user(ctx, input.text("user"));
  if (loaded.refusal) co_return *loaded.refusal;
  store::NewAddress address;
  address.address = std::string(input.text("address"));
  address.name = std::string(input.text("name"));
  address.main = input.flag("main");
  address.tags = tag_list(input.value("tags"));
  store::Store& store = ctx.services.store;
  const int64_t id = loaded.user->id;
  Result<store::Address> made = co_await ctx.services.executor.run(
      [&store, id, &address] { return store.create_address(id, address); });
  if (!made) co_return address_failure(made.status());
  json::object fields;
  fields["id"] = address_id(*made);
  co_return ok(std::move(fields));
}

// The address :id of the route's :user, or the refusal to send. (The id
// is `:id`, as in WildDuck's PUT: a body's `address` is the new address.)
struct LoadedAddress {
  std::optional<store::User> user;
  std::optional<store::Address> address;
  std::optional<Reply> refusal;
};

asio::awaitable<LoadedAddress> load_user_address(Context& ctx, const Validated& input) {
  LoadedAddress out;
  LoadedUser loaded = co_await load_user(ctx, input.text("user"));
  if (loaded.refusal) {
    out.refusal = std::move(loaded.refusal);
    co_return out;
  }
  store::Store& store = ctx.services.store;
  const std::string text(input.text("id"));
  const int64_t user_id = loaded.user->id;
  Result<store::Address> address =
      co_await ctx.services.executor.run([&store, &text, user_id]() -> Result<store::Address> {
        Result<store::Address> found = address_by_id(store, text);
        if (found && found->user_id != user_id) return error(Code::not_found, "not theirs");
        return found;
      });
  if (!address) {
    out.refusal = address_failure(address.status());
    co_return out;
  }
  out.user = std::move(loaded.user);
  out.address = std::move(*address);
  co_return out;
}

asio::awaitable<Reply> get_user_address(Context& ctx) {
  static const Schema schema{Field::id("user").required(), Field::id("id").required()};
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  LoadedAddress loaded = co_await load_user_address(ctx, input);
  if (loaded.refusal) co_return *loaded.refusal;
  co_return ok(user_address_json(*loaded.address));
}

asio::awaitable<Reply> update_user_address(Context& ctx) {
  static const Schema schema{
      Field::id("user").required(),         Field::id("id").required(), address_field(),
      Field::string("name").length(0, 256), Field::boolean("main"),     tags_field(),
  };
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  if (input.has("main") && !input.flag("main")) {
    co_return fail(400, "InputValidationError", "Cannot unset main status");
  }
  if (auto refusal = wildcard_refused(input.text("address"), false)) co_return *refusal;
  LoadedAddress loaded = co_await load_user_address(ctx, input);
  if (loaded.refusal) co_return *loaded.refusal;
  store::AddressChange change;
  if (input.has("address")) change.address = std::string(input.text("address"));
  if (input.has("name")) change.name = std::string(input.text("name"));
  if (input.has("tags")) change.tags = tag_list(input.value("tags"));
  change.make_main = input.flag("main");
  store::Store& store = ctx.services.store;
  const int64_t id = loaded.address->id;
  Result<store::Address> updated = co_await ctx.services.executor.run(
      [&store, id, &change] { return store.update_address(id, change); });
  if (!updated) co_return address_failure(updated.status());
  co_return ok();
}

asio::awaitable<Reply> delete_user_address(Context& ctx) {
  static const Schema schema{Field::id("user").required(), Field::id("id").required()};
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  LoadedAddress loaded = co_await load_user_address(ctx, input);
  if (loaded.refusal) co_return *loaded.refusal;
  if (loaded.address->main) {
    co_return fail(400, "NotPermitted",
                   "Trying to delete main address. Set a new main address first");
  }
  store::Store& store = ctx.services.store;
  const int64_t id = loaded.address->id;
  Status deleted =
      co_await ctx.services.executor.run([&store, id] { return store.delete_address(id); });
  if (!deleted) co_return address_failure(deleted);
  co_return ok();
}

asio::awaitable<Reply> list_addresses(Context& ctx) {
  static const Schema schema{
      Field::string("query").trim().empty_as_absent().length(0, 255),
      Field::boolean("forward"),
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
  // A user token sees its own addresses only.
  if (!ctx.caller.admin) query.user_id = ctx.caller.user_id;
  if (std::optional<Reply> refusal = read_cursors(input, query)) co_return *refusal;
  store::Store& store = ctx.services.store;
  Result<store::Page<store::Address>> listed =
      co_await ctx.services.executor.run([&store, &query] { return store.query_addresses(query); });
  if (!listed) co_return from_status(listed.status());
  // The user of each address, for its id; one lookup per user on the page.
  std::vector<std::pair<int64_t, std::string>> owners;
  for (const store::Address& address : listed->items) {
    if (address.forwarded()) continue;
    bool known = false;
    for (const auto& [id, text] : owners) known = known || id == address.user_id;
    if (known) continue;
    const int64_t owner = address.user_id;
    Result<store::User> user = co_await ctx.services.executor.run(
        [&store, owner] { return store.find_user_by_id(owner); });
    owners.emplace_back(owner, user ? user_id(*user) : std::string());
  }
  json::array results;
  for (const store::Address& address : listed->items) {
    json::object item;
    item["id"] = address_id(address);
    item["name"] = address.name;
    item["address"] = address.address;
    if (address.forwarded()) {
      item["forwarded"] = true;
      item["forwardedDisabled"] = address.forwarded_disabled;
      item["targets"] = string_array(address.targets);
    } else {
      for (const auto& [id, text] : owners) {
        if (id == address.user_id) item["user"] = text;
      }
      item["forwarded"] = false;
    }
    item["tags"] = string_array(address.tags);
    results.emplace_back(std::move(item));
  }
  PageCursors cursors = page_cursors(query, *listed);
  json::object fields;
  if (input.has("query")) {
    fields["query"] = input.text("query");
  } else {
    fields["query"] = nullptr;
  }
  fields["total"] = listed->total;
  fields["page"] = cursors.previous.is_bool() ? 1 : input.integer("page");
  fields["previousCursor"] = cursors.previous;
  fields["nextCursor"] = cursors.next;
  fields["results"] = std::move(results);
  co_return ok(std::move(fields));
}

asio::awaitable<Reply> resolve_address(Context& ctx) {
  static const Schema schema{
      Field::string("address").trim().length(1, 512).required(),
      Field::boolean("allowWildcard").fallback(false),
      Field::boolean("metaData"),
      Field::boolean("internalData"),
  };
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  store::Store& store = ctx.services.store;
  const std::string text(input.text("address"));
  const bool wildcard = input.flag("allowWildcard");
  Result<store::Address> address =
      co_await ctx.services.executor.run([&store, &text, wildcard]() -> Result<store::Address> {
        // An id, else an address (exactly or through a domain alias), else
        // with allowWildcard the domain's catch-all.
        if (decode_id(text)) return address_by_id(store, text);
        Result<store::Address> found = mail::resolve_address_row(store, text);
        if (found || found.status().code() != Code::not_found || !wildcard) return found;
        return mail::resolve_address_row(store, "*" + text.substr(text.rfind('@')));
      });
  if (!address) {
    if (address.status().code() == Code::invalid_argument) co_return address_not_found();
    co_return address_failure(address.status());
  }
  if (address->forwarded()) co_return ok(forwarded_json(*address));
  const int64_t owner = address->user_id;
  Result<store::User> user =
      co_await ctx.services.executor.run([&store, owner] { return store.find_user_by_id(owner); });
  if (!user) co_return from_status(user.status());
  json::object fields = user_address_json(*address);
  fields["user"] = user_id(*user);
  co_return ok(std::move(fields));
}

asio::awaitable<Reply> create_forwarded(Context& ctx) {
  static const Schema schema{
      address_field().required(),
      Field::string("name").length(0, 256),
      targets_field(),
      Field::integer("forwards").fallback(0).range(0, 1e9),
      Field::boolean("allowWildcard").fallback(false),
      Field::boolean("forwardedDisabled").fallback(false),
      tags_field(),
  };
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  if (auto refusal = wildcard_refused(input.text("address"), input.flag("allowWildcard"))) {
    co_return *refusal;
  }
  store::NewAddress address;
  address.address = std::string(input.text("address"));
  address.name = std::string(input.text("name"));
  address.targets = strings_of(input.value("targets"));
  address.forwards = static_cast<uint64_t>(input.integer("forwards"));
  address.forwarded_disabled = input.flag("forwardedDisabled");
  address.tags = tag_list(input.value("tags"));
  store::Store& store = ctx.services.store;
  Result<store::Address> made = co_await ctx.services.executor.run(
      [&store, &address] { return store.create_address(0, address); });
  if (!made) co_return address_failure(made.status());
  json::object fields;
  fields["id"] = address_id(*made);
  co_return ok(std::move(fields));
}

// The forwarded address :id names, or the refusal.
asio::awaitable<std::pair<std::optional<store::Address>, std::optional<Reply>>> load_forwarded(
    Context& ctx, std::string_view text) {
  store::Store& store = ctx.services.store;
  const std::string id(text);
  Result<store::Address> address =
      co_await ctx.services.executor.run([&store, &id] { return address_by_id(store, id); });
  if (!address) co_return std::pair{std::nullopt, address_failure(address.status())};
  if (!address->forwarded()) co_return std::pair{std::nullopt, address_not_found()};
  co_return std::pair{std::optional<store::Address>(std::move(*address)), std::nullopt};
}

asio::awaitable<Reply> get_forwarded(Context& ctx) {
  static const Schema schema{Field::id("id").required()};
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  auto [address, refusal] = co_await load_forwarded(ctx, input.text("id"));
  if (refusal) co_return *refusal;
  co_return ok(forwarded_json(*address));
}

asio::awaitable<Reply> update_forwarded(Context& ctx) {
  static const Schema schema{
      Field::id("id").required(),
      address_field(),
      Field::string("name").length(0, 256),
      targets_field(),
      Field::integer("forwards").range(0, 1e9),
      Field::boolean("forwardedDisabled"),
      tags_field(),
  };
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  if (auto refusal = wildcard_refused(input.text("address"), true)) co_return *refusal;
  auto [address, refusal] = co_await load_forwarded(ctx, input.text("id"));
  if (refusal) co_return *refusal;
  store::AddressChange change;
  if (input.has("address")) change.address = std::string(input.text("address"));
  if (input.has("name")) change.name = std::string(input.text("name"));
  if (input.has("targets")) change.targets = strings_of(input.value("targets"));
  if (input.has("forwards")) change.forwards = static_cast<uint64_t>(input.integer("forwards"));
  if (input.has("forwardedDisabled")) change.forwarded_disabled = input.flag("forwardedDisabled");
  if (input.has("tags")) change.tags = tag_list(input.value("tags"));
  store::Store& store = ctx.services.store;
  const int64_t id = address->id;
  Result<store::Address> updated = co_await ctx.services.executor.run(
      [&store, id, &change] { return store.update_address(id, change); });
  if (!updated) co_return address_failure(updated.status());
  co_return ok();
}

asio::awaitable<Reply> delete_forwarded(Context& ctx) {
  static const Schema schema{Field::id("id").required()};
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  auto [address, refusal] = co_await load_forwarded(ctx, input.text("id"));
  if (refusal) co_return *refusal;
  store::Store& store = ctx.services.store;
  const int64_t id = address->id;
  Status deleted =
      co_await ctx.services.executor.run([&store, id] { return store.delete_address(id); });
  if (!deleted) co_return address_failure(deleted);
  co_return ok();
}

// ---- Domain aliases.

json::object alias_json(const store::DomainAlias& alias) {
  json::object out;
  out["id"] = encode_id(alias.created, alias.id);
  out["alias"] = alias.alias;
  out["domain"] = alias.domain;
  out["created"] = iso_date_time(alias.created);
  return out;
}

Field domain_field(std::string name) {
  return Field::string(std::move(name)).trim().lowercase().length(1, 255);
}

asio::awaitable<Reply> list_aliases(Context& ctx) {
  static const Schema schema{
      Field::string("query").trim().empty_as_absent().length(0, 255),
      Field::integer("limit").fallback(20).range(1, 250),
      Field::string("next").empty_as_absent().length(0, 1024),
      Field::string("previous").empty_as_absent().length(0, 1024),
      Field::integer("page").fallback(1).range(0, 1e9),
  };
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  store::ListQuery query;
  query.limit = static_cast<uint32_t>(input.integer("limit"));
  if (input.has("query")) {
    // A domain query matches the stored (Unicode) form.
    Result<std::string> domain = mail::normalize_domain(input.text("query"));
    query.text = domain ? *domain : std::string(input.text("query"));
  }
  if (std::optional<Reply> refusal = read_cursors(input, query)) co_return *refusal;
  store::Store& store = ctx.services.store;
  Result<store::Page<store::DomainAlias>> listed = co_await ctx.services.executor.run(
      [&store, &query] { return store.query_domain_aliases(query); });
  if (!listed) co_return from_status(listed.status());
  json::array results;
  for (const store::DomainAlias& alias : listed->items) {
    json::object item;
    item["id"] = encode_id(alias.created, alias.id);
    item["alias"] = alias.alias;
    item["domain"] = alias.domain;
    results.emplace_back(std::move(item));
  }
  PageCursors cursors = page_cursors(query, *listed);
  json::object fields;
  if (input.has("query")) {
    fields["query"] = input.text("query");
  } else {
    fields["query"] = nullptr;
  }
  fields["total"] = listed->total;
  fields["page"] = cursors.previous.is_bool() ? 1 : input.integer("page");
  fields["previousCursor"] = cursors.previous;
  fields["nextCursor"] = cursors.next;
  fields["results"] = std::move(results);
  co_return ok(std::move(fields));
}

asio::awaitable<Reply> create_alias(Context& ctx) {
  static const Schema schema{domain_field("alias").required(), domain_field("domain").required()};
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  store::Store& store = ctx.services.store;
  const std::string alias(input.text("alias"));
  const std::string domain(input.text("domain"));
  Result<store::DomainAlias> made = co_await ctx.services.executor.run(
      [&store, &alias, &domain] { return mail::create_domain_alias(store, alias, domain); });
  if (!made) {
    if (made.status().code() == Code::already_exists) {
      co_return fail(400, "AliasExists", "This domain alias already exists");
    }
    if (made.status().code() == Code::invalid_argument) {
      co_return fail(400, "InputValidationError", made.status().message());
    }
    co_return from_status(made.status());
  }
  json::object fields;
  fields["id"] = encode_id(made->created, made->id);
  co_return ok(std::move(fields));
}

// The alias an id names (with a matching creation time).
asio::awaitable<Result<store::DomainAlias>> alias_by_id(Context& ctx, std::string_view text) {
  std::optional<DecodedId> id = decode_id(text);
  if (!id) co_return error(Code::not_found, "no such alias");
  store::Store& store = ctx.services.store;
  const int64_t key = id->key;
  Result<store::DomainAlias> alias = co_await ctx.services.executor.run(
      [&store, key] { return store.find_domain_alias_by_id(key); });
  if (alias && !id_matches(*id, alias->created, alias->id)) {
    co_return error(Code::not_found, "no such alias");
  }
  co_return alias;
}

asio::awaitable<Reply> get_alias(Context& ctx) {
  static const Schema schema{Field::id("alias").required()};
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  Result<store::DomainAlias> alias = co_await alias_by_id(ctx, input.text("alias"));
  if (!alias) {
    if (alias.status().code() == Code::not_found) co_return alias_not_found();
    co_return from_status(alias.status());
  }
  co_return ok(alias_json(*alias));
}

asio::awaitable<Reply> delete_alias(Context& ctx) {
  static const Schema schema{Field::id("alias").required()};
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  Result<store::DomainAlias> alias = co_await alias_by_id(ctx, input.text("alias"));
  if (!alias) {
    if (alias.status().code() == Code::not_found) co_return alias_not_found();
    co_return from_status(alias.status());
  }
  store::Store& store = ctx.services.store;
  const int64_t id = alias->id;
  Status deleted =
      co_await ctx.services.executor.run([&store, id] { return store.delete_domain_alias(id); });
  if (!deleted) {
    if (deleted.code() == Code::not_found) co_return alias_not_found();
    co_return from_status(deleted);
  }
  co_return ok();
}

asio::awaitable<Reply> resolve_alias(Context& ctx) {
  static const Schema schema{domain_field("alias").required()};
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  Result<std::string> domain = mail::normalize_domain(input.text("alias"));
  if (!domain) co_return alias_not_found();
  store::Store& store = ctx.services.store;
  const std::string name = *domain;
  Result<store::DomainAlias> alias =
      co_await ctx.services.executor.run([&store, &name] { return store.find_domain_alias(name); });
  if (!alias) {
    if (alias.status().code() == Code::not_found) co_return alias_not_found();
    co_return from_status(alias.status());
  }
  json::object fields;
  fields["id"] = encode_id(alias->created, alias->id);
  co_return ok(std::move(fields));
}

}  // namespace

void add_addresses_routes(Router& router) {
  router.get("/users/:user/addresses", {.access = Access::user}, list_user_addresses);
  router.post("/users/:user/addresses", {.access = Access::user}, create_user_address);
  router.get("/users/:user/addresses/:id", {.access = Access::user}, get_user_address);
  router.put("/users/:user/addresses/:id", {.access = Access::user}, update_user_address);
  router.del("/users/:user/addresses/:id", {.access = Access::user}, delete_user_address);
  router.get("/addresses", {.access = Access::token}, list_addresses);
  router.get("/addresses/resolve/:address", {.access = Access::admin}, resolve_address);
  router.post("/addresses/forwarded", {.access = Access::admin}, create_forwarded);
  router.get("/addresses/forwarded/:id", {.access = Access::admin}, get_forwarded);
  router.put("/addresses/forwarded/:id", {.access = Access::admin}, update_forwarded);
  router.del("/addresses/forwarded/:id", {.access = Access::admin}, delete_forwarded);
  router.get("/domainaliases", {.access = Access::admin}, list_aliases);
  router.post("/domainaliases", {.access = Access::admin}, create_alias);
  router.get("/domainaliases/resolve/:alias", {.access = Access::admin}, resolve_alias);
  router.get("/domainaliases/:alias", {.access = Access::admin}, get_alias);
  router.del("/domainaliases/:alias", {.access = Access::admin}, delete_alias);
}

}  // namespace eider::api
