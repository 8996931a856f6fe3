#include "cli/common.h"

#include <algorithm>
#include <cstdint>

namespace eider::cli {
namespace {

// Keys every command takes (add_common_flags); the rest are serve's.
bool is_common_key(std::string_view key) {
  return key == "data" || key == "store";
}

void add_key_flag(CLI::App& command, ConfigFlags& flags, const core::KeyInfo& key) {
  std::string name(key.name);
  std::string help = key.help.empty() ? "config key '" + name + "'" : std::string(key.help);
  command
      .add_option_function<std::string>(
          "--" + name, [&flags, name](const std::string& value) { flags.values[name] = value; },
          help)
      ->type_name(std::string(key.placeholder));
}

}  // namespace

void add_config_flags(CLI::App& command, ConfigFlags& flags) {
  for (const core::KeyInfo& key : core::config_key_info()) {
    if (!is_common_key(key.name)) add_key_flag(command, flags, key);
  }
}

void add_common_flags(CLI::App& command, ConfigFlags& flags) {
  command.add_option("--config", flags.config_file, "TOML config file (docs/config.md)")
      ->type_name("FILE");
  for (const core::KeyInfo& key : core::config_key_info()) {
    if (is_common_key(key.name)) add_key_flag(command, flags, key);
  }
}

void add_key_flag(CLI::App& command, ConfigFlags& flags, std::string_view key) {
  for (const core::KeyInfo& info : core::config_key_info()) {
    if (info.name == key) add_key_flag(command, flags, info);
  }
}

Result<core::Config> load_config(const ConfigFlags& flags) {
  core::Config config;
  if (!flags.config_file.empty()) {
    EIDER_RETURN_IF_ERROR(core::apply_config_file(config, flags.config_file));
  }
  for (const auto& [key, value] : flags.values) {
    EIDER_RETURN_IF_ERROR(core::set_config_value(config, key, value));
  }
  return config;
}

store::Options store_options(const core::Config& config) {
  store::Options options;
  options.data_dir = config.data;
  options.url = config.store;
  options.connections =
      static_cast<uint32_t>(std::min<uint64_t>(config.store_connections, UINT32_MAX));
  return options;
}

Result<std::unique_ptr<store::Store>> open_store(const core::Config& config) {
  return store::open(store_options(config));
}

Result<std::unique_ptr<store::Store>> open_store(const ConfigFlags& flags) {
  Result<core::Config> config = load_config(flags);
  if (!config) return config.status();
  return open_store(*config);
}

}  // namespace eider::cli
