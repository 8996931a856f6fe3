#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "notify/local.h"
#include "notify/notifier.h"

namespace eider::notify {
namespace {

TEST(OpenNotifier, KnowsLocalAndRedisAndRefusesTheRest) {
  Result<std::unique_ptr<Notifier>> local = open_notifier("local");
  ASSERT_TRUE(local.is_ok());
  EXPECT_NE(local->get(), nullptr);

  EXPECT_EQ(open_notifier("redis://127.0.0.1:99999").status().code(), Code::invalid_argument);
  EXPECT_EQ(open_notifier("carrier-pigeon").status().code(), Code::invalid_argument);
  EXPECT_EQ(open_notifier("").status().code(), Code::invalid_argument);
}

TEST(LocalNotifier, DeliversBeaconsOnlyToSubscribersOfThatUser) {
  LocalNotifier notifier;
  std::vector<Beacon> alice, alice_too, bob;
  Subscription a = notifier.subscribe(1, [&](const Beacon& b) { alice.push_back(b); });
  Subscription a2 = notifier.subscribe(1, [&](const Beacon& b) { alice_too.push_back(b); });
  Subscription b = notifier.subscribe(2, [&](const Beacon& b) { bob.push_back(b); });

  notifier.publish({1, 10, 5});
  notifier.publish({2, 20, 7});
  notifier.publish({3, 30, 9});

  EXPECT_EQ(alice, (std::vector<Beacon>{{1, 10, 5}}));
  EXPECT_EQ(alice_too, (std::vector<Beacon>{{1, 10, 5}}));
  EXPECT_EQ(bob, (std::vector<Beacon>{{2, 20, 7}}));
}

TEST(LocalNotifier, DestroyingTheSubscriptionUnsubscribes) {
  LocalNotifier notifier;
  int calls = 0;
  {
    Subscription s = notifier.subscribe(1, [&](const Beacon&) { ++calls; });
    notifier.publish({1, 1, 1});
    EXPECT_EQ(notifier.subscriber_count(), 1u);
  }
  notifier.publish({1, 1, 2});
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(notifier.subscriber_count(), 0u);
}

TEST(LocalNotifier, MovedSubscriptionStaysSubscribedOnce) {
  LocalNotifier notifier;
  int calls = 0;
  Subscription outer;
  {
    Subscription inner = notifier.subscribe(1, [&](const Beacon&) { ++calls; });
    outer = std::move(inner);
    EXPECT_FALSE(inner.active());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  }
  EXPECT_TRUE(outer.active());
  notifier.publish({1, 1, 1});
  outer.reset();
  outer.reset();
  notifier.publish({1, 1, 2});
  EXPECT_EQ(calls, 1);
}

TEST(LocalNotifier, CallbackMayPublishSubscribeAndCancelItself) {
  LocalNotifier notifier;
  int calls = 0;
  Subscription self;
  Subscription later;
  self = notifier.subscribe(1, [&](const Beacon& b) {
    ++calls;
    later = notifier.subscribe(2, [](const Beacon&) {});
    notifier.publish({2, b.mailbox_id, b.modseq});
    self.reset();
  });
  notifier.publish({1, 1, 1});
  notifier.publish({1, 1, 2});
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(notifier.subscriber_count(), 1u);
}

TEST(LocalNotifier, SubscriptionMayOutliveTheNotifier) {
  Subscription s;
  {
    LocalNotifier notifier;
    s = notifier.subscribe(1, [](const Beacon&) {});
  }
  s.reset();
  EXPECT_FALSE(s.active());
}

TEST(LocalNotifier, ConcurrentPublishersReachEverySubscriberExactlyOnce) {
  LocalNotifier notifier;
  constexpr int kThreads = 4;
  constexpr int kBeacons = 2000;
  std::atomic<int> first{0}, second{0};
  Subscription a = notifier.subscribe(7, [&](const Beacon&) { first.fetch_add(1); });
  Subscription b = notifier.subscribe(7, [&](const Beacon&) { second.fetch_add(1); });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kBeacons; ++i) notifier.publish({7, t, static_cast<uint64_t>(i)});
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(first.load(), kThreads * kBeacons);
  EXPECT_EQ(second.load(), kThreads * kBeacons);
}

TEST(LocalNotifier, NoCallbackRunsAfterUnsubscribeReturns) {
  LocalNotifier notifier;
  std::atomic<bool> stop{false};
  std::atomic<bool> unsubscribed{false};
  std::atomic<int> late_calls{0};
  std::thread publisher([&] {
    while (!stop.load()) notifier.publish({1, 1, 1});
  });
  for (int round = 0; round < 200; ++round) {
    unsubscribed = false;
    Subscription s = notifier.subscribe(1, [&](const Beacon&) {
      if (unsubscribed.load()) late_calls.fetch_add(1);
    });
    std::this_thread::yield();
    s.reset();
    unsubscribed = true;
  }
  stop = true;
  publisher.join();
  EXPECT_EQ(late_calls.load(), 0);
  EXPECT_EQ(notifier.subscriber_count(), 0u);
}

TEST(LocalNotifier, SubscribersComeAndGoWhilePublishing) {
  LocalNotifier notifier;
  std::atomic<bool> stop{false};
  std::thread publisher([&] {
    uint64_t n = 0;
    while (!stop.load()) notifier.publish({1, 1, ++n});
  });
  std::vector<std::thread> churn;
  for (int t = 0; t < 3; ++t) {
    churn.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        uint64_t last = 0;
        bool ordered = true;
        Subscription s = notifier.subscribe(1, [&](const Beacon& b) {
          if (b.modseq <= last) ordered = false;
          last = b.modseq;
        });
        std::this_thread::yield();
        s.reset();
        EXPECT_TRUE(ordered);
      }
    });
  }
  for (std::thread& t : churn) t.join();
  stop = true;
  publisher.join();
  EXPECT_EQ(notifier.subscriber_count(), 0u);
}

}  // namespace
}  // namespace eider::notify
