// STORE and UID STORE (RFC 3501 6.4.6), with UNCHANGEDSINCE and the
// MODSEQ of each change once CONDSTORE is on (RFC 7162 3.1.3).
#include <algorithm>

#include "core/ascii.h"
#include "imap/fetch_response.h"
#include "imap/session.h"

namespace eider::imap {

namespace asio = boost::asio;

std::optional<std::string> invalid_system_flag(const std::vector<std::string>& flags) {
  for (const std::string& flag : flags) {
    if (flag.empty() || flag[0] != '\\') continue;
    bool known = false;
    for (std::string_view system : {"\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"}) {
      known = known || core::iequals(flag, system);
    }
    if (!known) return flag;
  }
  return std::nullopt;
}

asio::awaitable<void> Session::store_flags(const Command& command) {
  const auto& request = std::get<StoreFlags>(command.arguments);
  if (view_->read_only()) co_return no(command, "[READ-ONLY] Mailbox is read-only");
  if (std::optional<std::string> flag = invalid_system_flag(request.flags)) {
    co_return bad(command, "Invalid system flag " + *flag);
  }
  std::optional<std::vector<uint32_t>> uids = resolve(request.set, command.uid);
  if (!uids) co_return bad(command, "Invalid message sequence number");
  store::FlagMode mode = request.mode == StoreFlags::Mode::add      ? store::FlagMode::add
                         : request.mode == StoreFlags::Mode::remove ? store::FlagMode::remove
                                                                    : store::FlagMode::replace;
  condstore_ = condstore_ || request.unchanged_since.has_value();
  mail::Mail& mail = services_.mail;
  store::Store& store = services_.store;
  const int64_t user = user_id_;
  const int64_t mailbox = view_->mailbox_id();
  struct Stored {
    Result<store::ConditionalFlags> done;
    Result<std::vector<store::MessageInfo>> current = std::vector<store::MessageInfo>{};
  };
  const bool silent = request.silent;
  Stored stored = co_await services_.executor.run(
      [&mail, &store, user, mailbox, &uids, mode, &request, silent] {
        Stored result{store::ConditionalFlags{}};
        if (request.unchanged_since) {
          result.done = mail.set_flags_unchanged_since(user, mailbox, *uids, mode, request.flags,
                                                       *request.unchanged_since);
        } else {
          Result<std::vector<store::MessageInfo>> changed =
              mail.set_flags(user, mailbox, *uids, mode, request.flags);
          if (changed) {
            result.done->changed = std::move(*changed);
          } else {
            result.done = changed.status();
          }
        }
        // Without .SILENT every message of the set is answered with its
        // flags, changed or not (RFC 3501 6.4.6).
        if (result.done && !silent && !uids->empty()) {
          Result<std::vector<store::StoredMessage>> read =
              store.read_messages(user, mailbox, *uids, false);
          if (!read) {
            result.current = read.status();
          } else {
            std::vector<store::MessageInfo> infos;
            infos.reserve(read->size());
            for (store::StoredMessage& message : *read) infos.push_back(std::move(message.info));
            result.current = std::move(infos);
          }
        }
        return result;
      });
  if (!stored.done) co_return fail(command, stored.done.status());
  const store::ConditionalFlags& done = *stored.done;
  // The client knows its own change; the journal rows of it and of older
  // changes are not said again (MailboxView::told).
  for (const store::MessageInfo& info : done.changed) {
    view_->told(info.uid, info.modseq, MailboxView::Shown::own_change);
  }
  // With CONDSTORE on, every FETCH carries UID and MODSEQ, and .SILENT
  // still tells each change's MODSEQ (RFC 7162 3.1.3).
  auto answer = [this, &command](const store::MessageInfo& info, bool with_flags) {
    if (with_flags) announce_keywords(info.flags);
    out_ += "* " + std::to_string(view_->uids().seq_of(info.uid)) + " FETCH (";
    if (with_flags) {
      out_ += "FLAGS ";
      append_flag_list(out_, info.flags, view_->is_recent(info.uid));
      if (command.uid || condstore_) out_ += ' ';
    }
    if (command.uid || condstore_) out_ += "UID " + std::to_string(info.uid);
    if (condstore_) out_ += " MODSEQ (" + std::to_string(info.modseq) + ")";
    out_ += ")\r\n";
    // Read after the change, so possibly newer than rows the view has yet
    // to apply: those must not take the client's picture back.
    view_->told(info.uid, info.modseq,
                with_flags ? MailboxView::Shown::flags : MailboxView::Shown::own_change);
  };
  if (!silent) {
    if (!stored.current) co_return fail(command, stored.current.status());
    // A message modified meanwhile is left out: the client re-reads it.
    for (const store::MessageInfo& info : *stored.current) {
      if (!std::binary_search(done.modified.begin(), done.modified.end(), info.uid)) {
        answer(info, true);
      }
    }
  } else if (condstore_) {
    for (const store::MessageInfo& info : done.changed) answer(info, false);
  }
  const std::string verb = command.uid ? "UID STORE" : "STORE";
  if (done.modified.empty()) co_return ok(command, verb + " completed");
  std::vector<uint32_t> modified = done.modified;
  if (!command.uid) {
    for (uint32_t& number : modified) number = view_->uids().seq_of(number);
  }
  ok(command, "[MODIFIED " + format_sequence_set(modified) + "] Conditional " + verb + " failed");
}

}  // namespace eider::imap
