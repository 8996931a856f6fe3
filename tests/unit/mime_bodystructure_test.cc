#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mime/message.h"
#include "mime_imap_grammar.h"
#include "mime_parse_corpus.h"

namespace eider::mime {
namespace {

void expect_well_formed(const std::string& bytes, const Part& part, const std::string& name) {
  for (bool extended : {true, false}) {
    std::string b = bodystructure(bytes, part, extended);
    EXPECT_TRUE(testing::Rfc3501Grammar(b).whole_body())
        << name << (extended ? " BODYSTRUCTURE " : " BODY ") << b.substr(0, 2000);
  }
  if (part.is_message() && part.children.size() == 1) {
    std::string e = envelope(bytes, part.children[0]);
    EXPECT_TRUE(testing::Rfc3501Grammar(e).whole_envelope()) << name << " " << e.substr(0, 2000);
  }
  for (const Part& child : part.children) expect_well_formed(bytes, child, name);
}

TEST(MimeBodystructure, EveryCorpusMessageIsWellFormedByRfc3501Grammar) {
  for (const auto& file : testing::corpus()) {
    Message m = parse(file.bytes);
    std::string e = envelope(file.bytes, m.root);
    EXPECT_TRUE(testing::Rfc3501Grammar(e).whole_envelope())
        << file.name << " " << e.substr(0, 2000);
    expect_well_formed(file.bytes, m.root, file.name);
  }
}

TEST(MimeBodystructure, GrammarCheckerRejectsBrokenOutput) {
  const std::vector<std::string> bad = {
      "",
      R"(("text" "plain" NIL NIL NIL "7bit" 1))",   // text without lines
      R"(("text" "plain" () NIL NIL "7bit" 1 1))",  // empty params list
      R"(("a" "b" NIL NIL NIL "7bit" x))",          // size not a number
      "(\"a\" \"b\" NIL NIL NIL \"7\xc3\xa9\" 1)",  // 8-bit in a quoted string
      R"(("a" "b" NIL NIL NIL "7bit" 1) )",         // trailing space
      R"(("a" "b" NIL NIL NIL "7bit" 1)("a" "b" NIL NIL NIL "7bit" 1))",  // two bodies
      R"((("a" "b" NIL NIL NIL "7bit" 1)))",  // multipart without subtype
  };
  for (const auto& b : bad) EXPECT_FALSE(testing::Rfc3501Grammar(b).whole_body()) << b;
  EXPECT_TRUE(testing::Rfc3501Grammar(R"(("a" "b" NIL NIL NIL "7bit" 1))").whole_body());
}

// Dovecot's own test message (src/lib-imap/test-imap-bodystructure.c) and
// the BODYSTRUCTURE and BODY Dovecot writes for it, in outer parentheses.
const std::string kDovecotMessage =
    "From: user@domain.org\n"
    "Date: Sat, 24 Mar 2007 23:00:00 +0200\n"
    "Mime-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"foo\n"
    " bar\"\n"
    "\n"
    "Root MIME prologue\n"
    "\n"
    "--foo bar\n"
    "Content-Type: text/x-myown; charset=us-ascii; foo=\"quoted\\\"string\"\n"
    "Content-ID: <foo@example.com>\n"
    "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\n"
    "Content-Disposition: inline; foo=bar\n"
    "Content-Description: hellodescription\n"
    "Content-Language: en, fi, se\n"
    "Content-Location: http://example.com/test.txt\n"
    "\n"
    "hello\n"
    "\n"
    "--foo bar\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "From: sub@domain.org\n"
    "To: sub-to1@domain.org, sub-to2@domain.org\n"
    "Date: Sun, 12 Aug 2012 12:34:56 +0300\n"
    "Subject: submsg\n"
    "Content-Type: multipart/alternative; boundary=\"sub1\"\n"
    "\n"
    "Sub MIME prologue\n"
    "--sub1\n"
    "Content-Type: text/html\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
    "<p>Hello world</p>\n"
    "\n"
    "--sub1\n"
    "Content-Type: text/plain\n"
    "Content-Transfer-Encoding: ?invalid\n"
    "\n"
    "Hello another world\n"
    "\n"
    "--sub1--\n"
    "Sub MIME epilogue\n"
    "\n"
    "--foo bar--\n"
    "Root MIME epilogue\n";

TEST(MimeBodystructure, MatchesDovecotOnItsOwnTestMessage) {
  Message m = parse(kDovecotMessage);
  EXPECT_EQ(
      bodystructure(kDovecotMessage, m.root, true),
      R"(()"
      R"(("text" "x-myown" ("charset" "us-ascii" "foo" "quoted\"string") "<foo@example.com>" )"
      R"("hellodescription" "7bit" 7 1 "Q2hlY2sgSW50ZWdyaXR5IQ==" ("inline" ("foo" "bar")) )"
      R"(("en" "fi" "se") "http://example.com/test.txt"))"
      R"(("message" "rfc822" NIL NIL NIL "7bit" 412 ("Sun, 12 Aug 2012 12:34:56 +0300" "submsg" )"
      R"(((NIL NIL "sub" "domain.org")) ((NIL NIL "sub" "domain.org")) ((NIL NIL "sub" "domain.org")) )"
      R"(((NIL NIL "sub-to1" "domain.org")(NIL NIL "sub-to2" "domain.org")) NIL NIL NIL NIL) )"
      R"((("text" "html" ("charset" "us-ascii") NIL NIL "8bit" 20 1 NIL NIL NIL NIL))"
      R"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 21 1 NIL NIL NIL NIL) )"
      R"("alternative" ("boundary" "sub1") NIL NIL NIL) 21 NIL NIL NIL NIL) )"
      R"("mixed" ("boundary" "foo bar") NIL NIL NIL))");
  EXPECT_EQ(
      bodystructure(kDovecotMessage, m.root, false),
      R"(()"
      R"(("text" "x-myown" ("charset" "us-ascii" "foo" "quoted\"string") "<foo@example.com>" )"
      R"("hellodescription" "7bit" 7 1))"
      R"(("message" "rfc822" NIL NIL NIL "7bit" 412 ("Sun, 12 Aug 2012 12:34:56 +0300" "submsg" )"
      R"(((NIL NIL "sub" "domain.org")) ((NIL NIL "sub" "domain.org")) ((NIL NIL "sub" "domain.org")) )"
      R"(((NIL NIL "sub-to1" "domain.org")(NIL NIL "sub-to2" "domain.org")) NIL NIL NIL NIL) )"
      R"((("text" "html" ("charset" "us-ascii") NIL NIL "8bit" 20 1))"
      R"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 21 1) "alternative") 21) "mixed"))");
}

