#include "net/deadlines.h"

#include <algorithm>

namespace eider::net {

Deadlines::Options Deadlines::options(const core::Limits& limits) {
  // Seconds beyond a century are as good as none and cannot overflow a time_point.
  constexpr uint64_t kCentury = 100ull * 365 * 86400;
  return Options{.login = std::chrono::seconds(std::min(limits.login_timeout, kCentury)),
                 .request = std::chrono::seconds(std::min(limits.command_timeout, kCentury)),
                 .min_data_rate = limits.min_data_rate};
}

void Deadlines::start_login(Clock::time_point now) {
  login_ = options_.login.count() > 0 ? now + options_.login : Clock::time_point::max();
}

void Deadlines::begin_request() {
  if (in_request_ || options_.request.count() == 0) return;
  in_request_ = true;
  budget_ = options_.request;
}

Deadlines::Clock::time_point Deadlines::next(Clock::time_point now) const {
  if (!in_request_) return login_;
  return std::min(login_, now + std::max(budget_, Clock::duration::zero()));
}

void Deadlines::after_read(Clock::time_point started, Clock::time_point now, std::size_t bytes) {
  if (!in_request_) return;
  budget_ -= now - started;
  if (options_.min_data_rate == 0 || bytes == 0) return;
  const Clock::duration cap = options_.request;
  // bytes / rate seconds, in clock ticks; a read returns at most a buffer's
  // worth, so the product stays far from overflow.
  const auto rate = static_cast<int64_t>(std::min<uint64_t>(options_.min_data_rate, 1ull << 40));
  const auto earned = std::chrono::duration_cast<Clock::duration>(
      std::chrono::nanoseconds(static_cast<int64_t>(bytes) * 1'000'000'000 / rate));
  budget_ = std::min(cap, budget_ + std::min(earned, cap));
}

Deadlines::Expired Deadlines::expired(Clock::time_point now) const {
  return now >= login_ ? Expired::login : Expired::request;
}

}  // namespace eider::net
