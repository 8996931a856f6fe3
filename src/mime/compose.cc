#include "mime/compose.h"

#include <array>
#include <random>

#include "core/ascii.h"
#include "core/dates.h"
#include "mime/codec_base64.h"
#include "mime/codec_qp.h"

namespace eider::mime {
namespace {

constexpr size_t kMaxEncodedWord = 75;

// The fields compose writes itself: a caller's header must not repeat them.
constexpr std::array kOwnFields = {"from",
                                   "reply-to",
                                   "to",
                                   "cc",
                                   "bcc",
                                   "subject",
                                   "date",
                                   "message-id",
                                   "in-reply-to",
                                   "mime-version",
                                   "content-type",
                                   "content-transfer-encoding",
                                   "content-disposition"};

bool is_ascii_text(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80 || (c < 0x20 && c != '\t')) return false;
  }
  return true;
}

bool has_line_break(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos;
}

std::string random_hex(size_t digits) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  while (out.size() < digits) {
    uint64_t value = random();
    for (int i = 0; i < 16 && out.size() < digits; ++i, value >>= 4)
      out.push_back(kHex[value & 15]);
  }
  return out;
}

// UTF-8 text as RFC 2047 "B" encoded words of at most 75 characters, each
// holding whole characters, separated by folding white space.
std::string encoded_words(std::string_view text) {
  constexpr std::string_view kPrefix = "=?UTF-8?B?";
  constexpr size_t kMaxBytes = (kMaxEncodedWord - kPrefix.size() - 2) / 4 * 3;
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = std::min(text.size(), pos + kMaxBytes);
    while (end < text.size() && end > pos &&
           (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
      --end;
    }
    if (end == pos) end = std::min(text.size(), pos + kMaxBytes);
    if (!out.empty()) out += "\r\n ";
    out += kPrefix;
    out += base64_encode(text.substr(pos, end - pos), Base64Layout{.line_length = 0,
                                                                   .line_ending = LineEnding::crlf,
                                                                   .final_line_ending = false});
    out += "?=";
    pos = end;
  }
  return out;
}

// Unstructured text (Subject, a caller's field): as written when ASCII,
// else encoded words.
std::string header_text(std::string_view text) {
  return is_ascii_text(text) ? std::string(text) : encoded_words(text);
}

// A display name: an atom phrase as written, specials quoted, non-ASCII
// encoded.
std::string display_name(std::string_view name) {
  if (!is_ascii_text(name)) return encoded_words(name);
  bool plain = true;
  for (char c : name) {
    if (!(core::ascii_lower(c) >= 'a' && core::ascii_lower(c) <= 'z') && !(c >= '0' && c <= '9') &&
        c != ' ' && std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) == std::string_view::npos) {
      plain = false;
    }
  }
  if (plain) return std::string(name);
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

Result<std::string> address_list(const std::vector<ComposeAddress>& list) {
  std::string out;
  for (const ComposeAddress& a : list) {
    if (a.address.find('@') == std::string::npos ||
        a.address.find_first_of(" \t\r\n<>,") != std::string::npos || has_line_break(a.name)) {
      return error(Code::invalid_argument, "bad address \"" + a.address + "\"");
    }
    if (!out.empty()) out += ",\r\n ";
    if (a.name.empty()) {
      out += a.address;
    } else {
      out += display_name(a.name) + " <" + a.address + ">";
    }
  }
  return out;
}

