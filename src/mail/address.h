// Mail addresses: one normal form, and recipient lookup for LMTP.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "store/store.h"

namespace eider::mail {

// The one form an address is stored and looked up in: the local part
// lowercased (Unicode-aware), the domain mapped by UTS #46 to its Unicode
// form, so "Bob@XN--BCHER-KVA.Example" and "bob@Bücher.example" both become
// "bob@bücher.example". A trailing dot on the domain is dropped. "*@domain"
// (a catch-all) keeps its "*". Code::invalid_argument for anything that is
// not "local@domain" with valid UTF-8 and no spaces or control characters.
Result<std::string> normalize_address(std::string_view address);

// The user who receives mail for `recipient`: the exact address, else the
// address without its "+tag" (plus-addressing), else the domain's catch-all
// "*@domain". Code::not_found when none exists.
Result<int64_t> resolve_address(store::Store& store, std::string_view recipient);

}  // namespace eider::mail
