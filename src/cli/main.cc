// eider: the mail store server and its admin commands (docs/cli.md).
#include <cstdio>
#include <exception>
#include <string>

#include "cli/commands.h"

namespace {

// CLI11 messages can span lines; the contract is one line per error.
std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "eider: error: %s\n", one_line(message).c_str());
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Eider: a mail store server (IMAP, POP3, LMTP, HTTP API)", "eider");
  eider::cli::Action action;
  eider::cli::add_serve_command(app, action);
  eider::cli::add_user_commands(app, action);
  eider::cli::add_message_commands(app, action);
  eider::cli::add_admin_commands(app, action);
  eider::cli::add_migrate_command(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    return fail(2, std::string(e.what()) + " (see --help)");
  }
  // Checked here rather than by CLI11, whose message for "eider frob" would
  // be "a subcommand is required" instead of naming the unknown word.
  if (!action) return fail(2, "a command is required (see --help)");
  try {
    eider::Status status = action();
    if (!status.is_ok()) return fail(1, status.message());
  } catch (const std::exception& e) {
    return fail(1, std::string("internal error: ") + e.what());
  }
  return 0;
}
