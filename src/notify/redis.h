// The Redis notifier: beacons reach the sessions of every node on one Redis
// (`notify = redis://host:port[/db]`, docs/architecture.md).
//
// A beacon goes to the local sessions of its user directly and is PUBLISHed
// on the user's channel, `eider:u:<user_id>`, as "<node> <kind> <mailbox>
// <modseq>"; a node ignores its own beacons coming back, so nothing is
// delivered twice. Pub/sub is not scoped by Redis db: nodes that must not
// hear each other need separate Redis servers.
//
// Each node SUBSCRIBEs once per user that has local subscribers, on one
// connection owned by a subscriber thread, and fans beacons out through a
// LocalNotifier. publish() runs on the caller's (store) thread on a second
// connection, each command bounded by a timeout.
//
// Health: a failed connection (or no answer to the thread's PINGs) makes
// healthy() false at once, and every local subscriber gets a resync beacon
// (idle sessions start polling); the thread reconnects both connections with a
// backoff from 50 ms doubling to 5 s, SUBSCRIBEs again, and only then is
// healthy() true. Then every local subscriber gets a resync beacon, and a
// resync beacon is published for each user whose beacon this node could
// not publish meanwhile (the other nodes did not see it fail). A user's
// first local subscriber gets a resync beacon once its SUBSCRIBE is
// confirmed, covering the beacons sent before that.
#pragma once

#include <memory>
#include <string_view>

#include "core/status.h"
#include "notify/notifier.h"
#include "notify/redis_client.h"

namespace eider::notify {

class RedisNotifier final : public Notifier {
 public:
  struct Options {
    RedisAddress address;
    // Bounds each connect and command (publish waits at most this long).
    std::chrono::milliseconds timeout{1000};
    std::chrono::milliseconds min_backoff{50};
    std::chrono::milliseconds max_backoff{5000};
    // The subscriber thread PINGs when it has heard nothing for this long,
    // and gives the connection up after three times as long.
    std::chrono::milliseconds ping_interval{1000};
    // How long the constructor waits for the first connection, so that a
    // short-lived command's beacons are not all dropped.
    std::chrono::milliseconds start_wait{1000};
  };

  // Starts the subscriber thread and waits up to start_wait for Redis; if it
  // cannot be reached by then the notifier starts unhealthy and keeps trying.
  explicit RedisNotifier(const Options& options);
  ~RedisNotifier() override;

  void publish(const Beacon& beacon) override;
  Subscription subscribe(int64_t user_id, Callback callback) override;
  bool healthy() const override;

  // The channel a user's beacons travel on.
  static std::string channel(int64_t user_id);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace eider::notify
