#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mime/message.h"
#include "mime_parse_corpus.h"

namespace eider::mime {
namespace {

// Checks what every tree must satisfy and returns the first broken rule.
std::string range_violation(const Part& part, uint64_t size) {
  if (part.header.begin > part.header.end) return "header reversed";
  if (part.header.end != part.body.begin) return "body does not follow header";
  if (part.body.begin > part.body.end || part.body.end > size) return "body out of input";
  uint64_t cursor = part.body.begin;
  for (const Part& child : part.children) {
    if (child.header.begin < cursor) return "child before parent body or overlapping sibling";
    if (child.body.end > part.body.end) return "child beyond parent body";
    cursor = child.body.end;
    std::string inner = range_violation(child, size);
    if (!inner.empty()) return inner;
  }
  if (part.is_message() && !part.children.empty()) {
    if (part.children.size() != 1) return "message part with several children";
    if (part.children[0].header.begin != part.body.begin) return "embedded message not at body";
    if (part.children[0].body.end != part.body.end) return "embedded message short of body";
  }
  if (!part.children.empty() && !part.is_multipart() && !part.is_message()) {
    return "leaf with children";
  }
  return "";
}

std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// A compact picture of the tree: leaves as type/subtype"body", containers as
// type/subtype(children), truncated parts marked with '!'.
std::string shape(const Part& part, std::string_view bytes) {
  std::string out = part.type + "/" + part.subtype + (part.truncated ? "!" : "");
  if (part.children.empty()) return out + "\"" + escape(part.body.in(bytes)) + "\"";
  out += "(";
  for (size_t i = 0; i < part.children.size(); ++i) {
    if (i > 0) out += " ";
    out += shape(part.children[i], bytes);
  }
  return out + ")";
}

TEST(MimeParse, EveryCorpusMessageParsesWithConsistentRanges) {
  ASSERT_GE(testing::corpus().size(), 256u);
  size_t with_children = 0;
  for (const auto& file : testing::corpus()) {
    Message m = parse(file.bytes);
    EXPECT_EQ(m.root.header.begin, 0u) << file.name;
    EXPECT_EQ(m.root.body.end, file.bytes.size()) << file.name;
    EXPECT_EQ(range_violation(m.root, file.bytes.size()), "") << file.name;
    if (!m.root.children.empty()) ++with_children;
  }
  EXPECT_GT(with_children, testing::corpus().size() / 3);
}

TEST(MimeParse, CorpusMultipartsHaveTheirParts) {
  // Every corpus file whose top-level Content-Type is multipart with a
  // boundary that occurs as a delimiter line has at least one child.
  size_t checked = 0;
  for (const auto& file : testing::corpus()) {
    Message m = parse(file.bytes);
    std::string_view b = m.root.param("boundary");
    if (!m.root.is_multipart() || b.empty() || m.root.truncated) continue;
    // A first delimiter that closes (a multipart with no parts) yields none.
    std::string line = "\n--" + std::string(b);
    size_t first = m.root.body.in(file.bytes).find(line);
    if (first == std::string_view::npos ||
        m.root.body.in(file.bytes).substr(first + line.size(), 2) == "--") {
      continue;
    }
    EXPECT_FALSE(m.root.children.empty()) << file.name;
    ++checked;
  }
  EXPECT_GT(checked, testing::corpus().size() / 3);
}

struct ShapeCase {
  const char* name;
  std::string input;
  std::string expected;
};

TEST(MimeParse, StructureOfHandWrittenMessages) {
  const std::string mp = "Content-Type: multipart/mixed; boundary=b\r\n\r\n";
  const std::vector<ShapeCase> cases = {
      {"plain message", "Subject: hi\r\n\r\nbody\r\n", R"(text/plain"body\r\n")"},
      {"headers without body", "Subject: hi\r\n\r\n", R"(text/plain"")"},
      {"no header/body separator", "Subject: hi\r\nFrom: a@b", R"(text/plain"")"},
      {"body without headers", "\r\nhello", R"(text/plain"hello")"},
      {"mbox From line is a malformed header line",
       "From a@b Mon Jan  1 00:00:00 2024\nContent-Type: text/html\n\nx\n", R"(text/html"x\n")"},
      {"multipart with preamble and epilogue",
       mp +
           "pre\r\n--b\r\n\r\none\r\n--b\r\nContent-Type: text/html\r\n\r\ntwo\r\n--b--\r\nepi\r\n",
       R"(multipart/mixed(text/plain"one" text/html"two"))"},
      {"bare LF multipart",
       "Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n\n--b\n\ntwo\n--b--\n",
       R"(multipart/mixed(text/plain"one\n" text/plain"two"))"},
      {"mixed line endings", mp + "--b\n\r\none\r\n--b\r\n\ntwo\n--b--",
       R"(multipart/mixed(text/plain"one" text/plain"two"))"},
      {"missing final boundary", mp + "--b\r\n\r\none\r\n--b\r\n\r\ntwo\r\n",
       R"(multipart/mixed(text/plain"one" text/plain"two\r\n"))"},
      {"white space after a delimiter", mp + "--b \t\r\n\r\none\r\n--b-- \r\n",
       R"(multipart/mixed(text/plain"one"))"},
      {"text after the boundary on a delimiter line is ignored (RFC 2046 5.1.1)",
       mp + "--b ignored\r\n\r\none\r\n--b--ignored too\r\nepilogue\r\n--b--\r\n",
       R"(multipart/mixed(text/plain"one"))"},
      {"the longest of boundaries that prefix each other wins",
       mp + "--b\r\nContent-Type: multipart/alternative; boundary=bb\r\n\r\n--bb\r\n\r\na\r\n"
            "--bb\r\n\r\nb\r\n--b\r\n\r\nc\r\n--b--\r\n",
       R"(multipart/mixed(multipart/alternative(text/plain"a" text/plain"b") text/plain"c"))"},
      {"a whole-line match beats a longer prefix match",
       mp + "--b\r\nContent-Type: multipart/alternative; boundary=\"b-\"\r\n\r\n--b-\r\n\r\n"
            "a\r\n--b--\r\nepilogue\r\n",
       R"(multipart/mixed(multipart/alternative(text/plain"a")))"},
      {"delimiter at end of input without line ending", mp + "--b\r\n\r\none\r\n--b--",
       R"(multipart/mixed(text/plain"one"))"},
      {"outer boundary ends inner parts",
       "Content-Type: multipart/mixed; boundary=outer\r\n\r\n--outer\r\n"
       "Content-Type: multipart/alternative; boundary=inner\r\n\r\n--inner\r\n\r\na\r\n"
       "--outer\r\n\r\nb\r\n--outer--\r\n",
       R"(multipart/mixed(multipart/alternative(text/plain"a") text/plain"b"))"},
      {"inner multipart reusing the outer boundary owns its lines",
       mp + "--b\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n\r\na\r\n"
            "--b--\r\n--b\r\n\r\nc\r\n--b--\r\n",
       R"(multipart/mixed(multipart/alternative(text/plain"a") text/plain"c"))"},
      {"header cut by a delimiter", mp + "--b\r\nContent-Type: text/html\r\n--b--\r\n",
       R"(multipart/mixed(text/html""))"},
      {"message/rfc822 child",
       mp + "--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: in\r\n\r\ninner\r\n--b--\r\n",
       R"(multipart/mixed(message/rfc822(text/plain"inner")))"},
      {"message/global is an embedded message too",
       "Content-Type: message/global\r\n\r\nSubject: in\r\n\r\ninner",
       R"(message/global(text/plain"inner"))"},
      {"base64 message/rfc822 is a leaf",
       "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nU3ViamVjdDog\r\n",
       R"(message/rfc822"U3ViamVjdDog\r\n")"},
      {"digest children default to message/rfc822",
       "Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nSubject: x\r\n\r\nbody\r\n"
       "--d\r\nContent-Type: text/plain\r\n\r\nt\r\n--d--\r\n",
       R"(multipart/digest(message/rfc822(text/plain"body") text/plain"t"))"},
      {"multipart without boundary has no children",
       "Content-Type: multipart/mixed\r\n\r\n--b\r\n\r\nx\r\n",
       R"(multipart/mixed"--b\r\n\r\nx\r\n")"},
      {"invalid content type falls back to text/plain", "Content-Type: image\r\n\r\nx",
       R"(text/plain"x")"},
      {"no delimiter at all", mp + "just text\r\n", R"(multipart/mixed"just text\r\n")"},
  };
  for (const auto& c : cases) {
    Message m = parse(c.input);
    EXPECT_EQ(shape(m.root, c.input), c.expected) << c.name;
    EXPECT_EQ(range_violation(m.root, c.input.size()), "") << c.name;
    EXPECT_EQ(m.root.body.end, c.input.size()) << c.name;
  }
}

TEST(MimeParse, HeaderAndBodyRangesOfAPart) {
  std::string in =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\npre\r\n--b\r\nX: 1\r\n\r\none\r\n--b--\r\n";
  Message m = parse(in);
  ASSERT_EQ(m.root.children.size(), 1u);
  const Part& child = m.root.children[0];
  EXPECT_EQ(child.header.in(in), "X: 1\r\n\r\n");
  EXPECT_EQ(child.body.in(in), "one");
  EXPECT_EQ(m.root.header.in(in), "Content-Type: multipart/mixed; boundary=b\r\n\r\n");
}

struct ParamCase {
  std::string content_type;
  std::string type;
  std::vector<Param> params;
};

std::string render(const std::vector<Param>& params) {
  std::string out;
  for (const Param& p : params) out += "[" + p.name + "=" + p.value + "]";
  return out;
}

TEST(MimeParse, ContentTypeParametersAreReadRobustly) {
  const std::vector<ParamCase> cases = {
      {"text/plain; charset=\"utf-8\"; format=flowed",
       "text/plain",
       {{"charset", "utf-8"}, {"format", "flowed"}}},
      {"TEXT/HTML; CHARSET=ISO-8859-1", "text/html", {{"charset", "ISO-8859-1"}}},
      {"text/plain (a comment) ; charset = (c) us-ascii (d)",
       "text/plain",
       {{"charset", "us-ascii"}}},
      {"text/plain;; ;charset=a;", "text/plain", {{"charset", "a"}}},
      {"text/plain; name=; x=1", "text/plain", {{"name", ""}, {"x", "1"}}},
      {"text/plain; novalue; x=1; y=2", "text/plain", {{"y", "2"}}},
      {"text/plain; x=1; x=2", "text/plain", {{"x", "1"}, {"x", "2"}}},
      {"text/plain; name=\"a \\\"q\\\" b;c\"", "text/plain", {{"name", "a \"q\" b;c"}}},
      {"multipart/mixed; boundary=\"----=_Part_1_2.3\"",
       "multipart/mixed",
       {{"boundary", "----=_Part_1_2.3"}}},
      {"text/plain; name==?utf-8?q?a=20b?=; x=1",
       "text/plain",
       {{"name", "=?utf-8?q?a=20b?="}, {"x", "1"}}},
      {"application/pdf; name*0=\"a\"; name*1*=%20b",
       "application/pdf",
       {{"name*0", "a"}, {"name*1*", "%20b"}}},
      {"text/plain garbage; charset=x", "text/plain", {{"charset", "x"}}},
      {"text/plain; x=1; charset=\"unterminated", "text/plain", {{"x", "1"}}},
      {"multipart/mixed;\r\n boundary=\"foo\r\n bar\"",
       "multipart/mixed",
       {{"boundary", "foo bar"}}},
      {"/plain; charset=x", "text/plain", {}},
      {"text/; charset=x", "text/plain", {}},
  };
  for (const auto& c : cases) {
    std::string in = "Content-Type: " + c.content_type + "\r\n\r\n";
    Message m = parse(in);
    EXPECT_EQ(m.root.type + "/" + m.root.subtype, c.type) << c.content_type;
    EXPECT_EQ(render(m.root.params), render(c.params)) << c.content_type;
  }
}

// Dovecot (rfc2231_parse) skips one byte where a parameter breaks: the
// second ';' of ";;" goes with the empty parameter, and the next parameter,
// now without its ';', is skipped up to the following ';'.
TEST(MimeParse, EmptyParameterLosesTheNextOne) {
  Message m =
      parse("Content-Type: multipart/alternative;; boundary=\"foo\"\r\n\r\n--foo\r\n\r\na\r\n");
  EXPECT_EQ(render(m.root.params), "");
  EXPECT_TRUE(m.root.children.empty());
  m = parse("Content-Type: text/plain;; a=1; b=2\r\n\r\n");
  EXPECT_EQ(render(m.root.params), "[b=2]");
  m = parse("Content-Type: multipart/mixed;;\r\n Boundary=\"x\"\r\n\r\n--x\r\n\r\na\r\n");
  EXPECT_EQ(render(m.root.params), "");
}

// RFC 2045 5.1: a value is a token or a quoted-string, and '=' is a
// tspecial. Dovecot ends an unquoted value there, and splits the body on what
// is left: every line starting with "------" is then a delimiter.
TEST(MimeParse, UnquotedParameterValueEndsAtTspecial) {
  const std::string in =
      "Content-Type: multipart/alternative; boundary=----=_Part_1\r\n\r\n"
      "------=_Part_1\r\n\r\none\r\n------=_Part_1--\r\n";
  Message m = parse(in);
  EXPECT_EQ(render(m.root.params), "[boundary=----]");
  // "------=_Part_1--" has no "--" right after "----": it opens a part.
  EXPECT_EQ(shape(m.root, in), R"(multipart/alternative(text/plain"one" text/plain""))");
  m = parse("Content-Type: text/plain; name=a/b.txt; x=1\r\n\r\n");
  EXPECT_EQ(render(m.root.params), "[name=a][x=1]");
}

// RFC 2046 5.1.1 allows 70 bytes; Dovecot 2.3 keeps the first 80 of a
// longer boundary, matches delimiter lines by that prefix and wants the
// closing "--" right after it.
TEST(MimeParse, BoundaryLongerThan80IsCutTo80) {
  const std::string b80(80, 'b');
  const std::string boundary = b80 + "-and-more";
  const std::string in = "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n--" +
                         boundary + "\r\n\r\none\r\n--" + b80 +
                         "-but-not-the-same\r\n\r\ntwo\r\n--" + boundary + "--\r\nepilogue";
  Message m = parse(in);
  EXPECT_EQ(m.root.param("boundary"), boundary);
  EXPECT_EQ(shape(m.root, in), R"(multipart/mixed(text/plain"one" text/plain"two" text/plain""))");
  EXPECT_EQ(range_violation(m.root, in.size()), "");

  const std::string b70(70, 'c');
  const std::string short_in = "Content-Type: multipart/mixed; boundary=" + b70 + "\r\n\r\n--" +
                               b70 + "\r\n\r\none\r\n--" + b70 + "--\r\n";
  m = parse(short_in);
  EXPECT_EQ(shape(m.root, short_in), R"(multipart/mixed(text/plain"one"))");
}

TEST(MimeParse, ContentFieldsAreRead) {
  std::string in =
      "Content-Type: text/plain; charset=us-ascii\r\n"
      "Content-Transfer-Encoding: Quoted-Printable\r\n"
      "Content-ID: <id@x>\r\n"
      "Content-Description: a\r\n  folded one\r\n"
      "Content-MD5: Q2hlY2s=\r\n"
      "Content-Disposition: ATTACHMENT; filename=\"x.txt\"\r\n"
      "Content-Language: en, fi (comment)\r\n"
      "Content-Location: http://x/y\r\n"
      "Content-ID: <second@x>\r\n"
      "\r\nl1\r\nl2\r\n";
  Part p = parse(in).root;
  EXPECT_EQ(p.encoding, "quoted-printable");
  EXPECT_EQ(p.id, "<id@x>");
  EXPECT_EQ(p.description, "a  folded one");
  EXPECT_EQ(p.md5, "Q2hlY2s=");
  EXPECT_EQ(p.disposition, "attachment");
  ASSERT_EQ(p.disposition_params.size(), 1u);
  EXPECT_EQ(p.disposition_params[0].value, "x.txt");
  EXPECT_EQ(p.language, (std::vector<std::string>{"en", "fi"}));
  EXPECT_EQ(p.location, "http://x/y");
  EXPECT_EQ(p.body_lines, 2u);
  EXPECT_EQ(p.param("charset"), "us-ascii");
  EXPECT_EQ(p.param("missing"), "");
}

TEST(MimeParse, FieldsBeyondMaxHeaderFieldsAreNotRead) {
  std::string in = "X-1: a\r\nX-2: b\r\nContent-Type: text/html\r\n\r\n";
  EXPECT_EQ(parse(in, Limits{.max_header_fields = 2}).root.subtype, "plain");
  EXPECT_EQ(parse(in, Limits{.max_header_fields = 3}).root.subtype, "html");
}

TEST(MimeParse, InvalidTransferEncodingIsNone) {
  const std::string mime = "MIME-Version: 1.0\r\n";
  EXPECT_EQ(parse(mime + "Content-Transfer-Encoding: ?invalid\r\n\r\n").root.encoding, "");
  EXPECT_EQ(parse(mime + "Content-Transfer-Encoding: 7bit junk\r\n\r\n").root.encoding, "");
  EXPECT_EQ(parse(mime + "Content-Transfer-Encoding:  BASE64 \r\n\r\n").root.encoding, "base64");
  // Read as 7bit, but marked: BINARY cannot decode an encoding it cannot read.
  EXPECT_TRUE(
      parse(mime + "Content-Transfer-Encoding: 7bit junk\r\n\r\n").root.encoding_unreadable);
  EXPECT_TRUE(parse(mime + "Content-Transfer-Encoding: \r\n\r\n").root.encoding_unreadable);
  EXPECT_FALSE(
      parse(mime + "Content-Transfer-Encoding: 7bit (c)\r\n\r\n").root.encoding_unreadable);
  EXPECT_FALSE(parse(mime + "Content-Type: text/plain\r\n\r\n").root.encoding_unreadable);
}

TEST(MimeParse, ContentFieldsNeedMimeVersionOrContentTypeOutsideMultiparts) {
  const std::string fields = "Content-Transfer-Encoding: base64\r\nContent-ID: <i>\r\n";
  EXPECT_EQ(parse(fields + "\r\nQUJD").root.encoding, "");
  EXPECT_EQ(parse(fields + "\r\nQUJD").root.id, "");
  EXPECT_EQ(parse("Mime-Version: 1.0\r\n" + fields + "\r\nQUJD").root.encoding, "base64");
  EXPECT_EQ(parse("Content-Type: text/plain\r\n" + fields + "\r\nQUJD").root.id, "<i>");
  // A part of a multipart is MIME by its place.
  std::string in =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" + fields + "\r\nQUJD\r\n--b--\r\n";
  Message m = parse(in);
  ASSERT_EQ(m.root.children.size(), 1u);
  EXPECT_EQ(m.root.children[0].encoding, "base64");
}

TEST(MimeParse, BodyLinesCountTextAndMessageOnly) {
  EXPECT_EQ(parse("\r\na\r\nb\r\nc").root.body_lines, 2u);
  EXPECT_EQ(parse("Content-Type: image/png\r\n\r\na\r\nb\r\n").root.body_lines, 0u);
  EXPECT_EQ(parse("Content-Type: message/rfc822\r\n\r\nS: x\r\n\r\nb\r\n").root.body_lines, 3u);
}

TEST(MimeParse, HeaderFieldsKeepFoldingAndSkipMalformedLines) {
  std::string block =
      "From a@b Mon Jan 1\r\nSubject: one\r\n two\r\nno colon here\r\nX-A : v\r\n"
      " \r\nTo:x\r\n\r\nBody: not a header\r\n";
  std::vector<HeaderField> fields = header_fields(block);
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0].name, "Subject");
  EXPECT_EQ(fields[0].value, " one\r\n two");
  EXPECT_EQ(fields[1].name, "X-A");
  EXPECT_EQ(fields[1].value, " v\r\n ");
  EXPECT_EQ(fields[2].name, "To");
  EXPECT_EQ(fields[2].value, "x");
  EXPECT_EQ(header_value(block, "subject"), " one\r\n two");
  EXPECT_EQ(header_value(block, "body"), "");
  EXPECT_EQ(header_value("A: 1\nA: 2\n", "a"), " 1");
}

