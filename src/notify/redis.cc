#include "notify/redis.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "core/log.h"
#include "notify/local.h"

namespace eider::notify {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kChannelPrefix = "eider:u:";
// Users whose beacon could not be published, remembered for a resync at
// reconnect; past this many the rest are only logged.
constexpr size_t kMaxMissedUsers = 100000;

template <typename T>
bool parse_number(std::string_view& text, T& out) {
  size_t space = text.find(' ');
  std::string_view field = text.substr(0, space);
  auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), out);
  if (ec != std::errc() || end != field.data() + field.size()) return false;
  text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
  return true;
}

std::string payload(uint64_t node, const Beacon& beacon) {
  return std::to_string(node) + " " + std::to_string(static_cast<int>(beacon.kind)) + " " +
         std::to_string(beacon.mailbox_id) + " " + std::to_string(beacon.modseq);
}

// Reads "<node> <kind> <mailbox> <modseq>" of the user's channel.
std::optional<Beacon> parse_beacon(std::string_view channel, std::string_view text,
                                   uint64_t& node) {
  if (!channel.starts_with(kChannelPrefix)) return std::nullopt;
  channel.remove_prefix(kChannelPrefix.size());
  Beacon beacon;
  int kind = 0;
  if (!parse_number(channel, beacon.user_id) || !channel.empty()) return std::nullopt;
  if (!parse_number(text, node) || !parse_number(text, kind) ||
      !parse_number(text, beacon.mailbox_id) || !parse_number(text, beacon.modseq) ||
      !text.empty() || kind < 0 || kind > static_cast<int>(BeaconKind::logout)) {
    return std::nullopt;
  }
  beacon.kind = static_cast<BeaconKind>(kind);
  return beacon;
}

Beacon resync_of(int64_t user_id) {
  return Beacon{.user_id = user_id, .mailbox_id = 0, .modseq = 0, .kind = BeaconKind::resync};
}

}  // namespace

struct RedisNotifier::State {
  explicit State(const Options& o)
      : options(o), node(std::random_device()() * 0x100000000ull + std::random_device()()) {
    wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  }
  ~State() {
    if (wake_fd >= 0) close(wake_fd);
  }

  const Options options;
  const uint64_t node;  // tells this node's beacons from the others'
  int wake_fd = -1;     // wakes the subscriber thread: subscriptions changed, or stop
  LocalNotifier local;
  std::atomic<bool> healthy{false};
  std::atomic<bool> stopping{false};

  std::mutex users_mutex;
  std::map<int64_t, size_t> users;  // local subscribers per user; guarded

  std::mutex publish_mutex;
  std::optional<RedisConnection> publisher;  // guarded; empty while down
  std::set<int64_t> missed;                  // guarded; see kMaxMissedUsers
  std::atomic<bool> publisher_failed{false};

  // The subscriber thread's own.
  std::optional<RedisConnection> subscriber;
  std::set<int64_t> subscribed;  // channels SUBSCRIBEd on `subscriber`
  std::set<int64_t> confirming;  // first subscribers waiting for the confirmation
  bool logged_down = false;
  Clock::time_point last_heard;
  bool ping_sent = false;

  std::thread thread;

  void wake() {
    const uint64_t one = 1;
    ssize_t written = write(wake_fd, &one, sizeof one);
    (void)written;  // a full counter wakes the thread as well
  }
  void drain_wake() {
    uint64_t count = 0;
    ssize_t got = read(wake_fd, &count, sizeof count);
    (void)got;
  }

  void went_down(std::string_view why) {
    const bool was_healthy = healthy.exchange(false);
    if (was_healthy || !logged_down) {
      core::log_event(core::LogLevel::warn, "notify.redis_down", {{"error", why}});
    }
    logged_down = true;
    if (was_healthy) tell_local_to_resync();
  }

  // Beacons from the other nodes may be lost from now on: a resync beacon
  // makes this node's sessions read their journals, and an idle one start
  // polling now rather than at its next user check (Notifier::healthy()).
  void tell_local_to_resync() {
    for (int64_t user : wanted_users()) local.publish(resync_of(user));
  }

  // Publishes on the publisher connection; false (and unhealthy) if it failed.
  bool publish_remote(const Beacon& beacon) {
    bool lost_health = false;
    {
      std::lock_guard lock(publish_mutex);
      if (!publisher || publisher->broken()) {
        remember_missed(beacon.user_id);
        return false;
      }
      Result<RedisValue> sent =
          publisher->command({"PUBLISH", channel(beacon.user_id), payload(node, beacon)});
      if (sent) return true;
      remember_missed(beacon.user_id);
      publisher.reset();
      publisher_failed = true;
      lost_health = healthy.exchange(false);
      if (lost_health) {
        core::log_event(core::LogLevel::warn, "notify.redis_publish_failed",
                        {{"user_id", beacon.user_id}, {"error", sent.status().to_string()}});
      }
      wake();
    }
    // The subscriber thread will find healthy already false and not tell.
    if (lost_health) tell_local_to_resync();
    return false;
  }

