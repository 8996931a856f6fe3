// Private to src/net: the TLS reads and writes SocketConnection delegates to
// tls.cc, so that only tls.cc includes OpenSSL.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <string_view>
#include <tuple>

#include "net/socket_connection.h"

namespace eider::net {

boost::asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> tls_read_some(
    TlsStream& stream, char* data, std::size_t size);

boost::asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> tls_write(
    TlsStream& stream, std::string_view bytes);

}  // namespace eider::net
