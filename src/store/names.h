// The store's normal forms for names, shared by every backend. The mail
// layer does the protocol-level work (IDN, modified UTF-7); these only make
// the store's unique keys safe against case variants.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace eider::store {

// Lowercased; invalid_argument when empty or holding whitespace/control bytes.
Result<std::string> normalize_user_name(std::string_view name);
// "INBOX" in upper case whatever the case given (also as the first level of
// a hierarchy); invalid_argument for an empty path, an empty level ("a//b",
// "/a", "a/") or control bytes.
Result<std::string> normalize_path(std::string_view path);
// invalid_argument unless "" or one of RFC 6154's attributes.
Status check_special_use(std::string_view special_use);

}  // namespace eider::store
