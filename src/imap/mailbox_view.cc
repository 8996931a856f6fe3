#include "imap/mailbox_view.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/ascii.h"
#include "imap/sequence_set.h"

namespace eider::imap {
namespace {

bool is_recent_flag(std::string_view flag) {
  return core::iequals(flag, "\\Recent");
}

// \Recent is per session, never stored; a row that carries it anyway must
// not make the client see it twice.
void append_flag_list(std::string& out, std::string_view data, bool recent) {
  bool first = true;
  while (!data.empty()) {
    size_t space = data.find(' ');
    std::string_view flag = data.substr(0, space);
    data.remove_prefix(space == std::string_view::npos ? data.size() : space + 1);
    if (flag.empty() || is_recent_flag(flag)) continue;
    if (!first) out += ' ';
    out += flag;
    first = false;
  }
  if (recent) out += first ? "\\Recent" : " \\Recent";
}

// What apply() will say, in order, before the EXISTS/RECENT tail.
struct Pending {
  enum class Kind : uint8_t { expunge, flags, dropped };
  Kind kind;
  uint32_t seq;
  uint32_t uid = 0;
  uint64_t modseq = 0;
  const std::string* flags = nullptr;
};

}  // namespace

MailboxView::MailboxView(int64_t mailbox_id, uint32_t uidvalidity, bool read_only, UidList uids,
                         uint64_t modseq)
    : mailbox_id_(mailbox_id),
      uidvalidity_(uidvalidity),
      read_only_(read_only),
      uids_(std::move(uids)),
      modseq_(modseq) {}

void MailboxView::add_recent(uint32_t first, uint32_t last) {
  if (first == 0 || first > last) return;
  auto it = std::lower_bound(recent_.begin(), recent_.end(), first,
                             [](const UidList::Run& run, uint32_t u) { return run.first < u; });
  it = recent_.insert(it, {first, last});
  // Merge with neighbours that overlap or touch, so ranges stay few and
  // disjoint whatever order the claims come in.
  if (it != recent_.begin() && static_cast<uint64_t>((it - 1)->last) + 1 >= it->first) {
    --it;
    it->last = std::max(it->last, (it + 1)->last);
    recent_.erase(it + 1);
  }
  while (it + 1 != recent_.end() && static_cast<uint64_t>(it->last) + 1 >= (it + 1)->first) {
    it->last = std::max(it->last, (it + 1)->last);
    recent_.erase(it + 1);
  }
}

bool MailboxView::is_recent(uint32_t uid) const {
  auto it = std::lower_bound(recent_.begin(), recent_.end(), uid,
                             [](const UidList::Run& run, uint32_t u) { return run.last < u; });
  return it != recent_.end() && it->first <= uid;
}

uint32_t MailboxView::recent_count() const {
  uint32_t count = 0;
  for (const UidList::Run& run : recent_) count += uids_.count_between(run.first, run.last);
  return count;
}

uint32_t MailboxView::recent_count_below(uint32_t uid) const {
  uint32_t count = 0;
  for (const UidList::Run& run : recent_) {
    if (run.first >= uid) continue;
    count += uids_.count_between(run.first, std::min(run.last, uid - 1));
  }
  return count;
}

void MailboxView::told(uint32_t uid, uint64_t modseq, Shown shown) {
  // Rows up to modseq() were applied (and said): none to leave out.
  if (modseq <= modseq_) return;
  Told& entry = told_[uid];
  if (modseq < entry.modseq) return;
  if (modseq > entry.modseq) entry = Told{modseq, false, false};
  entry.has_flags = entry.has_flags || shown == Shown::flags;
  entry.say = entry.say || shown == Shown::modseq;
}

bool MailboxView::tells(const store::JournalEntry& row) {
  auto found = told_.find(row.uid);
  if (found == told_.end()) return true;
  Told& entry = found->second;
  if (row.modseq < entry.modseq) {
    // The client's flags lack this change unless it was told them since.
    entry.say = true;
    return false;
  }
  if (row.modseq == entry.modseq) return entry.say && !entry.has_flags;
  return true;
}

void MailboxView::forget_told() {
  if (told_.empty()) return;
  std::erase_if(told_, [this](const auto& entry) { return entry.second.modseq <= modseq_; });
}

ViewUpdate MailboxView::apply(const std::vector<store::JournalEntry>& rows, Announce announce,
                              Wording wording) {
  return apply_rows(rows, announce, wording, true);
}

ViewUpdate MailboxView::resync(const store::FlagListing& listing, Wording wording) {
  std::vector<store::JournalEntry> rows;
  const uint32_t known_max = uids_.max_uid();
  // Gone first, so the FETCH lines are numbered as the client will number
  // the mailbox after them.
  auto listed = listing.messages.begin();
  for (const UidList::Run& run : uids_.runs()) {
    for (uint32_t uid = run.first;; ++uid) {
      while (listed != listing.messages.end() && listed->uid < uid) ++listed;
      if (listed == listing.messages.end() || listed->uid != uid) {
        rows.push_back({0, store::JournalKind::expunged, uid, ""});
      }
      if (uid == run.last) break;
    }
  }
  for (const store::UidFlags& message : listing.messages) {
    if (message.uid > known_max) {
      rows.push_back({0, store::JournalKind::added, message.uid, ""});
    } else if (message.modseq > modseq_) {
      rows.push_back({message.modseq, store::JournalKind::flags, message.uid, message.flags});
    }
  }
  // The listing is newer than anything told.
  told_.clear();
  ViewUpdate update = apply_rows(rows, Announce::all, wording, false);
  advance_to(listing.mailbox.highest_modseq);
  return update;
}

ViewUpdate MailboxView::apply_rows(const std::vector<store::JournalEntry>& rows, Announce announce,
                                   Wording wording, bool ordered) {
  ViewUpdate update;
  // UIDs above this joined in this batch: the client hears of them only at
  // the closing EXISTS, so they get no EXPUNGE or FETCH line before it.
  const uint32_t known_max = uids_.max_uid();
  std::vector<Pending> pending;
  std::unordered_map<uint32_t, size_t> flag_line_of;  // uid -> index in pending

  for (const store::JournalEntry& row : rows) {
    if (ordered && row.modseq <= modseq_) continue;
    switch (row.kind) {
      case store::JournalKind::added:
        uids_.append(row.uid);
        break;
      case store::JournalKind::expunged: {
        bool known = row.uid <= known_max && uids_.contains(row.uid);
        if (known && announce == Announce::no_expunge) {
          update.more = true;
          break;
        }
        std::optional<uint32_t> seq = uids_.erase(row.uid);
        if (auto line = flag_line_of.find(row.uid); line != flag_line_of.end()) {
          pending[line->second].kind = Pending::Kind::dropped;
          flag_line_of.erase(line);
        }
        if (known) pending.push_back({Pending::Kind::expunge, *seq, row.uid});
        break;
      }
      case store::JournalKind::flags: {
        if (row.uid > known_max) break;
        uint32_t seq = uids_.seq_of(row.uid);
        if (seq == 0 || (ordered && !tells(row))) break;
        // Numbered as of this row: every EXPUNGE before it in the batch
        // goes out before its line, and none after it does.
        auto [line, fresh] = flag_line_of.try_emplace(row.uid, pending.size());
        if (!fresh) {
          pending[line->second].kind = Pending::Kind::dropped;
          line->second = pending.size();
        }
        pending.push_back({Pending::Kind::flags, seq, row.uid, row.modseq, &row.data});
        break;
      }
      case store::JournalKind::mailbox_deleted:
        deleted_ = true;
        break;
      case store::JournalKind::mailbox_created:
      case store::JournalKind::mailbox_renamed:
        break;
    }
    if (update.more) break;
    if (ordered) modseq_ = row.modseq;
    update.changed = true;
  }

  std::string& out = update.untagged;
  std::vector<uint32_t> vanished;  // a run of expunges, with Wording::vanished
  auto say_vanished = [&] {
    if (vanished.empty()) return;
    std::sort(vanished.begin(), vanished.end());
    out += "* VANISHED " + format_sequence_set(vanished) + "\r\n";
    vanished.clear();
  };
  for (const Pending& p : pending) {
    switch (p.kind) {
      case Pending::Kind::expunge:
        ++update.expunged;
        if (wording.vanished) {
          vanished.push_back(p.uid);
        } else {
          out += "* " + std::to_string(p.seq) + " EXPUNGE\r\n";
        }
        break;
      case Pending::Kind::flags:
        say_vanished();
        keywords_.announce(*p.flags, out);
        out += "* " + std::to_string(p.seq) + " FETCH (FLAGS (";
        append_flag_list(out, *p.flags, is_recent(p.uid));
        out += ") UID " + std::to_string(p.uid);
        if (wording.modseq) out += " MODSEQ (" + std::to_string(p.modseq) + ")";
        out += ")\r\n";
        break;
      case Pending::Kind::dropped:
        break;
    }
  }
  say_vanished();
  update.added = known_max == UINT32_MAX ? 0 : uids_.count_between(known_max + 1, UINT32_MAX);
  if (update.added > 0) {
    // RECENT goes with every EXISTS, as Dovecot does. Without one the count
    // can only have fallen by expunges, which the client counts itself
    // (RFC 3501 7.4.1).
    out += "* " + std::to_string(uids_.size()) + " EXISTS\r\n";
    out += "* " + std::to_string(recent_count()) + " RECENT\r\n";
  }
  if (ordered) forget_told();
  return update;
}

void MailboxView::shrink_to_fit() {
  if (told_.empty()) std::unordered_map<uint32_t, Told>().swap(told_);
  uids_.shrink_to_fit();
  recent_.shrink_to_fit();
}

}  // namespace eider::imap
