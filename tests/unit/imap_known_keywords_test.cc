// The keywords a session told its client by FLAGS, and the FLAGS lines for
// new ones.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "imap/known_keywords.h"

namespace eider::imap {
namespace {

TEST(KnownKeywords, ComparesWithoutCaseAndKeepsTheFirstSpelling) {
  KnownKeywords keywords({"$Label1"}, true);
  std::string out;
  EXPECT_FALSE(keywords.announce(std::vector<std::string>{"\\Seen", "$LABEL1"}, out));
  EXPECT_EQ(out, "");
  EXPECT_TRUE(keywords.announce("\\Seen $label2 $Label1", out));
  EXPECT_EQ(out,
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1 $label2)\r\n"
            "* OK [PERMANENTFLAGS ()] Read-only mailbox\r\n");
  EXPECT_TRUE(keywords.known("$LABEL2"));
  EXPECT_FALSE(keywords.known("$Label3"));
  EXPECT_EQ(keywords.size(), 2u);
}

TEST(KnownKeywords, SystemFlagsAreNeverNew) {
  KnownKeywords keywords({}, false);
  std::string out;
  EXPECT_FALSE(keywords.announce("\\Seen \\Recent \\Deleted", out));
  EXPECT_EQ(keywords.flags_lines(),
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
            "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags "
            "permitted\r\n");
}

}  // namespace
}  // namespace eider::imap
