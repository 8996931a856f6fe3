#include "imap/select_cache.h"

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <utility>

#include "core/varint.h"
#include "store/flags.h"

namespace eider::imap {

namespace {

// Past this many journal rows a fresh listing (one scan of the narrow
// message rows) is cheaper than replaying them one by one.
constexpr std::size_t kMaxReplayedRows = 4096;
// A state this many journal rows ahead of its last save (over any number of
// catch-ups) is saved again, so the next process to open the mailbox
// replays few.
constexpr std::size_t kSaveAfterRows = 1024;
// Version 2 added the flag groups; a version 1 snapshot is listed again.
constexpr char kSnapshotVersion = 2;
// Different flag lists an entry keeps (SelectCache::Entry::groups).
constexpr std::size_t kMaxFlagGroups = 256;

void put_runs(std::string& out, const UidList& list) {
  put_varint(out, list.runs().size());
  uint32_t previous = 0;
  for (const UidList::Run& run : list.runs()) {
    put_varint(out, run.first - previous);
    put_varint(out, run.last - run.first);
    previous = run.last;
  }
}

bool get_runs(std::string_view& in, UidList& list) {
  uint64_t count = 0;
  if (!get_varint(in, count) || count > in.size()) return false;
  uint64_t previous = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t gap = 0;
    uint64_t length = 0;
    if (!get_varint(in, gap) || !get_varint(in, length)) return false;
    const uint64_t first = previous + gap;
    const uint64_t last = first + length;
    if (first == 0 || last > UINT32_MAX) return false;
    if (!list.append_run(static_cast<uint32_t>(first), static_cast<uint32_t>(last))) return false;
    previous = last;
  }
  return true;
}

void add_keyword(std::vector<std::string>& keywords, std::string_view flag) {
  auto at = std::lower_bound(keywords.begin(), keywords.end(), flag);
  if (at == keywords.end() || *at != flag) keywords.emplace(at, flag);
}

bool get_string(std::string_view& in, std::string& value) {
  uint64_t size = 0;
  if (!get_varint(in, size) || size > in.size()) return false;
  value.assign(in.substr(0, size));
  in.remove_prefix(size);
  return true;
}

void put_string(std::string& out, std::string_view value) {
  put_varint(out, value.size());
  out += value;
}

}  // namespace

std::size_t SelectCache::Entry::bytes() const {
  auto runs_bytes = [](const UidList& list) {
    return list.runs().capacity() * sizeof(UidList::Run);
  };
  std::size_t total =
      sizeof(Entry) + runs_bytes(uids) + runs_bytes(unseen) + groups.capacity() * sizeof(FlagGroup);
  for (const std::string& keyword : keywords) total += sizeof(std::string) + keyword.capacity();
  for (const FlagGroup& group : groups) total += group.flags.capacity() + runs_bytes(group.uids);
  return total;
}

void SelectCache::Entry::set_flags(uint32_t uid, std::string_view joined) {
  bool seen = false;
  for (std::string_view flag : store::split_flags(joined)) {
    if (flag == "\\Seen") seen = true;
    if (store::is_keyword(flag)) add_keyword(keywords, flag);
  }
  if (seen) {
    unseen.erase(uid);
  } else {
    unseen.insert(uid);
  }
  if (!flags_known) return;
  for (FlagGroup& group : groups) {
    if (group.uids.erase(uid)) {
      if (group.uids.empty())
        std::erase_if(groups, [](const FlagGroup& g) { return g.uids.empty(); });
      break;
    }
  }
  auto group = std::find_if(groups.begin(), groups.end(),
                            [joined](const FlagGroup& g) { return g.flags == joined; });
  if (group == groups.end()) {
    if (groups.size() >= kMaxFlagGroups) {
      flags_known = false;
      groups = {};
      return;
    }
    group = groups.insert(groups.end(), FlagGroup{std::string(joined), {}});
  }
  group->uids.insert(uid);
}

void SelectCache::Entry::remove(uint32_t uid) {
  uids.erase(uid);
  unseen.erase(uid);
  for (FlagGroup& group : groups) {
    if (group.uids.erase(uid)) {
      if (group.uids.empty())
        std::erase_if(groups, [](const FlagGroup& g) { return g.uids.empty(); });
      return;
    }
  }
}

