#include "mail/api_tokens.h"

#include <openssl/rand.h>

#include <algorithm>

#include "mail/users.h"
#include "mime/address.h"
#include "mime/sha256.h"

namespace eider::mail {
namespace {

constexpr std::size_t kTokenBytes = 20;  // 40 hex characters

bool well_formed(std::string_view token) {
  return token.size() == 2 * kTokenBytes && std::all_of(token.begin(), token.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

}  // namespace

std::string api_token_hash(std::string_view token) {
  std::string lower(token);
  // WildDuck accepts a token in either case; one hash for both.
  for (char& c : lower) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return mime::to_hex(mime::sha256(lower));
}

Result<std::string> issue_api_token(store::Store& store, int64_t user_id, int64_t now,
                                    uint64_t ttl_seconds) {
  unsigned char random[kTokenBytes];
  if (RAND_bytes(random, sizeof random) != 1) {
    return error(Code::internal, "no random bytes for a token");
  }
  std::string token =
      mime::to_hex(std::string_view(reinterpret_cast<const char*>(random), sizeof random));
  const uint64_t ttl = std::min<uint64_t>(ttl_seconds, 100ull * 365 * 86400);
  store::ApiToken record{
      .user_id = user_id, .created = now, .expires = now + static_cast<int64_t>(ttl)};
  EIDER_RETURN_IF_ERROR(store.add_api_token(api_token_hash(token), record));
  return token;
}

Result<store::ApiToken> check_api_token(store::Store& store, std::string_view token, int64_t now) {
  if (!well_formed(token)) return error(Code::not_found, "no such token");
  return store.find_api_token(api_token_hash(token), now);
}

Result<uint64_t> revoke_user_tokens(store::Store& store, int64_t user_id,
                                    std::string_view except_hash) {
  return store.delete_user_api_tokens(user_id, except_hash);
}

Result<std::optional<store::User>> find_api_login_user(store::Store& store, std::string_view name) {
  if (name.find('@') == std::string_view::npos) return find_login_user(store, name);
  Result<std::string> address = mime::normalize_address(name);
  if (!address) return std::optional<store::User>();
  Result<int64_t> owner = store.find_address(*address);
  if (!owner) {
    if (owner.status().code() != Code::not_found) return owner.status();
    return std::optional<store::User>();
  }
  Result<store::User> user = store.find_user_by_id(*owner);
  if (!user) {
    if (user.status().code() != Code::not_found) return user.status();
    return std::optional<store::User>();
  }
  return std::optional<store::User>(std::move(*user));
}

}  // namespace eider::mail
