// CommandReader: lines, literals, continuations, limits and resynchronisation.
#include <gtest/gtest.h>

#include "imap_feed.h"

namespace eider::imap {
namespace {

using namespace std::string_literals;

const Command& command_at(const std::vector<Event>& events, std::size_t i) {
  return std::get<Command>(events.at(i));
}

TEST(CommandReader, ReadsPipelinedCommands) {
  std::vector<Event> events = feed_all("a1 NOOP\r\na2 capability\nA3 LOGOUT\r\n");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(command_at(events, 0).tag, "a1");
  EXPECT_EQ(command_at(events, 1).name, "CAPABILITY");
  EXPECT_EQ(command_at(events, 2).name, "LOGOUT");
}

TEST(CommandReader, AsksForContinuationOfSynchronizingLiteral) {
  CommandReader reader(ParserLimits{});
  std::string input = "a LOGIN {4}\r\n";
  CommandReader::Step step = reader.feed(input);
  EXPECT_EQ(step.kind, CommandReader::Step::Kind::continuation);
  EXPECT_EQ(step.literal_size, 4u);
  EXPECT_EQ(step.consumed, input.size());
  // Until the session answers, the reader reads nothing.
  EXPECT_EQ(reader.feed("user").consumed, 0u);
  reader.accept_literal();
  std::string_view rest = "user {3+}\r\npwd\r\n";
  step = reader.feed(rest);
  // A non-synchronizing literal is announced too, so the session may
  // refuse it (for want of memory) before its bytes are read.
  EXPECT_EQ(step.kind, CommandReader::Step::Kind::literal);
  EXPECT_EQ(step.literal_size, 3u);
  reader.accept_literal();
  step = reader.feed(rest.substr(step.consumed));
  ASSERT_EQ(step.kind, CommandReader::Step::Kind::command);
  const Login& login = std::get<Login>(step.command->arguments);
  EXPECT_EQ(login.user, "user");
  EXPECT_EQ(login.password, "pwd");
}

TEST(CommandReader, RejectedLiteralDropsTheCommand) {
  CommandReader reader(ParserLimits{});
  EXPECT_EQ(reader.feed("a APPEND INBOX {100}\r\n").kind, CommandReader::Step::Kind::continuation);
  reader.reject_literal();
  CommandReader::Step step = reader.feed("b NOOP\r\n");
  ASSERT_EQ(step.kind, CommandReader::Step::Kind::command);
  EXPECT_EQ(step.command->tag, "b");
}

TEST(CommandReader, RejectedNonSynchronizingLiteralIsReadAndDropped) {
  CommandReader reader(ParserLimits{});
  std::string input = "a APPEND INBOX {5+}\r\nhello (\\Seen) {2+}\r\nhi\r\nb NOOP\r\n";
  CommandReader::Step step = reader.feed(input);
  ASSERT_EQ(step.kind, CommandReader::Step::Kind::literal);
  EXPECT_EQ(step.tag, "a");
  EXPECT_EQ(step.literal_size, 5u);
  reader.reject_literal();
  // The literal, the rest of the command and its second literal are dropped.
  step = reader.feed(std::string_view(input).substr(step.consumed));
  ASSERT_EQ(step.kind, CommandReader::Step::Kind::command);
  EXPECT_EQ(step.command->tag, "b");
}

TEST(CommandReader, SpoolsAnAppendLiteralAboveTheThresholdByteForByte) {
  ParserLimits limits;
  limits.spool_threshold = 8;
  limits.spool_dir = ::testing::TempDir();
  std::string message = "Subject: spooled\r\n\r\n\0binary\r\n.\r\n"s;
  std::string input = "a APPEND INBOX {" + std::to_string(message.size()) + "+}\r\n" + message +
                      " {3+}\r\nsml\r\nb LOGIN {9}\r\nlongname1 x\r\n";
  for (std::size_t piece : {0, 1, 5}) {
    std::vector<Event> events = feed_all(input, piece, limits);
    ASSERT_EQ(events.size(), 3u);
    const auto& append = std::get<Append>(command_at(events, 0).arguments);
    ASSERT_EQ(append.messages.size(), 2u);
    ASSERT_NE(append.messages[0].spool, nullptr);
    EXPECT_TRUE(append.messages[0].content.empty());
    Result<core::SpoolView> view = append.messages[0].spool->map();
    ASSERT_TRUE(view.is_ok());
    EXPECT_EQ(view->bytes(), message);
    // Below the threshold, and any literal that is not a message, stays in memory.
    EXPECT_EQ(append.messages[1].spool, nullptr);
    EXPECT_EQ(append.messages[1].content, "sml");
    EXPECT_EQ(std::get<Login>(command_at(events, 2).arguments).user, "longname1");
  }
}

TEST(CommandReader, SameResultAtEverySplitPoint) {
  const std::string inputs[] = {
      "a1 LOGIN {5}\r\nalice {6+}\r\nsecret\r\nb NOOP\r\n",
      "a2 APPEND INBOX (\\Seen) \"01-Jan-2020 10:00:00 +0000\" {12}\r\nSubject: x\r\n\r\n",
      "a3 APPEND Sent ~{3}\r\n\0\1\2 (\\Draft) {2+}\r\nhi\r\n"s,
      "a4 FETCH 1:* (BODY.PEEK[HEADER.FIELDS ({4}\r\nFrom {7-}\r\nSubject)]<0.10>)\r\n",
      "a5 SEARCH CHARSET UTF-8 SUBJECT {4+}\r\n\xc3\xa9t\xc3 TEXT x\r\n",
      "a6 LOGIN {0}\r\n {0+}\r\n\r\n",
      std::string(70000, 'x') + "\r\na7 APPEND INBOX {999999999+}\r\n" + std::string(10, 'y') +
          "\r\nZ NOOP\r\n",
  };
  for (const std::string& input : inputs) {
    std::vector<Event> whole = feed_all(input);
    ASSERT_FALSE(whole.empty());
    for (std::size_t piece : {1, 2, 3, 7, 13}) {
      std::vector<Event> split = feed_all(input, piece);
      ASSERT_EQ(split.size(), whole.size()) << input.substr(0, 40) << " piece " << piece;
      for (std::size_t i = 0; i < whole.size(); ++i) {
        EXPECT_EQ(split[i].index(), whole[i].index());
        if (auto* c = std::get_if<Command>(&whole[i])) {
          EXPECT_EQ(std::get<Command>(split[i]).tag, c->tag);
          if (auto* append = std::get_if<Append>(&c->arguments)) {
            const Append& other = std::get<Append>(std::get<Command>(split[i]).arguments);
            ASSERT_EQ(other.messages.size(), append->messages.size());
            EXPECT_EQ(other.messages[0].content, append->messages[0].content);
          }
        }
      }
    }
  }
}

TEST(CommandReader, AppendLiteralIsMovedIntoTheMessage) {
  std::vector<Event> events = feed_all("a APPEND INBOX {5+}\r\nhello (\\Seen) ~{2+}\r\n\0\n\r\n"s);
  ASSERT_EQ(events.size(), 1u);
  const Append& append = std::get<Append>(command_at(events, 0).arguments);
  ASSERT_EQ(append.messages.size(), 2u);
  EXPECT_EQ(append.messages[0].content, "hello");
  EXPECT_FALSE(append.messages[0].binary);
  EXPECT_EQ(append.messages[1].content, std::string("\0\n", 2));
  EXPECT_TRUE(append.messages[1].binary);
  EXPECT_EQ(append.messages[1].flags, std::vector<std::string>{"\\Seen"});
}

TEST(CommandReader, TooLongLineIsSkippedAndReported) {
  ParserLimits limits;
  limits.max_line_length = 100;
  std::string input = "t1 NOOP " + std::string(500, 'a') + "\r\nt2 NOOP\r\n";
  for (std::size_t piece : {0, 1, 64}) {
    std::vector<Event> events = feed_all(input, piece, limits);
    ASSERT_EQ(events.size(), 2u);
    const ParseError& e = std::get<ParseError>(events[0]);
    EXPECT_EQ(e.kind, ErrorKind::line_too_long);
    EXPECT_EQ(e.tag, "t1");
    EXPECT_EQ(command_at(events, 1).tag, "t2");
  }
}

TEST(CommandReader, TooLongLineEndingInLiteralPlusSkipsTheLiteral) {
  ParserLimits limits;
  limits.max_line_length = 50;
  std::string input = "t1 LOGIN " + std::string(80, 'a') + " {10+}\r\nt9 NOOP\r\n\r\nt2 NOOP\r\n";
  std::vector<Event> events = feed_all(input, 0, limits);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(std::get<ParseError>(events[0]).kind, ErrorKind::line_too_long);
  EXPECT_EQ(command_at(events, 1).tag, "t2");
}

TEST(CommandReader, OversizedLiterals) {
  ParserLimits limits;
  limits.max_literal_size = 10;
  limits.max_message_size = 20;
  // Synchronizing: refused at once, the client sends nothing more.
  std::vector<Event> sync = feed_all("a LOGIN {11}\r\nb NOOP\r\n", 0, limits);
  ASSERT_EQ(sync.size(), 2u);
  EXPECT_EQ(std::get<ParseError>(sync[0]).kind, ErrorKind::literal_too_large);
  EXPECT_EQ(std::get<ParseError>(sync[0]).tag, "a");
  EXPECT_EQ(command_at(sync, 1).tag, "b");
  // Non-synchronizing: its bytes are skipped, then the error is reported.
  std::vector<Event> plus = feed_all("a LOGIN {11+}\r\nb NOOP\r\nxyz x\r\nc NOOP\r\n", 0, limits);
  ASSERT_EQ(plus.size(), 2u);
  EXPECT_EQ(std::get<ParseError>(plus[0]).kind, ErrorKind::literal_too_large);
  EXPECT_EQ(command_at(plus, 1).tag, "c");
  // APPEND may use the larger message limit.
  std::vector<Event> append = feed_all("a APPEND x {15+}\r\n123456789012345\r\n", 0, limits);
  ASSERT_EQ(append.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<Command>(append[0]));
}

TEST(CommandReader, LiteralsOfOneCommandAreBoundedTogether) {
  ParserLimits limits;
  limits.max_message_size = 10;
  std::vector<Event> events =
      feed_all("a APPEND x {6+}\r\n123456 {5+}\r\n12345\r\nb NOOP\r\n", 0, limits);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(std::get<ParseError>(events[0]).kind, ErrorKind::literal_too_large);
  EXPECT_EQ(command_at(events, 1).tag, "b");
}

TEST(CommandReader, LiteralCountIsBounded) {
  ParserLimits limits;
  limits.max_literals = 2;
  std::vector<Event> events =
      feed_all("a APPEND x {1+}\r\n1 {1+}\r\n2 {1+}\r\n3\r\nb NOOP\r\n", 0, limits);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(std::get<ParseError>(events[0]).kind, ErrorKind::too_complex);
  EXPECT_EQ(command_at(events, 1).tag, "b");
}

TEST(CommandReader, HugeLiteralSizeDoesNotOverflow) {
  std::vector<Event> events = feed_all("a LOGIN {99999999999999999999999}\r\nb NOOP\r\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(std::get<ParseError>(events[0]).kind, ErrorKind::syntax);
  EXPECT_EQ(command_at(events, 1).tag, "b");
  // Reported at once; the reader then skips what the client announced.
  events = feed_all("a LOGIN {18446744073709551615+}\r\nb NOOP\r\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(std::get<ParseError>(events[0]).kind, ErrorKind::literal_too_large);
}

}  // namespace
}  // namespace eider::imap
