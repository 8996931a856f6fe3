// The command families of `eider`, one file each; main() registers them all.
#pragma once

#include "cli/common.h"

namespace eider::cli {

void add_serve_command(CLI::App& app, Action& action);     // serve.cc
void add_user_commands(CLI::App& app, Action& action);     // user.cc
void add_message_commands(CLI::App& app, Action& action);  // message.cc: deliver, export
void add_admin_commands(CLI::App& app, Action& action);    // admin.cc: vacuum, stats
void add_migrate_command(CLI::App& app, Action& action);   // migrate.cc

}  // namespace eider::cli
