#include "store/executor.h"

#include <algorithm>
#include <chrono>

#include "core/metrics.h"

namespace eider::store {

struct Executor::Worker {
  std::condition_variable wake;
  std::unique_ptr<Job> job;  // handed over by submit() while idle
  std::thread thread;
};

Executor::Executor(std::size_t threads) {
  for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i) {
    workers_.push_back(std::make_unique<Worker>());
  }
  for (auto& worker : workers_) {
    worker->thread = std::thread([this, self = worker.get()] { work(*self); });
  }
}

Executor::~Executor() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  for (auto& worker : workers_) worker->wake.notify_one();
  for (auto& worker : workers_) worker->thread.join();
}

void Executor::submit(std::unique_ptr<Job> job) {
  std::unique_lock lock(mutex_);
  if (idle_.empty()) {
    queue_.push_back(std::move(job));
    return;
  }
  Worker* worker = idle_.back();
  idle_.pop_back();
  worker->job = std::move(job);
  lock.unlock();
  worker->wake.notify_one();
}

namespace {

core::Histogram& store_latency() {
  static core::Histogram& histogram = core::metrics().histogram(
      "eider_store_call_seconds", "Time a store call takes on a store thread",
      core::latency_buckets());
  return histogram;
}

}  // namespace

void Executor::work(Worker& self) {
  std::unique_lock lock(mutex_);
  for (;;) {
    std::unique_ptr<Job> job = std::move(self.job);
    if (!job && !queue_.empty()) {
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    if (job) {
      lock.unlock();
      const auto started = std::chrono::steady_clock::now();
      (*job)();
      store_latency().observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      job.reset();
      lock.lock();
      continue;
    }
    // Every call submitted before the destructor runs before the threads end.
    if (stopping_) return;
    idle_.push_back(&self);
    self.wake.wait(lock, [&] { return self.job != nullptr || stopping_; });
    if (!self.job) {
      // Woken to stop: leave the idle list so submit() cannot pick a thread
      // that is gone.
      idle_.erase(std::find(idle_.begin(), idle_.end(), &self));
    }
  }
}

}  // namespace eider::store
