// Slows down password guessing, for every protocol that logs users in.
//
// Each failed login is counted twice: against the user name and against the
// client's IP address. The answer to a failure is delayed by
// base_delay * 2^(n-1), capped at max_delay, where n is the larger of the
// two counts of failures within `window`; a success clears the user's count
// (not the IP's: one good password must not unlock guessing at others).
// A session sleeps that long before it answers, so guesses per connection
// and per user are rate limited whatever the number of connections.
//
// Memory is bounded: at most max_entries keys are remembered; when full,
// entries past their window are dropped first, then the oldest. Thread-safe:
// sessions on every I/O thread share one limiter.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace eider::mail {

class AuthLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    std::chrono::milliseconds base_delay{1000};
    std::chrono::milliseconds max_delay{8000};
    std::chrono::seconds window{300};
    std::size_t max_entries = 10000;
  };

  explicit AuthLimiter(const Options& options) : options_(options) {}

  // Counts a failure; returns how long to wait before answering it.
  std::chrono::milliseconds record_failure(std::string_view user, std::string_view ip,
                                           Clock::time_point now = Clock::now());

  void record_success(std::string_view user);

  // Keys currently remembered, for tests.
  std::size_t size() const;

 private:
  struct Entry {
    uint64_t failures = 0;
    Clock::time_point last;
  };

  uint64_t count(const std::string& key, Clock::time_point now);
  void make_room(Clock::time_point now);

  Options options_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;  // "u:<user>" and "i:<ip>"
};

}  // namespace eider::mail
