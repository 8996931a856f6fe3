// eider user add | list | del | passwd | quota
#include <charconv>
#include <cstdio>
#include <optional>

#include "cli/commands.h"
#include "mail/users.h"

namespace eider::cli {
namespace {

struct UserOptions {
  ConfigFlags flags;
  std::string name;
  std::string password;
  std::vector<std::string> addresses;
  std::string display_name;
  std::vector<std::string> tags;
  bool no_address = false;
  std::optional<uint64_t> quota;           // bytes
  std::optional<uint64_t> quota_messages;  // messages
};

Status add(const UserOptions& options) {
  Result<core::Config> config = load_config(options.flags);
  if (!config) return config.status();
  Result<mail::AccountSettings> settings =
      mail::account_settings(config->default_domain, config->new_user_mailboxes);
  if (!settings) return settings.status();
  Result<std::unique_ptr<store::Store>> store = open_store(*config);
  if (!store) return store.status();
  mail::NewAccount account;
  account.username = options.name;
  account.password = options.password;
  account.addresses = options.addresses;
  account.no_address = options.no_address;
  account.name = options.display_name;
  account.tags = options.tags;
  account.quota = {options.quota.value_or(0), options.quota_messages.value_or(0)};
  return mail::create_account(**store, account, *settings).status();
}

Status set_quota(const UserOptions& options) {
  if (!options.quota && !options.quota_messages) {
    return error(Code::invalid_argument, "give --quota, --quota-messages or both");
  }
  Result<std::unique_ptr<store::Store>> store = open_store(options.flags);
  if (!store) return store.status();
  return mail::set_quota(**store, options.name, options.quota, options.quota_messages);
}

std::string usage(uint64_t used, uint64_t limit) {
  return std::to_string(used) + "/" + (limit == 0 ? "unlimited" : std::to_string(limit));
}

Status list(const UserOptions& options) {
  Result<std::unique_ptr<store::Store>> store = open_store(options.flags);
  if (!store) return store.status();
  Result<std::vector<mail::UserSummary>> users = mail::list_users(**store);
  if (!users) return users.status();
  for (const mail::UserSummary& summary : *users) {
    std::string addresses;
    for (const std::string& address : summary.addresses) {
      if (!addresses.empty()) addresses += ',';
      addresses += address;
    }
    const store::User& user = summary.user;
    std::printf("%s\t%s\t%s\t%s\n", user.name.c_str(), addresses.empty() ? "-" : addresses.c_str(),
                usage(user.storage_used, user.quota_bytes).c_str(),
                usage(user.message_count, user.quota_messages).c_str());
  }
  if (std::fflush(stdout) != 0) return error(Code::io_error, "cannot write to stdout");
  return Status::ok();
}

Status del(const UserOptions& options) {
  Result<std::unique_ptr<store::Store>> store = open_store(options.flags);
  if (!store) return store.status();
  return mail::delete_user(**store, options.name);
}

Status passwd(const UserOptions& options) {
  Result<std::unique_ptr<store::Store>> store = open_store(options.flags);
  if (!store) return store.status();
  return mail::set_password(**store, options.name, options.password);
}

// CLI11 would wrap "-5" around to a huge unsigned quota.
CLI::Validator count_validator(const std::string& what, const std::string& name) {
  return CLI::Validator(
      [what](const std::string& value) {
        uint64_t count = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), count);
        bool whole = !value.empty() && ec == std::errc() && end == value.data() + value.size();
        return whole ? std::string() : "not a " + what + ": " + value;
      },
      name);
}

const CLI::Validator kByteCount = count_validator("byte count", "BYTES");
const CLI::Validator kMessageCount = count_validator("message count", "N");

void add_quota_options(CLI::App& command, UserOptions& options) {
  command.add_option("--quota", options.quota, "storage quota in bytes (0 = unlimited)")
      ->check(kByteCount);
  command
      .add_option("--quota-messages", options.quota_messages,
                  "quota on the number of messages (0 = unlimited)")
      ->check(kMessageCount);
}

CLI::App* add_command(CLI::App& user, const std::string& name, const std::string& description,
                      Action& action, Status (*run)(const UserOptions&),
                      std::shared_ptr<UserOptions>& options) {
  CLI::App* command = user.add_subcommand(name, description);
  options = std::make_shared<UserOptions>();
  add_common_flags(*command, options->flags);
  on_run(*command, action, options, run);
  return command;
}

}  // namespace

void add_user_commands(CLI::App& app, Action& action) {
  CLI::App* user =
      app.add_subcommand("user", "Manage user accounts: add, list, del, passwd, quota");
  std::shared_ptr<UserOptions> options;

  CLI::App* add_cmd =
      add_command(*user, "add", "Add a user with their mailboxes", action, &add, options);
  add_cmd->add_option("NAME", options->name, "user name")->required();
  add_cmd->add_option("--password", options->password, "the user's password")->required();
  add_cmd
      ->add_option("--address", options->addresses,
                   "a mail address (repeatable; the first is the main one); default:"
                   " NAME@default-domain")
      ->allow_extra_args(false);
  add_cmd->add_flag("--no-address", options->no_address, "create the user without any address");
  add_cmd->add_option("--name", options->display_name, "the account's display name");
  add_cmd->add_option("--tag", options->tags, "a tag (repeatable)")->allow_extra_args(false);
  add_quota_options(*add_cmd, *options);

  add_command(*user, "list", "List users: name, addresses, bytes and messages used/quota", action,
              &list, options);

  CLI::App* del_cmd =
      add_command(*user, "del", "Delete a user and all their mail", action, &del, options);
  del_cmd->add_option("NAME", options->name, "user name")->required();

  CLI::App* passwd_cmd =
      add_command(*user, "passwd", "Set a user's password", action, &passwd, options);
  passwd_cmd->add_option("NAME", options->name, "user name")->required();
  passwd_cmd->add_option("--password", options->password, "the new password")->required();

  CLI::App* quota_cmd = add_command(*user, "quota", "Set a user's quota (limits not given stay)",
                                    action, &set_quota, options);
  quota_cmd->add_option("NAME", options->name, "user name")->required();
  add_quota_options(*quota_cmd, *options);
}

}  // namespace eider::cli
