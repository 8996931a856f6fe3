#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/config.h"

namespace eider::core {
namespace {

struct AddrCase {
  std::string input;
  bool ok;
  Addr::Kind kind;
  std::string host;
  uint16_t port;
  std::string path;
};

TEST(ParseAddr, AcceptsEveryFormAndRejectsMalformedOnes) {
  const AddrCase cases[] = {
      {"127.0.0.1:1143", true, Addr::Kind::tcp, "127.0.0.1", 1143, ""},
      {"localhost:25", true, Addr::Kind::tcp, "localhost", 25, ""},
      {"mail.example.com:993", true, Addr::Kind::tcp, "mail.example.com", 993, ""},
      {":8080", true, Addr::Kind::tcp, "", 8080, ""},
      {"[::1]:1143", true, Addr::Kind::tcp, "::1", 1143, ""},
      {"[2001:db8::5]:65535", true, Addr::Kind::tcp, "2001:db8::5", 65535, ""},
      {"unix:/run/eider/lmtp.sock", true, Addr::Kind::unix_socket, "", 0, "/run/eider/lmtp.sock"},
      {"off", true, Addr::Kind::off, "", 0, ""},
      {"", false, {}, "", 0, ""},
      {"127.0.0.1", false, {}, "", 0, ""},
      {"127.0.0.1:", false, {}, "", 0, ""},
      {"127.0.0.1:0", false, {}, "", 0, ""},
      {"127.0.0.1:65536", false, {}, "", 0, ""},
      {"127.0.0.1:12ab", false, {}, "", 0, ""},
      {"127.0.0.1:-1", false, {}, "", 0, ""},
      {"::1:143", false, {}, "", 0, ""},
      {"[::1]143", false, {}, "", 0, ""},
      {"[::1", false, {}, "", 0, ""},
      {"[not-v6]:143", false, {}, "", 0, ""},
      {"bad host:143", false, {}, "", 0, ""},
      {"unix:", false, {}, "", 0, ""},
      {"unix:relative.sock", false, {}, "", 0, ""},
      {"OFF", false, {}, "", 0, ""},
  };
  for (const AddrCase& c : cases) {
    SCOPED_TRACE(c.input);
    Result<Addr> addr = parse_addr(c.input);
    ASSERT_EQ(addr.is_ok(), c.ok) << addr.status().to_string();
    if (!c.ok) {
      EXPECT_EQ(addr.status().code(), Code::invalid_argument);
      continue;
    }
    EXPECT_EQ(addr->kind, c.kind);
    EXPECT_EQ(addr->host, c.host);
    EXPECT_EQ(addr->port, c.port);
    EXPECT_EQ(addr->path, c.path);
    EXPECT_EQ(addr->to_string(), c.input);
  }
}

TEST(ParseAddr, KnowsLoopbackAddresses) {
  const std::pair<std::string, bool> cases[] = {
      {"127.0.0.1:1", true}, {"127.8.9.10:1", true},   {"[::1]:1", true}, {"localhost:1", true},
      {"unix:/tmp/s", true}, {"0.0.0.0:1", false},     {":1", false},     {"10.0.0.1:1", false},
      {"[::]:1", false},     {"example.com:1", false}, {"off", false},
  };
  for (const auto& [text, loopback] : cases) {
    SCOPED_TRACE(text);
    Result<Addr> addr = parse_addr(text);
    ASSERT_TRUE(addr.is_ok());
    EXPECT_EQ(addr->is_loopback(), loopback);
  }
}

TEST(Config, DefaultsMatchTheDesign) {
  Config config;
  EXPECT_EQ(config.data, "./data");
  EXPECT_EQ(config.store, "sqlite");
  EXPECT_EQ(config.notify, "local");
  EXPECT_EQ(config.services, "imap,pop3,lmtp,api");
  EXPECT_EQ(config.imap.to_string(), "127.0.0.1:1143");
  EXPECT_EQ(config.imaps.to_string(), "127.0.0.1:1993");
  EXPECT_EQ(config.pop3.to_string(), "127.0.0.1:1110");
  EXPECT_EQ(config.pop3s.to_string(), "127.0.0.1:1995");
  EXPECT_EQ(config.lmtp.to_string(), "127.0.0.1:2424");
  EXPECT_EQ(config.api.to_string(), "127.0.0.1:8080");
  EXPECT_EQ(config.store_threads, 32u);
  EXPECT_EQ(config.store_connections, 4u);
  EXPECT_EQ(config.limits.max_message_size, 64u * 1024 * 1024);
  EXPECT_EQ(config.limits.max_mime_depth, 100u);
  EXPECT_EQ(config.limits.max_mime_parts, 100000u);
  EXPECT_EQ(config.limits.blob_threshold, 32u * 1024);
  EXPECT_TRUE(validate_config(config).is_ok());
}

TEST(Config, TomlSetsEveryKindOfKey) {
  Config config;
  Status status = apply_toml(config, R"(
data = "/var/lib/eider"
store = "sqlite:/srv/eider.db"
notify = "local"
imap = "[::1]:143"
imaps = "off"
pop3 = "0.0.0.0:110"
pop3s = "off"
lmtp = "unix:/run/eider/lmtp"
api = "127.0.0.1:9000"
api-token = "s3cret"
tls-cert = "/etc/eider/cert.pem"
tls-key = "/etc/eider/key.pem"
store-threads = 16
store-connections = 8
max-message-size = 1048576
max-mime-depth = 10
max-mime-parts = 500
blob-threshold = 4096
max-line-length = 8192
max-literal-size = 65536
max-header-size = 32768
max-connections-per-ip = 3
max-commands-per-second = 7
max-auth-failures = 2
log-file = "/var/log/eider.log"
log-level = "debug"
)",
                             "test.toml");
  ASSERT_TRUE(status.is_ok()) << status.to_string();
  EXPECT_EQ(config.data, "/var/lib/eider");
  EXPECT_EQ(config.store, "sqlite:/srv/eider.db");
  EXPECT_EQ(config.imap.to_string(), "[::1]:143");
  EXPECT_TRUE(config.imaps.is_off());
  EXPECT_EQ(config.pop3.host, "0.0.0.0");
  EXPECT_EQ(config.lmtp.path, "/run/eider/lmtp");
  EXPECT_EQ(config.api.port, 9000);
  EXPECT_EQ(config.api_token, "s3cret");
  EXPECT_EQ(config.tls_cert, "/etc/eider/cert.pem");
  EXPECT_EQ(config.tls_key, "/etc/eider/key.pem");
  EXPECT_EQ(config.store_threads, 16u);
  EXPECT_EQ(config.store_connections, 8u);
  EXPECT_EQ(config.limits.max_message_size, 1048576u);
  EXPECT_EQ(config.limits.max_mime_depth, 10u);
  EXPECT_EQ(config.limits.max_mime_parts, 500u);
  EXPECT_EQ(config.limits.blob_threshold, 4096u);
  EXPECT_EQ(config.limits.max_line_length, 8192u);
  EXPECT_EQ(config.limits.max_literal_size, 65536u);
  EXPECT_EQ(config.limits.max_header_size, 32768u);
  EXPECT_EQ(config.limits.max_connections_per_ip, 3u);
  EXPECT_EQ(config.limits.max_commands_per_second, 7u);
  EXPECT_EQ(config.limits.max_auth_failures, 2u);
  EXPECT_EQ(config.log.file, "/var/log/eider.log");
  EXPECT_EQ(config.log.level, "debug");
  EXPECT_TRUE(validate_config(config).is_ok());
}

TEST(Config, EveryKeyIsDocumented) {
  std::ifstream doc(std::string(EIDER_SOURCE_DIR) + "/docs/config.md");
  ASSERT_TRUE(doc) << "docs/config.md is missing";
  std::string text((std::istreambuf_iterator<char>(doc)), std::istreambuf_iterator<char>());
  for (std::string_view key : config_keys()) {
    EXPECT_NE(text.find("`" + std::string(key) + "`"), std::string::npos) << key;
  }
}

struct BadToml {
  std::string toml;
  std::string message;
};

TEST(Config, BadTomlGivesOneLineNamingTheKey) {
  const BadToml cases[] = {
      {"imapp = \"127.0.0.1:1\"", "test.toml: unknown config key 'imapp'"},
      {"imap = 1143", "test.toml: key 'imap' must be a string, not an integer"},
      {"max-message-size = \"64M\"",
       "test.toml: key 'max-message-size' must be an integer, not a string"},
      {"max-message-size = 1.5",
       "test.toml: key 'max-message-size' must be an integer, not a float"},
      {"max-mime-depth = -1", "test.toml: key 'max-mime-depth' must not be negative"},
      {"data = true", "test.toml: key 'data' must be a string, not a boolean"},
      {"[imap]\nport = 1", "test.toml: key 'imap' must be a string, not a table"},
      {"imap = \"nowhere\"",
       "test.toml: imap: bad address (want host:port, unix:/path or off): nowhere"},
      {"log-level = \"loud\"", "test.toml: log-level: unknown level: loud"},
  };
  for (const BadToml& c : cases) {
    SCOPED_TRACE(c.toml);
    Config config;
    Status status = apply_toml(config, c.toml, "test.toml");
    ASSERT_FALSE(status.is_ok());
    EXPECT_EQ(status.code(), Code::invalid_argument);
    EXPECT_EQ(status.message(), c.message);
    EXPECT_EQ(status.message().find('\n'), std::string::npos);
  }
}

TEST(Config, TomlSyntaxErrorNamesFileAndLine) {
  Config config;
  Status status = apply_toml(config, "data = \"x\"\nimap = \n", "bad.toml");
  ASSERT_FALSE(status.is_ok());
  EXPECT_TRUE(status.message().starts_with("bad.toml:2: ")) << status.message();
  EXPECT_EQ(status.message().find('\n'), std::string::npos);
}

TEST(Config, FlagsOverrideTheFile) {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("eider_config_test_" + std::to_string(::getpid()) + ".toml"))
                         .string();
  {
    std::ofstream out(path);
    out << "data = \"/from/file\"\nimap = \"127.0.0.1:1\"\npop3 = \"off\"\n";
  }
  Config config;
  ASSERT_TRUE(apply_config_file(config, path).is_ok());
  ASSERT_TRUE(set_config_value(config, "imap", "127.0.0.1:2").is_ok());
  ASSERT_TRUE(set_config_value(config, "max-message-size", "10").is_ok());
  std::remove(path.c_str());
  EXPECT_EQ(config.data, "/from/file");
  EXPECT_EQ(config.imap.port, 2);
  EXPECT_TRUE(config.pop3.is_off());
  EXPECT_EQ(config.limits.max_message_size, 10u);
}

