// Mailbox names on the wire: modified UTF-7 (RFC 3501 5.1.3).
//
// Decoding is strict, so each name has exactly one wire form: printable
// ASCII stands for itself ("&" as "&-"); other characters are modified
// base64 of UTF-16 between "&" and "-". Rejected: an unterminated or empty
// "&...-" run other than "&-", a run encoding printable ASCII ("&AGE-" for
// "a"), bits left over or non-zero padding bits, unpaired surrogates, two
// adjacent runs ("&AOQ-&AOQ-" must be one run), and bytes outside 0x20-0x7e.
// Output is at most 3/2 the input length (decode) or 8/3 + 2 (encode).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace eider::imap {

// The UTF-8 name for a modified UTF-7 wire name; invalid_argument otherwise.
Result<std::string> decode_mailbox_name(std::string_view wire);

// The modified UTF-7 wire name for a UTF-8 name; invalid_argument for
// invalid UTF-8 (overlong forms, surrogates, above U+10FFFF) or control chars.
Result<std::string> encode_mailbox_name(std::string_view utf8);

}  // namespace eider::imap
