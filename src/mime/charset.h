// Conversion of text in a MIME charset to UTF-8, for search and display.
//
// Not for stored message bytes: those are never converted.
#pragma once

#include <string>
#include <string_view>

namespace eider::mime {

// `bytes` in `charset` (a MIME charset name, any case, quotes and an RFC 2231
// "*language" suffix tolerated) as UTF-8. Every charset ICU knows by name or
// alias converts; some names are widened to the superset that senders really
// mean, as browsers do (ISO-8859-1 -> windows-1252, GB2312 -> GB18030,
// EUC-KR -> windows-949). US-ASCII, UTF-8, an empty name and unknown charsets
// take the bytes as UTF-8. Bytes that do not convert become U+FFFD. Never
// fails; time linear, memory O(output).
std::string to_utf8(std::string_view bytes, std::string_view charset);

// Whether to_utf8() converts `charset` with a real converter rather than
// taking the bytes as UTF-8.
bool charset_known(std::string_view charset);

// The valid UTF-8 of `bytes` kept, each invalid byte replaced with U+FFFD.
std::string sanitize_utf8(std::string_view bytes);

bool is_valid_utf8(std::string_view bytes);

}  // namespace eider::mime
