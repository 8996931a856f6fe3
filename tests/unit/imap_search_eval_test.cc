// SEARCH evaluation: every key against messages built here, charsets, case
// folding, MIME bodies, and the whole corpus for robustness.
#include <gtest/gtest.h>

#include <random>

#include "core/dates.h"
#include "imap/search_date.h"
#include "imap/search_eval.h"
#include "imap/search_fold.h"
#include "imap_feed.h"
#include "mime/search_summary.h"
#include "mime_parse_corpus.h"

namespace eider::imap {
namespace {

SearchRequest request_for(std::string_view arguments) {
  Command command = parse_one("a SEARCH " + std::string(arguments));
  if (auto* request = std::get_if<SearchRequest>(&command.arguments)) return *request;
  ADD_FAILURE() << arguments << ": not a SEARCH";
  return SearchRequest{};
}

SearchProgram compile(std::string_view arguments, uint32_t max_seq = 10, uint32_t max_uid = 100) {
  Result<SearchProgram> program = SearchProgram::compile(request_for(arguments), max_seq, max_uid);
  EXPECT_TRUE(program.is_ok()) << arguments << ": " << program.status().to_string();
  return std::move(program).value();
}

// 2024-03-15 12:00:00 UTC.
constexpr int64_t kMarch15 = 1710504000;

struct Fixture {
  store::MessageInfo info;
  std::string raw;
  uint32_t seq = 1;
  bool recent = false;
};

Fixture message(std::string raw = "Subject: hi\r\n\r\nbody\r\n") {
  Fixture f;
  f.info.uid = 7;
  f.info.modseq = 50;
  f.info.internal_date = kMarch15;
  f.info.size = raw.size();
  f.info.wire_size = 1000;
  f.raw = std::move(raw);
  return f;
}

bool matches(std::string_view arguments, const Fixture& f) {
  SearchProgram program = compile(arguments);
  SearchMessage m{f.seq, &f.info, f.recent,
                  program.needs_content() ? std::string_view(f.raw) : std::string_view()};
  return program.matches(m);
}

TEST(SearchEval, SystemFlagsIgnoreCase) {
  Fixture f = message();
  f.info.flags = {"\\SEEN", "\\Flagged", "$Work"};
  EXPECT_TRUE(matches("SEEN", f));
  EXPECT_TRUE(matches("FLAGGED", f));
  EXPECT_FALSE(matches("ANSWERED", f));
  EXPECT_FALSE(matches("DELETED", f));
  EXPECT_FALSE(matches("DRAFT", f));
  EXPECT_FALSE(matches("UNSEEN", f));
  EXPECT_FALSE(matches("UNFLAGGED", f));
  EXPECT_TRUE(matches("UNANSWERED UNDELETED UNDRAFT", f));
  EXPECT_TRUE(matches("KEYWORD $work", f));
  EXPECT_FALSE(matches("KEYWORD $Junk", f));
  EXPECT_TRUE(matches("UNKEYWORD $Junk", f));
  EXPECT_FALSE(matches("UNKEYWORD $WORK", f));
  f.info.flags = {"\\Answered", "\\Deleted", "\\Draft"};
  EXPECT_TRUE(matches("ANSWERED DELETED DRAFT UNSEEN", f));
}

TEST(SearchEval, RecentNewOld) {
  Fixture f = message();
  EXPECT_TRUE(matches("OLD", f));
  EXPECT_FALSE(matches("RECENT", f));
  EXPECT_FALSE(matches("NEW", f));
  f.recent = true;
  EXPECT_TRUE(matches("RECENT", f));
  EXPECT_TRUE(matches("NEW", f));
  EXPECT_FALSE(matches("OLD", f));
  f.info.flags = {"\\Seen"};
  EXPECT_FALSE(matches("NEW", f));
  EXPECT_TRUE(matches("RECENT", f));
}

TEST(SearchEval, SetsSizesAndModseq) {
  Fixture f = message();
  f.seq = 10;
  EXPECT_TRUE(matches("ALL", f));
  EXPECT_TRUE(matches("*", f));
  EXPECT_TRUE(matches("9:*", f));
  EXPECT_FALSE(matches("1:9", f));
  EXPECT_TRUE(matches("1,3,10", f));
  f.seq = 3;
  EXPECT_FALSE(matches("*", f));
  EXPECT_TRUE(matches("UID 7", f));
  EXPECT_TRUE(matches("UID 1:5,6:8", f));
  EXPECT_FALSE(matches("UID *", f));  // "*" is UID 100 here
  f.info.uid = 100;
  EXPECT_TRUE(matches("UID *", f));
  EXPECT_TRUE(matches("UID 200:*", f));  // 100:200
  EXPECT_TRUE(matches("LARGER 999", f));
  EXPECT_FALSE(matches("LARGER 1000", f));
  EXPECT_TRUE(matches("SMALLER 1001", f));
  EXPECT_FALSE(matches("SMALLER 1000", f));
  EXPECT_TRUE(matches("MODSEQ 50", f));
  EXPECT_TRUE(matches("MODSEQ 1", f));
  EXPECT_FALSE(matches("MODSEQ 51", f));
  EXPECT_TRUE(matches("MODSEQ \"/flags/\\\\seen\" all 49", f));
}

TEST(SearchEval, BooleanCombinations) {
  Fixture f = message();
  f.info.flags = {"\\Seen"};
  EXPECT_TRUE(matches("OR FLAGGED SEEN", f));
  EXPECT_FALSE(matches("OR FLAGGED DELETED", f));
  EXPECT_TRUE(matches("NOT FLAGGED", f));
  EXPECT_FALSE(matches("NOT SEEN", f));
  EXPECT_FALSE(matches("SEEN FLAGGED", f));
  EXPECT_TRUE(matches("(SEEN UNFLAGGED) NOT NOT SEEN", f));
  EXPECT_TRUE(matches("OR (FLAGGED DELETED) (SEEN SUBJECT hi)", f));
  EXPECT_FALSE(matches("OR (FLAGGED DELETED) (SEEN SUBJECT bye)", f));
  EXPECT_TRUE(matches("NOT (FLAGGED OR DELETED ANSWERED)", f));
  EXPECT_TRUE(matches("OR NOT SEEN OR DRAFT SUBJECT HI", f));
}

TEST(SearchEval, NeedsContentOnlyForContentKeys) {
  EXPECT_FALSE(compile("SEEN OR 1:3 UID 5 NOT LARGER 3 SINCE 1-Jan-2020").needs_content());
  for (const char* key : {"BODY x", "TEXT x", "SUBJECT x", "FROM x", "TO x", "CC x", "BCC x",
                          "HEADER X-A \"\"", "SENTON 1-Jan-2020", "SENTBEFORE 1-Jan-2020",
                          "SENTSINCE 1-Jan-2020", "NOT (SEEN OR 1 BODY y)"}) {
    EXPECT_TRUE(compile(key).needs_content()) << key;
  }
}

TEST(SearchEval, NeedsBodyOnlyForBodyAndText) {
  for (const char* key : {"SEEN", "SUBJECT x FROM y", "OR TO x CC y", "BCC x", "HEADER X-A \"\"",
                          "SENTON 1-Jan-2020", "NOT SENTSINCE 1-Jan-2020"}) {
    EXPECT_FALSE(compile(key).needs_body()) << key;
  }
  for (const char* key :
       {"BODY x", "TEXT x", "BODY \"\"", "NOT (SEEN OR 1 BODY y)", "OR SUBJECT x TEXT y"}) {
    EXPECT_TRUE(compile(key).needs_body()) << key;
  }
}

TEST(SearchEval, HeaderKeysNeedOnlyTheHeaderBlock) {
  const std::string header =
      "Date: Fri, 15 Mar 2024 10:00:00 +0000\r\nSubject: quarterly\r\nFrom: a@example.com\r\n\r\n";
  Fixture whole = message(header + "body mentions quarterly\r\n");
  Fixture head = message(header);
  for (const char* key : {"SUBJECT quarterly", "FROM example", "SENTON 15-Mar-2024",
                          "HEADER Subject \"\"", "NOT SUBJECT body"}) {
    ASSERT_FALSE(compile(key).needs_body()) << key;
    EXPECT_TRUE(matches(key, whole)) << key;
    EXPECT_TRUE(matches(key, head)) << key;
  }
}

TEST(SearchEval, InternalDateIsUtcDay) {
  Fixture f = message();
  EXPECT_TRUE(matches("ON 15-Mar-2024", f));
  EXPECT_FALSE(matches("ON 14-Mar-2024", f));
  EXPECT_TRUE(matches("BEFORE 16-Mar-2024", f));
  EXPECT_FALSE(matches("BEFORE 15-Mar-2024", f));
  EXPECT_TRUE(matches("SINCE 15-Mar-2024", f));
  EXPECT_FALSE(matches("SINCE 16-Mar-2024", f));
  f.info.internal_date = kMarch15 + 12 * 3600 - 1;  // 23:59:59
  EXPECT_TRUE(matches("ON 15-Mar-2024", f));
  f.info.internal_date = -1;
  EXPECT_TRUE(matches("ON 31-Dec-1969", f));
}

TEST(SearchEval, SentDateInItsOwnZone) {
  struct Case {
    std::string date;
    std::string on;
  };
  const Case cases[] = {
      {"Fri, 15 Mar 2024 23:30:00 -0800", "15-Mar-2024"},  // 16 Mar in UTC
      {"Sat, 16 Mar 2024 01:00:00 +1100", "16-Mar-2024"},
      {"16 Mar 2024 01:00 GMT", "16-Mar-2024"},
      {"Mon, 21 Aug 95 13:30:57 -600", "21-Aug-1995"},
      {"Fri, 25 Sep 92 14:13:02 PDT", "25-Sep-1992"},
      {"1 Jan 05 00:00:00 +0000", "1-Jan-2005"},
      {"Wed Jun 12 10:00:00 2002", "12-Jun-2002"},
      {"May 8, 2005 1:17 PM", "8-May-2005"},
      {"2002-06-12T10:00:00Z", "12-Jun-2002"},
      {"  Thu,\r\n 10 (day) JAN 2002 13:59:53 -0800 (PST)", "10-Jan-2002"},
      {"Tue, 29 Feb 2000 10:00:00 +0000", "29-Feb-2000"},
  };
  for (const Case& c : cases) {
    Fixture f = message("Date: " + c.date + "\r\nSubject: x\r\n\r\nbody\r\n");
    f.info.internal_date = 0;
    EXPECT_TRUE(matches("SENTON " + c.on, f)) << c.date;
    EXPECT_TRUE(matches("SENTSINCE " + c.on, f)) << c.date;
    EXPECT_FALSE(matches("SENTBEFORE " + c.on, f)) << c.date;
    EXPECT_FALSE(matches("ON " + c.on, f)) << c.date;
  }
  Fixture early = message("Date: Fri, 15 Mar 2024 23:30:00 -0800\r\n\r\n");
  EXPECT_TRUE(matches("SENTBEFORE 16-Mar-2024", early));
  EXPECT_FALSE(matches("SENTSINCE 16-Mar-2024", early));
}

TEST(SearchEval, MissingOrBrokenSentDateIsEpochDay) {
  for (const char* header :
       {"", "Date: \r\n", "Date: yesterday\r\n", "Date: 31 Feb 2020 10:00:00 +0000\r\n"}) {
    Fixture f = message(std::string(header) + "Subject: x\r\n\r\nbody\r\n");
    EXPECT_FALSE(matches("SENTON 15-Mar-2024", f)) << header;
    EXPECT_TRUE(matches("SENTON 1-Jan-1970", f)) << header;
    EXPECT_TRUE(matches("SENTBEFORE 1-Jan-2000", f)) << header;
    EXPECT_FALSE(matches("SENTSINCE 2-Jan-1970", f)) << header;
  }
}

// Dovecot's message_date_parse rejects a Date whose time is malformed or out
// of range, and SENT* then sees 1970-01-01 (checked against Dovecot 2.3.19).
TEST(SearchEval, MalformedTimeMakesTheDateUnreadable) {
  for (const char* bad : {"Tue, 17 Jul 2012 22:23:35.882 0000", "Wed, 15 Dec 2010    59:10 -0500",
                          "Wed, 15 Dec 2010 23:60:10 -0500", "Wed, 15 Dec 2010 12:5:06 +0000",
                          "Wed, 15 Dec 2010 12:05:06, +0000"}) {
    EXPECT_EQ(date_header_day(bad), std::nullopt) << bad;
  }
  const int64_t day = core::days_from_civil(2010, 12, 15);
  for (const char* good : {"Wed, 15 Dec 2010 23:59:60 -0500", "Wed, 15 Dec 2010 23:59",
                           "15 Dec 2010 1:05 PM", "Wed, 15 Dec 2010 12 (c) : 05 : 06 +0000",
                           "Wed, 15 Dec 2010 12:05:06 (UTC)", "Dec 15 12:05:06 2010"}) {
    EXPECT_EQ(date_header_day(good), day) << good;
  }
}

TEST(SearchEval, DateHeaderDays) {
  EXPECT_EQ(date_header_day("12-Jun-2002"), core::days_from_civil(2002, 6, 12));
  EXPECT_EQ(date_header_day("Sun, 0 Jun 2002"), std::nullopt);
  EXPECT_EQ(date_header_day(""), std::nullopt);
  EXPECT_EQ(date_header_day("((((("), std::nullopt);
}

const char kHeaders[] =
    "From: =?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>\r\n"
    "To: Keith Moore <moore@cs.utk.edu>,\r\n"
    "  \"Fran\xc3\xa7ois\" <fr@example.org>\r\n"
    "Cc: team@example.com\r\n"
    "Cc: second@example.net\r\n"
    "Bcc: hidden@example.com\r\n"
    "Subject: =?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n"
    " =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=\r\n"
    "X-Mailer: Eider\r\n"
    "X-Empty:\r\n"
    "\r\n"
    "Subject: not a header, this is the body\r\n";

TEST(SearchEval, AddressAndSubjectFields) {
  Fixture f = message(kHeaders);
  EXPECT_TRUE(matches("FROM \"andr\xc3\xa9\"", f));
  EXPECT_TRUE(matches("FROM \"andr\xc3\xa9 pirard\"", f));
  EXPECT_TRUE(matches("FROM pirard@VM1", f));
  EXPECT_TRUE(matches("FROM =?ISO-8859-1?Q?Andr=E9?=", f));  // the raw text too
  EXPECT_FALSE(matches("FROM moore", f));
  EXPECT_TRUE(matches("TO moore@cs", f));
  EXPECT_TRUE(matches("TO \"FRAN\xc3\x87OIS\"", f));
  EXPECT_TRUE(matches("TO \"utk.edu>,  \"", f));  // unfolded: the line break is gone
  EXPECT_TRUE(matches("CC team", f));
  EXPECT_TRUE(matches("CC second", f));  // any occurrence of the field
  EXPECT_TRUE(matches("BCC hidden", f));
  EXPECT_FALSE(matches("BCC team", f));
  EXPECT_TRUE(matches("SUBJECT \"you understand\"", f));
  EXPECT_TRUE(matches("SUBJECT \"read this you\"", f));
  EXPECT_FALSE(matches("SUBJECT \"not a header\"", f));
  EXPECT_TRUE(matches("SUBJECT \"\"", f));
  EXPECT_FALSE(matches("SUBJECT x", message("From: a\r\n\r\nSubject: x\r\n")));
  EXPECT_FALSE(matches("SUBJECT \"\"", message("From: a\r\n\r\n")));
}

TEST(SearchEval, AddressKeysMatchTheParsedAddress) {
  Fixture f = message(
      "From: <user-from (comment)@ (comment) domain.org>\r\n"
      "To: \"Quoted Name\" <user-to@\r\n example.com (work)>\r\n"
      "Cc: list: a . b @ c.example;\r\n"
      "\r\nbody\r\n");
  EXPECT_TRUE(matches("FROM user-from@domain.org", f));
  EXPECT_TRUE(matches("FROM <USER-FROM@DOMAIN.ORG>", f));
  EXPECT_TRUE(matches("FROM \"(comment)@\"", f));  // the raw text still counts
  EXPECT_TRUE(matches("TO \"quoted name <user-to@example.com>\"", f));
  EXPECT_TRUE(matches("TO work", f));
  EXPECT_TRUE(matches("CC a.b@c.example", f));
  EXPECT_FALSE(matches("FROM user-to@example.com", f));
  EXPECT_FALSE(matches("SUBJECT user-from@domain.org", f));
  EXPECT_FALSE(matches("HEADER From user-from@domain.org", f));  // HEADER is text, as written
}

TEST(SearchEval, HeaderKey) {
  Fixture f = message(kHeaders);
  EXPECT_TRUE(matches("HEADER x-mailer eid", f));
  EXPECT_TRUE(matches("HEADER X-MAILER \"\"", f));
  EXPECT_TRUE(matches("HEADER X-Empty \"\"", f));
  EXPECT_FALSE(matches("HEADER X-Missing \"\"", f));
  EXPECT_FALSE(matches("HEADER X-Mailer dovecot", f));
  EXPECT_TRUE(matches("HEADER Cc example.net", f));
  EXPECT_TRUE(matches("HEADER subject understand", f));
}

TEST(SearchEval, CaseFolding) {
  EXPECT_EQ(fold_case("ABC\xc3\x84\xc3\xa4 \xce\xa3"), "abc\xc3\xa4\xc3\xa4 \xcf\x83");
  EXPECT_EQ(fold_case("\xff\xc3"), "\xff\xc3");  // invalid bytes survive
  Fixture f = message(
      "Subject: \xc3\x84rger \xc3\xbc"
      "ber Stra\xc3\x9f"
      "e\r\n\r\nGR\xc3\x96SSE\r\n");
  EXPECT_TRUE(matches("SUBJECT \"\xc3\xa4rger\"", f));
  EXPECT_TRUE(matches("SUBJECT \"\xc3\x84RGER\"", f));
  EXPECT_TRUE(
      matches("SUBJECT \"\xc3\x9c"
              "BER STRA\xc3\x9f"
              "E\"",
              f));
  EXPECT_TRUE(matches("BODY \"gr\xc3\xb6sse\"", f));
  EXPECT_FALSE(matches("BODY grosse", f));
}

const char kMixed[] =
    "From: a@example.com\r\n"
    "Subject: =?UTF-8?Q?caf=C3=A9_menu?=\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "preamble words\r\n"
    "--outer\r\n"
    "Content-Type: multipart/alternative; boundary=inner\r\n"
    "\r\n"
    "--inner\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Le caf=C3=A9 est ouvert, soft=\r\n"
    "break.\r\n"
    "--inner\r\n"
    "Content-Type: text/html; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "<p>Cr=E8me br=FBl=E9e</p>\r\n"
    "--inner--\r\n"
    "--outer\r\n"
    "Content-Type: text/plain; charset=koi8-r\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "8NLJ18XUIGJhc2U2NA==\r\n"
    "--outer\r\n"
    "Content-Type: image/png\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "aW1hZ2VzZWNyZXQ=\r\n"
    "--outer\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Subject: inner subject line\r\n"
    "X-Inner: header only\r\n"
    "\r\n"
    "forwarded body text\r\n"
    "--outer--\r\n";

TEST(SearchEval, BodiesThroughMime) {
  Fixture f = message(kMixed);
  EXPECT_TRUE(matches("BODY \"caf\xc3\xa9 est\"", f));
  EXPECT_TRUE(matches("BODY softbreak", f));
  EXPECT_TRUE(matches("BODY \"CR\xc3\x88ME BR\xc3\x9bL\xc3\x89\"", f));  // HTML, Latin-1
  EXPECT_TRUE(matches("BODY <p>", f));
  EXPECT_TRUE(matches("BODY \"\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 base64\"", f));
  EXPECT_FALSE(matches("BODY imagesecret", f));  // not a text part
  EXPECT_FALSE(matches("BODY aW1hZ2VzZWNyZXQ", f));
  EXPECT_TRUE(matches("BODY forwarded", f));
  EXPECT_FALSE(matches("BODY \"inner subject\"", f));  // embedded headers: TEXT only
  EXPECT_FALSE(matches("BODY caf=C3=A9", f));
  EXPECT_FALSE(matches("BODY \"a@example.com\"", f));
  EXPECT_TRUE(matches("TEXT \"inner subject\"", f));
  EXPECT_TRUE(matches("TEXT \"x-inner: header\"", f));
  EXPECT_TRUE(matches("TEXT a@example.com", f));
  EXPECT_TRUE(matches("TEXT \"caf\xc3\xa9 menu\"", f));
  EXPECT_TRUE(matches("TEXT forwarded", f));
  EXPECT_FALSE(matches("TEXT zzzznotfound", f));
  EXPECT_TRUE(matches("BODY \"\"", f));
  EXPECT_TRUE(matches("NOT BODY zzz SUBJECT menu", f));
}

TEST(SearchEval, OtherMessageTypesAreSearchedAsText) {
  for (const char* subtype :
       {"partial; id=\"a@b\"; number=1", "delivery-status", "feedback-report"}) {
    Fixture f = message(std::string("Content-Type: message/") + subtype +
                        "\r\n\r\nReporting-MTA: dns; Hello.example\r\n");
    EXPECT_TRUE(matches("BODY \"reporting-mta: dns\"", f)) << subtype;
    EXPECT_TRUE(matches("TEXT hello", f)) << subtype;
  }
  Fixture report = message(
      "Content-Type: multipart/report; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nsee below\r\n"
      "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
      "Final-Recipient: rfc822; x@example.com\r\n--b--\r\n");
  EXPECT_TRUE(matches("BODY final-recipient", report));
}

TEST(SearchEval, UnknownTransferEncodingHasNoText) {
  for (const char* encoding : {"7-bit", "plain", "x-uuencode", "text/html", "8bits", "?x"}) {
    Fixture f = message(std::string("Content-Type: text/plain\r\nContent-Transfer-Encoding: ") +
                        encoding + "\r\n\r\nhello there\r\n");
    EXPECT_FALSE(matches("BODY hello", f)) << encoding;
    EXPECT_FALSE(matches("TEXT \"hello there\"", f)) << encoding;
    EXPECT_TRUE(matches("TEXT content-transfer-encoding", f)) << encoding;
  }
  for (const char* encoding : {"7BIT", "8Bit", "BINARY", "Quoted-Printable", " 7bit (c)"}) {
    Fixture f = message(std::string("Content-Type: text/plain\r\nContent-Transfer-Encoding: ") +
                        encoding + "\r\n\r\nhello there\r\n");
    EXPECT_TRUE(matches("BODY \"hello there\"", f)) << encoding;
  }
}

TEST(SearchEval, Base64TextAndNoContentType) {
  Fixture b64 = message(
      "Content-Type: text/plain; charset=UTF-8\r\n"
      "Content-Transfer-Encoding: BASE64\r\n\r\n"
      "SGVsbG8gV8O2cmxk\r\nIQ==\r\n");
  EXPECT_TRUE(matches("BODY \"hello w\xc3\xb6rld!\"", b64));
  EXPECT_FALSE(matches("BODY SGVsbG8", b64));
  Fixture plain = message("Subject: x\n\nJust some\nbare LF text\n");
  EXPECT_TRUE(matches("BODY \"bare lf\"", plain));
  EXPECT_TRUE(matches("TEXT \"subject: x\"", plain));
}

TEST(SearchEval, NeedleInIso88591) {
  Fixture f = message(
      "Subject: =?utf-8?q?Un_caf=C3=A9?=\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
      "Du CAF=C3=89 noir\r\n");
  EXPECT_TRUE(matches("CHARSET ISO-8859-1 SUBJECT {4}\r\ncaf\xe9", f));
  EXPECT_TRUE(matches("CHARSET ISO-8859-1 BODY {4}\r\ncaf\xe9", f));
  EXPECT_TRUE(matches("CHARSET ISO-8859-1 TEXT {4}\r\nCAF\xc9", f));
  EXPECT_FALSE(matches("CHARSET ISO-8859-1 BODY {4}\r\ncafe", f));
  EXPECT_TRUE(matches("CHARSET UTF-8 BODY {5}\r\ncaf\xc3\xa9", f));
  EXPECT_TRUE(matches("CHARSET US-ASCII BODY noir", f));
}

TEST(SearchEval, Charsets) {
  Result<SearchProgram> bad =
      SearchProgram::compile(request_for("CHARSET X-NO-SUCH-CHARSET BODY x"), 1, 1);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), Code::unsupported);
  EXPECT_EQ(bad.status().message(), "BADCHARSET");
  // Even when no key uses a string: the client asked for it.
  EXPECT_FALSE(SearchProgram::compile(request_for("CHARSET X-NO-SUCH ALL"), 1, 1).is_ok());
  Result<SearchProgram> invalid =
      SearchProgram::compile(request_for("CHARSET UTF-8 BODY {2}\r\n\xc3\x28"), 1, 1);
  ASSERT_FALSE(invalid.is_ok());
  EXPECT_EQ(invalid.status().code(), Code::invalid_argument);
  for (const char* charset : {"UTF-8", "US-ASCII", "ISO-8859-1", "WINDOWS-1252", "KOI8-R"}) {
    EXPECT_TRUE(
        SearchProgram::compile(request_for(std::string("CHARSET ") + charset + " BODY x"), 1, 1)
            .is_ok())
        << charset;
  }
}

