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
// "*@domain". Code::not_found when none exists.
Result<int64_t> resolve_address(store::Store& store, std::string_view recipient);

}  // namespace eider::mail
