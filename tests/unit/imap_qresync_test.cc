// What QRESYNC reports as VANISHED (EARLIER): exact from the journal, full
// beyond it, bounded by the known UIDs and narrowed by seq-match data.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "imap/qresync.h"

namespace eider::imap {
namespace {

UidList list_of(std::vector<uint32_t> uids) {
  return UidList(uids);
}

SequenceSet set_of(const std::string& text) {
  return SequenceSet::parse(text).value();
}

std::string vanished(const UidList& view, const std::string& scope,
                     const std::optional<std::vector<uint32_t>>& expunged, uint32_t agreed = 0) {
  return format_ranges(
      vanished_earlier(view, set_of(scope).resolve(view.max_uid()), expunged, agreed));
}

TEST(Qresync, ExactAnswerIsTheExpungedUidsTheViewNoLongerHoldsWithinScope) {
  const UidList view = list_of({1, 2, 5, 8, 9});
  // 9 was expunged after the view's modseq: the sync tells it later.
  EXPECT_EQ(vanished(view, "1:*", std::vector<uint32_t>{3, 4, 7, 9}), "3:4,7");
  EXPECT_EQ(vanished(view, "1:3,7", std::vector<uint32_t>{3, 4, 7, 9}), "3,7");
  // A UID above the view (added and gone since) is not the client's.
  EXPECT_EQ(vanished(view, "1:*", std::vector<uint32_t>{12}), "");
}

TEST(Qresync, FullAnswerIsEveryGapOfTheViewWithinScope) {
  const UidList view = list_of({2, 5, 6, 9});
  EXPECT_EQ(vanished(view, "1:*", std::nullopt), "1,3:4,7:8");
  EXPECT_EQ(vanished(view, "3:7", std::nullopt), "3:4,7");
  EXPECT_EQ(vanished(view, "1:100000", std::nullopt), "1,3:4,7:8");
  EXPECT_EQ(vanished(view, "1:*", std::nullopt, 5), "7:8");
  EXPECT_EQ(vanished(list_of({}), "1:*", std::nullopt), "");
  // One range of four billion costs the view's runs, not the range.
  EXPECT_EQ(vanished(list_of({4294967295u}), "1:4294967295", std::nullopt), "1:4294967294");
}

TEST(Qresync, SeqMatchAgreesUpToTheLastPairTheViewConfirms) {
  const UidList view = list_of({2, 5, 6, 9, 12});
  EXPECT_EQ(agreed_through(view, set_of("1,3,5"), set_of("2,6,12")), 12u);
  EXPECT_EQ(agreed_through(view, set_of("1,3,5"), set_of("2,6,13")), 6u);
  EXPECT_EQ(agreed_through(view, set_of("1:3"), set_of("1,2,5")), 0u);
  EXPECT_EQ(agreed_through(view, set_of("2:3"), set_of("5:6")), 6u);
  // Pairs past the mailbox, or a longer set, never match.
  EXPECT_EQ(agreed_through(view, set_of("9"), set_of("12")), 0u);
  EXPECT_EQ(agreed_through(view, set_of("1"), set_of("2,5")), 2u);
  // A huge set is looked at only kMaxMatchPairs pairs deep.
  EXPECT_EQ(agreed_through(view, set_of("1:4294967295"), set_of("1:4294967295")), 0u);
}

}  // namespace
}  // namespace eider::imap
