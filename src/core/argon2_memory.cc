#include "core/argon2_memory.h"

#include <sys/mman.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace eider::core::argon2_memory {
namespace {

using Clock = std::chrono::steady_clock;

class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (reaper_.joinable()) reaper_.join();
    for (const Block& block : parked_) munmap(block.memory, block.bytes);
  }

  uint8_t* take(size_t bytes) {
    std::lock_guard lock(mutex_);
    auto found = std::find_if(parked_.begin(), parked_.end(),
                              [bytes](const Block& block) { return block.bytes == bytes; });
    if (found == parked_.end()) return nullptr;
    uint8_t* memory = found->memory;
    parked_.erase(found);
    return memory;
  }

  void park(uint8_t* memory, size_t bytes) {
    {
      std::lock_guard lock(mutex_);
      if (parked_.size() < kMaxParked && !stopping_) {
        parked_.push_back(Block{memory, bytes, Clock::now()});
        if (!reaper_.joinable()) reaper_ = std::thread([this] { reap(); });
        memory = nullptr;
      }
    }
    if (memory != nullptr) {
      munmap(memory, bytes);
    } else {
      wake_.notify_one();
    }
  }

  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return parked_.size();
  }

 private:
  struct Block {
    uint8_t* memory;
    size_t bytes;
    Clock::time_point parked_at;
  };

  // Unmaps each block kKeepFor after it was parked, until the pool ends.
  void reap() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      if (parked_.empty()) {
        wake_.wait(lock);
        continue;
      }
      const Clock::time_point now = Clock::now();
      std::erase_if(parked_, [now](const Block& block) {
        if (now < block.parked_at + kKeepFor) return false;
        munmap(block.memory, block.bytes);
        return true;
      });
      if (parked_.empty()) continue;
      auto oldest = std::min_element(
          parked_.begin(), parked_.end(),
          [](const Block& a, const Block& b) { return a.parked_at < b.parked_at; });
      wake_.wait_until(lock, oldest->parked_at + kKeepFor);
    }
  }

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Block> parked_;
  bool stopping_ = false;
  std::thread reaper_;
};

Pool& pool() {
  static Pool instance;
  return instance;
}

}  // namespace

int allocate(uint8_t** memory, size_t bytes) {
  if (uint8_t* reused = pool().take(bytes)) {
    *memory = reused;
    return 0;
  }
  void* mapped = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (mapped == MAP_FAILED) return -1;
  *memory = static_cast<uint8_t*>(mapped);
  return 0;
}

void release(uint8_t* memory, size_t bytes) {
  pool().park(memory, bytes);
}

std::size_t parked() {
  return pool().size();
}

}  // namespace eider::core::argon2_memory