// Nested multiparts, each one level deeper, `depth` levels in all.
std::string nested(int depth) {
  std::string head, tail;
  for (int i = 0; i < depth; ++i) {
    std::string b = "b" + std::to_string(i);
    head += "Content-Type: multipart/mixed; boundary=" + b + "\r\n\r\n--" + b + "\r\n";
    tail = "\r\n--" + b + "--\r\n" + tail;
  }
  return head + "\r\nleaf" + tail;
}

TEST(MimeParse, DeepNestingStopsAtMaxDepth) {
  std::string in = nested(1000);
  Limits limits;
  Message m = parse(in, limits);
  const Part* p = &m.root;
  uint32_t depth = 0;
  while (!p->children.empty()) {
    p = &p->children[0];
    ++depth;
  }
  // The truncated multipart is the part at level max_depth (the top is 1).
  EXPECT_EQ(depth + 1, limits.max_depth);
  EXPECT_TRUE(p->truncated);
  EXPECT_TRUE(p->is_multipart());
  EXPECT_EQ(range_violation(m.root, in.size()), "");
}

TEST(MimeParse, ShallowNestingIsNotTruncated) {
  std::string in = nested(4);  // 4 multiparts and the leaf: 5 levels
  Message m = parse(in, Limits{.max_depth = 5});
  const Part* p = &m.root;
  while (!p->children.empty()) p = &p->children[0];
  EXPECT_FALSE(p->truncated);
  EXPECT_EQ(p->body.in(in), "leaf");
}

