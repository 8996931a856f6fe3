// The Store: every piece of persistent state, behind one interface.
//
// Nothing above src/store sees SQL or a backend type. Every method is
// thread-safe and blocking: call it from a store thread (see
// store/executor.h), never from an I/O thread. Every mutating method is one
// atomic transaction that also writes its journal rows (with the mailbox's
// next MODSEQ) and keeps quota exact; when it returns ok the change is
// durable (on disk, surviving a crash). When it fails, nothing of it is left:
// no partial message, journal row, blob reference or quota change.
//
// Concurrent mutating calls may share one commit (group commit); each still
// returns only after its own change is durable.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "mime/tree.h"

namespace eider::store {

struct User {
  int64_t id = 0;
  std::string name;
  std::string password_hash;      // crypt(3)-style string: $argon2id$, $2b$, $6$, $y$
  uint64_t quota_bytes = 0;       // 0 = unlimited
  uint64_t quota_messages = 0;    // 0 = unlimited
  uint64_t storage_used = 0;      // sum of the sizes (as delivered) of the user's messages, exact
  uint64_t message_count = 0;     // messages in all of the user's mailboxes, exact
  std::string display_name;       // the account's "name" (free text), "" when none
  std::vector<std::string> tags;  // lowercase, each once, in the order given
  int64_t retention = 0;          // default message retention in milliseconds; 0 = none
  bool disabled = false;          // may neither log in nor receive mail
  // Unix seconds: the user is deleted but restorable until then (a sweep
  // deletes them after it); 0 = not deleted. Such a user is disabled too.
  int64_t delete_after = 0;
  int64_t created = 0;       // unix seconds
  std::string main_address;  // the user's main address, "" when they have none
};

// A user's limits, each 0 for unlimited: the sum of the sizes of their
// messages (bytes as delivered) and the number of messages, over all their
// mailboxes.
struct Quota {
  uint64_t bytes = 0;
  uint64_t messages = 0;
};

struct Mailbox {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string path;         // UTF-8, "/"-separated hierarchy; "INBOX" is always upper case
  std::string special_use;  // "\\Sent", "\\Junk", ... or ""
  uint32_t uidvalidity = 0;
  uint32_t uidnext = 1;
  uint64_t highest_modseq = 0;
  bool subscribed = true;
  uint64_t message_count = 0;
  int64_t created = 0;      // unix seconds
  uint32_t recent_uid = 1;  // first UID not yet claimed as \Recent (claim_recent)
  // Journal rows at or below this modseq may have been trimmed
  // (trim_journal); every row above it is kept. 0 until the first trim.
  uint64_t journal_floor = 0;
  // Set by update_mailbox, for the HTTP API (WildDuck's mailbox fields):
  // hidden from its listings unless asked for, and a retention in
  // milliseconds (0: kept for ever) that the store keeps but does not act on.
  bool hidden = false;
  uint64_t retention_ms = 0;
};

// What update_mailbox changes: each field that is set.
struct MailboxUpdate {
  std::optional<bool> hidden;
  std::optional<uint64_t> retention_ms;
};

// A mailbox's message counters (mailbox_counters).
struct MailboxCounters {
  int64_t mailbox_id = 0;
  uint64_t total = 0;
  uint64_t unseen = 0;  // messages without \Seen
  uint64_t size = 0;    // sum of the messages' sizes as delivered
};

// A message as delivered or appended: the split form plus what IMAP needs.
struct NewMessage {
  mime::SplitMessage split;
  int64_t internal_date = 0;       // seconds since the epoch
  std::vector<std::string> flags;  // "\\Seen", "$Forwarded", ...
  std::string envelope;            // IMAP ENVELOPE text
  std::string bodystructure;       // IMAP BODYSTRUCTURE text
  std::string body;                // IMAP BODY (non-extensible) text
  std::string message_id;          // for threading
  std::string subject;             // for threading and search
  // Bytes as IMAP and POP3 send the message: every bare LF or bare CR
  // counted as CRLF (RFC822.SIZE, POP3 LIST; mime/wire.h). Computed by
  // mail::ingest.
  uint64_t wire_size = 0;
  // mime::search_summary of the top-level header ("" when too large);
  // computed by mail::ingest.
  std::string search_summary;
};

// What a session needs to know about a message without its content.
struct MessageInfo {
  uint32_t uid = 0;
  uint64_t modseq = 0;
  std::vector<std::string> flags;
  int64_t internal_date = 0;
  uint64_t size = 0;       // bytes as delivered (what export writes)
  uint64_t wire_size = 0;  // bytes as sent over IMAP/POP3 (bare LF/CR as CRLF)
  int64_t thread_id = 0;
};

// A message's UID and its flags as stored: one space-separated string
// (store/flags.h split_flags), so a listing of a large mailbox costs one
// small string per message.
struct UidFlags {
  uint32_t uid = 0;
  std::string flags;
  uint64_t modseq = 0;  // list_flags gives it; 0 where a caller has no need of it
};

// A message's UID and its mime::search_summary ("" when it has none).
struct UidSummary {
  uint32_t uid = 0;
  std::string summary;
};

// Called with each UID and summary in turn; `summary` is valid during the
// call only.
using SummaryVisitor = std::function<void(uint32_t uid, std::string_view summary)>;

// A protocol layer's summary of a mailbox at one modseq (IMAP keeps its
// SELECT state there, imap/select_cache.h), so that the first open after a
// restart needs no listing. Opaque to the store.
struct MailboxSnapshot {
  uint64_t modseq = 0;
  std::string data;
};

struct FlagListing {
  Mailbox mailbox;
  std::vector<UidFlags> messages;
};

struct StoredMessage {
  MessageInfo info;
  std::string tree;  // give to mime::rebuild with a reader over read_blob
  std::string envelope;
  std::string bodystructure;
  std::string body;
};

struct Appended {
  int64_t mailbox_id = 0;
  uint32_t uidvalidity = 0;
  uint32_t uid = 0;
  uint64_t modseq = 0;  // the message's, which is the mailbox's highest after the append
};

enum class JournalKind : uint8_t {
  added = 1,     // a message appeared (uid)
  expunged = 2,  // a message was removed (uid)
  flags = 3,     // a message's flags changed (uid, flags)
  mailbox_created = 4,
  mailbox_renamed = 5,  // data = new path
  mailbox_deleted = 6,
};

struct JournalEntry {
  uint64_t modseq = 0;
  JournalKind kind = JournalKind::added;
  uint32_t uid = 0;
  std::string data;  // flags as a space-separated list, or a new path
};

enum class FlagMode { add, remove, replace };

// The UIDs a session won as \Recent (RFC 3501 2.3.2): [first, next - 1],
// empty when first == next.
struct RecentClaim {
  uint32_t first = 0;
  uint32_t next = 0;
};

// A flag change with UNCHANGEDSINCE (RFC 7162 3.1.3).
struct ConditionalFlags {
  std::vector<MessageInfo> changed;  // as store_flags returns them
  std::vector<uint32_t> modified;    // left alone: their modseq was above the limit; ascending
};

struct UidPair {
  uint32_t from = 0;
  uint32_t to = 0;
};

// A mailbox a mutating call changed, and its highest MODSEQ after the change.
struct MailboxModseq {
  int64_t mailbox_id = 0;
  uint64_t modseq = 0;
  bool operator==(const MailboxModseq&) const = default;
};

// copy_messages and move_messages.
struct Copied {
  std::vector<UidPair> uids;  // (source uid, new uid), as before
  // The destination (and, for a move, the source); empty when nothing moved.
  std::vector<MailboxModseq> changed;
};

// expunge_messages.
struct Expunged {
  std::vector<uint32_t> uids;          // the uids actually expunged, ascending
  std::vector<MailboxModseq> changed;  // empty when nothing was expunged
};

// A message as another store holds it, for import_messages: the UID and
// MODSEQ it keeps, with the flags and internal date in `message`.
struct ImportedMessage {
  uint32_t uid = 0;
  uint64_t modseq = 0;
  NewMessage message;
};

// A mailbox create_account gives a new user.
struct MailboxTemplate {
  std::string path;
  std::string special_use;  // "" or one of RFC 6154's attributes
};

struct NewUser {
  std::string name;
  std::string password_hash;
  // Normalised as add_address does; the first becomes the main address.
  std::vector<std::string> addresses;
  Quota quota;
  std::string display_name;
  std::vector<std::string> tags;  // stored lowercased, duplicates dropped
  int64_t retention = 0;
  // Empty: INBOX, Drafts, Sent, Junk, Trash and Archive, as create_user.
  // INBOX is created whether listed or not.
  std::vector<MailboxTemplate> mailboxes;
};

// update_user: what is given changes, the rest stays.
struct UserChange {
  std::optional<std::string> display_name;
  std::optional<std::vector<std::string>> tags;
  std::optional<int64_t> retention;
  std::optional<uint64_t> quota_bytes;
  std::optional<uint64_t> quota_messages;
  std::optional<std::string> password_hash;
  std::optional<bool> disabled;
  std::optional<int64_t> delete_after;  // 0 restores a deleted user
};

// An address row: a user's, or (user_id 0) a forwarded address, which
// sends mail on to `targets` and belongs to no user.
struct Address {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string address;  // normal form (mime/address.h)
  std::string name;
  std::vector<std::string> tags;  // lowercase
  bool main = false;              // the user's main address (exactly one per user with any)
  std::vector<std::string> targets;
  uint64_t forwards = 0;  // forwarded: messages a day it may forward, 0 = the server's default
  bool forwarded_disabled = false;
  int64_t created = 0;
  bool forwarded() const { return user_id == 0; }
};

struct NewAddress {
  std::string address;
  std::string name;
  std::vector<std::string> tags;
  bool main = false;                 // a user's first address is main whatever this says
  std::vector<std::string> targets;  // forwarded addresses only
  uint64_t forwards = 0;
  bool forwarded_disabled = false;
};

struct AddressChange {
  std::optional<std::string> address;
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> tags;
  bool make_main = false;  // becomes its user's main address (the old one stops being it)
  std::optional<std::vector<std::string>> targets;
  std::optional<uint64_t> forwards;
  std::optional<bool> forwarded_disabled;
};

// A domain alias: mail to x@alias is mail to x@domain. Both are domains in
// the form mime::normalize_address gives them (lowercase, Unicode).
struct DomainAlias {
  int64_t id = 0;
  std::string alias;
  std::string domain;
  int64_t created = 0;
};

// A position in a listing ordered by (created, id): creation order.
struct ListCursor {
  int64_t created = 0;
  int64_t id = 0;
  bool operator==(const ListCursor&) const = default;
};

// A page of a listing (query_users, query_addresses, query_domain_aliases).
struct ListQuery {
  // A substring to match: a user's name or one of their addresses; an
  // address; an alias or its domain. "" matches everything.
  std::string text;
  std::vector<std::string> any_tags;       // at least one of these (lowercase)
  std::vector<std::string> required_tags;  // every one of these (lowercase)
  int64_t user_id = 0;                     // query_addresses: only this user's (0 = all)
  // At most one of the two: the page after `after`, or the page before `before`.
  std::optional<ListCursor> after;
  std::optional<ListCursor> before;
  uint32_t limit = 20;
};

template <typename T>
struct Page {
  std::vector<T> items;  // ascending by (created, id) whichever way the page went
  uint64_t total = 0;    // items matching the query, over every page
  bool more = false;     // more items lie beyond the page in the direction it went
};

// A user token of the HTTP API (api/auth.h). The store keeps only the
// token's hash, never the token.
struct ApiToken {
  int64_t user_id = 0;
  int64_t created = 0;  // unix seconds
  int64_t expires = 0;  // unix seconds; the token is valid before this
};

// Counters for tests and `eider stats`.
struct Stats {
  uint64_t blob_count = 0;
  uint64_t blob_bytes = 0;  // stored (possibly compressed) bytes
  uint64_t blob_refs = 0;   // sum of blob reference counts (one per use by a message)
  uint64_t message_count = 0;
  uint64_t journal_rows = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Users. create_user also creates INBOX, Drafts, Sent, Junk, Trash and
  // Archive (the last five with their SPECIAL-USE) and the given addresses,
  // all or nothing; a taken name or address is Code::already_exists. Names
  // are compared and stored ASCII-lowercased.
  virtual Result<User> create_user(std::string_view name, std::string_view password_hash,
                                   const std::vector<std::string>& addresses,
                                   const Quota& quota) = 0;
  virtual Result<User> find_user(std::string_view name) = 0;
  virtual Result<User> find_user_by_id(int64_t user_id) = 0;
  virtual Result<std::vector<User>> list_users() = 0;
  // Deletes the user, their mailboxes, messages, addresses, and releases blobs.
  virtual Status delete_user(std::string_view name) = 0;
  virtual Status set_password_hash(std::string_view name, std::string_view password_hash) = 0;
  virtual Status set_quota(std::string_view name, const Quota& quota) = 0;

