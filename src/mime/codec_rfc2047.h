// RFC 2047 encoded words in header text, decoded to UTF-8 for search and display.
#pragma once

#include <string>
#include <string_view>

namespace eider::mime {

// The UTF-8 text of a raw header field value (as mime::header_fields gives
// it). Folding line breaks are removed. Encoded words ("=?charset?B?...?=" and
// "=?charset?Q?...?=", any case, RFC 2231 "*language" allowed in the charset)
// are decoded through to_utf8(); whitespace between two encoded words is
// dropped, and adjacent words in the same charset are joined before
// conversion, so a character split across words survives. Malformed encoded
// words stay as written. Raw 8-bit text is kept when it is UTF-8 (RFC 6532)
// and read as windows-1252 otherwise. Never fails; time linear in the input.
std::string decode_header_text(std::string_view raw);

}  // namespace eider::mime
