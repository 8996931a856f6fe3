// User accounts: what `eider user ...`, the HTTP API and login share.
#pragma once

#include <cstdint>
#include <optional>
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
// mailboxes, and `addresses` in their normal form (mime/address.h).
// Code::already_exists when the name or an address is taken; nothing is
// created then. A limit of 0 in `quota` means unlimited.
Result<store::User> add_user(store::Store& store, std::string_view name, std::string_view password,
                             const std::vector<std::string>& addresses, const store::Quota& quota);

// Sets the limits that are given and keeps the others (0 = unlimited).
// Mail already stored stays when it is over the new limits; only new mail
// is refused. Code::not_found for an unknown user.
Status set_quota(store::Store& store, std::string_view name, std::optional<uint64_t> bytes,
                 std::optional<uint64_t> messages);

Status set_password(store::Store& store, std::string_view name, std::string_view password);

// Deletes the user and all their mail. Code::not_found for an unknown user.
Status delete_user(store::Store& store, std::string_view name);

// Every user with their addresses, in the store's order.
Result<std::vector<UserSummary>> list_users(store::Store& store);

// The user when `password` matches, else Code::auth_failed (also for an
// unknown user, after the same hashing work, so the two look alike).
Result<store::User> authenticate(store::Store& store, std::string_view name,
                                 std::string_view password);

// authenticate() in its two steps, for callers that run them on different
// threads: the lookup on a store thread, the hash on a bounded pool.
// find_login_user gives the user, or nullopt for an unknown one;
// check_login then verifies `password` against the user's hash, or against
// a decoy hash of the same cost for nullopt, and gives the user or
// Code::auth_failed.
Result<std::optional<store::User>> find_login_user(store::Store& store, std::string_view name);
Result<store::User> check_login(std::optional<store::User> user, std::string_view password);

}  // namespace eider::mail
