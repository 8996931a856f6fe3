// Arguments of the commands that name a mailbox: SELECT/EXAMINE, CREATE,
// RENAME, LIST/LSUB, STATUS, APPEND and the one-mailbox commands.
#include <algorithm>
#include <span>

#include "core/ascii.h"
#include "core/dates.h"
#include "imap/command_parser.h"
#include "imap/syntax.h"

namespace eider::imap {
namespace {

Result<std::string> read_mailbox(Cursor& cursor) {
  EIDER_RETURN_IF_ERROR(cursor.sp());
  Result<std::string> mailbox = cursor.astring();
  if (!mailbox) return bad("mailbox name expected");
  return mailbox;
}

Result<SequenceSet> read_set(Cursor& cursor) {
  return SequenceSet::parse(cursor.word());
}

// QRESYNC parameters (RFC 7162 3.2.5): "(" uidvalidity SP modseq
// [SP known-uids] [SP "(" seq-match SP uid-match ")"] ")".
Result<Qresync> read_qresync(Cursor& cursor) {
  Qresync q;
  EIDER_RETURN_IF_ERROR(cursor.sp());
  EIDER_RETURN_IF_ERROR(cursor.open());
  Result<uint64_t> validity = cursor.number();
  if (!validity || *validity == 0 || *validity > UINT32_MAX) return bad("invalid UIDVALIDITY");
  q.uid_validity = static_cast<uint32_t>(*validity);
  EIDER_RETURN_IF_ERROR(cursor.sp());
  Result<uint64_t> modseq = cursor.number();
  if (!modseq || *modseq == 0 || *modseq > INT64_MAX) return bad("invalid mod-sequence");
  q.mod_seq = *modseq;
  if (cursor.eat(' ') && cursor.peek() != '(') {
    Result<SequenceSet> known = read_set(cursor);
    if (!known) return known.status();
    q.known_uids = std::move(*known);
    if (!cursor.eat(' ') && cursor.peek() != ')') return bad("invalid QRESYNC parameters");
  }
  if (cursor.peek() == '(') {
    EIDER_RETURN_IF_ERROR(cursor.open());
    Result<SequenceSet> seqs = read_set(cursor);
    if (!seqs) return seqs.status();
    EIDER_RETURN_IF_ERROR(cursor.sp());
    Result<SequenceSet> uids = read_set(cursor);
    if (!uids) return uids.status();
    EIDER_RETURN_IF_ERROR(cursor.close());
    q.seq_match = std::move(*seqs);
    q.uid_match = std::move(*uids);
  }
  EIDER_RETURN_IF_ERROR(cursor.close());
  return q;
}

// "(" 1*list-char / string ... ")" or a single pattern.
Status read_patterns(Cursor& cursor, std::vector<std::string>& patterns, bool allow_list) {
  if (allow_list && cursor.peek() == '(') {
    return cursor.list(false, [&]() -> Status {
      Result<std::string> p = cursor.list_mailbox();
      if (!p) return p.status();
      patterns.push_back(std::move(*p));
      return Status::ok();
    });
  }
  Result<std::string> p = cursor.list_mailbox();
  if (!p) return p.status();
  patterns.push_back(std::move(*p));
  return Status::ok();
}

Status read_atom_list(Cursor& cursor, std::vector<std::string>& out, bool allow_empty) {
  return cursor.list(allow_empty, [&]() -> Status {
    Result<std::string> a = cursor.atom();
    if (!a) return bad("option expected");
    out.push_back(core::ascii_uppercase(*a));
    return Status::ok();
  });
}

Status read_status_items(Cursor& cursor, std::vector<StatusItem>& items) {
  std::vector<std::string> names;
  EIDER_RETURN_IF_ERROR(read_atom_list(cursor, names, false));
  for (const std::string& name : names) {
    bool known = false;
    for (int i = 0; i <= static_cast<int>(StatusItem::deleted_storage) && !known; ++i) {
      const auto item = static_cast<StatusItem>(i);
      if (name == status_item_name(item)) {
        items.push_back(item);
        known = true;
      }
    }
    if (!known) return bad("unknown STATUS item \"" + name + "\"");
  }
  return Status::ok();
}

// RFC 5258 3 (with RFC 6154 SPECIAL-USE): an option the server does not
// know is BAD, not ignored, so a client never takes a wider answer for
// the one it asked.
constexpr std::string_view kListSelection[] = {"SUBSCRIBED", "REMOTE", "RECURSIVEMATCH",
                                               "SPECIAL-USE"};
constexpr std::string_view kListReturns[] = {"SUBSCRIBED", "CHILDREN", "SPECIAL-USE", "STATUS"};

bool is_one_of(std::span<const std::string_view> known, std::string_view option) {
  return std::find(known.begin(), known.end(), option) != known.end();
}

Status read_list_selection(Cursor& cursor, List& list) {
  EIDER_RETURN_IF_ERROR(read_atom_list(cursor, list.selection, true));
  bool recursive = false;
  bool filtering = false;  // an option RECURSIVEMATCH can recurse on
  for (const std::string& option : list.selection) {
    if (!is_one_of(kListSelection, option)) {
      return bad("unknown LIST selection option \"" + option + "\"");
    }
    recursive = recursive || option == "RECURSIVEMATCH";
    filtering = filtering || option == "SUBSCRIBED" || option == "SPECIAL-USE";
  }
  // RFC 5258 3: RECURSIVEMATCH alone (or with REMOTE only) means nothing.
  if (recursive && !filtering) return bad("RECURSIVEMATCH needs SUBSCRIBED or SPECIAL-USE");
  return Status::ok();
}

Status read_list_returns(Cursor& cursor, List& list) {
  return cursor.list(true, [&]() -> Status {
    Result<std::string> a = cursor.atom();
    if (!a) return bad("RETURN option expected");
    std::string option = core::ascii_uppercase(*a);
    if (!is_one_of(kListReturns, option)) return bad("unknown LIST return option \"" + *a + "\"");
    if (option == "STATUS") {
      if (!list.status_items.empty()) return bad("STATUS given twice");
      EIDER_RETURN_IF_ERROR(cursor.sp());
      EIDER_RETURN_IF_ERROR(read_status_items(cursor, list.status_items));
    }
    list.returns.push_back(std::move(option));
    return Status::ok();
  });
}

}  // namespace

Result<MailboxArgument> parse_mailbox_argument(Cursor& cursor) {
  Result<std::string> mailbox = read_mailbox(cursor);
  if (!mailbox) return mailbox.status();
  return MailboxArgument{std::move(*mailbox)};
}

Result<Select> parse_select(Cursor& cursor) {
  Select select;
  Result<std::string> mailbox = read_mailbox(cursor);
  if (!mailbox) return mailbox.status();
  select.mailbox = std::move(*mailbox);
  if (!cursor.eat(' ')) return select;
  EIDER_RETURN_IF_ERROR(cursor.list(false, [&]() -> Status {
    Result<std::string> name = cursor.atom();
    std::string upper = name ? core::ascii_uppercase(*name) : "";
    if (upper == "CONDSTORE" && !select.condstore) {
      select.condstore = true;
    } else if (upper == "QRESYNC" && !select.qresync) {
      Result<Qresync> q = read_qresync(cursor);
      if (!q) return q.status();
      select.qresync = std::move(*q);
    } else {
      return bad("unknown or repeated SELECT parameter");
    }
    return Status::ok();
  }));
  return select;
}

Result<Create> parse_create(Cursor& cursor) {
  Create create;
  Result<std::string> mailbox = read_mailbox(cursor);
  if (!mailbox) return mailbox.status();
  create.mailbox = std::move(*mailbox);
  if (!cursor.eat(' ')) return create;
  EIDER_RETURN_IF_ERROR(cursor.list(false, [&]() -> Status {
    Result<std::string> name = cursor.atom();
    if (!name || !core::iequals(*name, "USE") || !create.special_use.empty()) {
      return bad("unknown or repeated CREATE parameter");
    }
    EIDER_RETURN_IF_ERROR(cursor.sp());
    Result<std::vector<std::string>> uses = parse_flag_list(cursor);
    if (!uses) return uses.status();
    if (uses->empty()) return bad("USE needs at least one attribute");
    create.special_use = std::move(*uses);
    return Status::ok();
  }));
  return create;
}

Result<Rename> parse_rename(Cursor& cursor) {
  Result<std::string> from = read_mailbox(cursor);
  if (!from) return from.status();
  Result<std::string> to = read_mailbox(cursor);
  if (!to) return to.status();
  return Rename{std::move(*from), std::move(*to)};
}

Result<List> parse_list(Cursor& cursor, bool lsub) {
  List list;
  EIDER_RETURN_IF_ERROR(cursor.sp());
  if (!lsub && cursor.peek() == '(') {  // LIST-EXTENDED selection options
    EIDER_RETURN_IF_ERROR(read_list_selection(cursor, list));
    EIDER_RETURN_IF_ERROR(cursor.sp());
  }
  Result<std::string> reference = cursor.astring();
  if (!reference) return bad("reference name expected");
  list.reference = std::move(*reference);
  EIDER_RETURN_IF_ERROR(cursor.sp());
  EIDER_RETURN_IF_ERROR(read_patterns(cursor, list.patterns, !lsub));
  if (!lsub && cursor.eat(' ')) {
    Result<std::string> word = cursor.atom();
    if (!word || !core::iequals(*word, "RETURN")) return bad("RETURN expected");
    EIDER_RETURN_IF_ERROR(cursor.sp());
    EIDER_RETURN_IF_ERROR(read_list_returns(cursor, list));
  }
  return list;
}

Result<StatusRequest> parse_status(Cursor& cursor) {
  StatusRequest status;
  Result<std::string> mailbox = read_mailbox(cursor);
  if (!mailbox) return mailbox.status();
  status.mailbox = std::move(*mailbox);
  EIDER_RETURN_IF_ERROR(cursor.sp());
  EIDER_RETURN_IF_ERROR(read_status_items(cursor, status.items));
  return status;
}

Result<Append> parse_append(Cursor& cursor) {
  Append append;
  Result<std::string> mailbox = read_mailbox(cursor);
  if (!mailbox) return mailbox.status();
  append.mailbox = std::move(*mailbox);
  // MULTIAPPEND (RFC 3502): one or more [flags] [date-time] literal groups.
  do {
    EIDER_RETURN_IF_ERROR(cursor.count_argument());
    AppendMessage message;
    EIDER_RETURN_IF_ERROR(cursor.sp());
    if (cursor.peek() == '(') {
      Result<std::vector<std::string>> flags = parse_flag_list(cursor);
      if (!flags) return flags.status();
      message.flags = std::move(*flags);
      EIDER_RETURN_IF_ERROR(cursor.sp());
    }
    if (cursor.peek() == '"') {
      Result<std::string> date = cursor.quoted();
      if (!date) return date.status();
      message.date = core::parse_imap_date_time(*date);
      if (!message.date) return bad("invalid date-time \"" + *date + "\"");
      EIDER_RETURN_IF_ERROR(cursor.sp());
    }
    Result<Literal> literal = cursor.take_literal();
    if (!literal) return bad("message literal expected");
    message.content = std::move(literal->bytes);
    message.spool = std::move(literal->spool);
    message.binary = literal->binary;
    append.messages.push_back(std::move(message));
  } while (!cursor.at_end());
  return append;
}

}  // namespace eider::imap
