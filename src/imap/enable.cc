// ENABLE (RFC 5161) and what CONDSTORE and QRESYNC (RFC 7162) add beyond
// single commands: the changes since a client's state, for SELECT's QRESYNC
// parameter and UID FETCH's VANISHED modifier.
#include "imap/fetch_response.h"
#include "imap/qresync.h"
#include "imap/session.h"

namespace eider::imap {

namespace asio = boost::asio;

void Session::enable(const Command& command) {
  // RFC 5161: the ENABLED response lists what the server enabled; anything
  // else asked for is ignored.
  std::string enabled;
  for (const std::string& capability : std::get<Enable>(command.arguments).capabilities) {
    if (capability != "CONDSTORE" && capability != "QRESYNC") continue;
    if (enabled.find(" " + capability) != std::string::npos) continue;
    enabled += " " + capability;
    condstore_ = true;
    qresync_ = qresync_ || capability == "QRESYNC";
  }
  out_ += "* ENABLED" + enabled + "\r\n";
  ok(command, "ENABLE completed");
}

asio::awaitable<Status> Session::tell_changes_since(uint64_t since,
                                                    const std::vector<SeqRange>& scope,
                                                    uint32_t agreed, bool flags) {
  struct Changes {
    Result<std::vector<uint32_t>> expunged = std::vector<uint32_t>{};
    Result<std::vector<store::MessageInfo>> changed = std::vector<store::MessageInfo>{};
  };
  store::Store& store = services_.store;
  const int64_t user = user_id_;
  const int64_t mailbox = view_->mailbox_id();
  Changes changes = co_await services_.executor.run([&store, user, mailbox, since, flags] {
    Changes result{store.expunged_since(user, mailbox, since)};
    if (flags) result.changed = store.list_changed_since(user, mailbox, since);
    return result;
  });
  // Beyond the journal's window: every UID of the scope that is gone.
  const bool exact = changes.expunged || changes.expunged.status().code() != Code::out_of_range;
  if (exact && !changes.expunged) co_return changes.expunged.status();
  if (!changes.changed) co_return changes.changed.status();
  if (!view_ || view_->mailbox_id() != mailbox) co_return Status::ok();
  std::optional<std::vector<uint32_t>> expunged;
  if (exact) expunged = std::move(*changes.expunged);
  const std::vector<SeqRange> vanished = vanished_earlier(view_->uids(), scope, expunged, agreed);
  // RFC 7162 3.2.5.2: VANISHED (EARLIER) before any FETCH.
  if (!vanished.empty()) out_ += "* VANISHED (EARLIER) " + format_ranges(vanished) + "\r\n";
  static const std::vector<FetchAttribute> kUidFlagsModseq = [] {
    std::vector<FetchAttribute> attributes(3);
    attributes[0].item = FetchItem::uid;
    attributes[1].item = FetchItem::flags;
    attributes[2].item = FetchItem::mod_seq;
    return attributes;
  }();
  const ResolvedSet in_scope(scope);
  for (const store::MessageInfo& info : *changes.changed) {
    const uint32_t seq = view_->uids().seq_of(info.uid);
    if (seq == 0 || !in_scope.contains(info.uid)) continue;
    FetchMessage message;
    message.seq = seq;
    message.info = &info;
    message.recent = view_->is_recent(info.uid);
    announce_keywords(info.flags);
    render_metadata(out_, message, kUidFlagsModseq, FetchOptions{});
    view_->told(info.uid, info.modseq, MailboxView::Shown::flags);
  }
  co_return Status::ok();
}

asio::awaitable<Status> Session::qresync_select(const Qresync& qresync, uint32_t uidvalidity) {
  // RFC 7162 3.2.5: a client whose UIDVALIDITY is not the mailbox's learns
  // it from the UIDVALIDITY response and starts over; nothing else is said.
  if (qresync.uid_validity != uidvalidity) co_return Status::ok();
  const uint32_t max_uid = view_->uids().max_uid();
  // Without known UIDs the client is taken to know 1 up to the last UID.
  std::vector<SeqRange> scope = qresync.known_uids ? qresync.known_uids->resolve(max_uid)
                                                   : std::vector<SeqRange>{{1, max_uid}};
  if (max_uid == 0) scope.clear();
  uint32_t agreed = 0;
  if (qresync.seq_match && qresync.uid_match) {
    agreed = agreed_through(view_->uids(), *qresync.seq_match, *qresync.uid_match);
  }
  co_return co_await tell_changes_since(qresync.mod_seq, scope, agreed, true);
}

}  // namespace eider::imap
