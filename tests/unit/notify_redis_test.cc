#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "notify/redis.h"
#include "notify/redis_client.h"
#include "support/redis_server.h"

namespace eider::notify {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds within = 5s) {
  const auto deadline = Clock::now() + within;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return condition();
}

// The beacons one subscriber got, from the notifier's thread.
class Inbox {
 public:
  Callback callback() {
    return [this](const Beacon& beacon) {
      std::lock_guard lock(mutex_);
      beacons_.push_back(beacon);
      changed_.notify_all();
    };
  }
  std::vector<Beacon> beacons() const {
    std::lock_guard lock(mutex_);
    return beacons_;
  }
  // The beacons other than resync (those arrive whenever a SUBSCRIBE is
  // confirmed or a connection restored).
  std::vector<Beacon> changes() const {
    std::vector<Beacon> out;
    for (const Beacon& b : beacons()) {
      if (b.kind != BeaconKind::resync) out.push_back(b);
    }
    return out;
  }
  size_t resyncs() const { return beacons().size() - changes().size(); }
  bool wait_for(size_t count, std::chrono::milliseconds within = 5s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, within, [&] { return beacons_.size() >= count; });
  }
  void clear() {
    std::lock_guard lock(mutex_);
    beacons_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Beacon> beacons_;
};

Beacon changed(int64_t user, int64_t mailbox, uint64_t modseq) {
  return Beacon{.user_id = user, .mailbox_id = mailbox, .modseq = modseq};
}

class RedisNotifierTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(redis_.running()) << "redis-server did not start"; }

  RedisNotifier::Options options() {
    RedisNotifier::Options o;
    o.address = *parse_redis_url(redis_.url());
    o.ping_interval = 200ms;
    o.max_backoff = 200ms;
    return o;
  }

  // Subscribers of the user's channel across all nodes, as Redis counts them.
  int64_t numsub(int64_t user) {
    Result<RedisConnection> c = RedisConnection::connect(*parse_redis_url(redis_.url()), 1s);
    if (!c) return -1;
    Result<RedisValue> reply = c->command({"PUBSUB", "NUMSUB", RedisNotifier::channel(user)});
    if (!reply || reply->elements.size() != 2) return -1;
    return reply->elements[1].integer;
  }

  test::RedisServer redis_;
};

TEST(RedisUrl, ReadsHostPortAndDb) {
  Result<RedisAddress> a = parse_redis_url("redis://10.0.0.5:6380/3");
  ASSERT_TRUE(a.is_ok());
  EXPECT_EQ(a->host, "10.0.0.5");
  EXPECT_EQ(a->port, 6380);
  EXPECT_EQ(a->db, 3);
  Result<RedisAddress> b = parse_redis_url("redis://cache");
  ASSERT_TRUE(b.is_ok());
  EXPECT_EQ(b->port, 6379);
  EXPECT_EQ(b->db, 0);
  Result<RedisAddress> v6 = parse_redis_url("redis://[::1]:7000");
  ASSERT_TRUE(v6.is_ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 7000);
  for (const char* bad : {"redis://", "redis://h:0", "redis://h:x", "redis://h:1/-1",
                          "redis://h:1/a", "http://h:1", "redis://[::1"}) {
    EXPECT_EQ(parse_redis_url(bad).status().code(), Code::invalid_argument) << bad;
  }
}

TEST_F(RedisNotifierTest, BeaconFromOneNodeReachesOnlyThatUsersSubscribersOnTheOther) {
  RedisNotifier a(options()), b(options());
  Inbox alice_b, bob_b, alice_a;
  Subscription s1 = b.subscribe(1, alice_b.callback());
  Subscription s2 = b.subscribe(2, bob_b.callback());
  Subscription s3 = a.subscribe(1, alice_a.callback());
  ASSERT_TRUE(eventually([&] { return a.healthy() && b.healthy() && numsub(1) == 2; }));

  a.publish(changed(1, 10, 5));
  ASSERT_TRUE(eventually([&] { return alice_b.changes().size() == 1; }));
  EXPECT_EQ(alice_b.changes(), std::vector<Beacon>{changed(1, 10, 5)});
  // The publishing node's own subscriber hears it once, not again from Redis.
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(alice_a.changes(), std::vector<Beacon>{changed(1, 10, 5)});
  EXPECT_TRUE(bob_b.changes().empty());

  // Every kind travels.
  a.publish({.user_id = 2, .mailbox_id = 0, .modseq = 0, .kind = BeaconKind::logout});
  ASSERT_TRUE(eventually([&] { return bob_b.changes().size() == 1; }));
  EXPECT_EQ(bob_b.changes()[0].kind, BeaconKind::logout);
}

