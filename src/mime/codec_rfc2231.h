// RFC 2231 parameter values (continuations, charset and language), decoded to
// UTF-8 for search and display.
#pragma once

#include <vector>

#include "mime/message.h"

namespace eider::mime {

// One parameter per name, in the order each name first appears, with its value
// as UTF-8. Sections "name*0", "name*1*", ... are joined in index order (a
// missing index ends the value); extended sections ("name*" and "name*N*")
// are percent-decoded, and the charset'language' prefix of the first one
// selects the charset (through to_utf8()). A plain value is read with
// decode_header_text(), which also handles the common non-standard RFC 2047
// words inside quoted parameters. When a name has both an RFC 2231 form and a
// plain one, the RFC 2231 form wins. Never fails; time O(n log n) in the
// number of params, linear in their bytes.
std::vector<Param> decode_params(const std::vector<Param>& raw);

// The parameters as Dovecot's rfc2231_parse() hands them to BODYSTRUCTURE:
// ordinary ones first, in order; then, per base name (case-insensitive,
// sorted), the sections "name*", "name*N", "name*N*" joined into one
// "name" (all plain) or "name*" (any extended: plain sections get '%'
// escaped, and a plain first section an empty '' prefix), values not
// decoded. A name whose indexes are not exactly 0..n-1 keeps its sections,
// written as "name*N" / "name*N*". Time O(n log n) in the number of params.
std::vector<Param> join_continuations(const std::vector<Param>& raw);

}  // namespace eider::mime
