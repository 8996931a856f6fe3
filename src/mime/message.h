// The MIME parser: bytes in, a tree of parts with byte offsets out.
//
// parse() never fails. Any byte string is a message: broken headers, missing
// boundaries, bare LF or CR, NUL bytes and 8-bit data all yield a tree whose
// ranges cover the input exactly. Multipart nesting deeper than
// Limits::max_depth, or parts beyond Limits::max_parts, make the rest of that
// body one opaque leaf. Memory is O(number of parts + header fields), never a
// copy of the input; time is linear in the input size (times the number of
// open boundaries for lines that start with "--").
//
// A delimiter line is "--" and an open boundary at a line start, whatever
// follows the boundary (RFC 2046 5.1.1, as Dovecot reads it); "--" right
// after the boundary closes the multipart. Of several open boundaries that
// match, one that is the whole line (or the whole line less a closing "--")
// wins, then the longest, then the innermost. The line ending before a
// delimiter belongs to the delimiter, not to the part before it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eider::mime {

// A half-open byte range [begin, end) into the parsed input.
struct Range {
  uint64_t begin = 0;
  uint64_t end = 0;
  uint64_t size() const { return end - begin; }
  std::string_view in(std::string_view bytes) const { return bytes.substr(begin, end - begin); }
};

// A Content-Type / Content-Disposition parameter. The name is lowercased;
// the value is unquoted (backslash escapes removed) but not charset-decoded.
// RFC 2231 continuations (name*0, name*1*, ...) are kept as separate params,
// exactly as they appear (BODYSTRUCTURE joins them, as Dovecot does).
struct Param {
  Param() = default;
  Param(std::string lower_name, std::string raw_value, std::string written = {})
      : name(std::move(lower_name)),
        value(std::move(raw_value)),
        written_name(std::move(written)) {}

  std::string name;
  std::string value;
  // The name as written when it is not all lowercase ("Boundary"), else "":
  // BODYSTRUCTURE echoes the sender's spelling, as Dovecot does.
  std::string written_name;
  std::string_view name_as_written() const { return written_name.empty() ? name : written_name; }
};

struct Part {
  // The header block: from the part's first byte up to and including the
  // empty line that ends it (or up to the end of the part when there is none).
  Range header;
  // The body: everything after the header block up to the part's end. For a
  // multipart this includes preamble, children, delimiters and epilogue.
  Range body;

  // From Content-Type, lowercased; defaults "text"/"plain" (or
  // "message"/"rfc822" inside multipart/digest) as RFC 2045/2046 say.
  std::string type = "text";
  std::string subtype = "plain";
  std::vector<Param> params;
  std::string id;                // Content-ID, raw (unfolded, trimmed), "" if absent
  std::string description;       // Content-Description, raw (unfolded, trimmed)
  bool has_description = false;  // present, even if empty
  std::string encoding;          // Content-Transfer-Encoding lowercased, "" if absent (7bit)
  // A Content-Transfer-Encoding field was present but its value is not one
  // mechanism token (empty, "quoted printable", "text/html"): `encoding` is
  // "" as for an absent field (BODYSTRUCTURE shows 7bit, as Dovecot does),
  // but the body's encoding is unknown, so BINARY cannot undo it (RFC 2045
  // section 6.4, RFC 3516 UNKNOWN-CTE).
  bool encoding_unreadable = false;
  std::string md5;               // Content-MD5, raw
  std::string disposition;       // disposition type, lowercased, "" if absent or empty
  bool has_disposition = false;  // a Content-Disposition field was seen, even empty
  std::vector<Param> disposition_params;
  std::vector<std::string> language;  // Content-Language values
  std::string location;               // Content-Location, raw

  // Line endings of the body as IMAP sends it (LF, and bare CR, which goes
  // out as CRLF), for text/* and message/* parts (0 for others): the line
  // ending before a delimiter is not in the body, as in Dovecot.
  uint64_t body_lines = 0;

  // For multipart: the child parts, in order. For message/rfc822 (and
  // message/global): exactly one child, the embedded message, whose header
  // range starts at this part's body. Otherwise empty.
  std::vector<Part> children;
  // True when nesting or part limits stopped parsing inside this part: a
  // would-be container became a leaf (no children), or a multipart hit
  // max_parts and the bytes after its last child stay unparsed in its body.
  bool truncated = false;

  // Type, subtype, encoding and disposition type as written, NUL-separated,
  // or "" when all four are written in lowercase (nearly always), so that
  // BODYSTRUCTURE can echo "TEXT" "PLAIN" as Dovecot does at no cost to the
  // common part. Logic uses the lowercased fields above.
  std::string written_case;
  enum class Spelled { type, subtype, encoding, disposition };
  std::string_view as_written(Spelled which) const;

  bool is_multipart() const { return type == "multipart"; }
  bool is_message() const {
    return type == "message" && (subtype == "rfc822" || subtype == "global");
  }
  // The value of the named (lowercased) Content-Type parameter, or "".
  std::string_view param(std::string_view name) const;
  bool has_param(std::string_view name) const;
};

// parse() recurses once per nesting level, so max_depth also bounds its
// stack use (a few hundred bytes per level): keep it in the hundreds.
struct Limits {
  uint32_t max_depth = 100;            // levels of parts, the top-level part being level 1
  uint32_t max_parts = 100000;         // parts in one message
  uint32_t max_header_fields = 10000;  // fields parsed per header block (rest kept raw)
};

// The root part is the whole message: root.header.begin == 0 and
// root.body.end == bytes.size().
struct Message {
  Part root;
};

Message parse(std::string_view bytes, const Limits& limits = {});

// A header field as found in a header block.
struct HeaderField {
  std::string_view name;   // as written (not lowercased)
  std::string_view value;  // raw, after the colon, folding kept, line ending excluded
};

// Every field of a header block, in order, up to its first empty line. Lines
// without a colon, or whose name has white space in it (a leading mbox
// "From " line), are skipped, with their continuation lines.
std::vector<HeaderField> header_fields(std::string_view header_block);

// The raw value of the first field named `name` (case-insensitive), or "".
std::string_view header_value(std::string_view header_block, std::string_view name);

// The IMAP ENVELOPE of a message part (the root or an embedded message), as
// the exact parenthesised list RFC 3501 section 7.4.2 defines, "(" to ")".
// The first of each header field counts, as for SEARCH SENTON and the
// Content-* fields (Dovecot's ENVELOPE takes the last Date, Subject and IDs
// and joins repeated address fields); Sender and Reply-To default to From.
// Strings that cannot be quoted (8-bit, CR, LF, NUL, over 4 KB) are
// literals {n}\r\n..., so the result is ready to send as FETCH data.
// `bytes` is the input given to parse(). Time and memory are linear in the
// part's header.
std::string envelope(std::string_view bytes, const Part& message);

// The IMAP BODYSTRUCTURE (extended = true) or BODY (extended = false) of a
// message whose top-level part is `part` (Dovecot writes a plain 7bit
// top-level part in a fixed lowercase form, see bodystructure.cc), as RFC
// 3501 defines `body`, outer parentheses included, with MD5 NIL
// (or the Content-MD5 value), disposition, language and location in the
// extension data. Follows Dovecot's conventions (see bodystructure.cc).
// Sizes are mime::wire_size (mime/wire.h), as IMAP sends the part. Time is
// linear in the part.
std::string bodystructure(std::string_view bytes, const Part& part, bool extended);

}  // namespace eider::mime
