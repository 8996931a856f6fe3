#include "imap/uid_list.h"

#include <algorithm>
#include <cassert>
#include <iterator>

namespace eider::imap {
namespace {

uint32_t run_size(const UidList::Run& run) {
  return run.last - run.first + 1;
}

// The first run that ends at or after uid (mutable or not, as `runs` is).
template <typename Runs>
auto run_ending_at_or_after(Runs& runs, uint32_t uid) {
  return std::lower_bound(runs.begin(), runs.end(), uid,
                          [](const UidList::Run& run, uint32_t u) { return run.last < u; });
}

}  // namespace

UidList::UidList(std::span<const uint32_t> ascending_uids) {
  for (uint32_t uid : ascending_uids) {
    [[maybe_unused]] bool appended = append(uid);
    assert(appended && "UIDs must be ascending and distinct");
  }
}

uint32_t UidList::max_uid() const {
  return runs_.empty() ? 0 : runs_.back().last;
}

bool UidList::append(uint32_t uid) {
  if (uid == 0 || uid <= max_uid()) return false;
  if (!runs_.empty() && uid == runs_.back().last + 1) {
    // Growing the last run leaves every prefix count valid.
    ++runs_.back().last;
  } else {
    // Keep a valid prefix valid, so a session receiving mail one message at
    // a time never pays for a rebuild.
    bool prefix_valid = prefix_.size() == runs_.size();
    runs_.push_back({uid, uid});
    if (prefix_valid) prefix_.push_back(count_);
  }
  ++count_;
  return true;
}

bool UidList::append_run(uint32_t first, uint32_t last) {
  if (first == 0 || first > last || first <= max_uid()) return false;
  if (!append(first)) return false;
  runs_.back().last = last;
  count_ += last - first;
  return true;
}

bool UidList::insert(uint32_t uid) {
  if (uid == 0) return false;
  if (uid > max_uid()) return append(uid);
  auto next = run_ending_at_or_after(runs_, uid);
  if (next->first <= uid) return false;
  const bool joins_next = uid + 1 == next->first;
  const bool joins_previous = next != runs_.begin() && std::prev(next)->last + 1 == uid;
  if (joins_previous && joins_next) {
    std::prev(next)->last = next->last;
    runs_.erase(next);
  } else if (joins_previous) {
    std::prev(next)->last = uid;
  } else if (joins_next) {
    next->first = uid;
  } else {
    runs_.insert(next, {uid, uid});
  }
  ++count_;
  prefix_.clear();
  return true;
}

std::optional<uint32_t> UidList::erase(uint32_t uid) {
  uint32_t seq = seq_of(uid);
  if (seq == 0) return std::nullopt;
  auto it = run_ending_at_or_after(runs_, uid);
  if (it->first == it->last) {
    runs_.erase(it);
  } else if (uid == it->first) {
    ++it->first;
  } else if (uid == it->last) {
    --it->last;
  } else {
    Run tail{uid + 1, it->last};
    it->last = uid - 1;
    runs_.insert(it + 1, tail);
  }
  --count_;
  prefix_.clear();
  return seq;
}

void UidList::rebuild_prefix() const {
  if (prefix_.size() == runs_.size()) return;
  prefix_.clear();
  prefix_.reserve(runs_.size());
  uint32_t before = 0;
  for (const Run& run : runs_) {
    prefix_.push_back(before);
    before += run_size(run);
  }
}

uint32_t UidList::uid_at(uint32_t seq) const {
  if (seq == 0 || seq > count_) return 0;
  rebuild_prefix();
  // The last run with fewer than seq messages before it holds seq.
  auto after = std::upper_bound(prefix_.begin(), prefix_.end(), seq - 1);
  size_t i = static_cast<size_t>(after - prefix_.begin()) - 1;
  return runs_[i].first + (seq - 1 - prefix_[i]);
}

uint32_t UidList::seq_of(uint32_t uid) const {
  auto it = run_ending_at_or_after(runs_, uid);
  if (it == runs_.end() || it->first > uid) return 0;
  rebuild_prefix();
  return prefix_[static_cast<size_t>(it - runs_.begin())] + (uid - it->first) + 1;
}

uint32_t UidList::rank(uint32_t uid) const {
  auto it = run_ending_at_or_after(runs_, uid);
  if (it == runs_.end()) return count_;
  rebuild_prefix();
  uint32_t before = prefix_[static_cast<size_t>(it - runs_.begin())];
  return it->first > uid ? before : before + (uid - it->first) + 1;
}

std::vector<uint32_t> UidList::uids() const {
  std::vector<uint32_t> out;
  out.reserve(count_);
  for (const Run& run : runs_) {
    for (uint64_t uid = run.first; uid <= run.last; ++uid)
      out.push_back(static_cast<uint32_t>(uid));
  }
  return out;
}

std::vector<uint32_t> UidList::uids_between(uint32_t first, uint32_t last) const {
  std::vector<uint32_t> out;
  if (first > last) return out;
  out.reserve(count_between(first, last));
  for (auto it = run_ending_at_or_after(runs_, first); it != runs_.end() && it->first <= last;
       ++it) {
    // 64-bit so a range ending at 4294967295 terminates.
    uint64_t end = std::min(last, it->last);
    for (uint64_t uid = std::max(first, it->first); uid <= end; ++uid) {
      out.push_back(static_cast<uint32_t>(uid));
    }
  }
  return out;
}

uint32_t UidList::count_between(uint32_t first, uint32_t last) const {
  if (first > last) return 0;
  return rank(last) - (first == 0 ? 0 : rank(first - 1));
}

void UidList::shrink_to_fit() {
  runs_.shrink_to_fit();
  // The prefix is rebuilt on the next lookup; an idle session pays nothing.
  prefix_.clear();
  prefix_.shrink_to_fit();
}

}  // namespace eider::imap