struct BodyCase {
  const char* name;
  std::string message;
  std::string expected;  // BODYSTRUCTURE
};

TEST(MimeBodystructure, HandWrittenMessages) {
  const std::vector<BodyCase> cases = {
      {"plain text gets the default charset", "Subject: x\r\n\r\nhello\r\n",
       R"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 7 1 NIL NIL NIL NIL))"},
      {"default charset goes after other params",
       "Content-Type: text/plain; format=flowed\r\n\r\nx",
       R"(("text" "plain" ("format" "flowed" "charset" "us-ascii") NIL NIL "7bit" 1 0 NIL NIL NIL NIL))"},
      {"bare LF counts as CRLF in sizes", "\nab\ncd\n",
       R"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 8 2 NIL NIL NIL NIL))"},
      {"attachment",
       "Content-Type: application/pdf; name=\"a b.pdf\"\r\nContent-Transfer-Encoding: base64\r\n"
       "Content-Disposition: attachment; filename=\"a b.pdf\"\r\n\r\nQUJD\r\n",
       R"(("application" "pdf" ("name" "a b.pdf") NIL NIL "base64" 6 NIL ("attachment" ("filename" "a b.pdf")) NIL NIL))"},
      {"disposition without params",
       "Content-Type: image/png\r\nContent-Disposition: inline\r\n\r\n",
       R"(("image" "png" NIL NIL NIL "7bit" 0 NIL ("inline" NIL) NIL NIL))"},
      {"multipart without parts shows an empty text part",
       "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b--\r\n",
       R"((("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL) "mixed" ("boundary" "b") NIL NIL NIL))"},
      {"base64 message/rfc822 is a basic body",
       "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nQUJD\r\n",
       R"(("message" "rfc822" NIL NIL NIL "base64" 6 NIL NIL NIL NIL))"},
      {"8-bit parameter value is a literal",
       "Content-Type: application/octet-stream; name=\"\xc3\xa9.bin\"\r\n\r\n",
       "(\"application\" \"octet-stream\" (\"name\" {6}\r\n\xc3\xa9.bin) NIL NIL \"7bit\" 0 NIL "
       "NIL NIL NIL)"},
      {"location and description lose line breaks",
       "MIME-Version: 1.0\r\nContent-Location: http://x/\r\n y\r\nContent-Description: a\r\n "
       "b\r\n\r\n",
       R"(("text" "plain" ("charset" "us-ascii") NIL "a b" "7bit" 0 0 NIL NIL NIL "http://x/ y"))"},
  };
  for (const auto& c : cases) {
    Message m = parse(c.message);
    std::string got = bodystructure(c.message, m.root, true);
    EXPECT_EQ(got, c.expected) << c.name;
    EXPECT_TRUE(testing::Rfc3501Grammar(got).whole_body()) << c.name;
  }
}

}  // namespace
}  // namespace eider::mime
