// A selected mailbox as one session sees it (docs/architecture.md, ideas 3 and 4): the
// UIDs told to the client, the highest MODSEQ applied, and which UIDs are
// \Recent for this session. Pure: no store, no I/O. The session reads
// journal rows after modseq() and gives them to apply(); the view turns
// them into the untagged responses RFC 3501 allows at that moment.
//
// Ordering rule (RFC 3501 7.4.1 and 5.5): during FETCH, STORE and SEARCH
// (not their UID forms) an EXPUNGE must not be sent, so the session then
// calls apply() with Announce::no_expunge: rows are consumed up to (not
// including) the first expunge of a UID the client knows, and the rest wait
// for the next call, so sequence numbers never drift. New messages are
// announced with one EXISTS (and RECENT) for the batch.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "imap/known_keywords.h"
#include "imap/uid_list.h"
#include "store/store.h"

namespace eider::imap {

// How a view words its announcements: RFC 7162, once the client enabled
// CONDSTORE (MODSEQ in every FETCH of flags) or QRESYNC (VANISHED instead
// of EXPUNGE).
struct Wording {
  bool modseq = false;
  bool vanished = false;
};

struct ViewUpdate {
  // Untagged lines ready to send, each ending in CRLF, in the order they
  // must go out: "* 3 EXPUNGE", "* 5 FETCH (FLAGS (\Seen) UID 12)",
  // "* 7 EXISTS", "* 1 RECENT".
  std::string untagged;
  bool changed = false;   // anything was applied (even with nothing to say)
  bool more = false;      // stopped early at an expunge (Announce::no_expunge)
  uint32_t added = 0;     // messages that joined and are still there
  uint32_t expunged = 0;  // known messages announced gone
};

class MailboxView {
 public:
  enum class Announce { all, no_expunge };

  // The state right after SELECT/EXAMINE (select_cache.h): `uids` as of
  // `modseq`; every change after it is in the journal.
  MailboxView(int64_t mailbox_id, uint32_t uidvalidity, bool read_only, UidList uids,
              uint64_t modseq);

  int64_t mailbox_id() const { return mailbox_id_; }
  uint32_t uidvalidity() const { return uidvalidity_; }
  bool read_only() const { return read_only_; }
  uint64_t modseq() const { return modseq_; }
  const UidList& uids() const { return uids_; }
  uint32_t exists() const { return uids_.size(); }

  // \Recent (RFC 3501 2.3.2): this session is the first to be told of these
  // UIDs. The session claims them from the store (Store::claim_recent) at
  // SELECT and when new messages arrive, and records each claimed range
  // [first, last] here. Claim before apply() when the rows bring added
  // messages, so its RECENT line counts them; a claimed UID the view does
  // not know yet counts from the batch that adds it. Ranges are few (one per
  // claim that won anything); overlapping or touching ranges are merged.
  void add_recent(uint32_t first, uint32_t last);
  bool is_recent(uint32_t uid) const;
  // Known UIDs that are \Recent.
  uint32_t recent_count() const;
  // Known UIDs below `uid` that are \Recent.
  uint32_t recent_count_below(uint32_t uid) const;

