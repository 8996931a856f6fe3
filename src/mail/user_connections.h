// max-connections-per-user: how many logged-in IMAP and POP3 sessions a
// user may have at once. A session takes a Slot after its login succeeds
// and holds it until it ends; when the user has the maximum, no Slot.
//
// Two implementations, chosen at serve start: MemoryUserConnections counts
// the node's sessions; RedisUserConnections (mail/redis_limits.h) counts
// every node's. The latter blocks in acquire (blocks() is true): sessions
// then call it on a store thread. Releasing never blocks.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <utility>

namespace eider::mail {

class UserConnections {
 public:
  // One session's place in its user's count; destroying it gives it back.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept
        : owner_(std::exchange(other.owner_, nullptr)), user_id_(other.user_id_) {}
    Slot& operator=(Slot&& other) noexcept {
      if (this != &other) {
        reset();
        owner_ = std::exchange(other.owner_, nullptr);
        user_id_ = other.user_id_;
      }
      return *this;
    }
    ~Slot() { reset(); }

    bool held() const { return owner_ != nullptr; }
    void reset() {
      if (owner_ != nullptr) std::exchange(owner_, nullptr)->release(user_id_);
    }

   private:
    friend class UserConnections;
    UserConnections* owner_ = nullptr;
    int64_t user_id_ = 0;
  };

  // max 0: no limit.
  explicit UserConnections(uint64_t max) : max_(max) {}
  virtual ~UserConnections() = default;

  // A slot, or an empty one (!held()) when the user has `max` sessions.
  virtual Slot acquire(int64_t user_id) = 0;
  // Whether acquire may wait on the network.
  virtual bool blocks() const { return false; }
  uint64_t max() const { return max_; }

 protected:
  virtual void release(int64_t user_id) = 0;
  Slot slot_for(int64_t user_id) {
    Slot slot;
    slot.owner_ = this;
    slot.user_id_ = user_id;
    return slot;
  }

 private:
  const uint64_t max_;
};

// The node's own sessions, in memory.
class MemoryUserConnections final : public UserConnections {
 public:
  using UserConnections::UserConnections;

  Slot acquire(int64_t user_id) override;
  // The user's sessions counted now, for tests.
  uint64_t count(int64_t user_id) const;

 protected:
  void release(int64_t user_id) override;

 private:
  mutable std::mutex mutex_;
  std::map<int64_t, uint64_t> counts_;  // only users with sessions
};

}  // namespace eider::mail
