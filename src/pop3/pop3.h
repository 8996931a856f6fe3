// The POP3 service (RFC 1939, RFC 2449 CAPA, RFC 5034 AUTH, RFC 2595 STLS).
//
// One session per connection, as a coroutine on its I/O thread; every store
// call (login, the maildrop snapshot, reading a message, the deletions at
// QUIT) runs on the store Executor. The maildrop is INBOX as it was at
// login (optionally only its newest max_messages): message numbers, sizes
// and UIDLs stay fixed for the session. DELE only marks; the marked
// messages are expunged (or moved to Trash) by QUIT, in one transaction,
// so a connection that drops deletes nothing.
//
// A logout beacon for the user (mail::Mail::logout_user) ends a logged-in
// session: at once, closing the connection without a reply (as RFC 1939's
// autologout does), when it waits for a command; after its reply when it
// runs one. Either way the UPDATE state is not entered: no DELE applies.
//
// Memory per session: the input buffer (16 KiB reads, plus at most one
// unfinished line bounded by max-line-length), the maildrop list (16 bytes
// per message), and while a RETR is answered the message twice (as stored
// and as sent). The wire behaviour is described in docs/pop3.md.
#pragma once

#include <chrono>
#include <string>

#include "core/limits.h"
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

namespace eider::pop3 {

struct Settings {
  core::Limits limits;
  uint64_t max_messages = 0;         // the newest N of INBOX; 0 = all
  bool delete_to_trash = false;      // DELE moves to Trash instead of expunging
  bool retr_sets_seen = true;        // RETR (not TOP) adds \Seen
  bool allow_plaintext_auth = true;  // USER/PASS and AUTH before TLS
  // STLS is offered when set (and the connection is not TLS already).
  const net::TlsContext* tls = nullptr;
  bool implicit_tls = false;  // POP3S: the handshake comes before the greeting
};

struct Services {
  mail::Mail& mail;
  store::Store& store;
  store::Executor& executor;
  mail::AuthLimiter& limiter;
  // A logged-in session subscribes for its user's logout beacon
  // (Mail::logout_user); the maildrop is fixed, so no other beacon matters.
  notify::Notifier& notifier;
  mail::UserConnections& user_connections;  // max-connections-per-user
};

// The service to give net::Server::listen. The references must outlive the
// Server's connections.
net::Service service(const Settings& settings, const Services& services);

}  // namespace eider::pop3
