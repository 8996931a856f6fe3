// PgStore: accounts for the HTTP API (users' fields, address rows, domain
// aliases) and their paged listings.
#include "store/accounts.h"

#include <algorithm>
#include <limits>

#include "mime/address.h"
#include "store/names.h"
#include "store/postgres/pg_store.h"
#include "store/postgres/rows.h"

namespace eider::store::postgres {

namespace {

constexpr const char* kAddressColumns =
    "SELECT id, user_id, address, name, tags, main, targets, forwards, forwarded_disabled,"
    " created FROM addresses ";

Address address_from(const Rows& rows, int i) {
  Address a;
  a.id = rows.int64(i, 0);
  a.user_id = rows.int64(i, 1);
  a.address = rows.bytes(i, 2);
  a.name = rows.bytes(i, 3);
  a.tags = decode_tags(rows.bytes(i, 4));
  a.main = rows.int64(i, 5) != 0;
  a.targets = decode_lines(rows.bytes(i, 6));
  a.forwards = static_cast<uint64_t>(rows.int64(i, 7));
  a.forwarded_disabled = rows.int64(i, 8) != 0;
  a.created = rows.int64(i, 9);
  return a;
}

constexpr const char* kAliasColumns = "SELECT id, alias, domain, created FROM domain_aliases ";

DomainAlias alias_from(const Rows& rows, int i) {
  return DomainAlias{rows.int64(i, 0), rows.bytes(i, 1), rows.bytes(i, 2), rows.int64(i, 3)};
}

template <typename T, typename From>
Result<T> one(Connection& db, const std::string& sql, const Params& params, From from,
              std::string what) {
  Result<Rows> rows = db.query(sql, params);
  if (!rows) return rows.status();
  if (rows->empty()) return error(Code::not_found, std::move(what));
  return from(*rows, 0);
}

template <typename T, typename From>
Result<std::vector<T>> all(Connection& db, const std::string& sql, const Params& params,
                           From from) {
  Result<Rows> rows = db.query(sql, params);
  if (!rows) return rows.status();
  std::vector<T> out;
  for (int i = 0; i < rows->size(); ++i) out.push_back(from(*rows, i));
  return out;
}

Result<Address> load_address_by_id(Connection& db, int64_t id) {
  static const std::string sql = std::string(kAddressColumns) + "WHERE id = $1";
  return one<Address>(db, sql, Params(id), address_from, "no such address");
}

Status make_main(Connection& db, int64_t user_id, int64_t address_id) {
  return db.run("UPDATE addresses SET main = (id = $2) WHERE user_id = $1 AND user_id <> 0",
                Params(user_id, address_id));
}

Status keep_a_main(Connection& db, int64_t user_id) {
  if (user_id == 0) return Status::ok();
  return db.run(
      "UPDATE addresses SET main = true WHERE id = (SELECT min(id) FROM addresses"
      " WHERE user_id = $1) AND NOT EXISTS (SELECT 1 FROM addresses WHERE user_id = $1 AND main)",
      Params(user_id));
}

Status taken_as(Status status, const std::string& address) {
  if (status.code() == Code::already_exists) {
    return error(Code::already_exists, "address \"" + address + "\" is already taken");
  }
  return status;
}

// The statements of a paged listing (as the SQLite backend's): `filter`
// uses $1..$(cursor_param - 1); the cursor and limit follow.
struct Listing {
  std::string after;
  std::string before;
  std::string count;
  Listing(std::string_view columns, std::string_view table, std::string_view filter,
          int cursor_param) {
    const std::string c = std::to_string(cursor_param);
    const std::string id = std::to_string(cursor_param + 1);
    const std::string limit = std::to_string(cursor_param + 2);
    after = std::string(columns) + "WHERE " + std::string(filter) + " AND (created, id) > ($" + c +
            ", $" + id + ") ORDER BY created, id LIMIT $" + limit;
    before = std::string(columns) + "WHERE " + std::string(filter) + " AND (created, id) < ($" + c +
             ", $" + id + ") ORDER BY created DESC, id DESC LIMIT $" + limit;
    count = "SELECT count(*) FROM " + std::string(table) + " WHERE " + std::string(filter);
  }
};

template <typename T, typename From>
Result<Page<T>> page(Connection& db, const Listing& listing, const ListQuery& query, From from,
                     const Params& filter, const Params& with_cursor_base) {
  constexpr int64_t kLowest = std::numeric_limits<int64_t>::min();
  constexpr int64_t kHighest = std::numeric_limits<int64_t>::max();
  const bool backward = query.before.has_value();
  ListCursor cursor = backward ? *query.before : query.after.value_or(ListCursor{kLowest, kLowest});
  if (backward && cursor == ListCursor{}) cursor = {kHighest, kHighest};
  Params params = with_cursor_base;
  params.add(cursor.created);
  params.add(cursor.id);
  params.add(static_cast<int64_t>(query.limit) + 1);
  Result<std::vector<T>> items =
      all<T>(db, backward ? listing.before : listing.after, params, from);
  if (!items) return items.status();
  Page<T> out;
  out.items = std::move(*items);
  if (out.items.size() > query.limit) {
    out.more = true;
    out.items.pop_back();
  }
  if (backward) std::reverse(out.items.begin(), out.items.end());
  Result<Rows> total = db.query(listing.count, filter);
  if (!total) return total.status();
  out.total = static_cast<uint64_t>(total->int64(0, 0));
  return out;
}

#define EIDER_TAG_FILTER(table)                                                        \
  " (cardinality($2::bytea[]) = 0 OR EXISTS (SELECT 1 FROM unnest($2::bytea[]) t(tag)" \
  " WHERE position(('\\x2c'::bytea || t.tag || '\\x2c'::bytea) IN " table              \
  ".tags) > 0))"                                                                       \
  " AND NOT EXISTS (SELECT 1 FROM unnest($3::bytea[]) t(tag)"                          \
  " WHERE position(('\\x2c'::bytea || t.tag || '\\x2c'::bytea) IN " table ".tags) = 0)"

const Listing& user_listing() {
  static const Listing listing(
      kUserColumns, "users",
      "delete_after = 0 AND ($1 = ''::bytea OR position($1 IN name) > 0 OR EXISTS (SELECT 1"
      " FROM addresses a WHERE a.user_id = users.id AND position($1 IN a.address) > 0)) "
      "AND" EIDER_TAG_FILTER("users"),
      4);
  return listing;
}

const Listing& address_listing() {
  static const Listing listing(kAddressColumns, "addresses",
                               "($1 = ''::bytea OR position($1 IN address) > 0)"
                               " AND ($4 = 0 OR user_id = $4) AND" EIDER_TAG_FILTER("addresses"),
                               5);
  return listing;
}

const Listing& alias_listing() {
  static const Listing listing(
      kAliasColumns, "domain_aliases",
      "($1 = ''::bytea OR position($1 IN alias) > 0 OR position($1 IN domain) > 0)", 2);
  return listing;
}

#undef EIDER_TAG_FILTER

Result<Address> insert_address_row(Connection& db, int64_t user_id, const std::string& normalized,
                                   const NewAddress& address) {
  if (user_id != 0) {
    Result<User> user = load_user_by_id(db, user_id);
    if (!user) return user.status();
  }
  Result<Rows> inserted = db.query(
      "INSERT INTO addresses (address, user_id, name, tags, targets, forwards,"
      " forwarded_disabled, created) VALUES ($1, $2, $3, $4, $5, $6, $7 <> 0, $8)"
      " RETURNING id",
      Params(normalized, user_id, address.name, encode_tags(normalize_tags(address.tags)),
             encode_lines(address.targets), address.forwards, address.forwarded_disabled,
             unix_now()));
  if (!inserted) return taken_as(inserted.status(), normalized);
  const int64_t id = inserted->int64(0, 0);
  if (user_id != 0) {
    if (address.main) {
      EIDER_RETURN_IF_ERROR(make_main(db, user_id, id));
    } else {
      EIDER_RETURN_IF_ERROR(keep_a_main(db, user_id));
    }
  }
  return load_address_by_id(db, id);
}

}  // namespace

Result<User> PgStore::create_account(const NewUser& user) {
  Result<std::string> normalized = normalize_user_name(user.name);
  if (!normalized) return normalized.status();
  std::vector<std::string> addresses;
  for (const std::string& address : user.addresses) {
    Result<std::string> a = mime::normalize_address(address);
    if (!a) return a.status();
    addresses.push_back(std::move(*a));
  }
  Result<std::vector<MailboxTemplate>> mailboxes = new_user_mailboxes(user.mailboxes);
  if (!mailboxes) return mailboxes.status();
  return write<User>([&](Connection& db) -> Result<User> {
    Result<Rows> inserted = db.query(
        "INSERT INTO users (name, password_hash, quota_bytes, quota_messages, display_name, tags,"
        " retention, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        Params(*normalized, user.password_hash, user.quota.bytes, user.quota.messages,
               user.display_name, encode_tags(normalize_tags(user.tags)), user.retention,
               unix_now()));
    if (!inserted && inserted.status().code() == Code::already_exists) {
      return error(Code::already_exists, "user \"" + *normalized + "\" already exists");
    }
    if (!inserted) return inserted.status();
    const int64_t id = inserted->int64(0, 0);
    for (size_t i = 0; i < addresses.size(); ++i) {
      NewAddress address;
      address.address = addresses[i];
      address.main = i == 0;
      Result<Address> added = insert_address_row(db, id, addresses[i], address);
      if (!added) return added.status();
    }
    for (const MailboxTemplate& mailbox : *mailboxes) {
      Result<Mailbox> created = insert_mailbox(db, id, mailbox.path, mailbox.special_use);
      if (!created) return created.status();
    }
    return load_user_by_id(db, id);
  });
}

