#include "pop3/protocol.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "core/ascii.h"

namespace eider::pop3 {
namespace {

struct VerbName {
  std::string_view name;
  Verb verb;
};

constexpr VerbName kVerbs[] = {
    {"USER", Verb::user}, {"PASS", Verb::pass}, {"AUTH", Verb::auth}, {"CAPA", Verb::capa},
    {"STLS", Verb::stls}, {"STAT", Verb::stat}, {"LIST", Verb::list}, {"UIDL", Verb::uidl},
    {"RETR", Verb::retr}, {"TOP", Verb::top},   {"DELE", Verb::dele}, {"RSET", Verb::rset},
    {"NOOP", Verb::noop}, {"QUIT", Verb::quit},
};

// Splits on single spaces; RFC 1939 keywords and arguments are separated by
// one space, but clients that send several are tolerated.
std::string_view next_word(std::string_view& rest) {
  std::size_t start = rest.find_first_not_of(' ');
  if (start == std::string_view::npos) {
    rest = {};
    return {};
  }
  rest.remove_prefix(start);
  std::size_t end = rest.find(' ');
  std::string_view word = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  return word;
}

std::optional<uint64_t> parse_number(std::string_view text, uint64_t max) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > max) return std::nullopt;
  return value;
}

constexpr uint64_t kMaxMessageNumber = 0x7fffffff;

Parsed parse_message_number(Command command, std::string_view word) {
  std::optional<uint64_t> number = parse_number(word, kMaxMessageNumber);
  if (!number || *number == 0) return ParseError{"Invalid message number: " + std::string(word)};
  command.number = static_cast<uint32_t>(*number);
  return command;
}

}  // namespace

Parsed parse_command(std::string_view line) {
  std::string_view rest = line;
  std::string_view keyword = next_word(rest);
  if (keyword.empty()) return ParseError{"Empty command"};
  Command command;
  bool known = false;
  for (const VerbName& verb : kVerbs) {
    if (core::iequals(keyword, verb.name)) {
      command.verb = verb.verb;
      known = true;
      break;
    }
  }
  if (!known) return ParseError{"Unknown command"};
  switch (command.verb) {
    case Verb::user: {
      std::string_view name = next_word(rest);
      if (name.empty()) return ParseError{"USER needs a name"};
      if (name.size() > kMaxUserName) return ParseError{"User name too long"};
      if (!next_word(rest).empty()) return ParseError{"USER takes one argument"};
      command.argument = std::string(name);
      return command;
    }
    case Verb::pass: {
      // The password is the rest of the line: it may contain spaces.
      std::string_view password = line.substr(keyword.size());
      if (!password.empty()) password.remove_prefix(1);
      if (password.empty()) return ParseError{"PASS needs a password"};
      command.argument = std::string(password);
      return command;
    }
    case Verb::auth: {
      std::string_view mechanism = next_word(rest);
      std::string_view initial = next_word(rest);
      if (!next_word(rest).empty()) return ParseError{"Too many arguments to AUTH"};
      command.argument = core::ascii_uppercase(mechanism);
      if (!initial.empty()) command.initial = std::string(initial);
      return command;
    }
    case Verb::list:
    case Verb::uidl: {
      std::string_view word = next_word(rest);
      if (!next_word(rest).empty()) return ParseError{"Too many arguments"};
      if (word.empty()) return command;
      return parse_message_number(command, word);
    }
    case Verb::retr:
    case Verb::dele: {
      std::string_view word = next_word(rest);
      if (word.empty()) return ParseError{"Message number required"};
      if (!next_word(rest).empty()) return ParseError{"Too many arguments"};
      return parse_message_number(command, word);
    }
    case Verb::top: {
      std::string_view word = next_word(rest);
      std::string_view lines = next_word(rest);
      if (word.empty() || lines.empty()) return ParseError{"TOP needs a message number and lines"};
      if (!next_word(rest).empty()) return ParseError{"Too many arguments"};
      std::optional<uint64_t> count = parse_number(lines, UINT64_MAX);
      if (!count) return ParseError{"Invalid line count: " + std::string(lines)};
      command.lines = *count;
      return parse_message_number(command, word);
    }
    case Verb::capa:
    case Verb::stls:
    case Verb::stat:
    case Verb::rset:
    case Verb::noop:
    case Verb::quit:
      if (!next_word(rest).empty()) return ParseError{"No arguments expected"};
      return command;
  }
  return ParseError{"Unknown command"};
}

std::string append_encoded(std::string out, std::string_view message,
                           std::optional<uint64_t> max_body_lines) {
  // Room for the message, a bare LF or dot now and then, and ".\r\n"; a
  // message of bare LFs needs one more growth at most.
  out.reserve(out.size() + message.size() + message.size() / 32 + 8);
  const char* const end = message.data() + message.size();
  auto next = [end](const char* from, char c) {
    const void* found = std::memchr(from, c, end - from);
    return found != nullptr ? static_cast<const char*>(found) : end;
  };
  // Bytes from `run` to the current line go out as they are: copied in one
  // piece when a change is due, so a CRLF message without dot lines is one
  // append.
  const char* run = message.data();
  const char* line = message.data();
  const char* cr = next(line, '\r');
  const char* lf = next(line, '\n');
  bool in_body = false;
  uint64_t body_lines = 0;
  while (line < end) {
    if (in_body && max_body_lines && body_lines >= *max_body_lines) break;
    if (*line == '.') {
      out.append(run, line);
      out += '.';
      run = line;
    }
    if (cr < line) cr = next(line, '\r');
    if (lf < line) lf = next(line, '\n');
    const char* line_end = std::min(cr, lf);
    const char* after = line_end;
    if (line_end == end) {
      // No line ending left: the last line gets one.
      out.append(run, end);
      out += "\r\n";
      run = end;
    } else if (lf != end && cr + 1 == lf) {
      after = lf + 1;
    } else {
      // A bare CR or LF goes out as CRLF (mime::wire_size counts it so).
      after = line_end + 1;
      out.append(run, line_end);
      out += "\r\n";
      run = after;
    }
    if (in_body) {
      ++body_lines;
    } else if (line_end == line) {
      in_body = true;
    }
    line = after;
  }
  out.append(run, line);
  out += ".\r\n";
  return out;
}

std::string encode_message(std::string_view message, std::optional<uint64_t> max_body_lines) {
  return append_encoded(std::string(), message, max_body_lines);
}

}  // namespace eider::pop3
