// eider serve: start the services and run until SIGTERM or SIGINT.
#include <csignal>
#include <cstdio>
#include <fstream>

#include "cli/commands.h"
#include "core/log.h"
#include "core/shutdown.h"
#include "notify/notifier.h"

namespace eider::cli {
namespace {

struct ServeOptions {
  ConfigFlags flags;
};

const std::vector<std::string_view> kServeKeys = {
    "notify", "imap", "imaps", "pop3", "pop3s", "lmtp", "api", "api-token", "tls-cert", "tls-key"};

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

Status serve(const ServeOptions& options) {
  // Installed first, so a signal during start-up is kept until wait().
  core::ShutdownSignal shutdown;

  Result<core::Config> config = load_config(options.flags);
  if (!config) return config.status();
  EIDER_RETURN_IF_ERROR(core::validate_config(*config));
  EIDER_RETURN_IF_ERROR(check_readable("tls-cert", config->tls_cert));
  EIDER_RETURN_IF_ERROR(check_readable("tls-key", config->tls_key));
  EIDER_RETURN_IF_ERROR(core::init_logging(config->log));

  Result<std::unique_ptr<store::Store>> store = open_store(*config);
  if (!store) return store.status();
  Result<std::unique_ptr<notify::Notifier>> notifier = notify::open_notifier(config->notify);
  if (!notifier) return notifier.status();

  std::fputs("eider ready\n", stdout);
  std::fflush(stdout);
  core::log_event(core::LogLevel::info, "serve.ready",
                  {{"data", config->data},
                   {"store", config->store},
                   {"notify", config->notify},
                   {"imap", config->imap.to_string()},
                   {"imaps", config->imaps.to_string()},
                   {"pop3", config->pop3.to_string()},
                   {"pop3s", config->pop3s.to_string()},
                   {"lmtp", config->lmtp.to_string()},
                   {"api", config->api.to_string()}});

  int signo = shutdown.wait();
  core::log_event(core::LogLevel::info, "serve.stopping", {{"signal", signal_name(signo)}});
  notifier->reset();
  // Destroying the store finishes every queued write first.
  store->reset();
  core::log_event(core::LogLevel::info, "serve.stopped");
  return Status::ok();
}

}  // namespace

void add_serve_command(CLI::App& app, Action& action) {
  CLI::App* command = app.add_subcommand("serve", "Run the mail server until SIGTERM or SIGINT");
  auto options = std::make_shared<ServeOptions>();
  add_common_flags(*command, options->flags);
  add_config_flags(*command, options->flags, kServeKeys);
  on_run(*command, action, options, &serve);
}

}  // namespace eider::cli
