#include "core/config.h"

#include <arpa/inet.h>
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <variant>

namespace eider::core {
namespace {

using TextField = std::string Config::*;
using AddrField = Addr Config::*;
using NumberField = uint64_t Limits::*;
using CountField = uint64_t Config::*;
using LogField = std::string LogSettings::*;

struct Key {
  std::string_view name;
  std::variant<TextField, AddrField, NumberField, LogField, CountField> field;
  // What `--help` shows for the value (BYTES, SECONDS, ADDR...); left empty,
  // it is UINT, ADDR or TEXT by the field's type.
  std::string_view placeholder = {};
  std::string_view help = {};
};

// One row per key; the order is the order of docs/config.md. Each row is
// also an `eider serve` flag (cli/common.cc), so a new key is one new row.
const Key kKeys[] = {
    {"data", &Config::data, "DIR", "data folder; the sqlite store keeps eider.db there"},
    {"store", &Config::store, "URL",
     "store URL: sqlite (in the data folder), sqlite:/path/to.db or postgresql://..."},
    {"notify", &Config::notify, "URL", "notifier URL: local or redis://host:port[/db]"},
    {"services", &Config::services, "LIST",
     "services this host runs, comma-separated: imap,pop3,lmtp,api"},
    {"imap", &Config::imap, "ADDR", "IMAP listener: host:port, [v6]:port, unix:/path or off"},
    {"imaps", &Config::imaps, "ADDR", "IMAP over TLS listener"},
    {"pop3", &Config::pop3, "ADDR", "POP3 listener"},
    {"pop3s", &Config::pop3s, "ADDR", "POP3 over TLS listener"},
    {"lmtp", &Config::lmtp, "ADDR", "LMTP listener"},
    {"api", &Config::api, "ADDR", "HTTP JSON API listener"},
    {"api-token", &Config::api_token, "TOKEN", "admin token for the HTTP API (X-Access-Token)"},
    {"api-body-limit", &Config::api_body_limit, "BYTES",
     "largest JSON request body of the HTTP API (message uploads: max-message-size)"},
    {"api-requests-per-ip", &Config::api_requests_per_ip, "UINT",
     "HTTP API requests one IP address may have running at once"},
    {"api-header-timeout", &Config::api_header_timeout, "SECONDS",
     "time an HTTP API request's headers may take to arrive, from its first byte"},
    {"api-token-ttl", &Config::api_token_ttl, "SECONDS",
     "lifetime of a user token from POST /authenticate"},
    {"tls-cert", &Config::tls_cert, "FILE",
     "PEM certificate chain (with tls-key); default: generated in DATA/tls"},
    {"tls-key", &Config::tls_key, "FILE", "PEM private key (with tls-cert)"},
    {"io-threads", &Config::io_threads, "UINT", "I/O threads; 0 = one per CPU core"},
    {"store-threads", &Config::store_threads, "UINT", "store calls running at once"},
    {"store-connections", &Config::store_connections, "UINT",
     "connections to the store: SQLite read connections, PostgreSQL pool size"},
    {"spam-filter", &Config::spam_filter, "headers|off",
     "file mail whose spam headers say spam in spam-mailbox"},
    {"spam-mailbox", &Config::spam_mailbox, "MAILBOX", "mailbox for spam"},
    {"pop3-max-messages", &Config::pop3_max_messages, "UINT",
     "POP3 shows only the newest N messages of INBOX; 0 = all"},
    {"pop3-delete-mode", &Config::pop3_delete_mode, "expunge|trash", "what POP3 DELE does at QUIT"},
    {"pop3-retr-seen", &Config::pop3_retr_seen, "yes|no", "whether POP3 RETR adds \\Seen"},
    {"allow-plaintext-auth", &Config::allow_plaintext_auth, "yes|no",
     "whether passwords may be sent before TLS"},
    {"imap-idle-timeout", &Config::imap_idle_timeout, "SECONDS",
     "silence allowed to a logged-in IMAP client"},
    {"user-check-interval", &Config::user_check_interval, "SECONDS",
     "how often an IMAP session in IDLE or polling checks its user still exists"},
    {"notify-poll-interval", &Config::notify_poll_interval, "MILLISECONDS",
     "while the notifier is down, how often an IMAP session in IDLE reads its journal"},
    {"journal-days", &Config::journal_days, "DAYS", "days a journal row is kept for QRESYNC"},
    {"max-message-size", &Limits::max_message_size, "BYTES", "largest message accepted"},
    {"max-mime-depth", &Limits::max_mime_depth, "UINT", "MIME nesting the parser descends into"},
    {"max-mime-parts", &Limits::max_mime_parts, "UINT", "MIME parts parsed in one message"},
    {"blob-threshold", &Limits::blob_threshold, "BYTES",
     "leaf bodies of at least this size are stored once, as blobs"},
    {"max-line-length", &Limits::max_line_length, "BYTES", "longest protocol command line"},
    {"max-literal-size", &Limits::max_literal_size, "BYTES",
     "largest IMAP literal other than a message"},
    {"max-header-size", &Limits::max_header_size, "BYTES",
     "largest header block of a message part (not enforced yet)"},
    {"max-connections-per-ip", &Limits::max_connections_per_ip, "UINT",
     "concurrent connections from one IP address"},
    {"max-connections-per-user", &Limits::max_connections_per_user, "UINT",
     "logged-in IMAP and POP3 sessions of one user, over all nodes (0: no limit)"},
    {"max-commands-per-second", &Limits::max_commands_per_second, "UINT",
     "IMAP commands per second per connection before it is slowed"},
    {"max-auth-failures", &Limits::max_auth_failures, "UINT",
     "failed logins per connection before it is closed"},
    {"auth-failure-delay", &Limits::auth_failure_delay, "MILLISECONDS",
     "wait before answering a failed login"},
    {"max-auth-failures-per-user", &Limits::max_auth_failures_per_user, "UINT",
     "failed logins for one user, any IP, before its logins are refused; 0 = no lockout"},
    {"max-auth-failures-per-ip", &Limits::max_auth_failures_per_ip, "UINT",
     "failed logins from one IP, any user, before its logins are refused; 0 = no lockout"},
    {"auth-failure-window", &Limits::auth_failure_window, "SECONDS",
     "how long failed logins count, and a lockout lasts"},
    {"max-connections", &Limits::max_connections, "UINT",
     "concurrent connections over all listeners"},
    {"max-recipients", &Limits::max_recipients, "UINT", "recipients in one LMTP transaction"},
    {"idle-timeout", &Limits::idle_timeout, "SECONDS",
     "silence allowed to a connection (IMAP: until login); 0 = forever"},
    {"login-timeout", &Limits::login_timeout, "SECONDS",
     "time from connecting to logging in (IMAP, POP3); 0 = none"},
    {"command-timeout", &Limits::command_timeout, "SECONDS",
     "time one request may lag behind min-data-rate; 0 = none"},
    {"min-data-rate", &Limits::min_data_rate, "RATE",
     "bytes per second: average rate a command, literal or message must arrive at"},
    {"memory-budget", &Limits::memory_budget, "BYTES",
     "bytes message buffers and ingests may hold at once over all sessions; 0 = no budget"},
    {"memory-wait", &Limits::memory_wait, "SECONDS",
     "wait for room in memory-budget before a temporary refusal"},
    {"spool-threshold", &Limits::spool_threshold, "BYTES",
     "APPEND literals and LMTP DATA beyond this go to an unlinked temporary file"},
    {"password-hash-threads", &Limits::password_hash_threads, "UINT",
     "threads that check passwords; more logins at once wait for a turn"},
    {"log-file", &LogSettings::file, "FILE", "append the log to this file instead of stderr"},
    {"log-level", &LogSettings::level, "LEVEL", "trace, debug, info, warn, error, critical or off"},
};

const Key* find_key(std::string_view name) {
  for (const Key& key : kKeys) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

Result<uint16_t> parse_port(std::string_view text, std::string_view whole) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value == 0 ||
      value > 65535) {
    return error(Code::invalid_argument, "bad port in address: " + std::string(whole));
  }
  return static_cast<uint16_t>(value);
}

bool valid_host_name(std::string_view host) {
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

constexpr std::string_view kServices[] = {"imap", "pop3", "lmtp", "api"};

// The names of a `services` value; an unknown name or none at all is an error.
Result<std::vector<std::string_view>> parse_services(std::string_view text) {
  std::vector<std::string_view> names;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view name = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name.empty()) continue;
    if (std::find(std::begin(kServices), std::end(kServices), name) == std::end(kServices)) {
      return error(Code::invalid_argument, "services: unknown service \"" + std::string(name) +
                                               "\" (want imap, pop3, lmtp or api)");
    }
    names.push_back(name);
  }
  if (names.empty()) {
    return error(Code::invalid_argument,
                 "services: name at least one service (imap, pop3, lmtp, api)");
  }
  return names;
}

