// Store threads: how a coroutine on an I/O thread calls the blocking Store.
//
// The Store interface blocks (a write waits for its fsync), and an I/O thread
// must never block (docs/architecture.md, who runs where). A connection's coroutine
// therefore awaits Executor::run(fn): fn runs on one of a fixed number of
// store threads, and the coroutine resumes on its own executor with fn's
// value. At most `threads` calls run at once; the others wait in a queue, so
// the store sees bounded concurrency however many connections there are.
//
//   Result<Mailbox> box = co_await executor.run([&] { return store.find_mailbox(id, path); });
//
// fn must not throw (Store methods return Status instead). Destroying the
// Executor waits for every call already submitted, so destroy it before the
// io_contexts its callers resume on.
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace eider::store {

class Executor {
 public:
  explicit Executor(std::size_t threads);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Runs fn() on a store thread; the awaiting coroutine resumes on its own
  // executor with the value fn returned (which need not be default-constructible).
  template <typename F>
  boost::asio::awaitable<std::invoke_result_t<F&>> run(F fn) {
    using Value = std::invoke_result_t<F&>;
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>, void(Value)>(
        [this](auto handler, F work) {
          post([handler = std::move(handler), work = std::move(work)]() mutable {
            Value value = work();
            auto home = boost::asio::get_associated_executor(handler);
            boost::asio::dispatch(
                home, [handler = std::move(handler), value = std::move(value)]() mutable {
                  std::move(handler)(std::move(value));
                });
          });
        },
        boost::asio::use_awaitable, std::move(fn));
  }

 private:
  // A move-only call (asio's completion handlers cannot be copied, so
  // std::function will not hold one).
  struct Job {
    virtual ~Job() = default;
    virtual void operator()() = 0;
  };
  template <typename Fn>
  struct JobOf final : Job {
    explicit JobOf(Fn&& fn) : fn(std::move(fn)) {}
    void operator()() override { fn(); }
    Fn fn;
  };
  struct Worker;

  template <typename Fn>
  void post(Fn&& fn) {
    submit(std::make_unique<JobOf<std::decay_t<Fn>>>(std::forward<Fn>(fn)));
  }
  void submit(std::unique_ptr<Job> job);
  void work(Worker& self);

  std::mutex mutex_;
  // Calls no idle thread could take yet, oldest first.
  std::deque<std::unique_ptr<Job>> queue_;
  // Idle threads, the most recently idle last: a call goes to the thread
  // that ran the previous one, whose heap arena, zstd context and caches
  // are warm (a pool that wakes threads in turn spread a FETCH's batches
  // over all of them, each faulting its memory in anew).
  std::vector<Worker*> idle_;
  std::vector<std::unique_ptr<Worker>> workers_;
  bool stopping_ = false;
};

}  // namespace eider::store
