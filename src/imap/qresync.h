// What QRESYNC (RFC 7162 3.2.5, 3.2.6) reports as VANISHED (EARLIER), worked
// out from a session's view. Pure: the session reads the store and gives
// the results here.
//
// A UID is reported only when the view does not hold it, so a message
// expunged after the view's modseq is announced later, by the journal sync,
// as any expunge is, and never twice.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "imap/sequence_set.h"
#include "imap/uid_list.h"

namespace eider::imap {

// The UIDs below which the client's view agrees with `view`, from QRESYNC's
// seq-match-data: the largest UID u of a pair (sequence number s, UID u)
// for which the view's message s is u. Below it the client holds exactly
// the view's UIDs (UIDs below u can only have gone, and both sides count s
// of them), so no expunge below it needs telling. Pairs are taken in the
// order written, up to the shorter set; at most kMaxMatchPairs are looked
// at, so a hostile set costs bounded time. 0 when none matches.
inline constexpr uint32_t kMaxMatchPairs = 65536;
uint32_t agreed_through(const UidList& view, const SequenceSet& known_sequences,
                        const SequenceSet& known_uids);

// The UIDs for VANISHED (EARLIER), as sorted ranges: members of `scope`
// (the client's known UIDs, or the UID FETCH set) up to the view's largest
// UID that the view does not hold and that are above `agreed`. With
// `expunged` (Store::expunged_since: the exact UIDs gone since the client's
// modseq), only those; with nullopt (the journal no longer goes back that
// far) every such UID: the full answer RFC 7162 3.2.5.2 allows. Costs
// O(scope ranges + view runs) plus the expunged UIDs; never walks a range
// number by number.
std::vector<SeqRange> vanished_earlier(const UidList& view, const std::vector<SeqRange>& scope,
                                       const std::optional<std::vector<uint32_t>>& expunged,
                                       uint32_t agreed);

}  // namespace eider::imap
