// Graceful shutdown on SIGTERM and SIGINT.
//
// A ShutdownSignal takes over SIGTERM and SIGINT from the moment it is
// constructed, so a signal that arrives during start-up is kept, not lost and
// not fatal. wait() then blocks until one arrives (or request() is called);
// the caller stops accepting work, lets in-flight work finish and exits 0.
// At most one ShutdownSignal may exist at a time; the previous handlers come
// back when it is destroyed.
#pragma once

#include <memory>

namespace eider::core {

class ShutdownSignal {
 public:
  ShutdownSignal();
  ~ShutdownSignal();
  ShutdownSignal(const ShutdownSignal&) = delete;
  ShutdownSignal& operator=(const ShutdownSignal&) = delete;

  // Blocks until SIGTERM or SIGINT arrives or request() is called. Returns
  // the signal number, or 0 for request(). Returns at once if that already
  // happened.
  int wait();

  // Makes wait() return 0. Thread-safe; callable before wait().
  void request();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace eider::core
