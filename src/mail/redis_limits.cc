#include "mail/redis_limits.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <random>

#include "core/log.h"

namespace eider::mail {
namespace {

using notify::RedisConnection;
using notify::RedisValue;

constexpr std::string_view kAuthPrefix = "eider:auth:";
constexpr std::string_view kPendingPrefix = "eider:auth:pending:";
constexpr std::string_view kConnPrefix = "eider:conn:";
constexpr std::string_view kNodePrefix = "eider:node:";
// Checks under way whose node died stop counting after this.
constexpr std::chrono::milliseconds kPendingTtl{120000};
constexpr std::chrono::milliseconds kNodeTtl{30000};
constexpr std::chrono::milliseconds kNodeRefresh{10000};

// KEYS: user failures, ip failures, user pending, ip pending.
// ARGV: max user failures, max ip failures, pending ttl (ms).
// Returns the Verdict: 0 allowed, 1 busy, 2 user locked, 3 ip locked.
constexpr const char* kTryLogin = R"lua(
local fu = tonumber(redis.call('GET', KEYS[1]) or '0')
local fi = tonumber(redis.call('GET', KEYS[2]) or '0')
local mu = tonumber(ARGV[1])
local mi = tonumber(ARGV[2])
if mu > 0 and fu >= mu then return 2 end
if mi > 0 and fi >= mi then return 3 end
local pu = tonumber(redis.call('GET', KEYS[3]) or '0')
local pi = tonumber(redis.call('GET', KEYS[4]) or '0')
if (mu > 0 and fu + pu >= mu) or (mi > 0 and fi + pi >= mi) then return 1 end
redis.call('INCR', KEYS[3])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
redis.call('INCR', KEYS[4])
redis.call('PEXPIRE', KEYS[4], ARGV[3])
return 0
)lua";

// KEYS: user pending, ip pending, user failures, ip failures, pair failures.
// ARGV: outcome (0 dropped, 1 failed, 2 succeeded), window (ms).
// A failure counts three times and restarts each run's window; a success
// takes the pair's failures off the user's and the ip's.
constexpr const char* kFinish = R"lua(
for i = 1, 2 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 1 then
    redis.call('DECR', KEYS[i])
  else
    redis.call('DEL', KEYS[i])
  end
end
if ARGV[1] == '1' then
  for i = 3, 5 do
    redis.call('INCR', KEYS[i])
    redis.call('PEXPIRE', KEYS[i], ARGV[2])
  end
elseif ARGV[1] == '2' then
  local proven = tonumber(redis.call('GET', KEYS[5]) or '0')
  redis.call('DEL', KEYS[5])
  if proven > 0 then
    for i = 3, 4 do
      local n = tonumber(redis.call('GET', KEYS[i]) or '0')
      if n > proven then redis.call('DECRBY', KEYS[i], proven) else redis.call('DEL', KEYS[i]) end
    end
  end
end
return 0
)lua";

// KEYS: user failures, ip failures, pair failures. ARGV: window (ms).
constexpr const char* kRecordFailure = R"lua(
for i = 1, 3 do
  redis.call('INCR', KEYS[i])
  redis.call('PEXPIRE', KEYS[i], ARGV[1])
end
return 0
)lua";

// KEYS: the user's hash. ARGV: node, max, node key prefix.
// Entries of nodes whose key expired are dropped; returns 1 when a session
// was added for this node, 0 when the user has `max`.
constexpr const char* kAcquire = R"lua(
local fields = redis.call('HGETALL', KEYS[1])
local total = 0
for i = 1, #fields, 2 do
  if redis.call('EXISTS', ARGV[3] .. fields[i]) == 1 then
    total = total + tonumber(fields[i + 1])
  else
    redis.call('HDEL', KEYS[1], fields[i])
  end
end
if tonumber(ARGV[2]) > 0 and total >= tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
return 1
)lua";

// KEYS: the user's hash. ARGV: node.
constexpr const char* kRelease = R"lua(
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
)lua";

std::string ms(std::chrono::milliseconds value) {
  return std::to_string(value.count());
}

std::string prefixed(std::string_view prefix, const std::string& key) {
  return std::string(prefix) + key;
}

