#include "mail/auth_limiter.h"

#include <algorithm>

namespace eider::mail {

uint64_t AuthLimiter::count(const std::string& key, Clock::time_point now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    make_room(now);
    it = entries_.emplace(key, Entry{}).first;
  } else if (now - it->second.last > options_.window) {
    it->second.failures = 0;
  }
  it->second.last = now;
  return ++it->second.failures;
}

void AuthLimiter::make_room(Clock::time_point now) {
  if (entries_.size() < options_.max_entries) return;
  std::erase_if(entries_,
                [&](const auto& item) { return now - item.second.last > options_.window; });
  while (entries_.size() >= options_.max_entries) {
    auto oldest = std::min_element(
        entries_.begin(), entries_.end(),
        [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
    entries_.erase(oldest);
  }
}

std::chrono::milliseconds AuthLimiter::record_failure(std::string_view user, std::string_view ip,
                                                      Clock::time_point now) {
  std::lock_guard lock(mutex_);
  uint64_t failures =
      std::max(count("u:" + std::string(user), now), count("i:" + std::string(ip), now));
  // 2^(n-1) without overflow: past the cap the exponent no longer matters.
  std::chrono::milliseconds delay = options_.base_delay;
  for (uint64_t i = 1; i < failures && delay < options_.max_delay; ++i) delay *= 2;
  return std::min(delay, options_.max_delay);
}

void AuthLimiter::record_success(std::string_view user) {
  std::lock_guard lock(mutex_);
  entries_.erase("u:" + std::string(user));
}

std::size_t AuthLimiter::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace eider::mail
