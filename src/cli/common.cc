#include "cli/common.h"

namespace eider::cli {

void add_config_flags(CLI::App& command, ConfigFlags& flags,
                      const std::vector<std::string_view>& keys) {
  for (std::string_view key : keys) {
    std::string name(key);
    command.add_option_function<std::string>(
        "--" + name, [&flags, name](const std::string& value) { flags.values[name] = value; },
        "overrides config key '" + name + "'");
  }
}

void add_common_flags(CLI::App& command, ConfigFlags& flags) {
  command.add_option("--config", flags.config_file, "TOML config file (docs/config.md)");
  command.add_option_function<std::string>(
      "--data", [&flags](const std::string& value) { flags.values["data"] = value; },
      "data folder (default ./data)");
  command.add_option_function<std::string>(
      "--store", [&flags](const std::string& value) { flags.values["store"] = value; },
      "store URL: sqlite (default) or sqlite:/path/to.db");
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

Result<std::unique_ptr<store::Store>> open_store(const core::Config& config) {
  store::Options options;
  options.data_dir = config.data;
  options.url = config.store;
  return store::open(options);
}

}  // namespace eider::cli
