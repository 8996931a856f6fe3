// eider vacuum | stats
#include <boost/json.hpp>
#include <cstdio>

#include "cli/commands.h"
#include "store/sqlite/sqlite_store.h"

namespace eider::cli {
namespace {

struct AdminOptions {
  ConfigFlags flags;
};

// Only SQLite keeps freed space in its file until asked; a server database
// reclaims it by itself (PostgreSQL: autovacuum).
Status vacuum(const AdminOptions& options) {
  Result<core::Config> config = load_config(options.flags);
  if (!config) return config.status();
  if (!store::sqlite::is_sqlite_url(config->store)) {
    return error(Code::unsupported, "vacuum is for a SQLite store only; store \"" + config->store +
                                        "\" reclaims space by itself (PostgreSQL: autovacuum)");
  }
  Result<std::unique_ptr<store::sqlite::SqliteStore>> store =
      store::sqlite::SqliteStore::open(store_options(*config));
  if (!store) return store.status();
  return (*store)->vacuum();
}

Status stats(const AdminOptions& options) {
  Result<std::unique_ptr<store::Store>> store = open_store(options.flags);
  if (!store) return store.status();
  Result<store::Stats> stats = (*store)->stats();
  if (!stats) return stats.status();
  boost::json::object json;
  json["blob_count"] = stats->blob_count;
  json["blob_bytes"] = stats->blob_bytes;
  json["message_count"] = stats->message_count;
  json["journal_rows"] = stats->journal_rows;
  std::string line = boost::json::serialize(json) + "\n";
  if (std::fputs(line.c_str(), stdout) < 0 || std::fflush(stdout) != 0) {
    return error(Code::io_error, "cannot write to stdout");
  }
  return Status::ok();
}

void add_admin_command(CLI::App& app, Action& action, const std::string& name,
                       const std::string& description, Status (*run)(const AdminOptions&)) {
  auto options = std::make_shared<AdminOptions>();
  CLI::App* command = app.add_subcommand(name, description);
  add_common_flags(*command, options->flags);
  on_run(*command, action, options, run);
}

}  // namespace

void add_admin_commands(CLI::App& app, Action& action) {
  add_admin_command(app, action, "vacuum", "Give space freed by deleted mail back to the disk",
                    &vacuum);
  add_admin_command(app, action, "stats",
                    "Print store counters as JSON: blob_count, blob_bytes, message_count, "
                    "journal_rows",
                    &stats);
}

}  // namespace eider::cli
