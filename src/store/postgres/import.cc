// PgStore: import_mailbox and import_messages (eider migrate).
#include "store/import.h"

#include <string>

#include "store/postgres/pg_store.h"
#include "store/postgres/rows.h"
#include "store/postgres/summary_chunks.h"

namespace eider::store::postgres {

Result<Mailbox> PgStore::import_mailbox(int64_t user_id, const Mailbox& state) {
  Result<std::string> path = check_imported_mailbox(state);
  if (!path) return path.status();
  return write<Mailbox>([&](Connection& db) -> Result<Mailbox> {
    Result<User> user = lock_user(db, user_id);
    if (!user) return user.status();
    Result<Mailbox> mailbox = load_mailbox(db, user_id, *path);
    if (!mailbox && mailbox.status().code() == Code::not_found) {
      mailbox = insert_mailbox(db, user_id, *path, state.special_use);
    }
    if (!mailbox) return mailbox.status();
    if (mailbox->message_count != 0) {
      return error(Code::invalid_argument,
                   "mailbox \"" + *path + "\" holds messages: only an empty one takes an import");
    }
    EIDER_RETURN_IF_ERROR(db.run(
        "UPDATE mailboxes SET special_use = $3, uidvalidity = $4, uidnext = $5,"
        " highest_modseq = $6, subscribed = $7::bigint <> 0, recent_uid = $8, journal_floor = $6"
        " WHERE user_id = $1 AND id = $2",
        Params(user_id, mailbox->id, state.special_use, state.uidvalidity, state.uidnext,
               state.highest_modseq, state.subscribed, state.recent_uid)));
    // Its rows (mailbox_created) describe this store's history, not the
    // source's; the floor says the history before highest_modseq is gone.
    EIDER_RETURN_IF_ERROR(db.run("DELETE FROM journal WHERE user_id = $1 AND mailbox_id = $2",
                                 Params(user_id, mailbox->id)));
    EIDER_RETURN_IF_ERROR(
        db.run("UPDATE users SET last_uidvalidity = greatest(last_uidvalidity, $2) WHERE id = $1",
               Params(user_id, state.uidvalidity)));
    return load_mailbox_by_id(db, user_id, mailbox->id);
  });
}

Status PgStore::import_messages(int64_t user_id, int64_t mailbox_id,
                                const std::vector<ImportedMessage>& messages) {
  if (messages.empty()) return Status::ok();
  Result<std::vector<PackedMessage>> packed = pack_imported(messages);
  if (!packed) return packed.status();
  return write<Done>([&](Connection& db) -> Result<Done> {
           Result<User> user = lock_user(db, user_id);
           if (!user) return user.status();
           Result<Mailbox> mailbox = load_mailbox_by_id(db, user_id, mailbox_id, true);
           if (!mailbox) return mailbox.status();
           Result<Rows> highest_uid = db.query(
               "SELECT coalesce(max(uid), 0) FROM messages WHERE user_id = $1 AND mailbox_id = $2",
               Params(user_id, mailbox_id));
           if (!highest_uid) return highest_uid.status();
           auto previous = static_cast<uint32_t>(highest_uid->int64(0, 0));
           const uint32_t first_new = previous + 1;
           uint64_t bytes = 0;
           for (size_t i = 0; i < messages.size(); ++i) {
             const ImportedMessage& imported = messages[i];
             EIDER_RETURN_IF_ERROR(check_imported_uid(*mailbox, previous, imported));
             EIDER_RETURN_IF_ERROR(insert_message_rows(db, user_id, mailbox_id, imported.uid,
                                                       imported.modseq, imported.message,
                                                       (*packed)[i]));
             bytes += imported.message.split.size;
             previous = imported.uid;
           }
           // Later calls import only above `previous`: the chunks up to it
           // are complete.
           EIDER_RETURN_IF_ERROR(
               seal_summary_chunks(db, user_id, mailbox_id, first_new, previous + 1));
           EIDER_RETURN_IF_ERROR(
               db.run("UPDATE mailboxes SET message_count = message_count + $3"
                      " WHERE user_id = $1 AND id = $2",
                      Params(user_id, mailbox_id, static_cast<int64_t>(messages.size()))));
           EIDER_RETURN_IF_ERROR(change_usage(db, user_id, static_cast<int64_t>(bytes),
                                              static_cast<int64_t>(messages.size())));
           return Done{};
         })
      .status();
}

}  // namespace eider::store::postgres
