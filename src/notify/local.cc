#include "notify/local.h"

#include <vector>

namespace eider::notify {
namespace {

// One subscriber. `run` is held while its callback runs, so cancelling can
// wait for a running callback; it is recursive so that a callback may cancel
// its own subscription.
struct Entry {
  explicit Entry(Callback cb) : callback(std::move(cb)) {}
  Callback callback;
  std::recursive_mutex run;
  bool cancelled = false;  // guarded by run
};

}  // namespace

struct LocalNotifier::Registry {
  mutable std::mutex mutex;
  std::multimap<int64_t, std::shared_ptr<Entry>> entries;
};

LocalNotifier::LocalNotifier() : registry_(std::make_shared<Registry>()) {}

LocalNotifier::~LocalNotifier() = default;

void LocalNotifier::publish(const Beacon& beacon) {
  std::vector<std::shared_ptr<Entry>> targets;
  {
    std::lock_guard lock(registry_->mutex);
    auto [begin, end] = registry_->entries.equal_range(beacon.user_id);
    for (auto it = begin; it != end; ++it) targets.push_back(it->second);
  }
  for (const std::shared_ptr<Entry>& entry : targets) {
    std::lock_guard run(entry->run);
    if (!entry->cancelled) entry->callback(beacon);
  }
}

Subscription LocalNotifier::subscribe(int64_t user_id, Callback callback) {
  auto entry = std::make_shared<Entry>(std::move(callback));
  {
    std::lock_guard lock(registry_->mutex);
    registry_->entries.emplace(user_id, entry);
  }
  std::weak_ptr<Registry> weak_registry = registry_;
  return Subscription([weak_registry, user_id, entry] {
    if (std::shared_ptr<Registry> registry = weak_registry.lock()) {
      std::lock_guard lock(registry->mutex);
      auto [begin, end] = registry->entries.equal_range(user_id);
      for (auto it = begin; it != end; ++it) {
        if (it->second == entry) {
          registry->entries.erase(it);
          break;
        }
      }
    }
    std::lock_guard run(entry->run);
    entry->cancelled = true;
  });
}

size_t LocalNotifier::subscriber_count() const {
  std::lock_guard lock(registry_->mutex);
  return registry_->entries.size();
}

}  // namespace eider::notify