// RFC 2046 5.1.1 puts a CRLF between a delimiter and the part after it: a
// delimiter line cut off by the end of the input opens no part (Dovecot
// agrees); one that ends in CRLF opens an empty one.
TEST(MimeParse, DelimiterCutOffAtTheEndOpensNoPart) {
  const std::string head =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n"
      "\r\nhello\r\n";
  for (std::string_view tail : {"--b", "--b-", "--b  "}) {
    std::string in = head + std::string(tail);
    Message m = parse(in);
    EXPECT_EQ(m.root.children.size(), 1u) << tail;
    EXPECT_EQ(m.root.children[0].body.in(in), "hello") << tail;
    EXPECT_EQ(m.root.body.end, in.size()) << tail;
  }
  for (std::string_view tail : {"--b\r\n", "--b-\r\n", "--b --\n"}) {
    Message m = parse(head + std::string(tail));
    EXPECT_EQ(m.root.children.size(), 2u) << tail;
  }
}

// RFC 2046 5.1.1: the CRLF before a delimiter is the delimiter's, so an
// empty line right before one does not end the header (Dovecot agrees).
TEST(MimeParse, EmptyLineBeforeADelimiterBelongsToTheDelimiter) {
  std::string in =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: image/gif\r\n"
      "\r\n--b\r\n\r\n--b--\r\n";
  Message m = parse(in);
  ASSERT_EQ(m.root.children.size(), 2u);
  EXPECT_EQ(m.root.children[0].header.in(in), "Content-Type: image/gif\r\n");
  EXPECT_EQ(m.root.children[0].body.size(), 0u);
  EXPECT_EQ(m.root.children[1].header.in(in), "");
  EXPECT_EQ(m.root.children[1].body.size(), 0u);
  EXPECT_EQ(m.root.children[1].type, "text");
}

