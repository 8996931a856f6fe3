#include "store/postgres/pool.h"

#include <algorithm>

namespace eider::store::postgres {

namespace {

// Serialization failures and deadlocks are rare (rows are locked in one
// order); a few attempts absorb them.
constexpr int kAttempts = 5;

}  // namespace

Pool::Pool(std::string url, uint32_t size) : url_(std::move(url)), size_(std::max(size, 1u)) {}

Result<std::unique_ptr<Connection>> Pool::acquire() {
  {
    std::unique_lock lock(mutex_);
    free_.wait(lock, [this] { return !idle_.empty() || open_ < size_; });
    if (!idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
    ++open_;
  }
  // Connected outside the lock: it may take up to the connect timeout.
  Result<std::unique_ptr<Connection>> connection = Connection::open(url_);
  if (!connection) {
    std::lock_guard lock(mutex_);
    --open_;
    free_.notify_one();
  }
  return connection;
}

void Pool::release(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mutex_);
  if (connection->broken()) {
    --open_;
  } else {
    idle_.push_back(std::move(connection));
  }
  free_.notify_one();
}

Status Pool::run(Kind kind, const std::function<Status(Connection&)>& body) {
  const char* begin = kind == Kind::read    ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                      : kind == Kind::write ? "BEGIN"
                                            : nullptr;
  Status status;
  // Every idle connection may have broken at once (the server restarted):
  // each is dropped in turn, then a fresh one is opened or the call fails.
  uint32_t broken_left = size_ + 1;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    Result<std::unique_ptr<Connection>> acquired = acquire();
    if (!acquired) return acquired.status();
    Connection& db = **acquired;
    // BEGIN travels with the body's first statement (one round trip less).
    if (begin != nullptr) db.begin(begin);
    status = body(db);
    if (status) status = db.commit();
    // Broken before the server began the transaction (broken while idle),
    // or a read: nothing was done, so another connection may run it all.
    const bool broken_idle = !status && db.broken() && (kind != Kind::write || !db.began());
    bool retry = !status && db.retryable();
    if (!status && !db.broken()) db.rollback();
    release(std::move(*acquired));
    if (broken_idle && broken_left-- > 0) {
      --attempt;
      continue;
    }
    if (!retry) return status;
  }
  return status;
}

}  // namespace eider::store::postgres
