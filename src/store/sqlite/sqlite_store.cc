#include "store/sqlite/sqlite_store.h"

#include <array>
#include <cstdio>
#include <random>
#include <utility>

#include "core/ascii.h"
#include "mime/address.h"
#include "store/names.h"
#include "store/sqlite/access.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/schema.h"

namespace eider::store::sqlite {

namespace {

std::string random_holder() {
  std::random_device random;
  std::string holder;
  for (int i = 0; i < 4; ++i) {
    char part[9];
    std::snprintf(part, sizeof part, "%08x", random());
    holder += part;
  }
  return holder;
}

}  // namespace

SqliteStore::SqliteStore(std::unique_ptr<Writer> writer,
                         std::vector<std::unique_ptr<Connection>> readers)
    : holder_(random_holder()), idle_readers_(std::move(readers)), writer_(std::move(writer)) {}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open_file(const std::string& path,
                                                            const Options& options,
                                                            const SqliteOptions& sqlite) {
  Result<std::unique_ptr<Connection>> main =
      Connection::open(path, sqlite.vfs, options.create && !sqlite.read_only, sqlite.read_only);
  if (!main) return main.status();
  if (sqlite.read_only) {
    EIDER_RETURN_IF_ERROR(expect_current(**main));
  } else {
    // WAL: readers never wait for the writer, and a commit is one append + fsync.
    EIDER_RETURN_IF_ERROR((*main)->exec("PRAGMA journal_mode=WAL"));
    EIDER_RETURN_IF_ERROR(migrate(**main));
  }
  std::vector<std::unique_ptr<Connection>> readers;
  for (uint32_t i = 0; i < std::max<uint32_t>(options.connections, 1); ++i) {
    Result<std::unique_ptr<Connection>> reader = Connection::open(path, sqlite.vfs, false, true);
    if (!reader) return reader.status();
    readers.push_back(std::move(*reader));
  }
  auto writer = std::make_unique<Writer>(std::move(*main));
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(writer), std::move(readers)));
}

Result<User> SqliteStore::find_user(std::string_view name) {
  std::string normalized = core::ascii_lowercase(name);
  return read<User>([&](Connection& db) { return load_user(db, normalized); });
}

Result<User> SqliteStore::find_user_by_id(int64_t user_id) {
  return read<User>([&](Connection& db) { return load_user_by_id(db, user_id); });
}

Result<std::vector<User>> SqliteStore::list_users() {
  return read<std::vector<User>>([&](Connection& db) -> Result<std::vector<User>> {
    Result<std::vector<std::string>> names = db.query_rows<std::string>(
        "SELECT name FROM users ORDER BY name", [](const Statement& row) { return row.text(0); });
    if (!names) return names.status();
    std::vector<User> users;
    for (const std::string& name : *names) {
      Result<User> user = load_user(db, name);
      if (!user) return user.status();
      users.push_back(std::move(*user));
    }
    return users;
  });
}

Status SqliteStore::delete_user(std::string_view name) {
  std::string normalized = core::ascii_lowercase(name);
  return write<Done>([&](Connection& db) -> Result<Done> {
           Result<User> user = load_user(db, normalized);
           if (!user) return user.status();
           Result<std::vector<int64_t>> mailboxes = db.query_rows<int64_t>(
               "SELECT id FROM mailboxes WHERE user_id = ?",
               [](const Statement& row) { return row.int64(0); }, user->id);
           if (!mailboxes) return mailboxes.status();
           for (int64_t mailbox : *mailboxes) {
             EIDER_RETURN_IF_ERROR(delete_mailbox_rows(db, user->id, mailbox));
           }
           EIDER_RETURN_IF_ERROR(db.run("DELETE FROM addresses WHERE user_id = ?", user->id));
           EIDER_RETURN_IF_ERROR(
               db.run("DELETE FROM lost_subscriptions WHERE user_id = ?", user->id));
           EIDER_RETURN_IF_ERROR(db.run("DELETE FROM journal WHERE user_id = ?", user->id));
           EIDER_RETURN_IF_ERROR(db.run("DELETE FROM users WHERE id = ?", user->id));
           return Done{};
         })
      .status();
}

Status SqliteStore::set_password_hash(std::string_view name, std::string_view password_hash) {
  std::string normalized = core::ascii_lowercase(name);
  return write<Done>([&](Connection& db) -> Result<Done> {
           EIDER_RETURN_IF_ERROR(db.run("UPDATE users SET password_hash = ? WHERE name = ?",
                                        password_hash, normalized));
           if (db.changes() == 0) return error(Code::not_found, "no user \"" + normalized + "\"");
           return Done{};
         })
      .status();
}

Status SqliteStore::set_quota(std::string_view name, const Quota& quota) {
  std::string normalized = core::ascii_lowercase(name);
  return write<Done>([&](Connection& db) -> Result<Done> {
           EIDER_RETURN_IF_ERROR(
               db.run("UPDATE users SET quota_bytes = ?, quota_messages = ? WHERE name = ?",
                      quota.bytes, quota.messages, normalized));
           if (db.changes() == 0) return error(Code::not_found, "no user \"" + normalized + "\"");
           return Done{};
         })
      .status();
}

Result<std::vector<std::string>> SqliteStore::list_addresses(int64_t user_id) {
  return read<std::vector<std::string>>([&](Connection& db) -> Result<std::vector<std::string>> {
    return db.query_rows<std::string>(
        "SELECT address FROM addresses WHERE user_id = ? ORDER BY address",
        [](const Statement& row) { return row.text(0); }, user_id);
  });
}

Result<int64_t> SqliteStore::find_address(std::string_view normalized_address) {
  std::string address(normalized_address);
  return read<int64_t>([&](Connection& db) -> Result<int64_t> {
    Result<int64_t> id = db.query_int(
        "SELECT a.user_id FROM addresses a JOIN users u ON u.id = a.user_id"
        " WHERE a.address = ? AND u.disabled = 0 AND u.delete_after = 0",
        address);
    if (id.status().code() == Code::not_found) {
      return error(Code::not_found, "no address \"" + address + "\"");
    }
    return id;
  });
}

Status SqliteStore::vacuum() {
  return writer_->run_alone([](Connection& db) -> Status {
    // VACUUM rewrites the file through the WAL; the TRUNCATE checkpoint then
    // moves it into the main file, which shrinks, and empties the WAL.
    EIDER_RETURN_IF_ERROR(db.exec("VACUUM"));
    return db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  });
}

Result<Stats> SqliteStore::stats() {
  return read<Stats>([&](Connection& db) -> Result<Stats> {
    Result<Statement> stmt = db.prepare(
        "SELECT (SELECT count(*) FROM blobs), (SELECT coalesce(sum(length(data)), 0) FROM blobs),"
        " (SELECT coalesce(sum(refcount), 0) FROM blobs), (SELECT count(*) FROM messages),"
        " (SELECT count(*) FROM journal)");
    if (!stmt) return stmt.status();
    Result<bool> row = stmt->step();
    if (!row) return row.status();
    Stats s;
    s.blob_count = static_cast<uint64_t>(stmt->int64(0));
    s.blob_bytes = static_cast<uint64_t>(stmt->int64(1));
    s.blob_refs = static_cast<uint64_t>(stmt->int64(2));
    s.message_count = static_cast<uint64_t>(stmt->int64(3));
    s.journal_rows = static_cast<uint64_t>(stmt->int64(4));
    return s;
  });
}

CommitCounters SqliteStore::commit_counters() const {
  return CommitCounters{.commits = writer_->commits(), .jobs = writer_->jobs()};
}

}  // namespace eider::store::sqlite
