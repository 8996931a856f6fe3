// Listeners for every ADDR form, connection limits, idle timeout, stop.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "net/server.h"

namespace eider::net {
namespace {

namespace fs = std::filesystem;

// A blocking client socket, closed on destruction.
class Client {
 public:
  explicit Client(int fd) : fd_(fd) {
    timeval timeout{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~Client() {
    if (fd_ >= 0) close(fd_);
  }
  bool connected() const { return fd_ >= 0; }
  void send(std::string_view bytes) {
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  }
  // Everything until the server closes (or the 10 s receive timeout).
  std::string read_all() {
    std::string out;
    char buffer[4096];
    ssize_t n;
    while ((n = recv(fd_, buffer, sizeof buffer, 0)) > 0) out.append(buffer, n);
    return out;
  }
  std::string read_some() {
    char buffer[4096];
    ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, n) : "";
  }

 private:
  int fd_;
};

Client connect_tcp(int family, const char* ip, uint16_t port) {
  int fd = socket(family, SOCK_STREAM, 0);
  sockaddr_storage storage{};
  socklen_t length = 0;
  if (family == AF_INET) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    inet_pton(AF_INET, ip, &v4->sin_addr);
    length = sizeof *v4;
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    inet_pton(AF_INET6, ip, &v6->sin6_addr);
    length = sizeof *v6;
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0) {
    close(fd);
    return Client(-1);
  }
  return Client(fd);
}

Client connect_unix(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return Client(-1);
  }
  return Client(fd);
}

uint16_t free_port(int family) {
  int fd = socket(family, SOCK_STREAM, 0);
  sockaddr_storage storage{};
  socklen_t length = family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
  storage.ss_family = static_cast<sa_family_t>(family);
  if (family == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(&storage)->sin6_addr = in6addr_loopback;
  } else {
    reinterpret_cast<sockaddr_in*>(&storage)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0) {
    close(fd);
    return 0;
  }
  getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length);
  close(fd);
  return ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&storage)->sin_port
                                 : reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port);
}

core::Addr parse(const std::string& text) {
  Result<core::Addr> addr = core::parse_addr(text);
  EXPECT_TRUE(addr) << text;
  return *addr;
}

// Says hello with the peer's address, then echoes each read; says how the
// reading ended before the connection closes.
Service echo_service(std::chrono::seconds idle = std::chrono::seconds(0)) {
  Service service;
  service.name = "echo";
  service.refusal = "busy\r\n";
  service.handler = [idle](Connection& connection) -> boost::asio::awaitable<void> {
    connection.set_idle_timeout(idle);
    Status hello = co_await connection.write("hello " + connection.peer() + "\r\n");
    if (!hello) co_return;
    char buffer[1024];
    while (true) {
      Read read = co_await connection.read_some(buffer, sizeof buffer);
      if (read.ended == Read::Ended::timeout) {
        Status ignored = co_await connection.write("timeout\r\n");
        co_return;
      }
      if (read.ended == Read::Ended::shutdown) {
        Status ignored = co_await connection.write("shutdown\r\n");
        co_return;
      }
      if (read.ended == Read::Ended::closed) co_return;
      if (!co_await connection.write(std::string_view(buffer, read.size))) co_return;
    }
  };
  return service;
}

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/eider-net-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(Server, ListensOnIpv4AndEchoes) {
  Server server({.io_threads = 2});
  uint16_t port = free_port(AF_INET);
  ASSERT_TRUE(server.listen(parse("127.0.0.1:" + std::to_string(port)), echo_service()));
  server.start();
  Client client = connect_tcp(AF_INET, "127.0.0.1", port);
  ASSERT_TRUE(client.connected());
  EXPECT_EQ(client.read_some(), "hello 127.0.0.1\r\n");
  client.send("ping");
  EXPECT_EQ(client.read_some(), "ping");
  server.stop();
  EXPECT_EQ(client.read_all(), "shutdown\r\n");
  EXPECT_EQ(server.wait(std::chrono::seconds(10)), 0u);
}

TEST(Server, ListensOnIpv6InBrackets) {
  uint16_t port = free_port(AF_INET6);
  ASSERT_NE(port, 0) << "no IPv6 loopback on this machine";
  Server server({.io_threads = 1});
  ASSERT_TRUE(server.listen(parse("[::1]:" + std::to_string(port)), echo_service()));
  server.start();
  Client client = connect_tcp(AF_INET6, "::1", port);
  ASSERT_TRUE(client.connected());
  EXPECT_EQ(client.read_some(), "hello ::1\r\n");
}

