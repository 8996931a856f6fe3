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
// 8bit, binary and no encoding as stored, byte for byte (no line-ending
// conversion: the result is content, not IMAP lines). A part that is not a
// leaf has no encoding of its own to undo: Code::invalid_argument for a
// multipart. Code::unsupported for any other encoding (answered
// NO [UNKNOWN-CTE]). Memory: the decoded bytes.
Result<std::string> decode_binary(std::string_view raw, const mime::Part& part);

}  // namespace eider::imap
