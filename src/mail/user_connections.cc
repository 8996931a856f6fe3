#include "mail/user_connections.h"

namespace eider::mail {

UserConnections::Slot MemoryUserConnections::acquire(int64_t user_id) {
  std::lock_guard lock(mutex_);
  uint64_t& count = counts_[user_id];
  if (max() > 0 && count >= max()) {
    return Slot();
  }
  ++count;
  return slot_for(user_id);
}

void MemoryUserConnections::release(int64_t user_id) {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(user_id);
  if (it != counts_.end() && --it->second == 0) counts_.erase(it);
}

uint64_t MemoryUserConnections::count(int64_t user_id) const {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(user_id);
  return it == counts_.end() ? 0 : it->second;
}

}  // namespace eider::mail
