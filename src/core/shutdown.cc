#include "core/shutdown.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>

namespace eider::core {

struct ShutdownSignal::Impl {
  boost::asio::io_context io{1};
  boost::asio::signal_set signals{io, SIGTERM, SIGINT};
  int received = 0;
};

ShutdownSignal::ShutdownSignal() : impl_(std::make_unique<Impl>()) {
  impl_->signals.async_wait([impl = impl_.get()](const boost::system::error_code& ec, int signo) {
    if (!ec) impl->received = signo;
  });
}

ShutdownSignal::~ShutdownSignal() = default;

int ShutdownSignal::wait() {
  impl_->io.run();
  return impl_->received;
}

void ShutdownSignal::request() {
  // Cancelling on the io_context's own thread keeps signal_set single-threaded.
  boost::asio::post(impl_->io, [impl = impl_.get()] { impl->signals.cancel(); });
}

}  // namespace eider::core
