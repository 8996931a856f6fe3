// One POP3 session: the command loop and the AUTHORIZATION state (login,
// AUTH, STLS). The TRANSACTION and UPDATE states are in maildrop.cc.
#include "pop3/session.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.h"
#include "core/metrics.h"
#include "mail/login.h"
#include "mail/sasl.h"
#include "mail/users.h"
#include "net/session_service.h"

namespace eider::pop3 {

namespace asio = boost::asio;

namespace {

// Bytes asked of the socket per read.
constexpr std::size_t kReadChunk = 16 * 1024;

}  // namespace

Session::Session(const Settings& settings, const Services& services, net::Connection& connection)
    : settings_(settings),
      services_(services),
      connection_(connection),
      lines_(settings.limits.max_line_length),
      deadlines_(net::Deadlines::options(settings.limits)),
      wake_(std::make_shared<Wake>(Wake{this})) {}

Session::~Session() {
  wake_->session = nullptr;
  if (user_id_ != 0) mail::log_logout(origin(), user_name_, logout_reason_);
}

void Session::listen_for_logout() {
  // One subscription per session: cheap with the local notifier; a remote
  // one keeps one per user and node (notify/notifier.h).
  subscription_ = services_.notifier.subscribe(
      user_id_, [wake = wake_, executor = connection_.executor()](const notify::Beacon& beacon) {
        if (beacon.kind != notify::BeaconKind::logout) return;
        asio::post(executor, [wake] {
          if (wake->session != nullptr) wake->session->on_logout();
        });
      });
}

void Session::on_logout() {
  logout_requested_ = true;
  logout_reason_ = "logged out by the administrator";
  // Ends the pending read; the loop then ends without UPDATE. During a
  // command, the loop ends after its reply.
  if (reading_) connection_.close();
}

mail::Origin Session::origin() const {
  return {"pop3", connection_.id(), connection_.peer(), connection_.secure()};
}

asio::awaitable<bool> Session::end_if_user_gone() {
  store::Store& store = services_.store;
  const int64_t user = user_id_;
  Result<store::User> found =
      co_await services_.executor.run([&store, user] { return store.find_user_by_id(user); });
  if (found || found.status().code() != Code::not_found) co_return false;
  err("Account deleted");
  state_ = State::done;
  logout_reason_ = "account deleted";
  co_return true;
}

asio::awaitable<void> Session::run() {
  if (!co_await net::start_session(connection_, deadlines_,
                                   std::chrono::seconds(settings_.limits.idle_timeout),
                                   settings_.implicit_tls ? settings_.tls : nullptr)) {
    co_return;
  }
  ok("Eider POP3 ready");
  while (state_ != State::done && !logout_requested_) {
    Line line = co_await read_line();
    if (line.kind == Line::Kind::ended) co_return;
    if (line.kind == Line::Kind::too_long) {
      err("Line too long");
      continue;
    }
    Parsed parsed = parse_command(line.text);
    if (auto* parse_error = std::get_if<ParseError>(&parsed)) {
      err(parse_error->text);
      continue;
    }
    co_await execute(std::get<Command>(parsed));
  }
  co_await flush();
}

void Session::ok(std::string_view text) {
  out_ += "+OK ";
  out_ += text;
  out_ += "\r\n";
}

void Session::err(std::string_view text) {
  out_ += "-ERR ";
  out_ += text;
  out_ += "\r\n";
}

asio::awaitable<bool> Session::flush() {
  if (out_.empty()) co_return true;
  Status written = co_await connection_.write(out_);
  out_.clear();
  // A large answer (RETR) must not keep its buffer while the session idles.
  if (out_.capacity() > kReadChunk) out_.shrink_to_fit();
  if (!written.is_ok()) state_ = State::done;
  co_return written.is_ok();
}

asio::awaitable<bool> Session::fill() {
  if (!co_await flush()) co_return false;
  if (logout_requested_) {
    state_ = State::done;
    co_return false;
  }
  reading_ = true;
  net::Read read = co_await input_.read_more(connection_, kReadChunk, &deadlines_);
  reading_ = false;
  switch (read.ended) {
    case net::Read::Ended::no:
      co_return true;
    case net::Read::Ended::timeout:
      err("Autologout; idle for too long");
      logout_reason_ = "idle timeout";
      break;
    case net::Read::Ended::deadline:
      if (deadlines_.expired(net::Deadlines::Clock::now()) == net::Deadlines::Expired::login) {
        err("Autologout; not logged in within " + std::to_string(settings_.limits.login_timeout) +
            " seconds");
      } else {
        err("Autologout; command arriving too slowly");
        logout_reason_ = "command too slow";
      }
      break;
    case net::Read::Ended::shutdown:
      err("[SYS/TEMP] Server shutting down");
      logout_reason_ = "shutdown";
      break;
    case net::Read::Ended::closed:
      state_ = State::done;
      co_return false;
  }
  co_await flush();
  state_ = State::done;
  co_return false;
}

asio::awaitable<Session::Line> Session::read_line() {
  while (true) {
    net::LineSplitter::Line line = lines_.next(input_.unread());
    input_.consume(line.consumed);
    if (line.kind != net::LineSplitter::Line::Kind::need_more) deadlines_.end_request();
    if (line.kind == net::LineSplitter::Line::Kind::line) {
      co_return Line{Line::Kind::line, std::string(line.text)};
    }
    if (line.kind == net::LineSplitter::Line::Kind::too_long) {
      co_return Line{Line::Kind::too_long, {}};
    }
    // Waiting for a line's first byte is idling; once it has begun, the
    // rest must follow in time.
    if (!input_.empty() || lines_.discarding()) deadlines_.begin_request();
    if (!co_await fill()) co_return Line{Line::Kind::ended, {}};
  }
}

asio::awaitable<void> Session::execute(const Command& command) {
  static core::Counter& commands = core::metrics().counter(
      "eider_commands_total", "Commands (API: requests) received, by protocol",
      "protocol=\"pop3\"");
  commands.add();
  if (command.verb == Verb::quit) co_return co_await quit();
  if (command.verb == Verb::capa) co_return capa();
  if (command.verb == Verb::noop && state_ == State::transaction) {
    // Not `if (co_await ...)`: GCC 12 miscompiles that here (SIGILL).
    const bool gone = co_await end_if_user_gone();
    if (!gone) ok("");
    co_return;
  }
  if (state_ == State::authorization) co_return co_await authorization(command);
  co_await transaction(command);
}

void Session::capa() {
  ok("Capability list follows");
  out_ += "TOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n";
  if (state_ == State::authorization) {
    if (plaintext_allowed()) out_ += "USER\r\nSASL PLAIN LOGIN\r\n";
    if (stls_available()) out_ += "STLS\r\n";
  }
  out_ += "IMPLEMENTATION Eider\r\n.\r\n";
}

bool Session::plaintext_allowed() const {
  return settings_.allow_plaintext_auth || connection_.secure();
}

bool Session::stls_available() const {
  return settings_.tls != nullptr && !connection_.secure();
}

asio::awaitable<void> Session::authorization(const Command& command) {
  switch (command.verb) {
    case Verb::user:
      if (!plaintext_allowed()) co_return refuse_plaintext();
      user_ = command.argument;
      co_return ok("Send PASS");
    case Verb::pass: {
      if (!plaintext_allowed()) co_return refuse_plaintext();
      if (user_.empty()) co_return err("Send USER first");
      std::string user = std::exchange(user_, {});
      co_return co_await login(user, command.argument);
    }
    case Verb::auth:
      co_return co_await auth(command);
    case Verb::stls:
      co_return co_await stls();
    default:
      co_return err("Not allowed before login");
  }
}

void Session::refuse_plaintext() {
  err("[AUTH] Plaintext authentication disallowed on non-secure connections: use STLS");
}

asio::awaitable<void> Session::stls() {
  if (!stls_available()) {
    co_return err(connection_.secure() ? "Already using TLS" : "STLS not available");
  }
  ok("Begin TLS negotiation");
  if (!co_await flush()) co_return;
  // RFC 2595 4: what the client sent before the handshake is not trusted.
  input_.clear();
  lines_.reset();
  user_.clear();
  connection_.set_deadline(deadlines_.next(net::Deadlines::Clock::now()));
  Status secured = co_await connection_.start_tls(*settings_.tls);
  if (!secured.is_ok()) state_ = State::done;
}

asio::awaitable<void> Session::auth(const Command& command) {
  if (command.argument.empty()) {
    ok("Supported mechanisms follow");
    out_ += "PLAIN\r\nLOGIN\r\n.\r\n";
    co_return;
  }
  if (!plaintext_allowed()) co_return refuse_plaintext();
  if (command.argument == "PLAIN") {
    std::optional<std::string> response = command.initial;
    if (!response) response = co_await challenge("");
    if (!response) co_return;
    if (*response == "=") response->clear();
    std::optional<mail::SaslPlain> plain = mail::decode_sasl_plain(*response);
    if (!plain) co_return co_await fail_login("", "Invalid PLAIN response");
    if (!plain->authzid.empty() && plain->authzid != plain->authcid) {
      co_return co_await fail_login(plain->authcid, "[AUTH] Cannot log in as another user");
    }
    co_return co_await login(plain->authcid, plain->password);
  }
  if (command.argument == "LOGIN") {
    std::optional<std::string> name = command.initial;
    if (!name) name = co_await challenge(mail::kSaslUsernamePrompt);
    if (!name) co_return;
    std::optional<std::string> password = co_await challenge(mail::kSaslPasswordPrompt);
    if (!password) co_return;
    std::optional<std::string> user = mail::decode_sasl_base64(*name == "=" ? "" : *name);
    std::optional<std::string> secret = mail::decode_sasl_base64(*password);
    if (!user || !secret || user->empty())
      co_return co_await fail_login("", "Invalid LOGIN response");
    co_return co_await login(*user, *secret);
  }
  err("Unsupported authentication mechanism");
}

asio::awaitable<std::optional<std::string>> Session::challenge(std::string_view text) {
  out_ += "+ ";
  out_ += text;
  out_ += "\r\n";
  Line line = co_await read_line();
  if (line.kind == Line::Kind::ended) co_return std::nullopt;
  if (line.kind == Line::Kind::too_long) {
    err("Line too long");
    co_return std::nullopt;
  }
  if (line.text == "*") {
    err("Authentication cancelled");
    co_return std::nullopt;
  }
  co_return line.text;
}

asio::awaitable<void> Session::login(const std::string& name, const std::string& password) {
  mail::AuthLimiter::Attempt attempt;
  const mail::Origin from = origin();  // outlives the coroutine that refers to it
  const mail::AuthLimiter::Verdict verdict =
      co_await mail::admit_login(services_.limiter, services_.executor, name, from, attempt);
  if (verdict != mail::AuthLimiter::Verdict::allowed) {
    // Refused without looking at the password, so guessing learns nothing.
    co_return refuse_login(
        (verdict == mail::AuthLimiter::Verdict::busy ? "[SYS/TEMP] " : "[AUTH] ") +
        std::string(mail::login_refusal(verdict).text));
  }
  Result<store::User> user =
      co_await mail::log_in(services_.mail, services_.store, services_.executor, name, password);
  if (!user) {
    if (user.status().code() == Code::auth_failed) {
      attempt.failed();
      co_return co_await fail_login(name, "[AUTH] Authentication failed", Counted::yes);
    }
    log_failure("pop3.login_failed", user.status());
    mail::log_login_failed(origin(), name, "server error");
    co_return err("[SYS/TEMP] Cannot log in now, try again later");
  }
  attempt.succeeded();
  mail::UserConnections::Slot slot =
      co_await mail::take_user_slot(services_.user_connections, services_.executor, user->id);
  if (!slot.held()) {
    // RFC 3206: the credentials were right, the user's sessions are full.
    mail::log_login_failed(origin(), user->name, "too many sessions");
    co_return err("[IN-USE] Too many sessions for this user, try later");
  }
  user_slot_ = std::move(slot);
  Status opened = co_await open_maildrop(user->id);
  if (!opened.is_ok()) {
    user_slot_.reset();  // not logged in after all
    log_failure("pop3.maildrop_failed", opened);
    mail::log_login_failed(origin(), user->name, "server error");
    co_return err("[SYS/TEMP] Cannot open the maildrop, try again later");
  }
  user_name_ = user->name;
  mail::log_login(origin(), user_name_);
  listen_for_logout();
  state_ = State::transaction;
  deadlines_.logged_in();
  ok("Logged in, " + std::to_string(messages_.size()) + " messages");
}

asio::awaitable<void> Session::fail_login(const std::string& name, std::string_view text,
                                          Counted counted) {
  const std::chrono::milliseconds delay = co_await mail::failed_login_delay(
      services_.limiter, services_.executor, name, connection_.peer(), counted == Counted::yes);
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  mail::log_login_failed(origin(), name, mail::without_response_code(text));
  refuse_login(text);
}

void Session::refuse_login(std::string_view text) {
  err(text);
  if (++auth_failures_ >= settings_.limits.max_auth_failures) {
    err("[AUTH] Too many authentication failures, closing connection");
    state_ = State::done;
  }
}

void Session::log_failure(std::string_view event, const Status& status) {
  core::log_event(core::LogLevel::error, event,
                  {{"session", connection_.id()},
                   {"user", user_name_},
                   {"peer", connection_.peer()},
                   {"error", status.to_string()}});
}

net::Service service(const Settings& settings, const Services& services) {
  // The refusal is sent before any TLS handshake: a POP3S client sees a
  // failed handshake.
  return net::session_service<Session>(settings.implicit_tls ? "pop3s" : "pop3",
                                       "-ERR [SYS/TEMP] Too many connections\r\n", settings,
                                       services);
}

}  // namespace eider::pop3
