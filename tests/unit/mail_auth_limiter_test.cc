#include <gtest/gtest.h>

#include "mail/auth_limiter.h"

namespace eider::mail {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

AuthLimiter::Options options(std::size_t max_entries = 100) {
  return {.base_delay = milliseconds(100),
          .max_delay = milliseconds(800),
          .window = seconds(60),
          .max_entries = max_entries};
}

TEST(AuthLimiter, DelayDoublesUpToTheCap) {
  AuthLimiter limiter(options());
  auto now = AuthLimiter::Clock::now();
  EXPECT_EQ(limiter.record_failure("alice", "192.0.2.1", now), milliseconds(100));
  EXPECT_EQ(limiter.record_failure("alice", "192.0.2.1", now), milliseconds(200));
  EXPECT_EQ(limiter.record_failure("alice", "192.0.2.1", now), milliseconds(400));
  EXPECT_EQ(limiter.record_failure("alice", "192.0.2.1", now), milliseconds(800));
  EXPECT_EQ(limiter.record_failure("alice", "192.0.2.1", now), milliseconds(800));
}

TEST(AuthLimiter, CountsPerUserAndPerIp) {
  AuthLimiter limiter(options());
  auto now = AuthLimiter::Clock::now();
  limiter.record_failure("alice", "192.0.2.1", now);
  limiter.record_failure("alice", "192.0.2.1", now);
  // Another IP guessing alice's password waits as long as alice's count says.
  EXPECT_EQ(limiter.record_failure("alice", "192.0.2.2", now), milliseconds(400));
  // The first IP guessing another user waits as long as that IP's count says.
  EXPECT_EQ(limiter.record_failure("bob", "192.0.2.1", now), milliseconds(400));
  // A success clears the user's count, not the IP's.
  limiter.record_success("alice");
  EXPECT_EQ(limiter.record_failure("alice", "192.0.2.3", now), milliseconds(100));
  EXPECT_EQ(limiter.record_failure("carol", "192.0.2.1", now), milliseconds(800));
}

TEST(AuthLimiter, ForgetsAfterTheWindow) {
  AuthLimiter limiter(options());
  auto now = AuthLimiter::Clock::now();
  limiter.record_failure("alice", "192.0.2.1", now);
  limiter.record_failure("alice", "192.0.2.1", now);
  EXPECT_EQ(limiter.record_failure("alice", "192.0.2.1", now + seconds(61)), milliseconds(100));
}

TEST(AuthLimiter, MemoryIsBounded) {
  AuthLimiter limiter(options(4));
  auto now = AuthLimiter::Clock::now();
  for (int i = 0; i < 100; ++i) {
    limiter.record_failure("user" + std::to_string(i), "192.0.2.1", now + milliseconds(i));
    EXPECT_LE(limiter.size(), 4u);
  }
}

}  // namespace
}  // namespace eider::mail
