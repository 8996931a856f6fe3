#include "store/flags.h"

#include <algorithm>
#include <array>

#include "core/ascii.h"

namespace eider::store {

namespace {

constexpr std::array<std::string_view, 6> kSystemFlags = {"\\Answered", "\\Flagged", "\\Deleted",
                                                          "\\Seen",     "\\Draft",   "\\Recent"};

bool contains(const std::vector<std::string>& flags, std::string_view flag) {
  return std::any_of(flags.begin(), flags.end(),
                     [&](const std::string& f) { return core::iequals(f, flag); });
}

bool valid_flag(std::string_view flag) {
  if (flag.empty()) return false;
  return std::none_of(flag.begin(), flag.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f || c == '(' || c == ')';
  });
}

}  // namespace

Result<std::vector<std::string>> normalize_flags(const std::vector<std::string>& flags) {
  std::vector<std::string> out;
  out.reserve(flags.size());
  for (const std::string& flag : flags) {
    if (!valid_flag(flag)) return error(Code::invalid_argument, "invalid flag \"" + flag + "\"");
    if (contains(out, flag)) continue;
    auto system = std::find_if(kSystemFlags.begin(), kSystemFlags.end(),
                               [&](std::string_view s) { return core::iequals(s, flag); });
    out.emplace_back(system != kSystemFlags.end() ? std::string(*system) : flag);
  }
  return out;
}

std::vector<std::string> apply_flags(const std::vector<std::string>& current, FlagMode mode,
                                     const std::vector<std::string>& change) {
  if (mode == FlagMode::replace) return change;
  std::vector<std::string> out;
  for (const std::string& flag : current) {
    if (mode == FlagMode::remove && contains(change, flag)) continue;
    out.push_back(flag);
  }
  if (mode == FlagMode::add) {
    for (const std::string& flag : change) {
      if (!contains(out, flag)) out.push_back(flag);
    }
  }
  return out;
}

bool same_flags(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() != b.size()) return false;
  return std::all_of(a.begin(), a.end(),
                     [&](const std::string& flag) { return contains(b, flag); });
}

std::string join_flags(const std::vector<std::string>& flags) {
  std::string out;
  for (const std::string& flag : flags) {
    if (!out.empty()) out.push_back(' ');
    out += flag;
  }
  return out;
}

std::vector<std::string> split_flags(std::string_view joined) {
  std::vector<std::string> out;
  while (!joined.empty()) {
    size_t space = joined.find(' ');
    std::string_view flag = joined.substr(0, space);
    if (!flag.empty()) out.emplace_back(flag);
    if (space == std::string_view::npos) break;
    joined.remove_prefix(space + 1);
  }
  return out;
}

ConditionalFlags plan_flag_changes(std::vector<MessageInfo> current, FlagMode mode,
                                   const std::vector<std::string>& change,
                                   std::optional<uint64_t> unchanged_since) {
  ConditionalFlags plan;
  for (MessageInfo& info : current) {
    if (unchanged_since && info.modseq > *unchanged_since) {
      plan.modified.push_back(info.uid);
      continue;
    }
    std::vector<std::string> next = apply_flags(info.flags, mode, change);
    if (same_flags(next, info.flags)) continue;
    info.flags = std::move(next);
    plan.changed.push_back(std::move(info));
  }
  return plan;
}

}  // namespace eider::store
