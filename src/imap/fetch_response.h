// FETCH responses (RFC 3501 6.4.5 and 7.4.2): turns the parsed attributes
// and one message's stored data into "* n FETCH (...)\r\n". Pure: the
// session loads what plan_fetch() says is needed and calls render_fetch()
// once per message.
//
// Bytes on the wire: every body section is sent as IMAP sends a message,
// with each bare LF as CRLF (and a bare CR as CRLF), so BODY[] has exactly
// RFC822.SIZE (MessageInfo::wire_size) bytes and a message stored with CRLF
// comes back unchanged. Partial fetches <offset.length> count those bytes.
// Section numbers follow RFC 3501 6.4.5: a non-multipart message has part 1
// (its body); a message/rfc822 part's HEADER/TEXT/n refer to the embedded
// message; MIME is the part's own header block; a part that does not exist
// gives an empty string (as Dovecot does), never an error.
// BINARY[part] and BINARY.SIZE[part] (RFC 3516) send the part's decoded
// content (imap/fetch_binary.h), as a literal8 ~{n} when it holds NUL;
// BINARY[] the whole message with its leaf parts decoded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "imap/fetch_parser.h"
#include "mime/message.h"
#include "store/store.h"

namespace eider::imap {

struct FetchPlan {
  bool content = false;    // the message bytes are needed (body sections, RFC822*)
  bool parse = false;      // ... and their MIME parse (a section other than the whole message)
  bool stored = false;     // envelope / bodystructure / body text is needed
  bool sets_seen = false;  // a non-PEEK BODY[...], RFC822 or RFC822.TEXT is asked
  bool flags = false;      // FLAGS is asked
  bool info = false;       // INTERNALDATE, RFC822.SIZE or MODSEQ (the message row) is asked
  // A BINARY item is asked: render_fetch refuses a message whose part (or,
  // for BINARY[], any leaf part) it cannot decode.
  bool binary = false;
};

FetchPlan plan_fetch(const std::vector<FetchAttribute>& attributes);

struct FetchMessage {
  uint32_t seq = 0;
  const store::MessageInfo* info = nullptr;  // uid, flags, dates, sizes, modseq
  bool recent = false;                       // \Recent for this session
  // When plan.stored: envelope, bodystructure and body from the store.
  const store::StoredMessage* stored = nullptr;
  // When plan.content: the message as stored (rebuilt); when plan.parse,
  // its parse too.
  std::string_view raw;
  const mime::Message* parsed = nullptr;
};

struct FetchOptions {
  bool uid = false;          // UID FETCH: UID is always included (RFC 3501 6.4.8)
  bool add_flags = false;    // \Seen was just set: include FLAGS though not asked
  bool with_modseq = false;  // CONDSTORE enabled and a CHANGEDSINCE or MODSEQ asked
};

// Appends one "* seq FETCH (...)\r\n" line (with literals for sections).
// Fails, appending nothing, only for BINARY items the message cannot
// answer: Code::unsupported for a part whose Content-Transfer-Encoding
// cannot be decoded (NO [UNKNOWN-CTE]), Code::invalid_argument for a
// multipart part.
// Items appear in the order the client asked for them, UID first when it is
// added by FetchOptions::uid and not asked. Strings that cannot be quoted
// are literals; NUL bytes in a section are sent as they are stored (a
// literal carries any byte but NUL per RFC 3501; Dovecot sends 0x80 for
// NUL in literals too, which this follows).
Status render_fetch(std::string& out, const FetchMessage& message,
                    const std::vector<FetchAttribute>& attributes, const FetchOptions& options);
// render_fetch for attributes whose plan needs no content (flags, sizes,
// dates, UID, MODSEQ): only BINARY items can fail, and they need the
// content, so this cannot.
void render_metadata(std::string& out, const FetchMessage& message,
                     const std::vector<FetchAttribute>& attributes, const FetchOptions& options);

// The bytes of one section (before <partial>), with bare LF as CRLF. For
// tests and the differential test against Dovecot.
std::string section_bytes(std::string_view raw, const mime::Message& parsed,
                          const Section& section);

// "(\Seen $Forwarded)" with \Recent added when `recent`.
void append_flag_list(std::string& out, const std::vector<std::string>& flags, bool recent);

}  // namespace eider::imap
