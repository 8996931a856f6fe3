// What every `eider` command shares: the config flags, loading the config,
// opening the store, and the action main() runs after parsing.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "store/store.h"

namespace eider::cli {

// The command main() runs once parsing succeeded; a failed Status becomes one
// "eider: error: ..." line on stderr and exit code 1.
using Action = std::function<Status()>;

// Flags that set config keys (docs/config.md), remembered only when given so
// that they override the --config file and nothing else.
struct ConfigFlags {
  std::string config_file;
  std::map<std::string, std::string, std::less<>> values;
};

// Adds one --KEY flag for every config key but those of add_common_flags.
void add_config_flags(CLI::App& command, ConfigFlags& flags);

// The flags every command takes: --config, --data, --store.
void add_common_flags(CLI::App& command, ConfigFlags& flags);
// The flag of one config key (`--notify` for "notify"), for a command that
// takes it beside the common ones.
void add_key_flag(CLI::App& command, ConfigFlags& flags, std::string_view key);

// Defaults, then the --config file, then the flags.
Result<core::Config> load_config(const ConfigFlags& flags);

// The store settings of a configuration.
store::Options store_options(const core::Config& config);

Result<std::unique_ptr<store::Store>> open_store(const core::Config& config);

// The store of the configuration load_config(flags) gives.
Result<std::unique_ptr<store::Store>> open_store(const ConfigFlags& flags);

// Makes `command` set `action` to `run(*options)` when it is the one chosen.
template <typename Options>
void on_run(CLI::App& command, Action& action, std::shared_ptr<Options> options,
            Status (*run)(const Options&)) {
  command.callback([&action, options, run] { action = [options, run] { return run(*options); }; });
}

}  // namespace eider::cli
