// Store threads: how a coroutine on an I/O thread calls the blocking Store.
//
// The Store interface blocks (a write waits for its fsync), and an I/O thread
// must never block (DESIGN.md, process model). A connection's coroutine
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
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstddef>
#include <type_traits>
#include <utility>

namespace eider::store {

class Executor {
 public:
  explicit Executor(std::size_t threads) : pool_(threads == 0 ? 1 : threads) {}
  ~Executor() { pool_.join(); }
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Runs fn() on a store thread; the awaiting coroutine resumes on its own
  // executor with the value fn returned (which need not be default-constructible).
  template <typename F>
  boost::asio::awaitable<std::invoke_result_t<F&>> run(F fn) {
    using Value = std::invoke_result_t<F&>;
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>, void(Value)>(
        [this](auto handler, F work) {
          boost::asio::post(
              pool_, [handler = std::move(handler), work = std::move(work)]() mutable {
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
  boost::asio::thread_pool pool_;
};

}  // namespace eider::store
