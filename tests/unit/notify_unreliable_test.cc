// The test notifier that loses its peers (support/unreliable_notifier.h):
// what the session tests rely on it to do.
#include <gtest/gtest.h>

#include <vector>

#include "support/unreliable_notifier.h"

namespace eider::notify {
namespace {

using testing::UnreliableNotifier;

TEST(UnreliableNotifier, DropsBeaconsWhileCutAndResyncsOnEachChangeOfHealth) {
  UnreliableNotifier notifier;
  std::vector<Beacon> alice, bob;
  Subscription a = notifier.subscribe(1, [&](const Beacon& b) { alice.push_back(b); });
  Subscription b = notifier.subscribe(2, [&](const Beacon& b) { bob.push_back(b); });
  EXPECT_TRUE(notifier.healthy());
  notifier.publish({1, 10, 5});

  notifier.cut();
  EXPECT_FALSE(notifier.healthy());
  notifier.publish({1, 10, 6});
  notifier.publish({2, 20, 7});
  EXPECT_EQ(notifier.dropped(), 2u);

  notifier.mend();
  EXPECT_TRUE(notifier.healthy());
  const Beacon alice_resync{1, 0, 0, BeaconKind::resync};
  const Beacon bob_resync{2, 0, 0, BeaconKind::resync};
  EXPECT_EQ(alice, (std::vector<Beacon>{{1, 10, 5}, alice_resync, alice_resync}));
  EXPECT_EQ(bob, (std::vector<Beacon>{bob_resync, bob_resync}));
}

TEST(UnreliableNotifier, SubscriptionMayOutliveIt) {
  Subscription kept;
  {
    UnreliableNotifier notifier;
    kept = notifier.subscribe(1, [](const Beacon&) {});
  }
  kept.reset();
  EXPECT_FALSE(kept.active());
}

}  // namespace
}  // namespace eider::notify