Status check_level(std::string_view level) {
  for (std::string_view known : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    if (level == known) return Status::ok();
  }
  return error(Code::invalid_argument, "log-level: unknown level: " + std::string(level));
}

std::string node_type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    default:
      return "a date or time";
  }
}

Status apply_node(Config& config, const Key& key, const toml::node& node, std::string_view source) {
  std::string where = std::string(source) + ": key '" + std::string(key.name) + "'";
  if (std::holds_alternative<NumberField>(key.field) ||
      std::holds_alternative<CountField>(key.field)) {
    std::optional<int64_t> number = node.value_exact<int64_t>();
    if (!number) {
      return error(Code::invalid_argument,
                   where + " must be an integer, not " + node_type_name(node));
    }
    if (*number < 0) return error(Code::invalid_argument, where + " must not be negative");
    if (auto* field = std::get_if<NumberField>(&key.field)) {
      config.limits.*(*field) = static_cast<uint64_t>(*number);
    } else {
      config.*std::get<CountField>(key.field) = static_cast<uint64_t>(*number);
    }
    return Status::ok();
  }
  std::optional<std::string> text = node.value_exact<std::string>();
  if (!text) {
    return error(Code::invalid_argument, where + " must be a string, not " + node_type_name(node));
  }
  Status status = set_config_value(config, key.name, *text);
  if (!status.is_ok()) return error(status.code(), std::string(source) + ": " + status.message());
  return Status::ok();
}

}  // namespace

