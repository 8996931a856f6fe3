// The POP3 wire format as pure functions (RFC 1939, RFC 2449, RFC 5034):
// bytes in, structures or an error text out, no sockets and no store.
//
// - parse_command reads one command line (without its line ending) into a
//   Command, or the text of the -ERR to send. Message numbers are checked
//   for syntax here (1..2^31-1, digits only); whether they exist is the
//   session's business.
// - encode_message turns stored message bytes into what RETR and TOP send:
//   every line ending CRLF (a bare LF or bare CR becomes CRLF), lines
//   starting with "." dot-stuffed, the terminating ".\r\n" appended. The
//   size POP3 reports (RFC 1939 "exact size" as clients use it) is that of
//   these bytes before dot-stuffing and the final CRLF of a message without
//   one: mime::wire_size, as IMAP's RFC822.SIZE, kept in the store as
//   MessageInfo::wire_size.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace eider::pop3 {

enum class Verb {
  user,
  pass,
  auth,
  capa,
  stls,
  stat,
  list,
  uidl,
  retr,
  top,
  dele,
  rset,
  noop,
  quit
};

struct Command {
  Verb verb = Verb::noop;
  std::string argument;                // USER name, PASS password, AUTH mechanism
  std::optional<std::string> initial;  // AUTH initial response ("=" is an empty one)
  std::optional<uint32_t> number;      // LIST/UIDL/RETR/TOP/DELE message number
  uint64_t lines = 0;                  // TOP line count
};

struct ParseError {
  std::string text;  // for "-ERR <text>"
};

using Parsed = std::variant<Command, ParseError>;

Parsed parse_command(std::string_view line);

// Longest USER argument accepted; longer names cannot exist.
inline constexpr std::size_t kMaxUserName = 255;

// RETR (max_body_lines empty) or TOP n: the header, the empty line, then at
// most `max_body_lines` body lines. Output is dot-stuffed and ends with
// ".\r\n"; a message without a final line ending gets CRLF first. One pass;
// a run of lines that need no change is copied in one piece.
std::string encode_message(std::string_view message,
                           std::optional<uint64_t> max_body_lines = std::nullopt);
// The same, appended to `out`: a session passes its send buffer (moved in,
// returned) so the message is not copied a second time.
std::string append_encoded(std::string out, std::string_view message,
                           std::optional<uint64_t> max_body_lines = std::nullopt);

}  // namespace eider::pop3
