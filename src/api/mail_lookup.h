// Shared by the mailbox, message and event routes: finding the user and mailbox a
// path names, with the checks every such route makes (the id's creation
// time matches, the mailbox is the user's), so that an id of another
// user's object is "not found" like a missing one and nothing leaks.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "api/auth.h"  // user_created
#include "api/http.h"
#include "api/router.h"
#include "store/store.h"

namespace eider::api {

std::string mailbox_id(const store::Mailbox& mailbox);

// The user `text` (an id) names, or the reply to give: 404 UserNotFound
// (api/accounts.h load_user: a user pending deletion is not found either).
boost::asio::awaitable<std::variant<store::User, Reply>> find_user(Context& ctx,
                                                                   std::string_view text);

// The mailbox `text` (an id) names among the user's, or the reply to give:
// 404 with `code` ("NoSuchMailbox", or WildDuck's "NONEXISTENT" for
// updates).
boost::asio::awaitable<std::variant<store::Mailbox, Reply>> find_mailbox(
    Context& ctx, int64_t user_id, std::string_view text, std::string_view code = "NoSuchMailbox");

// 404 NoSuchMailbox with WildDuck's text.
Reply no_such_mailbox();

// A mailbox special-use as the API shows it ("\\Sent"), or null.
boost::json::value special_use_value(const store::Mailbox& mailbox);

}  // namespace eider::api
