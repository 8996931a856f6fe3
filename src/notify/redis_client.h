// A small blocking Redis client on hiredis, shared by the Redis notifier and
// the limits that nodes share (docs/architecture.md, "Notifier and shared
// limits"). Calls block for at most the timeout given at connect, so they
// belong on store threads or the notifier's own thread, never on an I/O
// thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/status.h"

struct redisContext;

namespace eider::notify {

// redis://host:port[/db]; the port defaults to 6379 and the db to 0.
struct RedisAddress {
  std::string host;
  int port = 6379;
  int db = 0;
};

Result<RedisAddress> parse_redis_url(std::string_view url);

// One reply, copied out of hiredis.
struct RedisValue {
  enum class Type { nil, integer, string, status, array };
  Type type = Type::nil;
  int64_t integer = 0;
  std::string str;  // string and status replies
  std::vector<RedisValue> elements;
};

class RedisConnection {
 public:
  // Connects, and selects the address's db, each step within `timeout`;
  // every later read or write is bounded by `timeout` too.
  static Result<RedisConnection> connect(const RedisAddress& address,
                                         std::chrono::milliseconds timeout);

  RedisConnection(RedisConnection&&) noexcept;
  RedisConnection& operator=(RedisConnection&&) noexcept;
  ~RedisConnection();

  // Sends one command and reads its reply. A Redis error reply is
  // Code::internal with Redis's message; a broken connection is
  // Code::unavailable, and the connection is then unusable (broken()).
  Result<RedisValue> command(const std::vector<std::string_view>& args);
  Result<RedisValue> command(std::initializer_list<std::string_view> args) {
    return command(std::vector<std::string_view>(args));
  }

  // Sends several commands in one round trip (pipelined) and reads their
  // replies, in order. Stops at a broken connection.
  Result<std::vector<RedisValue>> pipeline(const std::vector<std::vector<std::string>>& commands);

  bool broken() const;
  // For the notifier's subscriber thread, which drives the socket itself.
  redisContext* context() const { return context_.get(); }

 private:
  struct Free {
    void operator()(redisContext* context) const;
  };
  explicit RedisConnection(redisContext* context) : context_(context) {}

  std::unique_ptr<redisContext, Free> context_;
};

// One thread and one connection running Redis jobs in the order posted, for
// callers that must not wait on the network themselves (a job posted from
// an I/O thread) or must see their earlier jobs done (call after post).
// A job gets the connection, or nullptr while Redis cannot be reached (it
// then falls back to what it can do alone); a connection that broke is
// replaced at the next job, at most once per `retry` interval.
class RedisWorker {
 public:
  using Job = std::function<void(RedisConnection*)>;

  RedisWorker(RedisAddress address, std::chrono::milliseconds timeout,
              std::chrono::milliseconds retry = std::chrono::milliseconds(1000));
  // Runs the jobs already posted, then stops.
  ~RedisWorker();
  RedisWorker(const RedisWorker&) = delete;
  RedisWorker& operator=(const RedisWorker&) = delete;

  void post(Job job);

  // Runs f(connection) on the worker after every job posted before, and
  // returns its result. Blocks: never call it on an I/O thread.
  template <typename F>
  auto call(F f) -> decltype(f(static_cast<RedisConnection*>(nullptr))) {
    using T = decltype(f(static_cast<RedisConnection*>(nullptr)));
    std::promise<T> done;
    std::future<T> result = done.get_future();
    post([&f, &done](RedisConnection* connection) { done.set_value(f(connection)); });
    return result.get();
  }

  // Runs `tick` on the worker every `interval`, the first time at once; a
  // null tick stops it (a tick running then finishes first: call() after).
  void every(std::chrono::milliseconds interval, Job tick);

 private:
  RedisConnection* connection();
  void run();

  const RedisAddress address_;
  const std::chrono::milliseconds timeout_;
  const std::chrono::milliseconds retry_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;                                           // guarded
  bool stopping_ = false;                                          // guarded
  std::optional<std::pair<std::chrono::milliseconds, Job>> tick_;  // guarded
  // The worker's own.
  std::optional<RedisConnection> connection_;
  std::chrono::steady_clock::time_point last_attempt_{};
  std::thread thread_;  // last: started after the rest is in place
};

// Copies a hiredis reply (a redisReply*, passed as void* to keep hiredis out
// of this header). An error reply becomes Code::internal.
Result<RedisValue> redis_value(const void* reply);

}  // namespace eider::notify
