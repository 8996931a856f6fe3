// A private PostgreSQL server for tests: initdb in a temporary folder, run
// as an unprivileged user (initdb refuses root), listening on 127.0.0.1 on
// a free port with its unix socket in that folder, fsync off. Never the
// system service. Stopped, and its folder deleted, when destroyed.
//
// The server binaries are Debian's (package postgresql, scripts/setup);
// $EIDER_PG_BIN names another folder.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/status.h"

namespace eider::store::testing {

class PostgresServer {
 public:
  // Code::unavailable when the binaries are missing or the server would not
  // start. `durable` keeps fsync on (benchmarks: commits cost what they do
  // in production).
  static Result<std::unique_ptr<PostgresServer>> start(bool durable = false);
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // A new, empty database; returns its URL (postgresql://...).
  Result<std::string> create_database();
  // The URL of database `name`.
  std::string url(const std::string& name) const;
  int port() const { return port_; }

  // Stops and starts the server again on the same port and data (tests of
  // a store whose server goes away).
  Status stop();
  Status restart();

 private:
  PostgresServer(std::filesystem::path dir, int port, bool durable)
      : dir_(std::move(dir)), port_(port), durable_(durable) {}
  // Runs a server binary as the unprivileged user.
  Status run(const std::string& command) const;

  std::filesystem::path dir_;
  int port_;
  bool durable_;
  bool running_ = false;
  int databases_ = 0;
};

// One server per test binary, started on first use and stopped at exit;
// nullptr (after printing why) when it cannot start.
PostgresServer* shared_postgres_server();

// True under CI (the CI environment variable set): there scripts/setup has
// installed PostgreSQL, so a test server that cannot start is a failure,
// not a reason to skip.
bool postgres_required();

}  // namespace eider::store::testing
