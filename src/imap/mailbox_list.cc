#include "imap/mailbox_list.h"

#include <algorithm>
#include <cstddef>
#include <unordered_map>
#include <unordered_set>

#include "core/ascii.h"
#include "imap/mailbox_name.h"
#include "imap/syntax.h"

namespace eider::imap {
namespace {

constexpr std::string_view kInbox = "INBOX";
constexpr std::size_t kNone = std::string_view::npos;

// A name whose first level is "INBOX" in some case reads as "INBOX", and so
// does a pattern starting with it before a delimiter or wildcard ("inbox*"
// reaches INBOX and its children); both then compare in upper case there
// (RFC 3501 5.1: INBOX is case-insensitive) without copying either.
class Folded {
 public:
  static Folded name(std::string_view text) { return Folded(text, "/"); }
  static Folded pattern(std::string_view text) { return Folded(text, "/*%"); }

  std::size_t size() const { return text_.size(); }
  char operator[](std::size_t i) const {
    return fold_ && i < kInbox.size() ? core::ascii_upper(text_[i]) : text_[i];
  }

 private:
  Folded(std::string_view text, std::string_view level_ends)
      : text_(text),
        fold_(core::istarts_with(text, kInbox) &&
              (text.size() == kInbox.size() ||
               level_ends.find(text[kInbox.size()]) != std::string_view::npos)) {}

  std::string_view text_;
  bool fold_;
};

// Greedy glob matching in O(1) space. Only the latest "*" and the latest "%"
// after it need a backtrack point: a later "*" can absorb whatever an
// earlier wildcard would, and a later "%" starting inside the same run of
// non-"/" characters reaches every position an earlier placement could
// (a literal containing "/" pins its own placement). Each retry moves a
// backtrack point right, so the work is at most O(pattern * name).
bool glob_match(const Folded& pattern, const Folded& name) {
  std::size_t p = 0;
  std::size_t n = 0;
  std::size_t star_p = kNone;
  std::size_t star_n = 0;
  std::size_t pct_p = kNone;
  std::size_t pct_n = 0;
  for (;;) {
    if (p < pattern.size()) {
      char c = pattern[p];
      if (c == '*') {
        star_p = ++p;
        star_n = n;
        pct_p = kNone;
        continue;
      }
      if (c == '%') {
        pct_p = ++p;
        pct_n = n;
        continue;
      }
      if (n < name.size() && c == name[n]) {
        ++p;
        ++n;
        continue;
      }
    } else if (n == name.size()) {
      return true;
    }
    if (pct_p != kNone && pct_n < name.size() && name[pct_n] != '/') {
      p = pct_p;
      n = ++pct_n;
    } else if (star_p != kNone && star_n < name.size()) {
      pct_p = kNone;
      p = star_p;
      n = ++star_n;
    } else {
      return false;
    }
  }
}

// RFC 3501 6.3.8: the reference and the pattern are concatenated, with one
// delimiter where both supply it.
std::string join_reference(std::string_view reference, std::string_view pattern) {
  if (!reference.empty() && reference.back() == '/' && !pattern.empty() && pattern.front() == '/') {
    pattern.remove_prefix(1);
  }
  std::string joined(reference);
  joined.append(pattern);
  return joined;
}

// Every proper hierarchy prefix of `path`: "a" and "a/b" for "a/b/c".
template <typename Visit>
void for_each_ancestor(std::string_view path, Visit visit) {
  for (std::size_t slash = path.find('/'); slash != std::string_view::npos;
       slash = path.find('/', slash + 1)) {
    if (slash > 0) visit(path.substr(0, slash));
  }
}

struct Hit {
  std::string_view name;
  const store::Mailbox* mailbox;  // null for a parent listed only for its children
  bool child_info = false;        // RECURSIVEMATCH: a descendant out of reach was selected
};

bool list_order(const Hit& a, const Hit& b) {
  bool a_inbox = a.name == kInbox;
  bool b_inbox = b.name == kInbox;
  if (a_inbox != b_inbox) return a_inbox;
  return a.name < b.name;
}

bool is_quotable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u <= 0x7e;
  });
}

