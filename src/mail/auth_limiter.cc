#include "mail/auth_limiter.h"

#include <algorithm>
#include <functional>
#include <utility>
#include <vector>

#include "core/ascii.h"

namespace eider::mail {
namespace {

// User names longer than this are kept as their start and a hash: no real
// user has one, and a client cannot make the limiter hold its megabyte.
constexpr std::size_t kMaxNameKey = 256;

std::string user_key(std::string_view user) {
  std::string key = "u:" + core::ascii_lowercase(user.substr(0, kMaxNameKey));
  if (user.size() > kMaxNameKey) key += "#" + std::to_string(std::hash<std::string_view>()(user));
  return key;
}

std::string ip_key(std::string_view ip) {
  return "i:" + std::string(ip.substr(0, kMaxNameKey));
}

std::string pair_key(std::string_view user, std::string_view ip) {
  return "p:" + std::string(ip.substr(0, kMaxNameKey)) + "\n" + user_key(user).substr(2);
}

}  // namespace

std::string auth_user_key(std::string_view user) {
  return user_key(user);
}
std::string auth_ip_key(std::string_view ip) {
  return ip_key(ip);
}
std::string auth_pair_key(std::string_view user, std::string_view ip) {
  return pair_key(user, ip);
}

AuthLimiter::Attempt& AuthLimiter::Attempt::operator=(Attempt&& other) noexcept {
  if (this != &other) {
    end();
    limiter_ = std::exchange(other.limiter_, nullptr);
    user_ = std::move(other.user_);
    ip_ = std::move(other.ip_);
  }
  return *this;
}

void AuthLimiter::Attempt::end() {
  if (limiter_ == nullptr) return;
  std::exchange(limiter_, nullptr)->finish(user_, ip_, Outcome::dropped, Clock::now());
}

void AuthLimiter::Attempt::failed(Clock::time_point now) {
  if (limiter_ == nullptr) return;
  std::exchange(limiter_, nullptr)->finish(user_, ip_, Outcome::failed, now);
}

void AuthLimiter::Attempt::succeeded(Clock::time_point now) {
  if (limiter_ == nullptr) return;
  std::exchange(limiter_, nullptr)->finish(user_, ip_, Outcome::succeeded, now);
}

std::chrono::milliseconds AuthLimiter::delay_after(const Options& options, uint64_t failures) {
  // 2^(n-1) without overflow: past the cap the exponent no longer matters.
  std::chrono::milliseconds delay = options.base_delay;
  for (uint64_t i = 1; i < failures && delay < options.max_delay; ++i) delay *= 2;
  return std::min(delay, options.max_delay);
}

void AuthLimiter::admit(Attempt& attempt, std::string_view user, std::string_view ip) {
  attempt.limiter_ = this;
  attempt.user_ = std::string(user);
  attempt.ip_ = std::string(ip);
}

// The check ends and its failure counts under one lock: no try_login in
// between may see the check gone and its failure not yet there.
void MemoryAuthLimiter::finish(const std::string& user, const std::string& ip, Outcome outcome,
                               Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const std::string user_k = user_key(user);
  const std::string ip_k = ip_key(ip);
  end_attempt(user_k, ip_k);
  if (outcome == Outcome::failed) {
    count(user_k, now);
    count(ip_k, now);
    count(pair_key(user, ip), now);
  } else if (outcome == Outcome::succeeded) {
    forgive(user, ip, now);
  }
}

bool MemoryAuthLimiter::locked(const std::string& key, const Entry& entry,
                               Clock::time_point now) const {
  if (now - entry.last > options_.window) return false;
  uint64_t max = 0;
  if (key.starts_with("u:")) max = options_.max_user_failures;
  if (key.starts_with("i:")) max = options_.max_ip_failures;
  return max > 0 && entry.failures >= max;
}

bool MemoryAuthLimiter::full(const std::string& key, Clock::time_point now) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  uint64_t max = key.starts_with("u:") ? options_.max_user_failures : options_.max_ip_failures;
  return max > 0 && current(key, now) + it->second.pending >= max;
}

uint64_t MemoryAuthLimiter::current(const std::string& key, Clock::time_point now) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || now - it->second.last > options_.window) return 0;
  return it->second.failures;
}