  void remember_missed(int64_t user_id) {
    if (missed.size() < kMaxMissedUsers) {
      missed.insert(user_id);
    } else if (!missed.contains(user_id)) {
      core::log_event(core::LogLevel::warn, "notify.redis_beacon_dropped", {{"user_id", user_id}});
    }
  }

  // Waits `delay` or until woken; false when stopping.
  bool sleep(std::chrono::milliseconds delay) {
    pollfd fd{.fd = wake_fd, .events = POLLIN, .revents = 0};
    (void)poll(&fd, 1, static_cast<int>(delay.count()));
    drain_wake();
    return !stopping;
  }

  std::vector<int64_t> wanted_users() {
    std::lock_guard lock(users_mutex);
    std::vector<int64_t> wanted;
    for (const auto& [user, count] : users) wanted.push_back(user);
    return wanted;
  }

  // Connects both connections and SUBSCRIBEs every user with local
  // subscribers, waiting for the confirmations. True when done.
  bool connect() {
    Result<RedisConnection> sub = RedisConnection::connect(options.address, options.timeout);
    if (!sub) {
      went_down(sub.status().to_string());
      return false;
    }
    Result<RedisConnection> pub = RedisConnection::connect(options.address, options.timeout);
    if (!pub) {
      went_down(pub.status().to_string());
      return false;
    }
    subscriber = std::move(sub).value();
    subscribed.clear();
    confirming.clear();
    const std::vector<int64_t> wanted = wanted_users();
    if (!wanted.empty()) {
      std::vector<std::string> args{"SUBSCRIBE"};
      for (int64_t user : wanted) args.push_back(channel(user));
      if (!send(args)) return false;
      // One confirmation per channel; nothing else can come before them.
      for (size_t i = 0; i < wanted.size(); ++i) {
        void* raw = nullptr;
        if (redisGetReply(subscriber->context(), &raw) != REDIS_OK || raw == nullptr) {
          went_down("redis: no answer to SUBSCRIBE");
          return false;
        }
        freeReplyObject(raw);
      }
      subscribed.insert(wanted.begin(), wanted.end());
    }
    std::set<int64_t> missed_meanwhile;
    {
      std::lock_guard lock(publish_mutex);
      publisher = std::move(pub).value();
      missed_meanwhile.swap(missed);
      publisher_failed = false;
    }
    healthy = true;
    const bool was_down = logged_down;
    logged_down = false;
    last_heard = Clock::now();
    ping_sent = false;
    // Only a recovery is news: the first connection is not logged (serve's
    // ready line names the notifier), so a start that fails after it still
    // prints its one error line and nothing else (docs/cli.md).
    if (was_down) {
      core::log_event(core::LogLevel::info, "notify.redis_up",
                      {{"host", options.address.host},
                       {"port", options.address.port},
                       {"users", wanted.size()}});
    }
    // What was published while we were away was lost to us, and what we
    // could not publish was lost to the other nodes.
    for (int64_t user : wanted) local.publish(resync_of(user));
    for (int64_t user : missed_meanwhile) {
      if (!publish_remote(resync_of(user))) break;
    }
    return true;
  }

