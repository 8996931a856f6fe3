// The shared backend: one PostgreSQL database that any number of eider
// nodes use at once (docs/scale-out.md).
//
// Every call borrows a connection from a bounded pool (Options::
// connections) and runs as one transaction: reads as one REPEATABLE
// READ snapshot, writes in READ COMMITTED with the rows they change locked
// in one order (the user row first, then mailbox rows by id), so UIDNEXT,
// MODSEQ and quota are allocated and checked inside the transaction. A
// write returns only after its COMMIT (synchronous_commit on). Compression
// happens on the caller's thread, before the transaction, except a summary
// chunk's (summary_chunks.h): it is sealed or rewritten in the transaction
// that fills or expunges it, once per 1,024 UIDs.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/postgres/pool.h"
#include "store/store.h"

namespace eider::store::postgres {

class PgStore final : public Store {
 public:
  // Connects to `url` (postgresql://... or postgres://...), migrates the
  // schema. Code::unavailable when the server cannot be reached.
  static Result<std::unique_ptr<Store>> open(const std::string& url, const Options& options);

  Result<User> create_user(std::string_view name, std::string_view password_hash,
                           const std::vector<std::string>& addresses, const Quota& quota) override;
  Result<User> find_user(std::string_view name) override;
  Result<User> find_user_by_id(int64_t user_id) override;
  Result<std::vector<User>> list_users() override;
  Status delete_user(std::string_view name) override;
  Status set_password_hash(std::string_view name, std::string_view password_hash) override;
  Status set_quota(std::string_view name, const Quota& quota) override;

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
  explicit PgStore(std::unique_ptr<Pool> pool) : pool_(std::move(pool)) {}

  // store_flags and store_flags_unchanged_since (with `unchanged_since`).
  Result<ConditionalFlags> change_flags(int64_t user_id, int64_t mailbox_id,
                                        const std::vector<uint32_t>& uids, FlagMode mode,
                                        const std::vector<std::string>& flags,
                                        std::optional<uint64_t> unchanged_since);
  template <typename T, typename F>
  Result<T> read(F&& body) {
    return pool_->transact<T>(true, std::forward<F>(body));
  }
  template <typename T, typename F>
  Result<T> write(F&& body) {
    return pool_->transact<T>(false, std::forward<F>(body));
  }
  // Deletes the blobs of `keys` that no user uses any more (blob_refs.h);
  // failures are left for the next sweep.
  void sweep(const std::vector<std::string>& keys);
  // Sweeps the keys left in blob_releases (a node stopped before its sweep).
  Status sweep_pending();

  std::unique_ptr<Pool> pool_;
};

}  // namespace eider::store::postgres