TEST_F(RedisNotifierTest, OneSubscriptionPerUserPerNodeReleasedWithTheLastSubscriber) {
  RedisNotifier a(options()), b(options());
  std::vector<Subscription> on_a;
  Inbox inbox;
  for (int i = 0; i < 5; ++i) on_a.push_back(a.subscribe(7, inbox.callback()));
  ASSERT_TRUE(eventually([&] { return numsub(7) == 1; }));
  Subscription on_b = b.subscribe(7, inbox.callback());
  ASSERT_TRUE(eventually([&] { return numsub(7) == 2; }));

  on_a.resize(1);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(numsub(7), 2);  // one local subscriber left on a
  on_a.clear();
  EXPECT_TRUE(eventually([&] { return numsub(7) == 1; }));
  on_b.reset();
  EXPECT_TRUE(eventually([&] { return numsub(7) == 0; }));
}

TEST_F(RedisNotifierTest, FirstSubscriberIsToldToResyncOnceSubscribed) {
  RedisNotifier a(options());
  ASSERT_TRUE(eventually([&] { return a.healthy(); }));
  Inbox inbox;
  Subscription s = a.subscribe(3, inbox.callback());
  ASSERT_TRUE(inbox.wait_for(1));
  EXPECT_EQ(inbox.beacons()[0].kind, BeaconKind::resync);
  EXPECT_EQ(inbox.beacons()[0].user_id, 3);
}

TEST_F(RedisNotifierTest, RecoversAfterRedisRestartsAndTellsEverySubscriberToResync) {
  RedisNotifier a(options()), b(options());
  Inbox b1, b2, b3;
  Subscription s1 = b.subscribe(1, b1.callback());
  Subscription s2 = b.subscribe(1, b2.callback());
  Subscription s3 = b.subscribe(2, b3.callback());
  ASSERT_TRUE(
      eventually([&] { return a.healthy() && b.healthy() && numsub(1) == 1 && numsub(2) == 1; }));
  b1.clear();
  b2.clear();
  b3.clear();

  const auto killed = Clock::now();
  redis_.kill();
  ASSERT_TRUE(eventually([&] { return !b.healthy(); }, 2s));
  const auto noticed = Clock::now();
  a.publish(changed(1, 10, 6));  // lost: nobody to carry it
  EXPECT_FALSE(a.healthy());     // the publisher sees its own failure at once
  std::printf("[ redis ] unhealthy %lld ms after the kill\n",
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(noticed - killed).count()));

  const auto restarted = Clock::now();
  ASSERT_TRUE(redis_.start());
  ASSERT_TRUE(eventually([&] { return a.healthy() && b.healthy(); }, 5s));
  std::printf(
      "[ redis ] healthy %lld ms after the restart\n",
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - restarted).count()));
  // Every local subscriber is told to read its journal (b's own reconnect,
  // and a's resync for the user whose beacon it could not publish).
  for (Inbox* inbox : {&b1, &b2, &b3}) {
    ASSERT_TRUE(eventually([&] { return inbox->resyncs() >= 1; }));
  }
  EXPECT_TRUE(numsub(1) == 1 && numsub(2) == 1);

  a.publish(changed(2, 20, 9));
  ASSERT_TRUE(eventually([&] { return b3.changes().size() == 1; }));
  EXPECT_EQ(b3.changes(), std::vector<Beacon>{changed(2, 20, 9)});
}

