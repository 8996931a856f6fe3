// SEARCH arguments (RFC 3501 6.4.4, RFC 4731 ESEARCH, RFC 7162 MODSEQ): an
// optional CHARSET, optional RETURN options and a tree of search keys.
// Parsed by parse_command (imap/parser.h).
//
// Bounds: one SearchKey per key the client wrote; the tree is at most
// ParserLimits::max_depth deep (OR, NOT and parentheses each add a level), so the
// recursive parser and every recursive walk over the tree stay bounded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "imap/sequence_set.h"

namespace eider::imap {

class Cursor;

// An RFC 3501 date: "1-Feb-1994" or "01-Feb-1994", quoted or not.
struct Date {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31, checked against the month (and leap years)
  bool operator==(const Date&) const = default;
};

struct SearchKey {
  enum class Kind {
    all,
    answered,
    deleted,
    draft,
    flagged,
    new_,
    old,
    recent,
    seen,
    unanswered,
    undeleted,
    undraft,
    unflagged,
    unseen,  // no argument
    keyword,
    unkeyword,  // text = the keyword
    bcc,
    body,
    cc,
    from,
    subject,
    text,
    to,      // text = the string to find
    header,  // field = header name, text = the string
    before,
    on,
    since,
    sent_before,
    sent_on,
    sent_since,  // date
    larger,
    smaller,  // number = size in bytes
    uid,
    sequence_set,  // set
    mod_seq,       // number; field = entry name, text = entry type (or "")
    and_,
    or_,
    not_,  // children: n (parentheses, top level), 2, 1
  };
  Kind kind = Kind::all;
  std::string field;
  std::string text;
  uint64_t number = 0;
  Date date;
  SequenceSet set;
  std::vector<SearchKey> children;
};

struct SearchRequest {
  std::optional<std::string> charset;  // upper-cased; the session checks it is known
  bool esearch = false;                // RETURN was given (RFC 4731)
  std::vector<std::string> returns;    // upper-cased: MIN MAX ALL COUNT SAVE; empty = ALL
  SearchKey key;                       // kind and_ over the keys written
};

// Parses "dd-Mon-yyyy" strictly (month names case-insensitive).
std::optional<Date> parse_date(std::string_view text);

// Reads "[RETURN (...)] [CHARSET x] 1*(SP search-key)" after "SEARCH SP".
Result<SearchRequest> parse_search(Cursor& cursor, std::size_t max_depth);

}  // namespace eider::imap
