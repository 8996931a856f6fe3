#include "imap/known_keywords.h"

#include <algorithm>

#include "core/ascii.h"
#include "store/flags.h"

namespace eider::imap {
namespace {

constexpr std::string_view kSystemFlags = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";

// Orders a folded keyword before `flag` (any case) without folding a copy:
// lookups run for every message a FETCH shows.
bool folded_less(const std::string& key, std::string_view flag) {
  return std::lexicographical_compare(
      key.begin(), key.end(), flag.begin(), flag.end(),
      [](char a, char b) { return core::ascii_lower(a) < core::ascii_lower(b); });
}

bool folded_equal(const std::string& key, std::string_view flag) {
  return std::equal(key.begin(), key.end(), flag.begin(), flag.end(),
                    [](char a, char b) { return core::ascii_lower(a) == core::ascii_lower(b); });
}

}  // namespace

KnownKeywords::KnownKeywords(const std::vector<std::string>& keywords, bool read_only)
    : read_only_(read_only) {
  for (const std::string& keyword : keywords) add(keyword);
}

std::string KnownKeywords::flags_lines() const {
  std::string flags(kSystemFlags);
  for (const std::string& keyword : keywords_) flags += " " + keyword;
  std::string out = "* FLAGS (" + flags + ")\r\n";
  out += read_only_ ? "* OK [PERMANENTFLAGS ()] Read-only mailbox\r\n"
                    : "* OK [PERMANENTFLAGS (" + flags + " \\*)] Flags permitted\r\n";
  return out;
}

bool KnownKeywords::known(std::string_view keyword) const {
  auto at = std::lower_bound(folded_.begin(), folded_.end(), keyword, folded_less);
  return at != folded_.end() && folded_equal(*at, keyword);
}

bool KnownKeywords::add(std::string_view flag) {
  if (!store::is_keyword(flag)) return false;
  auto at = std::lower_bound(folded_.begin(), folded_.end(), flag, folded_less);
  if (at != folded_.end() && folded_equal(*at, flag)) return false;
  folded_.insert(at, core::ascii_lowercase(flag));
  keywords_.emplace_back(flag);
  return true;
}

bool KnownKeywords::announce(const std::vector<std::string>& flags, std::string& out) {
  bool added = false;
  for (const std::string& flag : flags) added = add(flag) || added;
  if (added) out += flags_lines();
  return added;
}

bool KnownKeywords::announce(std::string_view joined, std::string& out) {
  bool added = false;
  while (!joined.empty()) {
    const std::size_t space = joined.find(' ');
    added = add(joined.substr(0, space)) || added;
    joined.remove_prefix(space == std::string_view::npos ? joined.size() : space + 1);
  }
  if (added) out += flags_lines();
  return added;
}

}  // namespace eider::imap