// Sessions in IDLE poll the journal only once told: the resync beacon comes
// when the notifier finds itself unhealthy, not only when it recovers.
TEST_F(RedisNotifierTest, LosingRedisTellsEveryLocalSubscriberToResyncWhileUnhealthy) {
  RedisNotifier a(options()), b(options());
  Inbox listener, publisher_side;
  Subscription s1 = b.subscribe(11, listener.callback());
  Subscription s2 = a.subscribe(12, publisher_side.callback());
  ASSERT_TRUE(
      eventually([&] { return a.healthy() && b.healthy() && numsub(11) == 1 && numsub(12) == 1; }));
  ASSERT_TRUE(eventually([&] { return listener.resyncs() == 1 && publisher_side.resyncs() == 1; }));
  listener.clear();
  publisher_side.clear();

  redis_.kill();
  a.publish(changed(11, 1, 2));  // a may learn it here first, or from its subscriber
  ASSERT_TRUE(eventually([&] { return listener.resyncs() >= 1; }, 2s));
  ASSERT_TRUE(eventually([&] { return publisher_side.resyncs() >= 1; }, 2s));
  EXPECT_FALSE(a.healthy());
  EXPECT_FALSE(b.healthy());
  EXPECT_TRUE(listener.changes().empty());
}

TEST_F(RedisNotifierTest, ARedisThatStopsAnsweringMakesItUnhealthyUntilItAnswers) {
  RedisNotifier a(options());
  Inbox inbox;
  Subscription s = a.subscribe(6, inbox.callback());
  ASSERT_TRUE(eventually([&] { return a.healthy() && numsub(6) == 1; }));
  // The server keeps its sockets open but answers nothing for 1.5 s.
  Result<RedisConnection> admin = RedisConnection::connect(*parse_redis_url(redis_.url()), 1s);
  ASSERT_TRUE(admin.is_ok());
  ASSERT_TRUE(admin->command({"CLIENT", "PAUSE", "1500", "ALL"}).is_ok());
  EXPECT_TRUE(eventually([&] { return !a.healthy(); }, 1400ms));
  EXPECT_TRUE(eventually([&] { return a.healthy(); }, 5s));
}

TEST_F(RedisNotifierTest, StartsUnhealthyWithoutRedisAndConnectsWhenItComes) {
  redis_.kill();
  RedisNotifier::Options o = options();
  o.start_wait = 0ms;
  RedisNotifier a(o);
  Inbox inbox;
  Subscription s = a.subscribe(4, inbox.callback());
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(a.healthy());
  a.publish(changed(4, 1, 1));  // dropped, not thrown, and local subscribers hear it
  EXPECT_EQ(inbox.changes().size(), 1u);
  ASSERT_TRUE(redis_.start());
  EXPECT_TRUE(eventually([&] { return a.healthy() && numsub(4) == 1; }));
  EXPECT_TRUE(eventually([&] { return inbox.resyncs() >= 1; }));
}

TEST_F(RedisNotifierTest, SubscriptionMayOutliveTheNotifier) {
  Subscription s;
  Inbox inbox;
  {
    RedisNotifier a(options());
    s = a.subscribe(5, inbox.callback());
  }
  s.reset();
  EXPECT_FALSE(s.active());
}

TEST_F(RedisNotifierTest, BeaconLatencyBetweenNodes) {
  RedisNotifier a(options()), b(options());
  std::mutex mutex;
  std::condition_variable heard;
  uint64_t last = 0;
  Subscription s = b.subscribe(9, [&](const Beacon& beacon) {
    std::lock_guard lock(mutex);
    last = beacon.modseq;
    heard.notify_all();
  });
  ASSERT_TRUE(eventually([&] { return a.healthy() && b.healthy() && numsub(9) == 1; }));
  std::vector<double> micros;
  for (uint64_t i = 1; i <= 100; ++i) {
    const auto sent = Clock::now();
    a.publish(changed(9, 1, i));
    std::unique_lock lock(mutex);
    ASSERT_TRUE(heard.wait_for(lock, 2s, [&] { return last == i; }));
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - sent).count());
  }
  std::sort(micros.begin(), micros.end());
  std::printf("[ redis ] beacon A->B latency: median %.0f us, p90 %.0f us, max %.0f us (100)\n",
              micros[50], micros[90], micros.back());
  EXPECT_LT(micros[50], 100000.0);  // the bound for IDLE, with room for the rest
}

}  // namespace
}  // namespace eider::notify
