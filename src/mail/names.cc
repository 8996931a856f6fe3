#include "mail/names.h"

#include "mime/charset.h"
#include "store/names.h"

namespace eider::mail {

Result<std::string> normalize_mailbox_path(std::string_view path) {
  auto invalid = [&](std::string_view why) {
    return error(Code::invalid_argument,
                 "invalid mailbox name \"" + mime::sanitize_utf8(path) + "\": " + std::string(why));
  };
  if (path.size() > kMaxMailboxPathBytes) return invalid("too long");
  if (!mime::is_valid_utf8(path)) return invalid("not UTF-8");
  if (path.find_first_of("*%") != std::string_view::npos) return invalid("holds * or %");
  for (size_t begin = 0; begin <= path.size();) {
    size_t end = path.find('/', begin);
    if (end == std::string_view::npos) end = path.size();
    if (end - begin > kMaxMailboxLevelBytes) return invalid("a level is too long");
    begin = end + 1;
  }
  // Empty levels, control characters and INBOX's case are the store's rules.
  return store::normalize_path(path);
}

}  // namespace eider::mail