  // Applies journal rows (modseq ascending; rows at or below modseq() are
  // skipped) as far as `announce` allows, and returns what to tell the
  // client. Rows:
  // - added: a UID above every known one joins; the batch ends with one
  //   "* n EXISTS" and one "* r RECENT" if any joined and is still there.
  //   A UID not above the known ones is ignored. A UID that joins in the
  //   batch gets no FETCH or EXPUNGE line: the client learns of it only at
  //   EXISTS, so its flags are read when the client fetches it.
  // - expunged: "* n EXPUNGE" for a known UID, removed at once so later
  //   lines use the new numbering; nothing for an unknown UID. With
  //   Wording::vanished, each run of expunges without a FETCH line between
  //   them is one "* VANISHED uid-set" instead (RFC 7162 3.2.10). With
  //   Announce::no_expunge, apply stops before the first expunge of a known
  //   UID and sets ViewUpdate::more; the session reads the journal again
  //   from modseq() when it is allowed to announce.
  // - flags: "* n FETCH (FLAGS (...) UID u)" for a known UID, with \Recent
  //   added when is_recent(u); several changes of one UID in a batch give
  //   one line with the last flags, sent at its position in the batch order
  //   of last change. `data` is the space-separated flag list. With
  //   Wording::modseq " MODSEQ (m)" follows UID. A keyword the client was
  //   not told of is announced first (keywords()). A change older than
  //   what the client was told of the UID (told()) is not said.
  // - mailbox_deleted: sets deleted(); nothing said.
  // - other kinds: nothing.
  // modseq() advances to the last row consumed.
  ViewUpdate apply(const std::vector<store::JournalEntry>& rows, Announce announce,
                   Wording wording = {});

  // Brings the view to `listing` (the mailbox at listing.mailbox's
  // highest_modseq) when the journal after modseq() is gone
  // (Store::journal_since answered Code::out_of_range): a known UID missing
  // from the listing is expunged, a known one whose modseq is above
  // modseq() has its flags told, UIDs above the known ones join, and
  // modseq() becomes the listing's. Worded as apply() with Announce::all
  // words the same changes. Costs one pass over the listing.
  ViewUpdate resync(const store::FlagListing& listing, Wording wording);

  bool deleted() const { return deleted_; }

  // The keywords the client was told by FLAGS; every FETCH that shows flags
  // asks it to announce theirs first.
  KnownKeywords& keywords() { return keywords_; }
  void set_keywords(KnownKeywords keywords) { keywords_ = std::move(keywords); }

  // What a response other than apply()'s told the client of a message.
  enum class Shown {
    flags,       // its flags (and MODSEQ, under CONDSTORE): a FETCH, STORE's answer
    own_change,  // its MODSEQ after this session's STORE .SILENT (or nothing)
    modseq,      // its MODSEQ alone: FETCH (MODSEQ)
  };
  // A response other than apply()'s told the client `uid` as of `modseq`.
  // The client's picture of a message must never go back (RFC 7162 3.1.1:
  // a message's MODSEQ only grows), but those responses read the message
  // as it is now, while apply() works through older journal rows. So
  // apply() leaves out a flags row of `uid` below `modseq`. The row at
  // `modseq` (a journal row carries the whole flag list) is left out too
  // when the client has those flags: it was told them, or it made the
  // change itself and no older change of another session was left out
  // meanwhile. Forgotten once modseq() passes `modseq`.
  void told(uint32_t uid, uint64_t modseq, Shown shown);

  // Moves modseq() up to `modseq` (never down): the session calls it after
  // a batch it read entirely, when it left out rows before apply() (flag
  // changes it had already told the client), so they are not read again.
  void advance_to(uint64_t modseq) {
    modseq_ = std::max(modseq_, modseq);
    forget_told();
  }

  // Releases spare memory while idle.
  void shrink_to_fit();

 private:
  // apply(); with `ordered` false the rows are not journal rows (resync
  // made them): none is skipped for its modseq, and modseq() stays.
  ViewUpdate apply_rows(const std::vector<store::JournalEntry>& rows, Announce announce,
                        Wording wording, bool ordered);
  // Whether apply() says a flags row (told()); notes what it leaves out.
  bool tells(const store::JournalEntry& row);
  // Drops told() entries at or below modseq().
  void forget_told();

  struct Told {
    uint64_t modseq = 0;
    bool has_flags = false;  // the client knows the flags at `modseq`
    bool say = false;        // the row at `modseq` must be said
  };

  int64_t mailbox_id_;
  uint32_t uidvalidity_;
  bool read_only_;
  UidList uids_;
  uint64_t modseq_;
  bool deleted_ = false;
  std::vector<UidList::Run> recent_;
  KnownKeywords keywords_;
  std::unordered_map<uint32_t, Told> told_;
};

}  // namespace eider::imap
