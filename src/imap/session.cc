// One IMAP session: the command loop, the commands valid in every state and
// the not-authenticated state (STARTTLS, LOGIN, AUTHENTICATE).
#include "imap/session.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.h"
#include "imap/refusal.h"
#include "mail/login.h"
#include "mail/sasl.h"
#include "mail/users.h"
#include "net/memory_wait.h"
#include "net/session_service.h"
#include "net/tls.h"

namespace eider::imap {

namespace asio = boost::asio;

namespace {

// Bytes asked of the socket per read between commands.
constexpr std::size_t kReadChunk = 16 * 1024;
// Output kept between commands; a larger buffer is released after a flush.
constexpr std::size_t kKeptOutput = 4 * 1024;

Limits parser_limits(const core::Limits& limits, const std::string& spool_dir) {
  Limits result;
  result.max_line_length = limits.max_line_length;
  result.max_literal_size = limits.max_literal_size;
  result.max_message_size = limits.max_message_size;
  result.spool_threshold = limits.spool_threshold;
  result.spool_dir = spool_dir;
  return result;
}

}  // namespace

Session::Session(const Settings& settings, const Services& services, net::Connection& connection)
    : settings_(settings),
      services_(services),
      connection_(connection),
      reader_(parser_limits(settings.limits, services.mail.spool_dir())),
      lines_(settings.limits.max_line_length),
      deadlines_(net::Deadlines::options(settings.limits)),
      wake_(std::make_shared<Wake>(Wake{this})),
      user_check_(connection.executor()) {}

Session::~Session() {
  wake_->session = nullptr;
  if (user_id_ == 0) return;
  std::string_view reason = logout_reason_;
  if (reason.empty()) {
    reason = end_ == ReadEnd::timeout           ? "idle timeout"
             : end_ == ReadEnd::request_timeout ? "command too slow"
             : end_ == ReadEnd::shutdown        ? "shutdown"
                                                : "disconnected";
  }
  mail::log_logout(origin(), user_name_, reason);
}

mail::Origin Session::origin() const {
  return {"imap", connection_.id(), connection_.peer(), connection_.secure()};
}

asio::awaitable<void> Session::run() {
  if (!co_await net::start_session(connection_, deadlines_,
                                   std::chrono::seconds(settings_.limits.idle_timeout),
                                   settings_.implicit_tls ? settings_.tls : nullptr)) {
    co_return;
  }
  out_ += "* OK [CAPABILITY " + capabilities() + "] Eider IMAP ready\r\n";
  while (state_ != State::logout) {
    CommandReader::Step step = reader_.feed(input_.unread());
    input_.consume(step.consumed);
    switch (step.kind) {
      case CommandReader::Step::Kind::need_more: {
        if (reader_.in_command()) deadlines_.begin_request();
        ReadEnd end = co_await fill(kReadChunk);
        if (end != ReadEnd::more) co_return co_await say_goodbye(end);
        break;
      }
      case CommandReader::Step::Kind::continuation:
      case CommandReader::Step::Kind::literal:
        if (co_await admit_literal(step)) {
          if (step.kind == CommandReader::Step::Kind::continuation) {
            out_ += "+ Ready for literal data\r\n";
          }
          reader_.accept_literal();
        } else {
          literal_memory_.clear();
          out_ += step.tag.empty() ? "*" : step.tag;
          out_ += " NO [UNAVAILABLE] Server memory is busy, try again later\r\n";
          reader_.reject_literal();
        }
        break;
      case CommandReader::Step::Kind::error: {
        deadlines_.end_request();
        literal_memory_.clear();
        const ParseError& error = step.error;
        // A literal over the limits is refused before its bytes are read.
        std::string_view status =
            error.kind == ErrorKind::literal_too_large ? "NO [TOOBIG]" : "BAD";
        out_ += error.tag.empty() ? "*" : error.tag;
        out_ += ' ';
        out_ += status;
        out_ += ' ';
        out_ += error.text;
        out_ += "\r\n";
        if (error.discarded_literal > 0) {
          // RFC 7888 4: the client sends a refused {n+} anyway; rather than
          // read up to the limits' worth of bytes to throw away, hang up.
          out_ += "* BYE Literal too large\r\n";
          state_ = State::logout;
        }
        break;
      }
      case CommandReader::Step::Kind::command:
        deadlines_.end_request();
        co_await pace();
        co_await execute(*step.command);
        literal_memory_.clear();
        break;
    }
  }
  co_await flush();
}

// --- I/O ---

asio::awaitable<bool> Session::admit_literal(const CommandReader::Step& step) {
  // A spooled literal costs disk, not memory, until APPEND ingests it. One
  // no larger than a command line costs what a line may cost, which the
  // budget leaves alone too: a LOGIN {5} never waits behind a large APPEND.
  if (step.spooled || step.literal_size <= settings_.limits.max_line_length) co_return true;
  std::optional<core::MemoryBudget::Reservation> memory =
      co_await net::reserve_memory(services_.mail.budget(), step.literal_size,
                                   std::chrono::seconds(settings_.limits.memory_wait));
  if (!memory) {
    core::log_event(core::LogLevel::warn, "imap.memory_busy",
                    {{"peer", connection_.peer()}, {"literal", step.literal_size}});
    co_return false;
  }
  literal_memory_.push_back(std::move(*memory));
  co_return true;
}

asio::awaitable<bool> Session::flush(Flush mode) {
  if (out_.empty()) co_return true;
  Status written = co_await connection_.write(out_);
  out_.clear();
  if (mode == Flush::release_buffer && out_.capacity() > kKeptOutput) std::string().swap(out_);
  if (!written.is_ok()) {
    end_ = ReadEnd::closed;
    state_ = State::logout;
  }
  co_return written.is_ok();
}

asio::awaitable<Session::ReadEnd> Session::fill(std::size_t chunk) {
  if (!co_await flush()) co_return ReadEnd::closed;
  net::Read read = co_await input_.read_more(connection_, chunk, &deadlines_);
  switch (read.ended) {
    case net::Read::Ended::no:
      co_return ReadEnd::more;
    case net::Read::Ended::timeout:
      end_ = ReadEnd::timeout;
      break;
    case net::Read::Ended::deadline:
      end_ = deadlines_.expired(net::Deadlines::Clock::now()) == net::Deadlines::Expired::login
                 ? ReadEnd::login_timeout
                 : ReadEnd::request_timeout;
      break;
    case net::Read::Ended::shutdown:
      end_ = ReadEnd::shutdown;
      break;
    case net::Read::Ended::closed:
      end_ = ReadEnd::closed;
      break;
  }
  co_return end_;
}

asio::awaitable<std::optional<std::string>> Session::read_line(std::size_t chunk) {
  while (true) {
    net::LineSplitter::Line line = lines_.next(input_.unread());
    input_.consume(line.consumed);
    if (line.kind != net::LineSplitter::Line::Kind::need_more) deadlines_.end_request();
    if (line.kind == net::LineSplitter::Line::Kind::line) co_return std::string(line.text);
    if (line.kind == net::LineSplitter::Line::Kind::too_long) co_return std::nullopt;
    // Waiting for a line's first byte is idling (IDLE may wait 30 minutes);
    // once it has begun, the rest must follow in time.
    if (!input_.empty() || lines_.discarding()) deadlines_.begin_request();
    if (co_await fill(chunk) != ReadEnd::more) co_return std::nullopt;
  }
}

asio::awaitable<void> Session::say_goodbye(ReadEnd end) {
  if (end == ReadEnd::timeout) out_ += "* BYE Autologout; idle for too long\r\n";
  if (end == ReadEnd::login_timeout) {
    out_ += "* BYE Autologout; not logged in within " +
            std::to_string(settings_.limits.login_timeout) + " seconds\r\n";
  }
  if (end == ReadEnd::request_timeout) out_ += "* BYE Autologout; command arriving too slowly\r\n";
  if (end == ReadEnd::shutdown) out_ += "* BYE [UNAVAILABLE] Server shutting down\r\n";
  state_ = State::logout;
  if (end != ReadEnd::closed) co_await flush();
}

void Session::tagged(const Command& command, std::string_view status, std::string_view text) {
  reply_ = command.tag;
  reply_ += ' ';
  reply_ += status;
  reply_ += ' ';
  reply_ += text;
  reply_ += "\r\n";
}

void Session::fail(const Command& command, const Status& status) {
  Refusal refusal = refusal_for(status);
  if (refusal.server_failure) {
    core::log_event(core::LogLevel::error, "imap.store_failed",
                    {{"session", connection_.id()},
                     {"user", user_name_},
                     {"peer", connection_.peer()},
                     {"command", command.name},
                     {"error", status.to_string()}});
  }
  no(command, refusal.text);
}

void Session::release_idle_memory() {
  input_.release();
  connection_.release_idle_memory();
  if (out_.empty()) std::string().swap(out_);
  if (view_) view_->shrink_to_fit();
}

asio::awaitable<void> Session::pace() {
  const uint64_t limit = settings_.limits.max_commands_per_second;
  if (limit == 0) co_return;
  auto now = std::chrono::steady_clock::now();
  if (now - window_start_ >= std::chrono::seconds(1)) {
    window_start_ = now;
    window_commands_ = 0;
  }
  if (++window_commands_ <= limit) co_return;
  // Over the rate: the client waits for the next window instead of being
  // cut off, so a burst is slowed, never refused.
  asio::steady_timer timer(co_await asio::this_coro::executor,
                           window_start_ + std::chrono::seconds(1));
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  window_start_ = std::chrono::steady_clock::now();
  window_commands_ = 1;
}

// --- dispatch ---

namespace {

bool is(const Command& command, std::string_view name) {
  return command.name == name;
}

}  // namespace

asio::awaitable<void> Session::end_if_user_gone() {
  store::Store& store = services_.store;
  const int64_t user = user_id_;
  Result<store::User> found =
      co_await services_.executor.run([&store, user] { return store.find_user_by_id(user); });
  if (found || found.status().code() != Code::not_found) co_return;
  reply_.clear();
  out_ += "* BYE Account deleted\r\n";
  state_ = State::logout;
  logout_reason_ = "account deleted";
}

std::chrono::seconds Session::user_check_interval() const {
  return std::chrono::seconds(std::max<uint64_t>(1, settings_.user_check_interval));
}

asio::awaitable<void> Session::execute(Command& command) {
  const bool had_condstore = condstore_;
  co_await dispatch(command);
  // A NO may be the store missing the user's rows because the user was
  // deleted; polls check too, since for a client that only polls nothing
  // else fails, but at most every user-check-interval: NOOP stays cheap.
  if (state_ == State::authenticated || state_ == State::selected) {
    const bool refused = reply_.size() > command.tag.size() + 4 &&
                         reply_.compare(command.tag.size(), 4, " NO ") == 0;
    const bool poll = is(command, "NOOP") || is(command, "CHECK") || is(command, "IDLE");
    const auto now = std::chrono::steady_clock::now();
    if (refused || (poll && now - user_checked_ >= user_check_interval())) {
      user_checked_ = now;
      co_await end_if_user_gone();
    }
  }
  if (state_ == State::selected && view_) {
    // RFC 3501 7.4.1: no EXPUNGE during FETCH, STORE or SEARCH (their UID
    // forms may have one), so those keep the client's numbering.
    const bool keeps_numbers =
        !command.uid && (is(command, "FETCH") || is(command, "STORE") || is(command, "SEARCH"));
    // Commands that change the selected mailbox read the journal at once:
    // their own change must be told before their reply.
    const bool force = is(command, "STORE") || is(command, "EXPUNGE") || is(command, "APPEND") ||
                       is(command, "COPY") || is(command, "MOVE") || is(command, "NOOP") ||
                       is(command, "CHECK") || is(command, "IDLE");
    co_await sync(keeps_numbers ? MailboxView::Announce::no_expunge : MailboxView::Announce::all,
                  force);
    // RFC 7162 3.1: a CONDSTORE enabling command issued with a mailbox
    // selected gets the mailbox's HIGHESTMODSEQ, as Dovecot sends it (SELECT
    // and EXAMINE send theirs anyway). The view's: every change up to it was
    // told, so a client that resynchronises from it misses nothing.
    if (!had_condstore && condstore_ && view_ && !is(command, "SELECT") &&
        !is(command, "EXAMINE")) {
      out_ += "* OK [HIGHESTMODSEQ " + std::to_string(view_->modseq()) + "] Highest\r\n";
    }
  }
  out_ += reply_;
  reply_.clear();
}

asio::awaitable<void> Session::dispatch(Command& command) {
  // Any state.
  if (is(command, "CAPABILITY")) co_return capability(command);
  if (is(command, "NOOP")) co_return ok(command, "NOOP completed");
  if (is(command, "LOGOUT")) co_return logout(command);
  if (is(command, "ID")) co_return id(command);

  if (state_ == State::not_authenticated) {
    if (is(command, "STARTTLS")) co_return co_await starttls(command);
    if (is(command, "LOGIN")) co_return co_await login(command);
    if (is(command, "AUTHENTICATE")) co_return co_await authenticate(command);
    co_return bad(command, "Not allowed before login: " + command.name);
  }
  if (is(command, "STARTTLS") || is(command, "LOGIN") || is(command, "AUTHENTICATE")) {
    co_return bad(command, "Already logged in");
  }

  // Authenticated (and selected).
  if (is(command, "SELECT")) co_return co_await select(command, false);
  if (is(command, "EXAMINE")) co_return co_await select(command, true);
  if (is(command, "CREATE")) co_return co_await create(command);
  if (is(command, "DELETE")) co_return co_await delete_mailbox(command);
  if (is(command, "RENAME")) co_return co_await rename(command);
  if (is(command, "SUBSCRIBE")) co_return co_await subscribe(command, true);
  if (is(command, "UNSUBSCRIBE")) co_return co_await subscribe(command, false);
  if (is(command, "LIST")) co_return co_await list(command, false);
  if (is(command, "LSUB")) co_return co_await list(command, true);
  if (is(command, "STATUS")) co_return co_await status(command);
  if (is(command, "APPEND")) co_return co_await append(command);
  if (is(command, "NAMESPACE")) co_return namespace_(command);
  if (is(command, "ENABLE")) co_return enable(command);
  if (is(command, "GETQUOTAROOT")) co_return co_await get_quota_root(command);
  if (is(command, "GETQUOTA")) co_return co_await get_quota(command);
  if (is(command, "SETQUOTA")) co_return set_quota(command);
  if (is(command, "COMPRESS")) co_return co_await compress(command);

  if (state_ != State::selected) co_return bad(command, "No mailbox selected");
  if (is(command, "FETCH")) co_return co_await fetch(command);
  if (is(command, "STORE")) co_return co_await store_flags(command);
  if (is(command, "SEARCH")) co_return co_await search(command);
  if (is(command, "COPY")) co_return co_await copy(command, false);
  if (is(command, "MOVE")) co_return co_await copy(command, true);
  if (is(command, "EXPUNGE")) co_return co_await expunge(command);
  if (is(command, "CHECK")) co_return ok(command, "CHECK completed");
  if (is(command, "CLOSE")) co_return co_await close(command);
  if (is(command, "UNSELECT")) {
    unselect();
    co_return ok(command, "UNSELECT completed");
  }
  if (is(command, "IDLE")) co_return co_await idle(command);
  bad(command, "Command not supported: " + command.name);
}

// --- any state ---

std::string Session::capabilities() const {
  std::string caps =
      "IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE NAMESPACE UIDPLUS UNSELECT MOVE CHILDREN "
      "SPECIAL-USE CREATE-SPECIAL-USE ESEARCH LIST-EXTENDED LIST-STATUS CONDSTORE QRESYNC QUOTA "
      "QUOTA=RES-STORAGE QUOTA=RES-MESSAGE COMPRESS=DEFLATE BINARY APPENDLIMIT=" +
      std::to_string(settings_.limits.max_message_size);
  if (state_ == State::not_authenticated) {
    if (settings_.tls != nullptr && !connection_.secure()) caps += " STARTTLS";
    caps += plaintext_allowed() ? " AUTH=PLAIN AUTH=LOGIN" : " LOGINDISABLED";
  }
  return caps;
}

void Session::capability(const Command& command) {
  out_ += "* CAPABILITY " + capabilities() + "\r\n";
  ok(command, "CAPABILITY completed");
}

void Session::id(const Command& command) {
  out_ += "* ID (\"name\" \"Eider\" \"vendor\" \"Eider\")\r\n";
  ok(command, "ID completed");
}

void Session::logout(const Command& command) {
  logout_reason_ = "logout";
  out_ += "* BYE Logging out\r\n";
  ok(command, "LOGOUT completed");
  state_ = State::logout;
}

// --- not authenticated ---

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
  reader_ = CommandReader(parser_limits(settings_.limits, services_.mail.spool_dir()));
  connection_.set_deadline(deadlines_.next(net::Deadlines::Clock::now()));
  Status secured = co_await connection_.start_tls(*settings_.tls);
  if (!secured.is_ok()) state_ = State::logout;
}

