#include "imap/fetch_binary.h"

#include <cstdint>

#include "mime/codec_base64.h"
#include "mime/codec_qp.h"

namespace eider::imap {
namespace {

bool is_identity(const std::string& encoding) {
  return encoding.empty() || encoding == "7bit" || encoding == "8bit" || encoding == "binary";
}

bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] + 32) : b[i];
    if (x != y) return false;
  }
  return true;
}

// Whether a header line starts the Content-Transfer-Encoding field: its
// name, then optional white space, then the colon.
bool starts_cte_field(std::string_view line) {
  constexpr std::string_view kName = "content-transfer-encoding";
  if (line.size() < kName.size() || !ascii_iequals(line.substr(0, kName.size()), kName)) {
    return false;
  }
  std::size_t i = kName.size();
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  return i < line.size() && line[i] == ':';
}

// Builds BINARY[]: bytes are copied from the message up to each converted
// part, whose header is rewritten and body decoded.
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
      out_ += mime::qp_decode(body);
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
    out_.append(raw_.substr(copied_, end - copied_));
    copied_ = end;
  }

  // The header without its Content-Transfer-Encoding field(s), and
  // "Content-Transfer-Encoding: binary" added before the empty line, with
  // that line's own line ending. A part with a body has that empty line.
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
        out_ += "Content-Transfer-Encoding: binary";
        out_ += line;               // its line ending
        out_ += block.substr(pos);  // the empty line itself
        break;
      }
      const bool continuation = line[0] == ' ' || line[0] == '\t';
      if (!continuation) dropping = starts_cte_field(line);
      if (!dropping) out_ += line;
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
  if (is_identity(encoding)) return std::string(body);
  if (encoding == "base64") return mime::base64_decode(body).bytes;
  if (encoding == "quoted-printable") return mime::qp_decode(body);
  return error(Code::unsupported, "cannot decode Content-Transfer-Encoding " + encoding);
}

Result<std::string> decode_binary_message(std::string_view raw, const mime::Part& root) {
  MessageConverter converter(raw);
  Status status = converter.convert(root);
  if (!status.is_ok()) return status;
  return std::move(converter).finish();
}

}  // namespace eider::imap
