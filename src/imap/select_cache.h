// What SELECT and EXAMINE announce of a mailbox (its UIDs, the first unseen
// message, the keywords in use), kept per process and shared by every
// session, so that opening a large mailbox costs a few small queries instead
// of a listing of every message.
//
// An entry is the mailbox at one modseq: its UIDs and every message's flags,
// grouped by flag list (a mailbox holds few different ones, each a few runs
// of UIDs), which is also what FETCH of flags alone is answered from, as
// Dovecot answers it from its index. A SELECT brings it up to date from
// the journal (the same rows sessions apply, docs/architecture.md, idea 4), or builds it
// from Store::list_flags when there is no entry or the journal since then is
// long. A built entry is saved with Store::save_snapshot (and saved again
// once 1,024 journal rows ahead of its save, and when the server stops), so
// the first SELECT after a restart starts from
// it instead of listing the mailbox, as Dovecot starts from its index file. Nothing is ever
// answered from a stale entry: the journal decides. Because every journal row carries a whole state
// (a flags row the full flag list, an expunge the UID), replaying rows the entry already reflects
// is harmless, which is what lets the few reads of a catch-up run in separate store transactions.
//
// This relies on the journal keeping every row after an entry's (or a saved
// snapshot's) modseq. The journal is trimmed (Store::trim_journal): an
// entry older than the mailbox's journal_floor, which Store::journal_since
// answers with Code::out_of_range, is built again from a listing.
//
// Bounded: least recently used entries are dropped past a byte budget.
// Thread-safe; its calls block on the store, so run them on the store
// executor.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "imap/uid_list.h"
#include "store/store.h"

namespace eider::imap {

struct SelectState {
  uint64_t modseq = 0;  // the view's starting point: every change after it is in the journal
  UidList uids;
  uint32_t first_unseen_uid = 0;  // 0 when every message is \Seen
  uint32_t unseen = 0;            // how many messages lack \Seen (STATUS UNSEEN)
  // Keywords for the FLAGS response, sorted. A keyword stays listed once
  // used, even after the last message carrying it loses it (as Dovecot
  // keeps keywords defined in its index): RFC 3501 7.2.6 asks for the
  // flags defined in the mailbox, which a superset satisfies.
  std::vector<std::string> keywords;
};

class SelectCache {
 public:
  // `budget_bytes` bounds the memory of all entries together.
  explicit SelectCache(std::size_t budget_bytes = 16 << 20);

  // The state of `mailbox` (a row the caller just read, for its id and
  // UIDVALIDITY), at or after that row's highest_modseq. Code::not_found
  // when the mailbox was deleted meanwhile.
  Result<SelectState> load(store::Store& store, int64_t user_id, const store::Mailbox& mailbox);

  // The flags of some messages: one entry per different flag list, and for
  // each UID asked for, which list it has (or kGone).
  struct FlagsOf {
    static constexpr uint32_t kGone = UINT32_MAX;
    std::vector<std::string> lists;  // as stored (store/flags.h join_flags)
    std::vector<uint32_t> list_of;   // one per UID asked for: an index in lists, or kGone
    // Every change up to this MODSEQ is in the answer (0 when no UID was
    // asked for).
    uint64_t modseq = 0;
  };

  // The flags of `uids` (ascending); a UID the mailbox no longer holds is
  // kGone. Every change committed before the call is in the answer: the
  // journal is read, whatever the mailbox row said. Reads no message row
  // unless the mailbox has more different flag lists than an entry keeps
  // (then it lists the UIDs asked for). Allocates 4 bytes per UID and one
  // string per flag list, so a whole large mailbox costs little. Code::not_found
  // when the mailbox was deleted or re-created (its UIDVALIDITY is no
  // longer `uidvalidity`).
  Result<FlagsOf> flags(store::Store& store, int64_t user_id, int64_t mailbox_id,
                        uint32_t uidvalidity, const std::vector<uint32_t>& uids);

  // Saves each kept state that is ahead of its saved snapshot, so the next
  // process to open those mailboxes replays nothing; the server calls it on
  // its way down, after its sessions ended. Best effort, like every save.
  void save_all(store::Store& store);

  std::size_t entries() const;

 private:
  struct FlagGroup {
    std::string flags;  // joined as stored (store/flags.h join_flags)
    UidList uids;
  };

  struct Entry {
    int64_t user_id = 0;
    int64_t mailbox_id = 0;
    uint32_t uidvalidity = 0;
    uint64_t modseq = 0;
    UidList uids;
    UidList unseen;
    std::vector<std::string> keywords;  // sorted, unique
    // Each UID of `uids` whose flags are known is in exactly one group.
    // With more than kMaxFlagGroups different flag lists the entry stops
    // keeping them (flags_known false, groups empty): past that, groups
    // would cost more than the listing they save.
    std::vector<FlagGroup> groups;
    bool flags_known = true;
    // Journal rows applied since the state was last saved or read from a
    // save: past kSaveAfterRows it is saved again.
    std::size_t unsaved_rows = 0;

    std::size_t bytes() const;
    // Records a message's flags (joined, as stored and journaled).
    void set_flags(uint32_t uid, std::string_view joined);
    void remove(uint32_t uid);
  };
  // Entries are shared between sessions and never changed once kept: a
  // catch-up works on a copy, so readers need no lock (UidList's const
  // lookups rebuild a cache, so only runs() is read from a shared entry).
  using EntryPtr = std::shared_ptr<const Entry>;
  struct Slot {
    EntryPtr entry;
    std::size_t bytes = 0;
  };

  // The entry of the mailbox, brought up to date from memory, the saved
  // snapshot or a listing. With `highest_modseq` (from a mailbox row just
  // read), an entry at least that new is returned without reading the
  // journal; without it the journal is always read.
  Result<EntryPtr> current(store::Store& store, int64_t user_id, int64_t mailbox_id,
                           uint32_t uidvalidity, std::optional<uint64_t> highest_modseq);
  Result<Entry> build(store::Store& store, int64_t user_id, int64_t mailbox_id);
  // Applies the journal since entry.modseq and counts the rows in
  // `replayed`; false when a full build is cheaper (a long journal) or the
  // only way (the journal since was trimmed);
  // Code::not_found when the mailbox is gone.
  Result<bool> catch_up(store::Store& store, int64_t user_id, Entry& entry, std::size_t& replayed);
  // The entry as a Store::save_snapshot blob, and back (nullopt for data
  // this version cannot read: the state is then listed again).
  static std::string encode(const Entry& entry);
  static std::optional<Entry> decode(const store::MailboxSnapshot& snapshot, int64_t mailbox_id);
  // Keeps the entry unless a newer one of the mailbox is kept already.
  void keep(EntryPtr entry);
  void forget(int64_t mailbox_id);

  const std::size_t budget_;
  mutable std::mutex mutex_;
  std::list<Slot> lru_;  // most recently used first
  std::unordered_map<int64_t, std::list<Slot>::iterator> by_mailbox_;
  std::size_t bytes_ = 0;
};

}  // namespace eider::imap
