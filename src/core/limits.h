// Limits on what any client or input may cost. Each has a config key of the
// same name (see docs/config.md); the defaults are safe for a small server.
#pragma once

#include <cstdint>

namespace eider::core {

struct Limits {
  // Largest message accepted by deliver, APPEND, LMTP DATA (bytes).
  uint64_t max_message_size = 64ull * 1024 * 1024;
  // Multipart / message/rfc822 nesting the MIME parser descends into.
  uint64_t max_mime_depth = 100;
  // Parts parsed in one message; the rest of the body becomes one opaque leaf.
  uint64_t max_mime_parts = 100000;
  // Leaf bodies of at least this many bytes are stored as deduplicated blobs.
  uint64_t blob_threshold = 32 * 1024;
  // Longest protocol command line (IMAP, POP3, LMTP), excluding literals.
  uint64_t max_line_length = 64 * 1024;
  // Largest IMAP literal other than a message (APPEND uses max-message-size).
  uint64_t max_literal_size = 1024 * 1024;
  // Largest header block of one MIME part: not enforced yet (docs/config.md).
  uint64_t max_header_size = 1024 * 1024;
  // Concurrent connections from one IP address, over all protocols.
  uint64_t max_connections_per_ip = 64;
  // Logged-in IMAP and POP3 sessions of one user, over every node; 0 = no limit.
  uint64_t max_connections_per_user = 20;
  // IMAP commands per second one connection may issue before it is slowed.
  uint64_t max_commands_per_second = 200;
  // Failed authentications per connection before it is closed.
  uint64_t max_auth_failures = 5;
  // Milliseconds a failed login waits before its answer; doubles with each
  // recent failure for the same user or IP, up to 8 times this.
  uint64_t auth_failure_delay = 1000;
  // Failed logins for one user (from any IP) and from one IP (for any
  // user) after which its logins are refused unchecked, until
  // auth_failure_window seconds pass without a failure (mail/auth_limiter.h).
  // 0 = no lockout.
  uint64_t max_auth_failures_per_user = 10;
  uint64_t max_auth_failures_per_ip = 50;
  uint64_t auth_failure_window = 300;
  // Concurrent connections over all listeners; more are refused at once.
  uint64_t max_connections = 1000;
  // Recipients in one LMTP transaction (RFC 5321 4.5.3.1.8: at least 100).
  uint64_t max_recipients = 100;
  // Seconds a connection may wait for the client's next bytes (0 = forever).
  uint64_t idle_timeout = 300;
  // Seconds from connecting to logging in (IMAP, POP3), however busy the
  // client is meanwhile; Dovecot's login processes allow 3 minutes.
  uint64_t login_timeout = 180;
  // Seconds one request (a command line with its literals, an LMTP message)
  // may lag behind min_data_rate once its first byte came (net/deadlines.h);
  // Postfix's smtpd_timeout.
  uint64_t command_timeout = 300;
  // Bytes per second a request must keep to on average (Postfix's
  // smtpd_min_data_rate); 0 = it must arrive within command_timeout.
  uint64_t min_data_rate = 500;
  // Bytes that message buffers and message ingests may hold at once, over
  // all sessions (core/memory_budget.h); 0 = no budget.
  uint64_t memory_budget = 256ull * 1024 * 1024;
  // Seconds a literal, DATA or ingest waits for room in the budget before
  // it is refused with the protocol's temporary error.
  uint64_t memory_wait = 60;
  // APPEND literals larger than this, and LMTP DATA beyond it, are written
  // to an unlinked file in the data folder instead of held in memory.
  uint64_t spool_threshold = 1024 * 1024;
  // Password hashes (argon2: 19 MiB each) computed at once; logins beyond
  // wait for a turn.
  uint64_t password_hash_threads = 2;
};

}  // namespace eider::core