Result<User> PgStore::create_user(std::string_view name, std::string_view password_hash,
                                  const std::vector<std::string>& addresses, const Quota& quota) {
  NewUser user;
  user.name = std::string(name);
  user.password_hash = std::string(password_hash);
  user.addresses = addresses;
  user.quota = quota;
  return create_account(user);
}

Result<User> PgStore::update_user(int64_t user_id, const UserChange& change) {
  std::optional<std::string> tags;
  if (change.tags) tags = encode_tags(normalize_tags(*change.tags));
  return write<User>([&](Connection& db) -> Result<User> {
    Result<User> user = lock_user(db, user_id);
    if (!user) return user.status();
    EIDER_RETURN_IF_ERROR(db.run(
        "UPDATE users SET display_name = $2, tags = $3, retention = $4, quota_bytes = $5,"
        " quota_messages = $6, password_hash = $7, disabled = ($8 <> 0), delete_after = $9"
        " WHERE id = $1",
        Params(user_id, change.display_name.value_or(user->display_name),
               tags.value_or(encode_tags(user->tags)), change.retention.value_or(user->retention),
               change.quota_bytes.value_or(user->quota_bytes),
               change.quota_messages.value_or(user->quota_messages),
               change.password_hash.value_or(user->password_hash),
               change.disabled.value_or(user->disabled),
               change.delete_after.value_or(user->delete_after))));
    return load_user_by_id(db, user_id);
  });
}