// Runs a script; the integer it returns, or a failure.
Result<int64_t> eval(RedisConnection& connection, const char* script,
                     const std::vector<std::string>& keys, const std::vector<std::string>& args) {
  std::vector<std::string_view> argv{"EVAL", script};
  const std::string count = std::to_string(keys.size());
  argv.push_back(count);
  for (const std::string& key : keys) argv.push_back(key);
  for (const std::string& arg : args) argv.push_back(arg);
  Result<RedisValue> reply = connection.command(argv);
  if (!reply) return reply.status();
  return reply->integer;
}

// Logs a Redis failure of the limits, once per run of failures.
void log_fallback(const Status& status) {
  static std::atomic<bool> logged{false};
  if (status.is_ok()) {
    logged = false;
  } else if (!logged.exchange(true)) {
    core::log_event(core::LogLevel::warn, "limits.redis_unavailable",
                    {{"error", status.to_string()}, {"fallback", "this node's memory"}});
  }
}

std::string random_node() {
  std::random_device random;
  const uint64_t id = (static_cast<uint64_t>(random()) << 32) | random();
  return std::to_string(id);
}

}  // namespace

RedisAuthLimiter::RedisAuthLimiter(const Options& options, notify::RedisWorker& worker)
    : options_(options), worker_(worker), local_(options) {}

RedisAuthLimiter::~RedisAuthLimiter() {
  worker_.call([](RedisConnection*) { return 0; });
}

AuthLimiter::Verdict RedisAuthLimiter::try_login(std::string_view user, std::string_view ip,
                                                 Attempt& attempt, Clock::time_point now) {
  attempt = Attempt();
  const std::string user_k = auth_user_key(user);
  const std::string ip_k = auth_ip_key(ip);
  Result<int64_t> verdict = worker_.call([&](RedisConnection* connection) -> Result<int64_t> {
    if (connection == nullptr) return error(Code::unavailable, "redis: not connected");
    return eval(*connection, kTryLogin,
                {prefixed(kAuthPrefix, user_k), prefixed(kAuthPrefix, ip_k),
                 prefixed(kPendingPrefix, user_k), prefixed(kPendingPrefix, ip_k)},
                {std::to_string(options_.max_user_failures),
                 std::to_string(options_.max_ip_failures), ms(kPendingTtl)});
  });
  log_fallback(verdict.status());
  if (!verdict) return local_.try_login(user, ip, attempt, now);
  switch (*verdict) {
    case 0:
      admit(attempt, user, ip);
      return Verdict::allowed;
    case 1:
      return Verdict::busy;
    case 2:
      return Verdict::user_locked;
    default:
      return Verdict::ip_locked;
  }
}

void RedisAuthLimiter::finish(const std::string& user, const std::string& ip, Outcome outcome,
                              Clock::time_point now) {
  const std::string user_k = auth_user_key(user);
  const std::string ip_k = auth_ip_key(ip);
  const std::string window =
      ms(std::chrono::duration_cast<std::chrono::milliseconds>(options_.window));
  std::vector<std::string> keys{prefixed(kPendingPrefix, user_k), prefixed(kPendingPrefix, ip_k),
                                prefixed(kAuthPrefix, user_k), prefixed(kAuthPrefix, ip_k),
                                prefixed(kAuthPrefix, auth_pair_key(user, ip))};
  const std::string code = std::to_string(static_cast<int>(outcome));
  worker_.post([this, keys = std::move(keys), code, window, user, ip, outcome,
                now](RedisConnection* connection) {
    Status status = error(Code::unavailable, "redis: not connected");
    if (connection != nullptr) status = eval(*connection, kFinish, keys, {code, window}).status();
    log_fallback(status);
    // Redis did not count it: this node does.
    if (!status.is_ok() && outcome == Outcome::failed) local_.record_failure(user, ip, now);
  });
}

void RedisAuthLimiter::record_failure(std::string_view user, std::string_view ip,
                                      Clock::time_point now) {
  std::vector<std::string> keys{prefixed(kAuthPrefix, auth_user_key(user)),
                                prefixed(kAuthPrefix, auth_ip_key(ip)),
                                prefixed(kAuthPrefix, auth_pair_key(user, ip))};
  const std::string window =
      ms(std::chrono::duration_cast<std::chrono::milliseconds>(options_.window));
  worker_.post([this, keys = std::move(keys), window, user = std::string(user),
                ip = std::string(ip), now](RedisConnection* connection) {
    Status status = error(Code::unavailable, "redis: not connected");
    if (connection != nullptr) status = eval(*connection, kRecordFailure, keys, {window}).status();
    log_fallback(status);
    if (!status.is_ok()) local_.record_failure(user, ip, now);
  });
}

