// LIST and LSUB (RFC 3501 6.3.8-6.3.9, RFC 3348 CHILDREN, RFC 6154
// SPECIAL-USE, RFC 5258 LIST-EXTENDED selection/return options): which
// mailboxes a pattern names, with their attributes, as response lines.
// Pure: the session gives the user's mailboxes from the store.
//
// Names are UTF-8 here, "/"-separated (the hierarchy delimiter on the
// wire too); the lines carry them in modified UTF-7. "*" matches any
// characters, "%" any but "/". The reference is joined to the pattern as
// RFC 3501 says (reference + pattern; a reference ending in "/" or a
// pattern starting with "/" is not doubled). "INBOX" matches
// case-insensitively as the first level. A parent that does not exist but
// has children matching is listed with \NonExistent \Noselect under "%"
// (RFC 3501 6.3.8: "foo/%" lists "foo/bar" and "%" lists "foo" as
// \Noselect when only "foo/bar" exists; RFC 5258 3 wants \NonExistent,
// which implies \Noselect, wherever it is true). With RECURSIVEMATCH, a
// name the patterns reach is listed, with ("CHILDINFO" (...)), when a
// descendant out of their reach meets the selection options, even if the
// name itself does not (RFC 5258 3.5).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace eider::imap {

// True when the UTF-8 `name` matches the UTF-8 `pattern`.
bool matches_list_pattern(std::string_view pattern, std::string_view name);

struct ListRequest {
  std::string reference;              // UTF-8, decoded from modified UTF-7
  std::vector<std::string> patterns;  // UTF-8
  bool lsub = false;                  // LSUB: subscribed only, no \HasChildren
  bool subscribed_only = false;       // LIST (SUBSCRIBED ...)
  bool return_subscribed = false;     // RETURN (SUBSCRIBED): \Subscribed attribute
  bool special_use_only = false;      // LIST (SPECIAL-USE ...)
  bool recursive_match = false;       // LIST (... RECURSIVEMATCH)
  bool return_special_use = true;     // special-use attributes (always for plain LIST)
  bool return_children = true;        // \HasChildren / \HasNoChildren
};

struct ListEntry {
  std::string name;                     // UTF-8
  std::vector<std::string> attributes;  // "\HasNoChildren", "\Sent", ...
  bool exists = true;                   // false for \NonExistent parents
  // RECURSIVEMATCH: the selection options a descendant met (CHILDINFO
  // extended data), "SUBSCRIBED" and/or "SPECIAL-USE"; empty for none.
  std::vector<std::string> child_info;
};

// The entries, sorted (INBOX first), each listed once even when several
// patterns match. `lost_subscriptions` are the subscribed names that are no
// mailbox (Store::list_lost_subscriptions): LSUB and LIST (SUBSCRIBED) list
// them, LIST with \NonExistent (RFC 5258 3.1), LSUB with \Noselect.
std::vector<ListEntry> list_mailboxes(const std::vector<store::Mailbox>& mailboxes,
                                      const ListRequest& request,
                                      const std::vector<std::string>& lost_subscriptions = {});

// Appends `* LIST (attrs) "/" name\r\n` (or LSUB), with
// ` ("CHILDINFO" ("SUBSCRIBED"))` before the CRLF when the entry has
// child_info; an empty pattern with
// LIST answers the delimiter: `* LIST (\Noselect) "/" ""` (the session
// calls this with an entry of empty name and attributes {"\Noselect"}).
void append_list_line(std::string& out, const ListEntry& entry, bool lsub);

}  // namespace eider::imap