TEST(SearchEval, MovableProgram) {
  SearchProgram a = compile("SEEN");
  SearchProgram b = compile("BODY x");
  b = std::move(a);
  EXPECT_FALSE(b.needs_content());
}

TEST(SearchEval, SummarySufficesForKeysOnTheSummaryFieldsOnly) {
  for (const char* key :
       {"SEEN", "SUBJECT x FROM y", "OR TO x CC y", "BCC x", "HEADER Message-ID \"\"",
        "HEADER references x", "SENTON 1-Jan-2020", "NOT SENTSINCE 1-Jan-2020"}) {
    EXPECT_TRUE(compile(key).summary_suffices()) << key;
  }
  for (const char* key : {"BODY x", "TEXT x", "HEADER X-A \"\"", "HEADER Received x",
                          "OR SUBJECT x HEADER List-Id y", "NOT (SEEN OR 1 BODY y)"}) {
    EXPECT_FALSE(compile(key).summary_suffices()) << key;
  }
}

// A word of 4+ letters from the message's decoded text, chosen by `rng`.
std::vector<std::string> ascii_words(std::string_view bytes) {
  std::vector<std::string> out;
  std::string word;
  for (char c : bytes) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      word.push_back(c);
      continue;
    }
    if (word.size() >= 4 && word.size() <= 20) out.push_back(word);
    word.clear();
  }
  return out;
}

