// IMAP BODY and BODYSTRUCTURE (RFC 3501 section 7.4.2), written the way
// Dovecot's imap-bodystructure.c writes them: text parts without a charset
// get ("charset" "us-ascii") appended, the encoding defaults to "7bit",
// media types, encodings, disposition types and parameter names keep the
// case they were written in, a
// multipart with no children shows one empty text/plain child, sizes count
// what IMAP sends (mime::wire_size: a bare LF or CR goes out as CRLF), and
// lines are counted for text/* and message/rfc822 bodies.
#include <algorithm>

#include "core/ascii.h"
#include "mime/codec_rfc2231.h"
#include "mime/header_syntax.h"
#include "mime/imap_string.h"
#include "mime/message.h"
#include "mime/wire.h"

namespace eider::mime {
namespace {

constexpr std::string_view kEmptyBody =
    R"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0))";
constexpr std::string_view kEmptyBodyExtended =
    R"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL))";

void append_params(std::string& out, const std::vector<Param>& raw, bool default_charset) {
  const std::vector<Param> params = join_continuations(raw);
  bool has_charset =
      std::any_of(params.begin(), params.end(), [](const Param& p) { return p.name == "charset"; });
  bool add_charset = default_charset && !has_charset;
  if (params.empty() && !add_charset) {
    out += "NIL";
    return;
  }
  out.push_back('(');
  for (size_t i = 0; i < params.size(); ++i) {
    if (i > 0) out.push_back(' ');
    imap::append_string(out, params[i].name_as_written());
    out.push_back(' ');
    imap::append_string(out, params[i].value);
  }
  if (add_charset) {
    if (!params.empty()) out.push_back(' ');
    out += R"("charset" "us-ascii")";
  }
  out.push_back(')');
}

// body-ext-1part / body-ext-mpart after MD5 or params: disposition,
// language, location.
void append_common_extension(std::string& out, const Part& part) {
  out.push_back(' ');
  if (!part.has_disposition) {
    out += "NIL";
  } else {
    // An empty Content-Disposition is ("" NIL), as Dovecot sends it.
    out.push_back('(');
    imap::append_string(out, part.as_written(Part::Spelled::disposition));
    out.push_back(' ');
    append_params(out, part.disposition_params, false);
    out.push_back(')');
  }
  out.push_back(' ');
  if (part.language.empty()) {
    out += "NIL";
  } else {
    out.push_back('(');
    for (size_t i = 0; i < part.language.size(); ++i) {
      if (i > 0) out.push_back(' ');
      imap::append_string(out, part.language[i]);
    }
    out.push_back(')');
  }
  out.push_back(' ');
  imap::append_nstring_nolf(out, part.location);
}

void append_body(std::string& out, std::string_view bytes, const Part& part, bool extended);

// body-fields: parameters, id, description, encoding and size.
void append_body_fields(std::string& out, std::string_view bytes, const Part& part,
                        bool default_charset) {
  append_params(out, part.params, default_charset);
  out.push_back(' ');
  imap::append_nstring_nolf(out, part.id);
  out.push_back(' ');
  // A present but empty Content-Description is "", as Dovecot sends it.
  if (part.has_description && part.description.empty()) {
    out += R"("")";
  } else {
    imap::append_nstring_nolf(out, part.description);
  }
  out.push_back(' ');
  imap::append_string(out, part.encoding.empty() ? std::string_view("7bit")
                                                 : part.as_written(Part::Spelled::encoding));
  out.push_back(' ');
  out += std::to_string(wire_size(part.body.in(bytes)));
}

void append_multipart(std::string& out, std::string_view bytes, const Part& part, bool extended) {
  if (part.children.empty()) {
    out += extended ? kEmptyBodyExtended : kEmptyBody;
  }
  for (const Part& child : part.children) append_body(out, bytes, child, extended);
  out.push_back(' ');
  imap::append_string(out, part.as_written(Part::Spelled::subtype));
  if (!extended) return;
  out.push_back(' ');
  append_params(out, part.params, false);
  append_common_extension(out, part);
}

// A multipart or message the parser did not descend into (Limits): its
// parts are unknown, so it is shown as what it now is to a client, bytes to
// save (RFC 2046 4.5.1), with its own parameters, as Dovecot shows it. The
// size is that of its body as BODY[n] sends it.
void append_opaque(std::string& out, std::string_view bytes, const Part& part, bool extended) {
  out += R"("application" "octet-stream" )";
  append_body_fields(out, bytes, part, false);
  if (!extended) return;
  out.push_back(' ');
  imap::append_nstring_nolf(out, part.md5);
  append_common_extension(out, part);
}

void append_single(std::string& out, std::string_view bytes, const Part& part, bool extended) {
  bool text = part.type == "text";
  // Dovecot writes an embedded message's type in lowercase, whatever the
  // sender wrote.
  imap::append_string(
      out, part.is_message() ? std::string_view(part.type) : part.as_written(Part::Spelled::type));
  out.push_back(' ');
  imap::append_string(out, part.is_message() ? std::string_view(part.subtype)
                                             : part.as_written(Part::Spelled::subtype));
  out.push_back(' ');
  append_body_fields(out, bytes, part, text);
  if (text) {
    out.push_back(' ');
    out += std::to_string(part.body_lines);
  } else if (part.is_message() && part.children.size() == 1) {
    out.push_back(' ');
    out += envelope(bytes, part.children.front());
    out.push_back(' ');
    append_body(out, bytes, part.children.front(), extended);
    out.push_back(' ');
    out += std::to_string(part.body_lines);
  } else if (part.is_message()) {
    // Not parsed (a base64 or quoted-printable message/rfc822):
    // RFC 3501 7.4.2 still wants an envelope, a body and a line count, so
    // empty ones stand in, as Dovecot sends them.
    out += " (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) ";
    out += extended ? kEmptyBodyExtended : kEmptyBody;
    out.push_back(' ');
    out += std::to_string(part.body_lines);
  }
  if (!extended) return;
  out.push_back(' ');
  imap::append_nstring_nolf(out, part.md5);
  append_common_extension(out, part);
}

void append_body(std::string& out, std::string_view bytes, const Part& part, bool extended) {
  out.push_back('(');
  if (part.truncated && part.children.empty() && (part.is_multipart() || part.is_message())) {
    append_opaque(out, bytes, part, extended);
  } else if (part.is_multipart()) {
    append_multipart(out, bytes, part, extended);
  } else {
    append_single(out, bytes, part, extended);
  }
  out.push_back(')');
}

// Dovecot's message_part_data_is_plain_7bit (lib-mail/message-part-data.c):
// a message whose top-level part is text/plain with no parameter but
// charset=us-ascii and no Content-* field but a 7bit encoding gets a fixed
// BODYSTRUCTURE, all lowercase, whatever case the header used ("TEXT/PLAIN;
// CHARSET=US-ASCII", "7BIT"). Parts below the top keep their case.
bool is_plain_7bit(const Part& root) {
  if (root.type != "text" || root.subtype != "plain") return false;
  if (root.params.size() > 1) return false;
  if (root.params.size() == 1 &&
      (root.params[0].name != "charset" || !core::iequals(root.params[0].value, "us-ascii")))
    return false;
  if (!root.encoding.empty() && root.encoding != "7bit") return false;
  return root.id.empty() && !root.has_description && root.md5.empty() && !root.has_disposition &&
         root.language.empty() && root.location.empty();
}

}  // namespace

std::string bodystructure(std::string_view bytes, const Part& part, bool extended) {
  std::string out;
  if (is_plain_7bit(part)) {
    out = R"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" )";
    out += std::to_string(wire_size(part.body.in(bytes)));
    out.push_back(' ');
    out += std::to_string(part.body_lines);
    out += extended ? " NIL NIL NIL NIL)" : ")";
    return out;
  }
  append_body(out, bytes, part, extended);
  return out;
}

}  // namespace eider::mime