SelectCache::SelectCache(std::size_t budget_bytes) : budget_(budget_bytes) {}

std::string SelectCache::encode(const Entry& entry) {
  std::string out(1, kSnapshotVersion);
  put_varint(out, entry.uidvalidity);
  put_runs(out, entry.uids);
  put_runs(out, entry.unseen);
  put_varint(out, entry.keywords.size());
  for (const std::string& keyword : entry.keywords) put_string(out, keyword);
  out.push_back(entry.flags_known ? 1 : 0);
  put_varint(out, entry.groups.size());
  for (const FlagGroup& group : entry.groups) {
    put_string(out, group.flags);
    put_runs(out, group.uids);
  }
  return out;
}

std::optional<SelectCache::Entry> SelectCache::decode(const store::MailboxSnapshot& snapshot,
                                                      int64_t mailbox_id) {
  std::string_view in = snapshot.data;
  if (in.empty() || in.front() != kSnapshotVersion) return std::nullopt;
  in.remove_prefix(1);
  Entry entry;
  entry.mailbox_id = mailbox_id;
  entry.modseq = snapshot.modseq;
  uint64_t uidvalidity = 0;
  uint64_t keywords = 0;
  if (!get_varint(in, uidvalidity) || uidvalidity > UINT32_MAX) return std::nullopt;
  entry.uidvalidity = static_cast<uint32_t>(uidvalidity);
  if (!get_runs(in, entry.uids) || !get_runs(in, entry.unseen)) return std::nullopt;
  if (!get_varint(in, keywords) || keywords > in.size()) return std::nullopt;
  for (uint64_t i = 0; i < keywords; ++i) {
    std::string keyword;
    if (!get_string(in, keyword)) return std::nullopt;
    add_keyword(entry.keywords, keyword);
  }
  uint64_t groups = 0;
  if (in.empty() || static_cast<uint8_t>(in.front()) > 1) return std::nullopt;
  entry.flags_known = in.front() == 1;
  in.remove_prefix(1);
  if (!get_varint(in, groups) || groups > kMaxFlagGroups) return std::nullopt;
  for (uint64_t i = 0; i < groups; ++i) {
    FlagGroup group;
    if (!get_string(in, group.flags) || !get_runs(in, group.uids)) return std::nullopt;
    entry.groups.push_back(std::move(group));
  }
  if (!in.empty()) return std::nullopt;
  return entry;
}

void SelectCache::save_all(store::Store& store) {
  std::vector<EntryPtr> unsaved;
  {
    std::lock_guard lock(mutex_);
    for (const Slot& slot : lru_) {
      if (slot.entry->unsaved_rows > 0) unsaved.push_back(slot.entry);
    }
  }
  for (const EntryPtr& entry : unsaved) {
    (void)store.save_snapshot(entry->user_id, entry->mailbox_id,
                              store::MailboxSnapshot{entry->modseq, encode(*entry)});
  }
}

std::size_t SelectCache::entries() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

Result<SelectState> SelectCache::load(store::Store& store, int64_t user_id,
                                      const store::Mailbox& mailbox) {
  Result<EntryPtr> entry =
      current(store, user_id, mailbox.id, mailbox.uidvalidity, mailbox.highest_modseq);
  if (!entry) return entry.status();
  const Entry& e = **entry;
  return SelectState{e.modseq, e.uids, e.unseen.min_uid(), e.unseen.size(), e.keywords};
}

