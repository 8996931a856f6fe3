// The addresses of an address field (From, To, Cc, Bcc, ...) as SEARCH
// matches them: parsed as ENVELOPE parses them (mime/envelope.cc), so that
// comments, quoting and folding white space do not hide an address.
#pragma once

#include <string>
#include <string_view>

namespace eider::mime {

// "name <local@domain>" for each address of the raw field value, joined by
// ", ": the display name RFC 2047-decoded, comments and CFWS dropped from
// the addr-spec, group names as "name:". Parts the field lacks are left out
// (no MISSING_MAILBOX or SYNTAX_ERROR placeholders). Linear in the value.
std::string address_search_text(std::string_view raw_value);

}  // namespace eider::mime
