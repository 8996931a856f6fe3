#include "api/auth.h"

#include <openssl/crypto.h>

#include <chrono>

#include "api/ids.h"
#include "api/reply.h"
#include "core/ascii.h"
#include "mail/api_tokens.h"
#include "mime/sha256.h"
#include "store/executor.h"

namespace eider::api {
namespace {

// Compares digests, not the texts, so neither the time nor an early
// length mismatch says how much of the admin token a guess got right.
bool same_secret(std::string_view given, std::string_view secret) {
  const std::string a = mime::sha256(given);
  const std::string b = mime::sha256(secret);
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Caller admin_caller() {
  Caller caller;
  caller.admin = true;
  return caller;
}

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct TokenUser {
  store::ApiToken token;
  store::User user;
};

}  // namespace

int64_t user_created(const store::User& /*user*/) {
  // The store keeps no creation time for users yet (api-users adds it);
  // until then every user id starts with 00000000.
  return 0;
}

std::optional<std::string> take_token(Request& request) {
  std::optional<std::string> token;
  for (auto it = request.query.begin(); it != request.query.end();) {
    if (it->first == "accessToken") {
      if (!token) token = it->second;
      it = request.query.erase(it);
    } else {
      ++it;
    }
  }
  if (token) return token;
  if (std::optional<std::string_view> header = request.header("x-access-token")) {
    return std::string(*header);
  }
  if (std::optional<std::string_view> header = request.header("authorization")) {
    if (core::istarts_with(*header, "bearer ")) {
      return std::string(core::trim_wsp(header->substr(7)));
    }
  }
  return std::nullopt;
}

boost::asio::awaitable<std::variant<Caller, Reply>> identify(
    const std::optional<std::string>& token, const Services& services) {
  const std::string& admin = services.settings.admin_token;
  if (!token || token->empty()) {
    if (admin.empty()) co_return admin_caller();
    co_return invalid_token();
  }
  if (!admin.empty() && same_secret(*token, admin)) co_return admin_caller();
  store::Store& store = services.store;
  const std::string given = *token;
  Result<TokenUser> found = co_await services.executor.run([&store, &given]() -> Result<TokenUser> {
    Result<store::ApiToken> record = mail::check_api_token(store, given, now_seconds());
    if (!record) return record.status();
    Result<store::User> user = store.find_user_by_id(record->user_id);
    if (!user) return user.status();
    return TokenUser{*record, std::move(*user)};
  });
  if (!found) {
    if (found.status().code() == Code::not_found) co_return invalid_token();
    co_return from_status(found.status());
  }
  Caller caller;
  caller.user_id = found->user.id;
  caller.user_created = user_created(found->user);
  caller.token_hash = mail::api_token_hash(given);
  co_return caller;
}

std::optional<Reply> check_access(Access access, const Caller& caller,
                                  std::vector<std::pair<std::string, std::string>>& params) {
  switch (access) {
    case Access::open:
    case Access::token:
      return std::nullopt;
    case Access::admin:
      if (caller.admin) return std::nullopt;
      return missing_privileges();
    case Access::user:
      if (caller.admin) return std::nullopt;
      for (auto& [name, value] : params) {
        if (name != "user") continue;
        if (value == "me") {
          value = encode_id(caller.user_created, caller.user_id);
          return std::nullopt;
        }
        std::optional<DecodedId> id = decode_id(value);
        if (id && id->key == caller.user_id) return std::nullopt;
        return missing_privileges();
      }
      return missing_privileges();
  }
  return missing_privileges();
}

}  // namespace eider::api