Result<Page<User>> PgStore::query_users(const ListQuery& query) {
  return read<Page<User>>([&](Connection& db) {
    Params filter(query.text, query.any_tags, query.required_tags);
    return page<User>(db, user_listing(), query, user_from, filter, filter);
  });
}

Result<std::vector<User>> PgStore::users_to_delete(int64_t now) {
  return read<std::vector<User>>([&](Connection& db) {
    static const std::string sql =
        std::string(kUserColumns) + "WHERE delete_after > 0 AND delete_after <= $1 ORDER BY id";
    return all<User>(db, sql, Params(now), user_from);
  });
}

Result<User> PgStore::recount_usage(int64_t user_id) {
  return write<User>([&](Connection& db) -> Result<User> {
    Result<User> user = lock_user(db, user_id);
    if (!user) return user.status();
    EIDER_RETURN_IF_ERROR(
        db.run("UPDATE users SET storage_used = (SELECT coalesce(sum(size), 0) FROM messages"
               " WHERE user_id = $1), message_count = (SELECT count(*) FROM messages"
               " WHERE user_id = $1) WHERE id = $1",
               Params(user_id)));
    return load_user_by_id(db, user_id);
  });
}

Result<Address> PgStore::create_address(int64_t user_id, const NewAddress& address) {
  Result<std::string> normalized = mime::normalize_address(address.address);
  if (!normalized) return normalized.status();
  return write<Address>(
      [&](Connection& db) { return insert_address_row(db, user_id, *normalized, address); });
}

Result<Address> PgStore::update_address(int64_t address_id, const AddressChange& change) {
  std::optional<std::string> normalized;
  if (change.address) {
    Result<std::string> a = mime::normalize_address(*change.address);
    if (!a) return a.status();
    normalized = std::move(*a);
  }
  std::optional<std::string> tags;
  if (change.tags) tags = encode_tags(normalize_tags(*change.tags));
  return write<Address>([&](Connection& db) -> Result<Address> {
    Result<Address> old = load_address_by_id(db, address_id);
    if (!old) return old.status();
    const std::string address = normalized.value_or(old->address);
    EIDER_RETURN_IF_ERROR(taken_as(
        db.run("UPDATE addresses SET address = $2, name = $3, tags = $4, targets = $5,"
               " forwards = $6, forwarded_disabled = ($7 <> 0) WHERE id = $1",
               Params(address_id, address, change.name.value_or(old->name),
                      tags.value_or(encode_tags(old->tags)),
                      change.targets ? encode_lines(*change.targets) : encode_lines(old->targets),
                      change.forwards.value_or(old->forwards),
                      change.forwarded_disabled.value_or(old->forwarded_disabled))),
        address));
    if (change.make_main && !old->forwarded()) {
      EIDER_RETURN_IF_ERROR(make_main(db, old->user_id, address_id));
    }
    return load_address_by_id(db, address_id);
  });
}

