// A bounded pool of connections to one PostgreSQL database, and the
// transactions that run on them.
//
// Connections are opened on demand up to the bound; a caller waits when all
// are in use. A connection found broken is dropped and a fresh one opened
// the next time one is needed, so the store recovers by itself once the
// server is back; until then calls fail with Code::unavailable.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store/postgres/connection.h"

namespace eider::store::postgres {

class Pool {
 public:
  Pool(std::string url, uint32_t size);

  // A connection for the caller alone; give it back with release().
  Result<std::unique_ptr<Connection>> acquire();
  void release(std::unique_ptr<Connection> connection);

  // How a body runs.
  enum class Kind {
    write,  // one READ COMMITTED transaction
    read,   // one REPEATABLE READ READ ONLY transaction: one snapshot
    // One statement, no BEGIN or COMMIT around it: a statement is its own
    // snapshot, so a read of one statement needs no transaction (one round
    // trip instead of two).
    statement,
  };

  // Runs `body` as `kind` says and commits; the result is returned only
  // once COMMIT succeeded (synchronous_commit is on: durable). A
  // serialization failure or deadlock runs the whole body again; a
  // connection lost before anything was sent (for a read: at any time) is
  // replaced and tried again.
  template <typename T>
  Result<T> transact(Kind kind, const std::function<Result<T>(Connection&)>& body) {
    std::optional<Result<T>> result;
    Status status = run(kind, [&](Connection& db) -> Status {
      result.emplace(body(db));
      return result->status();
    });
    if (!status) return status;
    return std::move(*result);
  }

 private:
  Status run(Kind kind, const std::function<Status(Connection&)>& body);

  const std::string url_;
  const uint32_t size_;
  std::mutex mutex_;
  std::condition_variable free_;
  std::vector<std::unique_ptr<Connection>> idle_;
  uint32_t open_ = 0;  // connections in use or idle
};

}  // namespace eider::store::postgres
