// Store threads: calls leave the I/O thread, come back to it, and never run
// more at once than the pool has threads.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <set>
#include <thread>

#include "store/executor.h"
#include "store_test_util.h"

namespace eider::store {
namespace {

namespace asio = boost::asio;

TEST(StoreExecutor, RunsOffTheIoThreadAndResumesOnIt) {
  asio::io_context io;
  Executor executor(2);
  const std::thread::id io_thread = std::this_thread::get_id();
  std::thread::id ran_on;
  std::thread::id resumed_on;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        ran_on = co_await executor.run([] { return std::this_thread::get_id(); });
        resumed_on = std::this_thread::get_id();
      },
      asio::detached);
  io.run();
  EXPECT_NE(ran_on, io_thread);
  EXPECT_EQ(resumed_on, io_thread);
}

TEST(StoreExecutor, CarriesStoreResultsBackToTheCoroutine) {
  testing::TempDir dir;
  auto store = testing::open_or_die(testing::options_for(dir));
  ASSERT_NE(store, nullptr);
  asio::io_context io;
  Executor executor(2);
  Code missing = Code::ok;
  std::string name;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        Result<User> created =
            co_await executor.run([&] { return store->create_user("bob", "x", {}, {}); });
        name = created ? created->name : "";
        Result<User> absent = co_await executor.run([&] { return store->find_user("eve"); });
        missing = absent.status().code();
      },
      asio::detached);
  io.run();
  EXPECT_EQ(name, "bob");
  EXPECT_EQ(missing, Code::not_found);
}

TEST(StoreExecutor, NeverRunsMoreCallsAtOnceThanItHasThreads) {
  constexpr int kCalls = 12;
  asio::io_context io;
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  int finished = 0;
  {
    Executor executor(3);
    for (int i = 0; i < kCalls; ++i) {
      asio::co_spawn(
          io,
          [&]() -> asio::awaitable<void> {
            co_await executor.run([&] {
              int now = ++running;
              int seen = most.load();
              while (now > seen && !most.compare_exchange_weak(seen, now)) {
              }
              std::this_thread::sleep_for(std::chrono::milliseconds(5));
              --running;
              return 0;
            });
            ++finished;
          },
          asio::detached);
    }
    io.run();
  }
  EXPECT_EQ(finished, kCalls);
  EXPECT_LE(most.load(), 3);
  EXPECT_GE(most.load(), 1);
}

// One call after another (a FETCH's batches) stays on the few threads that
// ran the last calls, whose memory is warm, instead of going round all.
TEST(StoreExecutor, SequentialCallsStayOnTheMostRecentlyIdleThreads) {
  asio::io_context io;
  Executor executor(16);
  std::set<std::thread::id> used;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 100; ++i) {
          used.insert(co_await executor.run([] { return std::this_thread::get_id(); }));
        }
      },
      asio::detached);
  io.run();
  // A call may find the previous thread still finishing and take another.
  EXPECT_LE(used.size(), 4u);
}

TEST(StoreExecutor, DestroyingItRunsEveryCallAlreadySubmitted) {
  asio::io_context io;
  std::atomic<int> ran{0};
  {
    Executor executor(2);
    for (int i = 0; i < 20; ++i) {
      asio::co_spawn(
          io,
          [&]() -> asio::awaitable<void> {
            co_await executor.run([&] {
              std::this_thread::sleep_for(std::chrono::milliseconds(1));
              return ++ran;
            });
          },
          asio::detached);
    }
    // Runs each coroutine up to its submit; the executor is destroyed with
    // the calls queued or running.
    io.poll();
  }
  EXPECT_EQ(ran.load(), 20);
}

}  // namespace
}  // namespace eider::store
