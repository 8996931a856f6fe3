// Mail addresses: the one form an address is stored and looked up in.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace eider::mime {

// The local part lowercased (Unicode-aware), the domain mapped by UTS #46 to
// its Unicode form, so "Bob@XN--BCHER-KVA.Example" and "bob@Bücher.example"
// both become "bob@bücher.example". A trailing dot on the domain is dropped;
// an address literal ("[IPv6:2001:DB8::1]") is lowercased as ASCII. "*@domain"
// (a catch-all) keeps its "*". Code::invalid_argument for anything that is
// not "local@domain" (split at the last '@') of at most 512 bytes of valid
// UTF-8 with no spaces or control characters.
Result<std::string> normalize_address(std::string_view address);

}  // namespace eider::mime
