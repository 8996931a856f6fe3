// BINARY (RFC 3516), private to src/imap: a part's content with its
// Content-Transfer-Encoding undone, for fetch_response.cc.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "mime/message.h"

namespace eider::imap {

// The body of `part` (of the message `raw` was parsed into) decoded: base64
// and quoted-printable with the mime codecs (tolerant, as for SEARCH), 7bit,
// 8bit, binary and no encoding as stored. Text lines end CRLF as BODY[n]
// sends them (a bare LF or bare CR made CRLF), in identity-encoded parts and
// at quoted-printable hard line breaks; decoded base64, and "=0A" in
// quoted-printable, are content and stay as decoded. NUL is kept (BINARY
// sends it in a literal8). A part that is not a leaf has no encoding of its
// own to undo: Code::invalid_argument for a multipart. Code::unsupported
// for any other encoding (answered NO [UNKNOWN-CTE]). Memory: the decoded
// bytes.
Result<std::string> decode_binary(std::string_view raw, const mime::Part& part);

// BINARY[] (RFC 3516 4.2: the empty section is the whole message, header
// included): the message with lines ending CRLF, as BODY[] sends it, except
// that every leaf part sent in base64 or quoted-printable (the top-level
// body of a non-multipart message too) comes decoded, its
// Content-Transfer-Encoding field replaced by "Content-Transfer-Encoding:
// binary" at the end of its header, so the result is still a MIME message
// that says what it holds (Dovecot converts the same way).
// Code::unsupported when a leaf part has an encoding that cannot be
// decoded. Memory: about the message's size.
Result<std::string> decode_binary_message(std::string_view raw, const mime::Part& root);

}  // namespace eider::imap
