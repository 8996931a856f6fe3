// What the user and address routes share: loading the route's :user (and
// turning store records into WildDuck's JSON), tags given as a list or a
// comma-separated text, and listing cursors.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/router.h"
#include "store/store.h"

namespace eider::api {

namespace json = boost::json;

class Validated;

// The user the id `text` names, or the 404 UserNotFound reply: for an id
// of no user, a mismatching creation time, or a deleted user (unless
// `deleted_too`).
struct LoadedUser {
  std::optional<store::User> user;
  std::optional<Reply> refusal;
};
boost::asio::awaitable<LoadedUser> load_user(Context& ctx, std::string_view text,
                                             bool deleted_too = false);

// The user's id as the API writes it.
std::string user_id(const store::User& user);
std::string address_id(const store::Address& address);

json::array string_array(const std::vector<std::string>& values);

// Tags from a JSON array of strings or from a comma-separated string.
std::vector<std::string> tag_list(const json::value& value);

// A listing cursor ("next"/"previous") as the API writes it: the id of the
// item the page ends at.
std::string cursor_text(int64_t created, int64_t key);
// The cursor an id text names, or nullopt for a malformed one.
std::optional<store::ListCursor> parse_cursor(std::string_view text);

// Sets query.after from `next` or query.before from `previous` (as given
// in `input`); the 400 reply for a malformed one.
std::optional<Reply> read_cursors(const Validated& input, store::ListQuery& query);

// WildDuck's nextCursor and previousCursor (each a cursor text or false)
// for a page the query gave.
struct PageCursors {
  json::value previous = false;
  json::value next = false;
};
template <typename T>
PageCursors page_cursors(const store::ListQuery& query, const store::Page<T>& page) {
  PageCursors out;
  if (page.items.empty()) return out;
  const bool backward = query.before.has_value();
  if (backward ? page.more : query.after.has_value()) {
    out.previous = cursor_text(page.items.front().created, page.items.front().id);
  }
  if (backward || page.more)
    out.next = cursor_text(page.items.back().created, page.items.back().id);
  return out;
}

}  // namespace eider::api
