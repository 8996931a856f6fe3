// eider serve: start the services and run until SIGTERM or SIGINT.
#include <malloc.h>
#include <unistd.h>

#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <stop_token>
#include <thread>

#include "api/api.h"
#include "api/openapi.h"
#include "api/routes.h"
#include "cli/commands.h"
#include "core/log.h"
#include "core/shutdown.h"
#include "imap/imap.h"
#include "lmtp/lmtp.h"
#include "mail/auth_limiter.h"
#include "mail/mail.h"
#include "mail/redis_limits.h"
#include "mail/user_connections.h"
#include "net/server.h"
#include "net/tls.h"
#include "notify/notifier.h"
#include "notify/redis_client.h"
#include "pop3/pop3.h"
#include "store/executor.h"

namespace eider::cli {
namespace {

struct ServeOptions {
  ConfigFlags flags;
};

// How long SIGTERM waits for sessions to finish what they are committing.
constexpr std::chrono::seconds kShutdownGrace{10};
// Time between journal trims (the `journal-days` window's precision).
constexpr std::chrono::hours kJournalTrimInterval{1};

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

std::string_view signal_name(int signo) {
  switch (signo) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    default:
      return "request";
  }
}

// The TLS listeners load these later; a missing file should stop start-up
// now, with its name, rather than fail the first TLS handshake.
Status check_readable(std::string_view key, const std::string& path) {
  if (path.empty() || std::ifstream(path).good()) return Status::ok();
  return error(Code::not_found, std::string(key) + ": cannot read " + path);
}

void log_ready(const core::Config& config) {
  core::log_event(core::LogLevel::info, "serve.ready",
                  {{"data", config.data},
                   {"store", config.store},
                   {"notify", config.notify},
                   {"services", config.services},
                   {"imap", config.imap.to_string()},
                   {"imaps", config.imaps.to_string()},
                   {"pop3", config.pop3.to_string()},
                   {"pop3s", config.pop3s.to_string()},
                   {"lmtp", config.lmtp.to_string()},
                   {"api", config.api.to_string()}});
}

// Removes journal rows older than `journal-days` (Store::trim_journal). A
// failure is logged and retried at the next trim: the journal only grows
// meanwhile.
void trim_journal(store::Store& store, uint64_t days) {
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const uint64_t keep = days > UINT64_MAX / 86400 ? UINT64_MAX : days * 86400;
  Result<uint64_t> removed = store.trim_journal(now, keep);
  if (!removed) {
    core::log_event(core::LogLevel::error, "serve.journal_trim_failed",
                    {{"error", removed.status().to_string()}});
  } else if (*removed > 0) {
    core::log_event(core::LogLevel::info, "serve.journal_trimmed", {{"rows", *removed}});
  }
}

// Trims the journal every kJournalTrimInterval until destroyed.
class JournalTrimmer {
 public:
  JournalTrimmer(store::Store& store, uint64_t days)
      : thread_([this, &store, days](std::stop_token stop) {
          std::unique_lock lock(mutex_);
          for (;;) {
            // Nothing notifies wake_: it returns at the interval or at stop.
            (void)wake_.wait_for(lock, stop, kJournalTrimInterval, [] { return false; });
            if (stop.stop_requested()) return;
            trim_journal(store, days);
          }
        }) {}

 private:
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: stopped and joined before the rest goes
};

// What nodes must share (docs/architecture.md): with a Redis notifier, the
// login limits and session counts live in that Redis; else in memory.
struct SharedLimits {
  SharedLimits(const core::Config& config, const mail::AuthLimiter::Options& options) {
    Result<notify::RedisAddress> address = notify::parse_redis_url(config.notify);
    if (address) {
      worker = std::make_unique<notify::RedisWorker>(*address, std::chrono::milliseconds(1000));
      auth = std::make_unique<mail::RedisAuthLimiter>(options, *worker);
      user_connections = std::make_unique<mail::RedisUserConnections>(
          config.limits.max_connections_per_user, *worker);
    } else {
      auth = std::make_unique<mail::MemoryAuthLimiter>(options);
      user_connections =
          std::make_unique<mail::MemoryUserConnections>(config.limits.max_connections_per_user);
    }
  }

