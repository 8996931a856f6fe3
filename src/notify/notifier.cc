#include "notify/notifier.h"

#include "notify/local.h"

namespace eider::notify {

Result<std::unique_ptr<Notifier>> open_notifier(std::string_view url) {
  if (url == "local") return std::unique_ptr<Notifier>(std::make_unique<LocalNotifier>());
  if (url.starts_with("redis://")) {
    return error(Code::unsupported, "redis notifier is not built yet");
  }
  return error(Code::invalid_argument,
               "unknown notifier: " + std::string(url) + " (want local or redis://host:port)");
}

}  // namespace eider::notify
