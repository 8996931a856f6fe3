// Runs a compiled SEARCH (search_eval.h) over messages of a selected
// mailbox, reading from the store only what its keys need:
// - metadata keys (flags, dates, sizes, sets): the narrow message rows;
// - keys on the search-summary fields (SUBJECT, FROM, ... HEADER on those):
//   also the stored summaries (mime/search_summary.h), and a message's tree
//   only when it has no summary;
// - other HEADER fields: each message's top-level header, from its tree (no
//   blob is read);
// - BODY and TEXT: each whole message.
// Messages are read a slice of UIDs at a time, so memory stays bounded
// whatever the mailbox holds. Blocking (store calls): run it on the store
// executor.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "imap/search_eval.h"
#include "store/store.h"

namespace eider::imap {

// A message the client may be told about: its sequence number in the
// session's view, its UID and whether it is \Recent in that session.
struct SearchCandidate {
  uint32_t seq = 0;
  uint32_t uid = 0;
  bool recent = false;
};

struct SearchHits {
  std::vector<uint32_t> numbers;  // UIDs (`by_uid`) or sequence numbers, ascending
  std::vector<uint64_t> modseqs;  // each hit's modseq as matched (RFC 7162 3.1.5)
};

// True when a MODSEQ key appears anywhere in the tree (the answer then
// ends with the MODSEQ of its hits, and CONDSTORE is on).
bool mentions_modseq(const SearchKey& key);

// The MODSEQ that SEARCH answers with when a key mentions it (RFC 7162
// 3.1.5): the highest modseq of the hits, or, when the RETURN options are
// only MIN and/or MAX (RFC 4731), of the hits returned. nullopt without a
// hit, when no MODSEQ is sent.
std::optional<uint64_t> answered_modseq(const SearchHits& hits,
                                        const std::vector<std::string>& returns);

// The matching candidates. `candidates` must be in ascending UID order. A
// candidate expunged meanwhile does not match.
Result<SearchHits> run_search(store::Store& store, int64_t user_id, int64_t mailbox_id,
                              const SearchProgram& program,
                              std::span<const SearchCandidate> candidates, bool by_uid);

}  // namespace eider::imap