bool Addr::is_loopback() const {
  if (kind == Kind::unix_socket) return true;
  if (kind != Kind::tcp) return false;
  if (host == "localhost" || host == "::1") return true;
  in_addr v4{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

std::string Addr::to_string() const {
  switch (kind) {
    case Kind::off:
      return "off";
    case Kind::unix_socket:
      return "unix:" + path;
    case Kind::tcp:
      break;
  }
  std::string port_text = std::to_string(port);
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + port_text;
  return host + ":" + port_text;
}

Result<Addr> parse_addr(std::string_view text) {
  std::string whole(text);
  if (text == "off") return Addr{};
  if (text.starts_with("unix:")) {
    std::string_view path = text.substr(5);
    if (path.empty() || path.front() != '/' || path.find('\0') != std::string_view::npos) {
      return error(Code::invalid_argument, "unix socket address needs an absolute path: " + whole);
    }
    return Addr{Addr::Kind::unix_socket, "", 0, std::string(path)};
  }
  Addr addr;
  addr.kind = Addr::Kind::tcp;
  std::string_view port_text;
  if (text.starts_with("[")) {
    size_t close = text.find(']');
    if (close == std::string_view::npos || text.substr(close + 1, 1) != ":") {
      return error(Code::invalid_argument, "bad address (want [v6]:port): " + whole);
    }
    addr.host = std::string(text.substr(1, close - 1));
    in6_addr v6{};
    if (inet_pton(AF_INET6, addr.host.c_str(), &v6) != 1) {
      return error(Code::invalid_argument, "bad IPv6 address: " + whole);
    }
    port_text = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return error(Code::invalid_argument,
                   "bad address (want host:port, unix:/path or off): " + whole);
    }
    addr.host = std::string(text.substr(0, colon));
    if (addr.host.find(':') != std::string::npos) {
      return error(Code::invalid_argument, "IPv6 address needs brackets ([v6]:port): " + whole);
    }
    if (!valid_host_name(addr.host)) {
      return error(Code::invalid_argument, "bad host in address: " + whole);
    }
    port_text = text.substr(colon + 1);
  }
  Result<uint16_t> port = parse_port(port_text, text);
  if (!port) return port.status();
  addr.port = *port;
  return addr;
}

Status set_config_value(Config& config, std::string_view key_name, std::string_view value) {
  const Key* key = find_key(key_name);
  if (key == nullptr) {
    return error(Code::invalid_argument, "unknown config key '" + std::string(key_name) + "'");
  }
  std::string name(key_name);
  if (auto* field = std::get_if<TextField>(&key->field)) {
    if (key_name == "services") {
      Result<std::vector<std::string_view>> names = parse_services(value);
      if (!names) return names.status();
    }
    if (key_name == "spam-filter" && value != "headers" && value != "off") {
      return error(Code::invalid_argument,
                   "spam-filter: want headers or off, not " + std::string(value));
    }
    if (key_name == "pop3-delete-mode" && value != "expunge" && value != "trash") {
      return error(Code::invalid_argument,
                   "pop3-delete-mode: want expunge or trash, not " + std::string(value));
    }
    if ((key_name == "pop3-retr-seen" || key_name == "allow-plaintext-auth") && value != "yes" &&
        value != "no") {
      return error(Code::invalid_argument, name + ": want yes or no, not " + std::string(value));
    }
    config.*(*field) = std::string(value);
  } else if (auto* field = std::get_if<AddrField>(&key->field)) {
    Result<Addr> addr = parse_addr(value);
    if (!addr) return error(addr.status().code(), name + ": " + addr.status().message());
    config.*(*field) = *addr;
  } else if (std::holds_alternative<NumberField>(key->field) ||
             std::holds_alternative<CountField>(key->field)) {
    uint64_t number = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size()) {
      return error(Code::invalid_argument,
                   name + ": not a non-negative integer: " + std::string(value));
    }
    if (auto* field = std::get_if<NumberField>(&key->field)) {
      config.limits.*(*field) = number;
    } else {
      config.*std::get<CountField>(key->field) = number;
    }
  } else {
    if (key_name == "log-level") EIDER_RETURN_IF_ERROR(check_level(value));
    config.log.*std::get<LogField>(key->field) = std::string(value);
  }
  return Status::ok();
}