  // Users for the HTTP API. create_account is create_user with every
  // field of NewUser (and its mailbox set); `created` is the store's
  // clock. update_user changes what UserChange gives (Code::not_found for
  // an unknown user) and returns the user after it.
  virtual Result<User> create_account(const NewUser& user) = 0;
  virtual Result<User> update_user(int64_t user_id, const UserChange& change) = 0;
  // A page of the users not deleted (delete_after 0) matching the query.
  virtual Result<Page<User>> query_users(const ListQuery& query) = 0;
  // The deleted users whose delete_after is at or before `now`.
  virtual Result<std::vector<User>> users_to_delete(int64_t now) = 0;
  // Sets the user's storage_used and message_count to what their messages
  // add up to, and returns the user after it.
  virtual Result<User> recount_usage(int64_t user_id) = 0;

  // Addresses as rows. create_address normalises the address; it is
  // Code::already_exists when the address is taken (by a user or a
  // forwarded address), Code::not_found for an unknown user (user_id 0
  // makes a forwarded address). A user's first address, or one made main,
  // becomes their main address and the old one stops being it.
  virtual Result<Address> create_address(int64_t user_id, const NewAddress& address) = 0;
  virtual Result<Address> update_address(int64_t address_id, const AddressChange& change) = 0;
  // Code::invalid_argument for a main address (another must be made main
  // first), Code::not_found for an unknown id.
  virtual Status delete_address(int64_t address_id) = 0;
  virtual Result<Address> find_address_by_id(int64_t address_id) = 0;
  // The row of exactly this (already normalised) address.
  virtual Result<Address> lookup_address(std::string_view normalized_address) = 0;
  // The user's addresses, main first, then by address.
  virtual Result<std::vector<Address>> user_addresses(int64_t user_id) = 0;
  virtual Result<Page<Address>> query_addresses(const ListQuery& query) = 0;

