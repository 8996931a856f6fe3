#include "net/input_buffer.h"

#include <algorithm>
#include <cstring>

namespace eider::net {

void InputBuffer::release() {
  if (!empty()) return;
  data_.reset();
  capacity_ = begin_ = end_ = 0;
}

boost::asio::awaitable<Read> InputBuffer::read_more(Connection& connection, std::size_t chunk,
                                                    Deadlines* deadlines) {
  const std::size_t unread_size = end_ - begin_;
  if (unread_size == 0 && capacity_ > chunk) release();
  if (begin_ > 0) {
    std::memmove(data_.get(), data_.get() + begin_, unread_size);
    begin_ = 0;
    end_ = unread_size;
  }
  if (capacity_ < end_ + chunk) {
    const std::size_t capacity = std::max(end_ + chunk, capacity_ * 2);
    auto grown = std::make_unique_for_overwrite<char[]>(capacity);
    if (end_ > 0) std::memcpy(grown.get(), data_.get(), end_);
    data_ = std::move(grown);
    capacity_ = capacity;
  }
  const Deadlines::Clock::time_point started = Deadlines::Clock::now();
  if (deadlines != nullptr) connection.set_deadline(deadlines->next(started));
  Read read = co_await connection.read_some(data_.get() + end_, chunk);
  if (deadlines != nullptr) deadlines->after_read(started, Deadlines::Clock::now(), read.size);
  end_ += read.size;
  co_return read;
}

}  // namespace eider::net
