// Fault injection for store tests: a plan that a backend consults at the
// points where real failures happen, so tests can prove that a failed
// operation leaves nothing behind (store.h's atomicity promise).
//
// Give a shared FaultPlan to store::Options::faults; production leaves it
// null. Counters are "fail the next N occurrences" and are safe to change
// from a test thread while the store runs.
#pragma once

#include <atomic>
#include <cstdint>

namespace eider::store {

struct FaultPlan {
  // The next N batch commits fail with Code::io_error; every write job of the
  // batch fails and none of its changes remain.
  std::atomic<int> fail_commits{0};
  // The next N blob writes fail with Code::io_error, after the message row of
  // the same operation was already written.
  std::atomic<int> fail_blob_writes{0};
  // While true the database may not grow beyond its current size, so a write
  // that needs a new page fails with Code::disk_full, as on a full disk.
  std::atomic<bool> disk_full{false};

  // Consumes one occurrence of a counter; true when this one must fail.
  static bool take(std::atomic<int>& counter) {
    int n = counter.load();
    while (n > 0) {
      if (counter.compare_exchange_weak(n, n - 1)) return true;
    }
    return false;
  }
};

}  // namespace eider::store
