// One IMAP session: the command loop, I/O, what every command shares (the
// tagged reply, mailbox names, sequence sets) and the journal sync. The
// commands are in files named for them; command_table.cc lists them.
#include "imap/session.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.h"
#include "core/metrics.h"
#include "imap/mailbox_name.h"
#include "imap/refusal.h"
#include "mail/login.h"
#include "mail/names.h"
#include "net/memory_wait.h"
#include "net/session_service.h"

namespace eider::imap {

namespace asio = boost::asio;

namespace {

// Output kept between commands; a larger buffer is released after a flush.
constexpr std::size_t kKeptOutput = 4 * 1024;

}  // namespace

ParserLimits Session::parser_limits() const {
  const core::Limits& limits = settings_.limits;
  ParserLimits result;
  result.max_line_length = limits.max_line_length;
  result.max_literal_size = limits.max_literal_size;
  result.max_message_size = limits.max_message_size;
  result.spool_threshold = limits.spool_threshold;
  result.spool_dir = services_.mail.spool_dir();
  return result;
}

Session::Session(const Settings& settings, const Services& services, net::Connection& connection)
    : settings_(settings),
      services_(services),
      connection_(connection),
      reader_(parser_limits()),
      lines_(settings.limits.max_line_length),
      deadlines_(net::Deadlines::options(settings.limits)),
      wake_(std::make_shared<Wake>(Wake{this})),
      user_check_(connection.executor()),
      poll_timer_(connection.executor()) {}

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
    if (logout_requested_) {
      end_logged_out();
      break;
    }
    CommandReader::Step step = reader_.feed(input_.unread());
    input_.consume(step.consumed);
    switch (step.kind) {
      case CommandReader::Step::Kind::need_more: {
        if (reader_.in_command()) deadlines_.begin_request();
        ReadEnd end = co_await fill(kReadChunk);
        // A logout beacon's push may have said BYE and closed meanwhile.
        co_await wait_for_push();
        if (state_ == State::logout) break;
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
  reading_ = true;
  net::Read read = co_await input_.read_more(connection_, chunk, &deadlines_);
  reading_ = false;
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

// --- running a command ---

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

void Session::end_logged_out() {
  if (state_ == State::logout) return;
  out_ += "* BYE Logged out by the administrator\r\n";
  state_ = State::logout;
  logout_reason_ = "logged out by the administrator";
}

std::chrono::seconds Session::user_check_interval() const {
  return std::chrono::seconds(std::max<uint64_t>(1, settings_.user_check_interval));
}

asio::awaitable<void> Session::execute(Command& command) {
  const bool had_condstore = condstore_;
  const CommandSpec* spec = find_command(command.name);
  co_await dispatch(command, spec);
  // A NO may be the store missing the user's rows because the user was
  // deleted; polls check too, since for a client that only polls nothing
  // else fails, but at most every user-check-interval: NOOP stays cheap.
  if (state_ == State::authenticated || state_ == State::selected) {
    const bool refused = reply_.size() > command.tag.size() + 4 &&
                         reply_.compare(command.tag.size(), 4, " NO ") == 0;
    const bool poll = spec != nullptr && spec->poll;
    const auto now = std::chrono::steady_clock::now();
    if (refused || (poll && now - user_checked_ >= user_check_interval())) {
      user_checked_ = now;
      co_await end_if_user_gone();
    }
  }
  if (state_ == State::selected && view_) {
    const bool keeps_numbers = !command.uid && spec != nullptr && spec->keeps_numbers;
    // While beacons may be lost, every command is a poll point.
    const bool force =
        (spec != nullptr && (spec->changes_mailbox || spec->poll)) || !services_.notifier.healthy();
    co_await sync(keeps_numbers ? MailboxView::Announce::no_expunge : MailboxView::Announce::all,
                  force);
    // RFC 7162 3.1: a CONDSTORE enabling command issued with a mailbox
    // selected gets the mailbox's HIGHESTMODSEQ, as Dovecot sends it (SELECT
    // and EXAMINE send theirs anyway). The view's: every change up to it was
    // told, so a client that resynchronises from it misses nothing.
    if (!had_condstore && condstore_ && view_ && !(spec != nullptr && spec->tells_modseq)) {
      out_ += "* OK [HIGHESTMODSEQ " + std::to_string(view_->modseq()) + "] Highest\r\n";
    }
  }
  out_ += reply_;
  reply_.clear();
  // A logout beacon that came during the command: its reply goes first.
  if (logout_requested_) end_logged_out();
}

asio::awaitable<void> Session::dispatch(Command& command, const CommandSpec* spec) {
  static core::Counter& commands = core::metrics().counter(
      "eider_commands_total", "Commands (API: requests) received, by protocol",
      "protocol=\"imap\"");
  commands.add();
  if (spec != nullptr && (spec->states & state_bit(state_)) != 0) {
    if (spec->answer != nullptr) co_return spec->answer(*this, command);
    co_return co_await spec->run(*this, command);
  }
  if (state_ == State::not_authenticated) {
    co_return bad(command, "Not allowed before login: " + command.name);
  }
  if (spec != nullptr && spec->states == kBeforeLogin) co_return bad(command, "Already logged in");
  if (state_ != State::selected) co_return bad(command, "No mailbox selected");
  bad(command, "Command not supported: " + command.name);
}

// --- shared by the commands ---

// The command is well formed (a name is an astring), so an odd name is a
// NO, not a BAD: no mailbox can have it (as Dovecot answers).
std::optional<std::string> Session::mailbox_path(const Command& command, std::string_view wire,
                                                 bool to_create) {
  Result<std::string> path = decode_mailbox_name(wire);
  if (path) path = mail::normalize_mailbox_path(*path);
  if (!path) {
    no(command, std::string(to_create ? "[CANNOT]" : "[NONEXISTENT]") +
                    " Invalid mailbox name: " + path.status().message());
    return std::nullopt;
  }
  return *path;
}

std::optional<std::vector<uint32_t>> Session::resolve(const SequenceSet& set, bool uid) const {
  const UidList& uids = view_->uids();
  std::vector<uint32_t> result;
  if (uid) {
    const ResolvedSet resolved(set, uids.max_uid());
    for (const SeqRange& range : resolved.ranges()) {
      std::vector<uint32_t> part = uids.uids_between(range.first, range.last);
      result.insert(result.end(), part.begin(), part.end());
    }
    return result;
  }
  ResolvedSet resolved(set, uids.size());
  if (resolved.max() > uids.size()) return std::nullopt;
  for (const SeqRange& range : resolved.ranges()) {
    for (uint32_t seq = range.first; seq <= range.last && seq != 0; ++seq) {
      result.push_back(uids.uid_at(seq));
      if (seq == UINT32_MAX) break;
    }
  }
  return result;
}

// --- the journal sync ---

void Session::on_beacon(const notify::Beacon& beacon) {
  switch (beacon.kind) {
    case notify::BeaconKind::logout:
      logout_requested_ = true;
      // Waiting for the client: the push says BYE now. During a command,
      // execute() says it after the reply.
      if ((reading_ || idling_) && !pushing_) start_push();
      return;
    case notify::BeaconKind::resync:
      // Beacons may have been lost (the notifier lost its peers, or came
      // back): an idle session polls while the notifier is unhealthy.
      if (idling_ && !services_.notifier.healthy()) arm_poll();
      if (!view_) return;
      break;
    case notify::BeaconKind::changed:
      // An older modseq is already covered: the journal read that the newer
      // beacon (or a poll) caused read every row up to the view's modseq.
      if (!view_ || beacon.mailbox_id != view_->mailbox_id() || beacon.modseq <= view_->modseq()) {
        return;
      }
      break;
  }
  changed_ = true;
  if (idling_ && !pushing_) start_push();
}

asio::awaitable<void> Session::sync(MailboxView::Announce announce, bool force) {
  if (!view_ || (!force && !changed_)) co_return;
  changed_ = false;
  store::Store& store = services_.store;
  const int64_t user = user_id_;
  const int64_t mailbox = view_->mailbox_id();
  const uint64_t since = view_->modseq();
  Result<std::vector<store::JournalEntry>> rows = co_await services_.executor.run(
      [&store, user, mailbox, since] { return store.journal_since(user, mailbox, since); });
  if (!rows && rows.status().code() == Code::out_of_range) {
    // The journal after the view was trimmed. A listing tells what changed,
    // expunges included, so it waits until they may be announced.
    if (announce == MailboxView::Announce::all) co_return co_await resync_from_listing();
    changed_ = true;
    co_return;
  }
  if (!rows) {
    core::log_event(core::LogLevel::error, "imap.journal_failed",
                    {{"peer", connection_.peer()}, {"error", rows.status().to_string()}});
    changed_ = true;
    co_return;
  }
  if (rows->empty() || !view_ || view_->mailbox_id() != mailbox) co_return;
  const uint64_t last = rows->back().modseq;
  const bool arrivals = std::any_of(rows->begin(), rows->end(), [this](const auto& row) {
    return row.kind == store::JournalKind::added && row.uid > view_->uids().max_uid();
  });
  if (arrivals && !view_->read_only()) {
    Result<store::RecentClaim> claim = co_await services_.executor.run(
        [&store, user, mailbox] { return store.claim_recent(user, mailbox); });
    if (claim && claim->first < claim->next && view_) {
      view_->add_recent(claim->first, claim->next - 1);
    }
  }
  if (!view_ || view_->mailbox_id() != mailbox) co_return;
  ViewUpdate update = view_->apply(*rows, announce, wording());
  if (!update.more) view_->advance_to(last);
  out_ += update.untagged;
  // RFC 7162 3.2.10: expunges carry no modseq, so the client learns the
  // mailbox's new one here.
  if (condstore_ && update.expunged > 0) {
    out_ += "* OK [HIGHESTMODSEQ " + std::to_string(view_->modseq()) + "] Highest\r\n";
  }
  if (update.more) changed_ = true;
  if (view_->deleted()) {
    out_ += "* BYE Selected mailbox was deleted\r\n";
    state_ = State::logout;
  }
}

asio::awaitable<void> Session::resync_from_listing() {
  store::Store& store = services_.store;
  const int64_t user = user_id_;
  const int64_t mailbox = view_->mailbox_id();
  const bool claim = !view_->read_only();
  struct Listed {
    Result<store::RecentClaim> recent = store::RecentClaim{};
    Result<store::FlagListing> listing = store::FlagListing{};
  };
  // Claimed first, so every UID won is in the listing's EXISTS.
  Listed listed = co_await services_.executor.run([&store, user, mailbox, claim] {
    Listed result;
    if (claim) result.recent = store.claim_recent(user, mailbox);
    result.listing = store.list_flags(user, mailbox);
    return result;
  });
  if (!view_ || view_->mailbox_id() != mailbox) co_return;
  if (!listed.listing && listed.listing.status().code() == Code::not_found) {
    out_ += "* BYE Selected mailbox was deleted\r\n";
    state_ = State::logout;
    co_return;
  }
  if (!listed.listing) {
    core::log_event(core::LogLevel::error, "imap.resync_failed",
                    {{"peer", connection_.peer()}, {"error", listed.listing.status().to_string()}});
    changed_ = true;
    co_return;
  }
  if (listed.recent && listed.recent->first < listed.recent->next) {
    view_->add_recent(listed.recent->first, listed.recent->next - 1);
  }
  ViewUpdate update = view_->resync(*listed.listing, wording());
  out_ += update.untagged;
  if (condstore_ && update.expunged > 0) {
    out_ += "* OK [HIGHESTMODSEQ " + std::to_string(view_->modseq()) + "] Highest\r\n";
  }
}

// --- the service ---

net::Service service(const Settings& settings, const Services& services) {
  return net::session_service<Session>(settings.implicit_tls ? "imaps" : "imap",
                                       "* BYE [UNAVAILABLE] Too many connections\r\n", settings,
                                       services);
}

}  // namespace eider::imap
