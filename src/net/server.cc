// Listeners and the accept loop; the connections they make are
// SocketConnections (socket_connection.cc).
#include "net/server.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <csignal>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "core/log.h"
#include "core/metrics.h"
#include "net/socket_connection.h"

namespace eider::net {

namespace asio = boost::asio;
using Acceptor = asio::basic_socket_acceptor<asio::generic::stream_protocol>;
using Endpoint = asio::generic::stream_protocol::endpoint;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

namespace {

std::string peer_address(const Endpoint& endpoint) {
  const sockaddr* addr = endpoint.data();
  char text[INET6_ADDRSTRLEN] = {};
  if (addr->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, text, sizeof text);
    return text;
  }
  if (addr->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(addr);
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    return text;
  }
  return "unix";
}

Result<Endpoint> tcp_endpoint(const core::Addr& addr) {
  std::string host = addr.host.empty() ? "0.0.0.0" : addr.host;
  boost::system::error_code ec;
  asio::ip::address ip = asio::ip::make_address(host, ec);
  if (!ec) return Endpoint(asio::ip::tcp::endpoint(ip, addr.port));
  // A host name: resolved once, at start-up.
  asio::io_context context;
  asio::ip::tcp::resolver resolver(context);
  auto results = resolver.resolve(host, std::to_string(addr.port), ec);
  if (ec || results.empty()) {
    return error(Code::invalid_argument,
                 "cannot resolve " + addr.to_string() + ": " + (ec ? ec.message() : "no address"));
  }
  return Endpoint(results.begin()->endpoint());
}

// A unix socket file left by a server that is gone is removed; any other
// kind of file at that path is not ours to delete.
Status clear_socket_path(const std::string& path) {
  struct stat info {};
  if (lstat(path.c_str(), &info) != 0) return Status::ok();
  if (!S_ISSOCK(info.st_mode)) {
    return error(Code::already_exists, "unix:" + path + ": exists and is not a socket");
  }
  if (unlink(path.c_str()) != 0) {
    return error(Code::permission_denied, "unix:" + path + ": cannot remove stale socket");
  }
  return Status::ok();
}

}  // namespace

struct Server::Impl {
  struct Listener {
    std::unique_ptr<Acceptor> acceptor;
    Service service;
    std::string unix_path;  // to unlink at stop
    std::string name;       // the ADDR, for logs
  };

  explicit Impl(const ServerOptions& opts) : options(opts) {
    if (options.io_threads == 0) options.io_threads = 1;
    for (std::size_t i = 0; i < options.io_threads; ++i) {
      contexts.push_back(std::make_unique<asio::io_context>(1));
      guards.emplace_back(contexts.back()->get_executor());
    }
  }

  // Registers a new connection, or returns false over a limit or once
  // stopping (one lock, so stop() sees every connection it must stop).
  bool admit(const std::shared_ptr<SocketConnection>& connection) {
    const std::string& peer = connection->peer();
    std::lock_guard lock(mutex);
    if (stopping || open.size() >= options.max_connections) return false;
    if (peer != "unix" && per_ip[peer] >= options.max_connections_per_ip) return false;
    if (peer != "unix") ++per_ip[peer];
    open.insert(connection);
    return true;
  }

  void release(const std::shared_ptr<SocketConnection>& connection) {
    std::lock_guard lock(mutex);
    open.erase(connection);
    const std::string& peer = connection->peer();
    if (peer != "unix" && --per_ip[peer] == 0) per_ip.erase(peer);
    if (open.empty()) idle.notify_all();
  }

  asio::awaitable<void> run_connection(std::shared_ptr<SocketConnection> connection,
                                       const Service& service) {
    const std::string label = "protocol=\"" + service.name + "\"";
    core::metrics()
        .counter("eider_connections_total", "Connections accepted, by protocol", label)
        .add();
    core::Gauge& open_now =
        core::metrics().gauge("eider_connections_open", "Connections open, by protocol", label);
    open_now.add();
    try {
      co_await service.handler(*connection);
    } catch (const std::exception& e) {
      core::log_event(
          core::LogLevel::error, "net.session_failed",
          {{"service", service.name}, {"peer", connection->peer()}, {"error", e.what()}});
    }
    connection->close();
    open_now.sub();
    release(connection);
  }

  asio::awaitable<void> refuse(std::shared_ptr<SocketConnection> connection,
                               const Service& service) {
    core::metrics()
        .counter("eider_connections_refused_total", "Connections refused over a limit, by protocol",
                 "protocol=\"" + service.name + "\"")
        .add();
    Status ignored = co_await connection->write(service.refusal);
    (void)ignored;
    connection->close();
  }

