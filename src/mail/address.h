// Recipient lookup for LMTP (the addresses' normal form: mime/address.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "store/store.h"

namespace eider::mail {

// The user who receives mail for `recipient`: the exact address, else the
// address without its "+tag" (plus-addressing), else the domain's catch-all
// "*@domain"; when none exists and the domain is a domain alias, the same
// in the domain it aliases. Addresses of disabled or deleted users and
// forwarded addresses count as none. Code::not_found when none exists.
Result<int64_t> resolve_address(store::Store& store, std::string_view recipient);

}  // namespace eider::mail
