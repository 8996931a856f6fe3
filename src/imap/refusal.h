// How IMAP answers a failed store or mail call: the response code and text
// of the tagged NO (RFC 5530 codes).
#pragma once

#include <string>

#include "core/status.h"

namespace eider::imap {

struct Refusal {
  std::string text;  // "[NONEXISTENT] no such mailbox", "[UNAVAILABLE] ..."
  // The server's own trouble (disk, database, a bug), not the client's
  // request: the client can only retry, and the cause belongs in the log.
  bool server_failure = false;
};

// Client errors (a missing mailbox, a name taken, over quota, too large, a
// request that cannot be done) name what was wrong; every other failure is
// `[UNAVAILABLE]`, whatever the store said, so no client ever sees a
// database message or an internal id.
Refusal refusal_for(const Status& status);

}  // namespace eider::imap