std::chrono::milliseconds RedisAuthLimiter::failure_delay(std::string_view user,
                                                          std::string_view ip,
                                                          Clock::time_point now) const {
  const std::string user_k = prefixed(kAuthPrefix, auth_user_key(user));
  const std::string ip_k = prefixed(kAuthPrefix, auth_ip_key(ip));
  Result<uint64_t> failures = worker_.call([&](RedisConnection* connection) -> Result<uint64_t> {
    if (connection == nullptr) return error(Code::unavailable, "redis: not connected");
    Result<RedisValue> reply = connection->command({"MGET", user_k, ip_k});
    if (!reply) return reply.status();
    uint64_t most = 0;
    for (const RedisValue& value : reply->elements) {
      if (value.type == RedisValue::Type::string) {
        most = std::max<uint64_t>(most, std::strtoull(value.str.c_str(), nullptr, 10));
      }
    }
    return most;
  });
  if (!failures) return local_.failure_delay(user, ip, now);
  return delay_after(options_, *failures);
}

RedisUserConnections::RedisUserConnections(uint64_t max, notify::RedisWorker& worker)
    : UserConnections(max), worker_(worker), node_(random_node()) {
  worker_.every(kNodeRefresh, [this](RedisConnection* connection) { refresh(connection); });
}

RedisUserConnections::~RedisUserConnections() {
  // Stops the refresh, and lets the other nodes stop counting ours now.
  worker_.every(kNodeRefresh, nullptr);
  worker_.call([this](RedisConnection* connection) {
    if (connection != nullptr) (void)connection->command({"DEL", std::string(kNodePrefix) + node_});
    return 0;
  });
}

void RedisUserConnections::refresh(RedisConnection* connection, bool retry) {
  if (connection == nullptr) return;
  std::vector<std::vector<std::string>> commands{
      {"SET", std::string(kNodePrefix) + node_, "1", "PX", ms(kNodeTtl)}};
  {
    std::lock_guard lock(mutex_);
    for (const auto& [user, count] : local_) {
      commands.push_back(
          {"HSET", std::string(kConnPrefix) + std::to_string(user), node_, std::to_string(count)});
    }
    for (int64_t user : stale_) {
      if (!local_.contains(user)) {
        commands.push_back({"HDEL", std::string(kConnPrefix) + std::to_string(user), node_});
      }
    }
    stale_.clear();
  }
  if (!connection->pipeline(commands).is_ok() && retry) {
    worker_.post([this](RedisConnection* again) { refresh(again, false); });
  }
}

UserConnections::Slot RedisUserConnections::acquire(int64_t user_id) {
  Result<int64_t> added = worker_.call([&](RedisConnection* connection) -> Result<int64_t> {
    if (connection == nullptr) return error(Code::unavailable, "redis: not connected");
    // The node key first, in case Redis lost it (a restart) since the last refresh.
    Result<RedisValue> alive =
        connection->command({"SET", std::string(kNodePrefix) + node_, "1", "PX", ms(kNodeTtl)});
    if (!alive) return alive.status();
    return eval(*connection, kAcquire, {std::string(kConnPrefix) + std::to_string(user_id)},
                {node_, std::to_string(max()), std::string(kNodePrefix)});
  });
  log_fallback(added.status());
  std::lock_guard lock(mutex_);
  uint64_t& count = local_[user_id];
  // Without Redis, this node's own sessions are all it can count.
  const bool granted = added ? *added == 1 : max() == 0 || count < max();
  if (!granted) {
    if (count == 0) local_.erase(user_id);
    return Slot();
  }
  ++count;
  return slot_for(user_id);
}

void RedisUserConnections::release(int64_t user_id) {
  {
    std::lock_guard lock(mutex_);
    auto it = local_.find(user_id);
    if (it != local_.end() && --it->second == 0) local_.erase(it);
  }
  worker_.post([this, user_id](RedisConnection* connection) {
    if (connection == nullptr) {  // the next refresh writes the counts again
      std::lock_guard lock(mutex_);
      stale_.insert(user_id);
      return;
    }
    (void)eval(*connection, kRelease, {std::string(kConnPrefix) + std::to_string(user_id)},
               {node_});
  });
}

}  // namespace eider::mail
