// The domain operations every protocol shares: deliver, append, copy, move,
// expunge, flags, mailboxes and export, over the Store and the Notifier.
//
// Each mutating operation is one store transaction. Only after it has
// committed does the operation publish a beacon (user, mailbox, modseq) for
// every mailbox it changed; a failed operation publishes nothing and, as the
// store promises, leaves nothing behind. Calls block on the store: run them
// on a store thread, never an I/O thread. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/limits.h"
#include "core/memory_budget.h"
#include "core/spool.h"
#include "core/status.h"
#include "notify/notifier.h"
#include "store/executor.h"
#include "store/store.h"

namespace eider::mail {

inline constexpr std::string_view kInbox = "INBOX";

// Parses and splits raw message bytes into what the store keeps: the tree,
// the blobs (leaf bodies of at least limits.blob_threshold bytes), ENVELOPE,
// BODYSTRUCTURE, BODY, Message-ID and Subject, computed once here. Fails
// with Code::invalid_argument "empty message" for no bytes and
// Code::too_large above limits.max_message_size. Memory: about twice the
// message size (the tree or its blobs, plus the parsed part list).
Result<store::NewMessage> ingest(std::string_view raw, const core::Limits& limits,
                                 int64_t internal_date);

// Seconds since the epoch, the internal date of a delivery.
int64_t now_seconds();

// What to reserve in the memory budget (core/memory_budget.h) for ingesting
// and storing a message of `size` bytes: its bytes (mapped or held), the
// split's tree and blobs, the verification's re-encoding of the largest
// blob, and the store's packed copy; measured with bench/limits.
uint64_t ingest_memory(uint64_t size);

class Mail {
 public:
  // `spool_dir` holds the temporary files of large messages (core/spool.h):
  // the data folder.
  Mail(store::Store& store, notify::Notifier& notifier, const core::Limits& limits,
       std::string spool_dir = ".");

  // Ingests and appends with no flags and internal date now. Code::not_found
  // for a missing mailbox; Code::over_quota when the user's quota is full.
  Result<store::Appended> deliver(int64_t user_id, std::string_view mailbox_path,
                                  std::string_view raw);

  // As deliver, with the client's flags and internal date (IMAP APPEND).
  Result<store::Appended> append(int64_t user_id, std::string_view mailbox_path,
                                 std::string_view raw, const std::vector<std::string>& flags,
                                 int64_t internal_date);

  // As append, for a message in a spool: its mapping is dropped before the
  // store write, so the two never hold memory at once.
  Result<store::Appended> append(int64_t user_id, std::string_view mailbox_path, core::Spool& raw,
                                 const std::vector<std::string>& flags, int64_t internal_date);

  // Appends an already ingested message: LMTP ingests once and stores the
  // result for each recipient.
  Result<store::Appended> store_message(int64_t user_id, std::string_view mailbox_path,
                                        const store::NewMessage& message);

  Result<std::vector<store::UidPair>> copy(int64_t user_id, int64_t from_mailbox_id,
                                           const std::vector<uint32_t>& uids,
                                           std::string_view to_path);
  // Code::invalid_argument when the destination is the source mailbox.
  Result<std::vector<store::UidPair>> move(int64_t user_id, int64_t from_mailbox_id,
                                           const std::vector<uint32_t>& uids,
                                           std::string_view to_path);
  // Returns the uids actually expunged (uids not in the mailbox are ignored).
  Result<std::vector<uint32_t>> expunge(int64_t user_id, int64_t mailbox_id,
                                        const std::vector<uint32_t>& uids);
  // Expunges the messages flagged \Deleted (IMAP EXPUNGE and CLOSE), those
  // for which `only` holds when it is given (UID EXPUNGE). Returns the uids
  // expunged.
  Result<std::vector<uint32_t>> expunge_deleted(
      int64_t user_id, int64_t mailbox_id, const std::function<bool(uint32_t uid)>& only = nullptr);
  // Returns the messages whose flags changed.
  Result<std::vector<store::MessageInfo>> set_flags(int64_t user_id, int64_t mailbox_id,
                                                    const std::vector<uint32_t>& uids,
                                                    store::FlagMode mode,
                                                    const std::vector<std::string>& flags);
  // set_flags with UNCHANGEDSINCE (RFC 7162): messages whose modseq is above
  // `unchanged_since` are left alone and listed in `modified`.
  Result<store::ConditionalFlags> set_flags_unchanged_since(int64_t user_id, int64_t mailbox_id,
                                                            const std::vector<uint32_t>& uids,
                                                            store::FlagMode mode,
                                                            const std::vector<std::string>& flags,
                                                            uint64_t unchanged_since);

  // Mailbox names are checked by normalize_mailbox_path (mail/names.h).
  // INBOX cannot be deleted; renaming it moves its messages into a new
  // mailbox and leaves it empty (RFC 3501 6.3.5, see Store::rename_mailbox).
  // `special_use` ("\\Sent", ...) is for CREATE-SPECIAL-USE (RFC 6154); the
  // caller checks it is one RFC 6154 defines.
  Result<store::Mailbox> create_mailbox(int64_t user_id, std::string_view path,
                                        std::string_view special_use = "");
  Status rename_mailbox(int64_t user_id, std::string_view from, std::string_view to);
  Status delete_mailbox(int64_t user_id, std::string_view path);
  // SUBSCRIBE and UNSUBSCRIBE, as Store::set_subscribed promises. No
  // beacon: subscriptions change no mailbox a session shows.
  Status subscribe(int64_t user_id, std::string_view path, bool subscribed);
  // The HTTP API's mailbox fields (Store::update_mailbox). No beacon: no
  // session shows them.
  Status update_mailbox(int64_t user_id, int64_t mailbox_id, const store::MailboxUpdate& update);

  // Ends every IMAP and POP3 session of the user, on every node the
  // notifier reaches (a logout beacon): IMAP says `* BYE`, POP3 closes
  // without its UPDATE state, so no DELE takes effect. For a password
  // change, a disabled account, an administrator's request. Changes no data.
  void logout_user(int64_t user_id);

  // The exact bytes that were delivered or appended.
  Result<std::string> export_message(int64_t user_id, std::string_view mailbox_path, uint32_t uid);

  // Shared by every session: the memory budget (limits.memory_budget), the
  // folder for spool files (core/spool.h), and the threads that hash
  // passwords (limits.password_hash_threads), so that many logins at once
  // cost that many argon2 work areas, not one per store thread.
  core::MemoryBudget& budget() { return budget_; }
  const std::string& spool_dir() const { return spool_dir_; }
  store::Executor& password_hasher() { return hasher_; }
  const core::Limits& limits() const { return limits_; }

 private:
  Result<store::Mailbox> find_mailbox(int64_t user_id, std::string_view path);
  // One beacon per mailbox a store call says it changed.
  void publish(int64_t user_id, const std::vector<store::MailboxModseq>& changed);
  // Publishes the highest modseq of a flag change, if anything changed.
  void publish_flags(int64_t user_id, int64_t mailbox_id,
                     const std::vector<store::MessageInfo>& changed);

  store::Store& store_;
  notify::Notifier& notifier_;
  core::Limits limits_;
  std::string spool_dir_;
  core::MemoryBudget budget_;
  store::Executor hasher_;
};

}  // namespace eider::mail
