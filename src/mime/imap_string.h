// Shared by src/mime and src/imap (nothing else): writing IMAP strings
// (RFC 3501 section 4.3) into ENVELOPE, BODYSTRUCTURE and FETCH responses.
//
// A value goes out as a quoted string when it can be one (only TEXT-CHARs,
// not longer than kMaxQuotedSize), otherwise as a literal {n}\r\n... .
// NUL, which no IMAP string may carry, is sent as byte 0x80, as Dovecot does.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace eider::mime::imap {

inline constexpr size_t kMaxQuotedSize = 4096;

// `s` as an IMAP string (quoted or literal), byte for byte.
void append_string(std::string& out, std::string_view s);

// NIL for "", else append_string(s).
void append_nstring(std::string& out, std::string_view s);

// NIL for "", else the string with CR and LF removed (Content-ID, -MD5,
// -Location, -Description).
void append_nstring_nolf(std::string& out, std::string_view s);

// A header text meant for people (Subject, display names): CR and LF dropped,
// runs of white space made one space, leading and trailing space trimmed.
void append_string_for_humans(std::string& out, std::string_view s);

}  // namespace eider::mime::imap
