#include "store/rename.h"

#include <algorithm>
#include <set>

#include "store/names.h"

namespace eider::store {

namespace {

constexpr std::string_view kInbox = "INBOX";

bool is_below(std::string_view path, std::string_view parent) {
  return path.size() > parent.size() && path.substr(0, parent.size()) == parent &&
         path[parent.size()] == '/';
}

Status taken(const std::string& path) {
  return error(Code::already_exists, "mailbox \"" + path + "\" already exists");
}

}  // namespace

Result<RenamePaths> check_rename(std::string_view from, std::string_view to) {
  Result<std::string> old_path = normalize_path(from);
  if (!old_path) return old_path.status();
  Result<std::string> new_path = normalize_path(to);
  if (!new_path) return new_path.status();
  if (*new_path == kInbox) return error(Code::invalid_argument, "cannot rename onto INBOX");
  if (*new_path == *old_path || is_below(*new_path, *old_path)) {
    return error(Code::invalid_argument,
                 "cannot rename \"" + *old_path + "\" to \"" + *new_path + "\"");
  }
  return RenamePaths{std::move(*old_path), std::move(*new_path)};
}

Result<RenamePlan> plan_rename(const RenamePaths& paths, const std::vector<Mailbox>& mailboxes) {
  auto named = [&](std::string_view path) {
    return std::any_of(mailboxes.begin(), mailboxes.end(),
                       [&](const Mailbox& m) { return m.path == path; });
  };
  if (!named(paths.from)) return error(Code::not_found, "no mailbox \"" + paths.from + "\"");
  RenamePlan plan;
  if (paths.from == kInbox) {
    if (named(paths.to)) return taken(paths.to);
    plan.inbox = true;
    return plan;
  }
  std::vector<const Mailbox*> moving;
  std::set<std::string_view> staying;
  for (const Mailbox& mailbox : mailboxes) {
    if (mailbox.path == paths.from || is_below(mailbox.path, paths.from)) {
      moving.push_back(&mailbox);
    } else {
      staying.insert(mailbox.path);
    }
  }
  // Byte order, as the paths are stored: a parent sorts before its
  // children. When the target is above the source ("a/b" to "a"), the name
  // a move takes ("a/b" for "a/b/b") is the source's own, left by a move
  // earlier in this order.
  std::sort(moving.begin(), moving.end(),
            [](const Mailbox* a, const Mailbox* b) { return a->path < b->path; });
  for (const Mailbox* mailbox : moving) {
    std::string new_path = paths.to + mailbox->path.substr(paths.from.size());
    if (staying.contains(new_path)) return taken(new_path);
    plan.moves.push_back({mailbox->id, std::move(new_path)});
  }
  return plan;
}

}  // namespace eider::store