TEST(Server, UnixSocketReplacesAStaleFileIsWorldConnectableAndIsRemovedOnStop) {
  TempDir dir;
  const std::string path = dir.path() + "/lmtp.sock";
  {
    // A socket file left behind by a server that died.
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    close(fd);
  }
  Server server({.io_threads = 1});
  ASSERT_TRUE(server.listen(parse("unix:" + path), echo_service()));
  struct stat info {};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0666u);
  server.start();
  {
    Client client = connect_unix(path);
    ASSERT_TRUE(client.connected());
    EXPECT_EQ(client.read_some(), "hello unix\r\n");
  }
  server.stop();
  server.wait(std::chrono::seconds(10));
  EXPECT_FALSE(fs::exists(path));
}

TEST(Server, RefusesToReplaceAFileThatIsNotASocket) {
  TempDir dir;
  const std::string path = dir.path() + "/precious";
  std::ofstream(path) << "data";
  Server server({.io_threads = 1});
  Status status = server.listen(parse("unix:" + path), echo_service());
  EXPECT_FALSE(status);
  EXPECT_NE(status.message().find(path), std::string::npos);
  EXPECT_TRUE(fs::exists(path));
}

TEST(Server, ListenFailureNamesTheAddress) {
  uint16_t port = free_port(AF_INET);
  Server first({.io_threads = 1});
  ASSERT_TRUE(first.listen(parse("127.0.0.1:" + std::to_string(port)), echo_service()));
  Server second({.io_threads = 1});
  Status status = second.listen(parse("127.0.0.1:" + std::to_string(port)), echo_service());
  EXPECT_FALSE(status);
  EXPECT_NE(status.message().find("127.0.0.1:" + std::to_string(port)), std::string::npos);
}

TEST(Server, RefusesConnectionsOverThePerIpLimit) {
  Server server({.io_threads = 1, .max_connections = 10, .max_connections_per_ip = 2});
  uint16_t port = free_port(AF_INET);
  ASSERT_TRUE(server.listen(parse("127.0.0.1:" + std::to_string(port)), echo_service()));
  server.start();
  Client a = connect_tcp(AF_INET, "127.0.0.1", port);
  Client b = connect_tcp(AF_INET, "127.0.0.1", port);
  EXPECT_EQ(a.read_some(), "hello 127.0.0.1\r\n");
  EXPECT_EQ(b.read_some(), "hello 127.0.0.1\r\n");
  Client c = connect_tcp(AF_INET, "127.0.0.1", port);
  EXPECT_EQ(c.read_all(), "busy\r\n");
  EXPECT_EQ(server.connection_count(), 2u);
}

TEST(Server, RefusesConnectionsOverTheTotalLimitAndAdmitsAgainLater) {
  TempDir dir;
  const std::string path = dir.path() + "/s";
  Server server({.io_threads = 1, .max_connections = 1, .max_connections_per_ip = 1});
  ASSERT_TRUE(server.listen(parse("unix:" + path), echo_service()));
  server.start();
  {
    Client a = connect_unix(path);
    EXPECT_EQ(a.read_some(), "hello unix\r\n");
    Client b = connect_unix(path);
    EXPECT_EQ(b.read_all(), "busy\r\n");
  }
  for (int i = 0; i < 100 && server.connection_count() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Client c = connect_unix(path);
  EXPECT_EQ(c.read_some(), "hello unix\r\n");
}

TEST(Server, IdleConnectionTimesOut) {
  Server server({.io_threads = 1});
  uint16_t port = free_port(AF_INET);
  ASSERT_TRUE(server.listen(parse("127.0.0.1:" + std::to_string(port)),
                            echo_service(std::chrono::seconds(1))));
  server.start();
  Client client = connect_tcp(AF_INET, "127.0.0.1", port);
  EXPECT_EQ(client.read_some(), "hello 127.0.0.1\r\n");
  client.send("x");
  EXPECT_EQ(client.read_some(), "x");
  EXPECT_EQ(client.read_all(), "timeout\r\n");
}

TEST(Server, StopClosesTheListener) {
  Server server({.io_threads = 1});
  uint16_t port = free_port(AF_INET);
  ASSERT_TRUE(server.listen(parse("127.0.0.1:" + std::to_string(port)), echo_service()));
  server.start();
  server.stop();
  EXPECT_EQ(server.wait(std::chrono::seconds(10)), 0u);
  Client late = connect_tcp(AF_INET, "127.0.0.1", port);
  EXPECT_FALSE(late.connected());
}

}  // namespace
}  // namespace eider::net