asio::awaitable<void> Session::compress(const Command& command) {
  const auto& args = std::get<Compress>(command.arguments);
  if (args.mechanism != "DEFLATE") {
    co_return bad(command, "Unknown compression mechanism: " + args.mechanism);
  }
  if (connection_.compressed()) {
    co_return no(command, "[COMPRESSIONACTIVE] DEFLATE is active already");
  }
  ok(command, "DEFLATE active");
  out_ += reply_;
  reply_.clear();
  if (!co_await flush()) co_return;
  // RFC 4978 3: the client compresses from its first command after the OK,
  // so anything read past COMPRESS is compressed input.
  connection_.start_compression(input_.unread());
  input_.clear();
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
  const mail::AuthLimiter::Verdict verdict =
      co_await mail::admit_login(services_.limiter, name, connection_.peer(), attempt);
  if (verdict != mail::AuthLimiter::Verdict::allowed) {
    // Refused without looking at the password, so guessing learns nothing.
    const mail::LoginRefusal refusal = mail::login_refusal(verdict);
    mail::log_login_failed(origin(), name, refusal.reason);
    co_return refuse_login(command, "[UNAVAILABLE] " + std::string(refusal.text));
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
  if (counted == Counted::no) services_.limiter.record_failure(name, connection_.peer());
  std::chrono::milliseconds delay = services_.limiter.failure_delay(name, connection_.peer());
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

// --- the service ---

net::Service service(const Settings& settings, const Services& services) {
  return net::session_service<Session>(settings.implicit_tls ? "imaps" : "imap",
                                       "* BYE [UNAVAILABLE] Too many connections\r\n", settings,
                                       services);
}

}  // namespace eider::imap