TEST(SearchEval, CorpusTextSearch) {
  std::mt19937 rng(20240315);
  size_t found = 0;
  size_t tried = 0;
  for (const mime::testing::CorpusFile& file : mime::testing::corpus()) {
    Fixture f = message(file.bytes);
    EXPECT_FALSE(matches("BODY zzzznotfound", f)) << file.name;
    EXPECT_FALSE(matches("TEXT zzzznotfound", f)) << file.name;
    EXPECT_TRUE(matches("NOT TEXT zzzznotfound", f)) << file.name;
    // Words of the header block are always found by TEXT, since it reads
    // every top-level field (a word in a body may sit in an image part).
    std::string_view raw = file.bytes;
    size_t end = raw.find("\n\n");
    size_t end_crlf = raw.find("\n\r\n");
    std::vector<std::string> header_words = ascii_words(raw.substr(0, std::min(end, end_crlf)));
    std::vector<std::string> all_words = ascii_words(raw);
    if (!all_words.empty()) {
      const std::string& word = all_words[rng() % all_words.size()];
      ++tried;
      found += matches("TEXT " + word, f) ? 1 : 0;
    }
    if (!header_words.empty()) {
      const std::string& word = header_words[rng() % header_words.size()];
      bool in_encoded_word = raw.substr(0, std::min(end, end_crlf)).find("=?") != raw.npos;
      if (!in_encoded_word) {
        EXPECT_TRUE(matches("TEXT " + word, f)) << file.name << " " << word;
      }
    }
    EXPECT_TRUE(matches("OR BODY zzzznotfound SENTSINCE 1-Jan-1900", f)) << file.name;
  }
  // Random words mostly come from decodable text; a few sit in attachments.
  EXPECT_GT(found * 2, tried);
}

