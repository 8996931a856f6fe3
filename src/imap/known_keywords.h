// The keywords a session's client was told by its last FLAGS response.
// RFC 3501 7.2.6 and 7.1: before any FETCH shows a message with a keyword
// the client was not told of, the server sends FLAGS (and PERMANENTFLAGS)
// listing it. Keywords arrive through STORE and APPEND of this session and
// of others (journal rows, reads of current flags), so every path that
// renders FLAGS asks announce() first. Keywords compare without regard to
// ASCII case, as the store compares them; the first spelling is kept. A
// keyword once announced stays listed for the selection, as SELECT keeps it
// (select_cache.h) and as Dovecot keeps its index's keywords.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace eider::imap {

class KnownKeywords {
 public:
  KnownKeywords() = default;
  // The keywords SELECT announces (any order), for a mailbox opened
  // read-only or not (PERMANENTFLAGS () when read-only).
  KnownKeywords(const std::vector<std::string>& keywords, bool read_only);

  // "* FLAGS (...)" and "* OK [PERMANENTFLAGS (...)] ..." with every known
  // keyword, each line ending in CRLF.
  std::string flags_lines() const;

  // Appends flags_lines() to `out` when `flags` holds a keyword not known
  // yet (which becomes known); false when nothing was new. `flags` is a
  // list, or one space-separated string as stored.
  bool announce(const std::vector<std::string>& flags, std::string& out);
  bool announce(std::string_view joined, std::string& out);

  bool known(std::string_view keyword) const;
  std::size_t size() const { return keywords_.size(); }

 private:
  bool add(std::string_view flag);

  std::vector<std::string> keywords_;  // in the order announced
  std::vector<std::string> folded_;    // lower-cased, sorted: for lookups
  bool read_only_ = false;
};

}  // namespace eider::imap
