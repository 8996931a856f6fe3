// SqliteStore's read and write paths, shared by its .cc files.
#pragma once

#include <optional>
#include <utility>

#include "store/sqlite/sqlite_store.h"

namespace eider::store::sqlite {

// The value of a write that returns only a Status.
struct Done {};

template <typename T, typename F>
Result<T> SqliteStore::read(F&& read) {
  std::unique_ptr<Connection> connection;
  {
    std::unique_lock lock(readers_mutex_);
    reader_free_.wait(lock, [this] { return !idle_readers_.empty(); });
    connection = std::move(idle_readers_.back());
    idle_readers_.pop_back();
  }
  std::optional<Result<T>> result;
  Status begun = connection->run("BEGIN");
  if (begun) {
    result.emplace(read(*connection));
    (void)connection->run("COMMIT");
  }
  {
    std::lock_guard lock(readers_mutex_);
    idle_readers_.push_back(std::move(connection));
  }
  reader_free_.notify_one();
  if (!begun) return begun;
  return std::move(*result);
}

template <typename T, typename F>
Result<T> SqliteStore::write(F&& write) {
  std::optional<Result<T>> result;
  Status status = writer_->run([&](Connection& connection) -> Status {
    result.emplace(write(connection));
    return result->status();
  });
  if (!status) return status;
  return std::move(*result);
}

}  // namespace eider::store::sqlite