Result<SelectCache::FlagsOf> SelectCache::flags(store::Store& store, int64_t user_id,
                                                int64_t mailbox_id, uint32_t uidvalidity,
                                                const std::vector<uint32_t>& uids) {
  FlagsOf result;
  result.list_of.assign(uids.size(), FlagsOf::kGone);
  if (uids.empty()) return result;
  Result<EntryPtr> entry = current(store, user_id, mailbox_id, uidvalidity, std::nullopt);
  if (!entry) return entry.status();
  const Entry& e = **entry;
  result.modseq = e.modseq;
  if (!e.flags_known) {
    Result<std::vector<store::MessageInfo>> listed =
        store.list_messages_between(user_id, mailbox_id, uids.front(), uids.back());
    if (!listed) return listed.status();
    std::unordered_map<std::string, uint32_t> index;
    std::size_t next = 0;
    for (const store::MessageInfo& info : *listed) {
      while (next < uids.size() && uids[next] < info.uid) ++next;
      if (next == uids.size()) break;
      if (uids[next] != info.uid) continue;
      auto [at, added] = index.try_emplace(store::join_flags(info.flags),
                                           static_cast<uint32_t>(result.lists.size()));
      if (added) result.lists.push_back(at->first);
      result.list_of[next] = at->second;
    }
    return result;
  }
  // A UID in no group was expunged (or arrived and left between two reads
  // of a catch-up).
  for (const FlagGroup& group : e.groups) {
    const auto list = static_cast<uint32_t>(result.lists.size());
    result.lists.push_back(group.flags);
    for (const UidList::Run& run : group.uids.runs()) {
      auto at = std::lower_bound(uids.begin(), uids.end(), run.first);
      for (; at != uids.end() && *at <= run.last; ++at) result.list_of[at - uids.begin()] = list;
    }
  }
  return result;
}

Result<SelectCache::EntryPtr> SelectCache::current(store::Store& store, int64_t user_id,
                                                   int64_t mailbox_id, uint32_t uidvalidity,
                                                   std::optional<uint64_t> highest_modseq) {
  std::optional<Entry> entry;
  {
    std::lock_guard lock(mutex_);
    auto found = by_mailbox_.find(mailbox_id);
    if (found != by_mailbox_.end() && found->second->entry->uidvalidity == uidvalidity) {
      lru_.splice(lru_.begin(), lru_, found->second);
      if (highest_modseq && found->second->entry->modseq >= *highest_modseq) {
        return found->second->entry;
      }
      entry = *found->second->entry;
    }
  }
  if (!entry) {
    // Not in this process yet: start from the state an earlier one saved.
    Result<std::optional<store::MailboxSnapshot>> saved = store.load_snapshot(user_id, mailbox_id);
    if (!saved) return saved.status();
    if (*saved) entry = decode(**saved, mailbox_id);
    if (entry && entry->uidvalidity != uidvalidity) entry.reset();
  }
  bool save = false;
  if (entry) {
    std::size_t replayed = 0;
    Result<bool> caught_up = catch_up(store, user_id, *entry, replayed);
    if (!caught_up) {
      if (caught_up.status().code() == Code::not_found) forget(mailbox_id);
      return caught_up.status();
    }
    if (!*caught_up) entry.reset();
    if (entry) entry->unsaved_rows += replayed;
    save = entry && entry->unsaved_rows >= kSaveAfterRows;
  }
  if (!entry) {
    Result<Entry> built = build(store, user_id, mailbox_id);
    if (!built) return built.status();
    if (built->uidvalidity != uidvalidity) {
      return error(Code::not_found, "mailbox re-created");
    }
    entry = std::move(*built);
    save = true;
  }
  entry->user_id = user_id;
  if (save) {
    // Best effort: the snapshot only saves the next process a listing, and
    // a state that failed to save is still right to answer with.
    (void)store.save_snapshot(user_id, mailbox_id,
                              store::MailboxSnapshot{entry->modseq, encode(*entry)});
    entry->unsaved_rows = 0;
  }
  auto shared = std::make_shared<const Entry>(std::move(*entry));
  keep(shared);
  return shared;
}

