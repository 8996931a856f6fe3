// The IMAP service (RFC 3501 with IDLE, NAMESPACE, UIDPLUS, UNSELECT,
// ENABLE, ID, MOVE, SPECIAL-USE, CREATE-SPECIAL-USE, CHILDREN, LITERAL+,
// SASL-IR, ESEARCH, LIST-EXTENDED, LIST-STATUS, APPENDLIMIT, CONDSTORE,
// QRESYNC, QUOTA, COMPRESS=DEFLATE, BINARY; STARTTLS and implicit TLS).
//
// One session per connection, as a coroutine on its I/O thread; every store
// call runs on the store Executor. A selected session keeps only the UIDs
// its client knows, the MODSEQ it has applied and its \Recent ranges
// (docs/architecture.md, idea 3): flags, sizes and content are read from the store for
// each command, and other sessions' changes arrive as journal rows after a
// beacon (idea 4), told to the client only where RFC 3501 allows it.
//
// Memory per idle session (IDLE, or waiting between commands): the
// connection and coroutine frames, the compact UID list (mailbox_view.h) and
// a notifier subscription; input and output buffers (and, with COMPRESS,
// the deflate state: net/deflate.h) are released while idle. The wire
// behaviour is described in docs/imap.md.
#pragma once

#include <chrono>
#include <string>

#include "core/limits.h"
#include "imap/select_cache.h"
#include "mail/auth_limiter.h"
#include "mail/mail.h"
#include "mail/user_connections.h"
#include "net/server.h"
#include "notify/notifier.h"
#include "store/executor.h"
#include "store/store.h"

namespace eider::net {
class TlsContext;
}

namespace eider::imap {

struct Settings {
  core::Limits limits;
  bool allow_plaintext_auth = true;  // LOGIN and AUTHENTICATE before TLS
  // STARTTLS is offered when set (and the connection is not TLS already).
  const net::TlsContext* tls = nullptr;
  bool implicit_tls = false;  // IMAPS: the handshake comes before the greeting
  // Seconds a logged-in client may stay silent (RFC 3501 5.4: at least 30
  // minutes); before login, limits.idle_timeout applies.
  uint64_t authenticated_idle_timeout = 1800;
  // Seconds between checks that the logged-in user still exists, by a
  // session in IDLE and by polls (NOOP, CHECK); at least 1.
  uint64_t user_check_interval = 30;
  // Milliseconds between journal reads of a session in IDLE while the
  // notifier is unhealthy (notify-poll-interval).
  uint64_t notify_poll_interval = 2000;
};

struct Services {
  mail::Mail& mail;
  store::Store& store;
  store::Executor& executor;
  mail::AuthLimiter& limiter;
  mail::UserConnections& user_connections;  // max-connections-per-user
  notify::Notifier& notifier;
  SelectCache& select_cache;  // shared by the IMAP and IMAPS listeners
};

// The service to give net::Server::listen. The references must outlive the
// Server's connections.
net::Service service(const Settings& settings, const Services& services);

}  // namespace eider::imap
