// The not-authenticated state: STARTTLS, LOGIN and AUTHENTICATE (PLAIN and
// LOGIN), and what a failed login costs.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "imap/session.h"
#include "mail/login.h"
#include "mail/sasl.h"
#include "net/tls.h"

namespace eider::imap {

namespace asio = boost::asio;

bool Session::plaintext_allowed() const {
  return settings_.allow_plaintext_auth || connection_.secure();
}

asio::awaitable<void> Session::starttls(const Command& command) {
  if (settings_.tls == nullptr || connection_.secure()) {
    co_return bad(command, connection_.secure() ? "Already using TLS" : "STARTTLS not available");
  }
  ok(command, "Begin TLS negotiation now");
  out_ += reply_;
  reply_.clear();
  if (!co_await flush()) co_return;
  // RFC 3501 6.2.1: what the client pipelined before the handshake is not
  // trusted, so it is dropped with any command half read.
  input_.clear();
  lines_.reset();
  reader_ = CommandReader(parser_limits());
  connection_.set_deadline(deadlines_.next(net::Deadlines::Clock::now()));
  Status secured = co_await connection_.start_tls(*settings_.tls);
  if (!secured.is_ok()) state_ = State::logout;
}

asio::awaitable<void> Session::login(const Command& command) {
  if (!plaintext_allowed()) {
    co_return no(command, "[PRIVACYREQUIRED] Plaintext authentication disallowed: use STARTTLS");
  }
  const auto& args = std::get<Login>(command.arguments);
  co_await log_in(command, args.user, args.password);
}

asio::awaitable<void> Session::authenticate(const Command& command) {
  const auto& args = std::get<Authenticate>(command.arguments);
  if (!plaintext_allowed()) {
    co_return no(command, "[PRIVACYREQUIRED] Plaintext authentication disallowed: use STARTTLS");
  }
  if (args.mechanism == "PLAIN") {
    std::optional<std::string> response = args.initial_response;
    if (!response) response = co_await challenge(command, "");
    if (!response) co_return;
    if (*response == "=") response->clear();
    std::optional<mail::SaslPlain> plain = mail::decode_sasl_plain(*response);
    if (!plain) co_return bad(command, "Invalid PLAIN response");
    if (!plain->authzid.empty() && plain->authzid != plain->authcid) {
      co_return co_await fail_login(command, plain->authcid,
                                    "[AUTHORIZATIONFAILED] Cannot log in as another user");
    }
    co_return co_await log_in(command, plain->authcid, plain->password);
  }
  if (args.mechanism == "LOGIN") {
    std::optional<std::string> name = args.initial_response;
    if (!name) name = co_await challenge(command, mail::kSaslUsernamePrompt);
    if (!name) co_return;
    std::optional<std::string> password = co_await challenge(command, mail::kSaslPasswordPrompt);
    if (!password) co_return;
    std::optional<std::string> user = mail::decode_sasl_base64(*name == "=" ? "" : *name);
    std::optional<std::string> secret = mail::decode_sasl_base64(*password);
    if (!user || !secret || user->empty()) co_return bad(command, "Invalid LOGIN response");
    co_return co_await log_in(command, *user, *secret);
  }
  no(command, "[CANNOT] Unsupported authentication mechanism");
}

asio::awaitable<std::optional<std::string>> Session::challenge(const Command& command,
                                                               std::string_view text) {
  out_ += "+ ";
  out_ += text;
  out_ += "\r\n";
  std::optional<std::string> line = co_await read_line(kReadChunk);
  if (!line) {
    if (end_ != ReadEnd::more) {
      co_await say_goodbye(end_);
    } else {
      bad(command, "Line too long");
    }
    co_return std::nullopt;
  }
  if (*line == "*") {
    bad(command, "Authentication cancelled");
    co_return std::nullopt;
  }
  co_return line;
}

asio::awaitable<void> Session::log_in(const Command& command, const std::string& name,
                                      const std::string& password) {
  mail::AuthLimiter::Attempt attempt;
  const mail::Origin from = origin();  // outlives the coroutine that refers to it
  const mail::AuthLimiter::Verdict verdict =
      co_await mail::admit_login(services_.limiter, services_.executor, name, from, attempt);
  if (verdict != mail::AuthLimiter::Verdict::allowed) {
    // Refused without looking at the password, so guessing learns nothing.
    co_return refuse_login(command,
                           "[UNAVAILABLE] " + std::string(mail::login_refusal(verdict).text));
  }
  Result<store::User> user =
      co_await mail::log_in(services_.mail, services_.store, services_.executor, name, password);
  if (!user) {
    if (user.status().code() == Code::auth_failed) {
      attempt.failed();
      co_return co_await fail_login(command, name, "[AUTHENTICATIONFAILED] Authentication failed",
                                    Counted::yes);
    }
    mail::log_login_failed(origin(), name, "server error");
    co_return fail(command, user.status());
  }
  attempt.succeeded();
  mail::UserConnections::Slot slot =
      co_await mail::take_user_slot(services_.user_connections, services_.executor, user->id);
  if (!slot.held()) {
    // RFC 5530: an implementation limit; the password was right, so no
    // failure is counted.
    mail::log_login_failed(origin(), user->name, "too many sessions");
    co_return no(command, "[LIMIT] Too many sessions for this user, try later");
  }
  user_slot_ = std::move(slot);
  user_id_ = user->id;
  user_name_ = user->name;
  mail::log_login(origin(), user_name_);
  state_ = State::authenticated;
  deadlines_.logged_in();
  connection_.set_idle_timeout(std::chrono::seconds(settings_.authenticated_idle_timeout));
  // Beacons are posted to this session's I/O thread, where on_beacon runs;
  // `wake` outlives the session, so a late one finds no session and stops.
  subscription_ = services_.notifier.subscribe(
      user_id_, [wake = wake_, executor = connection_.executor()](const notify::Beacon& beacon) {
        asio::post(executor, [wake, beacon] {
          if (wake->session != nullptr) wake->session->on_beacon(beacon);
        });
      });
  ok(command, "[CAPABILITY " + capabilities() + "] Logged in");
}

asio::awaitable<void> Session::fail_login(const Command& command, const std::string& name,
                                          std::string_view text, Counted counted) {
  const std::chrono::milliseconds delay = co_await mail::failed_login_delay(
      services_.limiter, services_.executor, name, connection_.peer(), counted == Counted::yes);
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  mail::log_login_failed(origin(), name, mail::without_response_code(text));
  refuse_login(command, text);
}

void Session::refuse_login(const Command& command, std::string_view text) {
  no(command, text);
  if (++auth_failures_ >= settings_.limits.max_auth_failures) {
    out_ += reply_;
    reply_.clear();
    out_ += "* BYE Too many authentication failures\r\n";
    state_ = State::logout;
  }
}

}  // namespace eider::imap
