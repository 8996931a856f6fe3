// User accounts: what `eider user ...`, the HTTP API and login share.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/store.h"

namespace eider::mail {

struct UserSummary {
  store::User user;
  std::vector<std::string> addresses;  // normalised, as stored
};

// Creates the user with an argon2id hash of `password`, their default
// mailboxes, and `addresses` in their normal form (mail/address.h).
// Code::already_exists when the name or an address is taken; nothing is
// created then. quota_bytes 0 means unlimited.
Result<store::User> add_user(store::Store& store, std::string_view name, std::string_view password,
                             const std::vector<std::string>& addresses, uint64_t quota_bytes);

Status set_password(store::Store& store, std::string_view name, std::string_view password);

// Deletes the user and all their mail. Code::not_found for an unknown user.
Status delete_user(store::Store& store, std::string_view name);

// Every user with their addresses, in the store's order.
Result<std::vector<UserSummary>> list_users(store::Store& store);

// The user when `password` matches, else Code::auth_failed (also for an
// unknown user, after the same hashing work, so the two look alike).
Result<store::User> authenticate(store::Store& store, std::string_view name,
                                 std::string_view password);

}  // namespace eider::mail
