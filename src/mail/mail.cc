#include "mail/mail.h"

#include <algorithm>

#include "mail/names.h"
#include "mime/tree.h"

namespace eider::mail {
namespace {

Status refuse_inbox(std::string_view path, std::string_view action) {
  if (path == kInbox) {
    return error(Code::invalid_argument, "INBOX cannot be " + std::string(action));
  }
  return Status::ok();
}

}  // namespace

Mail::Mail(store::Store& store, notify::Notifier& notifier, const core::Limits& limits,
           std::string spool_dir)
    : store_(store),
      notifier_(notifier),
      limits_(limits),
      spool_dir_(std::move(spool_dir)),
      budget_(limits.memory_budget),
      hasher_(std::max<uint64_t>(limits.password_hash_threads, 1)) {}

Result<store::Mailbox> Mail::find_mailbox(int64_t user_id, std::string_view path) {
  Result<std::string> normalized = normalize_mailbox_path(path);
  if (!normalized) return normalized.status();
  Result<store::Mailbox> mailbox = store_.find_mailbox(user_id, *normalized);
  if (!mailbox && mailbox.status().code() == Code::not_found) {
    return error(Code::not_found, "no such mailbox: " + *normalized);
  }
  return mailbox;
}

void Mail::publish(int64_t user_id, const std::vector<store::MailboxModseq>& changed) {
  for (const store::MailboxModseq& mailbox : changed) {
    notifier_.publish({user_id, mailbox.mailbox_id, mailbox.modseq});
  }
}

Result<store::Appended> Mail::deliver(int64_t user_id, std::string_view mailbox_path,
                                      std::string_view raw) {
  return append(user_id, mailbox_path, raw, {}, now_seconds());
}

Result<store::Appended> Mail::append(int64_t user_id, std::string_view mailbox_path,
                                     std::string_view raw, const std::vector<std::string>& flags,
                                     int64_t internal_date) {
  Result<store::NewMessage> message = ingest(raw, limits_, internal_date);
  if (!message) return message.status();
  message->flags = flags;
  return store_message(user_id, mailbox_path, *message);
}

Result<store::Appended> Mail::append(int64_t user_id, std::string_view mailbox_path,
                                     core::Spool& raw, const std::vector<std::string>& flags,
                                     int64_t internal_date) {
  Result<store::NewMessage> message = [&]() -> Result<store::NewMessage> {
    Result<core::SpoolView> view = raw.map();
    if (!view) return view.status();
    return ingest(view->bytes(), limits_, internal_date);
  }();
  if (!message) return message.status();
  message->flags = flags;
  return store_message(user_id, mailbox_path, *message);
}

Result<store::Appended> Mail::store_message(int64_t user_id, std::string_view mailbox_path,
                                            const store::NewMessage& message) {
  Result<store::Mailbox> mailbox = find_mailbox(user_id, mailbox_path);
  if (!mailbox) return mailbox.status();
  Result<store::Appended> appended = store_.append_message(user_id, mailbox->id, message);
  if (!appended) return appended.status();
  notifier_.publish({user_id, appended->mailbox_id, appended->modseq});
  return appended;
}

Result<std::vector<store::UidPair>> Mail::copy(int64_t user_id, int64_t from_mailbox_id,
                                               const std::vector<uint32_t>& uids,
                                               std::string_view to_path) {
  Result<store::Mailbox> to = find_mailbox(user_id, to_path);
  if (!to) return to.status();
  Result<store::Copied> copied = store_.copy_messages(user_id, from_mailbox_id, uids, to->id);
  if (!copied) return copied.status();
  publish(user_id, copied->changed);
  return std::move(copied->uids);
}

Result<std::vector<store::UidPair>> Mail::move(int64_t user_id, int64_t from_mailbox_id,
                                               const std::vector<uint32_t>& uids,
                                               std::string_view to_path) {
  Result<store::Mailbox> to = find_mailbox(user_id, to_path);
  if (!to) return to.status();
  Result<store::Copied> moved = store_.move_messages(user_id, from_mailbox_id, uids, to->id);
  if (!moved) return moved.status();
  publish(user_id, moved->changed);
  return std::move(moved->uids);
}

Result<std::vector<uint32_t>> Mail::expunge(int64_t user_id, int64_t mailbox_id,
                                            const std::vector<uint32_t>& uids) {
  Result<store::Expunged> expunged = store_.expunge_messages(user_id, mailbox_id, uids);
  if (!expunged) return expunged.status();
  publish(user_id, expunged->changed);
  return std::move(expunged->uids);
}

Result<std::vector<uint32_t>> Mail::expunge_deleted(int64_t user_id, int64_t mailbox_id,
                                                    const std::function<bool(uint32_t)>& only) {
  Result<std::vector<store::MessageInfo>> flagged =
      store_.list_flagged(user_id, mailbox_id, "\\Deleted");
  if (!flagged) return flagged.status();
  std::vector<uint32_t> deleted;
  for (const store::MessageInfo& info : *flagged) {
    if (!only || only(info.uid)) deleted.push_back(info.uid);
  }
  if (deleted.empty()) return deleted;
  return expunge(user_id, mailbox_id, deleted);
}

Result<std::vector<store::MessageInfo>> Mail::set_flags(int64_t user_id, int64_t mailbox_id,
                                                        const std::vector<uint32_t>& uids,
                                                        store::FlagMode mode,
                                                        const std::vector<std::string>& flags) {
  Result<std::vector<store::MessageInfo>> changed =
      store_.store_flags(user_id, mailbox_id, uids, mode, flags);
  if (!changed) return changed.status();
  publish_flags(user_id, mailbox_id, *changed);
  return changed;
}

Result<store::ConditionalFlags> Mail::set_flags_unchanged_since(
    int64_t user_id, int64_t mailbox_id, const std::vector<uint32_t>& uids, store::FlagMode mode,
    const std::vector<std::string>& flags, uint64_t unchanged_since) {
  Result<store::ConditionalFlags> done =
      store_.store_flags_unchanged_since(user_id, mailbox_id, uids, mode, flags, unchanged_since);
  if (!done) return done.status();
  publish_flags(user_id, mailbox_id, done->changed);
  return done;
}

void Mail::publish_flags(int64_t user_id, int64_t mailbox_id,
                         const std::vector<store::MessageInfo>& changed) {
  if (changed.empty()) return;
  uint64_t modseq = 0;
  for (const store::MessageInfo& info : changed) modseq = std::max(modseq, info.modseq);
  notifier_.publish({user_id, mailbox_id, modseq});
}

Result<store::Mailbox> Mail::create_mailbox(int64_t user_id, std::string_view path,
                                            std::string_view special_use) {
  Result<std::string> normalized = normalize_mailbox_path(path);
  if (!normalized) return normalized.status();
  Result<store::Mailbox> created = store_.create_mailbox(user_id, *normalized, special_use);
  if (!created) return created.status();
  notifier_.publish({user_id, created->id, created->highest_modseq});
  return created;
}

Status Mail::rename_mailbox(int64_t user_id, std::string_view from, std::string_view to) {
  Result<store::Mailbox> source = find_mailbox(user_id, from);
  if (!source) return source.status();
  Result<std::string> target = normalize_mailbox_path(to);
  if (!target) return target.status();
  Result<std::vector<store::MailboxModseq>> renamed =
      store_.rename_mailbox(user_id, source->path, *target);
  if (!renamed) return renamed.status();
  // Every mailbox moved, children included: a session with "a/b" selected
  // must hear of a rename of "a".
  publish(user_id, *renamed);
  return Status::ok();
}

Status Mail::delete_mailbox(int64_t user_id, std::string_view path) {
  Result<store::Mailbox> mailbox = find_mailbox(user_id, path);
  if (!mailbox) return mailbox.status();
  EIDER_RETURN_IF_ERROR(refuse_inbox(mailbox->path, "deleted"));
  Result<store::MailboxModseq> deleted = store_.delete_mailbox(user_id, mailbox->path);
  if (!deleted) return deleted.status();
  publish(user_id, {*deleted});
  return Status::ok();
}

Status Mail::subscribe(int64_t user_id, std::string_view path, bool subscribed) {
  return store_.set_subscribed(user_id, path, subscribed);
}

Status Mail::update_mailbox(int64_t user_id, int64_t mailbox_id,
                            const store::MailboxUpdate& update) {
  return store_.update_mailbox(user_id, mailbox_id, update);
}

void Mail::logout_user(int64_t user_id) {
  notifier_.publish({user_id, 0, 0, notify::BeaconKind::logout});
}

Result<std::string> Mail::export_message(int64_t user_id, std::string_view mailbox_path,
                                         uint32_t uid) {
  Result<store::Mailbox> mailbox = find_mailbox(user_id, mailbox_path);
  if (!mailbox) return mailbox.status();
  Result<store::StoredMessage> stored = store_.read_message(user_id, mailbox->id, uid);
  if (!stored) {
    if (stored.status().code() == Code::not_found) {
      return error(Code::not_found,
                   "no message with uid " + std::to_string(uid) + " in " + mailbox->path);
    }
    return stored.status();
  }
  return mime::rebuild(stored->tree,
                       [this](const mime::BlobKey& key) { return store_.read_blob(key); });
}

}  // namespace eider::mail