// body_lines counts the line endings IMAP sends: a bare CR goes out as CRLF.
TEST(MimeParse, LineCountIncludesBareCr) {
  std::string in = "Content-Type: text/plain\r\n\r\none\rtwo\nthree\r\nfour\r";
  Message m = parse(in);
  EXPECT_EQ(m.root.body_lines, 4u);
}

// Dovecot's default (max_nested_mime_parts 100) stops at the same part:
// 99 nested multiparts and their leaf are parsed, the 100th multipart is not.
TEST(MimeParse, DefaultDepthLimitStopsWhereDovecotStops) {
  for (int multiparts : {99, 100}) {
    std::string in = nested(multiparts);
    Message m = parse(in);
    const Part* p = &m.root;
    int levels = 1;
    while (!p->children.empty()) {
      p = &p->children[0];
      ++levels;
    }
    EXPECT_EQ(levels, 100) << multiparts;
    EXPECT_EQ(p->truncated, multiparts == 100) << multiparts;
  }
}

TEST(MimeParse, PartsBeyondMaxPartsBecomeOpaque) {
  std::string in = "Content-Type: multipart/mixed; boundary=b\r\n\r\n";
  for (int i = 0; i < 100'010; ++i) in += "--b\r\n\r\nx\r\n";
  in += "--b--\r\nepilogue\r\n";
  Limits limits;
  Message m = parse(in, limits);
  EXPECT_EQ(m.root.children.size(), limits.max_parts - 1);  // the root is a part too
  EXPECT_TRUE(m.root.truncated);
  EXPECT_EQ(m.root.body.end, in.size());
  EXPECT_EQ(range_violation(m.root, in.size()), "");
}

TEST(MimeParse, MaxPartsAlsoStopsEmbeddedMessages) {
  std::string in = "Content-Type: message/rfc822\r\n\r\nContent-Type: message/rfc822\r\n\r\nx";
  Message m = parse(in, Limits{.max_parts = 2});
  ASSERT_EQ(m.root.children.size(), 1u);
  EXPECT_TRUE(m.root.children[0].truncated);
  EXPECT_TRUE(m.root.children[0].children.empty());
}

TEST(MimeParse, ArbitraryBytesParse) {
  const std::vector<std::string> inputs = {"",
                                           "\n",
                                           "\r",
                                           "\r\n",
                                           "--",
                                           "a",
                                           std::string("\0\0\n\0", 4),
                                           "Content-Type: multipart/x; boundary=\"\"\r\n\r\n--\r\n",
                                           "Content-Type: multipart/x; boundary=a\r\n\r\n--a",
                                           "Content-Type: multipart/x; boundary=a\r\n\r\n--a-",
                                           "Content-Type: multipart/x; boundary=a\r\n\r\n--a\r",
                                           "\xff\xfe: \x80\r\n\r\n\x80"};
  for (const auto& in : inputs) {
    Message m = parse(in);
    EXPECT_EQ(m.root.body.end, in.size()) << escape(in);
    EXPECT_EQ(range_violation(m.root, in.size()), "") << escape(in);
  }
}

}  // namespace
}  // namespace eider::mime
