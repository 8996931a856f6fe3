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

// ---- Accounts: one implementation for `eider user ...` and the HTTP API.

// What the configuration says about new accounts.
struct AccountSettings {
  // A user created without an address gets <username>@<default_domain>.
  std::string default_domain;
  // The mailboxes a new user gets (empty: the store's default set).
  std::vector<store::MailboxTemplate> mailboxes;
};

// `default-domain` (the host name when "") and `new-user-mailboxes`
// ("INBOX, Drafts:\\Drafts, ...": paths, each with ":" and its special use
// when it has one) as AccountSettings; Code::invalid_argument for a bad list.
Result<AccountSettings> account_settings(std::string_view default_domain,
                                         std::string_view mailboxes);

struct NewAccount {
  std::string username;
  // The password in plain text, or with `hashed` an imported hash (see
  // core::is_importable_hash); "" = none: the user cannot log in.
  std::string password;
  bool hashed = false;
  // The first is the main address. Empty: <username>@<default-domain>,
  // unless `no_address`.
  std::vector<std::string> addresses;
  bool no_address = false;
  std::string name;
  std::vector<std::string> tags;
  store::Quota quota;
  int64_t retention = 0;  // milliseconds
};

// Creates the account with its mailboxes and addresses, all or nothing:
// Code::already_exists when the name or an address is taken,
// invalid_argument for a bad name, address or imported hash.
Result<store::User> create_account(store::Store& store, const NewAccount& account,
                                   const AccountSettings& settings);

struct AccountChange {
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> tags;
  std::optional<int64_t> retention;
  std::optional<uint64_t> quota_bytes;
  std::optional<uint64_t> quota_messages;
  std::optional<std::string> password;  // plain text (or an imported hash with `hashed`)
  bool hashed = false;
  std::optional<bool> disabled;
};

// Applies the change. A new password is the caller's cue to revoke the
// user's other API tokens. Code::not_found for an unknown user.
Result<store::User> update_account(store::Store& store, int64_t user_id,
                                   const AccountChange& change);

// Deletes the user and all their mail now (delete_after 0), or marks them
// deleted until `delete_after` (unix seconds, in the future): they can
// neither log in nor receive mail, are left out of listings, and
// restore_account brings them back until sweep_deleted_accounts deletes
// them. Code::not_found for an unknown user.
Status delete_account(store::Store& store, int64_t user_id, int64_t delete_after);
// Code::not_found unless the user is marked deleted.
Result<store::User> restore_account(store::Store& store, int64_t user_id);
// Deletes every user whose delete_after has passed; returns how many.
Result<size_t> sweep_deleted_accounts(store::Store& store, int64_t now);

// A user that can log in or receive mail: not disabled, not deleted.
bool account_active(const store::User& user);

// The user named by `name_or_address`: a user name, else (with an '@') an
// address of theirs, directly or through a domain alias. Deleted users are
// not found. Code::not_found otherwise.
Result<store::User> resolve_account(store::Store& store, std::string_view name_or_address);

// Recounts the user's storage and message use from their messages;
// returns the storage used before and after.
struct Recount {
  uint64_t previous_storage = 0;
  store::User user;
};
Result<Recount> recount_quota(store::Store& store, int64_t user_id);

// Sets a generated password (16 characters, letters and digits) and
// returns it.
Result<std::string> reset_password(store::Store& store, int64_t user_id);

// A user's address, Code::not_found when the id is another user's.
Result<store::Address> user_address(store::Store& store, int64_t user_id, int64_t address_id);

// The address row for `address`, exactly or through a domain alias.
Result<store::Address> resolve_address_row(store::Store& store, std::string_view address);

// A domain in its stored form (as mime::normalize_address gives a domain:
// lowercase, IDN in Unicode). Code::invalid_argument for no domain.
Result<std::string> normalize_domain(std::string_view domain);

// Creates the alias (both domains normalised); Code::already_exists when
// the alias exists, invalid_argument when alias and domain are the same.
Result<store::DomainAlias> create_domain_alias(store::Store& store, std::string_view alias,
                                               std::string_view domain);

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
