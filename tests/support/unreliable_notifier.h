// A notifier that can lose its peers, for the sessions' health tests
// (docs/architecture.md, testing): a LocalNotifier whose link can be cut.
//
// While cut, healthy() is false and published beacons are dropped, as a
// remote notifier that lost its connection drops them. Cutting and mending
// each send every subscriber a resync beacon, as notify/notifier.h asks of
// a notifier when its health changes. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>

#include "notify/local.h"
#include "notify/notifier.h"

namespace eider::notify::testing {

class UnreliableNotifier final : public Notifier {
 public:
  void publish(const Beacon& beacon) override;
  Subscription subscribe(int64_t user_id, Callback callback) override;
  bool healthy() const override { return healthy_.load(); }

  // Drops every beacon from now on, and tells the subscribers to resync.
  void cut();
  // Delivers beacons again, and tells the subscribers to resync.
  void mend();
  // Beacons dropped while cut.
  uint64_t dropped() const { return dropped_.load(); }

 private:
  void resync_everyone();

  // The users subscribed, one entry per live subscription; shared with
  // the subscriptions, which may outlive the notifier.
  struct Users {
    std::mutex mutex;
    std::multiset<int64_t> ids;
  };

  LocalNotifier local_;
  std::atomic<bool> healthy_{true};
  std::atomic<uint64_t> dropped_{0};
  std::shared_ptr<Users> users_ = std::make_shared<Users>();
};

}  // namespace eider::notify::testing
