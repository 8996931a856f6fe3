// parse_command and Reply: the LMTP command grammar.
#include <charconv>
#include <cstring>
#include <vector>

#include "core/ascii.h"
#include "lmtp/protocol.h"

namespace eider::lmtp {
namespace {

Reply syntax_error(std::string text) {
  return Reply{501, "5.5.4", std::move(text)};
}

std::optional<uint64_t> parse_number(std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  while (true) {
    text = core::trim_wsp(text);
    if (text.empty()) return words;
    std::size_t space = text.find_first_of(" \t");
    words.push_back(text.substr(0, space));
    if (space == std::string_view::npos) return words;
    text.remove_prefix(space);
  }
}

// Reads "<path>" at the start of `text` (after "FROM:" or "TO:"); sets
// `path` to what is between the brackets less any source route (RFC 5321
// 4.1.2: "@a,@b:user@d" is "user@d") and returns the rest. A '>' inside a
// quoted local part does not close the path.
std::variant<std::string_view, Reply> read_path(std::string_view text, std::string& path) {
  text = core::trim_wsp(text);
  if (text.empty() || text.front() != '<') return syntax_error("Syntax: expected <address>");
  bool quoted = false;
  std::size_t i = 1;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (quoted && c == '\\' && i + 1 < text.size()) {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == '>' && !quoted) {
      break;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return syntax_error("Syntax: control character in address");
    }
  }
  if (i == text.size()) return syntax_error("Syntax: unterminated <address>");
  std::string_view inner = text.substr(1, i - 1);
  if (!inner.empty() && inner.front() == '@') {
    std::size_t colon = inner.find(':');
    if (colon == std::string_view::npos) return syntax_error("Syntax: bad source route");
    inner.remove_prefix(colon + 1);
  }
  path = std::string(inner);
  std::string_view rest = text.substr(i + 1);
  if (!rest.empty() && rest.front() != ' ' && rest.front() != '\t') {
    return syntax_error("Syntax: expected a space after the address");
  }
  return rest;
}

// MAIL and RCPT: "FROM:" or "TO:" (the keyword), the path, then parameters.
struct PathCommand {
  Command command;
  std::vector<std::string_view> params;
};

std::variant<PathCommand, Reply> read_path_command(std::string_view args, Verb verb,
                                                   std::string_view keyword,
                                                   std::string_view usage) {
  if (!core::istarts_with(args, keyword)) return syntax_error("Syntax: " + std::string(usage));
  PathCommand out;
  out.command.verb = verb;
  auto rest = read_path(args.substr(keyword.size()), out.command.path);
  if (auto* reply = std::get_if<Reply>(&rest)) return *reply;
  out.params = split_words(std::get<std::string_view>(rest));
  return out;
}

Parsed parse_mail(std::string_view args) {
  auto read = read_path_command(args, Verb::mail, "FROM:", "MAIL FROM:<address>");
  if (auto* reply = std::get_if<Reply>(&read)) return *reply;
  auto& [command, params] = std::get<PathCommand>(read);
  for (std::string_view param : params) {
    std::size_t eq = param.find('=');
    std::string_view key = param.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : param.substr(eq + 1);
    if (core::iequals(key, "SIZE") && eq != std::string_view::npos) {
      command.size = parse_number(value);
      if (!command.size) return syntax_error("Syntax: SIZE=<number>");
    } else if (core::iequals(key, "BODY") && eq != std::string_view::npos) {
      if (core::iequals(value, "7BIT")) {
        command.body = Body::seven_bit;
      } else if (core::iequals(value, "8BITMIME")) {
        command.body = Body::eight_bit_mime;
      } else if (core::iequals(value, "BINARYMIME")) {
        command.body = Body::binary_mime;
      } else {
        return syntax_error("Syntax: BODY=7BIT, 8BITMIME or BINARYMIME");
      }
    } else if (core::iequals(key, "SMTPUTF8") && eq == std::string_view::npos) {
      command.smtputf8 = true;
    } else {
      return Reply{555, "5.5.4", "Unsupported parameter: " + std::string(key)};
    }
  }
  return command;
}

Parsed parse_rcpt(std::string_view args) {
  auto read = read_path_command(args, Verb::rcpt, "TO:", "RCPT TO:<address>");
  if (auto* reply = std::get_if<Reply>(&read)) return *reply;
  auto& [command, params] = std::get<PathCommand>(read);
  if (command.path.empty()) return syntax_error("Syntax: empty recipient");
  if (!params.empty()) {
    std::string_view key = params.front().substr(0, params.front().find('='));
    return Reply{555, "5.5.4", "Unsupported parameter: " + std::string(key)};
  }
  return command;
}

Parsed parse_bdat(std::string_view args) {
  std::vector<std::string_view> words = split_words(args);
  if (words.empty() || words.size() > 2) return syntax_error("Syntax: BDAT <size> [LAST]");
  Command command;
  command.verb = Verb::bdat;
  std::optional<uint64_t> size = parse_number(words[0]);
  if (!size) return syntax_error("Syntax: BDAT <size> [LAST]");
  command.chunk_size = *size;
  if (words.size() == 2) {
    if (!core::iequals(words[1], "LAST")) return syntax_error("Syntax: BDAT <size> [LAST]");
    command.last = true;
  }
  return command;
}

struct VerbName {
  std::string_view name;
  Verb verb;
};

constexpr VerbName kVerbs[] = {
    {"LHLO", Verb::lhlo}, {"HELO", Verb::helo}, {"EHLO", Verb::ehlo}, {"MAIL", Verb::mail},
    {"RCPT", Verb::rcpt}, {"DATA", Verb::data}, {"BDAT", Verb::bdat}, {"RSET", Verb::rset},
    {"NOOP", Verb::noop}, {"QUIT", Verb::quit}, {"VRFY", Verb::vrfy}, {"HELP", Verb::help},
};

}  // namespace

std::string Reply::format(bool last) const {
  std::string line = std::to_string(code);
  line += last ? ' ' : '-';
  if (!status.empty()) {
    line += status;
    line += ' ';
  }
  line += text;
  line += "\r\n";
  return line;
}

Parsed parse_command(std::string_view line) {
  std::size_t space = line.find(' ');
  std::string_view word = line.substr(0, space);
  std::string_view args = space == std::string_view::npos ? "" : line.substr(space + 1);
  const VerbName* found = nullptr;
  for (const VerbName& verb : kVerbs) {
    if (core::iequals(word, verb.name)) found = &verb;
  }
  if (found == nullptr) return Reply{500, "5.5.2", "Unknown command"};

  Command command;
  command.verb = found->verb;
  switch (found->verb) {
    case Verb::mail:
      return parse_mail(args);
    case Verb::rcpt:
      return parse_rcpt(args);
    case Verb::bdat:
      return parse_bdat(args);
    case Verb::lhlo:
    case Verb::helo:
    case Verb::ehlo:
    case Verb::vrfy:
      command.argument = std::string(core::trim_wsp(args));
      if (command.argument.empty()) {
        return syntax_error("Syntax: " + std::string(found->name) + " <argument>");
      }
      return command;
    case Verb::data:
    case Verb::rset:
    case Verb::quit:
      if (!core::trim_wsp(args).empty()) {
        return syntax_error("Syntax: " + std::string(found->name) + " takes no argument");
      }
      return command;
    case Verb::noop:
    case Verb::help:
      return command;
  }
  return command;
}

}  // namespace eider::lmtp
