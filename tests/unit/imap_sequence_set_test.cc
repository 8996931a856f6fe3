// Sequence sets: parsing, "*" resolution, membership and selection without
// walking ranges.
#include <gtest/gtest.h>

#include <vector>

#include "imap/sequence_set.h"

namespace eider::imap {
namespace {

TEST(SequenceSet, ParsesRangesAsWritten) {
  Result<SequenceSet> set = SequenceSet::parse("1:*,5,9:7,*");
  ASSERT_TRUE(set);
  std::vector<SeqRange> want = {{1, kStar}, {5, 5}, {9, 7}, {kStar, kStar}};
  EXPECT_EQ(set->ranges(), want);
  EXPECT_TRUE(set->has_star());
}

TEST(SequenceSet, RejectsMalformedSets) {
  for (std::string_view text :
       {"", ",", "1,", ",1", "0", "1:0", "4294967296", "1:", ":1", "1 2", "a", "1:2:3", "1,,2",
        "**", "-1", "99999999999999999999999", "$", "1.2"}) {
    EXPECT_FALSE(SequenceSet::parse(text)) << text;
  }
}

TEST(SequenceSet, ResolvesStarSortsAndMerges) {
  SequenceSet set = *SequenceSet::parse("9:7,1:2,3,*,20:*");
  std::vector<SeqRange> want = {{1, 3}, {7, 9}, {12, 20}};
  EXPECT_EQ(set.resolve(12), want);
  std::vector<SeqRange> empty_box = {{1, 3}, {7, 9}, {20, 20}};
  EXPECT_EQ(set.resolve(0), empty_box);
}

TEST(SequenceSet, HugeRangeIsOneRange) {
  SequenceSet set = *SequenceSet::parse("1:4294967295");
  ASSERT_EQ(set.ranges().size(), 1u);
  ResolvedSet resolved(set, 10);
  EXPECT_TRUE(resolved.contains(4294967295u));
  EXPECT_TRUE(resolved.contains(1));
  EXPECT_FALSE(resolved.contains(0));
  std::vector<uint32_t> uids = {3, 70000, 4000000000u};
  EXPECT_EQ(resolved.select(uids), uids);
  EXPECT_EQ(resolved.max(), 4294967295u);
}

TEST(ResolvedSet, SelectsOnlyPresentMembers) {
  ResolvedSet set(*SequenceSet::parse("2:4,10:*"), 12);
  std::vector<uint32_t> uids = {1, 2, 5, 10, 11, 13};
  std::vector<uint32_t> want = {2, 10, 11};
  EXPECT_EQ(set.select(uids), want);
  EXPECT_FALSE(set.contains(5));
  EXPECT_TRUE(set.contains(12));
  EXPECT_FALSE(set.contains(13));
}

TEST(FormatSequenceSet, JoinsRunsIntoRanges) {
  EXPECT_EQ(format_sequence_set(std::vector<uint32_t>{}), "");
  EXPECT_EQ(format_sequence_set(std::vector<uint32_t>{7}), "7");
  EXPECT_EQ(format_sequence_set(std::vector<uint32_t>{1, 2, 3, 4, 5, 7}), "1:5,7");
  EXPECT_EQ(format_sequence_set(std::vector<uint32_t>{1, 3, 5}), "1,3,5");
  EXPECT_EQ(format_sequence_set(std::vector<uint32_t>{4294967294u, 4294967295u}),
            "4294967294:4294967295");
  std::vector<uint32_t> million(1000000);
  for (uint32_t i = 0; i < million.size(); ++i) million[i] = i + 10;
  EXPECT_EQ(format_sequence_set(million), "10:1000009");
}

}  // namespace
}  // namespace eider::imap
