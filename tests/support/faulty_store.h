// A Store that delegates to another and fails chosen calls: for the tests of
// the layers above the store (a failed delivery, a flag change lost to a
// full disk) whatever the backend. Faults inside a backend (a commit whose
// fsync fails, a full disk) come from support/faulty_vfs.h for SQLite.
//
// Thread-safe. A call chosen to fail returns the given Status without
// reaching the wrapped store, so nothing of it happens there.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "store/store.h"

namespace eider::store::testing {

enum class StoreCall {
  create_user,
  find_user,
  find_user_by_id,
  list_users,
  delete_user,
  set_password_hash,
  set_quota,
  create_account,
  update_user,
  query_users,
  users_to_delete,
  recount_usage,
  create_address,
  update_address,
  delete_address,
  find_address_by_id,
  lookup_address,
  user_addresses,
  query_addresses,
  create_domain_alias,
  find_domain_alias,
  find_domain_alias_by_id,
  delete_domain_alias,
  query_domain_aliases,
  add_address,
  remove_address,
  list_addresses,
  find_address,
  list_mailboxes,
  find_mailbox,
  create_mailbox,
  rename_mailbox,
  delete_mailbox,
  set_subscribed,
  update_mailbox,
  mailbox_counters,
  list_lost_subscriptions,
  append_message,
  list_messages,
  list_messages_between,
  list_flagged,
  list_flags,
  visit_summaries,
  read_message,
  read_messages,
  claim_recent,
  load_snapshot,
  save_snapshot,
  read_blob,
  copy_messages,
  move_messages,
  expunge_messages,
  store_flags,
  store_flags_unchanged_since,
  list_changed_since,
  journal_since,
  expunged_since,
  trim_journal,
  stats,
  import_mailbox,
  import_messages,
  add_api_token,
  find_api_token,
  delete_api_token,
  delete_user_api_tokens,
};

class FaultyStore final : public Store {
 public:
  explicit FaultyStore(std::shared_ptr<Store> inner) : inner_(std::move(inner)) {}

  // The next `times` calls of `call` fail with `status` (a failed Status).
  void fail(StoreCall call, Status status, int times = 1);
  // Cancels every planned failure.
  void clear();
  // How many times `call` was made (failed or not) since the store was made.
  uint64_t calls(StoreCall call) const;

  Result<User> create_user(std::string_view name, std::string_view password_hash,
                           const std::vector<std::string>& addresses, const Quota& quota) override;
  Result<User> find_user(std::string_view name) override;
  Result<User> find_user_by_id(int64_t user_id) override;
  Result<std::vector<User>> list_users() override;
  Status delete_user(std::string_view name) override;
  Status set_password_hash(std::string_view name, std::string_view password_hash) override;
  Status set_quota(std::string_view name, const Quota& quota) override;
  Result<User> create_account(const NewUser& user) override;
  Result<User> update_user(int64_t user_id, const UserChange& change) override;
  Result<Page<User>> query_users(const ListQuery& query) override;
  Result<std::vector<User>> users_to_delete(int64_t now) override;
  Result<User> recount_usage(int64_t user_id) override;
  Result<Address> create_address(int64_t user_id, const NewAddress& address) override;
  Result<Address> update_address(int64_t address_id, const AddressChange& change) override;
  Status delete_address(int64_t address_id) override;
  Result<Address> find_address_by_id(int64_t address_id) override;
  Result<Address> lookup_address(std::string_view normalized_address) override;
  Result<std::vector<Address>> user_addresses(int64_t user_id) override;
  Result<Page<Address>> query_addresses(const ListQuery& query) override;
  Result<DomainAlias> create_domain_alias(std::string_view alias, std::string_view domain) override;
  Result<DomainAlias> find_domain_alias(std::string_view alias) override;
  Result<DomainAlias> find_domain_alias_by_id(int64_t alias_id) override;
  Status delete_domain_alias(int64_t alias_id) override;
  Result<Page<DomainAlias>> query_domain_aliases(const ListQuery& query) override;

