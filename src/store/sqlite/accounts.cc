// SqliteStore: accounts for the HTTP API (users' fields, address rows,
// domain aliases) and their paged listings.
#include "store/accounts.h"

#include <limits>

#include "mime/address.h"
#include "store/names.h"
#include "store/sqlite/access.h"
#include "store/sqlite/rows.h"

namespace eider::store::sqlite {

namespace {

constexpr const char* kAddressColumns =
    "SELECT id, user_id, address, name, tags, main, targets, forwards, forwarded_disabled,"
    " created FROM addresses ";

Address address_from(const Statement& row) {
  Address a;
  a.id = row.int64(0);
  a.user_id = row.int64(1);
  a.address = row.text(2);
  a.name = row.text(3);
  a.tags = decode_tags(row.text(4));
  a.main = row.int64(5) != 0;
  a.targets = decode_lines(row.text(6));
  a.forwards = static_cast<uint64_t>(row.int64(7));
  a.forwarded_disabled = row.int64(8) != 0;
  a.created = row.int64(9);
  return a;
}

constexpr const char* kAliasColumns = "SELECT id, alias, domain, created FROM domain_aliases ";

DomainAlias alias_from(const Statement& row) {
  return DomainAlias{row.int64(0), row.text(1), row.text(2), row.int64(3)};
}

// Tags as a JSON array, for json_each(?) in the listing filters. Tags are
// lowercased printable text; quotes and backslashes are escaped anyway.
std::string json_array(const std::vector<std::string>& values) {
  std::string out = "[";
  for (const std::string& value : values) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : value) {
      if (c == '"' || c == '\\') out += '\\';
      if (static_cast<unsigned char>(c) >= 0x20) out += c;
    }
    out += '"';
  }
  return out + "]";
}

template <typename T, typename From, typename... Args>
Result<T> one(Connection& db, const char* sql, From from, std::string what, const Args&... args) {
  Result<Statement> stmt = db.prepare(sql);
  if (!stmt) return stmt.status();
  Result<bool> row = stmt->bind(args...).step();
  if (!row) return row.status();
  if (!*row) return error(Code::not_found, std::move(what));
  return from(*stmt);
}

Result<Address> load_address_by_id(Connection& db, int64_t id) {
  static const std::string sql = std::string(kAddressColumns) + "WHERE id = ?";
  return one<Address>(db, sql.c_str(), address_from, "no such address", id);
}

// Makes `address_id` its user's only main address.
Status make_main(Connection& db, int64_t user_id, int64_t address_id) {
  return db.run("UPDATE addresses SET main = (id = ?) WHERE user_id = ? AND user_id <> 0",
                address_id, user_id);
}

// A user with addresses and no main one (the main was removed by
// remove_address) gets their oldest as main.
Status keep_a_main(Connection& db, int64_t user_id) {
  if (user_id == 0) return Status::ok();
  return db.run(
      "UPDATE addresses SET main = 1 WHERE id = (SELECT min(id) FROM addresses WHERE user_id = ?1)"
      " AND NOT EXISTS (SELECT 1 FROM addresses WHERE user_id = ?1 AND main = 1)",
      user_id);
}

Status taken_as(Status status, const std::string& address) {
  if (status.code() == Code::already_exists) {
    return error(Code::already_exists, "address \"" + address + "\" is already taken");
  }
  return status;
}

// The three statements of a paged listing: the page after a cursor, the
// page before one (descending), and the count of every match. `filter`
// binds ?1.. and the cursor and limit follow it.
struct Listing {
  std::string after;
  std::string before;
  std::string count;
  Listing(std::string_view columns, std::string_view table, std::string_view filter,
          int cursor_param) {
    const std::string c = std::to_string(cursor_param);
    const std::string id = std::to_string(cursor_param + 1);
    const std::string limit = std::to_string(cursor_param + 2);
    after = std::string(columns) + "WHERE " + std::string(filter) + " AND (created, id) > (?" + c +
            ", ?" + id + ") ORDER BY created, id LIMIT ?" + limit;
    before = std::string(columns) + "WHERE " + std::string(filter) + " AND (created, id) < (?" + c +
             ", ?" + id + ") ORDER BY created DESC, id DESC LIMIT ?" + limit;
    count = "SELECT count(*) FROM " + std::string(table) + " WHERE " + std::string(filter) +
            " AND ?" + c + " IS NOT NULL AND ?" + id + " IS NOT NULL AND ?" + limit +
            " IS NOT NULL";
  }
};

