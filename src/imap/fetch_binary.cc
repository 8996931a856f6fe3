#include "imap/fetch_binary.h"

#include "mime/codec_base64.h"
#include "mime/codec_qp.h"

namespace eider::imap {

Result<std::string> decode_binary(std::string_view raw, const mime::Part& part) {
  // A multipart past the parser's limits is one opaque part
  // (application/octet-stream in BODYSTRUCTURE): its bytes are its content.
  if (part.is_multipart() && !(part.truncated && part.children.empty())) {
    return error(Code::invalid_argument,
                 "BINARY of a multipart part: fetch its parts (RFC 3516 4.2)");
  }
  std::string_view body = part.body.in(raw);
  const std::string& encoding = part.encoding;  // lowercased, "" when absent
  if (encoding.empty() || encoding == "7bit" || encoding == "8bit" || encoding == "binary") {
    return std::string(body);
  }
  if (encoding == "base64") return mime::base64_decode(body).bytes;
  if (encoding == "quoted-printable") return mime::qp_decode(body);
  return error(Code::unsupported, "cannot decode Content-Transfer-Encoding " + encoding);
}

}  // namespace eider::imap
