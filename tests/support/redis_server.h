// A private redis-server for tests: Debian's binary on 127.0.0.1 on a free
// port, no persistence, its files in a temporary folder. Never the system
// service. A test may stop it (as a crash would) and start it again on the
// same port; it is stopped and its folder removed when destroyed.
#pragma once

#include <sys/types.h>

#include <string>

namespace eider::test {

class RedisServer {
 public:
  // Starts the server and waits until it answers PING; running() says
  // whether it did.
  RedisServer();
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Kills the server (SIGKILL: no goodbye to its clients) and waits for it.
  void kill();
  // Starts it again on the same port; true once it answers PING.
  bool start();

  bool running() const { return pid_ > 0; }
  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

 private:
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace eider::test
