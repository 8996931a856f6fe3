// The addresses of an address field (From, To, Cc, Bcc, ...) as SEARCH
// matches them: parsed as ENVELOPE parses them (mime/envelope.cc), so that
// comments, quoting and folding white space do not hide an address.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace eider::mime {

// "name <local@domain>" for each address of the raw field value, joined by
// ", ": the display name RFC 2047-decoded, comments and CFWS dropped from
// the addr-spec, group names as "name:". Parts the field lacks are left out
// (no MISSING_MAILBOX or SYNTAX_ERROR placeholders). Linear in the value.
std::string address_search_text(std::string_view raw_value);

// One address of a field, for display (the HTTP API's {name, address}).
struct DisplayAddress {
  std::string name;     // display name, RFC 2047-decoded to UTF-8; "" when none
  std::string address;  // "local@domain" ("local" alone when the domain is missing)
};

// The addresses of the raw field value, parsed as for address_search_text;
// groups are flattened into their members, members without a local part
// are left out. Linear in the value.
std::vector<DisplayAddress> display_addresses(std::string_view raw_value);

}  // namespace eider::mime
