// SEARCH: every key, RETURN, CHARSET, and the shape of the key tree.
#include <gtest/gtest.h>

#include "imap_feed.h"

namespace eider::imap {
namespace {

SearchRequest search(std::string_view arguments) {
  Command command = parse_one("a SEARCH " + std::string(arguments));
  if (auto* request = std::get_if<SearchRequest>(&command.arguments)) return *request;
  return SearchRequest{};
}

// The tree as text (kind, then arguments), for compact expectations.
std::string show(const SearchKey& key) {
  static const char* kNames[] = {
      "all",     "answered",  "deleted",    "draft",     "flagged", "new",       "old",
      "recent",  "seen",      "unanswered", "undeleted", "undraft", "unflagged", "unseen",
      "keyword", "unkeyword", "bcc",        "body",      "cc",      "from",      "subject",
      "text",    "to",        "header",     "before",    "on",      "since",     "sentbefore",
      "senton",  "sentsince", "larger",     "smaller",   "uid",     "set",       "modseq",
      "and",     "or",        "not"};
  std::string out = kNames[static_cast<int>(key.kind)];
  if (!key.field.empty()) out += " " + key.field;
  if (!key.text.empty()) out += " " + key.text;
  if (key.number != 0) out += " " + std::to_string(key.number);
  if (key.date != Date{}) {
    out += " " + std::to_string(key.date.year) + "-" + std::to_string(key.date.month) + "-" +
           std::to_string(key.date.day);
  }
  if (!key.set.ranges().empty()) out += " [" + std::to_string(key.set.ranges().size()) + "]";
  for (const SearchKey& child : key.children) out += " (" + show(child) + ")";
  return out;
}

TEST(SearchParser, ReadsEveryKey) {
  struct Case {
    std::string text;
    std::string tree;
  };
  const Case cases[] = {
      {"ALL", "and (all)"},
      {"answered deleted draft flagged new old recent seen",
       "and (answered) (deleted) (draft) (flagged) (new) (old) (recent) (seen)"},
      {"UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN",
       "and (unanswered) (undeleted) (undraft) (unflagged) (unseen)"},
      {"KEYWORD $Junk UNKEYWORD work", "and (keyword $Junk) (unkeyword work)"},
      {"BCC a CC \"b c\" FROM {3+}\r\nd e TO f SUBJECT g BODY h TEXT i",
       "and (bcc a) (cc b c) (from d e) (to f) (subject g) (body h) (text i)"},
      {"HEADER X-Mailer \"\"", "and (header X-Mailer)"},
      {"BEFORE 1-Feb-1994 ON \"29-Feb-2000\" SINCE 31-dec-1999",
       "and (before 1994-2-1) (on 2000-2-29) (since 1999-12-31)"},
      {"SENTBEFORE 01-Jan-2020 SENTON 2-Mar-2021 SENTSINCE 3-Apr-2022",
       "and (sentbefore 2020-1-1) (senton 2021-3-2) (sentsince 2022-4-3)"},
      {"LARGER 1000 SMALLER 4294967296", "and (larger 1000) (smaller 4294967296)"},
      {"UID 1:*,5 1:4294967295", "and (uid [2]) (set [1])"},
      {"MODSEQ 7", "and (modseq 7)"},
      {"MODSEQ \"/flags/\\\\draft\" all 620162338", "and (modseq /flags/\\draft ALL 620162338)"},
      {"NOT SEEN", "and (not (seen))"},
      {"OR SEEN FLAGGED", "and (or (seen) (flagged))"},
      {"OR (SEEN FROM x) NOT (DELETED)", "and (or (and (seen) (from x)) (not (and (deleted))))"},
      {"(OR NOT 1 2:3)", "and (and (or (not (set [1])) (set [1])))"},
  };
  for (const Case& c : cases) {
    SearchRequest request = search(c.text);
    EXPECT_EQ(show(request.key), c.tree) << c.text;
    EXPECT_FALSE(request.charset.has_value()) << c.text;
  }
}

TEST(SearchParser, ReadsCharsetAndReturn) {
  SearchRequest plain = search("CHARSET utf-8 SUBJECT x");
  EXPECT_EQ(plain.charset, "UTF-8");
  EXPECT_FALSE(plain.esearch);
  SearchRequest esearch = search("RETURN (MIN max COUNT) CHARSET US-ASCII 1:5");
  EXPECT_TRUE(esearch.esearch);
  EXPECT_EQ(esearch.returns, (std::vector<std::string>{"MIN", "MAX", "COUNT"}));
  EXPECT_EQ(esearch.charset, "US-ASCII");
  EXPECT_EQ(show(esearch.key), "and (set [1])");
  SearchRequest all = search("RETURN () ALL");
  EXPECT_TRUE(all.esearch);
  EXPECT_TRUE(all.returns.empty());
  Command uid = parse_one("t UID SEARCH RETURN (SAVE) UID 1:*");
  EXPECT_TRUE(uid.uid);
}

TEST(SearchParser, ReadsDatesStrictly) {
  EXPECT_EQ(parse_date("1-Feb-1994"), (Date{1994, 2, 1}));
  EXPECT_EQ(parse_date("29-feb-2024"), (Date{2024, 2, 29}));
  for (std::string_view bad :
       {"29-Feb-1900", "31-Apr-2020", "0-Jan-2020", "1-Foo-2020", "001-Jan-2020", "1-Jan-20",
        "1 Jan 2020", "1-Jan-2020x", "", "-Jan-2020", "1-Jan-+020", "32-Jan-2020"}) {
    EXPECT_FALSE(parse_date(bad).has_value()) << bad;
  }
}

TEST(SearchParser, RejectsMalformedKeys) {
  for (std::string_view bad : {"",
                               "FOO",
                               "ALL FOO",
                               "FROM",
                               "HEADER X",
                               "HEADER \"\" x",
                               "BEFORE",
                               "BEFORE 1-Foo-2000",
                               "LARGER",
                               "LARGER x",
                               "LARGER 99999999999999999999999",
                               "UID",
                               "UID x",
                               "UID 0",
                               "NOT",
                               "OR SEEN",
                               "()",
                               "(SEEN",
                               "SEEN)",
                               "KEYWORD",
                               "KEYWORD (x)",
                               "MODSEQ",
                               "MODSEQ x",
                               "MODSEQ \"/flags/x\" bogus 5",
                               "MODSEQ \"/flags/x\" all",
                               "CHARSET",
                               "CHARSET UTF-8",
                               "RETURN",
                               "RETURN (FOO) ALL",
                               "RETURN (MIN",
                               "RETURN (MIN) CHARSET",
                               "ALL  SEEN",
                               "SEEN ",
                               "1,",
                               "CHARSET UTF-8 RETURN (MIN) ALL"}) {
    ParseError e = parse_error("a SEARCH " + std::string(bad));
    EXPECT_EQ(e.tag, "a") << bad;
    EXPECT_EQ(e.kind, ErrorKind::syntax) << bad;
  }
}

TEST(SearchParser, DepthIsBounded) {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "NOT ";
  EXPECT_EQ(parse_error("a SEARCH " + deep + "SEEN").kind, ErrorKind::too_complex);
  std::string parens = std::string(100, '(') + "SEEN" + std::string(100, ')');
  EXPECT_EQ(parse_error("a SEARCH " + parens).kind, ErrorKind::too_complex);
  std::string ok;
  for (int i = 0; i < 20; ++i) ok += "NOT ";
  search(ok + "SEEN");
}

TEST(SearchParser, ArgumentCountIsBounded) {
  ParserLimits limits;
  limits.max_arguments = 10;
  std::string many = "a SEARCH";
  for (int i = 0; i < 11; ++i) many += " SEEN";
  std::vector<Event> events = feed_all(many + "\r\n", 0, limits);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(std::get<ParseError>(events[0]).kind, ErrorKind::too_complex);
}

TEST(SearchParser, ReadsEsearchReturnOptionsInAnyCaseAndOrder) {
  SearchRequest every = search("RETURN (all count Max MIN) UNSEEN");
  EXPECT_TRUE(every.esearch);
  EXPECT_EQ(every.returns, (std::vector<std::string>{"ALL", "COUNT", "MAX", "MIN"}));
  EXPECT_EQ(show(every.key), "and (unseen)");
  Command uid = parse_one("t UID SEARCH RETURN (COUNT) UID 1:*");
  EXPECT_TRUE(uid.uid);
  const auto& request = std::get<SearchRequest>(uid.arguments);
  EXPECT_TRUE(request.esearch);
  EXPECT_EQ(request.returns, std::vector<std::string>{"COUNT"});
}

TEST(SearchParser, MalformedReturnOptionsAreBad) {
  for (std::string_view bad :
       {"RETURN (BOGUS) ALL", "RETURN (MIN", "RETURN (MIN ALL", "RETURN (MIN) ", "RETURN (MIN)",
        "RETURN MIN ALL", "RETURN ALL", "RETURN (MIN,MAX) ALL", "RETURN (MIN  MAX) ALL",
        "RETURN ( MIN) ALL", "RETURN (\"MIN\") ALL", "RETURN (MIN) RETURN (MAX) ALL",
        "RETURN (MIN (MAX)) ALL", "RETURN () ", "RETURN ()ALL"}) {
    ParseError e = parse_error("a SEARCH " + std::string(bad));
    EXPECT_EQ(e.tag, "a") << bad;
    EXPECT_EQ(e.kind, ErrorKind::syntax) << bad << ": " << e.text;
  }
  EXPECT_EQ(parse_error("a SEARCH RETURN (BOGUS) ALL").text,
            "SEARCH: unknown RETURN option \"BOGUS\"");
}

}  // namespace
}  // namespace eider::imap