template <typename T, typename From, typename... Filter>
Result<Page<T>> page(Connection& db, const Listing& listing, const ListQuery& query, From from,
                     const Filter&... filter) {
  constexpr int64_t kLowest = std::numeric_limits<int64_t>::min();
  constexpr int64_t kHighest = std::numeric_limits<int64_t>::max();
  const bool backward = query.before.has_value();
  ListCursor cursor = backward ? *query.before : query.after.value_or(ListCursor{kLowest, kLowest});
  if (backward && cursor == ListCursor{}) cursor = {kHighest, kHighest};
  const int64_t want = static_cast<int64_t>(query.limit) + 1;
  Page<T> out;
  EIDER_RETURN_IF_ERROR(db.append_rows(out.items,
                                       backward ? listing.before.c_str() : listing.after.c_str(),
                                       from, filter..., cursor.created, cursor.id, want));
  if (out.items.size() > query.limit) {
    out.more = true;
    out.items.pop_back();
  }
  if (backward) std::reverse(out.items.begin(), out.items.end());
  Result<int64_t> total = db.query_int(listing.count.c_str(), filter..., 0, 0, 0);
  if (!total) return total.status();
  out.total = static_cast<uint64_t>(*total);
  return out;
}

// The tag filters of users and addresses: ?2 any of, ?3 all of (JSON arrays).
#define EIDER_TAG_FILTER(table)                                             \
  " (?2 = '[]' OR EXISTS (SELECT 1 FROM json_each(?2) j WHERE instr(" table \
  ".tags, ',' || j.value || ',') > 0))"                                     \
  " AND NOT EXISTS (SELECT 1 FROM json_each(?3) j WHERE instr(" table       \
  ".tags, ',' || j.value"                                                   \
  " || ',') = 0)"

const Listing& user_listing() {
  static const Listing listing(
      kUserColumns, "users",
      "delete_after = 0 AND (?1 = '' OR instr(name, ?1) > 0 OR EXISTS (SELECT 1 FROM addresses a"
      " WHERE a.user_id = users.id AND instr(a.address, ?1) > 0)) AND" EIDER_TAG_FILTER("users"),
      4);
  return listing;
}

const Listing& address_listing() {
  static const Listing listing(kAddressColumns, "addresses",
                               "(?1 = '' OR instr(address, ?1) > 0) AND (?4 = 0 OR user_id = ?4)"
                               " AND" EIDER_TAG_FILTER("addresses"),
                               5);
  return listing;
}

const Listing& alias_listing() {
  static const Listing listing(kAliasColumns, "domain_aliases",
                               "(?1 = '' OR instr(alias, ?1) > 0 OR instr(domain, ?1) > 0)", 2);
  return listing;
}

#undef EIDER_TAG_FILTER

