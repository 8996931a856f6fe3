#include "support/faulty_store.h"

namespace eider::store::testing {

void FaultyStore::fail(StoreCall call, Status status, int times) {
  std::lock_guard lock(mutex_);
  planned_[call] = Planned{std::move(status), times};
}

void FaultyStore::clear() {
  std::lock_guard lock(mutex_);
  planned_.clear();
}

uint64_t FaultyStore::calls(StoreCall call) const {
  std::lock_guard lock(mutex_);
  auto it = calls_.find(call);
  return it == calls_.end() ? 0 : it->second;
}

Status FaultyStore::take(StoreCall call) {
  std::lock_guard lock(mutex_);
  ++calls_[call];
  auto it = planned_.find(call);
  if (it == planned_.end() || it->second.times <= 0) return Status::ok();
  --it->second.times;
  return it->second.status;
}

Result<User> FaultyStore::create_user(std::string_view name, std::string_view password_hash,
                                      const std::vector<std::string>& addresses,
                                      const Quota& quota) {
  if (Status planned = take(StoreCall::create_user); !planned) return planned;
  return inner_->create_user(name, password_hash, addresses, quota);
}

Result<User> FaultyStore::find_user(std::string_view name) {
  if (Status planned = take(StoreCall::find_user); !planned) return planned;
  return inner_->find_user(name);
}

Result<User> FaultyStore::find_user_by_id(int64_t user_id) {
  if (Status planned = take(StoreCall::find_user_by_id); !planned) return planned;
  return inner_->find_user_by_id(user_id);
}

Result<std::vector<User>> FaultyStore::list_users() {
  if (Status planned = take(StoreCall::list_users); !planned) return planned;
  return inner_->list_users();
}

Status FaultyStore::delete_user(std::string_view name) {
  if (Status planned = take(StoreCall::delete_user); !planned) return planned;
  return inner_->delete_user(name);
}

Status FaultyStore::set_password_hash(std::string_view name, std::string_view password_hash) {
  if (Status planned = take(StoreCall::set_password_hash); !planned) return planned;
  return inner_->set_password_hash(name, password_hash);
}

Status FaultyStore::set_quota(std::string_view name, const Quota& quota) {
  if (Status planned = take(StoreCall::set_quota); !planned) return planned;
  return inner_->set_quota(name, quota);
}

Result<User> FaultyStore::create_account(const NewUser& user) {
  if (Status planned = take(StoreCall::create_account); !planned) return planned;
  return inner_->create_account(user);
}

Result<User> FaultyStore::update_user(int64_t user_id, const UserChange& change) {
  if (Status planned = take(StoreCall::update_user); !planned) return planned;
  return inner_->update_user(user_id, change);
}

Result<Page<User>> FaultyStore::query_users(const ListQuery& query) {
  if (Status planned = take(StoreCall::query_users); !planned) return planned;
  return inner_->query_users(query);
}

Result<std::vector<User>> FaultyStore::users_to_delete(int64_t now) {
  if (Status planned = take(StoreCall::users_to_delete); !planned) return planned;
  return inner_->users_to_delete(now);
}

Result<User> FaultyStore::recount_usage(int64_t user_id) {
  if (Status planned = take(StoreCall::recount_usage); !planned) return planned;
  return inner_->recount_usage(user_id);
}

Result<Address> FaultyStore::create_address(int64_t user_id, const NewAddress& address) {
  if (Status planned = take(StoreCall::create_address); !planned) return planned;
  return inner_->create_address(user_id, address);
}

Result<Address> FaultyStore::update_address(int64_t address_id, const AddressChange& change) {
  if (Status planned = take(StoreCall::update_address); !planned) return planned;
  return inner_->update_address(address_id, change);
}

Status FaultyStore::delete_address(int64_t address_id) {
  if (Status planned = take(StoreCall::delete_address); !planned) return planned;
  return inner_->delete_address(address_id);
}

Result<Address> FaultyStore::find_address_by_id(int64_t address_id) {
  if (Status planned = take(StoreCall::find_address_by_id); !planned) return planned;
  return inner_->find_address_by_id(address_id);
}

Result<Address> FaultyStore::lookup_address(std::string_view normalized_address) {
  if (Status planned = take(StoreCall::lookup_address); !planned) return planned;
  return inner_->lookup_address(normalized_address);
}

Result<std::vector<Address>> FaultyStore::user_addresses(int64_t user_id) {
  if (Status planned = take(StoreCall::user_addresses); !planned) return planned;
  return inner_->user_addresses(user_id);
}

Result<Page<Address>> FaultyStore::query_addresses(const ListQuery& query) {
  if (Status planned = take(StoreCall::query_addresses); !planned) return planned;
  return inner_->query_addresses(query);
}

Result<DomainAlias> FaultyStore::create_domain_alias(std::string_view alias,
                                                     std::string_view domain) {
  if (Status planned = take(StoreCall::create_domain_alias); !planned) return planned;
  return inner_->create_domain_alias(alias, domain);
}

Result<DomainAlias> FaultyStore::find_domain_alias(std::string_view alias) {
  if (Status planned = take(StoreCall::find_domain_alias); !planned) return planned;
  return inner_->find_domain_alias(alias);
}

Result<DomainAlias> FaultyStore::find_domain_alias_by_id(int64_t alias_id) {
  if (Status planned = take(StoreCall::find_domain_alias_by_id); !planned) return planned;
  return inner_->find_domain_alias_by_id(alias_id);
}

Status FaultyStore::delete_domain_alias(int64_t alias_id) {
  if (Status planned = take(StoreCall::delete_domain_alias); !planned) return planned;
  return inner_->delete_domain_alias(alias_id);
}

Result<Page<DomainAlias>> FaultyStore::query_domain_aliases(const ListQuery& query) {
  if (Status planned = take(StoreCall::query_domain_aliases); !planned) return planned;
  return inner_->query_domain_aliases(query);
}

Status FaultyStore::add_address(int64_t user_id, std::string_view address) {
  if (Status planned = take(StoreCall::add_address); !planned) return planned;
  return inner_->add_address(user_id, address);
}

Status FaultyStore::remove_address(std::string_view address) {
  if (Status planned = take(StoreCall::remove_address); !planned) return planned;
  return inner_->remove_address(address);
}

Result<std::vector<std::string>> FaultyStore::list_addresses(int64_t user_id) {
  if (Status planned = take(StoreCall::list_addresses); !planned) return planned;
  return inner_->list_addresses(user_id);
}

Result<int64_t> FaultyStore::find_address(std::string_view normalized_address) {
  if (Status planned = take(StoreCall::find_address); !planned) return planned;
  return inner_->find_address(normalized_address);
}

Result<std::vector<Mailbox>> FaultyStore::list_mailboxes(int64_t user_id) {
  if (Status planned = take(StoreCall::list_mailboxes); !planned) return planned;
  return inner_->list_mailboxes(user_id);
}

Result<Mailbox> FaultyStore::find_mailbox(int64_t user_id, std::string_view path) {
  if (Status planned = take(StoreCall::find_mailbox); !planned) return planned;
  return inner_->find_mailbox(user_id, path);
}

Result<Mailbox> FaultyStore::create_mailbox(int64_t user_id, std::string_view path,
                                            std::string_view special_use) {
  if (Status planned = take(StoreCall::create_mailbox); !planned) return planned;
  return inner_->create_mailbox(user_id, path, special_use);
}

Result<std::vector<MailboxModseq>> FaultyStore::rename_mailbox(int64_t user_id,
                                                               std::string_view from,
                                                               std::string_view to) {
  if (Status planned = take(StoreCall::rename_mailbox); !planned) return planned;
  return inner_->rename_mailbox(user_id, from, to);
}

Result<MailboxModseq> FaultyStore::delete_mailbox(int64_t user_id, std::string_view path) {
  if (Status planned = take(StoreCall::delete_mailbox); !planned) return planned;
  return inner_->delete_mailbox(user_id, path);
}

Status FaultyStore::set_subscribed(int64_t user_id, std::string_view path, bool subscribed) {
  if (Status planned = take(StoreCall::set_subscribed); !planned) return planned;
  return inner_->set_subscribed(user_id, path, subscribed);
}

Status FaultyStore::update_mailbox(int64_t user_id, int64_t mailbox_id,
                                   const MailboxUpdate& update) {
  if (Status planned = take(StoreCall::update_mailbox); !planned) return planned;
  return inner_->update_mailbox(user_id, mailbox_id, update);
}

Result<std::vector<MailboxCounters>> FaultyStore::mailbox_counters(int64_t user_id) {
  if (Status planned = take(StoreCall::mailbox_counters); !planned) return planned;
  return inner_->mailbox_counters(user_id);
}

Result<std::vector<std::string>> FaultyStore::list_lost_subscriptions(int64_t user_id) {
  if (Status planned = take(StoreCall::list_lost_subscriptions); !planned) return planned;
  return inner_->list_lost_subscriptions(user_id);
}

Result<Appended> FaultyStore::append_message(int64_t user_id, int64_t mailbox_id,
                                             const NewMessage& message) {
  if (Status planned = take(StoreCall::append_message); !planned) return planned;
  return inner_->append_message(user_id, mailbox_id, message);
}

Result<std::vector<MessageInfo>> FaultyStore::list_messages(int64_t user_id, int64_t mailbox_id) {
  if (Status planned = take(StoreCall::list_messages); !planned) return planned;
  return inner_->list_messages(user_id, mailbox_id);
}

Result<std::vector<MessageInfo>> FaultyStore::list_messages_between(int64_t user_id,
                                                                    int64_t mailbox_id,
                                                                    uint32_t first_uid,
                                                                    uint32_t last_uid) {
  if (Status planned = take(StoreCall::list_messages_between); !planned) return planned;
  return inner_->list_messages_between(user_id, mailbox_id, first_uid, last_uid);
}

Result<std::vector<MessageInfo>> FaultyStore::list_flagged(int64_t user_id, int64_t mailbox_id,
                                                           std::string_view system_flag) {
  if (Status planned = take(StoreCall::list_flagged); !planned) return planned;
  return inner_->list_flagged(user_id, mailbox_id, system_flag);
}

Result<FlagListing> FaultyStore::list_flags(int64_t user_id, int64_t mailbox_id) {
  if (Status planned = take(StoreCall::list_flags); !planned) return planned;
  return inner_->list_flags(user_id, mailbox_id);
}

Status FaultyStore::visit_summaries(int64_t user_id, int64_t mailbox_id, uint32_t first_uid,
                                    uint32_t last_uid, const SummaryVisitor& visit) {
  if (Status planned = take(StoreCall::visit_summaries); !planned) return planned;
  return inner_->visit_summaries(user_id, mailbox_id, first_uid, last_uid, visit);
}

Result<StoredMessage> FaultyStore::read_message(int64_t user_id, int64_t mailbox_id, uint32_t uid) {
  if (Status planned = take(StoreCall::read_message); !planned) return planned;
  return inner_->read_message(user_id, mailbox_id, uid);
}

Result<std::vector<StoredMessage>> FaultyStore::read_messages(int64_t user_id, int64_t mailbox_id,
                                                              const std::vector<uint32_t>& uids,
                                                              bool with_tree) {
  if (Status planned = take(StoreCall::read_messages); !planned) return planned;
  return inner_->read_messages(user_id, mailbox_id, uids, with_tree);
}

Result<RecentClaim> FaultyStore::claim_recent(int64_t user_id, int64_t mailbox_id) {
  if (Status planned = take(StoreCall::claim_recent); !planned) return planned;
  return inner_->claim_recent(user_id, mailbox_id);
}

Result<std::optional<MailboxSnapshot>> FaultyStore::load_snapshot(int64_t user_id,
                                                                  int64_t mailbox_id) {
  if (Status planned = take(StoreCall::load_snapshot); !planned) return planned;
  return inner_->load_snapshot(user_id, mailbox_id);
}

Status FaultyStore::save_snapshot(int64_t user_id, int64_t mailbox_id,
                                  const MailboxSnapshot& snapshot) {
  if (Status planned = take(StoreCall::save_snapshot); !planned) return planned;
  return inner_->save_snapshot(user_id, mailbox_id, snapshot);
}

Result<std::string> FaultyStore::read_blob(const mime::BlobKey& key) {
  if (Status planned = take(StoreCall::read_blob); !planned) return planned;
  return inner_->read_blob(key);
}

Result<Copied> FaultyStore::copy_messages(int64_t user_id, int64_t from_mailbox,
                                          const std::vector<uint32_t>& uids, int64_t to_mailbox) {
  if (Status planned = take(StoreCall::copy_messages); !planned) return planned;
  return inner_->copy_messages(user_id, from_mailbox, uids, to_mailbox);
}

Result<Copied> FaultyStore::move_messages(int64_t user_id, int64_t from_mailbox,
                                          const std::vector<uint32_t>& uids, int64_t to_mailbox) {
  if (Status planned = take(StoreCall::move_messages); !planned) return planned;
  return inner_->move_messages(user_id, from_mailbox, uids, to_mailbox);
}

Result<Expunged> FaultyStore::expunge_messages(int64_t user_id, int64_t mailbox_id,
                                               const std::vector<uint32_t>& uids) {
  if (Status planned = take(StoreCall::expunge_messages); !planned) return planned;
  return inner_->expunge_messages(user_id, mailbox_id, uids);
}

Result<std::vector<MessageInfo>> FaultyStore::store_flags(int64_t user_id, int64_t mailbox_id,
                                                          const std::vector<uint32_t>& uids,
                                                          FlagMode mode,
                                                          const std::vector<std::string>& flags) {
  if (Status planned = take(StoreCall::store_flags); !planned) return planned;
  return inner_->store_flags(user_id, mailbox_id, uids, mode, flags);
}

Result<ConditionalFlags> FaultyStore::store_flags_unchanged_since(
    int64_t user_id, int64_t mailbox_id, const std::vector<uint32_t>& uids, FlagMode mode,
    const std::vector<std::string>& flags, uint64_t unchanged_since) {
  if (Status planned = take(StoreCall::store_flags_unchanged_since); !planned) return planned;
  return inner_->store_flags_unchanged_since(user_id, mailbox_id, uids, mode, flags,
                                             unchanged_since);
}

Result<std::vector<MessageInfo>> FaultyStore::list_changed_since(int64_t user_id,
                                                                 int64_t mailbox_id,
                                                                 uint64_t since) {
  if (Status planned = take(StoreCall::list_changed_since); !planned) return planned;
  return inner_->list_changed_since(user_id, mailbox_id, since);
}

Result<std::vector<JournalEntry>> FaultyStore::journal_since(int64_t user_id, int64_t mailbox_id,
                                                             uint64_t since) {
  if (Status planned = take(StoreCall::journal_since); !planned) return planned;
  return inner_->journal_since(user_id, mailbox_id, since);
}

Result<std::vector<uint32_t>> FaultyStore::expunged_since(int64_t user_id, int64_t mailbox_id,
                                                          uint64_t since) {
  if (Status planned = take(StoreCall::expunged_since); !planned) return planned;
  return inner_->expunged_since(user_id, mailbox_id, since);
}

Result<uint64_t> FaultyStore::trim_journal(int64_t now, uint64_t keep_seconds) {
  if (Status planned = take(StoreCall::trim_journal); !planned) return planned;
  return inner_->trim_journal(now, keep_seconds);
}

Result<Stats> FaultyStore::stats() {
  if (Status planned = take(StoreCall::stats); !planned) return planned;
  return inner_->stats();
}

Result<Mailbox> FaultyStore::import_mailbox(int64_t user_id, const Mailbox& mailbox) {
  if (Status planned = take(StoreCall::import_mailbox); !planned) return planned;
  return inner_->import_mailbox(user_id, mailbox);
}

Status FaultyStore::import_messages(int64_t user_id, int64_t mailbox_id,
                                    const std::vector<ImportedMessage>& messages) {
  if (Status planned = take(StoreCall::import_messages); !planned) return planned;
  return inner_->import_messages(user_id, mailbox_id, messages);
}

Status FaultyStore::add_api_token(std::string_view hash, const ApiToken& token) {
  if (Status planned = take(StoreCall::add_api_token); !planned) return planned;
  return inner_->add_api_token(hash, token);
}

Result<ApiToken> FaultyStore::find_api_token(std::string_view hash, int64_t now) {
  if (Status planned = take(StoreCall::find_api_token); !planned) return planned;
  return inner_->find_api_token(hash, now);
}

Status FaultyStore::delete_api_token(std::string_view hash) {
  if (Status planned = take(StoreCall::delete_api_token); !planned) return planned;
  return inner_->delete_api_token(hash);
}

Result<uint64_t> FaultyStore::delete_user_api_tokens(int64_t user_id, std::string_view keep_hash) {
  if (Status planned = take(StoreCall::delete_user_api_tokens); !planned) return planned;
  return inner_->delete_user_api_tokens(user_id, keep_hash);
}

}  // namespace eider::store::testing
