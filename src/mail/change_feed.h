// The change feed of one user: every journaled change of any of the user's
// mailboxes after a cursor (the HTTP API's GET /users/:user/updates,
// docs/api.md), from the same journal and beacons IMAP uses.
//
// The journal has no user-wide order: each mailbox numbers its own rows
// with its MODSEQ. So a cursor (FeedCursor) is the MODSEQ the reader has
// seen in each mailbox: every mailbox of the user when the feed started,
// plus each one the feed has reported created since. It is only a position
// in the journal, written compactly as text: nothing is stored for it, so
// it survives restarts and means the same on every backend and every node.
//
// Reading after a cursor, mailbox by mailbox:
// - A mailbox in the cursor: its journal rows above the cursor's MODSEQ,
//   in MODSEQ order.
// - A mailbox not in the cursor was created after it: all its rows, from
//   its mailbox_created row on.
// - A mailbox in the cursor that no longer exists: its mailbox_deleted row
//   (once that row is trimmed, a mailbox_deleted event made from the
//   cursor, without a path). What happened to it before the deletion is not
//   reported: the journal keeps nothing of a deleted mailbox but its
//   deletion, which supersedes the rest.
// - A mailbox created and deleted again entirely after the cursor is not
//   reported at all: nothing of it is left, and its net effect is nothing.
// - Rows that may have been trimmed (the cursor's MODSEQ, or 0 for a
//   mailbox new since the cursor, below the mailbox's journal_floor) are
//   never skipped silently: a `reset` event for that mailbox stands in for
//   them, and the feed goes on from the mailbox's highest MODSEQ. The
//   client reloads that mailbox (its messages; for a mailbox it does not
//   know, the mailbox list). A cursor that cannot be read, or is another
//   user's, gives one `reset` event for the whole user (mailbox_id 0) and
//   the feed starts from now.
// Events of one mailbox come in MODSEQ order. There is no order across
// mailboxes in the journal; a read gives its events mailbox by mailbox in
// ascending id, and since a feed reads at every beacon, events of different
// mailboxes come about in the order their changes were announced.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "notify/notifier.h"
#include "store/store.h"

namespace eider::mail {

// One mailbox of a cursor: the MODSEQ seen, and its creation time (unix
// seconds, half of its API id), which a mailbox_deleted event needs once
// the mailbox is gone.
struct FeedMailbox {
  int64_t mailbox_id = 0;
  uint64_t modseq = 0;
  int64_t created = 0;
  bool operator==(const FeedMailbox&) const = default;
};

// A position in one user's change feed. Text form: lowercase hex of a
// version byte, then varints (core/varint.h): the user id, the number of
// mailboxes, and per mailbox in ascending id order the id's difference
// from the previous one, the MODSEQ seen and the creation time (about 8-12
// bytes a mailbox).
struct FeedCursor {
  int64_t user_id = 0;
  std::vector<FeedMailbox> mailboxes;  // ascending mailbox_id, each once

  std::string encode() const;
  // nullopt for text encode() did not write (malformed, truncated, ids out
  // of order, another version).
  static std::optional<FeedCursor> decode(std::string_view text);

  bool operator==(const FeedCursor&) const = default;
};

enum class FeedEventKind : uint8_t {
  added,            // message `uid` appeared in the mailbox
  expunged,         // message `uid` was removed
  flags,            // message `uid` now has exactly `flags`
  mailbox_created,  // `path`
  mailbox_renamed,  // `path` is the new path
  mailbox_deleted,  // `path` is its last one, "" when no longer known
  // Changes may have been missed: the client reloads the mailbox
  // (mailbox_id, `path`), or everything when mailbox_id is 0.
  reset,
};

struct FeedEvent {
  FeedEventKind kind = FeedEventKind::added;
  int64_t mailbox_id = 0;
  int64_t mailbox_created = 0;  // unix seconds: with mailbox_id, its API id
  uint64_t modseq = 0;          // the journal row's; for reset, where the feed goes on from
  uint32_t uid = 0;
  std::string path;
  std::vector<std::string> flags;
  // The feed's position just after this event (FeedCursor text): resuming
  // from it gives exactly the events after this one.
  std::string cursor;
};

// One reader of one user's feed. The beacon callback may run on any thread
// (the notifier's); start and read run on a store thread, one at a time.
class ChangeFeed {
 public:
  // Subscribes to the user's beacons at once, so that nothing committed
  // after this returns is missed. `wake` runs on the notifier's thread
  // whenever there may be something to read (a changed or resync beacon)
  // or the user was logged out (logout beacon); it must be quick and must
  // not block.
  ChangeFeed(notify::Notifier& notifier, int64_t user_id, std::function<void()> wake);
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  // Store thread. Positions the feed at `resume` (a FeedEvent::cursor or
  // cursor() text): the next read gives what happened after it. With ""
  // the feed starts at the current end (nothing to read). Returns the
  // events to send first: a user-wide reset when `resume` is not a cursor
  // of this user. Code::not_found when the user does not exist.
  Result<std::vector<FeedEvent>> start(store::Store& store, std::string_view resume);

  // Store thread, after start. The events after the feed's position, at
  // most about `max_events` (the rest stays pending()), and moves the
  // position past them. One listing of the user's mailboxes plus one
  // journal read for each mailbox that changed: cheap when nothing did, so
  // callers poll with it while the notifier is unhealthy. On an error the
  // position does not move. Code::not_found once the user is gone.
  Result<std::vector<FeedEvent>> read(store::Store& store, std::size_t max_events = 10000);

  // A beacon came since the last read, or the last read stopped at
  // max_events. Clears on read.
  bool pending() const;
  // A logout beacon came: the user's sessions are to end.
  bool logged_out() const;
  // The position now (FeedCursor text).
  std::string cursor() const;

 private:
  // Appends the events of `mailbox_id` above `since`; `listed` is the
  // mailbox as the listing gave it, nullptr when it no longer exists.
  Status read_mailbox(store::Store& store, int64_t mailbox_id, const store::Mailbox* listed,
                      std::vector<FeedEvent>& events);
  void advance(int64_t mailbox_id, uint64_t modseq, int64_t created);
  void forget(int64_t mailbox_id);
  const FeedMailbox* seen(int64_t mailbox_id) const;

  int64_t user_id_;
  std::function<void()> wake_;
  FeedCursor cursor_;  // store thread only
  mutable std::mutex mutex_;
  bool pending_ = false;               // guarded by mutex_
  bool logged_out_ = false;            // guarded by mutex_
  notify::Subscription subscription_;  // last: unsubscribed before the rest goes
};

}  // namespace eider::mail
