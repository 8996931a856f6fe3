#include "lmtp/trace.h"

#include <ctime>

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

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// The field value unfolded, trimmed and lowercased, for comparisons.
std::string normalized(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\r' || c == '\n') continue;
    out += c == '\t' ? ' ' : lower(c);
  }
  std::size_t begin = out.find_first_not_of(' ');
  if (begin == std::string::npos) return "";
  return out.substr(begin, out.find_last_not_of(' ') - begin + 1);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool action_is_spam(const std::string& action) {
  return action == "add header" || action == "add_header" || action == "rewrite subject" ||
         action == "rewrite_subject" || action == "reject";
}

}  // namespace

std::string rfc5322_date(int64_t seconds) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t time = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&time, &tm);
  char text[40];
  std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return text;
}

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
  out += "\tfor <" + recipient + ">; " + rfc5322_date(trace.time);
  out += eol;
  return out;
}

bool headers_say_spam(std::string_view message) {
  for (const mime::HeaderField& field : mime::header_fields(message)) {
    if (iequals(field.name, "X-Spam-Flag")) {
      if (normalized(field.value) == "yes") return true;
    } else if (iequals(field.name, "X-Spam-Status")) {
      if (normalized(field.value).starts_with("yes")) return true;
    } else if (iequals(field.name, "X-Spam-Action") || iequals(field.name, "X-Rspamd-Action")) {
      if (action_is_spam(normalized(field.value))) return true;
    }
  }
  return false;
}

}  // namespace eider::lmtp
