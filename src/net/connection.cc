#include "net/connection.h"

#include <atomic>

namespace eider::net {

namespace {
std::atomic<uint64_t> next_connection_id{1};
}  // namespace

Connection::Connection(std::string peer)
    : peer_(std::move(peer)), id_(next_connection_id.fetch_add(1, std::memory_order_relaxed)) {}

}  // namespace eider::net