Status apply_toml(Config& config, std::string_view toml_text, std::string_view source) {
  toml::table table;
  // toml++ reports syntax errors by exception; they stop here.
  try {
    table = toml::parse(toml_text, source);
  } catch (const toml::parse_error& err) {
    return error(Code::invalid_argument, std::string(source) + ":" +
                                             std::to_string(err.source().begin.line) + ": " +
                                             std::string(err.description()));
  }
  for (const auto& [name, node] : table) {
    const Key* key = find_key(name.str());
    if (key == nullptr) {
      return error(Code::invalid_argument,
                   std::string(source) + ": unknown config key '" + std::string(name.str()) + "'");
    }
    EIDER_RETURN_IF_ERROR(apply_node(config, *key, node, source));
  }
  return Status::ok();
}

Status apply_config_file(Config& config, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error(Code::not_found, "cannot read config file: " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return error(Code::io_error, "cannot read config file: " + path);
  return apply_toml(config, text.str(), path);
}

void switch_off_unlisted_services(Config& config) {
  Result<std::vector<std::string_view>> names = parse_services(config.services);
  auto listed = [&](std::string_view service) {
    return names && std::find(names->begin(), names->end(), service) != names->end();
  };
  if (!listed("imap")) config.imap = config.imaps = Addr{};
  if (!listed("pop3")) config.pop3 = config.pop3s = Addr{};
  if (!listed("lmtp")) config.lmtp = Addr{};
  if (!listed("api")) config.api = Addr{};
}

Status validate_config(const Config& config) {
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    return error(Code::invalid_argument, "tls-cert and tls-key must be given together");
  }
  if (!config.api.is_off() && !config.api.is_loopback() && config.api_token.empty()) {
    return error(Code::invalid_argument, "api listens on " + config.api.to_string() +
                                             ", which is not loopback, and no api-token is set");
  }
  if (config.data.empty()) return error(Code::invalid_argument, "data must not be empty");
  if (config.notify_poll_interval < kMinNotifyPollInterval ||
      config.notify_poll_interval > kMaxNotifyPollInterval) {
    return error(Code::invalid_argument,
                 "notify-poll-interval must be between " + std::to_string(kMinNotifyPollInterval) +
                     " and " + std::to_string(kMaxNotifyPollInterval) + " milliseconds");
  }
  return Status::ok();
}

std::vector<KeyInfo> config_key_info() {
  std::vector<KeyInfo> infos;
  for (const Key& key : kKeys) {
    std::string_view placeholder = key.placeholder;
    if (placeholder.empty()) {
      if (std::holds_alternative<AddrField>(key.field)) {
        placeholder = "ADDR";
      } else if (std::holds_alternative<NumberField>(key.field) ||
                 std::holds_alternative<CountField>(key.field)) {
        placeholder = "UINT";
      } else {
        placeholder = "TEXT";
      }
    }
    infos.push_back({key.name, placeholder, key.help});
  }
  return infos;
}

std::vector<std::string_view> config_keys() {
  std::vector<std::string_view> names;
  for (const Key& key : kKeys) names.push_back(key.name);
  return names;
}

}  // namespace eider::core
