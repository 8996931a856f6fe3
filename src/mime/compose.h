// A message described by its parts (the HTTP API's JSON upload: from, to,
// subject, text, html, attachments) made into RFC 5322 bytes, ready for
// mail::Mail::append like any other message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace eider::mime {

struct ComposeAddress {
  std::string name;     // UTF-8, may be empty
  std::string address;  // "local@domain" (UTF-8 allowed, RFC 6532)
};

struct ComposeAttachment {
  std::string filename;      // UTF-8, may be empty
  std::string content_type;  // "type/subtype"; "" is application/octet-stream
  std::string content;       // the bytes themselves (not encoded)
  std::string content_id;    // without angle brackets; "" for none
  bool inline_disposition = false;
};

struct ComposeHeader {
  std::string key;
  std::string value;  // UTF-8, one line
};

struct ComposeInput {
  std::optional<ComposeAddress> from;
  std::vector<ComposeAddress> reply_to, to, cc, bcc;
  std::string subject;
  std::optional<std::string> text;  // UTF-8
  std::optional<std::string> html;  // UTF-8
  std::vector<ComposeAttachment> attachments;
  std::vector<ComposeHeader> headers;  // added after the standard fields
  std::string in_reply_to;             // a message id with its angle brackets, or ""
};

struct ComposeOptions {
  int64_t date = 0;                             // the Date field, seconds since the epoch
  std::string message_id_domain = "localhost";  // right of the '@' of the new Message-ID
};

// The message: the header fields given (non-ASCII text as RFC 2047 encoded
// words, UTF-8; filenames as RFC 2231 parameters), Date and Message-ID
// added, MIME-Version 1.0; the text and HTML as 7bit when they are short
// ASCII lines, else quoted-printable, both in a multipart/alternative when
// both are given; attachments in base64 inside a multipart/mixed. Lines end
// in CRLF. Code::invalid_argument for a header key that is not a field
// name or names a field compose writes itself (From, To, Subject, Date,
// Content-Type, ...), for a CR or LF in any one-line value, or for an
// address with white space or no '@'.
Result<std::string> compose(const ComposeInput& input, const ComposeOptions& options);

}  // namespace eider::mime
