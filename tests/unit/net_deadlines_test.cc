#include <gtest/gtest.h>

#include "net/deadlines.h"

namespace eider::net {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = Deadlines::Clock;

Deadlines::Options options() {
  return {.login = seconds(10), .request = seconds(3), .min_data_rate = 500};
}

TEST(Deadlines, NothingRunningMeansNoDeadline) {
  Deadlines deadlines({});
  auto now = Clock::now();
  deadlines.start_login(now);
  deadlines.begin_request();
  EXPECT_EQ(deadlines.next(now), Clock::time_point::max());
}

TEST(Deadlines, LoginDeadlineDoesNotMoveWithReadsAndEndsAtLogin) {
  Deadlines deadlines(options());
  auto now = Clock::now();
  deadlines.start_login(now);
  for (int i = 1; i < 9; ++i) deadlines.after_read(now + seconds(i - 1), now + seconds(i), 100);
  EXPECT_EQ(deadlines.next(now + seconds(9)), now + seconds(10));
  EXPECT_EQ(deadlines.expired(now + seconds(10)), Deadlines::Expired::login);
  deadlines.logged_in();
  EXPECT_EQ(deadlines.next(now + seconds(11)), Clock::time_point::max());
}

TEST(Deadlines, ARequestTricklingAByteASecondRunsOut) {
  Deadlines deadlines(options());
  auto now = Clock::now();
  deadlines.begin_request();
  EXPECT_EQ(deadlines.next(now), now + seconds(3));
  int reads = 0;
  // Each byte earns 2 ms and its wait costs a second.
  while (deadlines.next(now) > now + seconds(1)) {
    deadlines.after_read(now, now + seconds(1), 1);
    now += seconds(1);
    ++reads;
  }
  // 3 s, 2.002 s, 1.004 s, then 6 ms left.
  EXPECT_EQ(reads, 3);
  EXPECT_LT(deadlines.next(now), now + milliseconds(10));
  EXPECT_EQ(deadlines.expired(deadlines.next(now)), Deadlines::Expired::request);
}

TEST(Deadlines, ARequestKeepingToTheRateNeverRunsOut) {
  Deadlines deadlines(options());
  auto now = Clock::now();
  deadlines.begin_request();
  for (int i = 0; i < 1000; ++i) {
    deadlines.after_read(now, now + seconds(1), 600);
    now += seconds(1);
  }
  EXPECT_EQ(deadlines.next(now), now + seconds(3));
}

TEST(Deadlines, TheBudgetNeverGrowsPastTheTimeout) {
  Deadlines deadlines(options());
  auto now = Clock::now();
  deadlines.begin_request();
  deadlines.after_read(now, now + milliseconds(1), 1 << 20);
  EXPECT_EQ(deadlines.next(now), now + seconds(3));
}

TEST(Deadlines, TheServersTimeBetweenReadsIsNotCharged) {
  Deadlines deadlines(options());
  auto now = Clock::now();
  deadlines.begin_request();
  deadlines.after_read(now, now + seconds(2), 0);
  // A minute of storing later, the client still has its one second.
  EXPECT_EQ(deadlines.next(now + seconds(62)), now + seconds(63));
}

TEST(Deadlines, EachRequestStartsWithAFullBudget) {
  Deadlines deadlines(options());
  auto now = Clock::now();
  deadlines.begin_request();
  deadlines.after_read(now, now + milliseconds(2500), 1);
  deadlines.begin_request();  // still the same request
  EXPECT_LT(deadlines.next(now), now + seconds(1));
  deadlines.end_request();
  EXPECT_EQ(deadlines.next(now), Clock::time_point::max());
  deadlines.begin_request();
  EXPECT_EQ(deadlines.next(now), now + seconds(3));
}

TEST(Deadlines, TheEarlierDeadlineWins) {
  Deadlines deadlines(options());
  auto now = Clock::now();
  deadlines.start_login(now);
  deadlines.after_read(now, now + milliseconds(8500), 10);
  deadlines.begin_request();
  EXPECT_EQ(deadlines.next(now + milliseconds(8500)), now + seconds(10));
  EXPECT_EQ(deadlines.expired(now + seconds(10)), Deadlines::Expired::login);
}

TEST(Deadlines, OptionsComeFromTheLimits) {
  core::Limits limits;
  Deadlines::Options defaults = Deadlines::options(limits);
  EXPECT_EQ(defaults.login, seconds(180));
  EXPECT_EQ(defaults.request, seconds(300));
  EXPECT_EQ(defaults.min_data_rate, 500u);
  limits.login_timeout = UINT64_MAX;
  Deadlines huge(Deadlines::options(limits));
  auto now = Clock::now();
  huge.start_login(now);
  EXPECT_GT(huge.next(now), now + std::chrono::hours(24 * 365));
}

}  // namespace
}  // namespace eider::net
