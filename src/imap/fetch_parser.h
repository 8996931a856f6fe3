// FETCH arguments (RFC 3501 6.4.5, RFC 3516 BINARY, RFC 7162 CONDSTORE and
// QRESYNC): the sequence set, the attributes with macros expanded, and the
// CHANGEDSINCE / VANISHED modifiers. Parsed by parse_command (imap/parser.h).
//
// Bounds: one FetchAttribute per attribute the client wrote (a macro gives at
// most 5), each at most the line length; section parts at most kMaxPartDepth.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "imap/sequence_set.h"

namespace eider::imap {

class Cursor;

// Deeper than the parser descends by default (max-mime-depth, 100 levels;
// an embedded message adds one number a level), so every part BODYSTRUCTURE
// shows can be fetched.
inline constexpr std::size_t kMaxPartDepth = 256;

enum class FetchItem {
  envelope,
  flags,
  internal_date,
  rfc822,         // = BODY[] (sets \Seen)
  rfc822_header,  // = BODY.PEEK[HEADER]
  rfc822_size,
  rfc822_text,  // = BODY[TEXT] (sets \Seen)
  body,         // BODY without a section: the non-extensible BODYSTRUCTURE
  body_structure,
  uid,
  mod_seq,
  body_section,    // BODY[...] and BODY.PEEK[...]
  binary_section,  // BINARY[...] and BINARY.PEEK[...]
  binary_size,     // BINARY.SIZE[...]
};

struct Section {
  std::vector<uint32_t> part;  // "1.2.3"; empty = the whole message
  enum class Text { none, header, header_fields, header_fields_not, text, mime };
  Text text = Text::none;
  std::vector<std::string> fields;  // HEADER.FIELDS (.NOT): header names as written
  bool operator==(const Section&) const = default;
};

struct Partial {
  uint32_t offset = 0;
  uint32_t length = 0;  // nz-number
  bool operator==(const Partial&) const = default;
};

struct FetchAttribute {
  FetchItem item = FetchItem::uid;
  bool peek = false;  // BODY.PEEK / BINARY.PEEK: do not set \Seen
  Section section;
  std::optional<Partial> partial;
  bool operator==(const FetchAttribute&) const = default;
};

struct FetchRequest {
  SequenceSet set;
  std::vector<FetchAttribute> attributes;
  std::optional<uint64_t> changed_since;  // CHANGEDSINCE mod-sequence
  bool vanished = false;                  // VANISHED (UID FETCH with QRESYNC only)
};

// Reads "sequence-set SP (att / macro / "(" att *(SP att) ")") [SP modifiers]".
Result<FetchRequest> parse_fetch(Cursor& cursor);

}  // namespace eider::imap
