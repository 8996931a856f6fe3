// Renaming a mailbox (RFC 3501 6.3.5) as every backend does it: which
// mailboxes take which new names, planned apart from the SQL that applies
// it, so the rules are written once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/store.h"

namespace eider::store {

// The two paths of a rename, in normal form (names.h).
struct RenamePaths {
  std::string from;
  std::string to;
};

// Checks what needs no store: both paths valid (normalize_path), the
// target neither INBOX nor the source nor below it. Code::invalid_argument
// otherwise.
Result<RenamePaths> check_rename(std::string_view from, std::string_view to);

struct RenameMove {
  int64_t mailbox_id = 0;
  std::string new_path;
};

struct RenamePlan {
  // Renaming INBOX: its messages move to a new mailbox named `to`, and
  // INBOX stays, empty, with the mailboxes below it. `moves` is empty.
  bool inbox = false;
  // Otherwise the source and every mailbox below it ("a/b" of "a" becomes
  // to + "/b"), parents before children (path order). Applied one at a
  // time in this order, no move takes a name another has not left yet.
  std::vector<RenameMove> moves;
};

// Plans the rename of `paths` (from check_rename) over all of the user's
// `mailboxes`, read in the rename's transaction. Code::not_found when the
// source does not exist; Code::already_exists when a new name belongs to a
// mailbox that does not move.
Result<RenamePlan> plan_rename(const RenamePaths& paths, const std::vector<Mailbox>& mailboxes);

}  // namespace eider::store