// A parameter: quoted when ASCII, else RFC 2231 UTF-8 percent-encoded.
std::string parameter(std::string_view name, std::string_view value) {
  if (is_ascii_text(value)) {
    std::string out = std::string(name) + "=\"";
    for (char c : value) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    return out + "\"";
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = std::string(name) + "*=UTF-8''";
  for (unsigned char c : value) {
    if ((core::ascii_lower(static_cast<char>(c)) >= 'a' &&
         core::ascii_lower(static_cast<char>(c)) <= 'z') ||
        (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// Text as 7bit when every line is short ASCII (line breaks made CRLF),
// else quoted-printable.
struct EncodedText {
  std::string encoding;
  std::string body;
};

EncodedText encode_text(std::string_view text) {
  bool seven_bit = true;
  size_t line = 0;
  for (unsigned char c : text) {
    if (c == '\n' || c == '\r') {
      line = 0;
      continue;
    }
    if (c >= 0x80 || c == 0 || ++line > 76) seven_bit = false;
  }
  if (!seven_bit) return {"quoted-printable", qp_encode(text)};
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r') {
      out += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (c == '\n') {
      out += "\r\n";
    } else {
      out.push_back(c);
    }
  }
  return {"7bit", out};
}

struct Entity {
  std::string header;  // the part's fields, each ending CRLF
  std::string body;
};

Entity text_entity(std::string_view subtype, std::string_view text) {
  EncodedText encoded = encode_text(text);
  return {"Content-Type: text/" + std::string(subtype) +
              "; charset=utf-8\r\nContent-Transfer-Encoding: " + encoded.encoding + "\r\n",
          encoded.body};
}

Entity attachment_entity(const ComposeAttachment& a) {
  std::string type = a.content_type.empty() ? "application/octet-stream" : a.content_type;
  std::string header = "Content-Type: " + type;
  if (!a.filename.empty()) header += "; " + parameter("name", a.filename);
  header += "\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: ";
  header += a.inline_disposition ? "inline" : "attachment";
  if (!a.filename.empty()) header += "; " + parameter("filename", a.filename);
  header += "\r\n";
  if (!a.content_id.empty()) header += "Content-ID: <" + a.content_id + ">\r\n";
  return {header, base64_encode(a.content)};
}

// A boundary none of the children's bytes hold: base64 and quoted-printable
// cannot hold "=_", but 7bit text might, so it is checked.
Entity multipart(std::string_view subtype, const std::vector<Entity>& children) {
  std::string boundary;
  auto used = [&] {
    for (const Entity& child : children) {
      if (child.body.find(boundary) != std::string::npos ||
          child.header.find(boundary) != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  do {
    boundary = "----=_Part_" + random_hex(24);
  } while (used());
  std::string body;
  for (const Entity& child : children) {
    // The line break before a delimiter is the delimiter's (RFC 2046
    // 5.1.1), so one is always added: a body's own last one stays its own.
    body += "--" + boundary + "\r\n" + child.header + "\r\n" + child.body + "\r\n";
  }
  body += "--" + boundary + "--\r\n";
  return {"Content-Type: multipart/" + std::string(subtype) + "; boundary=\"" + boundary + "\"\r\n",
          body};
}

Status check_field(const ComposeHeader& h) {
  if (h.key.empty() || h.key.size() > 76) return error(Code::invalid_argument, "bad header key");
  for (unsigned char c : h.key) {
    if (c <= 32 || c >= 127 || c == ':') {
      return error(Code::invalid_argument, "bad header key \"" + h.key + "\"");
    }
  }
  const std::string lower = core::ascii_lowercase(h.key);
  for (const char* own : kOwnFields) {
    if (lower == own)
      return error(Code::invalid_argument, "header \"" + h.key + "\" is set by its own field");
  }
  if (has_line_break(h.value)) {
    return error(Code::invalid_argument, "header \"" + h.key + "\" has a line break");
  }
  return Status::ok();
}

}  // namespace

Result<std::string> compose(const ComposeInput& input, const ComposeOptions& options) {
  if (has_line_break(input.subject) || has_line_break(input.in_reply_to)) {
    return error(Code::invalid_argument, "a line break in a one-line field");
  }
  for (const ComposeHeader& h : input.headers) EIDER_RETURN_IF_ERROR(check_field(h));
  std::string out;
  auto field = [&](std::string_view name, const std::vector<ComposeAddress>& list) -> Status {
    if (list.empty()) return Status::ok();
    Result<std::string> value = address_list(list);
    if (!value) return value.status();
    out += std::string(name) + ": " + *value + "\r\n";
    return Status::ok();
  };
  if (input.from) EIDER_RETURN_IF_ERROR(field("From", {*input.from}));
  EIDER_RETURN_IF_ERROR(field("Reply-To", input.reply_to));
  EIDER_RETURN_IF_ERROR(field("To", input.to));
  EIDER_RETURN_IF_ERROR(field("Cc", input.cc));
  EIDER_RETURN_IF_ERROR(field("Bcc", input.bcc));
  out += "Subject: " + header_text(input.subject) + "\r\n";
  out += "Date: " + core::rfc5322_date_time(options.date) + "\r\n";
  out += "Message-ID: <" + random_hex(32) + "@" + options.message_id_domain + ">\r\n";
  if (!input.in_reply_to.empty()) out += "In-Reply-To: " + input.in_reply_to + "\r\n";
  for (const ComposeHeader& h : input.headers) out += h.key + ": " + header_text(h.value) + "\r\n";
  out += "MIME-Version: 1.0\r\n";

  std::vector<Entity> bodies;
  if (input.text) bodies.push_back(text_entity("plain", *input.text));
  if (input.html) bodies.push_back(text_entity("html", *input.html));
  if (bodies.empty()) bodies.push_back(text_entity("plain", ""));
  Entity content = bodies.size() == 1 ? bodies[0] : multipart("alternative", bodies);
  if (!input.attachments.empty()) {
    std::vector<Entity> children{content};
    for (const ComposeAttachment& a : input.attachments) {
      if (has_line_break(a.filename) || has_line_break(a.content_type) ||
          has_line_break(a.content_id) ||
          a.content_id.find_first_of("<> \t") != std::string::npos ||
          (!a.content_type.empty() && a.content_type.find('/') == std::string::npos)) {
        return error(Code::invalid_argument, "bad attachment \"" + a.filename + "\"");
      }
      children.push_back(attachment_entity(a));
    }
    content = multipart("mixed", children);
  }
  out += content.header + "\r\n" + content.body;
  return out;
}

}  // namespace eider::mime
