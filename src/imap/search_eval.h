// SEARCH evaluation (RFC 3501 6.4.4): a parsed SearchRequest compiled once
// per command, then tested against each message of the selected mailbox.
// Pure: the session gives each message's metadata, and its bytes only when
// needs_content() says a key reads them.
//
// Text keys (BODY, TEXT, SUBJECT, FROM, TO, CC, BCC, HEADER) match a
// case-insensitive substring (Unicode simple case folding) of the decoded
// text: header values after RFC 2047 decoding and unfolding; bodies of
// text/* and message/* leaves (and message/rfc822 headers) after transfer
// decoding (base64, quoted-printable) and conversion of their charset to
// UTF-8. A body in an unknown transfer encoding is opaque (RFC 2045 6.4)
// and has no text, as in Dovecot.
// The search strings arrive in the request's CHARSET and are converted to
// UTF-8 first. HEADER name "" matches every message that has that field.
// Dates: BEFORE/ON/SINCE compare the internal date's day in UTC;
// SENTBEFORE/SENTON/SENTSINCE the Date: header's day in its own zone
// (a missing or unreadable Date: counts as 1970-01-01, as in Dovecot).
// LARGER/SMALLER compare RFC822.SIZE (wire_size). MODSEQ compares the
// message's modseq. Sequence sets and UID sets resolve "*" against the
// values given to compile().
//
// Cost: compile is linear in the request; matching is linear in the key
// tree, plus one parse and decode of the message for content keys (done
// once per message and shared by every key).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "imap/search_parser.h"
#include "store/store.h"

namespace eider::imap {

struct SearchMessage {
  uint32_t seq = 0;
  const store::MessageInfo* info = nullptr;
  bool recent = false;
  // The message bytes as stored; empty unless needs_content(). Unless
  // needs_body(), the top-level header block alone (up to and including its
  // empty line) gives the same results; when summary_suffices(), so does
  // the message's mime::search_summary.
  std::string_view raw;
};

class SearchProgram {
 public:
  // Code::unsupported with message "BADCHARSET" for a charset that
  // mime/charset.h cannot convert (the session answers
  // NO [BADCHARSET (UTF-8 US-ASCII)]); Code::invalid_argument when a search
  // string is not valid in its charset. `max_seq` and `max_uid` resolve "*".
  static Result<SearchProgram> compile(const SearchRequest& request, uint32_t max_seq,
                                       uint32_t max_uid);

  // True when some key reads headers or bodies (so the session loads the message).
  bool needs_content() const;
  // True when some key (BODY, TEXT) reads past the top-level header block, so
  // that a header-only search need not rebuild bodies or load blobs.
  bool needs_body() const;
  // True when every content key reads only fields of mime::search_summary
  // (SUBJECT, FROM, TO, CC, BCC, SENT*, HEADER on those fields).
  bool summary_suffices() const;
  bool matches(const SearchMessage& message) const;

  SearchProgram(SearchProgram&&) noexcept;
  SearchProgram& operator=(SearchProgram&&) noexcept;
  ~SearchProgram();

 private:
  struct Impl;
  explicit SearchProgram(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The ESEARCH response line (RFC 4731) for a SEARCH with RETURN options:
// `hits` ascending (UIDs for UID SEARCH), `returns` as parsed (empty means
// ALL). MIN, MAX and ALL are left out when nothing matched, as 3.1 says;
// COUNT 0 is still given. `modseq` is appended as "MODSEQ n" (RFC 7162
// 3.1.5) when given.
std::string esearch_response(std::string_view tag, bool uid,
                             const std::vector<std::string>& returns,
                             std::span<const uint32_t> hits,
                             std::optional<uint64_t> modseq = std::nullopt);

}  // namespace eider::imap
