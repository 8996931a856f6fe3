// What both backends share for accounts (users, addresses, domain
// aliases): how list-valued fields are kept in one column, and the
// mailboxes a new user gets by default.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/store.h"

namespace eider::store {

// Tags lowercased (ASCII), trimmed, empty ones and repeats dropped, in
// the order given.
std::vector<std::string> normalize_tags(const std::vector<std::string>& tags);

// Tags as a column holds them: ",a,b," ("" for none), so that a tag is
// found as the substring ",tag,". The tags must hold no comma.
std::string encode_tags(const std::vector<std::string>& tags);
std::vector<std::string> decode_tags(std::string_view column);

// A list of strings without line breaks (forwarding targets) as one
// column: joined by "\n".
std::string encode_lines(const std::vector<std::string>& lines);
std::vector<std::string> decode_lines(std::string_view column);

// INBOX, Drafts, Sent, Junk, Trash and Archive with their special use.
const std::vector<MailboxTemplate>& default_mailboxes();

// The mailboxes create_account makes for `wanted` (the defaults when
// empty): each path normalised (store/names.h), INBOX first and present,
// special use checked, repeats refused (Code::invalid_argument).
Result<std::vector<MailboxTemplate>> new_user_mailboxes(const std::vector<MailboxTemplate>& wanted);

// Unix seconds now: what `created` columns hold.
int64_t unix_now();

}  // namespace eider::store
