// Private to src/imap: argument readers shared by the command files. Each
// starts before the SP that follows the command name.
#pragma once

#include <string>
#include <vector>

#include "imap/command.h"
#include "imap/cursor.h"

namespace eider::imap {

// flag: "\" atom / atom (keywords), as written.
Result<std::string> parse_flag(Cursor& cursor);
// "(" [flag *(SP flag)] ")"
Result<std::vector<std::string>> parse_flag_list(Cursor& cursor);

// mailbox_parser.cc
Result<MailboxArgument> parse_mailbox_argument(Cursor& cursor);
Result<Select> parse_select(Cursor& cursor);
Result<Create> parse_create(Cursor& cursor);
Result<Rename> parse_rename(Cursor& cursor);
Result<List> parse_list(Cursor& cursor, bool lsub);
Result<StatusRequest> parse_status(Cursor& cursor);
Result<Append> parse_append(Cursor& cursor);

}  // namespace eider::imap
