// APPEND: the message, from memory or a spool file, into a mailbox; the
// reply carries APPENDUID (UIDPLUS).
#include <memory>

#include "core/log.h"
#include "imap/session.h"
#include "net/memory_wait.h"

namespace eider::imap {

namespace asio = boost::asio;

asio::awaitable<void> Session::append(Command& command) {
  auto& args = std::get<Append>(command.arguments);
  std::optional<std::string> path = mailbox_path(command, args.mailbox);
  if (!path) co_return;
  struct Prepared {
    std::string content;
    std::shared_ptr<core::Spool> spool;  // instead of content, for a large message
    std::vector<std::string> flags;
    int64_t date = 0;
    uint64_t size = 0;
    std::string message_id;  // for the delivery log line, found on a store thread
  };
  uint64_t ingest_bytes = 0;
  std::vector<Prepared> messages;
  for (AppendMessage& message : args.messages) {
    if (std::optional<std::string> flag = invalid_system_flag(message.flags)) {
      co_return bad(command, "Invalid system flag " + *flag);
    }
    Prepared prepared{std::move(message.content),
                      std::move(message.spool),
                      std::move(message.flags),
                      mail::now_seconds(),
                      0,
                      {}};
    if (message.date) prepared.date = *message.date;
    if (prepared.spool && !prepared.spool->status().is_ok()) {
      co_return fail(command, prepared.spool->status());
    }
    prepared.size = prepared.spool ? prepared.spool->size() : prepared.content.size();
    if (prepared.size == 0) co_return no(command, "[CANNOT] Empty message");
    ingest_bytes += mail::ingest_memory(prepared.size);
    messages.push_back(std::move(prepared));
  }
  mail::Mail& mail = services_.mail;
  const int64_t user = user_id_;
  // Parsing, splitting and storing hold several times the message in
  // memory: many large APPENDs at once take turns. The literals' own
  // reservation is part of that estimate, so it goes first (else a message
  // as large as the budget would wait for itself).
  literal_memory_.clear();
  std::optional<core::MemoryBudget::Reservation> memory = co_await net::reserve_memory(
      mail.budget(), ingest_bytes, std::chrono::seconds(settings_.limits.memory_wait));
  if (!memory) {
    core::log_event(core::LogLevel::warn, "imap.memory_busy",
                    {{"peer", connection_.peer()}, {"append", ingest_bytes}});
    co_return no(command, "[UNAVAILABLE] Server memory is busy, try again later");
  }
  // MULTIAPPEND is not advertised, so a client sends one message here.
  Result<std::vector<store::Appended>> appended =
      co_await services_.executor.run([&mail, user, &path, &messages] {
        std::vector<store::Appended> result;
        for (Prepared& message : messages) {
          if (!message.spool) {
            message.message_id = mail::message_id_of(message.content);
          } else if (Result<core::SpoolView> view = message.spool->map()) {
            message.message_id = mail::message_id_of(view->bytes());
          }
          Result<store::Appended> one =
              message.spool
                  ? mail.append(user, *path, *message.spool, message.flags, message.date)
                  : mail.append(user, *path, message.content, message.flags, message.date);
          if (!one) return Result<std::vector<store::Appended>>(one.status());
          result.push_back(*one);
        }
        return Result<std::vector<store::Appended>>(std::move(result));
      });
  if (!appended) {
    if (appended.status().code() == Code::not_found) {
      co_return no(command, "[TRYCREATE] Mailbox does not exist: " + *path);
    }
    if (appended.status().code() == Code::over_quota) {
      co_return co_await fail_over_quota(command, appended.status());
    }
    co_return fail(command, appended.status());
  }
  std::string uids;
  for (std::size_t i = 0; i < appended->size(); ++i) {
    const store::Appended& one = (*appended)[i];
    mail::log_delivery(origin(), user_name_, *path, messages[i].message_id, messages[i].size, one);
    if (!uids.empty()) uids += ',';
    uids += std::to_string(one.uid);
  }
  ok(command, "[APPENDUID " + std::to_string(appended->front().uidvalidity) + " " + uids +
                  "] APPEND completed");
}

}  // namespace eider::imap
