// Mailbox names as the mail layer accepts them from any protocol.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace eider::mail {

// Longest mailbox path, and longest level of it, in bytes.
inline constexpr size_t kMaxMailboxPathBytes = 1024;
inline constexpr size_t kMaxMailboxLevelBytes = 255;

// The stored form of a "/"-separated mailbox path: "INBOX" upper case as the
// first level. Code::invalid_argument for an empty path, an empty level
// ("a//b", "/a", "a/"), control characters, invalid UTF-8, the IMAP
// wildcards '*' and '%', or a path or level over the length limits.
Result<std::string> normalize_mailbox_path(std::string_view path);

}  // namespace eider::mail