Result<Address> insert_address_row(Connection& db, int64_t user_id, const std::string& normalized,
                                   const NewAddress& address) {
  if (user_id != 0) {
    Result<User> user = load_user_by_id(db, user_id);
    if (!user) return user.status();
  }
  EIDER_RETURN_IF_ERROR(
      taken_as(db.run("INSERT INTO addresses (address, user_id, name, tags, targets, forwards,"
                      " forwarded_disabled, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      normalized, user_id, address.name, encode_tags(normalize_tags(address.tags)),
                      encode_lines(address.targets), address.forwards,
                      address.forwarded_disabled ? 1 : 0, unix_now()),
               normalized));
  const int64_t id = static_cast<int64_t>(sqlite3_last_insert_rowid(db.handle()));
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

Result<User> SqliteStore::create_account(const NewUser& user) {
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
    Status inserted = db.run(
        "INSERT INTO users (name, password_hash, quota_bytes, quota_messages, display_name, tags,"
        " retention, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        *normalized, user.password_hash, user.quota.bytes, user.quota.messages, user.display_name,
        encode_tags(normalize_tags(user.tags)), user.retention, unix_now());
    if (inserted.code() == Code::already_exists) {
      return error(Code::already_exists, "user \"" + *normalized + "\" already exists");
    }
    EIDER_RETURN_IF_ERROR(inserted);
    const int64_t id = static_cast<int64_t>(sqlite3_last_insert_rowid(db.handle()));
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

Result<User> SqliteStore::update_user(int64_t user_id, const UserChange& change) {
  std::optional<std::string> tags;
  if (change.tags) tags = encode_tags(normalize_tags(*change.tags));
  return write<User>([&](Connection& db) -> Result<User> {
    Result<User> user = load_user_by_id(db, user_id);
    if (!user) return user.status();
    EIDER_RETURN_IF_ERROR(db.run(
        "UPDATE users SET display_name = ?, tags = ?, retention = ?, quota_bytes = ?,"
        " quota_messages = ?, password_hash = ?, disabled = ?, delete_after = ? WHERE id = ?",
        change.display_name.value_or(user->display_name), tags.value_or(encode_tags(user->tags)),
        change.retention.value_or(user->retention), change.quota_bytes.value_or(user->quota_bytes),
        change.quota_messages.value_or(user->quota_messages),
        change.password_hash.value_or(user->password_hash),
        change.disabled.value_or(user->disabled) ? 1 : 0,
        change.delete_after.value_or(user->delete_after), user_id));
    return load_user_by_id(db, user_id);
  });
}

Result<Page<User>> SqliteStore::query_users(const ListQuery& query) {
  return read<Page<User>>([&](Connection& db) {
    return page<User>(db, user_listing(), query, user_from, query.text, json_array(query.any_tags),
                      json_array(query.required_tags));
  });
}

Result<std::vector<User>> SqliteStore::users_to_delete(int64_t now) {
  return read<std::vector<User>>([&](Connection& db) {
    static const std::string sql =
        std::string(kUserColumns) + "WHERE delete_after > 0 AND delete_after <= ? ORDER BY id";
    return db.query_rows<User>(sql.c_str(), user_from, now);
  });
}

Result<User> SqliteStore::recount_usage(int64_t user_id) {
  return write<User>([&](Connection& db) -> Result<User> {
    Result<User> user = load_user_by_id(db, user_id);
    if (!user) return user.status();
    EIDER_RETURN_IF_ERROR(
        db.run("UPDATE users SET storage_used = (SELECT coalesce(sum(size), 0) FROM messages"
               " WHERE user_id = ?1), message_count = (SELECT count(*) FROM messages"
               " WHERE user_id = ?1) WHERE id = ?1",
               user_id));
    return load_user_by_id(db, user_id);
  });
}

Result<Address> SqliteStore::create_address(int64_t user_id, const NewAddress& address) {
  Result<std::string> normalized = mime::normalize_address(address.address);
  if (!normalized) return normalized.status();
  return write<Address>(
      [&](Connection& db) { return insert_address_row(db, user_id, *normalized, address); });
}

Result<Address> SqliteStore::update_address(int64_t address_id, const AddressChange& change) {
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
        db.run("UPDATE addresses SET address = ?, name = ?, tags = ?, targets = ?, forwards = ?,"
               " forwarded_disabled = ? WHERE id = ?",
               address, change.name.value_or(old->name), tags.value_or(encode_tags(old->tags)),
               change.targets ? encode_lines(*change.targets) : encode_lines(old->targets),
               change.forwards.value_or(old->forwards),
               change.forwarded_disabled.value_or(old->forwarded_disabled) ? 1 : 0, address_id),
        address));
    if (change.make_main && !old->forwarded()) {
      EIDER_RETURN_IF_ERROR(make_main(db, old->user_id, address_id));
    }
    return load_address_by_id(db, address_id);
  });
}

Status SqliteStore::delete_address(int64_t address_id) {
  return write<Done>([&](Connection& db) -> Result<Done> {
           Result<Address> old = load_address_by_id(db, address_id);
           if (!old) return old.status();
           if (old->main) {
             return error(Code::invalid_argument,
                          "\"" + old->address + "\" is the user's main address");
           }
           EIDER_RETURN_IF_ERROR(db.run("DELETE FROM addresses WHERE id = ?", address_id));
           return Done{};
         })
      .status();
}

Result<Address> SqliteStore::find_address_by_id(int64_t address_id) {
  return read<Address>([&](Connection& db) { return load_address_by_id(db, address_id); });
}

Result<Address> SqliteStore::lookup_address(std::string_view normalized_address) {
  std::string address(normalized_address);
  return read<Address>([&](Connection& db) {
    static const std::string sql = std::string(kAddressColumns) + "WHERE address = ?";
    return one<Address>(db, sql.c_str(), address_from, "no address \"" + address + "\"", address);
  });
}

