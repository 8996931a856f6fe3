// A small blocking Redis client on hiredis, shared by the Redis notifier and
// the limits that nodes share (docs/architecture.md, "Notifier and shared
// limits"). Calls block for at most the timeout given at connect, so they
// belong on store threads or the notifier's own thread, never on an I/O
// thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
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

// Copies a hiredis reply (a redisReply*, passed as void* to keep hiredis out
// of this header). An error reply becomes Code::internal.
Result<RedisValue> redis_value(const void* reply);

}  // namespace eider::notify
