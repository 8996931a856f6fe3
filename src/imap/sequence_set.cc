#include "imap/sequence_set.h"

#include <algorithm>

#include "imap/syntax.h"

namespace eider::imap {
namespace {

Result<uint32_t> parse_seq_number(std::string_view& text) {
  if (!text.empty() && text.front() == '*') {
    text.remove_prefix(1);
    return kStar;
  }
  Result<uint64_t> n = parse_number(text);
  if (!n) return n.status();
  if (*n == 0 || *n > UINT32_MAX) {
    return error(Code::invalid_argument, "sequence numbers run from 1 to 4294967295");
  }
  return static_cast<uint32_t>(*n);
}

}  // namespace

Result<SequenceSet> SequenceSet::parse(std::string_view text) {
  SequenceSet set;
  while (true) {
    Result<uint32_t> first = parse_seq_number(text);
    if (!first) return error(Code::invalid_argument, "invalid sequence set");
    uint32_t last = *first;
    if (!text.empty() && text.front() == ':') {
      text.remove_prefix(1);
      Result<uint32_t> end = parse_seq_number(text);
      if (!end) return error(Code::invalid_argument, "invalid sequence set");
      last = *end;
    }
    set.ranges_.push_back({*first, last});
    if (text.empty()) return set;
    if (text.front() != ',') return error(Code::invalid_argument, "invalid sequence set");
    text.remove_prefix(1);
  }
}

bool SequenceSet::has_star() const {
  return std::any_of(ranges_.begin(), ranges_.end(),
                     [](const SeqRange& r) { return r.first == kStar || r.last == kStar; });
}

std::vector<SeqRange> SequenceSet::resolve(uint32_t star) const {
  std::vector<SeqRange> out;
  out.reserve(ranges_.size());
  for (SeqRange r : ranges_) {
    if (r.first == kStar) r.first = star;
    if (r.last == kStar) r.last = star;
    // "*" of an empty mailbox: only the other end counts.
    if (r.first == 0) r.first = r.last;
    if (r.last == 0) r.last = r.first;
    if (r.first == 0) continue;
    if (r.first > r.last) std::swap(r.first, r.last);
    out.push_back(r);
  }
  std::sort(out.begin(), out.end(),
            [](const SeqRange& a, const SeqRange& b) { return a.first < b.first; });
  std::vector<SeqRange> merged;
  for (const SeqRange& r : out) {
    if (!merged.empty() && r.first <= uint64_t{merged.back().last} + 1) {
      merged.back().last = std::max(merged.back().last, r.last);
    } else {
      merged.push_back(r);
    }
  }
  return merged;
}

bool ResolvedSet::contains(uint32_t n) const {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), n,
                             [](uint32_t v, const SeqRange& r) { return v < r.first; });
  return it != ranges_.begin() && std::prev(it)->last >= n;
}

std::vector<uint32_t> ResolvedSet::select(std::span<const uint32_t> present) const {
  std::vector<uint32_t> out;
  for (const SeqRange& r : ranges_) {
    auto from = std::lower_bound(present.begin(), present.end(), r.first);
    auto to = std::upper_bound(from, present.end(), r.last);
    out.insert(out.end(), from, to);
  }
  return out;
}

std::string format_sequence_set(std::span<const uint32_t> numbers) {
  std::vector<SeqRange> ranges;
  for (uint32_t n : numbers) {
    if (!ranges.empty() && uint64_t{ranges.back().last} + 1 == n) {
      ranges.back().last = n;
    } else {
      ranges.push_back({n, n});
    }
  }
  return format_ranges(ranges);
}

std::string format_ranges(std::span<const SeqRange> ranges) {
  std::string out;
  for (const SeqRange& range : ranges) {
    if (!out.empty()) out += ',';
    out += std::to_string(range.first);
    if (range.last > range.first) {
      out += ':';
      out += std::to_string(range.last);
    }
  }
  return out;
}

}  // namespace eider::imap