void append_string(std::string& out, std::string_view s) {
  if (!is_quotable(s)) {
    out += '{';
    out += std::to_string(s.size());
    out += "}\r\n";
    out.append(s);
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

}  // namespace

bool matches_list_pattern(std::string_view pattern, std::string_view name) {
  return glob_match(Folded::pattern(pattern), Folded::name(name));
}

std::vector<ListEntry> list_mailboxes(const std::vector<store::Mailbox>& mailboxes,
                                      const ListRequest& request,
                                      const std::vector<std::string>& lost_subscriptions) {
  std::vector<std::string> patterns;
  patterns.reserve(request.patterns.size());
  for (const std::string& pattern : request.patterns) {
    patterns.push_back(join_reference(request.reference, pattern));
  }

  std::unordered_map<std::string_view, const store::Mailbox*> by_path;
  std::unordered_set<std::string_view> has_children;
  for (const store::Mailbox& mailbox : mailboxes) {
    by_path.emplace(mailbox.path, &mailbox);
    for_each_ancestor(mailbox.path, [&](std::string_view parent) { has_children.insert(parent); });
  }

  bool subscribed_only = request.lsub || request.subscribed_only;
  // Subscribed names without a mailbox take part only where subscriptions
  // are what is listed; they stand as subscribed rows that do not exist.
  std::vector<store::Mailbox> lost;
  if (subscribed_only) {
    lost.reserve(lost_subscriptions.size());
    for (const std::string& path : lost_subscriptions) {
      if (by_path.contains(path)) continue;
      store::Mailbox row;
      row.path = path;
      row.subscribed = true;
      lost.push_back(std::move(row));
    }
    for (const store::Mailbox& row : lost) by_path.emplace(row.path, &row);
  }
  auto is_lost = [&](const store::Mailbox* mailbox) {
    return !lost.empty() && mailbox >= lost.data() && mailbox < lost.data() + lost.size();
  };
  std::vector<const store::Mailbox*> rows;
  rows.reserve(mailboxes.size() + lost.size());
  for (const store::Mailbox& mailbox : mailboxes) rows.push_back(&mailbox);
  for (const store::Mailbox& row : lost) rows.push_back(&row);
  auto selected = [&](const store::Mailbox& mailbox) {
    return (!subscribed_only || mailbox.subscribed) &&
           (!request.special_use_only || !mailbox.special_use.empty());
  };
  // RFC 5258 lists unselected parents of SUBSCRIBED or SPECIAL-USE matches
  // only under RECURSIVEMATCH; LIST and LSUB show them as \Noselect so a
  // client can still walk the hierarchy with "%".
  bool list_parents = request.lsub || (!request.subscribed_only && !request.special_use_only);
  std::vector<std::string> child_info;
  if (request.recursive_match && request.subscribed_only) child_info.emplace_back("SUBSCRIBED");
  if (request.recursive_match && request.special_use_only) child_info.emplace_back("SPECIAL-USE");

  std::vector<Hit> hits;
  std::unordered_map<std::string_view, std::size_t> hit_of;  // name -> index in hits
  auto add = [&](std::string_view name, const store::Mailbox* mailbox) -> Hit& {
    auto [at, added] = hit_of.emplace(name, hits.size());
    if (added) hits.push_back({name, mailbox});
    return hits[at->second];
  };
  std::vector<bool> child_matches(patterns.size());
  for (const store::Mailbox* row : rows) {
    const store::Mailbox& mailbox = *row;
    if (!selected(mailbox)) continue;
    Folded name = Folded::name(mailbox.path);
    bool any = false;
    for (std::size_t i = 0; i < patterns.size(); ++i) {
      child_matches[i] = glob_match(Folded::pattern(patterns[i]), name);
      any = any || child_matches[i];
    }
    if (any) add(mailbox.path, &mailbox);
    // The parent stands in for a child a pattern does not reach ("%"
    // naming "foo" for "foo/bar"), never when the child is listed itself
    // by that pattern ("*").
    auto stands_in = [&](std::string_view parent) {
      for (std::size_t i = 0; i < patterns.size(); ++i) {
        if (!child_matches[i] && glob_match(Folded::pattern(patterns[i]), Folded::name(parent))) {
          return true;
        }
      }
      return false;
    };
    if (!child_info.empty()) {
      // RFC 5258 4: CHILDINFO tells of a descendant the answer leaves out;
      // one that another pattern lists is not left out.
      if (any) continue;
      for_each_ancestor(mailbox.path, [&](std::string_view parent) {
        if (!stands_in(parent)) return;
        auto existing = by_path.find(parent);
        add(parent, existing == by_path.end() ? nullptr : existing->second).child_info = true;
      });
      continue;
    }
    if (!list_parents) continue;
    for_each_ancestor(mailbox.path, [&](std::string_view parent) {
      if (hit_of.contains(parent)) return;
      auto existing = by_path.find(parent);
      if (existing != by_path.end() && selected(*existing->second)) return;
      if (stands_in(parent)) add(parent, nullptr);
    });
  }
  std::sort(hits.begin(), hits.end(), list_order);

  bool lsub = request.lsub;
  std::vector<ListEntry> entries;
  entries.reserve(hits.size());
  for (const Hit& hit : hits) {
    ListEntry entry;
    entry.name = std::string(hit.name);
    if (hit.child_info) entry.child_info = child_info;
    if (hit.mailbox != nullptr && is_lost(hit.mailbox)) {
      entry.exists = false;
      if (lsub) {
        entry.attributes.emplace_back("\\Noselect");
      } else {
        entry.attributes.emplace_back("\\Subscribed");
        entry.attributes.emplace_back("\\NonExistent");
        entry.attributes.emplace_back("\\Noselect");
        if (request.return_children) {
          entry.attributes.emplace_back(has_children.contains(hit.name) ? "\\HasChildren"
                                                                        : "\\HasNoChildren");
        }
      }
    } else if (hit.mailbox == nullptr) {
      auto found = by_path.find(hit.name);
      entry.exists = found != by_path.end() && !is_lost(found->second);
      if (!entry.exists && !lsub) entry.attributes.emplace_back("\\NonExistent");
      entry.attributes.emplace_back("\\Noselect");
      if (!lsub && request.return_children) entry.attributes.emplace_back("\\HasChildren");
    } else if (!lsub) {
      const store::Mailbox& mailbox = *hit.mailbox;
      // RFC 5258 3.1: the SUBSCRIBED selection option implies the return option.
      if ((request.return_subscribed || request.subscribed_only) && mailbox.subscribed) {
        entry.attributes.emplace_back("\\Subscribed");
      }
      if (request.return_children) {
        entry.attributes.emplace_back(has_children.contains(hit.name) ? "\\HasChildren"
                                                                      : "\\HasNoChildren");
      }
      if ((request.return_special_use || request.special_use_only) &&
          !mailbox.special_use.empty()) {
        entry.attributes.push_back(mailbox.special_use);
      }
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

void append_list_line(std::string& out, const ListEntry& entry, bool lsub) {
  out += lsub ? "* LSUB (" : "* LIST (";
  for (std::size_t i = 0; i < entry.attributes.size(); ++i) {
    if (i > 0) out += ' ';
    out += entry.attributes[i];
  }
  out += ") \"/\" ";
  // The store only holds names that encode; should one not, its raw bytes
  // go out as a literal rather than the line being lost.
  Result<std::string> wire = encode_mailbox_name(entry.name);
  append_string(out, wire ? std::string_view(*wire) : std::string_view(entry.name));
  if (!entry.child_info.empty()) {
    out += " (\"CHILDINFO\" (";
    for (std::size_t i = 0; i < entry.child_info.size(); ++i) {
      if (i > 0) out += ' ';
      append_string(out, entry.child_info[i]);
    }
    out += "))";
  }
  out += "\r\n";
}

}  // namespace eider::imap
