// The HTTP API's user tokens (POST /authenticate): issuing, checking and
// revoking them. A token is 40 random lowercase hex characters, as
// WildDuck's; the store keeps only its SHA-256 (store::Store's api_token
// calls), so a leaked database gives no usable token. Calls block on the
// store: run them on a store thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "store/store.h"

namespace eider::mail {

// The hash the store keys a token by: SHA-256, 64 lowercase hex characters.
std::string api_token_hash(std::string_view token);

// A new token for the user, valid for `ttl_seconds` from `now`; the token
// itself is returned once and never stored.
Result<std::string> issue_api_token(store::Store& store, int64_t user_id, int64_t now,
                                    uint64_t ttl_seconds);

// The token's record when it is well-formed, unexpired at `now` and its
// user exists; else Code::not_found (or the store's failure).
Result<store::ApiToken> check_api_token(store::Store& store, std::string_view token, int64_t now);

// Revokes every token of the user except the one whose hash is
// `except_hash` ("" revokes all): a password change keeps the caller's own
// token and ends the others. Returns how many went.
Result<uint64_t> revoke_user_tokens(store::Store& store, int64_t user_id,
                                    std::string_view except_hash);

// The user that POST /authenticate names: by user name, or by any of the
// user's addresses when `name` has an '@'. nullopt when there is none (so
// the caller hashes against a decoy, as for any unknown login).
Result<std::optional<store::User>> find_api_login_user(store::Store& store, std::string_view name);

}  // namespace eider::mail
