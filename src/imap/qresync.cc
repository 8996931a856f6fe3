#include "imap/qresync.h"

#include <algorithm>

namespace eider::imap {

namespace {

// Walks a set's members in the order written, with "*" as `star`.
class Members {
 public:
  Members(const SequenceSet& set, uint32_t star) : ranges_(set.ranges()), star_(star) { start(); }
  bool done() const { return index_ >= ranges_.size(); }
  uint32_t value() const { return value_; }
  void next() {
    if (value_ != last_) {
      value_ = value_ < last_ ? value_ + 1 : value_ - 1;
      return;
    }
    ++index_;
    start();
  }

 private:
  uint32_t resolved(uint32_t n) const { return n == kStar ? star_ : n; }
  void start() {
    if (done()) return;
    value_ = resolved(ranges_[index_].first);
    last_ = resolved(ranges_[index_].last);
  }

  const std::vector<SeqRange>& ranges_;
  const uint32_t star_;
  std::size_t index_ = 0;
  uint32_t value_ = 0;
  uint32_t last_ = 0;
};

void add(std::vector<SeqRange>& out, uint32_t first, uint32_t last) {
  if (!out.empty() && uint64_t{out.back().last} + 1 >= first) {
    out.back().last = std::max(out.back().last, last);
  } else {
    out.push_back({first, last});
  }
}

}  // namespace

uint32_t agreed_through(const UidList& view, const SequenceSet& known_sequences,
                        const SequenceSet& known_uids) {
  Members seqs(known_sequences, view.size());
  Members uids(known_uids, view.max_uid());
  uint32_t agreed = 0;
  for (uint32_t pairs = 0; pairs < kMaxMatchPairs && !seqs.done() && !uids.done(); ++pairs) {
    if (seqs.value() != 0 && view.uid_at(seqs.value()) == uids.value()) {
      agreed = std::max(agreed, uids.value());
    }
    seqs.next();
    uids.next();
  }
  return agreed;
}

std::vector<SeqRange> vanished_earlier(const UidList& view, const std::vector<SeqRange>& scope,
                                       const std::optional<std::vector<uint32_t>>& expunged,
                                       uint32_t agreed) {
  std::vector<SeqRange> out;
  const uint32_t limit = view.max_uid();
  if (limit <= agreed) return out;
  const ResolvedSet in_scope(scope);
  if (expunged) {
    for (uint32_t uid : *expunged) {
      if (uid > agreed && uid <= limit && in_scope.contains(uid) && !view.contains(uid)) {
        add(out, uid, uid);
      }
    }
    return out;
  }
  // The gaps between the view's runs, within each scope range.
  const std::vector<UidList::Run>& runs = view.runs();
  auto run = runs.begin();
  for (const SeqRange& range : scope) {
    uint64_t from = std::max<uint64_t>(range.first, uint64_t{agreed} + 1);
    const uint64_t to = std::min<uint32_t>(range.last, limit);
    while (from <= to) {
      while (run != runs.end() && run->last < from) ++run;
      if (run == runs.end() || run->first > to) {
        add(out, static_cast<uint32_t>(from), static_cast<uint32_t>(to));
        break;
      }
      if (run->first > from) add(out, static_cast<uint32_t>(from), run->first - 1);
      from = uint64_t{run->last} + 1;
    }
  }
  return out;
}

}  // namespace eider::imap