  // Domain aliases: `alias` unique (Code::already_exists), stored as given
  // (the mail layer normalises).
  virtual Result<DomainAlias> create_domain_alias(std::string_view alias,
                                                  std::string_view domain) = 0;
  virtual Result<DomainAlias> find_domain_alias(std::string_view alias) = 0;
  virtual Result<DomainAlias> find_domain_alias_by_id(int64_t alias_id) = 0;
  virtual Status delete_domain_alias(int64_t alias_id) = 0;
  virtual Result<Page<DomainAlias>> query_domain_aliases(const ListQuery& query) = 0;

  // Addresses: unique across users, stored in their normal form
  // (mime::normalize_address: lowercase local part, IDN domain in its
  // Unicode form); add_address, remove_address and create_user normalise
  // what they are given. "*@domain" is a catch-all.
  virtual Status add_address(int64_t user_id, std::string_view address) = 0;
  virtual Status remove_address(std::string_view address) = 0;
  virtual Result<std::vector<std::string>> list_addresses(int64_t user_id) = 0;
  // The user id owning exactly this (already normalised) address; not_found
  // for a forwarded address or one of a disabled or deleted user.
  virtual Result<int64_t> find_address(std::string_view normalized_address) = 0;

  // Mailboxes.
  virtual Result<std::vector<Mailbox>> list_mailboxes(int64_t user_id) = 0;
  virtual Result<Mailbox> find_mailbox(int64_t user_id, std::string_view path) = 0;
  virtual Result<Mailbox> create_mailbox(int64_t user_id, std::string_view path,
                                         std::string_view special_use) = 0;
  // Paths are checked (no empty level, no control characters) and "INBOX" is
  // upper-cased in any case; the mail layer's stricter rules come first.
  // rename_mailbox also renames the mailboxes below `from` ("a/b" with "a"),
  // keeping ids and UIDVALIDITY; renaming INBOX (RFC 3501) moves its messages
  // into a new mailbox `to` and leaves INBOX empty, its children in place.
  // Renaming onto INBOX, or deleting INBOX, is Code::invalid_argument.
  // Returns every mailbox the rename changed with its modseq after it: each
  // mailbox renamed (the one named and every one below it, one
  // mailbox_renamed journal row each), or for INBOX, INBOX (emptied) and the
  // new mailbox.
  virtual Result<std::vector<MailboxModseq>> rename_mailbox(int64_t user_id, std::string_view from,
                                                            std::string_view to) = 0;
  // Deletes the mailbox and its messages (releasing quota and blobs); the
  // mailboxes below it stay. A re-created mailbox gets a new id and a greater
  // UIDVALIDITY. Returns the deleted mailbox's id and the modseq its
  // deletion took (its mailbox_deleted journal row's).
  virtual Result<MailboxModseq> delete_mailbox(int64_t user_id, std::string_view path) = 0;
  // Subscribing a name that is no mailbox is allowed (RFC 3501 6.3.6), and
  // deleting a subscribed mailbox keeps its subscription; unsubscribing a
  // name that is neither a mailbox nor subscribed is Code::not_found.
  virtual Status set_subscribed(int64_t user_id, std::string_view path, bool subscribed) = 0;
  // The subscribed names that are no mailbox, sorted.
  virtual Result<std::vector<std::string>> list_lost_subscriptions(int64_t user_id) = 0;
  // Sets the fields of `update` that are given on the mailbox. Not
  // journaled, no MODSEQ change (nothing a session shows changes).
  // Code::not_found for a mailbox that is not the user's.
  virtual Status update_mailbox(int64_t user_id, int64_t mailbox_id,
                                const MailboxUpdate& update) = 0;
  // The counters of every mailbox of the user, in one read (one snapshot),
  // ordered by mailbox id; an empty mailbox is listed with zeros.
  // Code::not_found for a missing user. Time is linear in the user's
  // messages (their narrow listing rows, no content).
  virtual Result<std::vector<MailboxCounters>> mailbox_counters(int64_t user_id) = 0;

