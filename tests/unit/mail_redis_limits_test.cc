#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "mail/redis_limits.h"
#include "support/redis_server.h"

namespace eider::mail {
namespace {

using namespace std::chrono_literals;
using Verdict = AuthLimiter::Verdict;

AuthLimiter::Options options() {
  return {.base_delay = 1000ms,
          .max_delay = 8000ms,
          .window = 300s,
          .max_user_failures = 3,
          .max_ip_failures = 5};
}

class RedisLimits : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(redis_.running()); }
  notify::RedisAddress address() { return *notify::parse_redis_url(redis_.url()); }

  test::RedisServer redis_;
};

// A wrong password on `limiter`.
Verdict guess(AuthLimiter& limiter, std::string_view user, std::string_view ip) {
  AuthLimiter::Attempt attempt;
  Verdict verdict = limiter.try_login(user, ip, attempt);
  if (verdict == Verdict::allowed) attempt.failed();
  return verdict;
}

TEST_F(RedisLimits, LoginFailuresOnOneNodeLockTheUserOutOnTheOther) {
  notify::RedisWorker worker_a(address(), 1s), worker_b(address(), 1s);
  RedisAuthLimiter a(options(), worker_a), b(options(), worker_b);
  EXPECT_EQ(guess(a, "Alice", "10.0.0.1"), Verdict::allowed);
  EXPECT_EQ(guess(b, "alice", "10.0.0.2"), Verdict::allowed);
  // Failures are sent off in the background; a node's next call that
  // answers waits for its own (here, b's for the other node to see it).
  (void)b.failure_delay("alice", "10.0.0.2");
  EXPECT_EQ(a.failure_delay("alice", "10.0.0.9"), 2000ms);  // the user's two failures
  EXPECT_EQ(guess(a, "alice", "10.0.0.3"), Verdict::allowed);
  EXPECT_EQ(a.failure_delay("alice", "10.0.0.9"), 4000ms);
  AuthLimiter::Attempt attempt;
  EXPECT_EQ(b.try_login("ALICE", "10.0.0.4", attempt), Verdict::user_locked);
  EXPECT_EQ(b.try_login("bob", "10.0.0.4", attempt), Verdict::allowed);
}

TEST_F(RedisLimits, AnIpGuessingManyUsersIsLockedOutOnEveryNode) {
  notify::RedisWorker worker_a(address(), 1s), worker_b(address(), 1s);
  RedisAuthLimiter a(options(), worker_a), b(options(), worker_b);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(guess(i % 2 ? a : b, "user" + std::to_string(i), "192.0.2.7"), Verdict::allowed);
  }
  a.failure_delay("x", "y");  // waits for a's failures to be counted
  b.failure_delay("x", "y");
  AuthLimiter::Attempt attempt;
  EXPECT_EQ(a.try_login("someone", "192.0.2.7", attempt), Verdict::ip_locked);
  EXPECT_EQ(b.try_login("someone", "192.0.2.7", attempt), Verdict::ip_locked);
}

TEST_F(RedisLimits, ChecksUnderWayOnOtherNodesCountAndASuccessForgivesItsOwnFailures) {
  notify::RedisWorker worker_a(address(), 1s), worker_b(address(), 1s);
  RedisAuthLimiter a(options(), worker_a), b(options(), worker_b);
  EXPECT_EQ(guess(a, "carol", "10.1.1.1"), Verdict::allowed);  // a typo
  AuthLimiter::Attempt first, second, third;
  EXPECT_EQ(a.try_login("carol", "10.1.1.1", first), Verdict::allowed);
  EXPECT_EQ(b.try_login("carol", "10.1.1.2", second), Verdict::allowed);
  // One failure and two checks under way reach the maximum of three.
  EXPECT_EQ(b.try_login("carol", "10.1.1.3", third), Verdict::busy);
  second = AuthLimiter::Attempt();  // dropped: forgotten
  first.succeeded();
  EXPECT_EQ(a.failure_delay("carol", "10.1.1.5"), 1000ms);  // the typo is forgiven
  EXPECT_EQ(b.try_login("carol", "10.1.1.3", third), Verdict::allowed);
}

TEST_F(RedisLimits, WithoutRedisEachNodeLimitsAlone) {
  notify::RedisWorker worker(address(), 200ms, 50ms);
  RedisAuthLimiter a(options(), worker);
  redis_.kill();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(guess(a, "dave", "10.2.0.1"), Verdict::allowed);
  AuthLimiter::Attempt attempt;
  EXPECT_EQ(a.try_login("dave", "10.2.0.1", attempt), Verdict::user_locked);
  EXPECT_EQ(a.failure_delay("dave", "10.2.0.1"), 4000ms);
}

TEST_F(RedisLimits, SessionsOfAUserAreCountedOverEveryNode) {
  notify::RedisWorker worker_a(address(), 1s), worker_b(address(), 1s);
  RedisUserConnections a(3, worker_a), b(3, worker_b);
  std::vector<UserConnections::Slot> slots;
  slots.push_back(a.acquire(1));
  slots.push_back(b.acquire(1));
  slots.push_back(a.acquire(1));
  for (const auto& slot : slots) EXPECT_TRUE(slot.held());
  EXPECT_FALSE(b.acquire(1).held());
  EXPECT_FALSE(a.acquire(1).held());
  EXPECT_TRUE(b.acquire(2).held());
  slots.erase(slots.begin());  // one of a's sessions ends
  // a gives its place back in the background: b sees it soon after.
  bool got = false;
  for (int i = 0; i < 200 && !got; ++i) {
    got = b.acquire(1).held();
    if (!got) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(got);
}

TEST_F(RedisLimits, ANodeWhoseKeyExpiredStopsCounting) {
  notify::RedisWorker worker_a(address(), 1s), worker_b(address(), 1s);
  RedisUserConnections a(2, worker_a), b(2, worker_b);
  UserConnections::Slot one = a.acquire(5), two = a.acquire(5);
  EXPECT_FALSE(b.acquire(5).held());
  // What the key's expiry does 30 s after a node dies (after a's first
  // refresh, which runs once its worker is idle, so it cannot write the
  // key again before the next one, 10 s later).
  std::this_thread::sleep_for(200ms);
  Result<notify::RedisConnection> admin = notify::RedisConnection::connect(address(), 1s);
  ASSERT_TRUE(admin.is_ok());
  ASSERT_TRUE(admin->command({"DEL", "eider:node:" + a.node()}).is_ok());
  EXPECT_TRUE(b.acquire(5).held());
}

TEST_F(RedisLimits, ARestartedRedisLearnsTheCountsAgain) {
  notify::RedisWorker worker_a(address(), 1s, 50ms), worker_b(address(), 1s, 50ms);
  RedisUserConnections a(1, worker_a), b(1, worker_b);
  UserConnections::Slot held = a.acquire(8);
  ASSERT_TRUE(held.held());
  redis_.kill();
  ASSERT_TRUE(redis_.start());
  // b's acquire finds Redis empty; a's session is back in it at a's next
  // refresh (every 10 s), or at once here: the test waits for it.
  bool refused = false;
  for (int i = 0; i < 150 && !refused; ++i) {
    UserConnections::Slot slot = b.acquire(8);
    refused = !slot.held();
    if (!refused) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(refused);
}

}  // namespace
}  // namespace eider::mail
