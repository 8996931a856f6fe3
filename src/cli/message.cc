// eider deliver | export: messages in and out, byte for byte.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cli/commands.h"
#include "core/log.h"
#include "mail/events.h"
#include "mail/mail.h"
#include "notify/notifier.h"

namespace eider::cli {
namespace {

struct MessageOptions {
  ConfigFlags flags;
  std::string user;
  std::string mailbox = std::string(mail::kInbox);
  uint32_t uid = 0;
};

// Reads all of stdin, but never more than limit + 1 bytes: past the limit
// the message is refused without buffering the rest.
Result<std::string> read_stdin(uint64_t limit) {
  std::string data;
  char buffer[64 * 1024];
  while (true) {
    ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return error(Code::io_error, std::string("cannot read stdin: ") + std::strerror(errno));
    if (n == 0) return data;
    if (data.size() + static_cast<uint64_t>(n) > limit) {
      return error(Code::too_large,
                   "message exceeds max-message-size (" + std::to_string(limit) + " bytes)");
    }
    data.append(buffer, static_cast<size_t>(n));
  }
}

Status write_stdout(std::string_view bytes) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size() ||
      std::fflush(stdout) != 0) {
    return error(Code::io_error, std::string("cannot write to stdout: ") + std::strerror(errno));
  }
  return Status::ok();
}

// The store, notifier and Mail a message command works through, for one user.
// Mail refers to the store and notifier, which the unique_ptrs keep in place.
struct UserMail {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<notify::Notifier> notifier;
  std::unique_ptr<mail::Mail> mail;
  int64_t user_id = 0;
  std::string user_name;
};

Result<UserMail> open_user_mail(const core::Config& config, const std::string& user_name) {
  UserMail opened;
  Result<std::unique_ptr<store::Store>> store = open_store(config);
  if (!store) return store.status();
  opened.store = std::move(store).value();
  Result<std::unique_ptr<notify::Notifier>> notifier = notify::open_notifier(config.notify);
  if (!notifier) return notifier.status();
  opened.notifier = std::move(notifier).value();
  Result<store::User> user = opened.store->find_user(user_name);
  if (!user && user.status().code() == Code::not_found) {
    return error(Code::not_found, "no such user: " + user_name);
  }
  if (!user) return user.status();
  opened.user_id = user->id;
  opened.user_name = user->name;
  opened.mail = std::make_unique<mail::Mail>(*opened.store, *opened.notifier, config.limits);
  return opened;
}

Status deliver(const MessageOptions& options) {
  Result<core::Config> config = load_config(options.flags);
  if (!config) return config.status();
  // Read before opening anything: a refused message then touches nothing.
  Result<std::string> raw = read_stdin(config->limits.max_message_size);
  if (!raw) return raw.status();
  if (raw->empty()) return error(Code::invalid_argument, "empty message");
  // The delivery line goes where the server's log goes (log-file, else
  // stderr); checked before anything is stored.
  EIDER_RETURN_IF_ERROR(core::init_logging(config->log));

  Result<UserMail> opened = open_user_mail(*config, options.user);
  if (!opened) return opened.status();
  Result<store::Appended> appended = opened->mail->deliver(opened->user_id, options.mailbox, *raw);
  if (!appended) return appended.status();
  mail::log_delivery({"cli", 0, "", false}, opened->user_name, options.mailbox,
                     mail::message_id_of(*raw), raw->size(), *appended);
  return write_stdout(std::to_string(appended->uid) + "\n");
}

Status export_message(const MessageOptions& options) {
  Result<core::Config> config = load_config(options.flags);
  if (!config) return config.status();
  Result<UserMail> opened = open_user_mail(*config, options.user);
  if (!opened) return opened.status();
  Result<std::string> bytes =
      opened->mail->export_message(opened->user_id, options.mailbox, options.uid);
  if (!bytes) return bytes.status();
  return write_stdout(*bytes);
}

}  // namespace

void add_message_commands(CLI::App& app, Action& action) {
  auto deliver_options = std::make_shared<MessageOptions>();
  CLI::App* deliver_cmd =
      app.add_subcommand("deliver", "Deliver the message on stdin; prints the new UID");
  add_common_flags(*deliver_cmd, deliver_options->flags);
  deliver_cmd->add_option("--user", deliver_options->user, "recipient user name")->required();
  deliver_cmd->add_option("--mailbox", deliver_options->mailbox, "mailbox path (default INBOX)");
  // A delivery into a cluster's store is announced to its nodes.
  add_key_flag(*deliver_cmd, deliver_options->flags, "notify");
  on_run(*deliver_cmd, action, deliver_options, &deliver);

  auto export_options = std::make_shared<MessageOptions>();
  CLI::App* export_cmd =
      app.add_subcommand("export", "Write a stored message to stdout, byte for byte");
  add_common_flags(*export_cmd, export_options->flags);
  export_cmd->add_option("--user", export_options->user, "user name")->required();
  export_cmd->add_option("--mailbox", export_options->mailbox, "mailbox path")->required();
  export_cmd->add_option("--uid", export_options->uid, "message UID")->required();
  on_run(*export_cmd, action, export_options, &export_message);
}

}  // namespace eider::cli
