// FETCH responses: section numbering, header field selection, partials,
// line endings on the wire, literal framing and item order.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "imap/fetch_response.h"
#include "imap_feed.h"
#include "mime_parse_corpus.h"

namespace eider::imap {
namespace {

std::vector<FetchAttribute> attributes(std::string_view text) {
  Command command = parse_one("a FETCH 1 " + std::string(text));
  if (auto* request = std::get_if<FetchRequest>(&command.arguments)) return request->attributes;
  ADD_FAILURE() << "not a FETCH: " << text;
  return {};
}

Section section(std::string_view spec) {
  std::vector<FetchAttribute> parsed = attributes("BODY.PEEK[" + std::string(spec) + "]");
  return parsed.empty() ? Section{} : parsed[0].section;
}

// Nested multiparts, an embedded multipart message (3) and an embedded
// single-part message (4), with a preamble and an epilogue.
const std::string kNested =
    "From: a@example.net\r\n"
    "Subject: nested\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--outer\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "part one\r\n"
    "--outer\r\n"
    "Content-Type: multipart/alternative; boundary=\"inner\"\r\n"
    "\r\n"
    "--inner\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "alt plain\r\n"
    "--inner\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "<p>alt html</p>\r\n"
    "--inner--\r\n"
    "--outer\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "From: b@example.net\r\n"
    "Subject: inner message\r\n"
    "Content-Type: multipart/mixed; boundary=\"emb\"\r\n"
    "\r\n"
    "--emb\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "embedded one\r\n"
    "--emb\r\n"
    "Content-Type: application/octet-stream\r\n"
    "\r\n"
    "AAAA\r\n"
    "--emb--\r\n"
    "--outer\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Subject: simple embedded\r\n"
    "\r\n"
    "simple body\r\n"
    "--outer--\r\n"
    "epilogue\r\n";

struct SectionCase {
  std::string spec;
  std::string expected;
};

void expect_sections(const std::string& raw, const std::vector<SectionCase>& cases) {
  mime::Message parsed = mime::parse(raw);
  for (const SectionCase& c : cases) {
    EXPECT_EQ(section_bytes(raw, parsed, section(c.spec)), c.expected) << "BODY[" << c.spec << "]";
  }
}

TEST(FetchResponse, NumbersPartsOfNestedMultipartsAndEmbeddedMessages) {
  expect_sections(kNested,
                  {
                      {"1", "part one"},
                      {"1.MIME", "Content-Type: text/plain\r\n\r\n"},
                      {"2",
                       "--inner\r\nContent-Type: text/plain\r\n\r\nalt plain\r\n--inner\r\n"
                       "Content-Type: text/html\r\n\r\n<p>alt html</p>\r\n--inner--\r\n"},
                      {"2.MIME", "Content-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n"},
                      {"2.1", "alt plain"},
                      {"2.2", "<p>alt html</p>"},
                      {"2.2.MIME", "Content-Type: text/html\r\n\r\n"},
                      {"3",
                       "From: b@example.net\r\nSubject: inner message\r\n"
                       "Content-Type: multipart/mixed; boundary=\"emb\"\r\n\r\n"
                       "--emb\r\nContent-Type: text/plain\r\n\r\nembedded one\r\n--emb\r\n"
                       "Content-Type: application/octet-stream\r\n\r\nAAAA\r\n--emb--\r\n"},
                      {"3.HEADER",
                       "From: b@example.net\r\nSubject: inner message\r\n"
                       "Content-Type: multipart/mixed; boundary=\"emb\"\r\n\r\n"},
                      {"3.TEXT",
                       "--emb\r\nContent-Type: text/plain\r\n\r\nembedded one\r\n--emb\r\n"
                       "Content-Type: application/octet-stream\r\n\r\nAAAA\r\n--emb--\r\n"},
                      {"3.HEADER.FIELDS (subject)", "Subject: inner message\r\n\r\n"},
                      {"3.1", "embedded one"},
                      {"3.2", "AAAA"},
                      {"3.2.MIME", "Content-Type: application/octet-stream\r\n\r\n"},
                      {"3.MIME", "Content-Type: message/rfc822\r\n\r\n"},
                      // An embedded message that is not multipart: its part 1 is its body.
                      {"4.1", "simple body"},
                      {"4.1.MIME", "Subject: simple embedded\r\n\r\n"},
                      {"4.TEXT", "simple body"},
                      {"4.HEADER", "Subject: simple embedded\r\n\r\n"},
                  });
}

TEST(FetchResponse, MissingPartsAndMisplacedTextsAreEmpty) {
  expect_sections(kNested, {
                               {"5", ""},
                               {"1.1", ""},
                               {"2.3", ""},
                               {"2.1.1", ""},
                               {"3.3", ""},
                               {"4.2", ""},
                               {"4.1.1", ""},
                               {"1.HEADER", ""},
                               {"1.TEXT", ""},
                               {"2.HEADER.FIELDS (Subject)", ""},
                               {"2.TEXT", ""},
                               {"7.MIME", ""},
                           });
}

TEST(FetchResponse, WholeMessageHeaderAndText) {
  std::string header =
      "From: a@example.net\r\nSubject: nested\r\n"
      "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n";
  expect_sections(kNested, {
                               {"", kNested},
                               {"HEADER", header},
                               {"TEXT", kNested.substr(header.size())},
                           });
}

TEST(FetchResponse, SinglePartMessageHasPartOne) {
  const std::string raw = "Subject: hi\r\nContent-Type: text/plain\r\n\r\nbody\r\n";
  expect_sections(raw, {
                           {"1", "body\r\n"},
                           {"1.MIME", "Subject: hi\r\nContent-Type: text/plain\r\n\r\n"},
                           {"TEXT", "body\r\n"},
                           {"2", ""},
                           {"1.1", ""},
                           {"1.HEADER", ""},
                       });
}

TEST(FetchResponse, HeaderFieldsKeepOrderFoldingAndEveryOccurrence) {
  const std::string raw =
      "Received: from a\r\n  by b\r\n"
      "Subject: first\r\n"
      "From: ann@example.net\r\n"
      "received: from c\r\n"
      "X-Empty:\r\n"
      "\r\n"
      "Subject: not a header\r\n";
  expect_sections(
      raw,
      {
          {"HEADER.FIELDS (RECEIVED)", "Received: from a\r\n  by b\r\nreceived: from c\r\n\r\n"},
          {"HEADER.FIELDS (from Subject)", "Subject: first\r\nFrom: ann@example.net\r\n\r\n"},
          {"HEADER.FIELDS (X-Empty)", "X-Empty:\r\n\r\n"},
          {"HEADER.FIELDS (X-Missing)", "\r\n"},
          {"HEADER.FIELDS.NOT (Received x-empty)",
           "Subject: first\r\nFrom: ann@example.net\r\n\r\n"},
          {"HEADER.FIELDS.NOT (nothing)", raw.substr(0, raw.find("\r\n\r\n") + 4)},
      });
}

TEST(FetchResponse, HeaderFieldsOfHeaderWithoutFinalLineEnd) {
  expect_sections("Subject: cut", {{"HEADER.FIELDS (SUBJECT)", "Subject: cut\r\n\r\n"}});
}

TEST(FetchResponse, BareLfAndBareCrGoOutAsCrlfAndNulAs0x80) {
  using namespace std::string_literals;
  const std::string raw = "Subject: x\nFrom: y\r\n\nline1\nline2\r\nline3\rnul\0end\r"s;
  expect_sections(raw, {
                           {"", std::string("Subject: x\r\nFrom: y\r\n\r\nline1\r\nline2\r\n"
                                            "line3\r\nnul\x80"
                                            "end\r\n")},
                           {"HEADER", "Subject: x\r\nFrom: y\r\n\r\n"},
                           {"HEADER.FIELDS (subject)", "Subject: x\r\n\r\n"},
                       });
}

TEST(FetchResponse, WholeMessageHasWireSizeOnEveryCorpusMessage) {
  for (const auto& file : mime::testing::corpus()) {
    mime::Message parsed = mime::parse(file.bytes);
    uint64_t bare_lf = 0;
    for (std::size_t i = 0; i < file.bytes.size(); ++i) {
      if (file.bytes[i] == '\n' && (i == 0 || file.bytes[i - 1] != '\r')) ++bare_lf;
    }
    std::string whole = section_bytes(file.bytes, parsed, Section{});
    EXPECT_EQ(whole.size(), file.bytes.size() + bare_lf) << file.name;
    EXPECT_EQ(whole.find('\0'), std::string::npos) << file.name;
    // No bare LF or bare CR survives.
    for (std::size_t i = 0; i < whole.size(); ++i) {
      if (whole[i] == '\n') {
        ASSERT_TRUE(i > 0 && whole[i - 1] == '\r') << file.name << " @" << i;
      }
      if (whole[i] == '\r') {
        ASSERT_TRUE(i + 1 < whole.size() && whole[i + 1] == '\n') << file.name << " @" << i;
      }
    }
    // HEADER then TEXT is the whole message.
    EXPECT_EQ(section_bytes(file.bytes, parsed, section("HEADER")) +
                  section_bytes(file.bytes, parsed, section("TEXT")),
              whole)
        << file.name;
  }
}

// For every part below a multipart, MIME then the body is the part's own
// bytes as sent.
void expect_parts_consistent(const std::string& raw, const mime::Message& parsed,
                             const mime::Part& part, const std::string& spec,
                             const std::string& name) {
  if (!part.is_multipart()) return;
  for (std::size_t i = 0; i < part.children.size(); ++i) {
    std::string child = spec.empty() ? std::to_string(i + 1) : spec + "." + std::to_string(i + 1);
    const mime::Part& p = part.children[i];
    std::string own = raw.substr(p.header.begin, p.body.end - p.header.begin);
    EXPECT_EQ(section_bytes(raw, parsed, section(child + ".MIME")) +
                  section_bytes(raw, parsed, section(child)),
              section_bytes(own, mime::parse(own), Section{}))
        << name << " " << child;
    expect_parts_consistent(raw, parsed, p, child, name);
  }
}

TEST(FetchResponse, CorpusPartsAreTheirMimeHeaderAndBody) {
  for (const auto& file : mime::testing::corpus()) {
    mime::Message parsed = mime::parse(file.bytes);
    expect_parts_consistent(file.bytes, parsed, parsed.root, "", file.name);
  }
}

// ---- render_fetch ---------------------------------------------------------

FetchOptions options(bool uid, bool add_flags, bool with_modseq) {
  FetchOptions o;
  o.uid = uid;
  o.add_flags = add_flags;
  o.with_modseq = with_modseq;
  return o;
}

FetchOptions uid_fetch() {
  return options(true, false, false);
}

struct Rendered {
  store::MessageInfo info;
  store::StoredMessage stored;
  std::string raw;
  mime::Message parsed;

