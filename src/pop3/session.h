// A POP3 session's state, private to src/pop3: session.cc runs the command
// loop and AUTHORIZATION, maildrop.cc the TRANSACTION and UPDATE states.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mail/events.h"
#include "net/deadlines.h"
#include "net/input_buffer.h"
#include "net/line_splitter.h"
#include "pop3/pop3.h"
#include "pop3/protocol.h"

namespace eider::pop3 {

class Session {
 public:
  Session(const Settings& settings, const Services& services, net::Connection& connection);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  boost::asio::awaitable<void> run();

 private:
  enum class State { authorization, transaction, done };

  struct Line {
    enum class Kind { line, too_long, ended };
    Kind kind = Kind::line;
    std::string text;  // without the line ending
  };

  // One message of the maildrop, fixed at login.
  struct Message {
    uint32_t uid = 0;
    uint64_t size = 0;  // as sent: MessageInfo::wire_size
    bool deleted = false;
    bool seen = false;       // had \Seen at login
    bool mark_seen = false;  // RETR read it: QUIT sets \Seen
  };

  void ok(std::string_view text);
  void err(std::string_view text);
  // Sends the pending replies. False (and the session done) when the peer is gone.
  boost::asio::awaitable<bool> flush();
  // Flushes, then reads more input. False when the session is over.
  boost::asio::awaitable<bool> fill();
  boost::asio::awaitable<Line> read_line();

  boost::asio::awaitable<void> execute(const Command& command);
  void capa();
  bool plaintext_allowed() const;
  bool stls_available() const;

  // AUTHORIZATION (session.cc).
  boost::asio::awaitable<void> authorization(const Command& command);
  void refuse_plaintext();
  boost::asio::awaitable<void> stls();
  boost::asio::awaitable<void> auth(const Command& command);
  // Sends "+ text" and reads the client's answer; empty when cancelled or over.
  boost::asio::awaitable<std::optional<std::string>> challenge(std::string_view text);
  boost::asio::awaitable<void> login(const std::string& name, const std::string& password);
  // Whether the limiter counted the failure already (AuthLimiter::try_login).
  enum class Counted { no, yes };
  // -ERR after the limiter's delay; closes the connection at max-auth-failures.
  boost::asio::awaitable<void> fail_login(const std::string& name, std::string_view text,
                                          Counted counted = Counted::no);
  // -ERR at once (a lockout, or after fail_login's delay), counted against
  // the connection's max-auth-failures.
  void refuse_login(std::string_view text);
  void log_failure(std::string_view event, const Status& status);
  mail::Origin origin() const;
  // True, with -ERR sent and the session ended, when the logged-in user was
  // deleted (by the CLI, in another process, perhaps): the maildrop is gone.
  boost::asio::awaitable<bool> end_if_user_gone();
  // Subscribes for the user's logout beacon (pop3.h).
  void listen_for_logout();
  void on_logout();

  // TRANSACTION and UPDATE (maildrop.cc).
  boost::asio::awaitable<Status> open_maildrop(int64_t user_id);
  boost::asio::awaitable<void> transaction(const Command& command);
  // The message numbered `number`, or null after an -ERR.
  Message* find(uint32_t number);
  void stat();
  void list(const Command& command, bool uidl);
  std::string uidl_of(const Message& message) const;
  boost::asio::awaitable<void> retrieve(const Command& command);
  boost::asio::awaitable<void> quit();

  const Settings& settings_;
  Services services_;
  net::Connection& connection_;

  net::InputBuffer input_;
  net::LineSplitter lines_;
  net::Deadlines deadlines_;
  std::string out_;  // replies not sent yet (PIPELINING: sent before each read)

  State state_ = State::authorization;
  std::string user_;  // from USER, until PASS
  uint64_t auth_failures_ = 0;

  int64_t user_id_ = 0;
  std::string user_name_;
  // This session's place among its user's (max-connections-per-user).
  mail::UserConnections::Slot user_slot_;
  // Why the session ended, for the logout log line.
  std::string_view logout_reason_ = "disconnected";
  int64_t mailbox_id_ = 0;
  uint32_t uidvalidity_ = 0;
  std::vector<Message> messages_;

  // Logout beacons reach the session through this, on its own I/O thread;
  // the destructor clears `session` so a beacon posted late does nothing.
  struct Wake {
    Session* session = nullptr;
  };
  std::shared_ptr<Wake> wake_;
  notify::Subscription subscription_;
  bool logout_requested_ = false;
  bool reading_ = false;  // the command loop waits for the client
};

}  // namespace eider::pop3
