// The in-process notifier: beacons reach subscribers in the same process.
//
// publish() copies the user's subscriber list under a lock and calls the
// callbacks after releasing it, so a callback may publish or subscribe.
// Memory: one small entry per live subscription.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "notify/notifier.h"

namespace eider::notify {

class LocalNotifier final : public Notifier {
 public:
  LocalNotifier();
  ~LocalNotifier() override;

  void publish(const Beacon& beacon) override;
  Subscription subscribe(int64_t user_id, Callback callback) override;
  bool healthy() const override { return true; }  // nothing between publisher and subscriber

  // Live subscriptions, for tests.
  size_t subscriber_count() const;

 private:
  struct Registry;
  std::shared_ptr<Registry> registry_;
};

}  // namespace eider::notify
