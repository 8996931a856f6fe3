// The limits every node of a cluster shares, kept in Redis (the `notify`
// Redis, chosen at serve start): login failures (AuthLimiter's policy and
// numbers) and max-connections-per-user. Both run their Redis commands on
// one RedisWorker, in order; each decision is one Lua script, so nodes
// deciding at once do not overshoot.
//
// While Redis cannot be reached, each falls back to the node's own memory
// (a MemoryAuthLimiter, the node's own session counts): the limits then
// hold per node, and a warning is logged.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "mail/auth_limiter.h"
#include "mail/user_connections.h"
#include "notify/redis_client.h"

namespace eider::mail {

// Keys "eider:auth:<AuthLimiter key>" (failures, expiring `window` after the
// last one) and "eider:auth:pending:<key>" (checks under way, expiring after
// two minutes in case their node dies).
class RedisAuthLimiter final : public AuthLimiter {
 public:
  RedisAuthLimiter(const Options& options, notify::RedisWorker& worker);
  // Waits for its jobs still queued on the worker.
  ~RedisAuthLimiter() override;

  Verdict try_login(std::string_view user, std::string_view ip, Attempt& attempt,
                    Clock::time_point now = Clock::now()) override;
  void record_failure(std::string_view user, std::string_view ip,
                      Clock::time_point now = Clock::now()) override;
  std::chrono::milliseconds failure_delay(std::string_view user, std::string_view ip,
                                          Clock::time_point now = Clock::now()) const override;
  bool blocks() const override { return true; }

 protected:
  void finish(const std::string& user, const std::string& ip, Outcome outcome,
              Clock::time_point now) override;

 private:
  Options options_;
  notify::RedisWorker& worker_;
  MemoryAuthLimiter local_;  // while Redis is away
};

// Per user, a hash "eider:conn:<user_id>" of node -> sessions; a node's
// entries count while its key "eider:node:<node>" lives. The node refreshes
// that key (30 s) and rewrites its counts every 10 s, so a node that died
// stops counting within 30 s and a restarted Redis relearns the counts.
class RedisUserConnections final : public UserConnections {
 public:
  RedisUserConnections(uint64_t max, notify::RedisWorker& worker);
  ~RedisUserConnections() override;

  Slot acquire(int64_t user_id) override;
  bool blocks() const override { return true; }

  // This node's id in Redis, for tests.
  const std::string& node() const { return node_; }

 protected:
  void release(int64_t user_id) override;

 private:
  // Writes the node key and counts; a failure (a connection Redis closed)
  // is retried once on a new connection when `retry`.
  void refresh(notify::RedisConnection* connection, bool retry = true);

  notify::RedisWorker& worker_;
  const std::string node_;
  std::mutex mutex_;
  std::map<int64_t, uint64_t> local_;  // this node's sessions per user; guarded
  std::set<int64_t> stale_;            // released while Redis was away, for refresh; guarded
};

}  // namespace eider::mail
