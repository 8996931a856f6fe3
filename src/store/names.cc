#include "store/names.h"

#include <algorithm>
#include <array>

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

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

Result<std::string> normalize_user_name(std::string_view name) {
  if (name.empty() || has_control_or_space(name)) {
    return error(Code::invalid_argument, "invalid user name \"" + std::string(name) + "\"");
  }
  return lower_ascii(name);
}

Result<std::string> normalize_address(std::string_view address) {
  size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size() ||
      has_control_or_space(address)) {
    return error(Code::invalid_argument, "invalid address \"" + std::string(address) + "\"");
  }
  return lower_ascii(address);
}

Result<std::string> normalize_path(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.back() == '/' ||
      path.find("//") != std::string_view::npos || has_control(path)) {
    return error(Code::invalid_argument, "invalid mailbox name \"" + std::string(path) + "\"");
  }
  size_t slash = path.find('/');
  std::string_view first = path.substr(0, slash);
  if (lower_ascii(first) != "inbox") return std::string(path);
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
