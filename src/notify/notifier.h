// The Notifier: tells sessions that a mailbox changed (docs/architecture.md, idea 4).
//
// After a store commit, the writer publishes a Beacon (user, mailbox, modseq).
// Subscribers of that user get it and read the journal after their own modseq;
// a beacon carries no data of its own, so a lost or duplicated beacon costs
// only a delay or a redundant journal read, never correctness.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>

#include "core/status.h"

namespace eider::notify {

enum class BeaconKind : uint8_t {
  // mailbox_id changed; modseq is its highest MODSEQ after the change.
  changed = 0,
  // Anything of the user's may have changed unannounced (a notifier
  // reconnect, a change whose modseq could not be read back): every
  // session of the user reads its journal, whatever its mailbox and modseq.
  // mailbox_id and modseq are 0.
  resync = 1,
  // The user's sessions end (on every node): password change, account
  // disabled, logout from the API. mailbox_id and modseq are 0.
  logout = 2,
};

struct Beacon {
  int64_t user_id = 0;
  int64_t mailbox_id = 0;
  uint64_t modseq = 0;  // the mailbox's highest modseq after the change
  BeaconKind kind = BeaconKind::changed;

  bool operator==(const Beacon&) const = default;
};

using Callback = std::function<void(const Beacon&)>;

// Keeps a subscription alive; destroying it (or reset()) unsubscribes. Once
// that returns, the callback is not running and will not run again, unless
// the callback itself is what unsubscribes. Move-only.
class Subscription {
 public:
  Subscription() = default;
  explicit Subscription(std::function<void()> cancel) : cancel_(std::move(cancel)) {}
  Subscription(Subscription&& other) noexcept : cancel_(std::exchange(other.cancel_, nullptr)) {}
  Subscription& operator=(Subscription&& other) noexcept {
    if (this != &other) {
      reset();
      cancel_ = std::exchange(other.cancel_, nullptr);
    }
    return *this;
  }
  ~Subscription() { reset(); }

  void reset() {
    if (cancel_) std::exchange(cancel_, nullptr)();
  }
  bool active() const { return cancel_ != nullptr; }

 private:
  std::function<void()> cancel_;
};

class Notifier {
 public:
  virtual ~Notifier() = default;

  // Delivers the beacon to every current subscriber of beacon.user_id. Never
  // fails: a notifier that cannot reach its peers logs and drops the beacon.
  virtual void publish(const Beacon& beacon) = 0;

  // Calls `callback` for each beacon of `user_id` published after this
  // returns, on the publishing thread (or, for remote notifiers, on the
  // notifier's own thread). Callbacks must be quick and must not block: post
  // the work to the session's executor. A Subscription may outlive the
  // Notifier; it then does nothing.
  virtual Subscription subscribe(int64_t user_id, Callback callback) = 0;

  // False while beacons may be lost (a remote notifier that lost its
  // connection). Sessions then poll the journal on a short interval; when
  // the notifier is healthy again it sends every subscriber a resync beacon.
  // It sends its own subscribers (on this node, which it always reaches) a
  // resync beacon too when it finds itself unhealthy, so that sessions in
  // IDLE start polling at once rather than at their next check.
  // Thread-safe and cheap: sessions call it on every wait.
  virtual bool healthy() const = 0;
};

// "local": the in-process notifier; "redis://host:port[/db]": the Redis
// notifier (notify/redis.h), which starts even while Redis is unreachable
// (unhealthy until it connects). A malformed URL is Code::invalid_argument.
Result<std::unique_ptr<Notifier>> open_notifier(std::string_view url);

}  // namespace eider::notify
