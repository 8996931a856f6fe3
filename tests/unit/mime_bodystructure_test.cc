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

// One message with every BODYSTRUCTURE feature: a folded quoted boundary,
// preamble and epilogues, all Content-* fields, a quoted-pair in a parameter,
// an embedded message holding a multipart, bare LF line endings (sizes count
// them as CRLF) and an invalid transfer encoding (sent as "7bit").
const std::string kFullMessage =
    "From: ann@example.net\n"
    "Date: Tue, 2 Jan 2024 10:00:00 +0000\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"outer\n"
    " edge\"\n"
    "\n"
    "preamble\n"
    "\n"
    "--outer edge\n"
    "Content-Type: text/x-note; charset=us-ascii; tag=\"say \\\"hi\\\"\"\n"
    "Content-ID: <note@example.net>\n"
    "Content-MD5: bm90ZQ==\n"
    "Content-Disposition: inline; size=5\n"
    "Content-Description: a note\n"
    "Content-Language: de, nl\n"
    "Content-Location: https://example.net/note\n"
    "\n"
    "note\n"
    "\n"
    "--outer edge\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "From: bob@example.com\n"
    "To: cy@example.com, dee@example.com\n"
    "Date: Wed, 3 Jan 2024 11:00:00 +0100\n"
    "Subject: inner\n"
    "Content-Type: multipart/alternative; boundary=inner\n"
    "\n"
    "--inner\n"
    "Content-Type: text/html\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
    "<b>hi</b>\n"
    "\n"
    "--inner\n"
    "Content-Transfer-Encoding: (bad\n"
    "\n"
    "hi\n"
    "--inner--\n"
    "inner epilogue\n"
    "--outer edge--\n"
    "outer epilogue\n";

TEST(MimeBodystructure, FullMessageInDovecotsConventions) {
  Message m = parse(kFullMessage);
  const std::string embedded_envelope =
      R"(("Wed, 3 Jan 2024 11:00:00 +0100" "inner" ((NIL NIL "bob" "example.com")) )"
      R"(((NIL NIL "bob" "example.com")) ((NIL NIL "bob" "example.com")) )"
      R"(((NIL NIL "cy" "example.com")(NIL NIL "dee" "example.com")) NIL NIL NIL NIL))";
  EXPECT_EQ(bodystructure(kFullMessage, m.root, true),
            R"((("text" "x-note" ("charset" "us-ascii" "tag" "say \"hi\"") "<note@example.net>" )"
            R"("a note" "7bit" 6 1 "bm90ZQ==" ("inline" ("size" "5")) ("de" "nl") )"
            R"("https://example.net/note"))"
            R"(("message" "rfc822" NIL NIL NIL "7bit" 324 )" +
                embedded_envelope +
                R"( (("text" "html" ("charset" "us-ascii") NIL NIL "8bit" 11 1 NIL NIL NIL NIL))"
                R"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 2 0 NIL NIL NIL NIL) )"
                R"("alternative" ("boundary" "inner") NIL NIL NIL) 17 NIL NIL NIL NIL) )"
                R"("mixed" ("boundary" "outer edge") NIL NIL NIL))");
  EXPECT_EQ(bodystructure(kFullMessage, m.root, false),
            R"((("text" "x-note" ("charset" "us-ascii" "tag" "say \"hi\"") "<note@example.net>" )"
            R"("a note" "7bit" 6 1)("message" "rfc822" NIL NIL NIL "7bit" 324 )" +
                embedded_envelope +
                R"( (("text" "html" ("charset" "us-ascii") NIL NIL "8bit" 11 1))"
                R"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 2 0) "alternative") 17) )"
                R"("mixed"))");
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
      {"base64 message/rfc822 has an empty envelope and body, as RFC 3501 7.4.2 needs",
       "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nQUJD\r\n",
       R"(("message" "rfc822" NIL NIL NIL "base64" 6 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL) 1 NIL NIL NIL NIL))"},
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

// Dovecot's plain-7bit shortcut (message_part_data_is_plain_7bit): only the
// top-level part, only text/plain with charset us-ascii or none, and no
// Content-* field but a 7bit encoding.
TEST(MimeBodystructure, TopLevelPlain7bitIsWrittenInLowercase) {
  const std::vector<BodyCase> cases = {
      {"7BIT and upper-case type",
       "MIME-Version: 1.0\r\nContent-Transfer-Encoding: 7BIT\r\n"
       "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\nx\r\n",
       R"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 3 1 NIL NIL NIL NIL))"},
      {"a header without a body",
       "MIME-Version: 1.0\r\nContent-transfer-encoding: 7BIT\r\n"
       "Content-Type: text/plain; charset=us-ascii\r\nX: y\r\n \r\nno colon\r\n\r\n",
       R"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL))"},
      {"another charset keeps the case",
       "MIME-Version: 1.0\r\nContent-Transfer-Encoding: 7BIT\r\n"
       "Content-Type: text/plain; charset=utf-8\r\n\r\nx",
       R"(("text" "plain" ("charset" "utf-8") NIL NIL "7BIT" 1 0 NIL NIL NIL NIL))"},
      {"a description keeps the case",
       "MIME-Version: 1.0\r\nContent-Type: TEXT/PLAIN\r\nContent-Description: d\r\n\r\nx",
       R"(("TEXT" "PLAIN" ("charset" "us-ascii") NIL "d" "7bit" 1 0 NIL NIL NIL NIL))"},
      {"text/html keeps the case",
       "MIME-Version: 1.0\r\nContent-Transfer-Encoding: 7BIT\r\nContent-Type: text/html\r\n"
       "\r\nx",
       R"(("text" "html" ("charset" "us-ascii") NIL NIL "7BIT" 1 0 NIL NIL NIL NIL))"},
      {"an embedded message keeps the case",
       "Content-Type: message/rfc822\r\n\r\nContent-Transfer-Encoding: 7BIT\r\n"
       "Content-Type: TEXT/PLAIN\r\n\r\nx\r\n",
       R"(("message" "rfc822" NIL NIL NIL "7bit" 64 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) )"
       R"(("TEXT" "PLAIN" ("charset" "us-ascii") NIL NIL "7BIT" 3 1 NIL NIL NIL NIL) 4 NIL NIL NIL NIL))"},
  };
  for (const auto& c : cases) {
    Message m = parse(c.message);
    EXPECT_EQ(bodystructure(c.message, m.root, true), c.expected) << c.name;
  }
  const std::string plain = "Content-Transfer-Encoding: 7Bit\r\n\r\nx";
  EXPECT_EQ(bodystructure(plain, parse(plain).root, false),
            R"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 1 0))");
}

}  // namespace
}  // namespace eider::mime
