#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mime/message.h"

namespace eider::mime {
namespace {

std::string envelope_of(const std::string& message) {
  Message m = parse(message);
  return envelope(message, m.root);
}

TEST(MimeEnvelope, AllFieldsInRfc3501Order) {
  std::string msg =
      "Date: Sat, 24 Mar 2007 23:00:00 +0200\r\n"
      "Subject: Hello\r\n"
      "From: Alice <alice@example.org>\r\n"
      "Sender: bob@example.org\r\n"
      "Reply-To: list@example.org\r\n"
      "To: carol@example.org, dave@example.org\r\n"
      "Cc: eve@example.org\r\n"
      "Bcc: frank@example.org\r\n"
      "In-Reply-To: <a@b>\r\n"
      "Message-ID: <c@d>\r\n"
      "\r\nbody\r\n";
  EXPECT_EQ(
      envelope_of(msg),
      R"(("Sat, 24 Mar 2007 23:00:00 +0200" "Hello" (("Alice" NIL "alice" "example.org")) )"
      R"(((NIL NIL "bob" "example.org")) ((NIL NIL "list" "example.org")) )"
      R"(((NIL NIL "carol" "example.org")(NIL NIL "dave" "example.org")) )"
      R"(((NIL NIL "eve" "example.org")) ((NIL NIL "frank" "example.org")) "<a@b>" "<c@d>"))");
}

TEST(MimeEnvelope, MissingFieldsAreNilAndSenderReplyToDefaultToFrom) {
  EXPECT_EQ(envelope_of("X: y\r\n\r\n"), "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
  EXPECT_EQ(
      envelope_of("From: a@b\r\n\r\n"),
      R"((NIL NIL ((NIL NIL "a" "b")) ((NIL NIL "a" "b")) ((NIL NIL "a" "b")) NIL NIL NIL NIL NIL))");
  EXPECT_EQ(
      envelope_of("From: a@b\r\nSender: \r\nReply-To: (none)\r\n\r\n"),
      R"((NIL NIL ((NIL NIL "a" "b")) ((NIL NIL "a" "b")) ((NIL NIL "a" "b")) NIL NIL NIL NIL NIL))");
}

struct AddressCase {
  const char* name;
  std::string to;        // the To: value
  std::string expected;  // the ENVELOPE's "to" element
};

TEST(MimeEnvelope, AddressesAsDovecotWritesThem) {
  const std::vector<AddressCase> cases = {
      {"addr-spec", "a@b", R"(((NIL NIL "a" "b")))"},
      {"name-addr", "John Smith <j@x.org>", R"((("John Smith" NIL "j" "x.org")))"},
      {"quoted display name is unquoted", "\"Doe, John\" <j@x>", R"((("Doe, John" NIL "j" "x")))"},
      {"escapes in display name", "\"a \\\"b\\\" c\" <j@x>", R"((("a \"b\" c" NIL "j" "x")))"},
      {"encoded words stay raw", "=?utf-8?q?J=C3=B6rg?= <j@x>",
       R"((("=?utf-8?q?J=C3=B6rg?=" NIL "j" "x")))"},
      {"dots in a name", "J. R. Smith <j@x>", R"((("J. R. Smith" NIL "j" "x")))"},
      {"comment after addr-spec is the name", "j@x (John Doe)", R"((("John Doe" NIL "j" "x")))"},
      {"comments in a name-addr are dropped", "John (the man) Smith <j@x>",
       R"((("John Smith" NIL "j" "x")))"},
      {"angle addr without name", "<j@x>", R"(((NIL NIL "j" "x")))"},
      {"source route", "<@r1.org,@r2.org:j@x>", R"(((NIL "@r1.org,@r2.org" "j" "x")))"},
      {"group", "friends: a@b, \"C D\" <c@d>;, e@f",
       R"(((NIL NIL "friends" NIL)(NIL NIL "a" "b")("C D" NIL "c" "d")(NIL NIL NIL NIL)(NIL NIL "e" "f")))"},
      {"empty group", "undisclosed-recipients:;",
       R"(((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)))"},
      {"missing domain", "user", R"(((NIL NIL "user" "MISSING_DOMAIN")))"},
      {"broken angle addr ends the list", "Bob <bob@>, c@d",
       R"((("Bob" NIL "bob" "SYNTAX_ERROR")))"},
      {"quoted local part", "\"john doe\"@x", R"(((NIL NIL "john doe" "x")))"},
      {"domain literal", "j@[192.0.2.1]", R"(((NIL NIL "j" "[192.0.2.1]")))"},
      {"empty list members", "a@b,, ,c@d", R"(((NIL NIL "a" "b")(NIL NIL "c" "d")))"},
      {"folded list", "a@b,\r\n\tc@d", R"(((NIL NIL "a" "b")(NIL NIL "c" "d")))"},
      {"garbage ends the list", "John Doe john@example.com, a@b",
       R"((("John Doe john" NIL "MISSING_MAILBOX" "MISSING_DOMAIN")))"},
      {"empty value", "", "NIL"},
      {"8-bit name is a literal", "J\xc3\xb6rg <j@x>", "(({5}\r\nJ\xc3\xb6rg NIL \"j\" \"x\"))"},
  };
  for (const auto& c : cases) {
    std::string got = envelope_of("To: " + c.to + "\r\n\r\n");
    EXPECT_EQ(got, "(NIL NIL NIL NIL NIL " + c.expected + " NIL NIL NIL NIL)") << c.name;
  }
}

// Each expected value is what Dovecot 2.3.19 answers for the same To:.
TEST(MimeEnvelope, AddressWithoutAtIsReadAsDovecotReadsIt) {
  const std::vector<AddressCase> cases = {
      {"words without @ are a display name", "Mary Smith",
       R"((("Mary Smith" NIL "MISSING_MAILBOX" "MISSING_DOMAIN")))"},
      {"dotted words too", "J.Smith Doe",
       R"((("J.Smith Doe" NIL "MISSING_MAILBOX" "MISSING_DOMAIN")))"},
      {"a quoted word and more", "\"q\" rest",
       R"((("q rest" NIL "MISSING_MAILBOX" "MISSING_DOMAIN")))"},
      {"a lone quoted string is a name", "\"quoted\"",
       R"((("quoted" NIL "MISSING_MAILBOX" "MISSING_DOMAIN")))"},
      {"a lone word stays the mailbox", "user", R"(((NIL NIL "user" "MISSING_DOMAIN")))"},
      {"a comment after a lone word is its name", "user (Comm)",
       R"((("Comm" NIL "user" "MISSING_DOMAIN")))"},
      {"nothing after @", "x@", R"(((NIL NIL "x" "MISSING_DOMAIN")))"},
      {"no local part keeps the domain", "@develop:sblab!att!nsb",
       R"(((NIL NIL "MISSING_MAILBOX" "develop")))"},
  };
  for (const auto& c : cases) {
    std::string got = envelope_of("To: " + c.to + "\r\n\r\n");
    EXPECT_EQ(got, "(NIL NIL NIL NIL NIL " + c.expected + " NIL NIL NIL NIL)") << c.name;
  }
}

TEST(MimeEnvelope, EmptyAngleAddrIsMissingMailboxAndDomain) {
  EXPECT_EQ(
      envelope_of("To: <>\r\n\r\n"),
      R"((NIL NIL NIL NIL NIL ((NIL NIL "MISSING_MAILBOX" "MISSING_DOMAIN")) NIL NIL NIL NIL))");
  EXPECT_EQ(
      envelope_of("To: \"KLAUS- H\" <>\r\n\r\n"),
      R"((NIL NIL NIL NIL NIL (("KLAUS- H" NIL "MISSING_MAILBOX" "MISSING_DOMAIN")) NIL NIL NIL NIL))");
}

struct TextCase {
  const char* name;
  std::string subject;
  std::string expected;
};

TEST(MimeEnvelope, SubjectIsTextForHumans) {
  const std::vector<TextCase> cases = {
      {"plain", "Hello world", R"("Hello world")"},
      {"folded", "Hello\r\n\tworld", R"("Hello world")"},
      {"white space runs collapse and trim", "  a \t  b  ", R"("a b")"},
      {"quotes and backslashes are escaped", "say \"hi\" \\o/", R"("say \"hi\" \\o/")"},
      {"encoded word kept raw", "=?iso-8859-1?q?caf=E9?=", R"("=?iso-8859-1?q?caf=E9?=")"},
      {"8-bit is a literal", "caf\xc3\xa9", "{5}\r\ncaf\xc3\xa9"},
      {"empty", "", R"("")"},
  };
  for (const auto& c : cases) {
    std::string got = envelope_of("Subject: " + c.subject + "\r\n\r\n");
    EXPECT_EQ(got, "(NIL " + c.expected + " NIL NIL NIL NIL NIL NIL NIL NIL)") << c.name;
  }
}

// As Dovecot sends them: line breaks removed, the folding white space kept.
TEST(MimeEnvelope, DateAndIdsAreUnfoldedRawStrings) {
  EXPECT_EQ(envelope_of("Message-ID:\r\n <x@y>\r\nDate: Mon,\r\n 1 Jan 2024 \r\n\r\n"),
            R"(("Mon, 1 Jan 2024 " NIL NIL NIL NIL NIL NIL NIL NIL " <x@y>"))");
}

// Dovecot's choice for a field given twice.
// RFC 5322 3.6 allows one of each; of two, the first counts everywhere
// (SEARCH SENTON reads the first Date too), and mail clients show the first.
TEST(MimeEnvelope, FirstOccurrenceOfAFieldCounts) {
  EXPECT_EQ(envelope_of("Subject: one\r\nSubject: two\r\n\r\n"),
            R"((NIL "one" NIL NIL NIL NIL NIL NIL NIL NIL))");
  EXPECT_EQ(envelope_of("From: First <first@a.example>\r\nFrom: second@b.example\r\n"
                        "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
                        "Date: Tue, 2 Jan 2024 00:00:00 +0000\r\n"
                        "Message-ID: <m1@x>\r\nMessage-ID: <m2@x>\r\nIn-Reply-To: <i1@x>\r\n"
                        "In-Reply-To: <i2@x>\r\nTo: t1@x\r\nTo: t2@x\r\n\r\n"),
            R"(("Mon, 1 Jan 2024 00:00:00 +0000" NIL (("First" NIL "first" "a.example")) )"
            R"((("First" NIL "first" "a.example")) (("First" NIL "first" "a.example")) )"
            R"(((NIL NIL "t1" "x")) NIL NIL "<i1@x>" "<m1@x>"))");
}

TEST(MimeEnvelope, OfAnEmbeddedMessage) {
  std::string msg =
      "Subject: outer\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nbody\r\n";
  Message m = parse(msg);
  ASSERT_EQ(m.root.children.size(), 1u);
  EXPECT_EQ(envelope(msg, m.root.children[0]), R"((NIL "inner" NIL NIL NIL NIL NIL NIL NIL NIL))");
}

}  // namespace
}  // namespace eider::mime
