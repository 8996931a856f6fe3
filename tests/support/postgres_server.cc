#include "support/postgres_server.h"

#include <libpq-fe.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <system_error>

namespace eider::store::testing {

namespace {

constexpr const char* kDefaultBin = "/usr/lib/postgresql/15/bin";
constexpr const char* kUser = "eider";

std::string bin_dir() {
  const char* env = std::getenv("EIDER_PG_BIN");
  return env != nullptr && *env != '\0' ? env : kDefaultBin;
}

// A port the kernel hands out as free; the server binds it right after.
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

}  // namespace

Status PostgresServer::run(const std::string& command) const {
  // initdb and postgres refuse to run as root.
  std::string prefix =
      ::geteuid() == 0 ? "setpriv --reuid=nobody --regid=nogroup --clear-groups " : "";
  std::string full = prefix + command + " >>" + (dir_ / "setup.log").string() + " 2>&1";
  int rc = std::system(full.c_str());
  if (rc != 0) {
    return error(Code::unavailable, "\"" + command + "\" failed (" + std::to_string(rc) +
                                        "), see " + (dir_ / "setup.log").string());
  }
  return Status::ok();
}

Result<std::unique_ptr<PostgresServer>> PostgresServer::start(bool durable) {
  if (::access((bin_dir() + "/initdb").c_str(), X_OK) != 0) {
    return error(Code::unavailable, "no PostgreSQL server binaries in " + bin_dir() +
                                        " (scripts/setup installs package postgresql)");
  }
  std::string pattern = (std::filesystem::temp_directory_path() / "eider-pg-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return error(Code::unavailable, "cannot create a temporary folder");
  }
  int port = free_port();
  if (port < 0) return error(Code::unavailable, "no free port");
  std::unique_ptr<PostgresServer> server(new PostgresServer(pattern, port, durable));
  if (::geteuid() == 0 && std::system(("chown nobody:nogroup " + pattern).c_str()) != 0) {
    return error(Code::unavailable, "cannot hand " + pattern + " to nobody");
  }
  EIDER_RETURN_IF_ERROR(server->run(bin_dir() + "/initdb --no-sync --auth=trust -E UTF8 -U " +
                                    kUser + " -D " + (server->dir_ / "data").string()));
  EIDER_RETURN_IF_ERROR(server->restart());
  return server;
}

Status PostgresServer::restart() {
  const std::string options = "-p " + std::to_string(port_) + " -k " + dir_.string() +
                              " -c listen_addresses=127.0.0.1 -c max_connections=200" +
                              std::string(durable_ ? "" : " -c fsync=off -c full_page_writes=off");
  EIDER_RETURN_IF_ERROR(run(bin_dir() + "/pg_ctl -w -t 30 -D " + (dir_ / "data").string() + " -l " +
                            (dir_ / "server.log").string() + " -o \"" + options + "\" start"));
  running_ = true;
  return Status::ok();
}

Status PostgresServer::stop() {
  if (!running_) return Status::ok();
  running_ = false;
  return run(bin_dir() + "/pg_ctl -w -t 30 -m fast -D " + (dir_ / "data").string() + " stop");
}

PostgresServer::~PostgresServer() {
  (void)stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string PostgresServer::url(const std::string& name) const {
  return std::string("postgresql://") + kUser + "@127.0.0.1:" + std::to_string(port_) + "/" + name;
}

Result<std::string> PostgresServer::create_database() {
  std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(++databases_);
  PGconn* conn = PQconnectdb(url("postgres").c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    return error(Code::unavailable, "cannot reach the test server: " + message);
  }
  PGresult* result = PQexec(conn, ("CREATE DATABASE " + name).c_str());
  bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  std::string message = PQresultErrorMessage(result);
  PQclear(result);
  PQfinish(conn);
  if (!ok) return error(Code::unavailable, "CREATE DATABASE failed: " + message);
  return url(name);
}

PostgresServer* shared_postgres_server() {
  static std::unique_ptr<PostgresServer> server = [] {
    Result<std::unique_ptr<PostgresServer>> started = PostgresServer::start();
    if (!started) {
      std::cerr << "no test PostgreSQL: " << started.status().to_string() << "\n";
      return std::unique_ptr<PostgresServer>();
    }
    return std::move(*started);
  }();
  return server.get();
}

bool postgres_required() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && *ci != '\0';
}

}  // namespace eider::store::testing
