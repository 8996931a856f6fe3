// Tables for the pure LMTP parsers: command lines, line splitting, DATA.
#include <gtest/gtest.h>

#include "lmtp/protocol.h"

namespace eider::lmtp {
namespace {

struct CommandCase {
  std::string line;
  Verb verb;
  std::string path;
  std::string argument;
};

TEST(ParseCommand, ReadsEachVerbAndItsArguments) {
  const CommandCase cases[] = {
      {"LHLO mx.example", Verb::lhlo, "", "mx.example"},
      {"lhlo  mx.example ", Verb::lhlo, "", "mx.example"},
      {"EHLO mx", Verb::ehlo, "", "mx"},
      {"HELO mx", Verb::helo, "", "mx"},
      {"MAIL FROM:<alice@example.org>", Verb::mail, "alice@example.org", ""},
      {"mail from:<>", Verb::mail, "", ""},
      {"MAIL FROM: <alice@example.org>", Verb::mail, "alice@example.org", ""},
      {"MAIL FROM:<@relay.example,@b.example:alice@example.org>", Verb::mail, "alice@example.org",
       ""},
      {"RCPT TO:<bob@example.test>", Verb::rcpt, "bob@example.test", ""},
      {"RCPT TO:<\"b>ob\"@example.test>", Verb::rcpt, "\"b>ob\"@example.test", ""},
      {"RCPT TO:<bücher@bücher.example>", Verb::rcpt, "bücher@bücher.example", ""},
      {"DATA", Verb::data, "", ""},
      {"RSET", Verb::rset, "", ""},
      {"NOOP", Verb::noop, "", ""},
      {"NOOP anything", Verb::noop, "", ""},
      {"QUIT", Verb::quit, "", ""},
      {"VRFY bob", Verb::vrfy, "", "bob"},
      {"HELP", Verb::help, "", ""},
  };
  for (const CommandCase& c : cases) {
    Parsed parsed = parse_command(c.line);
    ASSERT_TRUE(std::holds_alternative<Command>(parsed)) << c.line;
    const Command& command = std::get<Command>(parsed);
    EXPECT_EQ(command.verb, c.verb) << c.line;
    EXPECT_EQ(command.path, c.path) << c.line;
    EXPECT_EQ(command.argument, c.argument) << c.line;
  }
}

TEST(ParseCommand, ReadsMailParameters) {
  Parsed parsed = parse_command("MAIL FROM:<a@b> SIZE=1000 BODY=8BITMIME SMTPUTF8");
  ASSERT_TRUE(std::holds_alternative<Command>(parsed));
  const Command& command = std::get<Command>(parsed);
  EXPECT_EQ(command.size, 1000u);
  EXPECT_EQ(command.body, Body::eight_bit_mime);
  EXPECT_TRUE(command.smtputf8);

  Parsed binary = parse_command("MAIL FROM:<a@b> body=binarymime");
  ASSERT_TRUE(std::holds_alternative<Command>(binary));
  EXPECT_EQ(std::get<Command>(binary).body, Body::binary_mime);
  EXPECT_FALSE(std::get<Command>(binary).size.has_value());
}

TEST(ParseCommand, ReadsBdat) {
  Parsed last = parse_command("BDAT 1024 LAST");
  ASSERT_TRUE(std::holds_alternative<Command>(last));
  EXPECT_EQ(std::get<Command>(last).chunk_size, 1024u);
  EXPECT_TRUE(std::get<Command>(last).last);

  Parsed more = parse_command("bdat 0");
  ASSERT_TRUE(std::holds_alternative<Command>(more));
  EXPECT_EQ(std::get<Command>(more).chunk_size, 0u);
  EXPECT_FALSE(std::get<Command>(more).last);
}

struct ErrorCase {
  std::string line;
  int code;
  std::string status;
};

TEST(ParseCommand, AnswersBadLinesWithTheirError) {
  const ErrorCase cases[] = {
      {"", 500, "5.5.2"},
      {"FOO bar", 500, "5.5.2"},
      {"MAILFROM:<a@b>", 500, "5.5.2"},
      {"LHLO", 501, "5.5.4"},
      {"VRFY", 501, "5.5.4"},
      {"MAIL <a@b>", 501, "5.5.4"},
      {"MAIL FROM:a@b", 501, "5.5.4"},
      {"MAIL FROM:<a@b", 501, "5.5.4"},
      {"MAIL FROM:<a@b>SIZE=1", 501, "5.5.4"},
      {"MAIL FROM:<a@b> SIZE=", 501, "5.5.4"},
      {"MAIL FROM:<a@b> SIZE=12x", 501, "5.5.4"},
      {"MAIL FROM:<a@b> SIZE=99999999999999999999999", 501, "5.5.4"},
      {"MAIL FROM:<a@b> BODY=9BIT", 501, "5.5.4"},
      {"MAIL FROM:<a@b> RET=FULL", 555, "5.5.4"},
      {"MAIL FROM:<a\x01@b>", 501, "5.5.4"},
      {"RCPT TO:<>", 501, "5.5.4"},
      {"RCPT <b@c>", 501, "5.5.4"},
      {"RCPT TO:<b@c> NOTIFY=NEVER", 555, "5.5.4"},
      {"DATA now", 501, "5.5.4"},
      {"QUIT please", 501, "5.5.4"},
      {"BDAT", 501, "5.5.4"},
      {"BDAT x", 501, "5.5.4"},
      {"BDAT -1", 501, "5.5.4"},
      {"BDAT 10 FIRST", 501, "5.5.4"},
      {"BDAT 10 LAST more", 501, "5.5.4"},
  };
  for (const ErrorCase& c : cases) {
    Parsed parsed = parse_command(c.line);
    ASSERT_TRUE(std::holds_alternative<Reply>(parsed)) << c.line;
    EXPECT_EQ(std::get<Reply>(parsed).code, c.code) << c.line;
    EXPECT_EQ(std::get<Reply>(parsed).status, c.status) << c.line;
  }
}

TEST(Reply, FormatsSingleAndMultilineReplies) {
  EXPECT_EQ((Reply{250, "2.0.0", "OK"}.format()), "250 2.0.0 OK\r\n");
  EXPECT_EQ((Reply{250, "", "PIPELINING"}.format(false)), "250-PIPELINING\r\n");
  EXPECT_EQ((Reply{354, "", "go"}.format()), "354 go\r\n");
}

struct DataCase {
  std::string wire;     // bytes after the DATA reply
  std::string message;  // what is stored
  std::string rest;     // bytes after the end of data (next commands)
};

TEST(DataDecoder, EndsOnlyAtCrlfDotCrlfAndUnstuffs) {
  const DataCase cases[] = {
      {".\r\n", "", ""},
      {"a\r\n.\r\n", "a\r\n", ""},
      {"a\r\n.\r\nQUIT\r\n", "a\r\n", "QUIT\r\n"},
      {"..x\r\n.\r\n", ".x\r\n", ""},
      {"a\r\n..\r\n.\r\n", "a\r\n.\r\n", ""},
      {"a\r\n.x\r\n.\r\n", "a\r\nx\r\n", ""},
      // No smuggling: bare LF and bare CR never end a line for the terminator.
      {"a\n.\nb\r\n.\r\n", "a\n.\nb\r\n", ""},
      {"a\r.\rb\r\n.\r\n", "a\r.\rb\r\n", ""},
      {"a\r\n.\nb\r\n.\r\n", "a\r\n\nb\r\n", ""},
      {"a\n.\r\nb\r\n.\r\n", "a\n.\r\nb\r\n", ""},
      {"a\r\n.\rb\r\n.\r\n", "a\r\n\rb\r\n", ""},
      {"a\r\r\n.\r\n", "a\r\r\n", ""},
      {"\n\r\n.\r\n", "\n\r\n", ""},
      {std::string("x\0y\r\n.\r\n", 8), std::string("x\0y\r\n", 5), ""},
  };
  for (const DataCase& c : cases) {
    // Every way of cutting the input in two pieces, and byte by byte.
    for (std::size_t cut = 0; cut <= c.wire.size(); ++cut) {
      DataDecoder decoder(1000);
      std::string out;
      std::string pending = c.wire.substr(0, cut);
      std::size_t fed = cut;
      bool done = false;
      while (!done) {
        DataDecoder::Step step = decoder.feed(pending, out);
        pending.erase(0, step.consumed);
        done = step.done;
        if (!done) {
          ASSERT_TRUE(pending.empty()) << "decoder left bytes without finishing";
          ASSERT_LT(fed, c.wire.size()) << "no end of data in " << c.wire;
          pending = c.wire.substr(fed, cut == 0 ? 1 : c.wire.size());
          fed += pending.size();
        }
      }
      EXPECT_EQ(out, c.message) << "cut " << cut << " of " << c.wire;
      EXPECT_EQ(pending + c.wire.substr(fed), c.rest) << "cut " << cut;
      EXPECT_FALSE(decoder.too_large());
    }
  }
}

TEST(DataDecoder, CountsButDropsBytesPastTheLimit) {
  DataDecoder decoder(4);
  std::string out;
  DataDecoder::Step step = decoder.feed("abcdefgh\r\n.\r\nNOOP\r\n", out);
  EXPECT_TRUE(step.done);
  EXPECT_EQ(step.consumed, 13u);
  EXPECT_TRUE(decoder.too_large());
  EXPECT_EQ(decoder.total(), 10u);
  EXPECT_LE(out.size(), 4u);
}

}  // namespace
}  // namespace eider::lmtp
