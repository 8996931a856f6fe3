#include <gtest/gtest.h>

#include "mail/auth_limiter.h"

namespace eider::mail {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Verdict = AuthLimiter::Verdict;

AuthLimiter::Options options(std::size_t max_entries = 100) {
  return {.base_delay = milliseconds(100),
          .max_delay = milliseconds(800),
          .window = seconds(60),
          .max_user_failures = 5,
          .max_ip_failures = 8,
          .max_entries = max_entries};
}

// One wrong guess as a session makes it: asked first, failed if let through.
Verdict guess(AuthLimiter& limiter, std::string_view user, std::string_view ip,
              AuthLimiter::Clock::time_point now) {
  AuthLimiter::Attempt attempt;
  Verdict verdict = limiter.try_login(user, ip, attempt, now);
  if (verdict == Verdict::allowed) attempt.failed(now);
  return verdict;
}

TEST(AuthLimiter, DelayDoublesUpToTheCap) {
  MemoryAuthLimiter limiter(options());
  auto now = AuthLimiter::Clock::now();
  std::vector<milliseconds> delays;
  for (int i = 0; i < 5; ++i) {
    limiter.record_failure("alice", "192.0.2.1", now);
    delays.push_back(limiter.failure_delay("alice", "192.0.2.1", now));
  }
  EXPECT_EQ(delays,
            (std::vector<milliseconds>{milliseconds(100), milliseconds(200), milliseconds(400),
                                       milliseconds(800), milliseconds(800)}));
}

TEST(AuthLimiter, DelayFollowsTheUsersAndTheIpsCounts) {
  MemoryAuthLimiter limiter(options());
  auto now = AuthLimiter::Clock::now();
  limiter.record_failure("alice", "192.0.2.1", now);
  limiter.record_failure("alice", "192.0.2.1", now);
  // Another IP guessing alice's password waits as long as alice's count says.
  limiter.record_failure("alice", "192.0.2.2", now);
  EXPECT_EQ(limiter.failure_delay("alice", "192.0.2.2", now), milliseconds(400));
  // The first IP guessing another user waits as long as that IP's count says.
  limiter.record_failure("bob", "192.0.2.1", now);
  EXPECT_EQ(limiter.failure_delay("bob", "192.0.2.1", now), milliseconds(400));
}

TEST(AuthLimiter, LocksAUserOutAfterItsFailuresFromAnyIp) {
  MemoryAuthLimiter limiter(options());
  auto now = AuthLimiter::Clock::now();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(guess(limiter, "alice", "192.0.2." + std::to_string(i), now), Verdict::allowed);
  }
  // Every IP is refused for alice, a new one too: the password is not checked.
  EXPECT_EQ(guess(limiter, "alice", "192.0.2.1", now), Verdict::user_locked);
  EXPECT_EQ(guess(limiter, "alice", "198.51.100.7", now), Verdict::user_locked);
  // Other users are not locked out from those IPs.
  EXPECT_EQ(guess(limiter, "bob", "192.0.2.1", now), Verdict::allowed);
}

TEST(AuthLimiter, UserNamesAreCountedWhateverTheirCase) {
  MemoryAuthLimiter limiter(options());
  auto now = AuthLimiter::Clock::now();
  for (std::string_view name : {"alice", "Alice", "ALICE", "aLiCe", "alicE"}) {
    EXPECT_EQ(guess(limiter, name, "192.0.2.1", now), Verdict::allowed);
  }
  EXPECT_EQ(guess(limiter, "ALIce", "192.0.2.9", now), Verdict::user_locked);
}

TEST(AuthLimiter, ParallelChecksCountBeforeTheirPasswordsAreChecked) {
  // Forty connections ask at once, before any of them has an answer: only
  // the maximum get through; the rest are told to wait, then refused.
  MemoryAuthLimiter limiter(options());
  auto now = AuthLimiter::Clock::now();
  std::vector<AuthLimiter::Attempt> checks(40);
  int allowed = 0;
  for (int i = 0; i < 40; ++i) {
    Verdict verdict = limiter.try_login("alice", "10.0.0." + std::to_string(i), checks[i], now);
    if (verdict == Verdict::allowed) {
      ++allowed;
    } else {
      EXPECT_EQ(verdict, Verdict::busy);
    }
  }
  EXPECT_EQ(allowed, 5);
  for (AuthLimiter::Attempt& check : checks) check.failed(now);
  AuthLimiter::Attempt late;
  EXPECT_EQ(limiter.try_login("alice", "10.0.0.1", late, now), Verdict::user_locked);
}

