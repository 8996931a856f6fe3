#include "store/names.h"

#include <algorithm>
#include <array>

#include "core/ascii.h"

namespace eider::store {

namespace {

bool has_control_or_space(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
}

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

}  // namespace

Result<std::string> normalize_user_name(std::string_view name) {
  if (name.empty() || has_control_or_space(name)) {
    return error(Code::invalid_argument, "invalid user name \"" + std::string(name) + "\"");
  }
  return core::ascii_lowercase(name);
}

Result<std::string> normalize_path(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.back() == '/' ||
      path.find("//") != std::string_view::npos || has_control(path)) {
    return error(Code::invalid_argument, "invalid mailbox name \"" + std::string(path) + "\"");
  }
  size_t slash = path.find('/');
  std::string_view first = path.substr(0, slash);
  if (!core::iequals(first, "INBOX")) return std::string(path);
  std::string out = "INBOX";
  if (slash != std::string_view::npos) out += path.substr(slash);
  return out;
}

Status check_special_use(std::string_view special_use) {
  static constexpr std::array<std::string_view, 8> kKnown = {
      "", "\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash"};
  if (std::find(kKnown.begin(), kKnown.end(), special_use) != kKnown.end()) return Status::ok();
  return error(Code::invalid_argument, "unknown special use \"" + std::string(special_use) + "\"");
}

}  // namespace eider::store
