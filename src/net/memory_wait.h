// Waiting for room in the memory budget (core/memory_budget.h) without
// blocking an I/O thread: the coroutine retries on a short timer until the
// reservation fits or `wait` has passed.
#pragma once

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <optional>

#include "core/memory_budget.h"

namespace eider::net {

// The reservation, or nullopt when it did not fit within `wait`.
inline boost::asio::awaitable<std::optional<core::MemoryBudget::Reservation>> reserve_memory(
    core::MemoryBudget& budget, uint64_t bytes, std::chrono::milliseconds wait) {
  // Short enough that a queue of waiters moves on soon after a release;
  // the waiters are at most one per connection, each a timer.
  constexpr std::chrono::milliseconds kRetry{20};
  const auto deadline = std::chrono::steady_clock::now() + wait;
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  for (;;) {
    if (std::optional<core::MemoryBudget::Reservation> got = budget.try_reserve(bytes)) {
      co_return got;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) co_return std::nullopt;
    timer.expires_after(std::min<std::chrono::steady_clock::duration>(kRetry, deadline - now));
    (void)co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
}

}  // namespace eider::net