// The search summary stands in for the message: every key it suffices for
// answers the same on it as on the whole message, for every corpus message.
TEST(SearchEval, SummaryAnswersAsTheWholeMessageOverTheCorpus) {
  std::mt19937 rng(20261125);
  const std::vector<std::string> fixed = {"SUBJECT \"\"",
                                          "FROM @",
                                          "TO a",
                                          "CC \"\"",
                                          "BCC e",
                                          "SENTBEFORE 1-Jan-2000",
                                          "SENTON 13-Feb-1969",
                                          "SENTSINCE 1-Jan-2005",
                                          "HEADER Message-ID \"\"",
                                          "HEADER In-Reply-To \"\"",
                                          "HEADER References <",
                                          "HEADER Reply-To \"\"",
                                          "HEADER Sender \"\"",
                                          "HEADER Date 2"};
  std::size_t compared = 0;
  for (const mime::testing::CorpusFile& file : mime::testing::corpus()) {
    const std::string summary = mime::search_summary(file.bytes);
    if (summary.empty()) continue;  // searched from the message itself
    std::vector<std::string> queries = fixed;
    std::vector<std::string> words = ascii_words(summary);
    for (int n = 0; n < 3 && !words.empty(); ++n) {
      const std::string& word = words[rng() % words.size()];
      for (const char* key : {"SUBJECT ", "FROM ", "TO ", "CC ", "HEADER Message-ID "}) {
        queries.push_back(key + word);
      }
    }
    for (const std::string& query : queries) {
      SearchProgram program = compile(query);
      ASSERT_TRUE(program.summary_suffices()) << query;
      Fixture f = message(file.bytes);
      const bool on_message = program.matches({f.seq, &f.info, f.recent, file.bytes});
      const bool on_summary = program.matches({f.seq, &f.info, f.recent, summary});
      EXPECT_EQ(on_summary, on_message) << file.name << ": " << query;
      ++compared;
    }
  }
  EXPECT_GT(compared, 1000u);
}

