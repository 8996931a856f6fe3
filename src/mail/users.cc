#include "mail/users.h"

#include "core/password.h"

namespace eider::mail {
namespace {

Status name_not_found(const Status& status, std::string_view name) {
  if (status.code() == Code::not_found) {
    return error(Code::not_found, "no such user: " + std::string(name));
  }
  return status;
}

// A valid argon2id hash of a random password: verifying against it costs as
// much as a real check, so a missing user is not told apart by timing.
const std::string& decoy_hash() {
  static const std::string hash = [] {
    Result<std::string> made = core::hash_password("eider decoy password");
    return made ? *made : std::string();
  }();
  return hash;
}

}  // namespace

Result<store::User> add_user(store::Store& store, std::string_view name, std::string_view password,
                             const std::vector<std::string>& addresses, const store::Quota& quota) {
  Result<std::string> hash = core::hash_password(password);
  if (!hash) return hash.status();
  return store.create_user(name, *hash, addresses, quota);
}

Status set_quota(store::Store& store, std::string_view name, std::optional<uint64_t> bytes,
                 std::optional<uint64_t> messages) {
  Result<store::User> user = store.find_user(name);
  if (!user) return name_not_found(user.status(), name);
  store::Quota quota{bytes.value_or(user->quota_bytes), messages.value_or(user->quota_messages)};
  return name_not_found(store.set_quota(name, quota), name);
}

Status set_password(store::Store& store, std::string_view name, std::string_view password) {
  Result<std::string> hash = core::hash_password(password);
  if (!hash) return hash.status();
  return name_not_found(store.set_password_hash(name, *hash), name);
}

Status delete_user(store::Store& store, std::string_view name) {
  return name_not_found(store.delete_user(name), name);
}

Result<std::vector<UserSummary>> list_users(store::Store& store) {
  Result<std::vector<store::User>> users = store.list_users();
  if (!users) return users.status();
  std::vector<UserSummary> summaries;
  for (store::User& user : *users) {
    Result<std::vector<std::string>> addresses = store.list_addresses(user.id);
    if (!addresses) return addresses.status();
    summaries.push_back({std::move(user), std::move(*addresses)});
  }
  return summaries;
}

Result<store::User> authenticate(store::Store& store, std::string_view name,
                                 std::string_view password) {
  Result<std::optional<store::User>> user = find_login_user(store, name);
  if (!user) return user.status();
  return check_login(std::move(*user), password);
}

Result<std::optional<store::User>> find_login_user(store::Store& store, std::string_view name) {
  Result<store::User> user = store.find_user(name);
  if (!user) {
    if (user.status().code() != Code::not_found) return user.status();
    return std::optional<store::User>();
  }
  return std::optional<store::User>(std::move(*user));
}

Result<store::User> check_login(std::optional<store::User> user, std::string_view password) {
  if (!user) {
    (void)core::verify_password(password, decoy_hash());
    return error(Code::auth_failed, "authentication failed");
  }
  if (!core::verify_password(password, user->password_hash)) {
    return error(Code::auth_failed, "authentication failed");
  }
  return std::move(*user);
}

}  // namespace eider::mail
