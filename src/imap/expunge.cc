// EXPUNGE and UID EXPUNGE (UIDPLUS). The EXPUNGE responses come from the
// journal, in execute()'s sync.
#include "imap/session.h"

namespace eider::imap {

namespace asio = boost::asio;

asio::awaitable<void> Session::expunge(const Command& command) {
  if (view_->read_only()) co_return no(command, "[READ-ONLY] Mailbox is read-only");
  std::optional<ResolvedSet> only;
  if (command.uid) {
    only.emplace(std::get<UidExpunge>(command.arguments).set, view_->uids().max_uid());
  }
  mail::Mail& mail = services_.mail;
  const int64_t user = user_id_;
  const int64_t mailbox = view_->mailbox_id();
  Result<std::vector<uint32_t>> expunged =
      co_await services_.executor.run([&mail, user, mailbox, &only] {
        if (!only) return mail.expunge_deleted(user, mailbox);
        return mail.expunge_deleted(user, mailbox,
                                    [&only](uint32_t uid) { return only->contains(uid); });
      });
  if (!expunged) co_return fail(command, expunged.status());
  // The EXPUNGE responses come from the journal, in execute()'s sync.
  ok(command, command.uid ? "UID EXPUNGE completed" : "EXPUNGE completed");
}

}  // namespace eider::imap
