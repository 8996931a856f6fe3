// Copying a whole store into an empty one, any backend to any backend
// (eider migrate, docs/cli.md), so that clients notice nothing: every
// mailbox keeps its UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ and \Recent mark,
// every message its UID, MODSEQ, flags and internal date
// (Store::import_mailbox, Store::import_messages).
#pragma once

#include <cstdint>
#include <functional>

#include "core/limits.h"
#include "core/status.h"
#include "store/store.h"

namespace eider::mail {

// Where a copy is; totals are the source's counters, known at the start.
struct MigrationProgress {
  uint64_t users_total = 0;
  uint64_t users_done = 0;  // copied and verified
  uint64_t messages_total = 0;
  uint64_t messages_copied = 0;
  uint64_t messages_verified = 0;
  uint64_t bytes_total = 0;
  uint64_t bytes_copied = 0;  // message sizes as delivered
};

struct MigrationSummary {
  uint64_t users = 0;
  uint64_t mailboxes = 0;
  uint64_t messages = 0;
  uint64_t bytes = 0;
  uint64_t lost_subscriptions = 0;
  uint64_t source_blobs = 0;
  uint64_t target_blobs = 0;
};

using ProgressFn = std::function<void(const MigrationProgress&)>;

// Copies every user of `from` into `to`, then checks the copy: each user's
// password hash, quota, usage and addresses, each mailbox's state and
// count, each message's UID, MODSEQ, flags, dates and sizes, and the
// SHA-256 of every message's rebuilt bytes. Messages are parsed again for
// `to` (`limits`: blob-threshold and the MIME limits; max-message-size does
// not apply), so attachments are deduplicated there as at delivery.
// `progress` is called after each batch of messages and each user.
//
// Reads `from` only. Code::already_exists, writing nothing, when `to` has a
// user; Code::corrupt naming the first difference the check finds (what was
// copied stays: start again with an empty target).
Result<MigrationSummary> migrate_store(store::Store& from, store::Store& to,
                                       const core::Limits& limits, const ProgressFn& progress);

}  // namespace eider::mail
