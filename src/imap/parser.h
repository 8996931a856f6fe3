// The IMAP command parser: the front door of src/imap. Pure: bytes in,
// commands or "need more input" out; no sockets, no store, nothing thrown.
//
// CommandReader frames commands as bytes arrive: lines, and the literals
// {n} / {n+} (LITERAL+) / {n-} (LITERAL-) / ~{n} (literal8, RFC 3516) that
// end a line. A session loop looks like:
//
//   Step step = reader.feed(buffer);  buffer.erase(0, step.consumed);
//   need_more    -> read more bytes
//   continuation -> a synchronizing literal of step.literal_size bytes was
//                   announced and is within the limits: send "+ ..." and call
//                   accept_literal(), or refuse it (e.g. NO [TOOBIG], quota)
//                   and call reject_literal(); the reader then drops the
//                   command and resumes at the client's next line
//   literal      -> the same for a non-synchronizing literal, whose bytes
//                   come without a "+": accept_literal() reads them,
//                   reject_literal() reads and discards them and the rest of
//                   the command (the session answers the tag NO)
//   command      -> step.command is complete and parsed
//   error        -> send step.error (tagged BAD/NO if step.error.tag is not
//                   empty, else untagged BAD). The reader goes on to skip the
//                   rest of the bad command, including the bytes of any
//                   non-synchronizing literal it announces, and resumes at
//                   the next line. A line too long or a {n+} too large is
//                   reported as soon as it is seen, so the session may close
//                   the connection instead of reading on.
//
// Memory: the text of one command (all its lines, literals excluded) is at
// most max_line_length bytes; a line that grows past it is discarded as it
// streams in, keeping only its first max_line_length and last 64 bytes. A literal is at most
// max_literal_size bytes (max_message_size for APPEND), and a command has at most max_literals of
// them. Literal bytes are copied once, from the input into the command; APPEND moves them into
// AppendMessage::content. An APPEND literal larger than spool_threshold is written to a spool file
// (core/spool.h) as it arrives instead, and AppendMessage::spool holds it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/spool.h"
#include "imap/command.h"

namespace eider::imap {

struct ParserLimits {
  std::size_t max_line_length = 64 * 1024;
  uint64_t max_literal_size = 1024 * 1024;
  // Each APPEND literal, and all literals of one command together (so a
  // MULTIAPPEND holds at most this much).
  uint64_t max_message_size = 64ull * 1024 * 1024;
  std::size_t max_literals = 64;     // per command (MULTIAPPEND messages, LOGIN ...)
  std::size_t max_depth = 32;        // nested parentheses and search keys
  std::size_t max_arguments = 4096;  // list elements, search keys, fetch items
  // APPEND literals larger than this go to an unlinked file in spool_dir.
  uint64_t spool_threshold = UINT64_MAX;
  std::string spool_dir = ".";
};

enum class ErrorKind {
  syntax,             // BAD: malformed arguments
  unknown_command,    // BAD: no such command
  line_too_long,      // BAD: the command text passed max_line_length
  literal_too_large,  // NO [TOOBIG]
  too_complex,        // BAD: nesting depth, argument or literal count
};

struct ParseError {
  ErrorKind kind = ErrorKind::syntax;
  std::string tag;   // "" when no valid tag was read: answer untagged
  std::string text;  // for the BAD/NO response, e.g. "FETCH: unknown attribute FOO"
  // A refused non-synchronizing literal: the bytes the client sends anyway
  // and the reader will discard (the session may close instead).
  uint64_t discarded_literal = 0;
};

// The framed command before its arguments are parsed: text segments with the
// literal that follows each (text.size() == literals.size() + 1).
struct Literal {
  std::string bytes;
  bool binary = false;  // ~{n}
  // Set for a spooled literal, whose bytes are there instead of in `bytes`.
  std::shared_ptr<core::Spool> spool;
};
struct RawCommand {
  std::vector<std::string> text;
  std::vector<Literal> literals;
};

// Parses a framed command. Literal bytes are moved out of `raw`.
std::variant<Command, ParseError> parse_command(RawCommand raw, const ParserLimits& limits);

class CommandReader {
 public:
  explicit CommandReader(ParserLimits limits) : limits_(limits) { reset(); }

  struct Step {
    enum class Kind { need_more, continuation, literal, command, error };
    Kind kind = Kind::need_more;
    std::size_t consumed = 0;   // bytes of the input used, for every kind
    uint64_t literal_size = 0;  // continuation, literal
    bool spooled = false;       // continuation, literal: the bytes go to a file
    std::string tag;            // continuation, literal: the command's tag, or ""
    std::optional<Command> command;
    ParseError error;
  };

  // Reads from the start of `input` (the unconsumed bytes) until a command,
  // a continuation or an error, or until the input is used up (need_more).
  Step feed(std::string_view input);

  // After Kind::continuation: the session sent "+" and the literal follows;
  // after Kind::literal: the literal's bytes are to be read.
  void accept_literal();
  // After Kind::continuation: the session refused the literal; the client
  // will not send it, so the command ends here. After Kind::literal: the
  // literal and the rest of the command are read and dropped.
  void reject_literal();

  // True once part of a command has been read and until it is complete
  // (the session's request deadline runs meanwhile).
  bool in_command() const {
    return state_ != State::line || raw_.text.size() != 1 || !raw_.text.front().empty();
  }

 private:
  enum class State { line, literal, awaiting_accept, discard_line, skip_literal };

  Step finish_line(std::size_t consumed);
  Step fail(std::size_t consumed, ErrorKind kind, std::string text);
  void reset();
  // Drops the command: skips `literal_bytes`, then the rest of the line.
  void skip(uint64_t literal_bytes);
  std::string current_tag() const;
  bool is_append() const;

  ParserLimits limits_;
  State state_ = State::line;
  RawCommand raw_;
  std::size_t text_size_ = 0;   // bytes of raw_.text so far
  uint64_t literal_total_ = 0;  // bytes of raw_.literals, announced
  uint64_t literal_left_ = 0;
  bool literal_sync_ = true;  // of the literal awaiting accept
  // While discarding: the tail of the line, to spot a trailing {n+}.
  std::string tail_;
};

}  // namespace eider::imap
