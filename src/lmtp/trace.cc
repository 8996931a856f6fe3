#include "lmtp/trace.h"

#include "core/ascii.h"
#include "core/dates.h"
#include "mime/message.h"

namespace eider::lmtp {
namespace {

// Client-supplied text inside a header line: no control bytes, so it cannot
// end the line or the header block.
std::string header_safe(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

// The field value unfolded, trimmed and lowercased, for comparisons.
std::string normalized(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\r' || c == '\n') continue;
    out += c == '\t' ? ' ' : core::ascii_lower(c);
  }
  return std::string(core::trim_wsp(out));
}

bool action_is_spam(const std::string& action) {
  return action == "add header" || action == "add_header" || action == "rewrite subject" ||
         action == "rewrite_subject" || action == "reject";
}

}  // namespace

std::string_view line_ending_of(std::string_view message) {
  std::size_t lf = message.find('\n');
  if (lf != std::string_view::npos && (lf == 0 || message[lf - 1] != '\r')) return "\n";
  return "\r\n";
}

std::string trace_headers(const Trace& trace, std::string_view eol) {
  const std::string recipient = header_safe(trace.recipient);
  const std::string peer =
      trace.peer == "unix" ? "unix socket" : "[" + header_safe(trace.peer) + "]";
  std::string out;
  out += "Return-Path: <" + header_safe(trace.sender) + ">";
  out += eol;
  out += "Delivered-To: " + recipient;
  out += eol;
  out += "Received: from " + header_safe(trace.lhlo) + " (" + peer + ")";
  out += eol;
  out += "\tby " + header_safe(trace.hostname) + " (Eider) with " + std::string(trace.protocol) +
         " id " + header_safe(trace.id);
  out += eol;
  out += "\tfor <" + recipient + ">; " + core::rfc5322_date_time(trace.time);
  out += eol;
  return out;
}

bool headers_say_spam(std::string_view message) {
  for (const mime::HeaderField& field : mime::header_fields(message)) {
    if (core::iequals(field.name, "X-Spam-Flag")) {
      if (normalized(field.value) == "yes") return true;
    } else if (core::iequals(field.name, "X-Spam-Status")) {
      if (normalized(field.value).starts_with("yes")) return true;
    } else if (core::iequals(field.name, "X-Spam-Action") ||
               core::iequals(field.name, "X-Rspamd-Action")) {
      if (action_is_spam(normalized(field.value))) return true;
    }
  }
  return false;
}

}  // namespace eider::lmtp
