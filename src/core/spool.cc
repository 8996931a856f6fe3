#include "core/spool.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace eider::core {
namespace {

// Bytes gathered before a write(2): a 60 MiB literal arrives in 16 KiB reads.
constexpr std::size_t kWriteBuffer = 256 * 1024;

Status io_failure(std::string_view what, int err) {
  const Code code = err == ENOSPC || err == EDQUOT ? Code::disk_full : Code::io_error;
  return error(code, std::string(what) + ": " + std::strerror(err));
}

}  // namespace

SpoolView::SpoolView(std::string_view bytes, void* mapping, std::size_t mapped)
    : bytes_(bytes), mapping_(mapping), mapped_(mapped) {}

SpoolView::SpoolView(SpoolView&& other) noexcept
    : bytes_(std::exchange(other.bytes_, {})),
      mapping_(std::exchange(other.mapping_, nullptr)),
      mapped_(std::exchange(other.mapped_, 0)) {}

SpoolView& SpoolView::operator=(SpoolView&& other) noexcept {
  if (this != &other) {
    if (mapping_ != nullptr) munmap(mapping_, mapped_);
    bytes_ = std::exchange(other.bytes_, {});
    mapping_ = std::exchange(other.mapping_, nullptr);
    mapped_ = std::exchange(other.mapped_, 0);
  }
  return *this;
}

SpoolView::~SpoolView() {
  if (mapping_ != nullptr) munmap(mapping_, mapped_);
}

Spool::Spool(std::string dir, uint64_t threshold) : dir_(std::move(dir)), threshold_(threshold) {}

Spool::~Spool() {
  if (fd_ >= 0) ::close(fd_);
}

Status Spool::open_file() {
  const std::string dir = dir_.empty() ? "." : dir_;
#ifdef O_TMPFILE
  fd_ = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd_ >= 0) return Status::ok();
  // Only "this file system cannot" falls back; anything else is real.
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
    return io_failure("cannot spool to " + dir, errno);
  }
#endif
  std::string name = dir + "/.spool-XXXXXX";
  fd_ = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd_ < 0) return io_failure("cannot spool to " + dir, errno);
  ::unlink(name.c_str());
  return Status::ok();
}

Status Spool::flush() {
  std::string_view left = memory_;
  while (!left.empty()) {
    const ssize_t written = ::write(fd_, left.data(), left.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return io_failure("cannot spool to " + (dir_.empty() ? "." : dir_), errno);
    }
    left.remove_prefix(static_cast<std::size_t>(written));
  }
  memory_.clear();
  return Status::ok();
}

Status Spool::append(std::string_view bytes) {
  size_ += bytes.size();
  if (!status_.is_ok()) return status_;
  memory_.append(bytes);
  if (fd_ < 0) {
    if (size_ <= threshold_) return Status::ok();
    status_ = open_file();
    if (!status_.is_ok()) {
      std::string().swap(memory_);
      return status_;
    }
  }
  if (memory_.size() >= kWriteBuffer) {
    status_ = flush();
    if (memory_.capacity() > 2 * kWriteBuffer) std::string().swap(memory_);
  }
  return status_;
}

Result<SpoolView> Spool::map() {
  if (!status_.is_ok()) return status_;
  if (fd_ < 0) return SpoolView(memory_, nullptr, 0);
  status_ = flush();
  if (!status_.is_ok()) return status_;
  std::string().swap(memory_);
  if (size_ == 0) return SpoolView();
  void* mapped = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd_, 0);
  if (mapped == MAP_FAILED) return io_failure("cannot map the spooled message", errno);
  // The parser reads front to back: let the kernel read ahead.
  ::madvise(mapped, size_, MADV_SEQUENTIAL);
  return SpoolView(std::string_view(static_cast<const char*>(mapped), size_), mapped, size_);
}

void Spool::clear() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  size_ = 0;
  std::string().swap(memory_);
  status_ = Status::ok();
}

}  // namespace eider::core
