#include "imap/fetch_binary.h"

#include <cstdint>

#include "core/ascii.h"
#include "mime/codec_base64.h"
#include "mime/codec_qp.h"
#include "mime/wire.h"

namespace eider::imap {
namespace {

bool is_identity(const std::string& encoding) {
  return encoding.empty() || encoding == "7bit" || encoding == "8bit" || encoding == "binary";
}

// RFC 2045 section 6.4: "Any entity with an unrecognized
// Content-Transfer-Encoding must be treated as if it has a Content-Type of
// "application/octet-stream"" - a field whose value is no mechanism at all
// (empty, "quoted printable", "quoted-printable;") is unrecognized, not
// 7bit, so its body cannot be decoded: NO [UNKNOWN-CTE] (RFC 3516).
Status unknown_encoding() {
  return error(Code::unsupported, "cannot read the Content-Transfer-Encoding field's value");
}

// Text lines as IMAP sends them (BODY[n] does the same): CRLF for every
// bare LF or bare CR. Most stored text is CRLF already and costs a scan.
void append_lines(std::string& out, std::string_view text) {
  if (mime::wire_size(text) == text.size()) {
    out += text;
  } else {
    mime::append_crlf_lines(out, text);
  }
}

std::string lines(std::string_view text) {
  std::string out;
  append_lines(out, text);
  return out;
}

// Quoted-printable's hard line breaks are the text's line breaks, so they
// decode to CRLF (as Dovecot's decoder does); "=0A" and "=0D" are bytes of
// the content and stay as encoded. The encoded text holds no other CR or
// LF, so its lines are made CRLF before decoding.
std::string decode_qp_lines(std::string_view body) {
  if (mime::wire_size(body) == body.size()) return mime::qp_decode(body);
  return mime::qp_decode(lines(body));
}

// Whether a header line starts the Content-Transfer-Encoding field: its
// name, then optional white space, then the colon.
bool starts_cte_field(std::string_view line) {
  constexpr std::string_view kName = "content-transfer-encoding";
  if (!core::istarts_with(line, kName)) {
    return false;
  }
  std::size_t i = kName.size();
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  return i < line.size() && line[i] == ':';
}

// Builds BINARY[]: bytes are copied from the message, lines made CRLF as
// BODY[] sends them, up to each converted part, whose header is rewritten
// and body decoded (base64 as the data it is, with no line conversion).
class MessageConverter {
 public:
  explicit MessageConverter(std::string_view raw) : raw_(raw) { out_.reserve(raw.size()); }

  Status convert(const mime::Part& part) {
    if (!part.children.empty()) {
      for (const mime::Part& child : part.children) {
        Status status = convert(child);
        if (!status.is_ok()) return status;
      }
      return Status::ok();
    }
    if (part.encoding_unreadable) return unknown_encoding();
    if (is_identity(part.encoding)) return Status::ok();
    if (part.encoding != "base64" && part.encoding != "quoted-printable") {
      return error(Code::unsupported, "cannot decode Content-Transfer-Encoding " + part.encoding);
    }
    if (part.body.size() == 0) return Status::ok();
    rewrite_header(part.header);
    std::string_view body = part.body.in(raw_);
    if (part.encoding == "base64") {
      out_ += mime::base64_decode(body).bytes;
    } else {
      out_ += decode_qp_lines(body);
    }
    copied_ = part.body.end;
    return Status::ok();
  }

  std::string finish() && {
    copy_to(raw_.size());
    return std::move(out_);
  }

 private:
  void copy_to(uint64_t end) {
    append_lines(out_, raw_.substr(copied_, end - copied_));
    copied_ = end;
  }

  // The header without its Content-Transfer-Encoding field(s), and
  // "Content-Transfer-Encoding: binary" added before the empty line, lines
  // ending CRLF. A part with a body has that empty line.
  void rewrite_header(const mime::Range& header) {
    copy_to(header.begin);
    std::string_view block = header.in(raw_);
    bool dropping = false;
    std::size_t pos = 0;
    while (pos < block.size()) {
      std::size_t lf = block.find('\n', pos);
      std::size_t next = lf == std::string_view::npos ? block.size() : lf + 1;
      std::string_view line = block.substr(pos, next - pos);
      if (line == "\r\n" || line == "\n") {
        out_ += "Content-Transfer-Encoding: binary\r\n";
        append_lines(out_, block.substr(pos));  // the empty line itself
        break;
      }
      const bool continuation = line[0] == ' ' || line[0] == '\t';
      if (!continuation) dropping = starts_cte_field(line);
      if (!dropping) append_lines(out_, line);
      pos = next;
    }
    copied_ = header.end;
  }

  std::string_view raw_;
  std::string out_;
  uint64_t copied_ = 0;
};

}  // namespace

Result<std::string> decode_binary(std::string_view raw, const mime::Part& part) {
  // A multipart past the parser's limits is one opaque part
  // (application/octet-stream in BODYSTRUCTURE): its bytes are its content.
  if (part.is_multipart() && !(part.truncated && part.children.empty())) {
    return error(Code::invalid_argument,
                 "BINARY of a multipart part: fetch its parts (RFC 3516 4.2)");
  }
  std::string_view body = part.body.in(raw);
  const std::string& encoding = part.encoding;  // lowercased, "" when absent
  // RFC 3516: BINARY of an identity-encoded part is the content BODY[n]
  // sends, lines and all, so its line endings go out as BODY[n]'s do.
  if (part.encoding_unreadable) return unknown_encoding();
  if (is_identity(encoding)) return lines(body);
  if (encoding == "base64") return mime::base64_decode(body).bytes;
  if (encoding == "quoted-printable") return decode_qp_lines(body);
  return error(Code::unsupported, "cannot decode Content-Transfer-Encoding " + encoding);
}

Result<std::string> decode_binary_message(std::string_view raw, const mime::Part& root) {
  MessageConverter converter(raw);
  Status status = converter.convert(root);
  if (!status.is_ok()) return status;
  return std::move(converter).finish();
}

}  // namespace eider::imap
