// The UIDs a selected session has told its client about, in sequence order
// (docs/architecture.md, idea 3): the message with sequence number n is the n-th UID.
//
// Kept as sorted runs of consecutive UIDs, so a mailbox whose UIDs have no
// gaps costs one run (8 bytes) however many messages it has, and an idle
// session stays small (issue: at most 8 KiB per idle session). Lookups by
// sequence number or UID are O(log r) for r runs, using a prefix count that
// is rebuilt lazily after a change; append is amortised O(1); erase is O(r).
// Const lookups may rebuild that prefix, so one list belongs to one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace eider::imap {

class UidList {
 public:
  UidList() = default;
  // From UIDs in ascending order (duplicates are a caller bug).
  explicit UidList(std::span<const uint32_t> ascending_uids);

  // Number of messages (the highest sequence number).
  uint32_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  // The largest UID, 0 when empty.
  uint32_t max_uid() const;
  // The smallest UID, 0 when empty.
  uint32_t min_uid() const { return runs_.empty() ? 0 : runs_.front().first; }

  // Adds a UID greater than every UID held (a new message); false, and
  // nothing changes, when it is not greater.
  bool append(uint32_t uid);
  // Appends every UID of [first, last], all greater than every UID held:
  // O(1) however long the run. False, and nothing changes, otherwise.
  bool append_run(uint32_t first, uint32_t last);
  // Adds a UID anywhere (a set of UIDs that come and go, such as the unseen
  // ones); false when it is 0 or already held. O(r).
  bool insert(uint32_t uid);
  // Removes a UID; returns the sequence number it had, or nullopt if absent.
  std::optional<uint32_t> erase(uint32_t uid);

  // The UID at sequence number seq (1-based), 0 when out of range.
  uint32_t uid_at(uint32_t seq) const;
  // The sequence number of uid, 0 when absent.
  uint32_t seq_of(uint32_t uid) const;
  bool contains(uint32_t uid) const { return seq_of(uid) != 0; }

  // Every UID, ascending (for store calls; allocates 4 bytes per message).
  std::vector<uint32_t> uids() const;
  // The UIDs in [first, last] held, ascending: O(log r + hits).
  std::vector<uint32_t> uids_between(uint32_t first, uint32_t last) const;
  // How many UIDs in [first, last] are held: O(log r), allocates nothing.
  uint32_t count_between(uint32_t first, uint32_t last) const;

  struct Run {
    uint32_t first = 0;
    uint32_t last = 0;  // inclusive
  };
  const std::vector<Run>& runs() const { return runs_; }

  // Releases spare capacity (call when a session goes idle).
  void shrink_to_fit();

 private:
  void rebuild_prefix() const;
  // Messages whose UID is at most uid.
  uint32_t rank(uint32_t uid) const;

  std::vector<Run> runs_;
  uint32_t count_ = 0;
  // prefix_[i] = messages in runs_[0..i); empty when stale.
  mutable std::vector<uint32_t> prefix_;
};

}  // namespace eider::imap
