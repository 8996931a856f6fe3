#include "store/sqlite/writer.h"

#include <exception>
#include <string>

namespace eider::store::sqlite {

namespace {

// Bounds the work lost to one failed COMMIT and the latency of the last job.
constexpr size_t kMaxBatch = 256;

Status run_guarded(const Writer::Job& job, Connection& connection) {
  try {
    return job(connection);
  } catch (const std::exception& e) {
    return error(Code::internal, std::string("store write failed: ") + e.what());
  }
}

}  // namespace

Writer::Writer(std::unique_ptr<Connection> connection) : connection_(std::move(connection)) {
  thread_ = std::thread([this] { loop(); });
}

Writer::~Writer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

Status Writer::run(Job job) {
  return submit(std::move(job), false);
}

Status Writer::run_alone(Job job) {
  return submit(std::move(job), true);
}

Status Writer::submit(Job job, bool alone) {
  Pending pending{std::move(job), alone, {}};
  std::future<Status> done = pending.done.get_future();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return error(Code::unavailable, "the store is shutting down");
    queue_.push_back(&pending);
  }
  wake_.notify_one();
  return done.get();
}

void Writer::loop() {
  std::vector<Pending*> batch;
  for (;;) {
    batch.clear();
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is done
      // An "alone" job never shares a batch; the others share up to kMaxBatch.
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        Pending* next = queue_.front();
        if (next->alone && !batch.empty()) break;
        batch.push_back(next);
        queue_.pop_front();
        if (next->alone) break;
      }
    }
    if (batch.front()->alone) {
      batch.front()->done.set_value(run_guarded(batch.front()->job, *connection_));
    } else {
      run_batch(batch);
    }
  }
}

void Writer::run_batch(const std::vector<Pending*>& batch) {
  std::vector<Status> results(batch.size());
  std::vector<bool> failed(batch.size(), false);
  for (;;) {
    Status begun = connection_->run("BEGIN IMMEDIATE");
    if (!begun) {
      for (size_t i = 0; i < batch.size(); ++i) {
        if (!failed[i]) results[i] = begun;
      }
      break;
    }
    bool transaction_lost = false;
    for (size_t i = 0; i < batch.size() && !transaction_lost; ++i) {
      if (failed[i]) continue;
      Status status = connection_->run("SAVEPOINT job");
      if (status) status = run_guarded(batch[i]->job, *connection_);
      if (status) status = connection_->run("RELEASE job");
      if (status) continue;
      failed[i] = true;
      results[i] = status;
      if (!connection_->in_transaction()) {
        transaction_lost = true;  // SQLite rolled back everything: rerun the others
      } else if (!connection_->run("ROLLBACK TO job") || !connection_->run("RELEASE job")) {
        (void)connection_->run("ROLLBACK");
        transaction_lost = true;
      }
    }
    if (transaction_lost) {
      if (connection_->in_transaction()) (void)connection_->run("ROLLBACK");
      continue;
    }
    Status committed = connection_->run("COMMIT");
    if (!committed && connection_->in_transaction()) (void)connection_->run("ROLLBACK");
    size_t carried = 0;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (failed[i]) continue;
      results[i] = committed;
      ++carried;
    }
    if (committed && carried > 0) {
      commits_.fetch_add(1);
      jobs_.fetch_add(carried);
    }
    break;
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i]->done.set_value(results[i]);
}

}  // namespace eider::store::sqlite
