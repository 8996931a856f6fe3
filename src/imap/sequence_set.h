// IMAP sequence sets and UID sets (RFC 3501 section 9, "sequence-set";
// RFC 9051 "$" is not supported).
//
// A set is kept as the ranges the client wrote, never expanded: "1:4294967295"
// is one range of 8 bytes. Memory is O(number of ranges), and a range needs at
// least 2 bytes of the command line, so a set costs at most 4x the line length.
// "*" is kept symbolic until resolve() is given the mailbox size (sequence
// numbers) or the largest UID (UID sets).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace eider::imap {

// 0 stands for "*" in a parsed range; IMAP numbers are never 0.
inline constexpr uint32_t kStar = 0;

struct SeqRange {
  uint32_t first = 1;  // as written: may be kStar, may be above last
  uint32_t last = 1;
  bool operator==(const SeqRange&) const = default;
};

class SequenceSet {
 public:
  SequenceSet() = default;

  // Parses "1:*,5,7:9". Numbers are nz-number (1 .. 2^32-1); anything else,
  // including an empty set, spaces or a trailing comma, is invalid_argument.
  static Result<SequenceSet> parse(std::string_view text);

  const std::vector<SeqRange>& ranges() const { return ranges_; }
  bool has_star() const;

  // The set with "*" replaced by `star` (mailbox size or largest UID), each
  // range ordered low:high, sorted and merged. With star = 0 (empty mailbox)
  // a range holding "*" keeps only its other end. O(r log r) for r ranges.
  std::vector<SeqRange> resolve(uint32_t star) const;

 private:
  std::vector<SeqRange> ranges_;
};

// A resolved set (the output of SequenceSet::resolve) for lookups.
class ResolvedSet {
 public:
  explicit ResolvedSet(std::vector<SeqRange> sorted_ranges) : ranges_(std::move(sorted_ranges)) {}
  ResolvedSet(const SequenceSet& set, uint32_t star) : ranges_(set.resolve(star)) {}

  const std::vector<SeqRange>& ranges() const { return ranges_; }
  // O(log r).
  bool contains(uint32_t n) const;
  // The largest member, 0 when empty.
  uint32_t max() const { return ranges_.empty() ? 0 : ranges_.back().last; }
  // The members of `present` (sorted ascending, e.g. a session's UIDs) in the
  // set, in order: O(r log p + hits). Never walks a range number by number,
  // so 1:4294967295 over a 10-message mailbox costs 10 steps.
  std::vector<uint32_t> select(std::span<const uint32_t> present) const;

 private:
  std::vector<SeqRange> ranges_;
};

// `numbers` (ascending, no repeats) as the shortest set that names them:
// "1:3,7". COPYUID (RFC 4315) and ESEARCH ALL (RFC 4731) send this form,
// so a run of a million UIDs costs one range on the wire.
std::string format_sequence_set(std::span<const uint32_t> numbers);
// Sorted, disjoint ranges (a ResolvedSet's) in the same form.
std::string format_ranges(std::span<const SeqRange> ranges);

}  // namespace eider::imap