TEST(EsearchResponse, GivesMinMaxCountAndAllAsACompactSet) {
  const std::vector<uint32_t> hits = {2, 3, 4, 5, 9, 11, 12};
  EXPECT_EQ(esearch_response("a1", false, {"MIN", "MAX", "ALL", "COUNT"}, hits),
            "* ESEARCH (TAG \"a1\") MIN 2 MAX 12 COUNT 7 ALL 2:5,9,11:12\r\n");
  EXPECT_EQ(esearch_response("u", true, {"COUNT", "MIN"}, hits),
            "* ESEARCH (TAG \"u\") UID MIN 2 COUNT 7\r\n");
  EXPECT_EQ(esearch_response("x", false, {"MAX"}, hits), "* ESEARCH (TAG \"x\") MAX 12\r\n");
}

TEST(EsearchResponse, EmptyReturnListMeansAll) {
  const std::vector<uint32_t> hits = {1, 2, 3};
  EXPECT_EQ(esearch_response("t", true, {}, hits), "* ESEARCH (TAG \"t\") UID ALL 1:3\r\n");
}

TEST(EsearchResponse, NoMatchLeavesOutMinMaxAndAllButCounts) {
  EXPECT_EQ(esearch_response("a", false, {"MIN", "MAX", "ALL", "COUNT"}, {}),
            "* ESEARCH (TAG \"a\") COUNT 0\r\n");
  EXPECT_EQ(esearch_response("a", true, {"MIN"}, {}), "* ESEARCH (TAG \"a\") UID\r\n");
  EXPECT_EQ(esearch_response("a", false, {}, {}), "* ESEARCH (TAG \"a\")\r\n");
}

}  // namespace
}  // namespace eider::imap
