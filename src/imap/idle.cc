// IDLE (RFC 2177): waits for DONE while a push sends what beacons announce
// (or, while the notifier is unhealthy, what a poll of the journal finds)
// and checks now and then that the user still exists. The push also says
// BYE for a logout beacon that comes while the session waits for a command.
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/ascii.h"
#include "core/log.h"
#include "imap/session.h"

namespace eider::imap {

namespace asio = boost::asio;

namespace {

// Bytes read while idling, where only "DONE" is expected.
constexpr std::size_t kIdleReadChunk = 64;

}  // namespace

asio::awaitable<void> Session::idle(const Command& command) {
  out_ += "+ idling\r\n";
  if (!co_await flush()) co_return;
  idling_ = true;
  if (changed_) start_push();
  arm_user_check();
  if (!services_.notifier.healthy()) arm_poll();
  release_idle_memory();
  std::optional<std::string> line = co_await read_line(kIdleReadChunk);
  idling_ = false;
  user_check_due_ = false;
  user_check_.cancel();
  poll_timer_.cancel();
  poll_armed_ = false;
  // The push writes while this waited for DONE; only one writes at a time.
  co_await wait_for_push();
  if (!line) {
    // The push said `* BYE` (account deleted, logged out) and ended the read.
    if (state_ == State::logout) co_return;
    if (end_ != ReadEnd::more) co_return co_await say_goodbye(end_);
    co_return bad(command, "Line too long");
  }
  if (!core::iequals(*line, "DONE")) co_return bad(command, "Expected DONE");
  ok(command, "IDLE terminated");
}

asio::awaitable<void> Session::wait_for_push() {
  if (!pushing_) co_return;
  asio::steady_timer done(connection_.executor(), asio::steady_timer::time_point::max());
  push_done_ = &done;
  co_await done.async_wait(asio::as_tuple(asio::use_awaitable));
  push_done_ = nullptr;
}

void Session::start_push() {
  pushing_ = true;
  asio::co_spawn(connection_.executor(), push_while_idle(), [](std::exception_ptr) {});
}

// `eider user del` in another process leaves no beacon: only a check tells.
// A plain timer, not a coroutine waiting on one, so an idle session holds
// no coroutine frame until the check is due.
void Session::arm_user_check() {
  user_check_.expires_after(user_check_interval());
  user_check_.async_wait([wake = wake_](const boost::system::error_code& error) {
    Session* session = wake->session;
    if (error || session == nullptr || !session->idling_) return;
    session->user_check_due_ = true;
    // A notifier that lost its peers without a word is noticed here at the latest.
    if (!session->services_.notifier.healthy()) session->arm_poll();
    if (!session->pushing_) session->start_push();
  });
}

// Beacons may be lost meanwhile, so the journal is read on a timer; once the
// notifier is healthy again its resync beacon covers the rest and polling
// stops: a healthy idle session reads nothing until a beacon comes.
void Session::arm_poll() {
  // Without a selected mailbox there is no journal to read.
  if (poll_armed_ || !view_) return;
  poll_armed_ = true;
  poll_timer_.expires_after(
      std::chrono::milliseconds(std::max<uint64_t>(settings_.notify_poll_interval, 1)));
  poll_timer_.async_wait([wake = wake_](const boost::system::error_code& error) {
    Session* session = wake->session;
    // Cancelled: idle() already disarmed it, and another IDLE may have re-armed.
    if (error || session == nullptr) return;
    session->poll_armed_ = false;
    if (!session->idling_ || session->services_.notifier.healthy()) return;
    session->changed_ = true;
    if (!session->pushing_) session->start_push();
    session->arm_poll();
  });
}

asio::awaitable<void> Session::push_while_idle() {
  try {
    while (state_ != State::logout &&
           (logout_requested_ ||
            (idling_ && (changed_ || user_check_due_) && state_ == State::selected))) {
      if (logout_requested_) {
        end_logged_out();
        std::string bye;
        bye.swap(out_);
        co_await connection_.write(bye);
        // Ends the pending read (DONE, or the next command); the command
        // loop then ends the session.
        connection_.close();
        break;
      }
      if (user_check_due_) {
        user_check_due_ = false;
        user_checked_ = std::chrono::steady_clock::now();
        co_await end_if_user_gone();
        if (state_ == State::logout) {
          std::string bye;
          bye.swap(out_);
          co_await connection_.write(bye);
          // Ends the read of DONE; idle() then ends the session. Closed,
          // not stop()ped: a TLS read cut short would answer with an alert.
          connection_.close();
          break;
        }
        if (idling_) arm_user_check();
        continue;
      }
      co_await sync(MailboxView::Announce::all, false);
      if (out_.empty()) continue;
      // Sent from a buffer of its own: the DONE reader may flush out_.
      std::string pushed;
      pushed.swap(out_);
      Status written = co_await connection_.write(pushed);
      if (!written.is_ok()) break;
      // The compressor (with COMPRESS) is not needed again until the next push.
      connection_.release_idle_memory();
    }
  } catch (const std::exception& error) {
    core::log_event(core::LogLevel::error, "imap.idle_push_failed",
                    {{"peer", connection_.peer()}, {"error", error.what()}});
  }
  pushing_ = false;
  if (push_done_ != nullptr) push_done_->cancel();
}

}  // namespace eider::imap
