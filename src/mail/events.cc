#include "mail/events.h"

#include <string>
#include <vector>

#include "core/ascii.h"
#include "core/log.h"
#include "core/metrics.h"
#include "mime/message.h"

namespace eider::mail {
namespace {

// A header this long is not real mail; the Message-ID is looked for no
// further, so logging a 60 MB message does not scan it.
constexpr std::size_t kHeaderScan = 64 * 1024;
// A Message-ID is short; a hostile one is cut so a log line stays a line.
constexpr std::size_t kMaxMessageId = 256;

std::string_view yes_no(bool value) {
  return value ? "yes" : "no";
}

// A login or logout line: who and from where, in the same order for both,
// then `more`.
void log_session_event(std::string_view event, const Origin& origin, std::string_view user,
                       std::initializer_list<core::LogField> more) {
  std::vector<core::LogField> fields = {{"protocol", origin.protocol},
                                        {"session", origin.session},
                                        {"user", user},
                                        {"peer", origin.peer},
                                        {"tls", yes_no(origin.tls)}};
  fields.insert(fields.end(), more.begin(), more.end());
  core::log_event(core::LogLevel::info, event, fields);
}

}  // namespace

std::string message_id_of(std::string_view message) {
  std::string_view raw = mime::header_value(message.substr(0, kHeaderScan), "Message-ID");
  std::string id;
  for (char c : raw) {
    if (c == '\r' || c == '\n') continue;
    if (c == '\t') c = ' ';
    id += c;
  }
  id = std::string(core::trim_wsp(id));
  if (id.size() > kMaxMessageId) id.resize(kMaxMessageId);
  return id;
}

std::string_view without_response_code(std::string_view text) {
  std::size_t code_end = text.find("] ");
  if (text.starts_with('[') && code_end != std::string_view::npos) text.remove_prefix(code_end + 2);
  return text;
}

void log_login(const Origin& origin, std::string_view user) {
  log_session_event("login", origin, user, {{"result", "ok"}});
}

void log_login_failed(const Origin& origin, std::string_view user, std::string_view reason) {
  core::metrics()
      .counter("eider_login_failures_total", "Refused logins, by protocol",
               "protocol=\"" + std::string(origin.protocol) + "\"")
      .add();
  log_session_event("login", origin, user, {{"result", "failed"}, {"reason", reason}});
}

void log_logout(const Origin& origin, std::string_view user, std::string_view reason) {
  log_session_event("logout", origin, user, {{"reason", reason}});
}

void log_delivery(const Origin& origin, std::string_view user, std::string_view mailbox,
                  std::string_view message_id, uint64_t size, const store::Appended& appended) {
  core::metrics()
      .counter("eider_deliveries_total",
               "Messages stored by LMTP, eider deliver, IMAP APPEND or the API, by protocol",
               "protocol=\"" + std::string(origin.protocol) + "\"")
      .add();
  core::log_event(core::LogLevel::info, "delivery",
                  {{"protocol", origin.protocol},
                   {"session", origin.session},
                   {"user", user},
                   {"mailbox", mailbox},
                   {"uid", appended.uid},
                   {"size", size},
                   {"message-id", message_id}});
}

}  // namespace eider::mail