  // Messages. append_message fails with Code::over_quota, leaving nothing,
  // when either of the user's limits (Quota) would be exceeded.
  virtual Result<Appended> append_message(int64_t user_id, int64_t mailbox_id,
                                          const NewMessage& message) = 0;
  virtual Result<std::vector<MessageInfo>> list_messages(int64_t user_id, int64_t mailbox_id) = 0;
  // The messages with first_uid <= uid <= last_uid, ascending: what a FETCH
  // of a few flags needs without listing the whole mailbox.
  virtual Result<std::vector<MessageInfo>> list_messages_between(int64_t user_id,
                                                                 int64_t mailbox_id,
                                                                 uint32_t first_uid,
                                                                 uint32_t last_uid) = 0;
  // The messages that carry `system_flag` (a system flag as the store keeps
  // it, "\\Deleted"), ascending: EXPUNGE and STATUS DELETED without a
  // listing of the whole mailbox.
  virtual Result<std::vector<MessageInfo>> list_flagged(int64_t user_id, int64_t mailbox_id,
                                                        std::string_view system_flag) = 0;
  // Every message's UID and stored flags, ascending, with the mailbox row
  // read in the same snapshot: the listing is exactly the mailbox at
  // FlagListing::mailbox.highest_modseq (journal rows above it are later).
  virtual Result<FlagListing> list_flags(int64_t user_id, int64_t mailbox_id) = 0;
  // Visits the search summaries of the messages with first_uid <= uid <=
  // last_uid, ascending by UID (SEARCH on the fields they hold reads
  // nothing else), without copying them. A message expunged a while ago may
  // still be visited: callers match the UIDs against a listing.
  virtual Status visit_summaries(int64_t user_id, int64_t mailbox_id, uint32_t first_uid,
                                 uint32_t last_uid, const SummaryVisitor& visit) = 0;
  virtual Result<StoredMessage> read_message(int64_t user_id, int64_t mailbox_id, uint32_t uid) = 0;
  // Several messages in one read, in ascending uid order; uids that do not
  // exist are skipped (an expunged message is not an error). With
  // with_tree = false, StoredMessage::tree is left empty (FETCH ENVELOPE,
  // BODYSTRUCTURE without content).
  virtual Result<std::vector<StoredMessage>> read_messages(int64_t user_id, int64_t mailbox_id,
                                                           const std::vector<uint32_t>& uids,
                                                           bool with_tree) = 0;
  // \Recent: atomically hands the caller every UID of the mailbox not yet
  // handed to any session (from the last claim's `next` up to uidnext - 1)
  // and moves the mark to uidnext. Not journaled, no MODSEQ change; when
  // there is nothing to claim it writes nothing. Code::not_found for a
  // missing mailbox.
  virtual Result<RecentClaim> claim_recent(int64_t user_id, int64_t mailbox_id) = 0;
  // The mailbox's snapshot, or nullopt when none was saved. It goes with
  // the mailbox (deleted with it, kept by a rename).
  virtual Result<std::optional<MailboxSnapshot>> load_snapshot(int64_t user_id,
                                                               int64_t mailbox_id) = 0;
  // Replaces it, unless the one stored is newer (a higher modseq). Not
  // journaled; Code::not_found for a missing mailbox.
  virtual Status save_snapshot(int64_t user_id, int64_t mailbox_id,
                               const MailboxSnapshot& snapshot) = 0;
  virtual Result<std::string> read_blob(const mime::BlobKey& key) = 0;
  // In copy, move, expunge and store_flags, uids that do not exist are
  // skipped, and messages are handled in ascending uid order.
  // Copies share blobs and count against both limits of the quota. Returns (source uid, new
  // uid) for each copied message, and the mailboxes changed with their
  // highest modseq after the call: the destination, then for a move the
  // source (one entry when they are the same mailbox). A move never fails
  // for quota; a move into the same mailbox gives the messages new uids and
  // expunges the old ones.
  virtual Result<Copied> copy_messages(int64_t user_id, int64_t from_mailbox,
                                       const std::vector<uint32_t>& uids, int64_t to_mailbox) = 0;
  virtual Result<Copied> move_messages(int64_t user_id, int64_t from_mailbox,
                                       const std::vector<uint32_t>& uids, int64_t to_mailbox) = 0;
  // Returns the uids actually expunged and the mailbox's highest modseq after it.
  virtual Result<Expunged> expunge_messages(int64_t user_id, int64_t mailbox_id,
                                            const std::vector<uint32_t>& uids) = 0;
  // Returns the messages whose flags changed, with their new flags and modseq
  // (one new modseq each; the highest of them is the mailbox's new highest
  // modseq, so callers need not read the mailbox back); unchanged messages
  // keep theirs. System flags match
  // case-insensitively and are stored in canonical case; an empty flag or one
  // with a space, control character or parenthesis is Code::invalid_argument.
  virtual Result<std::vector<MessageInfo>> store_flags(int64_t user_id, int64_t mailbox_id,
                                                       const std::vector<uint32_t>& uids,
                                                       FlagMode mode,
                                                       const std::vector<std::string>& flags) = 0;
  // store_flags for the messages whose modseq is at most `unchanged_since`;
  // the others (existing, in `uids`) are left alone and listed in
  // `modified`. The test and the change are one transaction, so no other
  // change can come between them.
  virtual Result<ConditionalFlags> store_flags_unchanged_since(
      int64_t user_id, int64_t mailbox_id, const std::vector<uint32_t>& uids, FlagMode mode,
      const std::vector<std::string>& flags, uint64_t unchanged_since) = 0;
  // The messages with modseq > since (flags changed or added since), in
  // ascending uid order, with the mailbox read in the same snapshot (an
  // index on (mailbox_id, modseq) makes this cost what it returns).
  virtual Result<std::vector<MessageInfo>> list_changed_since(int64_t user_id, int64_t mailbox_id,
                                                              uint64_t since) = 0;

