// The size of bytes as IMAP and POP3 put them on the wire.
//
// Both protocols send lines ending in CRLF (RFC 3501 RFC822.SIZE, RFC 1939
// "exact size"): a bare LF (not after CR) and a bare CR (not before LF) each
// go out as CRLF, one byte more; CRLF goes out unchanged. Every size that a
// client compares with the bytes it receives (RFC822.SIZE, BODYSTRUCTURE part
// sizes, POP3 LIST and STAT) comes from this one function.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace eider::mime {

// Time is linear in the bytes; no allocation.
uint64_t wire_size(std::string_view bytes);

// Appends `bytes` with every bare LF and bare CR made CRLF, so that exactly
// wire_size(bytes) bytes are added; every other byte (NUL included) is kept,
// for content that may carry any byte (BINARY, RFC 3516).
void append_crlf_lines(std::string& out, std::string_view bytes);

}  // namespace eider::mime