TEST(Config, BadFlagValuesAreRejected) {
  const std::pair<std::string, std::string> cases[] = {
      {"imap", "1143"},         {"max-message-size", "-5"}, {"max-message-size", "12k"},
      {"max-message-size", ""}, {"nonsense", "1"},
  };
  for (const auto& [key, value] : cases) {
    SCOPED_TRACE(key + "=" + value);
    Config config;
    Status status = set_config_value(config, key, value);
    EXPECT_EQ(status.code(), Code::invalid_argument);
    EXPECT_NE(status.message().find(key), std::string::npos) << status.message();
  }
}

TEST(Config, MissingFileIsAnError) {
  Config config;
  Status status = apply_config_file(config, "/nonexistent/eider.toml");
  EXPECT_EQ(status.code(), Code::not_found);
  EXPECT_EQ(status.message(), "cannot read config file: /nonexistent/eider.toml");
}

TEST(Config, ValidationCatchesInconsistentKeys) {
  Config only_cert;
  only_cert.tls_cert = "/c.pem";
  EXPECT_EQ(validate_config(only_cert).code(), Code::invalid_argument);

  Config open_api;
  ASSERT_TRUE(set_config_value(open_api, "api", "0.0.0.0:8080").is_ok());
  EXPECT_EQ(validate_config(open_api).code(), Code::invalid_argument);
  open_api.api_token = "t";
  EXPECT_TRUE(validate_config(open_api).is_ok());

  Config api_off;
  ASSERT_TRUE(set_config_value(api_off, "api", "off").is_ok());
  ASSERT_TRUE(set_config_value(api_off, "imap", "0.0.0.0:143").is_ok());
  EXPECT_TRUE(validate_config(api_off).is_ok());
}

