// SqliteStore: mailbox operations.
#include <string>

#include "store/names.h"
#include "store/rename.h"
#include "store/sqlite/access.h"
#include "store/sqlite/rows.h"

namespace eider::store::sqlite {

namespace {

constexpr std::string_view kInbox = "INBOX";

// RFC 3501 6.3.5: renaming INBOX moves its messages to a new mailbox and
// leaves INBOX in place, empty; mailboxes below INBOX stay where they are.
Result<std::vector<MailboxModseq>> rename_inbox(Connection& db, int64_t user_id,
                                                const std::string& to) {
  Result<Mailbox> inbox = load_mailbox(db, user_id, kInbox);
  if (!inbox) return inbox.status();
  Result<Mailbox> target = insert_mailbox(db, user_id, to, "");
  if (!target) return target.status();
  Result<std::vector<uint32_t>> uids = db.query_rows<uint32_t>(
      "SELECT uid FROM messages WHERE user_id = ? AND mailbox_id = ? ORDER BY uid",
      [](const Statement& row) { return static_cast<uint32_t>(row.int64(0)); }, user_id, inbox->id);
  if (!uids) return uids.status();
  Result<std::vector<UidPair>> copied = copy_rows(db, user_id, inbox->id, *uids, target->id, false);
  if (!copied) return copied.status();
  Result<std::vector<uint32_t>> expunged = expunge_rows(db, user_id, inbox->id, *uids);
  if (!expunged) return expunged.status();
  std::vector<MailboxModseq> changed;
  for (int64_t id : {inbox->id, target->id}) {
    Result<MailboxModseq> modseq = current_modseq(db, user_id, id);
    if (!modseq) return modseq.status();
    changed.push_back(*modseq);
  }
  return changed;
}

// Returns the modseq its mailbox_renamed row took.
Result<MailboxModseq> rename_one(Connection& db, int64_t user_id, int64_t mailbox_id,
                                 const std::string& new_path) {
  Status renamed = db.run("UPDATE mailboxes SET path = ? WHERE user_id = ? AND id = ?", new_path,
                          user_id, mailbox_id);
  if (renamed.code() == Code::already_exists) {
    return error(Code::already_exists, "mailbox \"" + new_path + "\" already exists");
  }
  EIDER_RETURN_IF_ERROR(renamed);
  // The row's own subscription state goes with it; one the new name had
  // without a mailbox gives way to it.
  EIDER_RETURN_IF_ERROR(
      db.run("DELETE FROM lost_subscriptions WHERE user_id = ? AND path = ?", user_id, new_path));
  Result<uint64_t> modseq = take_modseqs(db, user_id, mailbox_id, 1);
  if (!modseq) return modseq.status();
  EIDER_RETURN_IF_ERROR(
      add_journal(db, user_id, mailbox_id, *modseq, JournalKind::mailbox_renamed, 0, new_path));
  return MailboxModseq{mailbox_id, *modseq};
}

Result<std::vector<Mailbox>> all_mailboxes(Connection& db, int64_t user_id) {
  Result<std::vector<std::string>> paths = db.query_rows<std::string>(
      "SELECT path FROM mailboxes WHERE user_id = ? ORDER BY path",
      [](const Statement& row) { return row.text(0); }, user_id);
  if (!paths) return paths.status();
  std::vector<Mailbox> mailboxes;
  for (const std::string& path : *paths) {
    Result<Mailbox> mailbox = load_mailbox(db, user_id, path);
    if (!mailbox) return mailbox.status();
    mailboxes.push_back(std::move(*mailbox));
  }
  return mailboxes;
}

}  // namespace

Result<std::vector<Mailbox>> SqliteStore::list_mailboxes(int64_t user_id) {
  return read<std::vector<Mailbox>>([&](Connection& db) -> Result<std::vector<Mailbox>> {
    Result<User> user = load_user_by_id(db, user_id);
    if (!user) return user.status();
    return all_mailboxes(db, user_id);
  });
}

Result<std::vector<std::string>> SqliteStore::list_lost_subscriptions(int64_t user_id) {
  return read<std::vector<std::string>>([&](Connection& db) {
    return db.query_rows<std::string>(
        "SELECT path FROM lost_subscriptions WHERE user_id = ? ORDER BY path",
        [](const Statement& row) { return row.text(0); }, user_id);
  });
}

Result<Mailbox> SqliteStore::find_mailbox(int64_t user_id, std::string_view path) {
  Result<std::string> normalized = normalize_path(path);
  if (!normalized) return normalized.status();
  return read<Mailbox>([&](Connection& db) { return load_mailbox(db, user_id, *normalized); });
}

Result<Mailbox> SqliteStore::create_mailbox(int64_t user_id, std::string_view path,
                                            std::string_view special_use) {
  Result<std::string> normalized = normalize_path(path);
  if (!normalized) return normalized.status();
  EIDER_RETURN_IF_ERROR(check_special_use(special_use));
  return write<Mailbox>([&](Connection& db) -> Result<Mailbox> {
    Result<User> user = load_user_by_id(db, user_id);
    if (!user) return user.status();
    return insert_mailbox(db, user_id, *normalized, special_use);
  });
}

Result<std::vector<MailboxModseq>> SqliteStore::rename_mailbox(int64_t user_id,
                                                               std::string_view from,
                                                               std::string_view to) {
  Result<RenamePaths> paths = check_rename(from, to);
  if (!paths) return paths.status();
  using Changed = std::vector<MailboxModseq>;
  return write<Changed>([&](Connection& db) -> Result<Changed> {
    Result<std::vector<Mailbox>> mailboxes = all_mailboxes(db, user_id);
    if (!mailboxes) return mailboxes.status();
    Result<RenamePlan> plan = plan_rename(*paths, *mailboxes);
    if (!plan) return plan.status();
    if (plan->inbox) return rename_inbox(db, user_id, paths->to);
    Changed changed;
    for (const RenameMove& move : plan->moves) {
      Result<MailboxModseq> renamed = rename_one(db, user_id, move.mailbox_id, move.new_path);
      if (!renamed) return renamed.status();
      changed.push_back(*renamed);
    }
    return changed;
  });
}

Result<MailboxModseq> SqliteStore::delete_mailbox(int64_t user_id, std::string_view path) {
  Result<std::string> normalized = normalize_path(path);
  if (!normalized) return normalized.status();
  if (*normalized == kInbox) return error(Code::invalid_argument, "cannot delete INBOX");
  return write<MailboxModseq>([&](Connection& db) -> Result<MailboxModseq> {
    Result<Mailbox> mailbox = load_mailbox(db, user_id, *normalized);
    if (!mailbox) return mailbox.status();
    EIDER_RETURN_IF_ERROR(delete_mailbox_rows(db, user_id, mailbox->id));
    // RFC 3501 6.3.6: the subscription stays when the mailbox goes.
    if (mailbox->subscribed) {
      EIDER_RETURN_IF_ERROR(
          db.run("INSERT OR IGNORE INTO lost_subscriptions (user_id, path) VALUES (?, ?)", user_id,
                 *normalized));
    }
    // Left behind so a session that has this mailbox selected learns why
    // it vanished; mailbox ids are never reused.
    const MailboxModseq deleted{mailbox->id, mailbox->highest_modseq + 1};
    EIDER_RETURN_IF_ERROR(add_journal(db, user_id, deleted.mailbox_id, deleted.modseq,
                                      JournalKind::mailbox_deleted, 0, mailbox->path));
    return deleted;
  });
}

Status SqliteStore::set_subscribed(int64_t user_id, std::string_view path, bool subscribed) {
  Result<std::string> normalized = normalize_path(path);
  if (!normalized) return normalized.status();
  return write<Done>([&](Connection& db) -> Result<Done> {
           EIDER_RETURN_IF_ERROR(
               db.run("UPDATE mailboxes SET subscribed = ? WHERE user_id = ? AND path = ?",
                      subscribed ? 1 : 0, user_id, *normalized));
           if (db.changes() != 0) return Done{};
           // A name without a mailbox (RFC 3501 6.3.6 allows subscribing it).
           if (subscribed) {
             EIDER_RETURN_IF_ERROR(
                 db.run("INSERT OR IGNORE INTO lost_subscriptions (user_id, path) VALUES (?, ?)",
                        user_id, *normalized));
             return Done{};
           }
           EIDER_RETURN_IF_ERROR(
               db.run("DELETE FROM lost_subscriptions WHERE user_id = ? AND path = ?", user_id,
                      *normalized));
           if (db.changes() == 0) {
             return error(Code::not_found, "no subscription \"" + *normalized + "\"");
           }
           return Done{};
         })
      .status();
}

Status SqliteStore::update_mailbox(int64_t user_id, int64_t mailbox_id,
                                   const MailboxUpdate& update) {
  return write<Done>([&](Connection& db) -> Result<Done> {
           Result<Mailbox> mailbox = load_mailbox_by_id(db, user_id, mailbox_id);
           if (!mailbox) return mailbox.status();
           if (update.hidden) {
             EIDER_RETURN_IF_ERROR(
                 db.run("UPDATE mailboxes SET hidden = ? WHERE user_id = ? AND id = ?",
                        *update.hidden ? 1 : 0, user_id, mailbox_id));
           }
           if (update.retention_ms) {
             EIDER_RETURN_IF_ERROR(
                 db.run("UPDATE mailboxes SET retention_ms = ? WHERE user_id = ? AND id = ?",
                        static_cast<int64_t>(*update.retention_ms), user_id, mailbox_id));
           }
           return Done{};
         })
      .status();
}

Result<std::vector<MailboxCounters>> SqliteStore::mailbox_counters(int64_t user_id) {
  using Counters = std::vector<MailboxCounters>;
  return read<Counters>([&](Connection& db) -> Result<Counters> {
    Result<User> user = load_user_by_id(db, user_id);
    if (!user) return user.status();
    // Flags are stored space-separated in canonical case, and no other
    // flag can contain "\Seen".
    return db.query_rows<MailboxCounters>(
        "SELECT b.id, count(m.uid), coalesce(sum(m.uid IS NOT NULL AND"
        " instr(' ' || m.flags || ' ', ' \\Seen ') = 0), 0), coalesce(sum(m.size), 0)"
        " FROM mailboxes b LEFT JOIN messages m ON m.mailbox_id = b.id AND m.user_id = b.user_id"
        " WHERE b.user_id = ? GROUP BY b.id ORDER BY b.id",
        [](const Statement& row) {
          return MailboxCounters{row.int64(0), static_cast<uint64_t>(row.int64(1)),
                                 static_cast<uint64_t>(row.int64(2)),
                                 static_cast<uint64_t>(row.int64(3))};
        },
        user_id);
  });
}

}  // namespace eider::store::sqlite
