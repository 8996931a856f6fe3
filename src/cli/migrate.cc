// eider migrate: copy a store into an empty one (docs/cli.md, "migrate").
#include "mail/migrate.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "cli/commands.h"
#include "store/sqlite/sqlite_store.h"

namespace eider::cli {
namespace {

constexpr std::string_view kSqlitePrefix = "sqlite:";
constexpr std::string_view kDatabaseFile = "eider.db";

struct MigrateOptions {
  std::string config_file;
  std::string from;
  std::string to;
};

// A store as --from and --to name it: a PostgreSQL URL, or a SQLite store
// as `sqlite:PATH` or a bare PATH, where PATH is a data folder (its
// eider.db) or the database file itself.
struct StoreSpec {
  store::Options options;
  std::filesystem::path sqlite_file;  // empty for a server database
};

bool is_postgres(std::string_view spec) {
  return spec.starts_with("postgresql://") || spec.starts_with("postgres://");
}

// "" when `spec` can name a store, else why not (a command-line error).
std::string check_spec(const std::string& spec) {
  if (is_postgres(spec)) return "";
  if (spec.empty() || spec == "sqlite" || spec == kSqlitePrefix) {
    return "a store is postgresql://..., sqlite:PATH or a PATH (a data folder or its eider.db)";
  }
  const size_t colon = spec.find(':');
  const size_t slash = spec.find('/');
  if (!spec.starts_with(kSqlitePrefix) && colon != std::string::npos &&
      (slash == std::string::npos || colon < slash)) {
    return "unknown store URL \"" + spec + "\": postgresql://..., sqlite:PATH or a PATH";
  }
  return "";
}

StoreSpec resolve(const std::string& spec, const core::Config& config) {
  StoreSpec resolved;
  resolved.options.connections =
      static_cast<uint32_t>(std::min<uint64_t>(config.store_connections, UINT32_MAX));
  if (is_postgres(spec)) {
    resolved.options.url = spec;
    return resolved;
  }
  std::filesystem::path path =
      spec.starts_with(kSqlitePrefix) ? spec.substr(kSqlitePrefix.size()) : spec;
  // A folder, or a name for one yet to be made; a database file is named
  // by its .db.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec) ||
      (!std::filesystem::exists(path, ec) && path.extension() != ".db")) {
    path /= kDatabaseFile;
  }
  resolved.sqlite_file = path;
  resolved.options.url = std::string(kSqlitePrefix) + path.string();
  resolved.options.data_dir = path.parent_path().empty() ? "." : path.parent_path().string();
  return resolved;
}

// Every SQLite connection to a WAL database holds a shared lock on the
// "DMS" byte of its -shm file while it is open, so a write lock that
// cannot be had there means another process has the database open: a
// running server, most likely. Returns that process's pid, or 0.
pid_t process_using(const std::filesystem::path& database) {
  constexpr off_t kDmsByte = 128;  // SQLite's os_unix.c: UNIX_SHM_DMS
  const std::string shm = database.string() + "-shm";
  int fd = ::open(shm.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  lock.l_start = kDmsByte;
  lock.l_len = 1;
  pid_t holder = 0;
  if (::fcntl(fd, F_GETLK, &lock) == 0 && lock.l_type != F_UNLCK) holder = lock.l_pid;
  ::close(fd);
  return holder;
}

Result<std::unique_ptr<store::Store>> open_source(const StoreSpec& spec) {
  store::Options options = spec.options;
  options.create = false;
  if (spec.sqlite_file.empty()) return store::open(options);
  std::error_code ec;
  if (!std::filesystem::exists(spec.sqlite_file, ec)) {
    return error(Code::not_found,
                 "no source store: " + spec.sqlite_file.string() + " does not exist");
  }
  if (pid_t pid = process_using(spec.sqlite_file); pid != 0) {
    return error(Code::unavailable,
                 "the source store " + spec.sqlite_file.string() +
                     " is open in another process (pid " + std::to_string(pid) +
                     "): stop eider serve on it first, so nothing changes while it is copied");
  }
  store::sqlite::SqliteOptions read_only;
  read_only.read_only = true;
  Result<std::unique_ptr<store::sqlite::SqliteStore>> opened =
      store::sqlite::SqliteStore::open(options, read_only);
  if (!opened) return opened.status();
  return std::unique_ptr<store::Store>(std::move(*opened));
}

std::string mib(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return text;
}

// Progress on stderr: on a terminal one line rewritten in place a few times
// a second, otherwise a plain line every few seconds (a log stays short).
class ProgressLine {
 public:
  ProgressLine() : tty_(::isatty(STDERR_FILENO) == 1), start_(Clock::now()) {}

  void update(const mail::MigrationProgress& p) {
    const Clock::time_point now = Clock::now();
    if (now - last_ < (tty_ ? std::chrono::milliseconds(200) : std::chrono::seconds(5))) return;
    last_ = now;
    std::string line =
        "eider migrate: " + std::to_string(p.users_done) + "/" + std::to_string(p.users_total) +
        " users, " + std::to_string(p.messages_copied) + "/" + std::to_string(p.messages_total) +
        " messages copied (" + mib(p.bytes_copied) + "), " + std::to_string(p.messages_verified) +
        " verified, " + std::to_string(rate(p.messages_copied)) + " messages/s";
    if (tty_) {
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
      shown_ = true;
    } else {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
  }

  // Ends a line left open on a terminal.
  void finish() {
    if (shown_) std::fputs("\n", stderr);
  }

  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  uint64_t rate(uint64_t count) const {
    const double elapsed = seconds();
    return elapsed > 0 ? static_cast<uint64_t>(static_cast<double>(count) / elapsed) : 0;
  }

 private:
  using Clock = std::chrono::steady_clock;
  const bool tty_;
  const Clock::time_point start_;
  Clock::time_point last_{};
  bool shown_ = false;
};

Status migrate(const MigrateOptions& options) {
  ConfigFlags flags;
  flags.config_file = options.config_file;
  Result<core::Config> config = load_config(flags);
  if (!config) return config.status();
  StoreSpec from = resolve(options.from, *config);
  StoreSpec to = resolve(options.to, *config);
  if (!from.sqlite_file.empty() && !to.sqlite_file.empty()) {
    std::error_code ec;
    if (std::filesystem::equivalent(from.sqlite_file, to.sqlite_file, ec)) {
      return error(Code::invalid_argument, "--from and --to are the same store");
    }
  }
  Result<std::unique_ptr<store::Store>> source = open_source(from);
  if (!source) return error(source.status().code(), "source: " + source.status().message());
  Result<std::unique_ptr<store::Store>> target = store::open(to.options);
  if (!target) return error(target.status().code(), "target: " + target.status().message());

  ProgressLine progress;
  Result<mail::MigrationSummary> summary =
      mail::migrate_store(**source, **target, config->limits,
                          [&progress](const mail::MigrationProgress& p) { progress.update(p); });
  progress.finish();
  if (!summary) return summary.status();
  std::printf(
      "migrated and verified %llu users, %llu mailboxes, %llu messages (%s), %llu lost "
      "subscriptions in %.1f s (%llu messages/s); attachments stored: %llu in the source, %llu "
      "in the target\n",
      static_cast<unsigned long long>(summary->users),
      static_cast<unsigned long long>(summary->mailboxes),
      static_cast<unsigned long long>(summary->messages), mib(summary->bytes).c_str(),
      static_cast<unsigned long long>(summary->lost_subscriptions), progress.seconds(),
      static_cast<unsigned long long>(progress.rate(summary->messages)),
      static_cast<unsigned long long>(summary->source_blobs),
      static_cast<unsigned long long>(summary->target_blobs));
  if (std::fflush(stdout) != 0) return error(Code::io_error, "cannot write to stdout");
  return Status::ok();
}

}  // namespace

void add_migrate_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<MigrateOptions>();
  CLI::App* command = app.add_subcommand(
      "migrate", "Copy every user, mailbox and message of a store into an empty one, verified");
  command->add_option("--config", options->config_file, "TOML config file (docs/config.md)")
      ->type_name("FILE");
  const CLI::Validator store_spec(check_spec, "");
  command
      ->add_option("--from", options->from,
                   "the store to copy, left unchanged: sqlite:PATH or PATH (a data folder or "
                   "its eider.db) or postgresql://...")
      ->required()
      ->check(store_spec)
      ->type_name("STORE");
  command
      ->add_option("--to", options->to,
                   "the empty store to copy into: postgresql://... or a SQLite "
                   "store as for --from")
      ->required()
      ->check(store_spec)
      ->type_name("STORE");
  on_run(*command, action, options, &migrate);
}

}  // namespace eider::cli
