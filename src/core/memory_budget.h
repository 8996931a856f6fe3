// The server's memory budget: bytes that message buffers (IMAP literals
// held in memory, LMTP DATA before it spools) and message ingests (parse,
// split, store write) may hold at once, over all sessions. A caller
// reserves before it allocates and releases when done, so many large
// messages at once queue for memory instead of growing the process until
// the kernel kills it.
//
// A reservation larger than the whole budget is cut to the budget: one
// message up to max-message-size always gets through on its own. A limit of
// 0 turns the budget off (every reservation succeeds). Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <utility>

namespace eider::core {

class MemoryBudget {
 public:
  explicit MemoryBudget(uint64_t limit) : limit_(limit) {}
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  // Bytes held until destroyed or release()d. Move-only.
  class Reservation {
   public:
    Reservation() = default;
    Reservation(Reservation&& other) noexcept
        : budget_(std::exchange(other.budget_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}
    Reservation& operator=(Reservation&& other) noexcept {
      if (this != &other) {
        release();
        budget_ = std::exchange(other.budget_, nullptr);
        bytes_ = std::exchange(other.bytes_, 0);
      }
      return *this;
    }
    ~Reservation() { release(); }
    void release() {
      if (budget_ != nullptr) budget_->used_.fetch_sub(bytes_);
      budget_ = nullptr;
      bytes_ = 0;
    }
    uint64_t bytes() const { return bytes_; }

   private:
    friend class MemoryBudget;
    Reservation(MemoryBudget* budget, uint64_t bytes) : budget_(budget), bytes_(bytes) {}
    MemoryBudget* budget_ = nullptr;
    uint64_t bytes_ = 0;
  };

  // The reservation when `bytes` fit now, else nullopt.
  std::optional<Reservation> try_reserve(uint64_t bytes) {
    if (limit_ == 0) return Reservation();
    if (bytes > limit_) bytes = limit_;
    uint64_t used = used_.load();
    do {
      if (used + bytes > limit_) return std::nullopt;
    } while (!used_.compare_exchange_weak(used, used + bytes));
    return Reservation(this, bytes);
  }

  uint64_t limit() const { return limit_; }
  uint64_t used() const { return used_.load(); }

 private:
  uint64_t limit_;
  std::atomic<uint64_t> used_{0};
};

}  // namespace eider::core