Result<std::vector<Address>> SqliteStore::user_addresses(int64_t user_id) {
  return read<std::vector<Address>>([&](Connection& db) -> Result<std::vector<Address>> {
    Result<User> user = load_user_by_id(db, user_id);
    if (!user) return user.status();
    static const std::string sql =
        std::string(kAddressColumns) + "WHERE user_id = ? ORDER BY main DESC, address";
    return db.query_rows<Address>(sql.c_str(), address_from, user_id);
  });
}

Result<Page<Address>> SqliteStore::query_addresses(const ListQuery& query) {
  return read<Page<Address>>([&](Connection& db) {
    return page<Address>(db, address_listing(), query, address_from, query.text,
                         json_array(query.any_tags), json_array(query.required_tags),
                         query.user_id);
  });
}

Result<DomainAlias> SqliteStore::create_domain_alias(std::string_view alias,
                                                     std::string_view domain) {
  return write<DomainAlias>([&](Connection& db) -> Result<DomainAlias> {
    Status inserted = db.run("INSERT INTO domain_aliases (alias, domain, created) VALUES (?, ?, ?)",
                             alias, domain, unix_now());
    if (inserted.code() == Code::already_exists) {
      return error(Code::already_exists, "domain alias \"" + std::string(alias) + "\" exists");
    }
    EIDER_RETURN_IF_ERROR(inserted);
    static const std::string sql = std::string(kAliasColumns) + "WHERE id = ?";
    return one<DomainAlias>(db, sql.c_str(), alias_from, "no such domain alias",
                            static_cast<int64_t>(sqlite3_last_insert_rowid(db.handle())));
  });
}

Result<DomainAlias> SqliteStore::find_domain_alias(std::string_view alias) {
  return read<DomainAlias>([&](Connection& db) {
    static const std::string sql = std::string(kAliasColumns) + "WHERE alias = ?";
    return one<DomainAlias>(db, sql.c_str(), alias_from,
                            "no domain alias \"" + std::string(alias) + "\"", alias);
  });
}

Result<DomainAlias> SqliteStore::find_domain_alias_by_id(int64_t alias_id) {
  return read<DomainAlias>([&](Connection& db) {
    static const std::string sql = std::string(kAliasColumns) + "WHERE id = ?";
    return one<DomainAlias>(db, sql.c_str(), alias_from, "no such domain alias", alias_id);
  });
}

Status SqliteStore::delete_domain_alias(int64_t alias_id) {
  return write<Done>([&](Connection& db) -> Result<Done> {
           EIDER_RETURN_IF_ERROR(db.run("DELETE FROM domain_aliases WHERE id = ?", alias_id));
           if (db.changes() == 0) return error(Code::not_found, "no such domain alias");
           return Done{};
         })
      .status();
}

Result<Page<DomainAlias>> SqliteStore::query_domain_aliases(const ListQuery& query) {
  return read<Page<DomainAlias>>([&](Connection& db) {
    return page<DomainAlias>(db, alias_listing(), query, alias_from, query.text);
  });
}

// Kept with the address rows: what the older address calls do to them.
Status SqliteStore::add_address(int64_t user_id, std::string_view address) {
  NewAddress row;
  row.address = std::string(address);
  return create_address(user_id, row).status();
}

Status SqliteStore::remove_address(std::string_view address) {
  Result<std::string> normalized = mime::normalize_address(address);
  if (!normalized) return normalized.status();
  return write<Done>([&](Connection& db) -> Result<Done> {
           Result<int64_t> owner =
               db.query_int("SELECT user_id FROM addresses WHERE address = ?", *normalized);
           if (!owner) {
             if (owner.status().code() != Code::not_found) return owner.status();
             return error(Code::not_found, "no address \"" + *normalized + "\"");
           }
           EIDER_RETURN_IF_ERROR(db.run("DELETE FROM addresses WHERE address = ?", *normalized));
           EIDER_RETURN_IF_ERROR(keep_a_main(db, *owner));
           return Done{};
         })
      .status();
}

Result<User> SqliteStore::create_user(std::string_view name, std::string_view password_hash,
                                      const std::vector<std::string>& addresses,
                                      const Quota& quota) {
  NewUser user;
  user.name = std::string(name);
  user.password_hash = std::string(password_hash);
  user.addresses = addresses;
  user.quota = quota;
  return create_account(user);
}

}  // namespace eider::store::sqlite
