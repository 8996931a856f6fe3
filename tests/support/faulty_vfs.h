// Storage faults for the SQLite store, injected below it: a SQLite VFS that
// wraps the default one and fails writes and fsyncs on request, as a dying
// or full disk would. The store knows nothing of it; a test opens the store
// with store::Options::vfs = vfs.name() (docs/architecture.md, testing).
//
// The faults are counted on the write-ahead log, where a commit's pages and
// its fsync go (the store runs in WAL mode); the database file is written
// only by checkpoints, whose failures SQLite keeps to itself. Each setter is
// safe to call from a test thread while the store runs.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <string>

namespace eider::store::testing {

class FaultyVfs {
 public:
  // Registers the VFS under a name of its own (not as the default).
  FaultyVfs();
  // Unregisters it: close every store opened with it first.
  ~FaultyVfs();
  FaultyVfs(const FaultyVfs&) = delete;
  FaultyVfs& operator=(const FaultyVfs&) = delete;

  const std::string& name() const { return name_; }

  // The next `n` fsyncs of the log fail (SQLITE_IOERR_FSYNC): each fails
  // the commit that asked for it, with every write job of its batch.
  void fail_syncs(int n) { syncs_to_fail_ = n; }
  int syncs_to_fail() const { return syncs_to_fail_.load(); }
  // Tears the next commit: `after` more writes to the log succeed, then one
  // fails (SQLITE_IOERR_WRITE), leaving part of a transaction in the file.
  void fail_write_after(int after) { writes_before_failure_ = after; }
  // While set, a write that would make a file longer fails with SQLITE_FULL,
  // as on a full disk; writes within a file's present size still succeed.
  void set_disk_full(bool full) { disk_full_ = full; }

 private:
  friend struct Passthrough;  // faulty_vfs.cc: the calls it forwards

  // The fault for the next write to the log, or fsync of it; SQLITE_OK for none.
  int write_fault();
  int sync_fault();

  std::string name_;
  sqlite3_vfs vfs_{};
  sqlite3_vfs* base_ = nullptr;
  std::atomic<int> syncs_to_fail_{0};
  std::atomic<int> writes_before_failure_{-1};  // -1: no write fails
  std::atomic<bool> disk_full_{false};
};

}  // namespace eider::store::testing
