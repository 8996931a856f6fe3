// The log lines an administrator reads: one per login, logout and delivery,
// at level info (docs/logging.md has the format). Fields are key=value as
// core::log_event writes them; a password never appears.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/store.h"

namespace eider::mail {

// Where an event comes from.
struct Origin {
  std::string_view protocol;  // "imap", "pop3", "lmtp" or "cli"
  uint64_t session = 0;       // net::Connection::id(); 0 for the CLI
  std::string_view peer;      // client IP, "unix", or "" for the CLI
  bool tls = false;
};

// A successful login.
void log_login(const Origin& origin, std::string_view user);

// A refused login; `reason` says why in words (never the password).
void log_login_failed(const Origin& origin, std::string_view user, std::string_view reason);

// A reply's text as a reason: "[AUTH] Authentication failed" gives
// "Authentication failed".
std::string_view without_response_code(std::string_view text);

// The end of a logged-in session: "logout", "disconnected", "idle timeout",
// "shutdown", "account deleted"...
void log_logout(const Origin& origin, std::string_view user, std::string_view reason);

// A message stored by LMTP, `eider deliver` or IMAP APPEND: `size` bytes as
// received, `message_id` from message_id_of (taken while the bytes are at
// hand: a spooled message is gone once it is stored).
void log_delivery(const Origin& origin, std::string_view user, std::string_view mailbox,
                  std::string_view message_id, uint64_t size, const store::Appended& appended);

// The Message-ID field of the message's top-level header, unfolded and
// trimmed; "" when there is none.
std::string message_id_of(std::string_view message);

}  // namespace eider::mail
