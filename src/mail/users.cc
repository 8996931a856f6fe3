#include "mail/users.h"

#include <unistd.h>

#include <climits>

#include "core/ascii.h"
#include "core/password.h"
#include "mime/address.h"
#include "store/accounts.h"

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

// The password hash to store: a fresh argon2id hash, an imported hash as
// given, or "" (no password: nothing verifies against it).
Result<std::string> password_hash(const std::string& password, bool hashed) {
  if (hashed) {
    if (!core::is_importable_hash(password)) {
      return error(Code::invalid_argument, "unsupported or malformed password hash");
    }
    return password;
  }
  if (password.empty()) return std::string();
  return core::hash_password(password);
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

std::string host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace

Result<AccountSettings> account_settings(std::string_view default_domain,
                                         std::string_view mailboxes) {
  AccountSettings settings;
  Result<std::string> domain =
      normalize_domain(default_domain.empty() ? host_name() : std::string(default_domain));
  if (!domain) {
    return error(Code::invalid_argument,
                 "default-domain: not a domain: " + std::string(default_domain));
  }
  settings.default_domain = *domain;
  size_t start = 0;
  while (start <= mailboxes.size()) {
    size_t end = mailboxes.find(',', start);
    if (end == std::string_view::npos) end = mailboxes.size();
    std::string_view item = trim(mailboxes.substr(start, end - start));
    start = end + 1;
    if (item.empty()) continue;
    size_t colon = item.rfind(':');
    store::MailboxTemplate mailbox;
    if (colon != std::string_view::npos && colon + 1 < item.size() && item[colon + 1] == '\\') {
      mailbox.path = std::string(trim(item.substr(0, colon)));
      mailbox.special_use = std::string(trim(item.substr(colon + 1)));
    } else {
      mailbox.path = std::string(item);
    }
    settings.mailboxes.push_back(std::move(mailbox));
  }
  Result<std::vector<store::MailboxTemplate>> checked =
      store::new_user_mailboxes(settings.mailboxes);
  if (!checked)
    return error(Code::invalid_argument, "new-user-mailboxes: " + checked.status().message());
  settings.mailboxes = std::move(*checked);
  return settings;
}

Result<store::User> create_account(store::Store& store, const NewAccount& account,
                                   const AccountSettings& settings) {
  Result<std::string> hash = password_hash(account.password, account.hashed);
  if (!hash) return hash.status();
  store::NewUser user;
  user.name = account.username;
  user.password_hash = std::move(*hash);
  user.addresses = account.addresses;
  if (user.addresses.empty() && !account.no_address) {
    user.addresses.push_back(core::ascii_lowercase(account.username) + "@" +
                             settings.default_domain);
  }
  user.quota = account.quota;
  user.display_name = account.name;
  user.tags = account.tags;
  user.retention = account.retention;
  user.mailboxes = settings.mailboxes;
  return store.create_account(user);
}

Result<store::User> update_account(store::Store& store, int64_t user_id,
                                   const AccountChange& change) {
  store::UserChange update;
  if (change.password) {
    Result<std::string> hash = password_hash(*change.password, change.hashed);
    if (!hash) return hash.status();
    update.password_hash = std::move(*hash);
  }
  update.display_name = change.name;
  update.tags = change.tags;
  update.retention = change.retention;
  update.quota_bytes = change.quota_bytes;
  update.quota_messages = change.quota_messages;
  update.disabled = change.disabled;
  if (change.disabled.value_or(false)) {
    // A disabled account's API tokens end with it.
    EIDER_RETURN_IF_ERROR(store.delete_user_api_tokens(user_id, "").status());
  }
  return store.update_user(user_id, update);
}

Status delete_account(store::Store& store, int64_t user_id, int64_t delete_after) {
  Result<store::User> user = store.find_user_by_id(user_id);
  if (!user) return user.status();
  // The user's API tokens end with the account (a restored user logs in again).
  EIDER_RETURN_IF_ERROR(store.delete_user_api_tokens(user_id, "").status());
  if (delete_after <= 0) return store.delete_user(user->name);
  store::UserChange change;
  change.delete_after = delete_after;
  return store.update_user(user_id, change).status();
}

Result<store::User> restore_account(store::Store& store, int64_t user_id) {
  Result<store::User> user = store.find_user_by_id(user_id);
  if (!user) return user.status();
  if (user->delete_after == 0) return error(Code::not_found, "user is not deleted");
  store::UserChange change;
  change.delete_after = 0;
  return store.update_user(user_id, change);
}

Result<size_t> sweep_deleted_accounts(store::Store& store, int64_t now) {
  Result<std::vector<store::User>> due = store.users_to_delete(now);
  if (!due) return due.status();
  size_t deleted = 0;
  for (const store::User& user : *due) {
    Status status = store.delete_user(user.name);
    if (!status && status.code() != Code::not_found) return status;
    if (status) ++deleted;
  }
  return deleted;
}

bool account_active(const store::User& user) {
  return !user.disabled && user.delete_after == 0;
}

Result<store::User> resolve_account(store::Store& store, std::string_view name_or_address) {
  Result<store::User> user = store.find_user(name_or_address);
  if (user.is_ok() || user.status().code() != Code::not_found ||
      name_or_address.find('@') == std::string_view::npos) {
    if (user && user->delete_after != 0) return error(Code::not_found, "no such user");
    return user;
  }
  Result<store::Address> address = resolve_address_row(store, name_or_address);
  if (!address) {
    if (address.status().code() == Code::invalid_argument) {
      return error(Code::not_found, "no such user");
    }
    return address.status();
  }
  if (address->forwarded()) return error(Code::not_found, "no such user");
  user = store.find_user_by_id(address->user_id);
  if (user && user->delete_after != 0) return error(Code::not_found, "no such user");
  return user;
}

Result<Recount> recount_quota(store::Store& store, int64_t user_id) {
  Result<store::User> before = store.find_user_by_id(user_id);
  if (!before) return before.status();
  Result<store::User> after = store.recount_usage(user_id);
  if (!after) return after.status();
  return Recount{before->storage_used, std::move(*after)};
}

Result<std::string> reset_password(store::Store& store, int64_t user_id) {
  Result<std::string> password = core::generate_password(16);
  if (!password) return password.status();
  AccountChange change;
  change.password = *password;
  Result<store::User> user = update_account(store, user_id, change);
  if (!user) return user.status();
  return password;
}

Result<store::Address> user_address(store::Store& store, int64_t user_id, int64_t address_id) {
  Result<store::Address> address = store.find_address_by_id(address_id);
  if (address && address->user_id != user_id) return error(Code::not_found, "no such address");
  return address;
}

Result<store::Address> resolve_address_row(store::Store& store, std::string_view text) {
  Result<std::string> normalized = mime::normalize_address(text);
  if (!normalized) return normalized.status();
  Result<store::Address> found = store.lookup_address(*normalized);
  if (found.is_ok() || found.status().code() != Code::not_found) return found;
  const size_t at = normalized->rfind('@');
  Result<store::DomainAlias> alias = store.find_domain_alias(normalized->substr(at + 1));
  if (!alias) return alias.status().code() == Code::not_found ? found : alias.status();
  return store.lookup_address(normalized->substr(0, at + 1) + alias->domain);
}

Result<std::string> normalize_domain(std::string_view domain) {
  if (domain.empty() || domain.find('@') != std::string_view::npos) {
    return error(Code::invalid_argument, "not a domain: " + std::string(domain));
  }
  Result<std::string> address = mime::normalize_address("x@" + std::string(domain));
  if (!address) return error(Code::invalid_argument, "not a domain: " + std::string(domain));
  return address->substr(2);
}

Result<store::DomainAlias> create_domain_alias(store::Store& store, std::string_view alias,
                                               std::string_view domain) {
  Result<std::string> from = normalize_domain(alias);
  if (!from) return from.status();
  Result<std::string> to = normalize_domain(domain);
  if (!to) return to.status();
  if (*from == *to) return error(Code::invalid_argument, "a domain cannot alias itself");
  return store.create_domain_alias(*from, *to);
}

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
  Result<store::User> user = resolve_account(store, name);
  if (!user) {
    if (user.status().code() != Code::not_found) return user.status();
    return std::optional<store::User>();
  }
  // A disabled account fails as an unknown one does (after the decoy hash).
  if (!account_active(*user)) return std::optional<store::User>();
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
