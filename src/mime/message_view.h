// A message as a reader sees it (the HTTP API's parsed message, WildDuck's
// shape): decoded headers and addresses, the text and HTML bodies in UTF-8,
// and the attachments with ids that stay the same for the same bytes.
//
// Made from the message's bytes and their parse; never fails (any bytes are
// a message, mime/message.h). Stored bytes are never changed: everything
// here is a decoded copy for display, and every string is valid UTF-8
// (what does not decode becomes U+FFFD).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mime/address_text.h"
#include "mime/message.h"

namespace eider::mime {

struct ViewHeader {
  std::string key;    // the field name, lowercased
  std::string value;  // unfolded, RFC 2047-decoded to UTF-8
};

struct ViewAttachment {
  std::string id;                 // "ATT00001", "ATT00002", ... in document order
  std::string filename;           // RFC 2231 / 2047 decoded; "" when the part names none
  std::string content_type;       // "image/png", lowercased
  std::string disposition;        // "attachment", "inline" or "" (none given)
  std::string transfer_encoding;  // lowercased, "7bit" when none is given
  std::string content_id;         // without its angle brackets, "" when none
  bool related = false;           // in a multipart/related: shown inside the HTML body
  uint64_t size = 0;              // bytes once decoded (decode_body)
};

struct ViewOptions {
  // The text bodies are cut (at a character boundary) beyond these sizes.
  size_t max_text_bytes = 1 << 20;
  size_t max_html_bytes = 1 << 20;
};

struct MessageView {
  std::vector<ViewHeader> headers;  // every top-level field, in order
  std::vector<DisplayAddress> from, sender, reply_to, to, cc, bcc;
  std::string subject;     // decoded
  std::string message_id;  // as written, angle brackets kept
  std::string in_reply_to;
  std::optional<int64_t> date;    // the Date field, seconds since the epoch (nullopt: none)
  std::string content_type;       // the top-level part's, "multipart/mixed"
  std::string text;               // the text/plain bodies joined by "\n", UTF-8
  std::vector<std::string> html;  // each text/html body, UTF-8
  bool text_truncated = false;    // text (or html) was cut at its limit
  bool html_truncated = false;
  std::vector<ViewAttachment> attachments;
};

// The view of `bytes` (parsed into `message`). A leaf part is a body when it
// is text/plain or text/html, not "attachment" disposed and unnamed; every
// other leaf, and every embedded message as a whole, is an attachment.
// Time and memory linear in the message.
MessageView make_view(std::string_view bytes, const Message& message,
                      const ViewOptions& options = {});

// The header-derived fields of make_view (headers, addresses, subject,
// ids, date) from a top-level header block alone: a listing reads no body.
MessageView view_of_header(std::string_view header_block);

// The part make_view listed with this attachment id, or nullptr.
const Part* find_attachment(const Message& message, std::string_view id);

// The part's body with its Content-Transfer-Encoding undone (base64 and
// quoted-printable; any other encoding as stored). For an embedded message
// or multipart, its body as stored. Memory: the decoded bytes.
std::string decode_body(std::string_view bytes, const Part& part);

// The seconds since the epoch of an RFC 5322 date-time ("Tue, 1 Jul 2003
// 10:52:37 +0200", weekday and seconds optional, obsolete zone names and a
// two-digit year accepted, comments ignored); nullopt when it is none.
std::optional<int64_t> parse_date_time(std::string_view value);

}  // namespace eider::mime