Status PgStore::delete_address(int64_t address_id) {
  return write<Done>([&](Connection& db) -> Result<Done> {
           Result<Address> old = load_address_by_id(db, address_id);
           if (!old) return old.status();
           if (old->main) {
             return error(Code::invalid_argument,
                          "\"" + old->address + "\" is the user's main address");
           }
           EIDER_RETURN_IF_ERROR(
               db.run("DELETE FROM addresses WHERE id = $1 AND NOT main", Params(address_id)));
           return Done{};
         })
      .status();
}

Result<Address> PgStore::find_address_by_id(int64_t address_id) {
  return read<Address>([&](Connection& db) { return load_address_by_id(db, address_id); });
}

Result<Address> PgStore::lookup_address(std::string_view normalized_address) {
  std::string address(normalized_address);
  return read<Address>([&](Connection& db) {
    static const std::string sql = std::string(kAddressColumns) + "WHERE address = $1";
    return one<Address>(db, sql, Params(address), address_from, "no address \"" + address + "\"");
  });
}

Result<std::vector<Address>> PgStore::user_addresses(int64_t user_id) {
  return read<std::vector<Address>>([&](Connection& db) -> Result<std::vector<Address>> {
    Result<User> user = load_user_by_id(db, user_id);
    if (!user) return user.status();
    static const std::string sql =
        std::string(kAddressColumns) + "WHERE user_id = $1 ORDER BY main DESC, address";
    return all<Address>(db, sql, Params(user_id), address_from);
  });
}

Result<Page<Address>> PgStore::query_addresses(const ListQuery& query) {
  return read<Page<Address>>([&](Connection& db) {
    Params filter(query.text, query.any_tags, query.required_tags, query.user_id);
    return page<Address>(db, address_listing(), query, address_from, filter, filter);
  });
}

Result<DomainAlias> PgStore::create_domain_alias(std::string_view alias, std::string_view domain) {
  return write<DomainAlias>([&](Connection& db) -> Result<DomainAlias> {
    static const std::string sql =
        "INSERT INTO domain_aliases (alias, domain, created) VALUES ($1, $2, $3) RETURNING id,"
        " alias, domain, created";
    Result<DomainAlias> made =
        one<DomainAlias>(db, sql, Params(alias, domain, unix_now()), alias_from, "");
    if (!made && made.status().code() == Code::already_exists) {
      return error(Code::already_exists, "domain alias \"" + std::string(alias) + "\" exists");
    }
    return made;
  });
}

Result<DomainAlias> PgStore::find_domain_alias(std::string_view alias) {
  return read<DomainAlias>([&](Connection& db) {
    static const std::string sql = std::string(kAliasColumns) + "WHERE alias = $1";
    return one<DomainAlias>(db, sql, Params(alias), alias_from,
                            "no domain alias \"" + std::string(alias) + "\"");
  });
}

Result<DomainAlias> PgStore::find_domain_alias_by_id(int64_t alias_id) {
  return read<DomainAlias>([&](Connection& db) {
    static const std::string sql = std::string(kAliasColumns) + "WHERE id = $1";
    return one<DomainAlias>(db, sql, Params(alias_id), alias_from, "no such domain alias");
  });
}

Status PgStore::delete_domain_alias(int64_t alias_id) {
  return write<Done>([&](Connection& db) -> Result<Done> {
           Result<Rows> removed =
               db.query("DELETE FROM domain_aliases WHERE id = $1", Params(alias_id));
           if (!removed) return removed.status();
           if (removed->affected() == 0) return error(Code::not_found, "no such domain alias");
           return Done{};
         })
      .status();
}

Result<Page<DomainAlias>> PgStore::query_domain_aliases(const ListQuery& query) {
  return read<Page<DomainAlias>>([&](Connection& db) {
    Params filter(query.text);
    return page<DomainAlias>(db, alias_listing(), query, alias_from, filter, filter);
  });
}

Status PgStore::add_address(int64_t user_id, std::string_view address) {
  NewAddress row;
  row.address = std::string(address);
  return create_address(user_id, row).status();
}

Status PgStore::remove_address(std::string_view address) {
  Result<std::string> normalized = mime::normalize_address(address);
  if (!normalized) return normalized.status();
  return write<Done>([&](Connection& db) -> Result<Done> {
           Result<Rows> removed = db.query(
               "DELETE FROM addresses WHERE address = $1 RETURNING user_id", Params(*normalized));
           if (!removed) return removed.status();
           if (removed->empty()) {
             return error(Code::not_found, "no address \"" + *normalized + "\"");
           }
           EIDER_RETURN_IF_ERROR(keep_a_main(db, removed->int64(0, 0)));
           return Done{};
         })
      .status();
}

}  // namespace eider::store::postgres
