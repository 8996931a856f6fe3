// The compact UID list: runs stay few, lookups agree with a plain vector of
// UIDs under any mix of appends and erases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <numeric>
#include <optional>
#include <random>
#include <vector>

#include "imap/uid_list.h"

namespace eider::imap {
namespace {

TEST(UidList, ContiguousThousandUidsAreOneRun) {
  std::vector<uint32_t> uids(1000);
  std::iota(uids.begin(), uids.end(), 1u);
  UidList list(uids);
  list.shrink_to_fit();
  EXPECT_EQ(list.size(), 1000u);
  ASSERT_EQ(list.runs().size(), 1u);
  EXPECT_EQ(list.runs()[0].first, 1u);
  EXPECT_EQ(list.runs()[0].last, 1000u);
  EXPECT_LE(list.runs().capacity(), 1u);
}

TEST(UidList, AppendedContiguousUidsExtendTheLastRun) {
  UidList list;
  for (uint32_t uid = 5; uid <= 1004; ++uid) ASSERT_TRUE(list.append(uid));
  EXPECT_EQ(list.runs().size(), 1u);
  EXPECT_EQ(list.uid_at(1000), 1004u);
}

TEST(UidList, AppendRefusesUidsNotAboveTheMax) {
  UidList list(std::vector<uint32_t>{3, 7});
  EXPECT_FALSE(list.append(7));
  EXPECT_FALSE(list.append(5));
  EXPECT_FALSE(list.append(0));
  EXPECT_EQ(list.size(), 2u);
  EXPECT_TRUE(list.append(8));
  EXPECT_EQ(list.max_uid(), 8u);
}

TEST(UidList, EmptyListAnswersZero) {
  UidList list;
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.max_uid(), 0u);
  EXPECT_EQ(list.uid_at(1), 0u);
  EXPECT_EQ(list.seq_of(1), 0u);
  EXPECT_FALSE(list.erase(1));
  EXPECT_TRUE(list.uids().empty());
  EXPECT_EQ(list.count_between(0, UINT32_MAX), 0u);
}

TEST(UidList, EraseInTheMiddleSplitsARunAndRenumbers) {
  UidList list(std::vector<uint32_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  EXPECT_EQ(list.erase(3), 3u);
  EXPECT_EQ(list.erase(5), 4u);  // seq 5 became 4 after 3 went
  EXPECT_FALSE(list.erase(5));
  EXPECT_EQ(list.runs().size(), 3u);
  EXPECT_EQ(list.uids(), (std::vector<uint32_t>{1, 2, 4, 6, 7, 8, 9, 10}));
  EXPECT_EQ(list.seq_of(6), 4u);
  EXPECT_EQ(list.uid_at(3), 4u);
}

TEST(UidList, UidsBetweenHandlesTheTopOfTheUidSpace) {
  UidList list(std::vector<uint32_t>{1, UINT32_MAX - 1, UINT32_MAX});
  EXPECT_EQ(list.uids_between(2, UINT32_MAX), (std::vector<uint32_t>{UINT32_MAX - 1, UINT32_MAX}));
  EXPECT_EQ(list.count_between(0, UINT32_MAX), 3u);
  EXPECT_EQ(list.seq_of(UINT32_MAX), 3u);
  EXPECT_TRUE(list.uids_between(5, 4).empty());
}

TEST(UidList, ShrinkToFitKeepsLookupsWorking) {
  UidList list(std::vector<uint32_t>{2, 4, 6});
  EXPECT_EQ(list.seq_of(4), 2u);
  list.shrink_to_fit();
  EXPECT_EQ(list.seq_of(6), 3u);
  EXPECT_EQ(list.uid_at(1), 2u);
}

// Checks every lookup of `list` against the sorted vector `model`.
void expect_matches(const UidList& list, const std::vector<uint32_t>& model, uint32_t top) {
  ASSERT_EQ(list.size(), model.size());
  ASSERT_EQ(list.uids(), model);
  ASSERT_EQ(list.max_uid(), model.empty() ? 0 : model.back());
  ASSERT_EQ(list.min_uid(), model.empty() ? 0 : model.front());
  for (uint32_t seq = 0; seq <= model.size() + 1; ++seq) {
    uint32_t want = seq >= 1 && seq <= model.size() ? model[seq - 1] : 0;
    ASSERT_EQ(list.uid_at(seq), want) << "seq " << seq;
  }
  for (uint32_t uid = 0; uid <= top + 1; ++uid) {
    auto it = std::lower_bound(model.begin(), model.end(), uid);
    uint32_t want =
        it != model.end() && *it == uid ? static_cast<uint32_t>(it - model.begin()) + 1 : 0;
    ASSERT_EQ(list.seq_of(uid), want) << "uid " << uid;
  }
  // Runs are maximal: no two touch, so contiguous UIDs never cost extra.
  for (size_t i = 1; i < list.runs().size(); ++i) {
    ASSERT_GT(list.runs()[i].first, list.runs()[i - 1].last + 1);
  }
}

TEST(UidList, InsertJoinsTheRunsOnBothSides) {
  const std::vector<uint32_t> start = {1, 2, 4, 5, 9};
  UidList list(start);
  ASSERT_EQ(list.runs().size(), 3u);
  EXPECT_TRUE(list.insert(3));
  EXPECT_EQ(list.runs().size(), 2u);
  EXPECT_FALSE(list.insert(3));
  EXPECT_TRUE(list.insert(7));
  EXPECT_EQ(list.runs().size(), 3u);
  EXPECT_EQ(list.seq_of(7), 6u);
  EXPECT_EQ(list.seq_of(9), 7u);
  EXPECT_FALSE(list.insert(0));
}

TEST(UidList, RandomOperationsMatchAVectorModel) {
  std::mt19937 rng(20240611);
  for (int round = 0; round < 20; ++round) {
    std::vector<uint32_t> model;
    for (uint32_t uid = 1; uid <= 50; ++uid) {
      if (rng() % 4 != 0) model.push_back(uid);
    }
    uint32_t next = 51;
    UidList list(model);
    for (int step = 0; step < 300; ++step) {
      switch (rng() % 5) {
        case 0: {
          next += rng() % 3;  // sometimes leave a gap
          ASSERT_TRUE(list.append(next));
          model.push_back(next++);
          break;
        }
        case 1: {
          uint32_t uid = rng() % (next + 1);
          auto it = std::lower_bound(model.begin(), model.end(), uid);
          std::optional<uint32_t> seq = list.erase(uid);
          if (it != model.end() && *it == uid) {
            ASSERT_EQ(seq, static_cast<uint32_t>(it - model.begin()) + 1);
            model.erase(it);
          } else {
            ASSERT_FALSE(seq);
          }
          break;
        }
        case 2: {
          uint32_t a = rng() % (next + 2);
          uint32_t b = rng() % (next + 2);
          std::vector<uint32_t> want;
          std::copy_if(model.begin(), model.end(), std::back_inserter(want),
                       [&](uint32_t u) { return u >= a && u <= b; });
          ASSERT_EQ(list.uids_between(a, b), want) << a << ":" << b;
          ASSERT_EQ(list.count_between(a, b), want.size()) << a << ":" << b;
          break;
        }
        case 3:
          if (rng() % 8 == 0) list.shrink_to_fit();
          ASSERT_FALSE(list.append(model.empty() ? 0 : model.back()));
          break;
        case 4: {
          uint32_t uid = rng() % (next + 2);
          auto it = std::lower_bound(model.begin(), model.end(), uid);
          const bool fresh = uid != 0 && (it == model.end() || *it != uid);
          ASSERT_EQ(list.insert(uid), fresh) << uid;
          if (fresh) model.insert(it, uid);
          next = std::max(next, uid + 1);
          break;
        }
      }
      if (step % 25 == 0) expect_matches(list, model, next);
    }
    expect_matches(list, model, next);
  }
}

}  // namespace
}  // namespace eider::imap
