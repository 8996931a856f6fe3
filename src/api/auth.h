// Who is calling, from the request's token, and whether they may call a
// route (docs/api.md, authentication).
//
// The admin token (`api-token`) comes in X-Access-Token, in
// `Authorization: Bearer`, or as the accessToken query parameter, and is
// compared in constant time. A user token (POST /authenticate) is 40 hex
// characters; the store keeps only its SHA-256, with its user and expiry.
// With no api-token set the API is open: a request without a token is the
// admin's (serve allows that on loopback only), one with a user token is
// that user's.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "api/http.h"
#include "api/router.h"
#include "store/store.h"

namespace eider::api {

// Takes the token out of the request: the accessToken query parameter is
// removed, so no schema sees it. nullopt when there is none.
std::optional<std::string> take_token(Request& request);

// The caller the token names, or the 401 reply (no token when one is
// needed, a wrong, expired or revoked one). Reads the store for a user
// token, on a store thread.
boost::asio::awaitable<std::variant<Caller, Reply>> identify(
    const std::optional<std::string>& token, const Services& services);

// Whether `caller` may call a route with `access` and these path
// parameters; replaces `me` as :user by the caller's own id. A user token
// on another user's route, or on an admin route, is 403 MissingPrivileges
// (never a 404: whether the other id exists does not leak).
std::optional<Reply> check_access(Access access, const Caller& caller,
                                  std::vector<std::pair<std::string, std::string>>& params);

// The creation time (unix seconds) of a user, the first half of its id.
int64_t user_created(const store::User& user);

}  // namespace eider::api
