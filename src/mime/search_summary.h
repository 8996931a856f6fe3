// The header fields that SEARCH keys read most often, kept beside each
// stored message so that SEARCH SUBJECT/FROM/TO/CC/BCC/SENT* and HEADER on
// these fields read a few hundred bytes instead of decompressing and
// parsing the whole message (Dovecot keeps such fields in its cache file).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace eider::mime {

// Whether a field of this name (any case) is in a search summary: Subject,
// From, To, Cc, Bcc, Date, Sender, Reply-To, Message-ID, In-Reply-To,
// References.
bool in_search_summary(std::string_view field_name);

// Those fields of `header_block` (a top-level header, as header_fields()
// reads it), in their order, as a header block of their own: each one
// "name:value" with its folding kept, then CRLF, and an empty line at the
// end. header_fields() of the result yields exactly the summary fields of
// the original with the same names and values, so any search on them
// answers the same. "" when the summary would exceed `max_bytes` (the
// caller then searches the whole message); never "" otherwise.
std::string search_summary(std::string_view header_block, std::size_t max_bytes = 4096);

}  // namespace eider::mime
