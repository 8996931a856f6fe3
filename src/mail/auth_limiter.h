// Limits password guessing, for every protocol that logs users in, however
// many connections the guesser opens.
//
// Each failed login is counted three times: against the user name (from any
// IP), against the client's IP address (for any user: password spraying),
// and against the pair. A count covers a run of failures each within
// `window` of the one before; a quiet window ends the run.
//
// - Lockout: once a user has max_user_failures in its run, or an IP
//   max_ip_failures, check() refuses that user's (or IP's) logins without
//   looking at the password, a right one included (otherwise the guessing
//   would go on), until `window` has passed since the last failure.
//   Refused attempts are not failures: they neither extend the lockout nor
//   count. So no user and no IP gets more than its maximum of guesses
//   checked in any `window`. The price: while a user is locked out, the
//   user cannot log in either; that lasts `window` after the guessing stops.
// - Delay: the answer to a failure waits base_delay * 2^(n-1), capped at
//   max_delay, n the larger of the user's and the IP's counts, so guesses
//   on one connection are slow too.
// - A success clears only what it proves: that user's failures from that
//   IP (typing mistakes), which are also taken off the user's and the IP's
//   counts; failures of the same user from other IPs stay counted.
//
// User names are counted case-insensitively, as the store matches them.
// Thread-safe: sessions on every I/O thread share one limiter.
//
// Two implementations, chosen at serve start: MemoryAuthLimiter counts in
// the node's memory; RedisAuthLimiter (mail/redis_limits.h) counts in Redis,
// so the limits hold across every node of a cluster. The latter blocks
// (blocks() is true): callers then run try_login and failure_delay on a store
// thread (mail/login.h does).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace eider::mail {

class AuthLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    std::chrono::milliseconds base_delay{1000};
    std::chrono::milliseconds max_delay{8000};
    std::chrono::seconds window{300};
    uint64_t max_user_failures = 10;  // 0 = no lockout per user
    uint64_t max_ip_failures = 50;    // 0 = no lockout per IP
    std::size_t max_entries = 30000;
  };

  // busy: the user or IP has so many password checks under way that they
  // could reach its maximum; ask again once some have ended.
  enum class Verdict { allowed, busy, user_locked, ip_locked };

  // A password check let through by try_login, until its outcome is known.
  // Dropped without one (a store failure, a session gone), it is forgotten.
  class Attempt {
   public:
    Attempt() = default;
    Attempt(Attempt&& other) noexcept { *this = std::move(other); }
    Attempt& operator=(Attempt&& other) noexcept;
    ~Attempt() { end(); }

    // Counts the failure (the user's, the IP's and the pair's).
    void failed(Clock::time_point now = Clock::now());
    // Forgives that user's failures from that IP, and only those.
    void succeeded(Clock::time_point now = Clock::now());

   private:
    friend class AuthLimiter;
    void end();

    AuthLimiter* limiter_ = nullptr;
    std::string user_;
    std::string ip_;
  };

  virtual ~AuthLimiter() = default;

  // Before the password is checked: refuses a user or IP that is locked
  // out. Checks under way count as failures until they end, so however
  // many connections ask at once, no more are let through than could fail
  // before the maximum; the rest are told busy (and wait) rather than
  // refused, so that a client logging in on many connections at once is
  // not locked out. When allowed, `attempt` stands for the check.
  virtual Verdict try_login(std::string_view user, std::string_view ip, Attempt& attempt,
                            Clock::time_point now = Clock::now()) = 0;

  // Counts a failure that no try_login announced (a malformed exchange).
  // Never waits (nor do Attempt's outcomes): a limiter that blocks sends it
  // off in the background.
  virtual void record_failure(std::string_view user, std::string_view ip,
                              Clock::time_point now = Clock::now()) = 0;

  // How long to wait before answering a failure: base_delay doubled for
  // each earlier failure of the user or the IP in their runs, up to max_delay.
  virtual std::chrono::milliseconds failure_delay(std::string_view user, std::string_view ip,
                                                  Clock::time_point now = Clock::now()) const = 0;

  // Whether try_login and failure_delay may wait on the network.
  virtual bool blocks() const { return false; }

 protected:
  enum class Outcome { dropped, failed, succeeded };
  // Ends a check that try_login let through.
  virtual void finish(const std::string& user, const std::string& ip, Outcome outcome,
                      Clock::time_point now) = 0;
  // failure_delay's answer for the larger of the user's and IP's counts.
  static std::chrono::milliseconds delay_after(const Options& options, uint64_t failures);
  // Makes `attempt` stand for a check let through for user and ip.
  void admit(Attempt& attempt, std::string_view user, std::string_view ip);
};

// The limiter of one node, in memory. Memory is bounded: at most
// max_entries keys, a long user name is kept as a bounded key. When full,
// expired entries go first, then those not locked out, oldest first; so a
// flood of made-up names cannot evict a lockout.
class MemoryAuthLimiter final : public AuthLimiter {
 public:
  explicit MemoryAuthLimiter(const Options& options) : options_(options) {}

  Verdict try_login(std::string_view user, std::string_view ip, Attempt& attempt,
                    Clock::time_point now = Clock::now()) override;
  void record_failure(std::string_view user, std::string_view ip,
                      Clock::time_point now = Clock::now()) override;
  std::chrono::milliseconds failure_delay(std::string_view user, std::string_view ip,
                                          Clock::time_point now = Clock::now()) const override;

  // Keys currently remembered, for tests.
  std::size_t size() const;

 protected:
  void finish(const std::string& user, const std::string& ip, Outcome outcome,
              Clock::time_point now) override;

 private:
  struct Entry {
    uint64_t failures = 0;
    uint64_t pending = 0;  // checks under way (Attempt)
    Clock::time_point last;
  };

  void end_attempt(const std::string& user, const std::string& ip);
  void forgive(std::string_view user, std::string_view ip, Clock::time_point now);
  Entry& entry(const std::string& key, Clock::time_point now);

  // The failures of `key`'s current run (0 once the run is over).
  uint64_t current(const std::string& key, Clock::time_point now) const;
  void count(const std::string& key, Clock::time_point now);
  // Whether the failures and the checks under way reach the key's maximum.
  bool full(const std::string& key, Clock::time_point now) const;
  void take_off(const std::string& key, uint64_t failures, Clock::time_point now);
  bool locked(const std::string& key, const Entry& entry, Clock::time_point now) const;
  void make_room(Clock::time_point now);

  Options options_;
  mutable std::mutex mutex_;
  // "u:<user>", "i:<ip>" and "p:<ip>\n<user>"; ordered, not hashed: the
  // keys are the client's choice.
  std::map<std::string, Entry> entries_;
};

// The keys both limiters count under: "u:<user>" (lower-cased, a long name
// bounded), "i:<ip>" and "p:<ip>\n<user>".
std::string auth_user_key(std::string_view user);
std::string auth_ip_key(std::string_view ip);
std::string auth_pair_key(std::string_view user, std::string_view ip);

}  // namespace eider::mail