  std::unique_ptr<notify::RedisWorker> worker;  // first: the others use it until they go
  std::unique_ptr<mail::AuthLimiter> auth;
  std::unique_ptr<mail::UserConnections> user_connections;
};

// Binds the listeners, says ready, runs until the signal, then stops
// accepting and lets the sessions finish. Returns once no session and no
// store call is left, so the caller may close the store.
Status run_services(const core::Config& config, store::Store& store, notify::Notifier& notifier,
                    core::ShutdownSignal& shutdown) {
  mail::Mail mail(store, notifier, config.limits, config.data);
  // Declared before the server: its sessions use them until it is gone.
  std::unique_ptr<net::TlsContext> tls;
  if (!config.pop3.is_off() || !config.pop3s.is_off() || !config.imap.is_off() ||
      !config.imaps.is_off()) {
    Result<std::unique_ptr<net::TlsContext>> context =
        net::TlsContext::create(config.tls_cert, config.tls_key, config.data, host_name());
    if (!context) return context.status();
    tls = std::move(context).value();
  }
  const mail::AuthLimiter::Options limiter_options{
      .base_delay = std::chrono::milliseconds(config.limits.auth_failure_delay),
      .max_delay = std::chrono::milliseconds(config.limits.auth_failure_delay * 8),
      // A century is as good as for ever and keeps time arithmetic in range.
      .window = std::chrono::seconds(
          std::min<uint64_t>(config.limits.auth_failure_window, 100ull * 365 * 86400)),
      .max_user_failures = config.limits.max_auth_failures_per_user,
      .max_ip_failures = config.limits.max_auth_failures_per_ip};
  SharedLimits limits(config, limiter_options);
  mail::AuthLimiter& limiter = *limits.auth;
  net::ServerOptions server_options;
  server_options.io_threads = config.io_threads != 0
                                  ? config.io_threads
                                  : std::max(1u, std::thread::hardware_concurrency());
  server_options.max_connections = config.limits.max_connections;
  server_options.max_connections_per_ip = config.limits.max_connections_per_ip;
  net::Server server(server_options);
  // Declared after the server, so destroyed before its io_contexts: joining
  // the store threads first means no store call resumes on a dead context.
  store::Executor executor(config.store_threads);
  lmtp::Settings lmtp_settings{.hostname = host_name(),
                               .limits = config.limits,
                               .spam_filter = config.spam_filter == "headers",
                               .spam_mailbox = config.spam_mailbox};
  EIDER_RETURN_IF_ERROR(
      server.listen(config.lmtp, lmtp::service(lmtp_settings, mail, store, executor)));

  pop3::Settings pop3_settings{.limits = config.limits,
                               .max_messages = config.pop3_max_messages,
                               .delete_to_trash = config.pop3_delete_mode == "trash",
                               .retr_sets_seen = config.pop3_retr_seen == "yes",
                               .allow_plaintext_auth = config.allow_plaintext_auth == "yes",
                               .tls = tls.get()};
  const pop3::Services pop3_services{mail,    store,    executor,
                                     limiter, notifier, *limits.user_connections};
  EIDER_RETURN_IF_ERROR(server.listen(config.pop3, pop3::service(pop3_settings, pop3_services)));
  pop3_settings.implicit_tls = true;
  EIDER_RETURN_IF_ERROR(server.listen(config.pop3s, pop3::service(pop3_settings, pop3_services)));

  imap::Settings imap_settings{.limits = config.limits,
                               .allow_plaintext_auth = config.allow_plaintext_auth == "yes",
                               .tls = tls.get(),
                               .authenticated_idle_timeout = config.imap_idle_timeout,
                               .user_check_interval = config.user_check_interval,
                               .notify_poll_interval = config.notify_poll_interval};
  // Before any session: a client that comes back after `journal-days`
  // finds the journal already trimmed.
  trim_journal(store, config.journal_days);
  JournalTrimmer trimmer(store, config.journal_days);
  imap::SelectCache select_cache;
  const imap::Services imap_services{
      mail, store, executor, limiter, *limits.user_connections, notifier, select_cache};
  EIDER_RETURN_IF_ERROR(server.listen(config.imap, imap::service(imap_settings, imap_services)));
  imap_settings.implicit_tls = true;
  EIDER_RETURN_IF_ERROR(server.listen(config.imaps, imap::service(imap_settings, imap_services)));

  api::Router api_router;
  api::add_all_routes(api_router);
  Result<std::string> openapi = api::build_openapi(api::openapi_parts());
  if (!openapi) return openapi.status();
  const api::Settings api_settings{.admin_token = config.api_token,
                                   .body_limit = config.api_body_limit,
                                   .requests_per_ip = config.api_requests_per_ip,
                                   .header_timeout = config.api_header_timeout,
                                   .token_ttl = config.api_token_ttl,
                                   .openapi = std::move(*openapi)};
  const api::Services api_services{api_settings, config.limits, mail,     store,
                                   executor,     limiter,       notifier, api_router};
  EIDER_RETURN_IF_ERROR(server.listen(config.api, api::service(api_services)));
  server.start();

  std::fputs("eider ready\n", stdout);
  std::fflush(stdout);
  log_ready(config);

  int signo = shutdown.wait();
  core::log_event(core::LogLevel::info, "serve.stopping", {{"signal", signal_name(signo)}});
  server.stop();
  std::size_t left = server.wait(kShutdownGrace);
  if (left > 0)
    core::log_event(core::LogLevel::warn, "serve.sessions_abandoned", {{"count", left}});
  // What SELECT knows goes to the store, so the next start replays nothing.
  select_cache.save_all(store);
  return Status::ok();
}

Status serve(const ServeOptions& options) {
  // glibc raises its mmap threshold after the first large block is freed
  // (argon2id takes 19 MiB per login); later such blocks then come from the
  // per-thread arenas, which keep their pages after free, and an idle server
  // holds tens of MiB per thread that ever hashed a password. A fixed
  // threshold keeps large blocks mmap'ed and returned to the system.
  mallopt(M_MMAP_THRESHOLD, 512 * 1024);
  // Fixing the mmap threshold also fixes the trim threshold at 128 KiB:
  // a thread arena then hands its top back (madvise, a TLB shootdown on
  // every core) after each FETCH batch and faults it in again for the next,
  // which cost a fifth of a large FETCH. Each arena may keep 1 MiB instead,
  // a fixed cost per thread, not per session.
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
  // Installed first, so a signal during start-up is kept until wait().
  core::ShutdownSignal shutdown;

  Result<core::Config> config = load_config(options.flags);
  if (!config) return config.status();
  core::switch_off_unlisted_services(*config);
  EIDER_RETURN_IF_ERROR(core::validate_config(*config));
  EIDER_RETURN_IF_ERROR(check_readable("tls-cert", config->tls_cert));
  EIDER_RETURN_IF_ERROR(check_readable("tls-key", config->tls_key));
  EIDER_RETURN_IF_ERROR(core::init_logging(config->log));

  Result<std::unique_ptr<store::Store>> store = open_store(*config);
  if (!store) return store.status();
  Result<std::unique_ptr<notify::Notifier>> notifier = notify::open_notifier(config->notify);
  if (!notifier) return notifier.status();

  Status status = run_services(*config, **store, **notifier, shutdown);
  notifier->reset();
  // Destroying the store finishes every queued write first.
  store->reset();
  if (status.is_ok()) core::log_event(core::LogLevel::info, "serve.stopped");
  return status;
}

}  // namespace

void add_serve_command(CLI::App& app, Action& action) {
  CLI::App* command = app.add_subcommand("serve", "Run the mail server until SIGTERM or SIGINT");
  auto options = std::make_shared<ServeOptions>();
  add_common_flags(*command, options->flags);
  add_config_flags(*command, options->flags);
  on_run(*command, action, options, &serve);
}

}  // namespace eider::cli