MemoryAuthLimiter::Entry& MemoryAuthLimiter::entry(const std::string& key, Clock::time_point now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    make_room(now);
    it = entries_.emplace(key, Entry{.failures = 0, .pending = 0, .last = now}).first;
  } else if (now - it->second.last > options_.window) {
    it->second.failures = 0;
  }
  return it->second;
}

void MemoryAuthLimiter::count(const std::string& key, Clock::time_point now) {
  Entry& e = entry(key, now);
  e.last = now;
  ++e.failures;
}

void MemoryAuthLimiter::end_attempt(const std::string& user, const std::string& ip) {
  for (const std::string* key : {&user, &ip}) {
    auto it = entries_.find(*key);
    if (it == entries_.end()) continue;
    if (it->second.pending > 0) --it->second.pending;
    if (it->second.pending == 0 && it->second.failures == 0) entries_.erase(it);
  }
}

void MemoryAuthLimiter::take_off(const std::string& key, uint64_t failures, Clock::time_point now) {
  auto it = entries_.find(key);
  if (it == entries_.end() || now - it->second.last > options_.window) return;
  it->second.failures -= std::min(failures, it->second.failures);
  if (it->second.failures == 0 && it->second.pending == 0) entries_.erase(it);
}

void MemoryAuthLimiter::make_room(Clock::time_point now) {
  if (entries_.size() < options_.max_entries) return;
  std::erase_if(entries_, [&](const auto& item) {
    return item.second.pending == 0 && now - item.second.last > options_.window;
  });
  // Evicting an eighth at a time keeps a flood of new keys from paying a
  // full scan each.
  const std::size_t max = options_.max_entries;
  const std::size_t keep = max - std::min(max, std::max<std::size_t>(1, max / 8));
  if (entries_.size() <= keep) return;
  using Item = std::map<std::string, Entry>::iterator;
  std::vector<std::pair<std::pair<bool, Clock::time_point>, Item>> order;
  order.reserve(entries_.size());
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    const bool keep_long = it->second.pending > 0 || locked(it->first, it->second, now);
    order.push_back({{keep_long, it->second.last}, it});
  }
  // Lockouts and checks under way last, each oldest first.
  const std::size_t drop = entries_.size() - keep;
  std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(drop - 1),
                   order.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < drop; ++i) entries_.erase(order[i].second);
}

AuthLimiter::Verdict MemoryAuthLimiter::try_login(std::string_view user, std::string_view ip,
                                                  Attempt& attempt, Clock::time_point now) {
  attempt = Attempt();
  const std::string user_k = user_key(user);
  const std::string ip_k = ip_key(ip);
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(user_k); it != entries_.end() && locked(user_k, it->second, now)) {
    return Verdict::user_locked;
  }
  if (auto it = entries_.find(ip_k); it != entries_.end() && locked(ip_k, it->second, now)) {
    return Verdict::ip_locked;
  }
  if (full(user_k, now) || full(ip_k, now)) return Verdict::busy;
  ++entry(user_k, now).pending;
  ++entry(ip_k, now).pending;
  admit(attempt, user, ip);
  return Verdict::allowed;
}

void MemoryAuthLimiter::record_failure(std::string_view user, std::string_view ip,
                                       Clock::time_point now) {
  std::lock_guard lock(mutex_);
  count(user_key(user), now);
  count(ip_key(ip), now);
  count(pair_key(user, ip), now);
}

std::chrono::milliseconds MemoryAuthLimiter::failure_delay(std::string_view user,
                                                           std::string_view ip,
                                                           Clock::time_point now) const {
  uint64_t failures = 0;
  {
    std::lock_guard lock(mutex_);
    failures = std::max(current(user_key(user), now), current(ip_key(ip), now));
  }
  return delay_after(options_, failures);
}

void MemoryAuthLimiter::forgive(std::string_view user, std::string_view ip, Clock::time_point now) {
  const std::string pair = pair_key(user, ip);
  const uint64_t proven = current(pair, now);
  entries_.erase(pair);
  take_off(user_key(user), proven, now);
  take_off(ip_key(ip), proven, now);
}

std::size_t MemoryAuthLimiter::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace eider::mail