  explicit Rendered(std::string bytes) : raw(std::move(bytes)), parsed(mime::parse(raw)) {
    info.uid = 42;
    info.modseq = 7;
    info.flags = {"\\Seen", "$Forwarded"};
    info.internal_date = 1720148645;  // 2024-07-05 03:04:05 UTC
    info.size = raw.size();
    info.wire_size = section_bytes(raw, parsed, Section{}).size();
    stored.envelope = "(ENV)";
    stored.bodystructure = "(BS)";
    stored.body = "(B)";
  }

  std::string render(std::string_view items, FetchOptions options = {}, bool recent = false) {
    FetchMessage message;
    message.seq = 3;
    message.info = &info;
    message.recent = recent;
    message.stored = &stored;
    message.raw = raw;
    message.parsed = &parsed;
    std::string out;
    Status rendered = render_fetch(out, message, attributes(items), options);
    return rendered.is_ok() ? out : "error: " + rendered.to_string();
  }
};

TEST(FetchResponse, RendersSimpleItemsInTheOrderAsked) {
  Rendered m("Subject: hi\r\n\r\nbody\r\n");
  EXPECT_EQ(m.render("(RFC822.SIZE FLAGS UID INTERNALDATE ENVELOPE BODYSTRUCTURE BODY MODSEQ)"),
            "* 3 FETCH (RFC822.SIZE 21 FLAGS (\\Seen $Forwarded) UID 42 "
            "INTERNALDATE \"05-Jul-2024 03:04:05 +0000\" ENVELOPE (ENV) BODYSTRUCTURE (BS) "
            "BODY (B) MODSEQ (7))\r\n");
  EXPECT_EQ(m.render("ALL"),
            "* 3 FETCH (FLAGS (\\Seen $Forwarded) INTERNALDATE \"05-Jul-2024 03:04:05 +0000\" "
            "RFC822.SIZE 21 ENVELOPE (ENV))\r\n");
}

TEST(FetchResponse, AddsUidFlagsAndModseqOnlyWhenNotAsked) {
  Rendered m("Subject: hi\r\n\r\nbody\r\n");
  EXPECT_EQ(m.render("FLAGS", uid_fetch()), "* 3 FETCH (UID 42 FLAGS (\\Seen $Forwarded))\r\n");
  EXPECT_EQ(m.render("(FLAGS UID)", uid_fetch()),
            "* 3 FETCH (FLAGS (\\Seen $Forwarded) UID 42)\r\n");
  EXPECT_EQ(m.render("BODY[TEXT]", options(true, true, true)),
            "* 3 FETCH (UID 42 BODY[TEXT] {6}\r\nbody\r\n FLAGS (\\Seen $Forwarded) "
            "MODSEQ (7))\r\n");
  EXPECT_EQ(m.render("(MODSEQ FLAGS)", options(false, true, true)),
            "* 3 FETCH (MODSEQ (7) FLAGS (\\Seen $Forwarded))\r\n");
}

TEST(FetchResponse, FlagsWithRecent) {
  Rendered m("\r\n");
  EXPECT_EQ(m.render("FLAGS", {}, true), "* 3 FETCH (FLAGS (\\Seen $Forwarded \\Recent))\r\n");
  m.info.flags.clear();
  EXPECT_EQ(m.render("FLAGS", {}, true), "* 3 FETCH (FLAGS (\\Recent))\r\n");
  EXPECT_EQ(m.render("FLAGS"), "* 3 FETCH (FLAGS ())\r\n");
}

TEST(FetchResponse, SectionNamesDropPeekAndKeepFieldsAsWritten) {
  Rendered m("From: a\r\nSubject: s\r\nTo: t\r\n\r\nbody\r\n");
  EXPECT_EQ(m.render("BODY.PEEK[header.fields (From subject)]"),
            "* 3 FETCH (BODY[HEADER.FIELDS (From subject)] {23}\r\n"
            "From: a\r\nSubject: s\r\n\r\n)\r\n");
  EXPECT_EQ(m.render("BODY[HEADER.FIELDS.NOT (From \"Subject\")]"),
            "* 3 FETCH (BODY[HEADER.FIELDS.NOT (From Subject)] {9}\r\nTo: t\r\n\r\n)\r\n");
  EXPECT_EQ(m.render("BODY.PEEK[1.MIME]"),
            "* 3 FETCH (BODY[1.MIME] {30}\r\nFrom: a\r\nSubject: s\r\nTo: t\r\n\r\n)\r\n");
  EXPECT_EQ(m.render("BODY[2]"), "* 3 FETCH (BODY[2] \"\")\r\n");
}

TEST(FetchResponse, RendersRfc822Items) {
  Rendered m("Subject: s\n\nbody\n");
  EXPECT_EQ(m.render("(RFC822.HEADER RFC822.TEXT RFC822.SIZE)"),
            "* 3 FETCH (RFC822.HEADER {14}\r\nSubject: s\r\n\r\n RFC822.TEXT {6}\r\nbody\r\n "
            "RFC822.SIZE 20)\r\n");
  EXPECT_EQ(m.render("RFC822"), "* 3 FETCH (RFC822 {20}\r\nSubject: s\r\n\r\nbody\r\n)\r\n");
}

TEST(FetchResponse, LiteralOfMixedLineEndsHasTheSizeSent) {
  using namespace std::string_literals;
  Rendered m("S: x\r\n\r\na\rb\nc\0"s);
  EXPECT_EQ(m.info.wire_size, 16u);
  EXPECT_EQ(m.render("BODY.PEEK[TEXT]"), "* 3 FETCH (BODY[TEXT] {8}\r\na\r\nb\r\nc\x80)\r\n");
  EXPECT_EQ(m.render("BODY.PEEK[TEXT]<1.3>"), "* 3 FETCH (BODY[TEXT]<1> {3}\r\n\r\nb)\r\n");
}

TEST(FetchResponse, PartialsCountWireBytes) {
  Rendered m("Subject: s\n\nabcdef\n");  // on the wire: "Subject: s\r\n\r\nabcdef\r\n" (22)
  EXPECT_EQ(m.render("BODY.PEEK[]<0.9>"), "* 3 FETCH (BODY[]<0> {9}\r\nSubject: )\r\n");
  EXPECT_EQ(m.render("BODY.PEEK[]<10.4>"), "* 3 FETCH (BODY[]<10> {4}\r\n\r\n\r\n)\r\n");
  EXPECT_EQ(m.render("BODY.PEEK[TEXT]<2.100>"), "* 3 FETCH (BODY[TEXT]<2> {6}\r\ncdef\r\n)\r\n");
  EXPECT_EQ(m.render("BODY.PEEK[]<21.5>"), "* 3 FETCH (BODY[]<21> {1}\r\n\n)\r\n");
  EXPECT_EQ(m.render("BODY.PEEK[]<22.5>"), "* 3 FETCH (BODY[]<22> \"\")\r\n");
  EXPECT_EQ(m.render("BODY.PEEK[]<1000.5>"), "* 3 FETCH (BODY[]<1000> \"\")\r\n");
  EXPECT_EQ(m.render("BODY.PEEK[5]<0.5>"), "* 3 FETCH (BODY[5]<0> \"\")\r\n");

  Rendered crlf("Subject: s\r\n\r\nabcdef\r\n");
  EXPECT_EQ(crlf.render("BODY.PEEK[]<14.3>"), "* 3 FETCH (BODY[]<14> {3}\r\nabc)\r\n");
}

TEST(FetchResponse, LiteralFramingMatchesWireSize) {
  for (const auto& file : mime::testing::corpus()) {
    Rendered m(file.bytes);
    std::string out = m.render("BODY.PEEK[]");
    std::string prefix = "* 3 FETCH (BODY[] {" + std::to_string(m.info.wire_size) + "}\r\n";
    ASSERT_EQ(out.substr(0, prefix.size()), prefix) << file.name;
    EXPECT_EQ(out.size(), prefix.size() + m.info.wire_size + 3) << file.name;
    EXPECT_EQ(out.substr(out.size() - 3), ")\r\n") << file.name;
  }
}

TEST(FetchResponse, BinaryDecodesTheLeafPartsEncoding) {
  Rendered m(
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Transfer-Encoding: base64\r\n\r\naGVs\r\nbG8A/w==\r\n"
      "--b\r\nContent-Transfer-Encoding: Quoted-Printable\r\n\r\na=3Db=\r\nc \r\nd\r\n"
      "--b\r\nContent-Transfer-Encoding: 8bit\r\n\r\nraw\nbytes\r\n"
      "--b\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin\r\n"
      "--b--\r\n");
  // base64 with a NUL: a literal8.
  constexpr char kLiteral8[] = "* 3 FETCH (BINARY[1] ~{7}\r\nhello\0\xff)\r\n";
  EXPECT_EQ(m.render("BINARY.PEEK[1]"), std::string(kLiteral8, sizeof kLiteral8 - 1));
  EXPECT_EQ(m.render("BINARY.SIZE[1]"), "* 3 FETCH (BINARY.SIZE[1] 7)\r\n");
  // quoted-printable: soft break joined, trailing space before CRLF dropped.
  EXPECT_EQ(m.render("(BINARY.PEEK[2] BINARY.SIZE[2])"),
            "* 3 FETCH (BINARY[2] {7}\r\na=bc\r\nd BINARY.SIZE[2] 7)\r\n");
  // 8bit: lines as BODY[3] sends them, a bare LF made CRLF; partials count
  // the bytes sent.
  EXPECT_EQ(m.render("BINARY.PEEK[3]"), "* 3 FETCH (BINARY[3] {10}\r\nraw\r\nbytes)\r\n");
  EXPECT_EQ(m.render("BINARY.PEEK[3]<3.3>"), "* 3 FETCH (BINARY[3]<3> {3}\r\n\r\nb)\r\n");
  EXPECT_EQ(m.render("BINARY.PEEK[1]<2.2>"), "* 3 FETCH (BINARY[1]<2> {2}\r\nll)\r\n");
  EXPECT_EQ(m.render("BINARY.PEEK[1]<20.2>"), "* 3 FETCH (BINARY[1]<20> \"\")\r\n");
  // A part that does not exist is empty, as for BODY.
  EXPECT_EQ(m.render("(BINARY.PEEK[9] BINARY.SIZE[9])"),
            "* 3 FETCH (BINARY[9] \"\" BINARY.SIZE[9] 0)\r\n");
}

TEST(FetchResponse, BinaryRefusesUnknownEncodingsAndMultiparts) {
  Rendered m(
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n"
      "--c\r\n\r\nx\r\n--c--\r\n"
      "--b\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin\r\n"
      "--b--\r\n");
  // BINARY[] decodes every leaf, so a leaf it cannot decode refuses it too.
  for (const char* items :
       {"BINARY.PEEK[2]", "BINARY.SIZE[2]", "(UID BINARY.PEEK[2])", "BINARY.SIZE[]", "BINARY[]"}) {
    EXPECT_EQ(m.render(items).rfind("error: unsupported", 0), 0u) << m.render(items);
  }
  EXPECT_EQ(m.render("BINARY.PEEK[1]").rfind("error: invalid_argument", 0), 0u);
  EXPECT_EQ(m.render("BINARY.PEEK[1.1]"), "* 3 FETCH (BINARY[1.1] {1}\r\nx)\r\n");
  // The session rehearses a non-PEEK BINARY before it sets \Seen: the plan says so.
  EXPECT_TRUE(plan_fetch(attributes("(UID BINARY[])")).binary);
  EXPECT_TRUE(plan_fetch(attributes("BINARY.SIZE[]")).binary);
  EXPECT_TRUE(plan_fetch(attributes("BINARY.PEEK[]")).parse);
  EXPECT_FALSE(plan_fetch(attributes("(BODY[1] BODY[])")).binary);
}

TEST(FetchResponse, BinaryOfTheWholeMessageDecodesEveryLeafAndSaysSo) {
  // A non-multipart MIME message: its top-level body is the leaf.
  Rendered single(
      "MIME-Version: 1.0\r\nContent-Transfer-Encoding: base64\r\nX-A: 1\r\n\r\naGVsbG8=\r\n");
  EXPECT_EQ(single.render("BINARY.PEEK[]"),
            "* 3 FETCH (BINARY[] {69}\r\nMIME-Version: 1.0\r\nX-A: 1\r\n"
            "Content-Transfer-Encoding: binary\r\n\r\nhello)\r\n");
  EXPECT_EQ(single.render("BINARY.SIZE[]"), "* 3 FETCH (BINARY.SIZE[] 69)\r\n");
  EXPECT_EQ(single.render("BINARY.PEEK[]<19.6>"), "* 3 FETCH (BINARY[]<19> {6}\r\nX-A: 1)\r\n");
  // A folded field goes with its continuation line; LF-only lines go out
  // CRLF, as BODY[] sends them.
  Rendered folded(
      "Content-Transfer-Encoding:\n quoted-printable\nContent-Type: text/plain\n\na=3Db\n");
  EXPECT_EQ(folded.render("BINARY.PEEK[]"),
            "* 3 FETCH (BINARY[] {68}\r\nContent-Type: text/plain\r\n"
            "Content-Transfer-Encoding: binary\r\n\r\na=b\r\n)\r\n");
  // Without MIME-Version or Content-Type the message is no MIME entity
  // (RFC 2045 4) and its Content-Transfer-Encoding means nothing: as stored.
  Rendered not_mime("Content-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n");
  EXPECT_EQ(not_mime.render("BINARY.PEEK[]"),
            "* 3 FETCH (BINARY[] {47}\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n)"
            "\r\n");
  // Nothing to decode: the message as BODY[] sends it.
  Rendered plain("Subject: s\n\nabc\n");
  EXPECT_EQ(plain.render("BINARY.PEEK[]"),
            "* 3 FETCH (BINARY[] {19}\r\nSubject: s\r\n\r\nabc\r\n)\r\n");
  // A multipart: each encoded leaf converted, the rest (boundaries,
  // preamble, 8bit parts) kept.
  Rendered multi(
      "Content-Type: multipart/mixed; boundary=b\r\n\r\npre\r\n"
      "--b\r\nContent-Transfer-Encoding: base64\r\n\r\nAP8=\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nkept\r\n"
      "--b--\r\n");
  const std::string expected =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\npre\r\n"
      "--b\r\nContent-Transfer-Encoding: binary\r\n\r\n" +
      std::string("\0\xff", 2) +
      "\r\n--b\r\nContent-Type: text/plain\r\n\r\nkept\r\n"
      "--b--\r\n";
  EXPECT_EQ(
      multi.render("BINARY.PEEK[]"),
      "* 3 FETCH (BINARY[] ~{" + std::to_string(expected.size()) + "}\r\n" + expected + ")\r\n");
}

TEST(FetchResponse, PlansWhatTheAttributesNeed) {
  // content, stored, sets_seen, flags
  struct Case {
    std::string items;
    std::array<bool, 4> plan;
  };
  auto bits = [](const FetchPlan& p) {
    return std::array<bool, 4>{p.content, p.stored, p.sets_seen, p.flags};
  };
  const std::vector<Case> cases = {
      {"(UID RFC822.SIZE INTERNALDATE MODSEQ)", {0, 0, 0, 0}},
      {"FLAGS", {0, 0, 0, 1}},
      {"ENVELOPE", {0, 1, 0, 0}},
      {"(BODY BODYSTRUCTURE)", {0, 1, 0, 0}},
      {"ALL", {0, 1, 0, 1}},
      {"BODY.PEEK[]", {1, 0, 0, 0}},
      {"BODY[]", {1, 0, 1, 0}},
      {"BODY[1.MIME]<0.10>", {1, 0, 1, 0}},
      {"RFC822", {1, 0, 1, 0}},
      {"RFC822.TEXT", {1, 0, 1, 0}},
      {"RFC822.HEADER", {1, 0, 0, 0}},
      {"BINARY.PEEK[1]", {1, 0, 0, 0}},
      {"BINARY.SIZE[1]", {1, 0, 0, 0}},
      {"BINARY[1]", {1, 0, 1, 0}},
  };
  for (const Case& c : cases) EXPECT_EQ(bits(plan_fetch(attributes(c.items))), c.plan) << c.items;
}

}  // namespace
}  // namespace eider::imap