TEST(Config, ServicesNameKnownServicesAndAtLeastOne) {
  for (std::string_view bad : {"imap,smtp", "", " , ", "IMAP", "imaps"}) {
    SCOPED_TRACE(bad);
    Config config;
    Status status = set_config_value(config, "services", bad);
    EXPECT_EQ(status.code(), Code::invalid_argument);
    EXPECT_NE(status.message().find("services"), std::string::npos) << status.message();
  }
  Config config;
  EXPECT_TRUE(set_config_value(config, "services", "lmtp, imap").is_ok());
  EXPECT_EQ(config.services, "lmtp, imap");
}

TEST(Config, ServicesLeftOutListenNowhereAndListedOnesKeepTheirAddresses) {
  Config config;
  ASSERT_TRUE(set_config_value(config, "services", "imap,pop3").is_ok());
  ASSERT_TRUE(set_config_value(config, "pop3", "off").is_ok());
  const Addr imaps = config.imaps;
  switch_off_unlisted_services(config);
  EXPECT_FALSE(config.imap.is_off());
  EXPECT_EQ(config.imaps.to_string(), imaps.to_string());
  EXPECT_TRUE(config.pop3.is_off());  // listed, but switched off by its address
  EXPECT_FALSE(config.pop3s.is_off());
  EXPECT_TRUE(config.lmtp.is_off());
  EXPECT_TRUE(config.api.is_off());

  Config all;
  switch_off_unlisted_services(all);
  EXPECT_FALSE(all.imap.is_off() || all.pop3.is_off() || all.lmtp.is_off() || all.api.is_off());
}

TEST(Config, NotifyPollIntervalIsBoundedFrom100MillisecondsTo60Seconds) {
  Config config;
  EXPECT_EQ(config.notify_poll_interval, 2000u);
  for (const char* fine : {"100", "60000"}) {
    ASSERT_TRUE(set_config_value(config, "notify-poll-interval", fine).is_ok());
    EXPECT_TRUE(validate_config(config).is_ok()) << fine;
  }
  for (const char* wrong : {"99", "60001", "0"}) {
    ASSERT_TRUE(set_config_value(config, "notify-poll-interval", wrong).is_ok());
    Status status = validate_config(config);
    EXPECT_EQ(status.code(), Code::invalid_argument) << wrong;
    EXPECT_EQ(status.message(), "notify-poll-interval must be between 100 and 60000 milliseconds");
  }
}

}  // namespace
}  // namespace eider::core
