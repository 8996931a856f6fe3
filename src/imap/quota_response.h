// QUOTA (RFC 9208) responses: one quota root, "", per user, holding every
// mailbox of the user, with the resources STORAGE and MESSAGE.
//
// Numbers come from the store's exact counters (store::User). STORAGE is in
// units of 1024 octets (RFC 9208 5.1) of the messages as delivered (what
// the store counts against quota_bytes), usage and limit both rounded up:
// rounding up is monotonic, so the usage shown is above the limit shown
// only when the bytes are. MESSAGE counts the messages of every mailbox.
// A resource without a limit is left out; a user with no limit at all has
// no quota root (RFC 9208 allows a mailbox with none, and a QUOTA response
// needs at least one resource).
#pragma once

#include <string>
#include <string_view>

#include "store/store.h"

namespace eider::imap {

// The name of the one quota root a user may have.
inline constexpr std::string_view kQuotaRoot = "";

bool has_quota_root(const store::User& user);

// Bytes in units of 1024 octets, rounded up (STORAGE, DELETED-STORAGE).
uint64_t kibibytes_rounded_up(uint64_t bytes);

// `* QUOTA "" (STORAGE used limit MESSAGE used limit)\r\n` with the limited
// resources, or "" when the user has no quota root.
std::string quota_response(const store::User& user);

// `* QUOTAROOT mailbox ""\r\n` (no root when the user has no limit), the
// mailbox name as the client wrote it.
std::string quota_root_response(std::string_view wire_mailbox, const store::User& user);

}  // namespace eider::imap