TEST(AuthLimiter, ManyParallelLoginsWithTheRightPasswordAllGetThrough) {
  MemoryAuthLimiter limiter(options());
  auto now = AuthLimiter::Clock::now();
  int logged_in = 0;
  for (int round = 0; round < 4; ++round) {
    std::vector<AuthLimiter::Attempt> checks(16);
    for (AuthLimiter::Attempt& check : checks) {
      if (limiter.try_login("alice", "192.0.2.1", check, now) == Verdict::allowed) ++logged_in;
    }
    for (AuthLimiter::Attempt& check : checks) check.succeeded(now);
  }
  EXPECT_EQ(logged_in, 4 * 5);
  AuthLimiter::Attempt next;
  EXPECT_EQ(limiter.try_login("alice", "192.0.2.1", next, now), Verdict::allowed);
}

TEST(AuthLimiter, ACheckEndedWithoutAnOutcomeIsForgotten) {
  MemoryAuthLimiter limiter(options());
  auto now = AuthLimiter::Clock::now();
  for (int i = 0; i < 20; ++i) {
    AuthLimiter::Attempt attempt;
    EXPECT_EQ(limiter.try_login("alice", "192.0.2.1", attempt, now), Verdict::allowed);
  }
  EXPECT_EQ(limiter.size(), 0u);
}

TEST(AuthLimiter, LocksAnIpOutAfterItsFailuresForAnyUsers) {
  MemoryAuthLimiter limiter(options());
  auto now = AuthLimiter::Clock::now();
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(guess(limiter, "user" + std::to_string(i), "192.0.2.1", now), Verdict::allowed);
  }
  EXPECT_EQ(guess(limiter, "someone", "192.0.2.1", now), Verdict::ip_locked);
  EXPECT_EQ(guess(limiter, "someone", "192.0.2.2", now), Verdict::allowed);
}

TEST(AuthLimiter, LockoutEndsAWindowAfterTheLastFailureNotTheLastRefusal) {
  MemoryAuthLimiter limiter(options());
  auto now = AuthLimiter::Clock::now();
  for (int i = 0; i < 5; ++i) guess(limiter, "alice", "192.0.2.1", now + seconds(i));
  // Refused attempts go on all through the window; they do not extend it.
  for (int i = 5; i < 64; ++i) {
    EXPECT_EQ(guess(limiter, "alice", "192.0.2.1", now + seconds(i)), Verdict::user_locked);
  }
  EXPECT_EQ(guess(limiter, "alice", "192.0.2.1", now + seconds(65)), Verdict::allowed);
}

TEST(AuthLimiter, NoMoreThanTheMaximumInAnyWindow) {
  // A guesser pacing itself just under the window gets at most the maximum
  // per window: the run of failures does not end while they keep coming.
  MemoryAuthLimiter limiter(options());
  auto now = AuthLimiter::Clock::now();
  std::vector<AuthLimiter::Clock::time_point> checked;
  for (int s = 0; s < 600; ++s) {
    auto at = now + seconds(s);
    if (guess(limiter, "alice", "192.0.2.1", at) == Verdict::allowed) checked.push_back(at);
  }
  for (std::size_t i = 0; i < checked.size(); ++i) {
    std::size_t in_window = 0;
    for (std::size_t j = i; j < checked.size() && checked[j] - checked[i] <= seconds(60); ++j) {
      ++in_window;
    }
    EXPECT_LE(in_window, 5u);
  }
  EXPECT_GE(checked.size(), 5u);
}

