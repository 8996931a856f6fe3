// The LMTP wire format as pure functions: bytes in, structures or "need more
// input" out, no sockets and no store (docs/architecture.md, modules: parsers apart from I/O).
//
// Command lines are cut out of the input by net::LineSplitter.
// - parse_command reads one command line (RFC 5321 4.1, RFC 2033, RFC 3030,
//   RFC 1870, RFC 6152, RFC 6531) into a Command, or the error reply to send.
// - DataDecoder reads the DATA stream: dot-unstuffing, and the end of data,
//   which is CRLF "." CRLF and nothing else. A bare LF or a bare CR never
//   ends a line for this purpose (no SMTP smuggling), and bytes are kept
//   exactly as received, bare LF and CR included.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace eider::lmtp {

// One reply line: "250 2.0.0 text". `status` is the RFC 3463 enhanced code
// ("" for the greeting and LHLO lines, which carry none).
struct Reply {
  int code = 250;
  std::string status;
  std::string text;

  // The line with CRLF; `last` = false writes "250-" for a multiline reply.
  std::string format(bool last = true) const;
};

enum class Verb { lhlo, helo, ehlo, mail, rcpt, data, bdat, rset, noop, quit, vrfy, help };

enum class Body { unspecified, seven_bit, eight_bit_mime, binary_mime };

struct Command {
  Verb verb = Verb::noop;
  std::string argument;  // LHLO domain, VRFY argument
  std::string path;      // MAIL: reverse-path ("" = null sender); RCPT: forward-path
  // MAIL parameters.
  std::optional<uint64_t> size;
  Body body = Body::unspecified;
  bool smtputf8 = false;
  // BDAT.
  uint64_t chunk_size = 0;
  bool last = false;
};

using Parsed = std::variant<Command, Reply>;

// Parses a command line without its line ending. Unknown verbs are 500
// 5.5.2, bad arguments 501 5.5.4, unknown MAIL/RCPT parameters 555 5.5.4.
// Whether the command is allowed now is the session's business.
Parsed parse_command(std::string_view line);

class DataDecoder {
 public:
  // Message bytes beyond `max_size` are counted but not kept.
  explicit DataDecoder(uint64_t max_size) : max_(max_size) {}

  struct Step {
    std::size_t consumed = 0;  // input bytes used
    bool done = false;         // the terminating CRLF.CRLF was consumed
  };

  // Decodes the start of `input` into `out`, stopping just after the end of
  // data (bytes after it, pipelined commands, are not consumed). The CRLF
  // before the final "." belongs to the message.
  Step feed(std::string_view input, std::string& out);

  // True when the message was longer than max_size (then `out` is partial).
  bool too_large() const { return total_ > max_; }
  uint64_t total() const { return total_; }

 private:
  enum class State { line_start, in_line, after_cr, dot, dot_cr };
  void emit(std::string_view bytes, std::string& out);

  uint64_t max_;
  uint64_t total_ = 0;
  State state_ = State::line_start;
};

}  // namespace eider::lmtp
