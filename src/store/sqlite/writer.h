// The single writer of a SQLite store, with group commit.
//
// Callers on any thread hand a job (a function doing SQL on the writer's
// connection) to run() and block until it is durable. The writer thread
// drains every queued job into one transaction: BEGIN IMMEDIATE, each job
// inside its own SAVEPOINT (a failing job rolls back only its own changes and
// gets its own error), then one COMMIT, so one fsync serves the whole batch.
// If the COMMIT fails, every job of the batch fails and none of their changes
// remain. If a job's failure made SQLite abandon the whole transaction (a full
// disk, an I/O error), the other jobs of the batch run again in a new one.
//
// Jobs must be repeatable: a job may run more than once before it commits and
// must not keep effects outside the database until run() returns ok.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/status.h"
#include "store/sqlite/connection.h"

namespace eider::store::sqlite {

class Writer {
 public:
  using Job = std::function<Status(Connection&)>;

  explicit Writer(std::unique_ptr<Connection> connection);
  // Finishes every queued job, then stops the thread.
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Runs `job` in the next batch; returns its status once its batch committed.
  Status run(Job job);
  // Runs `job` alone and outside any transaction (for VACUUM and checkpoints).
  Status run_alone(Job job);

  uint64_t commits() const { return commits_.load(); }
  uint64_t jobs() const { return jobs_.load(); }

 private:
  struct Pending {
    Job job;
    bool alone = false;
    std::promise<Status> done;
  };

  Status submit(Job job, bool alone);
  void loop();
  void run_batch(const std::vector<Pending*>& batch);

  std::unique_ptr<Connection> connection_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending*> queue_;
  bool stopping_ = false;
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> jobs_{0};
  std::thread thread_;
};

}  // namespace eider::store::sqlite
