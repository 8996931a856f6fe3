// PgStore: opening, users, addresses, mailboxes and counters.
#include "store/postgres/pg_store.h"

#include <array>

#include "core/ascii.h"
#include "mime/address.h"
#include "store/names.h"
#include "store/postgres/rows.h"
#include "store/postgres/schema.h"
#include "store/rename.h"

namespace eider::store::postgres {

namespace {

constexpr std::string_view kInbox = "INBOX";

// Releases left by a node that stopped between a commit and its sweep are
// taken up at open and by trim_journal, this many at a time.
constexpr int64_t kSweepBatch = 1000;

// RFC 3501 6.3.5: renaming INBOX moves its messages to a new mailbox and
// leaves INBOX in place, empty; mailboxes below INBOX stay where they are.
Result<std::vector<MailboxModseq>> rename_inbox(Connection& db, const User& user,
                                                const std::string& to) {
  Result<Mailbox> inbox = load_mailbox(db, user.id, kInbox);
  if (!inbox) return inbox.status();
  Result<Mailbox> target = insert_mailbox(db, user.id, to, "");
  if (!target) return target.status();
  Result<Rows> rows =
      db.query("SELECT uid FROM messages WHERE user_id = $1 AND mailbox_id = $2 ORDER BY uid",
               Params(user.id, inbox->id));
  if (!rows) return rows.status();
  std::vector<uint32_t> uids;
  for (int i = 0; i < rows->size(); ++i) uids.push_back(static_cast<uint32_t>(rows->int64(i, 0)));
  Result<std::vector<UidPair>> copied = copy_rows(db, user, inbox->id, uids, target->id, false);
  if (!copied) return copied.status();
  std::vector<std::string> released;  // none: the copies hold the same blobs
  Result<std::vector<uint32_t>> expunged = expunge_rows(db, user.id, inbox->id, uids, released);
  if (!expunged) return expunged.status();
  std::vector<MailboxModseq> changed;
  for (int64_t id : {inbox->id, target->id}) {
    Result<MailboxModseq> modseq = current_modseq(db, user.id, id);
    if (!modseq) return modseq.status();
    changed.push_back(*modseq);
  }
  return changed;
}

// Returns the modseq its mailbox_renamed row took.
Result<MailboxModseq> rename_one(Connection& db, int64_t user_id, int64_t mailbox_id,
                                 const std::string& new_path) {
  Status renamed = db.run("UPDATE mailboxes SET path = $3 WHERE user_id = $1 AND id = $2",
                          Params(user_id, mailbox_id, new_path));
  if (renamed.code() == Code::already_exists) {
    return error(Code::already_exists, "mailbox \"" + new_path + "\" already exists");
  }
  EIDER_RETURN_IF_ERROR(renamed);
  // The row's own subscription state goes with it; one the new name had
  // without a mailbox gives way to it.
  EIDER_RETURN_IF_ERROR(db.run("DELETE FROM lost_subscriptions WHERE user_id = $1 AND path = $2",
                               Params(user_id, new_path)));
  Result<uint64_t> modseq = take_modseqs(db, user_id, mailbox_id, 1);
  if (!modseq) return modseq.status();
  EIDER_RETURN_IF_ERROR(
      add_journal(db, user_id, mailbox_id, *modseq, JournalKind::mailbox_renamed, 0, new_path));
  return MailboxModseq{mailbox_id, *modseq};
}

}  // namespace

Result<std::unique_ptr<Store>> PgStore::open(const std::string& url, const Options& options) {
  auto pool = std::make_unique<Pool>(url, options.connections);
  {
    Result<std::unique_ptr<Connection>> db = pool->acquire();
    if (!db) return db.status();
    Status migrated = migrate(**db);
    pool->release(std::move(*db));
    EIDER_RETURN_IF_ERROR(migrated);
  }
  auto store = std::unique_ptr<PgStore>(new PgStore(std::move(pool)));
  (void)store->sweep_pending();
  return std::unique_ptr<Store>(std::move(store));
}

void PgStore::sweep(const std::vector<std::string>& keys) {
  if (keys.empty()) return;
  Result<std::unique_ptr<Connection>> db = pool_->acquire();
  if (!db) return;
  for (const std::string& key : keys) {
    if (!sweep_blob(**db, key)) break;
  }
  pool_->release(std::move(*db));
}

Result<User> PgStore::find_user(std::string_view name) {
  std::string normalized = core::ascii_lowercase(name);
  return read_one<User>([&](Connection& db) { return load_user(db, normalized); });
}

Result<User> PgStore::find_user_by_id(int64_t user_id) {
  return read_one<User>([&](Connection& db) { return load_user_by_id(db, user_id); });
}

Result<std::vector<User>> PgStore::list_users() {
  return read_one<std::vector<User>>([&](Connection& db) { return all_users(db); });
}

Status PgStore::delete_user(std::string_view name) {
  std::string normalized = core::ascii_lowercase(name);
  std::vector<std::string> released;
  Status status =
      write<Done>([&](Connection& db) -> Result<Done> {
        released.clear();
        Result<User> found = load_user(db, normalized);
        if (!found) return found.status();
        Result<User> user = lock_user(db, found->id);
        if (!user) return user.status();
        Result<Rows> mailboxes =
            db.query("SELECT id FROM mailboxes WHERE user_id = $1 ORDER BY id", Params(user->id));
        if (!mailboxes) return mailboxes.status();
        for (int i = 0; i < mailboxes->size(); ++i) {
          EIDER_RETURN_IF_ERROR(
              delete_mailbox_rows(db, user->id, mailboxes->int64(i, 0), released));
        }
        const Params id(user->id);
        EIDER_RETURN_IF_ERROR(db.run("DELETE FROM addresses WHERE user_id = $1", id));
        EIDER_RETURN_IF_ERROR(db.run("DELETE FROM lost_subscriptions WHERE user_id = $1", id));
        EIDER_RETURN_IF_ERROR(db.run("DELETE FROM journal WHERE user_id = $1", id));
        EIDER_RETURN_IF_ERROR(db.run("DELETE FROM users WHERE id = $1", id));
        return Done{};
      }).status();
  if (status) sweep(released);
  return status;
}

Status PgStore::set_password_hash(std::string_view name, std::string_view password_hash) {
  std::string normalized = core::ascii_lowercase(name);
  return write<Done>([&](Connection& db) -> Result<Done> {
           Result<Rows> changed = db.query("UPDATE users SET password_hash = $2 WHERE name = $1",
                                           Params(normalized, password_hash));
           if (!changed) return changed.status();
           if (changed->affected() == 0) {
             return error(Code::not_found, "no user \"" + normalized + "\"");
           }
           return Done{};
         })
      .status();
}

Status PgStore::set_quota(std::string_view name, const Quota& quota) {
  std::string normalized = core::ascii_lowercase(name);
  return write<Done>([&](Connection& db) -> Result<Done> {
           Result<Rows> changed =
               db.query("UPDATE users SET quota_bytes = $2, quota_messages = $3 WHERE name = $1",
                        Params(normalized, quota.bytes, quota.messages));
           if (!changed) return changed.status();
           if (changed->affected() == 0) {
             return error(Code::not_found, "no user \"" + normalized + "\"");
           }
           return Done{};
         })
      .status();
}

Result<std::vector<std::string>> PgStore::list_addresses(int64_t user_id) {
  return read_one<std::vector<std::string>>(
      [&](Connection& db) -> Result<std::vector<std::string>> {
        Result<Rows> rows = db.query(
            "SELECT address FROM addresses WHERE user_id = $1 ORDER BY address", Params(user_id));
        if (!rows) return rows.status();
        std::vector<std::string> out;
        for (int i = 0; i < rows->size(); ++i) out.push_back(rows->bytes(i, 0));
        return out;
      });
}

Result<int64_t> PgStore::find_address(std::string_view normalized_address) {
  std::string address(normalized_address);
  return read_one<int64_t>([&](Connection& db) -> Result<int64_t> {
    Result<Rows> rows = db.query(
        "SELECT a.user_id FROM addresses a JOIN users u ON u.id = a.user_id"
        " WHERE a.address = $1 AND NOT u.disabled AND u.delete_after = 0",
        Params(address));
    if (!rows) return rows.status();
    if (rows->empty()) return error(Code::not_found, "no address \"" + address + "\"");
    return rows->int64(0, 0);
  });
}

Result<std::vector<Mailbox>> PgStore::list_mailboxes(int64_t user_id) {
  return read<std::vector<Mailbox>>([&](Connection& db) -> Result<std::vector<Mailbox>> {
    Result<User> user = load_user_by_id(db, user_id);
    if (!user) return user.status();
    return all_mailboxes(db, user_id);
  });
}

Result<std::vector<std::string>> PgStore::list_lost_subscriptions(int64_t user_id) {
  return read_one<std::vector<std::string>>(
      [&](Connection& db) -> Result<std::vector<std::string>> {
        Result<Rows> rows =
            db.query("SELECT path FROM lost_subscriptions WHERE user_id = $1 ORDER BY path",
                     Params(user_id));
        if (!rows) return rows.status();
        std::vector<std::string> out;
        for (int i = 0; i < rows->size(); ++i) out.push_back(rows->bytes(i, 0));
        return out;
      });
}

Result<Mailbox> PgStore::find_mailbox(int64_t user_id, std::string_view path) {
  Result<std::string> normalized = normalize_path(path);
  if (!normalized) return normalized.status();
  return read_one<Mailbox>([&](Connection& db) { return load_mailbox(db, user_id, *normalized); });
}

Result<Mailbox> PgStore::create_mailbox(int64_t user_id, std::string_view path,
                                        std::string_view special_use) {
  Result<std::string> normalized = normalize_path(path);
  if (!normalized) return normalized.status();
  EIDER_RETURN_IF_ERROR(check_special_use(special_use));
  return write<Mailbox>([&](Connection& db) -> Result<Mailbox> {
    Result<User> user = lock_user(db, user_id);
    if (!user) return user.status();
    return insert_mailbox(db, user_id, *normalized, special_use);
  });
}

Result<std::vector<MailboxModseq>> PgStore::rename_mailbox(int64_t user_id, std::string_view from,
                                                           std::string_view to) {
  Result<RenamePaths> paths = check_rename(from, to);
  if (!paths) return paths.status();
  using Changed = std::vector<MailboxModseq>;
  return write<Changed>([&](Connection& db) -> Result<Changed> {
    Result<User> user = lock_user(db, user_id);
    if (!user) return user.status();
    Result<std::vector<Mailbox>> mailboxes = all_mailboxes(db, user_id);
    if (!mailboxes) return mailboxes.status();
    Result<RenamePlan> plan = plan_rename(*paths, *mailboxes);
    if (!plan) return plan.status();
    if (plan->inbox) return rename_inbox(db, *user, paths->to);
    Changed changed;
    for (const RenameMove& move : plan->moves) {
      Result<MailboxModseq> renamed = rename_one(db, user_id, move.mailbox_id, move.new_path);
      if (!renamed) return renamed.status();
      changed.push_back(*renamed);
    }
    return changed;
  });
}

Result<MailboxModseq> PgStore::delete_mailbox(int64_t user_id, std::string_view path) {
  Result<std::string> normalized = normalize_path(path);
  if (!normalized) return normalized.status();
  if (*normalized == kInbox) return error(Code::invalid_argument, "cannot delete INBOX");
  std::vector<std::string> released;
  Result<MailboxModseq> deleted =
      write<MailboxModseq>([&](Connection& db) -> Result<MailboxModseq> {
        released.clear();
        Result<User> user = lock_user(db, user_id);
        if (!user) return user.status();
        Result<Mailbox> found = load_mailbox(db, user_id, *normalized);
        if (!found) return found.status();
        Result<Mailbox> mailbox = load_mailbox_by_id(db, user_id, found->id, true);
        if (!mailbox) return mailbox.status();
        EIDER_RETURN_IF_ERROR(delete_mailbox_rows(db, user_id, mailbox->id, released));
        // RFC 3501 6.3.6: the subscription stays when the mailbox goes.
        if (mailbox->subscribed) {
          EIDER_RETURN_IF_ERROR(
              db.run("INSERT INTO lost_subscriptions (user_id, path) VALUES ($1, $2)"
                     " ON CONFLICT DO NOTHING",
                     Params(user_id, *normalized)));
        }
        // Left behind so a session that has this mailbox selected learns why
        // it vanished; mailbox ids are never reused.
        const MailboxModseq gone{mailbox->id, mailbox->highest_modseq + 1};
        EIDER_RETURN_IF_ERROR(add_journal(db, user_id, gone.mailbox_id, gone.modseq,
                                          JournalKind::mailbox_deleted, 0, mailbox->path));
        return gone;
      });
  if (deleted) sweep(released);
  return deleted;
}

Status PgStore::set_subscribed(int64_t user_id, std::string_view path, bool subscribed) {
  Result<std::string> normalized = normalize_path(path);
  if (!normalized) return normalized.status();
  return write<Done>([&](Connection& db) -> Result<Done> {
           Result<Rows> changed = db.query(
               "UPDATE mailboxes SET subscribed = $3::bigint <> 0 WHERE user_id = $1 AND path = $2",
               Params(user_id, *normalized, subscribed));
           if (!changed) return changed.status();
           if (changed->affected() != 0) return Done{};
           // A name without a mailbox (RFC 3501 6.3.6 allows subscribing it).
           if (subscribed) {
             EIDER_RETURN_IF_ERROR(
                 db.run("INSERT INTO lost_subscriptions (user_id, path) VALUES ($1, $2)"
                        " ON CONFLICT DO NOTHING",
                        Params(user_id, *normalized)));
             return Done{};
           }
           Result<Rows> removed =
               db.query("DELETE FROM lost_subscriptions WHERE user_id = $1 AND path = $2",
                        Params(user_id, *normalized));
           if (!removed) return removed.status();
           if (removed->affected() == 0) {
             return error(Code::not_found, "no subscription \"" + *normalized + "\"");
           }
           return Done{};
         })
      .status();
}

Status PgStore::update_mailbox(int64_t user_id, int64_t mailbox_id, const MailboxUpdate& update) {
  return write<Done>([&](Connection& db) -> Result<Done> {
           // -1 keeps a field as it is.
           Result<Rows> changed = db.query(
               "UPDATE mailboxes SET"
               " hidden = CASE WHEN $3 < 0 THEN hidden ELSE $3 <> 0 END,"
               " retention_ms = CASE WHEN $4 < 0 THEN retention_ms ELSE $4 END"
               " WHERE user_id = $1 AND id = $2",
               Params(
                   user_id, mailbox_id,
                   update.hidden ? static_cast<int64_t>(*update.hidden) : int64_t{-1},
                   update.retention_ms ? static_cast<int64_t>(*update.retention_ms) : int64_t{-1}));
           if (!changed) return changed.status();
           if (changed->affected() == 0) return error(Code::not_found, "no such mailbox");
           return Done{};
         })
      .status();
}

Result<std::vector<MailboxCounters>> PgStore::mailbox_counters(int64_t user_id) {
  using Counters = std::vector<MailboxCounters>;
  return read<Counters>([&](Connection& db) -> Result<Counters> {
    Result<User> user = load_user_by_id(db, user_id);
    if (!user) return user.status();
    // Flags are stored space-separated in canonical case, and no other
    // flag can contain "\Seen".
    Result<Rows> rows = db.query(
        "SELECT b.id, count(m.uid),"
        " count(m.uid) FILTER (WHERE position($2 in ' '::bytea || m.flags || ' '::bytea) = 0),"
        " coalesce(sum(m.size), 0)::bigint"
        " FROM mailboxes b LEFT JOIN messages m"
        " ON m.user_id = b.user_id AND m.mailbox_id = b.id"
        " WHERE b.user_id = $1 GROUP BY b.id ORDER BY b.id",
        Params(user_id, std::string_view(" \\Seen ")));
    if (!rows) return rows.status();
    Counters counters;
    for (int i = 0; i < rows->size(); ++i) {
      counters.push_back({rows->int64(i, 0), static_cast<uint64_t>(rows->int64(i, 1)),
                          static_cast<uint64_t>(rows->int64(i, 2)),
                          static_cast<uint64_t>(rows->int64(i, 3))});
    }
    return counters;
  });
}

Status PgStore::sweep_pending() {
  Result<std::unique_ptr<Connection>> db = pool_->acquire();
  if (!db) return db.status();
  Result<std::vector<std::string>> pending = pending_releases(**db, kSweepBatch);
  pool_->release(std::move(*db));
  if (!pending) return pending.status();
  sweep(*pending);
  return Status::ok();
}

Result<Stats> PgStore::stats() {
  return read<Stats>([&](Connection& db) -> Result<Stats> {
    Result<Rows> rows = db.query(
        "SELECT (SELECT count(*) FROM blobs), (SELECT coalesce(sum(stored), 0)::bigint FROM blobs),"
        " (SELECT coalesce(sum(uses), 0)::bigint FROM user_blobs),"
        " (SELECT count(*) FROM messages), (SELECT count(*) FROM journal)");
    if (!rows) return rows.status();
    Stats s;
    s.blob_count = static_cast<uint64_t>(rows->int64(0, 0));
    s.blob_bytes = static_cast<uint64_t>(rows->int64(0, 1));
    s.blob_refs = static_cast<uint64_t>(rows->int64(0, 2));
    s.message_count = static_cast<uint64_t>(rows->int64(0, 3));
    s.journal_rows = static_cast<uint64_t>(rows->int64(0, 4));
    return s;
  });
}

}  // namespace eider::store::postgres