  asio::awaitable<void> accept_loop(Listener& listener) {
    for (;;) {
      asio::io_context& home = *contexts[next_context++ % contexts.size()];
      auto [ec, socket] = co_await listener.acceptor->async_accept(home, kNoThrow);
      if (ec == asio::error::operation_aborted || !listener.acceptor->is_open()) co_return;
      if (ec) {
        // EMFILE and friends: keep the listener, let descriptors free up.
        core::log_event(core::LogLevel::warn, "net.accept_failed",
                        {{"listener", listener.name}, {"error", ec.message()}});
        asio::steady_timer pause(listener.acceptor->get_executor(), std::chrono::milliseconds(50));
        co_await pause.async_wait(kNoThrow);
        continue;
      }
      boost::system::error_code peer_ec;
      Endpoint remote = socket.remote_endpoint(peer_ec);
      std::string peer = peer_ec ? "unknown" : peer_address(remote);
      if (peer != "unix") {
        // Sessions batch their replies themselves; Nagle would only delay them.
        boost::system::error_code ignored;
        socket.set_option(asio::ip::tcp::no_delay(true), ignored);
      }
      auto connection = std::make_shared<SocketConnection>(std::move(socket), peer);
      if (!admit(connection)) {
        asio::co_spawn(home, refuse(connection, listener.service), asio::detached);
        continue;
      }
      asio::co_spawn(home, run_connection(connection, listener.service), asio::detached);
    }
  }

  ServerOptions options;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::vector<std::thread> threads;
  std::vector<Listener> listeners;
  std::size_t next_context = 0;  // only the first context's thread accepts

  mutable std::mutex mutex;
  std::condition_variable idle;
  std::set<std::shared_ptr<SocketConnection>> open;
  std::map<std::string, uint64_t> per_ip;
  bool stopping = false;
};

Server::Server(const ServerOptions& options) : impl_(std::make_unique<Impl>(options)) {
  // OpenSSL writes to the socket with write(2) (net/tls.cc), which raises
  // SIGPIPE when the peer has gone; Asio's own writes pass MSG_NOSIGNAL. A
  // client that disappears must cost its connection, not the process.
  std::signal(SIGPIPE, SIG_IGN);
}

Server::~Server() {
  stop();
  wait(std::chrono::milliseconds(0));
}

Status Server::listen(const core::Addr& addr, Service service) {
  if (addr.is_off()) return Status::ok();
  Endpoint endpoint;
  std::string unix_path;
  if (addr.kind == core::Addr::Kind::unix_socket) {
    EIDER_RETURN_IF_ERROR(clear_socket_path(addr.path));
    if (addr.path.size() >= sizeof(sockaddr_un::sun_path)) {
      return error(Code::invalid_argument, addr.to_string() + ": socket path too long");
    }
    endpoint = Endpoint(asio::local::stream_protocol::endpoint(addr.path));
    unix_path = addr.path;
  } else {
    Result<Endpoint> tcp = tcp_endpoint(addr);
    if (!tcp) return tcp.status();
    endpoint = *tcp;
  }
  auto acceptor = std::make_unique<Acceptor>(*impl_->contexts.front());
  boost::system::error_code ec;
  acceptor->open(endpoint.protocol(), ec);
  if (!ec && unix_path.empty()) acceptor->set_option(Acceptor::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  // bind() creates the file with the umask; an MTA running as another user
  // must be able to connect.
  if (!ec && !unix_path.empty() && chmod(unix_path.c_str(), 0666) != 0) {
    ec = boost::system::error_code(errno, boost::system::system_category());
  }
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return error(Code::io_error,
                 service.name + ": cannot listen on " + addr.to_string() + ": " + ec.message());
  }
  impl_->listeners.push_back(
      {std::move(acceptor), std::move(service), unix_path, addr.to_string()});
  return Status::ok();
}

void Server::start() {
  for (Impl::Listener& listener : impl_->listeners) {
    asio::co_spawn(*impl_->contexts.front(), impl_->accept_loop(listener), asio::detached);
  }
  for (auto& context : impl_->contexts) {
    impl_->threads.emplace_back([&context] { context->run(); });
  }
}

void Server::stop() {
  std::vector<std::shared_ptr<SocketConnection>> open;
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopping) return;
    impl_->stopping = true;
    open.assign(impl_->open.begin(), impl_->open.end());
  }
  // Acceptors belong to the first context: close them there, not from here.
  asio::post(*impl_->contexts.front(), [impl = impl_.get()] {
    for (Impl::Listener& listener : impl->listeners) {
      boost::system::error_code ignored;
      listener.acceptor->close(ignored);
    }
  });
  for (const std::shared_ptr<SocketConnection>& connection : open) {
    asio::post(connection->executor(), [connection] { connection->stop(); });
  }
}

std::size_t Server::wait(std::chrono::milliseconds grace) {
  std::size_t left = 0;
  {
    std::unique_lock lock(impl_->mutex);
    impl_->idle.wait_for(lock, grace, [&] { return impl_->open.empty(); });
    left = impl_->open.size();
  }
  for (auto& guard : impl_->guards) guard.reset();
  if (left > 0) {
    for (auto& context : impl_->contexts) context->stop();
  }
  for (std::thread& thread : impl_->threads) {
    if (thread.joinable()) thread.join();
  }
  impl_->threads.clear();
  // After the threads: the files go even when start() was never reached.
  for (Impl::Listener& listener : impl_->listeners) {
    if (!listener.unix_path.empty()) unlink(listener.unix_path.c_str());
    listener.unix_path.clear();
  }
  return left;
}

std::size_t Server::connection_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->open.size();
}

}  // namespace eider::net
