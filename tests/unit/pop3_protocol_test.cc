// The POP3 command parser and the RETR/TOP encoder, as tables.
#include <gtest/gtest.h>

#include "mime/wire.h"
#include "pop3/protocol.h"

namespace eider::pop3 {
namespace {

struct ParseCase {
  ParseCase(std::string_view line_, Verb verb_, std::string argument_,
            std::optional<uint32_t> number_, uint64_t lines_ = 0,
            std::optional<std::string> initial_ = std::nullopt)
      : line(line_),
        verb(verb_),
        argument(std::move(argument_)),
        number(number_),
        lines(lines_),
        initial(std::move(initial_)) {}

  std::string_view line;
  Verb verb;
  std::string argument;
  std::optional<uint32_t> number;
  uint64_t lines;
  std::optional<std::string> initial;
};

TEST(Pop3Parse, AcceptsEveryCommand) {
  const ParseCase cases[] = {
      {"USER alice", Verb::user, "alice", {}},
      {"user alice", Verb::user, "alice", {}},
      {"PASS secret with spaces", Verb::pass, "secret with spaces", {}},
      {"AUTH", Verb::auth, "", {}},
      {"AUTH plain", Verb::auth, "PLAIN", {}},
      {"AUTH PLAIN AGFsaWNlAHNlY3JldA==", Verb::auth, "PLAIN", {}, 0, "AGFsaWNlAHNlY3JldA=="},
      {"AUTH LOGIN =", Verb::auth, "LOGIN", {}, 0, "="},
      {"CAPA", Verb::capa, "", {}},
      {"STLS", Verb::stls, "", {}},
      {"STAT", Verb::stat, "", {}},
      {"LIST", Verb::list, "", {}},
      {"LIST 7", Verb::list, "", 7u},
      {"UIDL", Verb::uidl, "", {}},
      {"UIDL 2147483647", Verb::uidl, "", 2147483647u},
      {"RETR 1", Verb::retr, "", 1u},
      {"TOP 3 0", Verb::top, "", 3u, 0},
      {"TOP 3 25", Verb::top, "", 3u, 25},
      {"DELE 12", Verb::dele, "", 12u},
      {"RSET", Verb::rset, "", {}},
      {"NOOP", Verb::noop, "", {}},
      {"QUIT", Verb::quit, "", {}},
      {"retr  4", Verb::retr, "", 4u},
  };
  for (const ParseCase& c : cases) {
    Parsed parsed = parse_command(c.line);
    const Command* command = std::get_if<Command>(&parsed);
    ASSERT_NE(command, nullptr) << c.line << ": " << std::get<ParseError>(parsed).text;
    EXPECT_EQ(command->verb, c.verb) << c.line;
    EXPECT_EQ(command->argument, c.argument) << c.line;
    EXPECT_EQ(command->number, c.number) << c.line;
    EXPECT_EQ(command->lines, c.lines) << c.line;
    EXPECT_EQ(command->initial, c.initial) << c.line;
  }
}

TEST(Pop3Parse, RejectsBadInput) {
  const std::string long_name(kMaxUserName + 1, 'a');
  const std::string long_user = "USER " + long_name;
  const std::string_view cases[] = {
      "",
      "   ",
      "FOO",
      "USERX a",
      "USER",
      "USER a b",
      long_user,
      "PASS",
      "PASS ",
      "RETR",
      "RETR 0",
      "RETR -1",
      "RETR +1",
      "RETR x",
      "RETR 1x",
      "RETR 1 2",
      "RETR 2147483648",
      "RETR 99999999999999999999999",
      "DELE",
      "DELE 0",
      "LIST 0",
      "LIST a",
      "LIST 1 2",
      "UIDL 0",
      "TOP",
      "TOP 1",
      "TOP 1 -1",
      "TOP 1 x",
      "TOP 0 1",
      "TOP 1 1 1",
      "STAT 1",
      "QUIT now",
      "NOOP x",
      "CAPA x",
      "AUTH PLAIN a b",
  };
  for (std::string_view line : cases) {
    Parsed parsed = parse_command(line);
    ASSERT_TRUE(std::holds_alternative<ParseError>(parsed)) << line;
    EXPECT_FALSE(std::get<ParseError>(parsed).text.empty()) << line;
  }
}

struct EncodeCase {
  std::string_view message;
  std::optional<uint64_t> lines;
  std::string_view expected;
};

TEST(Pop3Encode, CrlfDotStuffingAndTop) {
  const EncodeCase cases[] = {
      {"A: b\r\n\r\nbody\r\n", {}, "A: b\r\n\r\nbody\r\n.\r\n"},
      {"A: b\n\nbody\n", {}, "A: b\r\n\r\nbody\r\n.\r\n"},
      {"A: b\n\nno final newline", {}, "A: b\r\n\r\nno final newline\r\n.\r\n"},
      {"A: b\n\n.\n..x\n.y\r\n", {}, "A: b\r\n\r\n..\r\n...x\r\n..y\r\n.\r\n"},
      {".A: b\n\nx\n", {}, "..A: b\r\n\r\nx\r\n.\r\n"},
      {"A: b\r\nC: d\r\n\r\n1\r\n2\r\n3\r\n", 0, "A: b\r\nC: d\r\n\r\n.\r\n"},
      {"A: b\r\nC: d\r\n\r\n1\r\n2\r\n3\r\n", 2, "A: b\r\nC: d\r\n\r\n1\r\n2\r\n.\r\n"},
      {"A: b\r\n\r\n1\r\n", 10, "A: b\r\n\r\n1\r\n.\r\n"},
      {"A: b\r\nno body", 0, "A: b\r\nno body\r\n.\r\n"},
      {"", {}, ".\r\n"},
      // A bare CR is a line end too, as IMAP sends it (mime::wire_size).
      {"bare\rcr\n", {}, "bare\r\ncr\r\n.\r\n"},
      {"A: b\r\r\n\r\n.\r", {}, "A: b\r\n\r\n\r\n..\r\n.\r\n"},
      {"A: b\r\n\r\n1\r2\n3\r\n4", 2, "A: b\r\n\r\n1\r\n2\r\n.\r\n"},
      {"\r\n\n.\n", 0, "\r\n.\r\n"},
  };
  for (const EncodeCase& c : cases) {
    EXPECT_EQ(encode_message(c.message, c.lines), c.expected) << c.message;
  }
}

TEST(Pop3Encode, SizeIsWireSizeAndAppendKeepsThePrefix) {
  const std::string_view messages[] = {"A: b\r\n\r\nbody\r\n", "A: b\n\nx\ry\r\n",
                                       "A: b\r\n\r\n.dot\n..\r\n", "no end"};
  for (std::string_view message : messages) {
    std::string out = append_encoded("+OK\r\n", message);
    ASSERT_TRUE(out.starts_with("+OK\r\n"));
    EXPECT_EQ(out.substr(5), encode_message(message));
    uint64_t dots = 0;
    for (std::size_t i = 0; i + 1 < out.size(); ++i) {
      if (out[i] == '\n' && out[i + 1] == '.') ++dots;
    }
    const uint64_t final_crlf = message.ends_with('\n') || message.ends_with('\r') ? 0 : 2;
    // Every stuffed line adds a dot; the terminating ".\r\n" is counted too.
    EXPECT_EQ(out.size() - 5 - 3 - final_crlf - (dots - 1), mime::wire_size(message)) << message;
  }
}

}  // namespace
}  // namespace eider::pop3
