// Raw deflate streams (RFC 1951: no zlib or gzip framing) for IMAP
// COMPRESS=DEFLATE (RFC 4978): a Deflater for what the server sends and an
// Inflater for what it receives. Pure: bytes in, bytes out, no I/O; zlib
// stays inside deflate.cc.
//
// Memory, the reason for the choices below (docs/architecture.md, who runs where: an idle session
// costs kilobytes):
// - The Deflater uses a 4 KiB window and memLevel 5: about 40 KiB of zlib
//   state while it works (zlib's default is about 270 KiB), with little loss
//   on mail text. It is created on the first byte to send and freed by
//   release(): after a sync flush the peer's inflater needs nothing from the
//   old compressor, so a new one simply continues the stream with new blocks
//   (it cannot refer back to what the old one sent, which costs a few bytes,
//   never correctness).
// - The Inflater must accept any window the peer chose (up to 32 KiB). zlib
//   keeps about 7 KiB of state plus that window while it works. release()
//   frees both when the stream stands between two blocks (as it does after
//   every sync flush of the peer), keeping only the history the peer may
//   still refer back to: the last 32 KiB it sent, or less when it has sent
//   less (a client in IDLE has usually sent a few hundred bytes since
//   COMPRESS). The next inflate() restores it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace eider::net {

class Deflater {
 public:
  Deflater();
  ~Deflater();
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  // Most bytes one next() returns.
  static constexpr std::size_t kPieceSize = 16 * 1024;

  // Starts compressing `plain`, which must stay valid and unchanged until
  // next() has returned an empty piece.
  void start(std::string_view plain);
  // The next piece (at most kPieceSize bytes) of the compressed form of what
  // start() was given, the last piece ending with a sync flush (Z_SYNC_FLUSH)
  // so that the peer can decompress all of it; an empty view once everything
  // was returned. The view is valid until the next call. Fails only when
  // zlib cannot allocate its state.
  Result<std::string_view> next();
  // Frees the zlib state and the output piece (see the header comment).
  // Call only after next() returned an empty piece.
  void release();
  // Bytes held (zlib state and the output piece), for tests.
  std::size_t held() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
  std::string_view pending_;  // input not yet given to zlib
  bool flushed_ = true;       // the sync flush of the current input is out
};

class Inflater {
 public:
  Inflater();
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  struct Step {
    std::size_t consumed = 0;  // bytes of `input` used
    std::size_t produced = 0;  // bytes written to `out`
  };
  // Decompresses from `input` into [out, out + size), as far as either
  // goes. Output may come with no input at all, when an earlier call filled
  // `out`. Code::invalid_argument for bytes that are not raw deflate, and
  // for a final block (a COMPRESS stream never ends; the connection does).
  Result<Step> inflate(std::string_view input, char* out, std::size_t size);
  // Frees zlib's state when the stream stands between blocks with no bit
  // left over, keeping the history (see the header comment); false when it
  // cannot (in the middle of a block) and nothing changed. Call only when
  // every byte of input given to inflate() was consumed.
  bool release();
  // Bytes held (zlib state and window, or the kept history), for tests.
  std::size_t held() const;

 private:
  struct State;
  Status open();
  std::unique_ptr<State> state_;
  std::string history_;  // the peer's last bytes while state_ is released
};

}  // namespace eider::net
