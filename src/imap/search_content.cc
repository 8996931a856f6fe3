#include "imap/search_content.h"

#include "core/ascii.h"
#include "imap/search_date.h"
#include "imap/search_fold.h"
#include "mime/address_text.h"
#include "mime/charset.h"
#include "mime/codec_base64.h"
#include "mime/codec_qp.h"
#include "mime/codec_rfc2047.h"

namespace eider::imap {
namespace {

// Most header values are one line of ASCII with no encoded word; those skip
// the RFC 2047 decoder and its allocations, which dominates a header SEARCH.
bool needs_decoding(std::string_view raw) {
  for (char c : raw) {
    if (static_cast<unsigned char>(c) >= 0x80 || c == '\r' || c == '\n') return true;
  }
  return raw.find("=?") != std::string_view::npos;
}

std::string folded_header_text(std::string_view raw) {
  if (!needs_decoding(raw)) return fold_case(core::trim_wsp(raw));
  return fold_case(mime::decode_header_text(raw));
}

std::string_view unfolded_view(std::string_view raw) {
  while (!raw.empty() && (raw.front() == ' ' || raw.front() == '\t' || raw.front() == '\r' ||
                          raw.front() == '\n')) {
    raw.remove_prefix(1);
  }
  return raw;
}

std::string unfolded(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (char c : raw) {
    if (c != '\r' && c != '\n') out.push_back(c);
  }
  return out;
}

// "name: value" lines of a whole header block, decoded and folded, for TEXT;
// then the block as written, as Dovecot also searches it, so that text in
// lines that are no header field (a message without a header) is found too.
std::string folded_header_block(std::string_view block) {
  std::string out = fold_case(block);
  out += '\n';
  for (const mime::HeaderField& field : mime::header_fields(block)) {
    out += fold_case(field.name);
    out += ": ";
    out += folded_header_text(field.value);
    out += '\n';
  }
  return out;
}

std::string decoded_body(std::string_view bytes, const mime::Part& part) {
  if (part.encoding == "base64") return mime::base64_decode(bytes).bytes;
  if (part.encoding == "quoted-printable") return mime::qp_decode(bytes);
  return std::string(bytes);
}

bool known_encoding_name(std::string_view name) {
  return core::iequals(name, "7bit") || core::iequals(name, "8bit") ||
         core::iequals(name, "binary") || core::iequals(name, "base64") ||
         core::iequals(name, "quoted-printable");
}

// The leading MIME token of a Content-Transfer-Encoding value: "text" of
// "text/html", "7bit" of "7bit garbage", "" of "?x".
std::string_view leading_token(std::string_view value) {
  value = core::trim_wsp(unfolded_view(value));
  size_t n = 0;
  while (n < value.size() && static_cast<unsigned char>(value[n]) > ' ' &&
         std::string_view("()<>@,;:\\\"/[]?=").find(value[n]) == std::string_view::npos) {
    ++n;
  }
  return value.substr(0, n);
}

// RFC 2045 6.4: a body in an encoding we do not know is to be treated as
// application/octet-stream, which has no text to search (Dovecot skips it
// too). The parser reads "text/html" as no encoding, so the field is read
// again here.
bool known_encoding(const mime::Part& part, std::string_view raw) {
  if (!part.encoding.empty()) return known_encoding_name(part.encoding);
  for (const mime::HeaderField& field : mime::header_fields(part.header.in(raw))) {
    if (core::iequals(field.name, "Content-Transfer-Encoding")) {
      return known_encoding_name(leading_token(field.value));
    }
  }
  return true;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// Whether parsing can tell more than the raw text: comments, quoting,
// folds, or white space beside "@" or "." may split an address apart.
bool may_hide_an_address(std::string_view raw) {
  if (raw.find_first_of("(\"\\\r\n") != std::string_view::npos) return true;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '@' && raw[i] != '.') continue;
    if ((i > 0 && (raw[i - 1] == ' ' || raw[i - 1] == '\t')) ||
        (i + 1 < raw.size() && (raw[i + 1] == ' ' || raw[i + 1] == '\t'))) {
      return true;
    }
  }
  return false;
}

}  // namespace

const std::vector<mime::HeaderField>& MessageText::fields() {
  if (!fields_) {
    // header_fields() stops at the first empty line, so the body is never read.
    fields_ = mime::header_fields(raw_);
    folded_values_.resize(fields_->size());
  }
  return *fields_;
}

const std::string& MessageText::folded_value(size_t index) {
  std::optional<std::string>& value = folded_values_[index];
  if (!value) value = folded_header_text((*fields_)[index].value);
  return *value;
}

bool MessageText::header_contains(std::string_view name, std::string_view folded_needle,
                                  bool address) {
  const std::vector<mime::HeaderField>& all = fields();
  for (size_t i = 0; i < all.size(); ++i) {
    if (!core::iequals(all[i].name, name)) continue;
    if (folded_needle.empty() || contains(folded_value(i), folded_needle)) return true;
    if (!address) continue;
    // Dovecot also finds an address as written, encoded words and all.
    if (needs_decoding(all[i].value) &&
        contains(fold_case(unfolded(all[i].value)), folded_needle)) {
      return true;
    }
    // And as parsed: "<a (x)@ (y) b.org>" holds a@b.org.
    if (may_hide_an_address(all[i].value) &&
        contains(fold_case(mime::address_search_text(all[i].value)), folded_needle)) {
      return true;
    }
  }
  return false;
}

void MessageText::add_part_text(const mime::Part& part) {
  if (part.is_multipart()) {
    // A body part's own header block is text of the message body, so TEXT
    // finds it (RFC 3501 6.4.4 "header or body"); BODY keeps to the
    // decoded content, as Dovecot does.
    for (const mime::Part& child : part.children) {
      segments_->push_back({folded_header_block(child.header.in(raw_)), true});
      add_part_text(child);
    }
    return;
  }
  if (part.is_message()) {
    for (const mime::Part& embedded : part.children) {
      segments_->push_back({folded_header_block(embedded.header.in(raw_)), true});
      add_part_text(embedded);
    }
    return;
  }
  // Other message/* bodies (partial, delivery-status, feedback-report) are
  // text in all but name, and Dovecot searches them as text too.
  if (part.type != "text" && part.type != "message") return;
  if (!known_encoding(part, raw_)) return;
  std::string bytes = decoded_body(part.body.in(raw_), part);
  segments_->push_back({fold_case(mime::to_utf8(bytes, part.param("charset"))), false});
}

const std::vector<MessageText::Segment>& MessageText::segments() {
  if (!segments_) {
    segments_.emplace();
    mime::Message message = mime::parse(raw_);
    segments_->push_back({folded_header_block(message.root.header.in(raw_)), true});
    add_part_text(message.root);
  }
  return *segments_;
}

bool MessageText::body_contains(std::string_view folded_needle) {
  for (const Segment& segment : segments()) {
    if (!segment.header && contains(segment.folded, folded_needle)) return true;
  }
  return false;
}

bool MessageText::text_contains(std::string_view folded_needle) {
  for (const Segment& segment : segments()) {
    if (contains(segment.folded, folded_needle)) return true;
  }
  return false;
}

std::optional<int64_t> MessageText::sent_day() {
  for (const mime::HeaderField& field : fields()) {
    if (core::iequals(field.name, "Date")) return date_header_day(field.value);
  }
  return std::nullopt;
}

}  // namespace eider::imap