  // Writes a command on the subscriber connection without waiting for its
  // reply (replies come through the read loop).
  bool send(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const std::string& arg : args) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    redisContext* context = subscriber->context();
    if (redisAppendCommandArgv(context, static_cast<int>(argv.size()), argv.data(),
                               lengths.data()) != REDIS_OK) {
      went_down(std::string("redis: ") + context->errstr);
      return false;
    }
    int done = 0;
    while (!done) {
      if (redisBufferWrite(context, &done) != REDIS_OK) {
        went_down(std::string("redis: ") + context->errstr);
        return false;
      }
    }
    return true;
  }

  // SUBSCRIBEs users who gained a first local subscriber, UNSUBSCRIBEs
  // those who lost their last.
  bool sync_subscriptions() {
    const std::vector<int64_t> wanted = wanted_users();
    std::vector<std::string> add{"SUBSCRIBE"}, remove{"UNSUBSCRIBE"};
    for (int64_t user : wanted) {
      if (!subscribed.contains(user)) add.push_back(channel(user));
    }
    const std::set<int64_t> wanted_set(wanted.begin(), wanted.end());
    for (int64_t user : subscribed) {
      if (!wanted_set.contains(user)) remove.push_back(channel(user));
    }
    if (add.size() > 1) {
      if (!send(add)) return false;
      for (int64_t user : wanted) {
        if (subscribed.insert(user).second) confirming.insert(user);
      }
    }
    if (remove.size() > 1) {
      if (!send(remove)) return false;
      std::erase_if(subscribed, [&](int64_t user) { return !wanted_set.contains(user); });
      std::erase_if(confirming, [&](int64_t user) { return !wanted_set.contains(user); });
    }
    return true;
  }

  void handle(const redisReply* reply) {
    last_heard = Clock::now();
    ping_sent = false;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2) return;
    const redisReply* type = reply->element[0];
    const redisReply* name = reply->element[1];
    if (type->type != REDIS_REPLY_STRING || name->type != REDIS_REPLY_STRING) return;
    const std::string_view kind(type->str, type->len);
    const std::string_view channel_name(name->str, name->len);
    if (kind == "message" && reply->elements == 3 &&
        reply->element[2]->type == REDIS_REPLY_STRING) {
      uint64_t from = 0;
      std::optional<Beacon> beacon = parse_beacon(
          channel_name, std::string_view(reply->element[2]->str, reply->element[2]->len), from);
      if (!beacon) {
        core::log_event(core::LogLevel::warn, "notify.redis_bad_beacon",
                        {{"channel", channel_name}});
      } else if (from != node) {  // our own went to our subscribers at publish
        local.publish(*beacon);
      }
    } else if (kind == "subscribe") {
      int64_t user = 0;
      std::string_view rest =
          channel_name.substr(std::min(channel_name.size(), kChannelPrefix.size()));
      if (parse_number(rest, user) && confirming.erase(user) > 0) local.publish(resync_of(user));
    }
  }

  // Reads beacons until the connection fails or the notifier stops.
  void serve() {
    redisContext* context = subscriber->context();
    while (!stopping) {
      if (publisher_failed) {
        went_down("redis: publish failed");
        return;
      }
      if (!sync_subscriptions()) return;
      pollfd fds[2] = {{.fd = context->fd, .events = POLLIN, .revents = 0},
                       {.fd = wake_fd, .events = POLLIN, .revents = 0}};
      const int wait_ms = static_cast<int>(std::max<int64_t>(1, options.ping_interval.count() / 4));
      if (poll(fds, 2, wait_ms) < 0 && errno != EINTR) {
        went_down("poll failed");
        return;
      }
      if (fds[1].revents != 0) drain_wake();
      if (fds[0].revents != 0) {
        if (redisBufferRead(context) != REDIS_OK) {
          went_down(std::string("redis: ") + context->errstr);
          return;
        }
        for (;;) {
          void* raw = nullptr;
          if (redisGetReplyFromReader(context, &raw) != REDIS_OK) {
            went_down(std::string("redis: ") + context->errstr);
            return;
          }
          if (raw == nullptr) break;
          handle(static_cast<const redisReply*>(raw));
          freeReplyObject(raw);
        }
      }
      const Clock::duration quiet = Clock::now() - last_heard;
      if (quiet > 3 * options.ping_interval) {
        went_down("redis: no answer to PING");
        return;
      }
      if (quiet > options.ping_interval && !ping_sent) {
        if (!send({"PING"})) return;
        ping_sent = true;
      }
    }
  }

  void run() {
    std::chrono::milliseconds backoff = options.min_backoff;
    while (!stopping) {
      if (!connect()) {
        subscriber.reset();
        if (!sleep(backoff)) break;
        backoff = std::min(backoff * 2, options.max_backoff);
        continue;
      }
      backoff = options.min_backoff;
      serve();
      subscriber.reset();
      std::lock_guard lock(publish_mutex);
      publisher.reset();
    }
  }
};

RedisNotifier::RedisNotifier(const Options& options) : state_(std::make_shared<State>(options)) {
  state_->thread = std::thread([state = state_.get()] { state->run(); });
  const auto deadline = Clock::now() + options.start_wait;
  while (!state_->healthy && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

RedisNotifier::~RedisNotifier() {
  state_->stopping = true;
  state_->wake();
  state_->thread.join();
}

std::string RedisNotifier::channel(int64_t user_id) {
  return std::string(kChannelPrefix) + std::to_string(user_id);
}

void RedisNotifier::publish(const Beacon& beacon) {
  state_->local.publish(beacon);
  state_->publish_remote(beacon);
}

Subscription RedisNotifier::subscribe(int64_t user_id, Callback callback) {
  auto inner =
      std::make_shared<Subscription>(state_->local.subscribe(user_id, std::move(callback)));
  bool first = false;
  {
    std::lock_guard lock(state_->users_mutex);
    first = ++state_->users[user_id] == 1;
  }
  if (first) state_->wake();
  std::weak_ptr<State> weak = state_;
  return Subscription([weak, inner, user_id] {
    inner->reset();
    std::shared_ptr<State> state = weak.lock();
    if (!state) return;
    bool last = false;
    {
      std::lock_guard lock(state->users_mutex);
      auto it = state->users.find(user_id);
      if (it != state->users.end() && --it->second == 0) {
        state->users.erase(it);
        last = true;
      }
    }
    if (last) state->wake();
  });
}

bool RedisNotifier::healthy() const {
  return state_->healthy;
}

}  // namespace eider::notify