  // Journal rows of a mailbox with modseq > since, in modseq order (the row
  // grammar is in docs/formats.md, "Journal row"). Code::out_of_range when
  // since < the mailbox's journal_floor: rows after `since` may be trimmed,
  // so the caller must rebuild its state from a listing instead.
  virtual Result<std::vector<JournalEntry>> journal_since(int64_t user_id, int64_t mailbox_id,
                                                          uint64_t since) = 0;
  // The UIDs of the mailbox expunged with modseq > since, ascending (what
  // QRESYNC reports as VANISHED). Code::out_of_range as for journal_since.
  virtual Result<std::vector<uint32_t>> expunged_since(int64_t user_id, int64_t mailbox_id,
                                                       uint64_t since) = 0;
  // Deletes, mailbox by mailbox, the journal rows written `keep_seconds`
  // or more before `now` (seconds since the epoch; a row's time is
  // the store's clock when the transaction that wrote it ran), and raises
  // each such mailbox's journal_floor to the highest modseq removed; rows
  // of the mailbox at or below that floor go too, whatever their time, so
  // every row above the floor is kept. A deleted mailbox's rows (its
  // mailbox_deleted row) go the same way. Works in short transactions, one
  // mailbox or a few at a time, so writers are not held up; a failure part
  // way keeps what was done. Returns the rows removed. Not journaled; no
  // MODSEQ changes.
  //
  // One trimmer at a time over a shared store: a call first claims the
  // right to trim for this Store instance (a lease in the store, or an
  // advisory lock), and while another instance holds it the call removes
  // nothing and returns 0. Destroying the Store gives the claim up; one
  // left by an instance that died blocks the others for at most 10
  // minutes. (SQLite: a lease taken or renewed by each call until `now` +
  // 10 minutes and kept after it, so the same instance goes on trimming and
  // another takes over once it stops.)
  virtual Result<uint64_t> trim_journal(int64_t now, uint64_t keep_seconds) = 0;