TEST(AuthLimiter, SuccessClearsOnlyThatUsersFailuresFromThatIp) {
  MemoryAuthLimiter limiter(options());
  auto now = AuthLimiter::Clock::now();
  guess(limiter, "alice", "192.0.2.1", now);  // a typing mistake
  guess(limiter, "bob", "192.0.2.1", now);    // the same IP guessing at bob
  guess(limiter, "alice", "203.0.113.9", now);
  guess(limiter, "alice", "203.0.113.9", now);
  guess(limiter, "alice", "203.0.113.9", now);
  // alice logs in from 192.0.2.1: only its failure there is forgiven.
  AuthLimiter::Attempt login;
  EXPECT_EQ(limiter.try_login("alice", "192.0.2.1", login, now), Verdict::allowed);
  login.succeeded(now);
  // The other IP's three failures for alice still count: two more, then locked.
  EXPECT_EQ(guess(limiter, "alice", "203.0.113.9", now), Verdict::allowed);
  EXPECT_EQ(guess(limiter, "alice", "203.0.113.9", now), Verdict::allowed);
  EXPECT_EQ(guess(limiter, "alice", "203.0.113.9", now), Verdict::user_locked);
  // And 192.0.2.1's failure for bob still counts against that IP: its
  // count is 1 (bob), so 7 more failures lock it out.
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(guess(limiter, "x" + std::to_string(i), "192.0.2.1", now), Verdict::allowed);
  }
  EXPECT_EQ(guess(limiter, "y", "192.0.2.1", now), Verdict::ip_locked);
}

TEST(AuthLimiter, ForgetsAfterTheWindow) {
  MemoryAuthLimiter limiter(options());
  auto now = AuthLimiter::Clock::now();
  limiter.record_failure("alice", "192.0.2.1", now);
  limiter.record_failure("alice", "192.0.2.1", now);
  limiter.record_failure("alice", "192.0.2.1", now + seconds(61));
  EXPECT_EQ(limiter.failure_delay("alice", "192.0.2.1", now + seconds(61)), milliseconds(100));
}

TEST(AuthLimiter, MemoryIsBounded) {
  MemoryAuthLimiter limiter(options(16));
  auto now = AuthLimiter::Clock::now();
  for (int i = 0; i < 1000; ++i) {
    limiter.record_failure("user" + std::to_string(i), "192.0.2." + std::to_string(i % 250),
                           now + milliseconds(i));
    EXPECT_LE(limiter.size(), 16u);
  }
}

TEST(AuthLimiter, AFloodOfNamesDoesNotEvictALockout) {
  AuthLimiter::Options opts = options(64);
  opts.max_ip_failures = 0;
  MemoryAuthLimiter limiter(opts);
  auto now = AuthLimiter::Clock::now();
  for (int i = 0; i < 5; ++i) guess(limiter, "alice", "192.0.2.1", now);
  for (int i = 0; i < 5000; ++i) {
    guess(limiter, "made-up-" + std::to_string(i), "10.1." + std::to_string(i % 200) + ".1",
          now + milliseconds(i));
  }
  EXPECT_LE(limiter.size(), 64u);
  EXPECT_EQ(guess(limiter, "alice", "192.0.2.1", now + seconds(6)), Verdict::user_locked);
}

TEST(AuthLimiter, LongNamesAreCountedWithoutBeingKept) {
  MemoryAuthLimiter limiter(options());
  auto now = AuthLimiter::Clock::now();
  const std::string huge(1 << 20, 'a');
  for (int i = 0; i < 5; ++i) guess(limiter, huge, "192.0.2.1", now);
  EXPECT_EQ(guess(limiter, huge, "192.0.2.2", now), Verdict::user_locked);
  // A name differing only past the kept prefix is another name.
  EXPECT_EQ(guess(limiter, huge + "b", "192.0.2.2", now), Verdict::allowed);
}

TEST(AuthLimiter, ZeroMaximumsMeanNoLockout) {
  AuthLimiter::Options opts = options();
  opts.max_user_failures = 0;
  opts.max_ip_failures = 0;
  MemoryAuthLimiter limiter(opts);
  auto now = AuthLimiter::Clock::now();
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(guess(limiter, "alice", "192.0.2.1", now), Verdict::allowed);
}

}  // namespace
}  // namespace eider::mail