Result<SelectCache::Entry> SelectCache::build(store::Store& store, int64_t user_id,
                                              int64_t mailbox_id) {
  Result<store::FlagListing> listing = store.list_flags(user_id, mailbox_id);
  if (!listing) return listing.status();
  Entry entry;
  entry.mailbox_id = mailbox_id;
  entry.uidvalidity = listing->mailbox.uidvalidity;
  entry.modseq = listing->mailbox.highest_modseq;
  std::size_t last_group = 0;
  for (const store::UidFlags& message : listing->messages) {
    entry.uids.append(message.uid);
    bool seen = false;
    for (std::string_view flag : store::split_flags(message.flags)) {
      if (flag == "\\Seen") seen = true;
      if (store::is_keyword(flag)) add_keyword(entry.keywords, flag);
    }
    if (!seen) entry.unseen.append(message.uid);
    if (!entry.flags_known) continue;
    // Neighbours mostly share their flags: try the last group first.
    if (last_group >= entry.groups.size() || entry.groups[last_group].flags != message.flags) {
      auto group = std::find_if(entry.groups.begin(), entry.groups.end(),
                                [&](const FlagGroup& g) { return g.flags == message.flags; });
      if (group == entry.groups.end()) {
        if (entry.groups.size() >= kMaxFlagGroups) {
          entry.flags_known = false;
          entry.groups = {};
          continue;
        }
        group = entry.groups.insert(entry.groups.end(), FlagGroup{message.flags, {}});
      }
      last_group = static_cast<std::size_t>(group - entry.groups.begin());
    }
    entry.groups[last_group].uids.append(message.uid);
  }
  return entry;
}

Result<bool> SelectCache::catch_up(store::Store& store, int64_t user_id, Entry& entry,
                                   std::size_t& replayed) {
  Result<std::vector<store::JournalEntry>> rows =
      store.journal_since(user_id, entry.mailbox_id, entry.modseq);
  // Rows after the entry were trimmed: only a listing can tell what changed.
  if (!rows && rows.status().code() == Code::out_of_range) return false;
  if (!rows) return rows.status();
  if (rows->size() > kMaxReplayedRows) return false;
  replayed = rows->size();
  std::vector<uint32_t> added;
  for (const store::JournalEntry& row : *rows) {
    switch (row.kind) {
      case store::JournalKind::added:
        if (entry.uids.append(row.uid)) added.push_back(row.uid);
        break;
      case store::JournalKind::expunged:
        entry.remove(row.uid);
        break;
      case store::JournalKind::flags:
        if (entry.uids.contains(row.uid)) entry.set_flags(row.uid, row.data);
        break;
      case store::JournalKind::mailbox_deleted:
        return error(Code::not_found, "mailbox deleted");
      default:
        break;
    }
    entry.modseq = std::max(entry.modseq, row.modseq);
  }
  if (added.empty()) return true;
  // An "added" row carries no flags: read the new messages' flags. The
  // listing may be newer than the rows; later rows replayed over it agree.
  Result<std::vector<store::MessageInfo>> listed =
      store.list_messages_between(user_id, entry.mailbox_id, added.front(), added.back());
  if (!listed) return listed.status();
  for (const store::MessageInfo& info : *listed) {
    if (std::binary_search(added.begin(), added.end(), info.uid)) {
      entry.set_flags(info.uid, store::join_flags(info.flags));
    }
  }
  // A new UID missing from the listing was expunged after the rows were
  // read; the next catch-up removes it. Until then it is in no flag group
  // and does not count as unseen.
  return true;
}

void SelectCache::forget(int64_t mailbox_id) {
  std::lock_guard lock(mutex_);
  auto found = by_mailbox_.find(mailbox_id);
  if (found == by_mailbox_.end()) return;
  bytes_ -= found->second->bytes;
  lru_.erase(found->second);
  by_mailbox_.erase(found);
}

void SelectCache::keep(EntryPtr entry) {
  const std::size_t size = entry->bytes();
  std::lock_guard lock(mutex_);
  auto found = by_mailbox_.find(entry->mailbox_id);
  if (found != by_mailbox_.end()) {
    // Another session may have stored a newer state meanwhile.
    const Entry& kept = *found->second->entry;
    if (kept.uidvalidity == entry->uidvalidity && kept.modseq >= entry->modseq) return;
    bytes_ -= found->second->bytes;
    lru_.erase(found->second);
    by_mailbox_.erase(found);
  }
  // One mailbox may not push every other one out.
  if (size > budget_ / 4) return;
  const int64_t mailbox_id = entry->mailbox_id;
  lru_.push_front(Slot{std::move(entry), size});
  by_mailbox_[mailbox_id] = lru_.begin();
  bytes_ += size;
  while (bytes_ > budget_ && lru_.size() > 1) {
    bytes_ -= lru_.back().bytes;
    by_mailbox_.erase(lru_.back().entry->mailbox_id);
    lru_.pop_back();
  }
}

}  // namespace eider::imap
