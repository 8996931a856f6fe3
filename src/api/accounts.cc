#include "api/accounts.h"

#include "api/ids.h"
#include "api/reply.h"
#include "api/validate.h"
#include "store/accounts.h"
#include "store/executor.h"

namespace eider::api {

boost::asio::awaitable<LoadedUser> load_user(Context& ctx, std::string_view text,
                                             bool deleted_too) {
  LoadedUser out;
  std::optional<DecodedId> id = decode_id(text);
  if (!id) {
    out.refusal = user_not_found();
    co_return out;
  }
  store::Store& store = ctx.services.store;
  const int64_t key = id->key;
  Result<store::User> user =
      co_await ctx.services.executor.run([&store, key] { return store.find_user_by_id(key); });
  if (!user) {
    out.refusal =
        user.status().code() == Code::not_found ? user_not_found() : from_status(user.status());
    co_return out;
  }
  if (!id_matches(*id, user->created, user->id) || (user->delete_after != 0 && !deleted_too)) {
    out.refusal = user_not_found();
    co_return out;
  }
  out.user = std::move(*user);
  co_return out;
}

std::string user_id(const store::User& user) {
  return encode_id(user.created, user.id);
}

std::string address_id(const store::Address& address) {
  return encode_id(address.created, address.id);
}

json::array string_array(const std::vector<std::string>& values) {
  json::array out;
  for (const std::string& value : values) out.emplace_back(value);
  return out;
}

std::vector<std::string> tag_list(const json::value& value) {
  std::vector<std::string> tags;
  if (value.is_array()) {
    for (const json::value& item : value.as_array()) {
      if (item.is_string()) tags.emplace_back(item.as_string());
    }
  } else if (value.is_string()) {
    std::string_view text = value.as_string();
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find(',', start);
      if (end == std::string_view::npos) end = text.size();
      tags.emplace_back(text.substr(start, end - start));
      start = end + 1;
    }
  }
  return store::normalize_tags(tags);
}

std::string cursor_text(int64_t created, int64_t key) {
  return encode_id(created, key);
}

std::optional<store::ListCursor> parse_cursor(std::string_view text) {
  std::optional<DecodedId> id = decode_id(text);
  if (!id) return std::nullopt;
  return store::ListCursor{id->created, id->key};
}

std::optional<Reply> read_cursors(const Validated& input, store::ListQuery& query) {
  for (std::string_view name : {"next", "previous"}) {
    if (!input.has(name)) continue;
    std::optional<store::ListCursor> cursor = parse_cursor(input.text(name));
    if (!cursor) {
      json::object details;
      details[name] = "\"" + std::string(name) + "\" is an invalid cursor";
      return validation_failed("\"" + std::string(name) + "\" is an invalid cursor",
                               std::move(details));
    }
    (name == "next" ? query.after : query.before) = *cursor;
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace eider::api
