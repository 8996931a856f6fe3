// Message bytes arriving from a client (an IMAP APPEND literal, LMTP DATA),
// kept in memory up to a threshold and beyond it in an unlinked temporary
// file in the data folder, so that a large message costs page cache, which
// the kernel may reclaim, instead of anonymous memory.
//
// The file is made with O_TMPFILE (or mkstemp and an immediate unlink where
// the file system lacks it): it has no name, and it is gone when the Spool
// is, even after a crash. map() gives the bytes back as one view for the
// MIME parser, which needs the whole message: a read-only shared mapping of
// the file, whose pages are the page cache's, not copies. Writes go through
// a small buffer; the first failure (a full disk) is kept and every later
// call reports it, so a caller reads the whole message first and answers
// once. Not thread-safe; one writer, then any one reader.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace eider::core {

// A view of spooled bytes, valid while this object lives.
class SpoolView {
 public:
  SpoolView() = default;
  SpoolView(std::string_view bytes, void* mapping, std::size_t mapped);
  SpoolView(SpoolView&& other) noexcept;
  SpoolView& operator=(SpoolView&& other) noexcept;
  ~SpoolView();

  std::string_view bytes() const { return bytes_; }

 private:
  std::string_view bytes_;
  void* mapping_ = nullptr;  // munmap'ed at the end when not null
  std::size_t mapped_ = 0;
};

class Spool {
 public:
  // Bytes beyond the first `threshold` move to a file in `dir` (0: every byte).
  Spool(std::string dir, uint64_t threshold);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  Status append(std::string_view bytes);
  // Bytes appended so far (also those a failed write lost).
  uint64_t size() const { return size_; }
  // True once the bytes went to a file.
  bool in_file() const { return fd_ >= 0; }
  // The first failure, or ok.
  const Status& status() const { return status_; }
  // Every byte appended, as one view (see SpoolView); fails with status().
  Result<SpoolView> map();
  // Drops every byte and the file: the spool is empty again.
  void clear();

 private:
  Status open_file();
  Status flush();

  std::string dir_;
  uint64_t threshold_;
  uint64_t size_ = 0;
  std::string memory_;  // every byte while not in a file, else the write buffer
  int fd_ = -1;
  Status status_;
};

}  // namespace eider::core
