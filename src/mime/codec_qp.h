// Quoted-printable (RFC 2045 section 6.7).
#pragma once

#include <string>
#include <string_view>

#include "mime/codec_base64.h"

namespace eider::mime {

// Decodes quoted-printable text. "=XX" (either case of hex digit) becomes the
// byte; '=' at the end of a line (before CRLF, LF or CR, optionally after
// spaces or tabs) is a soft line break and is removed with the line ending;
// spaces and tabs before a hard line ending are removed as RFC 2045 requires.
// Any other '=' is malformed and kept as it is. Never fails; time linear,
// memory: the output only.
std::string qp_decode(std::string_view text);

// Encodes bytes as quoted-printable text: line breaks in the input (CRLF, LF
// or CR) become `line_ending`, other control and 8-bit bytes and '=' become
// "=XX", a space or tab before a line break is encoded, and lines longer than
// 76 characters are split with soft line breaks.
std::string qp_encode(std::string_view bytes, LineEnding line_ending = LineEnding::crlf);

}  // namespace eider::mime
