// The LMTP service (RFC 2033): how an MTA hands mail to Eider.
//
// One session per connection, as a coroutine on its I/O thread; every store
// call (recipient lookup, parse, append) runs on the store Executor. A
// message is parsed and split once per transaction; each accepted recipient
// then gets its own copy of the tree headed by its own trace lines, sharing
// the blobs. Each recipient's 250 is sent only after its append committed.
//
// Memory per session: the input buffer, 16 KiB while idle (plus at most one
// unfinished command line, bounded by max-line-length, and 64 KiB reads
// while message data streams in); during a transaction also the message, at
// most max-message-size: bytes past it are read and dropped, and the
// transaction ends with 552 5.3.4 for each recipient. Of the message, only
// spool-threshold bytes are in memory, the rest in an unlinked file
// (core/spool.h); memory-budget bounds them and the ingest over all
// sessions (452 4.3.1 when it stays full). Pipelined replies are
// sent before each read, so they stay in proportion to one read's commands.
// The wire behaviour is described in docs/lmtp.md.
#pragma once

#include <string>

#include "core/limits.h"
#include "mail/mail.h"
#include "net/server.h"
#include "store/executor.h"
#include "store/store.h"

namespace eider::lmtp {

struct Settings {
  std::string hostname;  // in the greeting and the Received lines
  core::Limits limits;
  bool spam_filter = true;            // file spam by its headers
  std::string spam_mailbox = "Junk";  // where it goes (INBOX when missing)
};

// The service to give net::Server::listen. The references must outlive the
// Server's connections.
net::Service service(const Settings& settings, mail::Mail& mail, store::Store& store,
                     store::Executor& executor);

}  // namespace eider::lmtp
