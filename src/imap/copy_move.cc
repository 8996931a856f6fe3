// COPY and MOVE (RFC 6851), and their UID forms, with COPYUID (UIDPLUS).
#include "imap/session.h"

namespace eider::imap {

namespace asio = boost::asio;

asio::awaitable<void> Session::copy(const Command& command, bool move) {
  const auto& request = std::get<Copy>(command.arguments);
  if (move && view_->read_only()) co_return no(command, "[READ-ONLY] Mailbox is read-only");
  std::optional<std::vector<uint32_t>> uids = resolve(request.set, command.uid);
  if (!uids) co_return bad(command, "Invalid message sequence number");
  std::optional<std::string> path = mailbox_path(command, request.mailbox);
  if (!path) co_return;
  const std::string_view verb = move ? "MOVE" : "COPY";
  if (uids->empty()) co_return ok(command, std::string(verb) + " completed");
  mail::Mail& mail = services_.mail;
  store::Store& store = services_.store;
  const int64_t user = user_id_;
  const int64_t mailbox = view_->mailbox_id();
  struct Copied {
    Result<std::vector<store::UidPair>> pairs;
    uint32_t uidvalidity = 0;
  };
  Copied copied =
      co_await services_.executor.run([&mail, &store, user, mailbox, &uids, &path, move] {
        Copied result{move ? mail.move(user, mailbox, *uids, *path)
                           : mail.copy(user, mailbox, *uids, *path)};
        if (result.pairs) {
          Result<store::Mailbox> target = store.find_mailbox(user, *path);
          if (target) result.uidvalidity = target->uidvalidity;
        }
        return result;
      });
  if (!copied.pairs) {
    if (copied.pairs.status().code() == Code::not_found) {
      co_return no(command, "[TRYCREATE] Mailbox does not exist: " + *path);
    }
    if (copied.pairs.status().code() == Code::over_quota) {
      co_return co_await fail_over_quota(command, copied.pairs.status());
    }
    co_return fail(command, copied.pairs.status());
  }
  std::string code;
  if (!copied.pairs->empty() && copied.uidvalidity != 0) {
    std::vector<uint32_t> from;
    std::vector<uint32_t> to;
    for (const store::UidPair& pair : *copied.pairs) {
      from.push_back(pair.from);
      to.push_back(pair.to);
    }
    code = "[COPYUID " + std::to_string(copied.uidvalidity) + " " + format_sequence_set(from) +
           " " + format_sequence_set(to) + "] ";
  }
  if (move) {
    // RFC 6851 4.3: COPYUID goes in an untagged OK before the expunges.
    if (!code.empty()) out_ += "* OK " + code + "Moved\r\n";
    co_return ok(command, "MOVE completed");
  }
  ok(command, code + "COPY completed");
}

}  // namespace eider::imap
