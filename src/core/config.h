// Server configuration: defaults, then a TOML file, then command-line flags.
//
// Every `eider serve` flag has a TOML key of the same name (`imap`,
// `api-token`, ...); limits and logging have keys of their own. The keys are
// listed, with defaults, in docs/config.md. Unknown keys and values of the
// wrong type are errors whose one-line message names the key.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/limits.h"
#include "core/status.h"

namespace eider::core {

// A listening address: `host:port`, `[v6]:port`, `unix:/path` or `off`.
struct Addr {
  enum class Kind { off, tcp, unix_socket };
  Kind kind = Kind::off;
  std::string host;  // tcp: a name or an IP literal without brackets; "" = every interface
  uint16_t port = 0;
  std::string path;  // unix_socket: the socket file

  bool is_off() const { return kind == Kind::off; }
  // True for 127.0.0.0/8, ::1, "localhost" and unix sockets.
  bool is_loopback() const;
  // The form parse_addr reads back ("[::1]:143", "unix:/run/x", "off").
  std::string to_string() const;
};

Result<Addr> parse_addr(std::string_view text);

struct LogSettings {
  std::string file;            // "" = stderr
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
};

// The bounds of Config::notify_poll_interval, in milliseconds: often enough
// to matter, rarely enough that a notifier outage does not turn every IDLE
// session into a busy poller.
inline constexpr uint64_t kMinNotifyPollInterval = 100;
inline constexpr uint64_t kMaxNotifyPollInterval = 60000;

struct Config {
  std::string data = "./data";
  std::string store = "sqlite";
  std::string notify = "local";
  // The services this host runs, comma-separated: imap (with imaps), pop3
  // (with pop3s), lmtp, api. One left out listens on none of its addresses;
  // one named may still be switched off by its addresses (`off`).
  std::string services = "imap,pop3,lmtp,api";
  Addr imap{Addr::Kind::tcp, "127.0.0.1", 1143, ""};
  Addr imaps{Addr::Kind::tcp, "127.0.0.1", 1993, ""};
  Addr pop3{Addr::Kind::tcp, "127.0.0.1", 1110, ""};
  Addr pop3s{Addr::Kind::tcp, "127.0.0.1", 1995, ""};
  Addr lmtp{Addr::Kind::tcp, "127.0.0.1", 2424, ""};
  Addr api{Addr::Kind::tcp, "127.0.0.1", 8080, ""};
  std::string api_token;
  // HTTP API (docs/api.md, limits): the largest JSON body; requests one IP
  // may have running at once (more wait); seconds a request's headers may
  // take from its first byte (slow clients); seconds a user token lives.
  uint64_t api_body_limit = 1024 * 1024;
  uint64_t api_requests_per_ip = 8;
  uint64_t api_header_timeout = 10;
  uint64_t api_token_ttl = 14 * 86400;
  std::string tls_cert;
  std::string tls_key;
  // I/O threads, each with its own event loop; 0 = one per core.
  uint64_t io_threads = 0;
  // Store threads: how many store calls (deliveries) run at once; concurrent
  // deliveries share commits, so this also bounds a commit's batch.
  uint64_t store_threads = 32;
  // Database connections the store threads read through (SQLite: read
  // connections beside its one writer; a PostgreSQL store's pool later). A
  // read that finds all of them busy waits for one, so reads run at most
  // this many at once; more than store_threads gains nothing. 0 is taken as 1.
  uint64_t store_connections = 4;
  // "headers": a delivery whose spam headers say spam goes to spam_mailbox;
  // "off": every delivery goes to INBOX.
  std::string spam_filter = "headers";
  std::string spam_mailbox = "Junk";
  // POP3: the maildrop is the newest pop3_max_messages of INBOX (0 = all).
  uint64_t pop3_max_messages = 0;
  // What DELE does at QUIT: "expunge" or "trash" (move to Trash).
  std::string pop3_delete_mode = "expunge";
  // "yes": RETR adds \Seen; "no": it leaves flags alone.
  std::string pop3_retr_seen = "yes";
  // "yes": passwords may be sent before TLS; "no": only after STLS/STARTTLS
  // or on an implicit TLS port.
  std::string allow_plaintext_auth = "yes";
  // Seconds a logged-in IMAP client may stay silent (RFC 3501 5.4 asks for
  // at least 30 minutes); before login, limits.idle_timeout applies.
  uint64_t imap_idle_timeout = 1800;
  // Seconds between checks, by a logged-in IMAP session in IDLE or polling,
  // that its user still exists (`eider user del` may run in another
  // process): how late, at worst, a deleted user's session ends.
  uint64_t user_check_interval = 30;
  // Milliseconds between journal reads of a selected IMAP session in IDLE
  // while the notifier is unhealthy (beacons may be lost); between
  // kMinNotifyPollInterval and kMaxNotifyPollInterval.
  uint64_t notify_poll_interval = 2000;
  // Days a journal row (an expunge, a flag change) is kept, so that a client
  // resynchronising (QRESYNC) from an older state gets the full answer
  // instead of the exact one; trimmed at start-up and hourly.
  uint64_t journal_days = 30;
  Limits limits;
  LogSettings log;
};

// Sets one key from its textual form, as a command-line flag gives it.
// Numbers are decimal byte or count values.
Status set_config_value(Config& config, std::string_view key, std::string_view value);

// Applies the keys of a TOML document on top of `config`. `source` names the
// document in error messages (usually the file name).
Status apply_toml(Config& config, std::string_view toml_text, std::string_view source);

// Reads the file and applies it as apply_toml does.
Status apply_config_file(Config& config, const std::string& path);

// Sets the addresses of the services `services` leaves out to off, so
// that what listens is what both say.
void switch_off_unlisted_services(Config& config);

// Checks rules that span several keys: tls-cert and tls-key come together;
// the API needs a token unless it listens on loopback only.
Status validate_config(const Config& config);

// Every key apply_toml accepts, in documentation order.
std::vector<std::string_view> config_keys();

// A key as a command-line flag shows it: `--name PLACEHOLDER  help`.
struct KeyInfo {
  std::string_view name;
  std::string_view placeholder;  // BYTES, SECONDS, ADDR, FILE, yes|no...
  std::string_view help;         // one line; may be empty
};

// Every key, in documentation order, with its flag's placeholder and help.
std::vector<KeyInfo> config_key_info();

}  // namespace eider::core