  virtual Result<Stats> stats() = 0;

  // Import (eider migrate): copying another store's mailboxes and messages
  // with what clients know of them kept, so none refetches. Neither call is
  // journaled, and neither is meant beside a running server.
  //
  // Gives the user's mailbox `mailbox.path` the state of `mailbox`:
  // special_use, uidvalidity, uidnext, highest_modseq, subscribed and
  // recent_uid (its id, user_id, message_count and journal_floor are not
  // read). Creates the mailbox when missing; an existing one (such as
  // create_user's INBOX) must hold no message, else Code::invalid_argument,
  // and its journal rows go. The mailbox's journal_floor becomes its
  // highest_modseq: the source's journal is not imported, so a session at
  // an older MODSEQ rebuilds from a listing. A mailbox created later gets a
  // greater UIDVALIDITY than any imported. Returns the mailbox as stored.
  virtual Result<Mailbox> import_mailbox(int64_t user_id, const Mailbox& mailbox) = 0;
  // Inserts the messages into the mailbox, all or nothing, each with its
  // uid, modseq, flags and internal date; blobs are shared and counted as at
  // delivery, and the user's usage counts them, but quota limits are not
  // checked (a source may be over a limit lowered later). The mailbox's
  // uidnext and highest_modseq do not change (import_mailbox set them):
  // Code::invalid_argument unless 0 < uid < uidnext and modseq <=
  // highest_modseq; a uid already in the mailbox is Code::already_exists.
  virtual Status import_messages(int64_t user_id, int64_t mailbox_id,
                                 const std::vector<ImportedMessage>& messages) = 0;

