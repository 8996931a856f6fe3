// The embedded backend: one SQLite database file in WAL mode.
//
// Reads run on the caller's thread with a connection borrowed from a small
// pool (Options::connections), each inside one read transaction so a call
// sees one snapshot. Writes are jobs for the single Writer (group commit).
// Compression and decompression happen on the caller's thread, never on the
// writer's.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite/connection.h"
#include "store/sqlite/writer.h"
#include "store/store.h"

namespace eider::store::sqlite {

// What only the SQLite backend takes, beside store::Options.
struct SqliteOptions {
  // The SQLite VFS (sqlite3_vfs_register) every connection opens the
  // database with; empty = SQLite's default. Tests inject storage faults
  // through a VFS of their own (docs/architecture.md, testing).
  std::string vfs;
  // Opens every connection query-only and writes nothing, not even a schema
  // migration (Code::unsupported for a database at another version); each
  // write call fails. For reading a store that must stay as it is (the
  // source of eider migrate).
  bool read_only = false;
};

// Group commit since open: transactions committed and the write jobs they
// carried (jobs / commits is the mean batch size).
struct CommitCounters {
  uint64_t commits = 0;
  uint64_t jobs = 0;
};

// True for the URLs SqliteStore::open takes: "sqlite" (eider.db in
// data_dir) and "sqlite:/path/to.db".
bool is_sqlite_url(std::string_view url);

class SqliteStore final : public Store {
 public:
  // Opens (and migrates) the database options.url names, as store::open
  // does (same errors); Code::unsupported for a URL that is not SQLite's.
  static Result<std::unique_ptr<SqliteStore>> open(const Options& options,
                                                   const SqliteOptions& sqlite = {});

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

  // Releases this instance's leases (a restarted node trims at once);
  // then every queued write finishes.
  ~SqliteStore() override;

  // Gives space left by deleted data (blobs and pages) back to the
  // filesystem: VACUUM, run with no other write beside it.
  Status vacuum();
  CommitCounters commit_counters() const;

 private:
  SqliteStore(std::unique_ptr<Writer> writer, std::vector<std::unique_ptr<Connection>> readers);
  // Opens the database file at `path` (creating it when options.create), migrates it.
  static Result<std::unique_ptr<SqliteStore>> open_file(const std::string& path,
                                                        const Options& options,
                                                        const SqliteOptions& sqlite);

  // store_flags and store_flags_unchanged_since (with `unchanged_since`).
  Result<ConditionalFlags> change_flags(int64_t user_id, int64_t mailbox_id,
                                        const std::vector<uint32_t>& uids, FlagMode mode,
                                        const std::vector<std::string>& flags,
                                        std::optional<uint64_t> unchanged_since);
  // Runs `read` with a pooled reader connection inside one read transaction.
  template <typename T, typename F>
  Result<T> read(F&& read);
  // Runs `write` as a writer job; its value is returned once committed.
  template <typename T, typename F>
  Result<T> write(F&& write);

  // Names this instance in leases (trim_journal): random, so two
  // instances on one database, in one process or two, never share it.
  const std::string holder_;
  std::atomic<bool> leased_{false};  // a lease may be held: release it when done
  std::mutex readers_mutex_;
  std::condition_variable reader_free_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;
  // Declared last: destroyed first, so queued writes finish while all else lives.
  std::unique_ptr<Writer> writer_;
};

}  // namespace eider::store::sqlite
