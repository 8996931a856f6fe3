// The TRANSACTION and UPDATE states: the maildrop snapshot, STAT, LIST,
// UIDL, RETR, TOP, DELE, RSET, and the deletions QUIT commits.
#include <algorithm>

#include "core/log.h"
#include "mime/tree.h"
#include "pop3/session.h"

namespace eider::pop3 {

namespace asio = boost::asio;

namespace {

constexpr std::string_view kTrash = "Trash";

// A RETR answer larger than this is sent at once rather than after the
// next read, so pipelined RETRs do not pile up in memory.
constexpr std::size_t kFlushAt = 64 * 1024;

struct Snapshot {
  store::Mailbox mailbox;
  std::vector<store::MessageInfo> messages;
};

// On a store thread. Sizes come from the listing (MessageInfo::wire_size,
// what RETR sends), so a login reads no message content.
Result<Snapshot> take_snapshot(store::Store& store, int64_t user_id, uint64_t max_messages) {
  Snapshot snapshot;
  Result<store::Mailbox> mailbox = store.find_mailbox(user_id, mail::kInbox);
  if (!mailbox) return mailbox.status();
  snapshot.mailbox = std::move(mailbox).value();
  Result<std::vector<store::MessageInfo>> messages =
      store.list_messages(user_id, snapshot.mailbox.id);
  if (!messages) return messages.status();
  snapshot.messages = std::move(messages).value();
  std::sort(snapshot.messages.begin(), snapshot.messages.end(),
            [](const auto& a, const auto& b) { return a.uid < b.uid; });
  if (max_messages != 0 && snapshot.messages.size() > max_messages) {
    snapshot.messages.erase(snapshot.messages.begin(),
                            snapshot.messages.end() - static_cast<std::ptrdiff_t>(max_messages));
  }
  return snapshot;
}

}  // namespace

asio::awaitable<Status> Session::open_maildrop(int64_t user_id) {
  store::Store& store = services_.store;
  const uint64_t max_messages = settings_.max_messages;
  Result<Snapshot> snapshot = co_await services_.executor.run(
      [&store, user_id, max_messages] { return take_snapshot(store, user_id, max_messages); });
  if (!snapshot) co_return snapshot.status();
  user_id_ = user_id;
  mailbox_id_ = snapshot->mailbox.id;
  uidvalidity_ = snapshot->mailbox.uidvalidity;
  messages_.clear();
  messages_.reserve(snapshot->messages.size());
  for (const store::MessageInfo& info : snapshot->messages) {
    const bool seen = std::find(info.flags.begin(), info.flags.end(), "\\Seen") != info.flags.end();
    messages_.push_back({info.uid, info.wire_size, false, seen, false});
  }
  co_return Status::ok();
}

asio::awaitable<void> Session::transaction(const Command& command) {
  switch (command.verb) {
    case Verb::stat:
      co_return stat();
    case Verb::list:
      co_return list(command, false);
    case Verb::uidl:
      co_return list(command, true);
    case Verb::retr:
    case Verb::top:
      co_return co_await retrieve(command);
    case Verb::dele:
      if (Message* message = find(*command.number)) {
        message->deleted = true;
        ok("Message " + std::to_string(*command.number) + " deleted");
      }
      co_return;
    case Verb::rset:
      for (Message& message : messages_) message.deleted = false;
      co_return ok("Maildrop has " + std::to_string(messages_.size()) + " messages");
    case Verb::user:
    case Verb::pass:
    case Verb::auth:
    case Verb::stls:
      co_return err("Already logged in");
    default:
      co_return err("Unexpected command");
  }
}

Session::Message* Session::find(uint32_t number) {
  if (number == 0 || number > messages_.size()) {
    err("No such message");
    return nullptr;
  }
  Message& message = messages_[number - 1];
  if (message.deleted) {
    err("Message " + std::to_string(number) + " already deleted");
    return nullptr;
  }
  return &message;
}

void Session::stat() {
  uint64_t count = 0;
  uint64_t size = 0;
  for (const Message& message : messages_) {
    if (message.deleted) continue;
    ++count;
    size += message.size;
  }
  ok(std::to_string(count) + " " + std::to_string(size));
}

std::string Session::uidl_of(const Message& message) const {
  return std::to_string(uidvalidity_) + "." + std::to_string(message.uid);
}

void Session::list(const Command& command, bool uidl) {
  auto value = [&](const Message& message) {
    return uidl ? uidl_of(message) : std::to_string(message.size);
  };
  if (command.number) {
    if (const Message* message = find(*command.number)) {
      ok(std::to_string(*command.number) + " " + value(*message));
    }
    return;
  }
  ok(uidl ? "Unique-ID listing follows" : "Scan listing follows");
  for (std::size_t i = 0; i < messages_.size(); ++i) {
    if (messages_[i].deleted) continue;
    out_ += std::to_string(i + 1) + " " + value(messages_[i]) + "\r\n";
  }
  out_ += ".\r\n";
}

asio::awaitable<void> Session::retrieve(const Command& command) {
  Message* message = find(*command.number);
  if (message == nullptr) co_return;
  const uint32_t uid = message->uid;
  store::Store& store = services_.store;
  const int64_t user_id = user_id_;
  const int64_t mailbox_id = mailbox_id_;
  Result<std::string> bytes = co_await services_.executor.run([&store, uid, user_id, mailbox_id] {
    Result<store::StoredMessage> stored = store.read_message(user_id, mailbox_id, uid);
    if (!stored) return Result<std::string>(stored.status());
    return mime::rebuild(stored->tree,
                         [&store](const mime::BlobKey& key) { return store.read_blob(key); });
  });
  if (!bytes) {
    if (bytes.status().code() == Code::not_found) {
      const bool gone = co_await end_if_user_gone();
      if (gone) co_return;
      co_return err("Message " + std::to_string(*command.number) +
                    " was deleted by another session");
    }
    log_failure("pop3.retr_failed", bytes.status());
    co_return err("[SYS/TEMP] Cannot read the message now");
  }
  // \Seen is written once at QUIT, as Dovecot does, rather than one durable
  // commit per RETR: a download of N messages costs one flag transaction.
  if (command.verb == Verb::retr && settings_.retr_sets_seen && !message->seen) {
    message->mark_seen = true;
  }
  ok(command.verb == Verb::retr ? "Message follows" : "Top of message follows");
  std::optional<uint64_t> lines;
  if (command.verb == Verb::top) lines = command.lines;
  out_ = append_encoded(std::move(out_), *bytes, lines);
  if (out_.size() >= kFlushAt) co_await flush();
}

asio::awaitable<void> Session::quit() {
  if (state_ != State::transaction) {
    ok("Bye");
    state_ = State::done;
    co_return;
  }
  std::vector<uint32_t> deleted;
  std::vector<uint32_t> read;
  for (const Message& message : messages_) {
    if (message.deleted) {
      deleted.push_back(message.uid);
    } else if (message.mark_seen) {
      read.push_back(message.uid);
    }
  }
  state_ = State::done;
  logout_reason_ = "logout";
  if (deleted.empty() && read.empty()) co_return ok("Bye");
  mail::Mail& mail = services_.mail;
  const bool to_trash = settings_.delete_to_trash;
  const int64_t user_id = user_id_;
  const int64_t mailbox_id = mailbox_id_;
  Status updated = co_await services_.executor.run([&, to_trash, user_id, mailbox_id] {
    if (!read.empty()) {
      // The messages have been read either way: a failed flag change is logged, not fatal.
      Result<std::vector<store::MessageInfo>> seen =
          mail.set_flags(user_id, mailbox_id, read, store::FlagMode::add, {"\\Seen"});
      if (!seen) {
        core::log_event(core::LogLevel::warn, "pop3.seen_failed",
                        {{"error", seen.status().to_string()}});
      }
    }
    if (deleted.empty()) return Status::ok();
    if (to_trash) {
      Result<std::vector<store::UidPair>> moved = mail.move(user_id, mailbox_id, deleted, kTrash);
      return moved ? Status::ok() : moved.status();
    }
    Result<std::vector<uint32_t>> expunged = mail.expunge(user_id, mailbox_id, deleted);
    return expunged ? Status::ok() : expunged.status();
  });
  if (!updated.is_ok()) {
    const bool gone = co_await end_if_user_gone();
    if (gone) co_return;
    log_failure("pop3.update_failed", updated);
    co_return err("[SYS/TEMP] Deleted messages were not removed, try again later");
  }
  if (deleted.empty()) co_return ok("Bye");
  ok("Bye, " + std::to_string(deleted.size()) + " messages deleted");
}

}  // namespace eider::pop3
