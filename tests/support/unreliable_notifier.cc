#include "support/unreliable_notifier.h"

#include <memory>
#include <vector>

namespace eider::notify::testing {

void UnreliableNotifier::publish(const Beacon& beacon) {
  if (!healthy_.load()) {
    ++dropped_;
    return;
  }
  local_.publish(beacon);
}

Subscription UnreliableNotifier::subscribe(int64_t user_id, Callback callback) {
  {
    std::lock_guard lock(users_->mutex);
    users_->ids.insert(user_id);
  }
  auto inner = std::make_shared<Subscription>(local_.subscribe(user_id, std::move(callback)));
  return Subscription([users = std::weak_ptr<Users>(users_), user_id, inner] {
    inner->reset();
    if (std::shared_ptr<Users> live = users.lock()) {
      std::lock_guard lock(live->mutex);
      live->ids.erase(live->ids.find(user_id));
    }
  });
}

void UnreliableNotifier::cut() {
  healthy_.store(false);
  resync_everyone();
}

void UnreliableNotifier::mend() {
  healthy_.store(true);
  resync_everyone();
}

// Local delivery always works: only the link to other nodes was cut.
void UnreliableNotifier::resync_everyone() {
  std::set<int64_t> users;
  {
    std::lock_guard lock(users_->mutex);
    users.insert(users_->ids.begin(), users_->ids.end());
  }
  for (int64_t user : users) local_.publish({user, 0, 0, BeaconKind::resync});
}

}  // namespace eider::notify::testing
