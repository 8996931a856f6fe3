// Deadlines that a client's bytes do not push back. The idle timeout starts
// again with every read, so a client sending one byte now and then would
// hold a session (and its memory) for ever; these two clocks do not:
//
// - the login deadline: fixed when the connection opens, cleared at login
//   (IMAP and POP3; Dovecot's login processes allow 3 minutes);
// - the request budget: for one request, a command line with its literals
//   or one message (LMTP DATA, a BDAT chunk), from its first byte to its
//   last. As Postfix's smtpd_per_request_deadline with smtpd_min_data_rate,
//   the budget starts at the request timeout; the time each read waits is
//   taken from it and every byte read gives back 1/min-data-rate seconds,
//   never above the timeout. A request slower than min-data-rate bytes a
//   second on average runs out, however steadily its bytes trickle in; one
//   that arrives in a packet or two never notices. Time the server spends
//   between reads (writing, storing) is not the client's and is not taken.
//
// The session says when a request begins and ends; InputBuffer::read_more
// asks before each read when it must end and tells what it brought.
// Single-threaded: one per session.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "core/limits.h"

namespace eider::net {

class Deadlines {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    std::chrono::seconds login{0};    // 0 = no login deadline
    std::chrono::seconds request{0};  // 0 = no request deadline
    uint64_t min_data_rate = 0;       // bytes/s a request earns back; 0 = none
  };

  enum class Expired { login, request };

  explicit Deadlines(const Options& options) : options_(options) {}
  // From the login-timeout, command-timeout and min-data-rate keys.
  static Options options(const core::Limits& limits);

  // The connection opened: the login deadline starts (when there is one).
  void start_login(Clock::time_point now);
  void logged_in() { login_ = Clock::time_point::max(); }

  // The first bytes of a request arrived (a no-op while one runs).
  void begin_request();
  void end_request() { in_request_ = false; }
  bool in_request() const { return in_request_; }

  // When the next read must end: the earlier deadline, or time_point::max().
  Clock::time_point next(Clock::time_point now) const;
  // A read that started at `started` ended at `now` with `bytes` bytes.
  void after_read(Clock::time_point started, Clock::time_point now, std::size_t bytes);
  // Which deadline ended a read (Read::Ended::deadline) at `now`.
  Expired expired(Clock::time_point now) const;

 private:
  Options options_;
  Clock::time_point login_ = Clock::time_point::max();
  bool in_request_ = false;
  Clock::duration budget_{0};
};

}  // namespace eider::net