  Status add_address(int64_t user_id, std::string_view address) override;
  Status remove_address(std::string_view address) override;
  Result<std::vector<std::string>> list_addresses(int64_t user_id) override;
  Result<int64_t> find_address(std::string_view normalized_address) override;
  Result<std::vector<Mailbox>> list_mailboxes(int64_t user_id) override;
  Result<Mailbox> find_mailbox(int64_t user_id, std::string_view path) override;
  Result<Mailbox> create_mailbox(int64_t user_id, std::string_view path,
                                 std::string_view special_use) override;
  Result<std::vector<MailboxModseq>> rename_mailbox(int64_t user_id, std::string_view from,
                                                    std::string_view to) override;
  Result<MailboxModseq> delete_mailbox(int64_t user_id, std::string_view path) override;
  Status set_subscribed(int64_t user_id, std::string_view path, bool subscribed) override;
  Status update_mailbox(int64_t user_id, int64_t mailbox_id, const MailboxUpdate& update) override;
  Result<std::vector<MailboxCounters>> mailbox_counters(int64_t user_id) override;
  Result<std::vector<std::string>> list_lost_subscriptions(int64_t user_id) override;
  Result<Appended> append_message(int64_t user_id, int64_t mailbox_id,
                                  const NewMessage& message) override;
  Result<std::vector<MessageInfo>> list_messages(int64_t user_id, int64_t mailbox_id) override;
  Result<std::vector<MessageInfo>> list_messages_between(int64_t user_id, int64_t mailbox_id,
                                                         uint32_t first_uid,
                                                         uint32_t last_uid) override;
  Result<std::vector<MessageInfo>> list_flagged(int64_t user_id, int64_t mailbox_id,
                                                std::string_view system_flag) override;
  Result<FlagListing> list_flags(int64_t user_id, int64_t mailbox_id) override;
  Status visit_summaries(int64_t user_id, int64_t mailbox_id, uint32_t first_uid, uint32_t last_uid,
                         const SummaryVisitor& visit) override;
  Result<StoredMessage> read_message(int64_t user_id, int64_t mailbox_id, uint32_t uid) override;
  Result<std::vector<StoredMessage>> read_messages(int64_t user_id, int64_t mailbox_id,
                                                   const std::vector<uint32_t>& uids,
                                                   bool with_tree) override;
  Result<RecentClaim> claim_recent(int64_t user_id, int64_t mailbox_id) override;
  Result<std::optional<MailboxSnapshot>> load_snapshot(int64_t user_id,
                                                       int64_t mailbox_id) override;
  Status save_snapshot(int64_t user_id, int64_t mailbox_id,
                       const MailboxSnapshot& snapshot) override;
  Result<std::string> read_blob(const mime::BlobKey& key) override;
  Result<Copied> copy_messages(int64_t user_id, int64_t from_mailbox,
                               const std::vector<uint32_t>& uids, int64_t to_mailbox) override;
  Result<Copied> move_messages(int64_t user_id, int64_t from_mailbox,
                               const std::vector<uint32_t>& uids, int64_t to_mailbox) override;
  Result<Expunged> expunge_messages(int64_t user_id, int64_t mailbox_id,
                                    const std::vector<uint32_t>& uids) override;
  Result<std::vector<MessageInfo>> store_flags(int64_t user_id, int64_t mailbox_id,
                                               const std::vector<uint32_t>& uids, FlagMode mode,
                                               const std::vector<std::string>& flags) override;
  Result<ConditionalFlags> store_flags_unchanged_since(int64_t user_id, int64_t mailbox_id,
                                                       const std::vector<uint32_t>& uids,
                                                       FlagMode mode,
                                                       const std::vector<std::string>& flags,
                                                       uint64_t unchanged_since) override;
  Result<std::vector<MessageInfo>> list_changed_since(int64_t user_id, int64_t mailbox_id,
                                                      uint64_t since) override;
  Result<std::vector<JournalEntry>> journal_since(int64_t user_id, int64_t mailbox_id,
                                                  uint64_t since) override;
  Result<std::vector<uint32_t>> expunged_since(int64_t user_id, int64_t mailbox_id,
                                               uint64_t since) override;
  Result<uint64_t> trim_journal(int64_t now, uint64_t keep_seconds) override;
  Result<Stats> stats() override;

  Result<Mailbox> import_mailbox(int64_t user_id, const Mailbox& mailbox) override;
  Status import_messages(int64_t user_id, int64_t mailbox_id,
                         const std::vector<ImportedMessage>& messages) override;

  Status add_api_token(std::string_view hash, const ApiToken& token) override;
  Result<ApiToken> find_api_token(std::string_view hash, int64_t now) override;
  Status delete_api_token(std::string_view hash) override;
  Result<uint64_t> delete_user_api_tokens(int64_t user_id, std::string_view keep_hash) override;

 private:
  struct Planned {
    Status status;
    int times = 0;
  };

  // The planned failure for this call, consuming one occurrence; ok otherwise.
  Status take(StoreCall call);

  std::shared_ptr<Store> inner_;
  mutable std::mutex mutex_;
  std::map<StoreCall, Planned> planned_;
  std::map<StoreCall, uint64_t> calls_;
};

}  // namespace eider::store::testing
