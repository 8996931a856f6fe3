#include "notify/redis_client.h"

#include <hiredis/hiredis.h>

#include <charconv>

namespace eider::notify {
namespace {

bool parse_int(std::string_view text, int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

timeval to_timeval(std::chrono::milliseconds timeout) {
  return timeval{.tv_sec = static_cast<time_t>(timeout.count() / 1000),
                 .tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
}

Status broken_status(const redisContext* context) {
  return error(Code::unavailable, std::string("redis: ") +
                                      (context->errstr[0] != '\0' ? context->errstr : "no reply"));
}

}  // namespace

Result<RedisAddress> parse_redis_url(std::string_view url) {
  const Status bad = error(Code::invalid_argument,
                           "bad redis URL: " + std::string(url) + " (want redis://host:port[/db])");
  constexpr std::string_view kScheme = "redis://";
  if (!url.starts_with(kScheme)) return bad;
  std::string_view rest = url.substr(kScheme.size());
  RedisAddress address;
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    if (!parse_int(rest.substr(slash + 1), address.db) || address.db < 0) return bad;
    rest = rest.substr(0, slash);
  }
  std::string_view host = rest;
  if (rest.starts_with('[')) {  // [v6]:port
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad;
    host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    if (!rest.empty() && (!rest.starts_with(':') || !parse_int(rest.substr(1), address.port))) {
      return bad;
    }
  } else if (size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    if (!parse_int(rest.substr(colon + 1), address.port)) return bad;
  }
  if (host.empty() || address.port <= 0 || address.port > 65535) return bad;
  address.host = std::string(host);
  return address;
}

Result<RedisValue> redis_value(const void* raw) {
  const auto* reply = static_cast<const redisReply*>(raw);
  RedisValue value;
  switch (reply->type) {
    case REDIS_REPLY_ERROR:
      return error(Code::internal, "redis: " + std::string(reply->str, reply->len));
    case REDIS_REPLY_INTEGER:
      value.type = RedisValue::Type::integer;
      value.integer = reply->integer;
      break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      value.type =
          reply->type == REDIS_REPLY_STRING ? RedisValue::Type::string : RedisValue::Type::status;
      value.str.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_ARRAY:
      value.type = RedisValue::Type::array;
      for (size_t i = 0; i < reply->elements; ++i) {
        Result<RedisValue> element = redis_value(reply->element[i]);
        // An error inside an array (EXEC) is kept as a status value.
        if (!element) {
          RedisValue status;
          status.type = RedisValue::Type::status;
          status.str = element.status().message();
          value.elements.push_back(std::move(status));
        } else {
          value.elements.push_back(std::move(element).value());
        }
      }
      break;
    default:
      break;  // nil
  }
  return value;
}

void RedisConnection::Free::operator()(redisContext* context) const {
  redisFree(context);
}

Result<RedisConnection> RedisConnection::connect(const RedisAddress& address,
                                                 std::chrono::milliseconds timeout) {
  const timeval tv = to_timeval(timeout);
  redisContext* context = redisConnectWithTimeout(address.host.c_str(), address.port, tv);
  if (context == nullptr) return error(Code::unavailable, "redis: out of memory");
  RedisConnection connection(context);
  if (context->err != 0) return broken_status(context);
  if (redisSetTimeout(context, tv) != REDIS_OK) return broken_status(context);
  if (address.db != 0) {
    const std::string db = std::to_string(address.db);
    Result<RedisValue> selected = connection.command({"SELECT", db});
    if (!selected) return selected.status();
  }
  return connection;
}

RedisConnection::RedisConnection(RedisConnection&&) noexcept = default;
RedisConnection& RedisConnection::operator=(RedisConnection&&) noexcept = default;
RedisConnection::~RedisConnection() = default;

bool RedisConnection::broken() const {
  return !context_ || context_->err != 0;
}

Result<RedisValue> RedisConnection::command(const std::vector<std::string_view>& args) {
  if (broken()) return error(Code::unavailable, "redis: connection is closed");
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (std::string_view arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  void* raw =
      redisCommandArgv(context_.get(), static_cast<int>(argv.size()), argv.data(), lengths.data());
  if (raw == nullptr) return broken_status(context_.get());
  Result<RedisValue> value = redis_value(raw);
  freeReplyObject(raw);
  return value;
}

Result<std::vector<RedisValue>> RedisConnection::pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  if (broken()) return error(Code::unavailable, "redis: connection is closed");
  for (const std::vector<std::string>& args : commands) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const std::string& arg : args) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    if (redisAppendCommandArgv(context_.get(), static_cast<int>(argv.size()), argv.data(),
                               lengths.data()) != REDIS_OK) {
      return broken_status(context_.get());
    }
  }
  // Every reply is read, errors too, so the connection stays in step.
  std::vector<RedisValue> values;
  Status first_error = Status::ok();
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_.get(), &raw) != REDIS_OK || raw == nullptr) {
      return broken_status(context_.get());
    }
    Result<RedisValue> value = redis_value(raw);
    freeReplyObject(raw);
    if (!value) {
      if (first_error.is_ok()) first_error = value.status();
      continue;
    }
    values.push_back(std::move(value).value());
  }
  if (!first_error.is_ok()) return first_error;
  return values;
}

RedisWorker::RedisWorker(RedisAddress address, std::chrono::milliseconds timeout,
                         std::chrono::milliseconds retry)
    : address_(std::move(address)), timeout_(timeout), retry_(retry), thread_([this] { run(); }) {}

RedisWorker::~RedisWorker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void RedisWorker::post(Job job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_all();
}

void RedisWorker::every(std::chrono::milliseconds interval, Job tick) {
  {
    std::lock_guard lock(mutex_);
    tick_.emplace(interval, std::move(tick));
  }
  wake_.notify_all();
}

RedisConnection* RedisWorker::connection() {
  if (connection_ && !connection_->broken()) return &*connection_;
  connection_.reset();
  const auto now = std::chrono::steady_clock::now();
  if (last_attempt_ != std::chrono::steady_clock::time_point{} && now - last_attempt_ < retry_) {
    return nullptr;
  }
  last_attempt_ = now;
  Result<RedisConnection> connected = RedisConnection::connect(address_, timeout_);
  if (!connected) return nullptr;
  connection_ = std::move(connected).value();
  return &*connection_;
}

void RedisWorker::run() {
  std::unique_lock lock(mutex_);
  auto next_tick = std::chrono::steady_clock::now();
  for (;;) {
    if (!jobs_.empty()) {
      Job job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job(connection());
      lock.lock();
      continue;
    }
    if (stopping_) return;
    if (tick_ && !tick_->second) tick_.reset();  // every(..., nullptr)
    if (tick_ && std::chrono::steady_clock::now() >= next_tick) {
      Job tick = tick_->second;
      next_tick = std::chrono::steady_clock::now() + tick_->first;
      lock.unlock();
      tick(connection());
      lock.lock();
      continue;
    }
    if (tick_) {
      wake_.wait_until(lock, next_tick);
    } else {
      wake_.wait(lock);
    }
  }
}

}  // namespace eider::notify