  // HTTP API user tokens, by the hash of the token (api/auth.h). One table
  // for all users: a request names a token, not a user.
  // add_api_token stores the token for token.user_id (Code::not_found when
  // there is no such user, Code::already_exists for a hash already there)
  // and removes every token that expired before token.created.
  virtual Status add_api_token(std::string_view hash, const ApiToken& token) = 0;
  // The token with this hash if it expires after `now` and its user still
  // exists; else Code::not_found.
  virtual Result<ApiToken> find_api_token(std::string_view hash, int64_t now) = 0;
  // Removes the token; a missing one is no error.
  virtual Status delete_api_token(std::string_view hash) = 0;
  // Removes every token of the user but the one with `keep_hash` ("" keeps
  // none); returns how many went.
  virtual Result<uint64_t> delete_user_api_tokens(int64_t user_id, std::string_view keep_hash) = 0;
};

// What every backend takes; a backend's own settings are its own (the
// SQLite VFS: sqlite::SqliteOptions).
struct Options {
  std::string data_dir = "./data";
  std::string url = "sqlite";  // "sqlite" (file in data_dir) or "sqlite:/path/to.db"
  // Database connections the store's calls share (SQLite: the read
  // connections beside its one writer; a server database: the bounded
  // pool); 0 is taken as 1.
  uint32_t connections = 4;
  bool create = true;  // create the database when missing
};

// Opens (and migrates) the store named by options.url, creating data_dir when
// missing. Fails with permission_denied (naming the path) when the folder or
// database cannot be written, unsupported when the database was written by a
// newer eider, not_found when it is missing and options.create is false.
// Destroying the Store finishes every queued write before it returns.
Result<std::unique_ptr<Store>> open(const Options& options);

}  // namespace eider::store
