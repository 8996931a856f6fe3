// Message flags as every backend stores them: system flags in their
// canonical case, keywords as first given, compared without regard to ASCII
// case, kept as one space-separated string (docs/formats.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/store.h"

namespace eider::store {

// Canonical spelling for system flags ("\\SEEN" => "\\Seen"), duplicates
// dropped (first spelling kept). Code::invalid_argument for an empty flag or
// one holding a space, a control character or a parenthesis.
Result<std::vector<std::string>> normalize_flags(const std::vector<std::string>& flags);

// The flags after applying `mode` with already normalised `change`.
std::vector<std::string> apply_flags(const std::vector<std::string>& current, FlagMode mode,
                                     const std::vector<std::string>& change);

// True when both hold the same flags, in any order.
bool same_flags(const std::vector<std::string>& a, const std::vector<std::string>& b);

// Sorts a flag change over `current` (the messages asked for, ascending, as
// stored): those whose modseq is above `unchanged_since` go to `modified`
// untouched (RFC 7162 3.1.3), those whose flags `mode` with `change` would
// alter go to `changed` with their new flags (modseq still the old one:
// the backend gives each its new one), the rest are dropped.
ConditionalFlags plan_flag_changes(std::vector<MessageInfo> current, FlagMode mode,
                                   const std::vector<std::string>& change,
                                   std::optional<uint64_t> unchanged_since);

// Whether `flag` is a keyword ("$Forwarded", "Work") rather than a flag
// named with a backslash ("\\Seen").
inline bool is_keyword(std::string_view flag) {
  return !flag.empty() && flag[0] != '\\';
}

std::string join_flags(const std::vector<std::string>& flags);
std::vector<std::string> split_flags(std::string_view joined);

}  // namespace eider::store
