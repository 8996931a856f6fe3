#include "notify/notifier.h"

#include "notify/local.h"
#include "notify/redis.h"

namespace eider::notify {

Result<std::unique_ptr<Notifier>> open_notifier(std::string_view url) {
  if (url == "local") return std::unique_ptr<Notifier>(std::make_unique<LocalNotifier>());
  if (url.starts_with("redis://")) {
    Result<RedisAddress> address = parse_redis_url(url);
    if (!address) return address.status();
    return std::unique_ptr<Notifier>(
        std::make_unique<RedisNotifier>(RedisNotifier::Options{.address = *address}));
  }
  return error(Code::invalid_argument,
               "unknown notifier: " + std::string(url) + " (want local or redis://host:port[/db])");
}

}  // namespace eider::notify
