// mime::search_summary: the summary fields of a header, byte for byte, as a
// header block that header_fields() reads back the same.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mime/message.h"
#include "mime/search_summary.h"
#include "mime_parse_corpus.h"

namespace eider::mime {
namespace {

TEST(SearchSummary, KeepsTheSummaryFieldsInOrderWithTheirFolding) {
  const std::string header =
      "Received: from x\r\n\tby y\r\nSubject: a\r\n  folded subject\r\nX-Other: z\r\n"
      "FROM: Ann <ann@example.org>\r\ndate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nbody\r\n";
  EXPECT_EQ(search_summary(header),
            "Subject: a\r\n  folded subject\r\nFROM: Ann <ann@example.org>\r\n"
            "date: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\n");
}

TEST(SearchSummary, AHeaderWithoutSummaryFieldsGivesAnEmptyBlock) {
  EXPECT_EQ(search_summary("X-A: 1\n\nbody"), "\r\n");
  EXPECT_EQ(search_summary(""), "\r\n");
}

TEST(SearchSummary, TooLargeGivesNothing) {
  std::string to = "To: ";
  for (int i = 0; i < 500; ++i) to += "someone" + std::to_string(i) + "@example.org, ";
  EXPECT_EQ(search_summary(to + "\r\nSubject: s\r\n\r\n"), "");
  EXPECT_FALSE(search_summary(to + "\r\n\r\n", 1 << 20).empty());
}

TEST(SearchSummary, NamesMatchWithoutRegardToCase) {
  EXPECT_TRUE(in_search_summary("MESSAGE-ID"));
  EXPECT_TRUE(in_search_summary("in-reply-to"));
  EXPECT_FALSE(in_search_summary("Received"));
  EXPECT_FALSE(in_search_summary("Subjec"));
}

TEST(SearchSummary, ReadsBackAsTheSameFieldsForEveryCorpusMessage) {
  for (const testing::CorpusFile& file : testing::corpus()) {
    const std::string summary = search_summary(file.bytes, 1 << 20);
    std::vector<std::pair<std::string, std::string>> want;
    for (const HeaderField& field : header_fields(file.bytes)) {
      if (in_search_summary(field.name)) want.emplace_back(field.name, field.value);
    }
    std::vector<std::pair<std::string, std::string>> got;
    for (const HeaderField& field : header_fields(summary))
      got.emplace_back(field.name, field.value);
    EXPECT_EQ(got, want) << file.name;
  }
}

}  // namespace
}  // namespace eider::mime
