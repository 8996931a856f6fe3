// The commands a session runs: the one place a new command is added (its
// arguments are parsed by parse_command, command_parser.cc, which also
// says which commands UID may prefix). Each entry names the handler, the
// states the command is valid in and what execute() does after it.
#include "imap/session.h"

namespace eider::imap {

const Session::CommandSpec Session::kCommands[] = {
    // Any state (connection_commands.cc).
    {.name = "CAPABILITY",
     .states = kAnyState,
     .answer = [](Session& s, Command& c) { s.capability(c); }},
    {.name = "NOOP",
     .states = kAnyState,
     .answer = [](Session& s, Command& c) { s.ok(c, "NOOP completed"); },
     .poll = true},
    {.name = "LOGOUT", .states = kAnyState, .answer = [](Session& s, Command& c) { s.logout(c); }},
    {.name = "ID", .states = kAnyState, .answer = [](Session& s, Command& c) { s.id(c); }},
    // Before login (auth.cc).
    {.name = "STARTTLS",
     .states = kBeforeLogin,
     .run = [](Session& s, Command& c) { return s.starttls(c); }},
    {.name = "LOGIN",
     .states = kBeforeLogin,
     .run = [](Session& s, Command& c) { return s.login(c); }},
    {.name = "AUTHENTICATE",
     .states = kBeforeLogin,
     .run = [](Session& s, Command& c) { return s.authenticate(c); }},
    // Logged in (select.cc, mailboxes.cc, append.cc, enable.cc, quota.cc, connection_commands.cc).
    {.name = "SELECT",
     .states = kLoggedIn,
     .run = [](Session& s, Command& c) { return s.select(c, false); },
     .tells_modseq = true},
    {.name = "EXAMINE",
     .states = kLoggedIn,
     .run = [](Session& s, Command& c) { return s.select(c, true); },
     .tells_modseq = true},
    {.name = "CREATE",
     .states = kLoggedIn,
     .run = [](Session& s, Command& c) { return s.create(c); }},
    {.name = "DELETE",
     .states = kLoggedIn,
     .run = [](Session& s, Command& c) { return s.delete_mailbox(c); }},
    {.name = "RENAME",
     .states = kLoggedIn,
     .run = [](Session& s, Command& c) { return s.rename(c); }},
    {.name = "SUBSCRIBE",
     .states = kLoggedIn,
     .run = [](Session& s, Command& c) { return s.subscribe(c, true); }},
    {.name = "UNSUBSCRIBE",
     .states = kLoggedIn,
     .run = [](Session& s, Command& c) { return s.subscribe(c, false); }},
    {.name = "LIST",
     .states = kLoggedIn,
     .run = [](Session& s, Command& c) { return s.list(c, false); }},
    {.name = "LSUB",
     .states = kLoggedIn,
     .run = [](Session& s, Command& c) { return s.list(c, true); }},
    {.name = "STATUS",
     .states = kLoggedIn,
     .run = [](Session& s, Command& c) { return s.status(c); }},
    {.name = "APPEND",
     .states = kLoggedIn,
     .run = [](Session& s, Command& c) { return s.append(c); },
     .changes_mailbox = true},
    {.name = "NAMESPACE",
     .states = kLoggedIn,
     .answer = [](Session& s, Command& c) { s.namespace_(c); }},
    {.name = "ENABLE", .states = kLoggedIn, .answer = [](Session& s, Command& c) { s.enable(c); }},
    {.name = "GETQUOTAROOT",
     .states = kLoggedIn,
     .run = [](Session& s, Command& c) { return s.get_quota_root(c); }},
    {.name = "GETQUOTA",
     .states = kLoggedIn,
     .run = [](Session& s, Command& c) { return s.get_quota(c); }},
    {.name = "SETQUOTA",
     .states = kLoggedIn,
     .answer = [](Session& s, Command& c) { s.set_quota(c); }},
    {.name = "COMPRESS",
     .states = kLoggedIn,
     .run = [](Session& s, Command& c) { return s.compress(c); }},
    // Selected (fetch.cc, flags.cc, search.cc, copy_move.cc, expunge.cc, select.cc, idle.cc).
    {.name = "FETCH",
     .states = kSelected,
     .run = [](Session& s, Command& c) { return s.fetch(c); },
     .keeps_numbers = true},
    {.name = "STORE",
     .states = kSelected,
     .run = [](Session& s, Command& c) { return s.store_flags(c); },
     .changes_mailbox = true,
     .keeps_numbers = true},
    {.name = "SEARCH",
     .states = kSelected,
     .run = [](Session& s, Command& c) { return s.search(c); },
     .keeps_numbers = true},
    {.name = "COPY",
     .states = kSelected,
     .run = [](Session& s, Command& c) { return s.copy(c, false); },
     .changes_mailbox = true},
    {.name = "MOVE",
     .states = kSelected,
     .run = [](Session& s, Command& c) { return s.copy(c, true); },
     .changes_mailbox = true},
    {.name = "EXPUNGE",
     .states = kSelected,
     .run = [](Session& s, Command& c) { return s.expunge(c); },
     .changes_mailbox = true},
    {.name = "CHECK",
     .states = kSelected,
     .answer = [](Session& s, Command& c) { s.ok(c, "CHECK completed"); },
     .poll = true},
    {.name = "CLOSE",
     .states = kSelected,
     .run = [](Session& s, Command& c) { return s.close(c); }},
    {.name = "UNSELECT",
     .states = kSelected,
     .answer =
         [](Session& s, Command& c) {
           s.unselect();
           s.ok(c, "UNSELECT completed");
         }},
    {.name = "IDLE",
     .states = kSelected,
     .run = [](Session& s, Command& c) { return s.idle(c); },
     .poll = true},
};

const Session::CommandSpec* Session::find_command(std::string_view name) {
  for (const CommandSpec& spec : kCommands) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

}  // namespace eider::imap
