// An IMAP session's state, private to src/imap. session.cc runs the command
// loop, I/O and the journal sync; command_table.cc lists the commands, each
// with its handler, and each handler lives in a file named for its command
// family: fetch.cc, flags.cc (STORE), search.cc, select.cc, append.cc,
// copy_move.cc, expunge.cc, idle.cc, enable.cc (ENABLE, CONDSTORE, QRESYNC),
// auth.cc, mailboxes.cc, quota.cc and connection_commands.cc.
//
// Handlers read through store::Store on the executor and write through
// mail::Mail; the only direct store writes are the session's own
// bookkeeping (Store::claim_recent, the SELECT cache's snapshots), see
// docs/architecture.md.
//
// Error idiom: handlers never throw and never fail the coroutine; each ends
// by writing its tagged reply into out_. Store failures become NO with the
// store's message; the connection goes on.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/memory_budget.h"
#include "imap/command.h"
#include "imap/fetch_response.h"
#include "imap/imap.h"
#include "imap/mailbox_view.h"
#include "imap/parser.h"
#include "mail/events.h"
#include "net/connection.h"
#include "net/deadlines.h"
#include "net/input_buffer.h"
#include "net/line_splitter.h"

namespace eider::imap {

// The first flag of `flags` that is a system flag a client may not set:
// \Recent (RFC 3501 2.3.2: the server's) or an unknown "\Name".
std::optional<std::string> invalid_system_flag(const std::vector<std::string>& flags);

class Session {
 public:
  Session(const Settings& settings, const Services& services, net::Connection& connection);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  boost::asio::awaitable<void> run();

 private:
  enum class State { not_authenticated, authenticated, selected, logout };

  // Why reading stopped. login_timeout and request_timeout: a deadline of
  // net/deadlines.h passed.
  enum class ReadEnd { more, closed, timeout, login_timeout, request_timeout, shutdown };

  // Beacons reach the session through this, on its own I/O thread; the
  // destructor clears `session` so a beacon posted late does nothing.
  struct Wake {
    Session* session = nullptr;
  };

  // Bytes asked of the socket per read between commands.
  static constexpr std::size_t kReadChunk = 16 * 1024;

  // --- I/O (session.cc) ---
  // The parser's limits, from the settings.
  ParserLimits parser_limits() const;
  // Sends what is buffered; false when the connection failed. A large buffer
  // is released afterwards, unless more of the same answer follows
  // (keep_buffer: a long FETCH then fills the same memory again rather than
  // growing a new buffer for every part of its answer).
  enum class Flush { release_buffer, keep_buffer };
  boost::asio::awaitable<bool> flush(Flush mode = Flush::release_buffer);
  // Flushes, then reads at most `chunk` more bytes of input.
  boost::asio::awaitable<ReadEnd> fill(std::size_t chunk);
  // One raw line (AUTHENTICATE responses, IDLE's DONE), without its line
  // ending; nullopt when the connection ended (end_ says why) or the line
  // was longer than max-line-length (end_ stays more).
  boost::asio::awaitable<std::optional<std::string>> read_line(std::size_t chunk);
  // Reserves memory for a literal held in memory (waiting up to
  // memory-wait); false when the budget had no room.
  boost::asio::awaitable<bool> admit_literal(const CommandReader::Step& step);
  // Says goodbye for a read that ended (timeout, shutdown) and ends the session.
  boost::asio::awaitable<void> say_goodbye(ReadEnd end);
  // Sets the tagged reply; execute() sends it after any untagged updates.
  void tagged(const Command& command, std::string_view status, std::string_view text);
  void ok(const Command& command, std::string_view text) { tagged(command, "OK", text); }
  void no(const Command& command, std::string_view text) { tagged(command, "NO", text); }
  void bad(const Command& command, std::string_view text) { tagged(command, "BAD", text); }
  // NO with the response code and text a Status of the store or mail layer calls for.
  void fail(const Command& command, const Status& status);
  void release_idle_memory();
  // Where this session's login, logout and delivery log lines come from.
  mail::Origin origin() const;
  // After a command that may have failed because the user was deleted
  // (possibly by another process: the CLI, which no beacon leaves): when
  // the user is gone, the tagged reply becomes `* BYE` and the session ends.
  boost::asio::awaitable<void> end_if_user_gone();
  // How often polls and IDLE call end_if_user_gone (user-check-interval).
  std::chrono::seconds user_check_interval() const;
  // After a logout beacon: queues `* BYE` and ends the session.
  void end_logged_out();
  // The command-rate limit: waits while the client is over
  // max-commands-per-second.
  boost::asio::awaitable<void> pace();

  // --- the command table (command_table.cc) ---
  // One command the session runs.
  struct CommandSpec {
    std::string_view name;
    unsigned states = 0;  // the States it is valid in, a bit each (state_bit)
    // The handler: `run` for one that waits (on the store or the client),
    // `answer` for one that answers at once, without a coroutine frame.
    boost::asio::awaitable<void> (*run)(Session&, Command&) = nullptr;
    void (*answer)(Session&, Command&) = nullptr;
    // What execute() does after it. A poll (NOOP, CHECK, IDLE) reads the
    // journal at once and, at most every user-check-interval, checks that
    // the user still exists: for a client that only polls, nothing else
    // would tell.
    bool poll = false;
    // Changes the selected mailbox: the journal is read at once, so that
    // the command's own change is told before its reply.
    bool changes_mailbox = false;
    // RFC 3501 7.4.1: no EXPUNGE response during it (FETCH, STORE,
    // SEARCH), so it keeps the client's numbering; its UID form may have one.
    bool keeps_numbers = false;
    // Sends HIGHESTMODSEQ itself (SELECT, EXAMINE).
    bool tells_modseq = false;
  };
  static constexpr unsigned state_bit(State state) { return 1u << static_cast<unsigned>(state); }
  static constexpr unsigned kBeforeLogin = 1u << static_cast<unsigned>(State::not_authenticated);
  static constexpr unsigned kSelected = 1u << static_cast<unsigned>(State::selected);
  static constexpr unsigned kLoggedIn =
      (1u << static_cast<unsigned>(State::authenticated)) | kSelected;
  static constexpr unsigned kAnyState = kBeforeLogin | kLoggedIn;
  // The table: the one place a command is added.
  static const CommandSpec kCommands[];
  // The command named `name` (upper-cased), or null.
  static const CommandSpec* find_command(std::string_view name);

  // --- running a command (session.cc) ---
  // Runs the command, then tells the client what changed where RFC 3501
  // allows it, then sends the tagged reply (reply_).
  boost::asio::awaitable<void> execute(Command& command);
  // Runs `spec`'s handler, or answers BAD when the command is not valid in
  // this state (`spec` null: the session has no such command).
  boost::asio::awaitable<void> dispatch(Command& command, const CommandSpec* spec);
  // The stored path for a wire mailbox name, or nullopt after a NO. A name
  // that is not valid modified UTF-7 (or not a valid path) names no mailbox:
  // NO [NONEXISTENT] where one is looked up, NO [CANNOT] where one would be
  // made (`to_create`: CREATE, RENAME's new name, SUBSCRIBE).
  std::optional<std::string> mailbox_path(const Command& command, std::string_view wire,
                                          bool to_create = false);
  // The UIDs a FETCH/STORE/COPY/... set names in the session's view.
  // nullopt when a sequence number is beyond the mailbox (answered BAD);
  // UID sets name only UIDs that exist, never an error.
  std::optional<std::vector<uint32_t>> resolve(const SequenceSet& set, bool uid) const;

  // --- CAPABILITY, ID, LOGOUT, COMPRESS (connection_commands.cc) ---
  std::string capabilities() const;
  void capability(const Command& command);
  void id(const Command& command);
  void logout(const Command& command);
  // COMPRESS DEFLATE (RFC 4978), after login: the tagged OK goes out
  // plain, everything after it compressed.
  boost::asio::awaitable<void> compress(const Command& command);

  // --- STARTTLS, LOGIN, AUTHENTICATE (auth.cc) ---
  bool plaintext_allowed() const;
  boost::asio::awaitable<void> starttls(const Command& command);
  boost::asio::awaitable<void> login(const Command& command);
  boost::asio::awaitable<void> authenticate(const Command& command);
  // Sends "+ text" and reads the client's response; nullopt when the
  // client cancelled ("*", answered BAD here) or the connection ended.
  boost::asio::awaitable<std::optional<std::string>> challenge(const Command& command,
                                                               std::string_view text);
  boost::asio::awaitable<void> log_in(const Command& command, const std::string& name,
                                      const std::string& password);
  // Whether the limiter counted the failure already (AuthLimiter::try_login).
  enum class Counted { no, yes };
  // NO after the limiter's delay; closes the connection at max-auth-failures.
  boost::asio::awaitable<void> fail_login(const Command& command, const std::string& name,
                                          std::string_view text, Counted counted = Counted::no);
  // NO at once (a lockout, or after fail_login's delay), counted against
  // the connection's max-auth-failures.
  void refuse_login(const Command& command, std::string_view text);

  // --- SELECT, EXAMINE, UNSELECT, CLOSE (select.cc) ---
  boost::asio::awaitable<void> select(const Command& command, bool read_only);
  boost::asio::awaitable<void> close(const Command& command);
  void unselect();

  // --- CREATE, DELETE, RENAME, (UN)SUBSCRIBE, LIST, LSUB, STATUS, NAMESPACE
  // (mailboxes.cc) ---
  boost::asio::awaitable<void> create(const Command& command);
  boost::asio::awaitable<void> delete_mailbox(const Command& command);
  boost::asio::awaitable<void> rename(const Command& command);
  boost::asio::awaitable<void> subscribe(const Command& command, bool subscribed);
  boost::asio::awaitable<void> list(const Command& command, bool lsub);
  boost::asio::awaitable<void> status(const Command& command);
  void namespace_(const Command& command);

  // --- APPEND (append.cc) ---
  boost::asio::awaitable<void> append(Command& command);

  // --- ENABLE, CONDSTORE and QRESYNC (enable.cc) ---
  void enable(const Command& command);
  // How the view words unsolicited responses for this client.
  Wording wording() const { return Wording{condstore_, qresync_}; }
  // Appends, for the selected mailbox, VANISHED (EARLIER) for the UIDs of
  // `scope` (sorted ranges) expunged since `since` and not above `agreed`
  // (qresync.h), then, with `flags`, FETCH (UID FLAGS MODSEQ) for the
  // view's messages in scope whose modseq is above `since` (RFC 7162
  // 3.2.5). Beyond the journal's window the VANISHED set is the full one.
  // A store failure is returned and nothing is appended.
  boost::asio::awaitable<Status> tell_changes_since(uint64_t since,
                                                    const std::vector<SeqRange>& scope,
                                                    uint32_t agreed, bool flags);
  // SELECT/EXAMINE (QRESYNC ...) after the usual responses: the changes
  // since the client's state when its UIDVALIDITY is still the mailbox's.
  boost::asio::awaitable<Status> qresync_select(const Qresync& qresync, uint32_t uidvalidity);

  // --- GETQUOTA, GETQUOTAROOT, SETQUOTA (quota.cc) ---
  boost::asio::awaitable<Result<store::User>> load_user();
  boost::asio::awaitable<void> get_quota_root(const Command& command);
  boost::asio::awaitable<void> get_quota(const Command& command);
  void set_quota(const Command& command);
  // NO [OVERQUOTA] after the untagged QUOTA response with the user's usage.
  boost::asio::awaitable<void> fail_over_quota(const Command& command, const Status& status);

  // --- the selected state: FETCH (fetch.cc), STORE (flags.cc), SEARCH
  // (search.cc), COPY and MOVE (copy_move.cc), EXPUNGE (expunge.cc) ---
  // FETCH decides what to read (plan_fetch, CHANGEDSINCE, \Seen), then
  // reads and renders from one of three sources. Each returns the messages
  // asked for but expunged meanwhile, or nullopt once it has replied (a
  // failure) or the connection failed.
  boost::asio::awaitable<void> fetch(const Command& command);
  // UID and FLAGS from the SELECT cache: no message row is read.
  boost::asio::awaitable<std::optional<uint32_t>> fetch_from_cache(
      const Command& command, const FetchRequest& request, const FetchPlan& plan,
      const FetchOptions& options, const std::vector<uint32_t>& uids);
  // Dates, sizes and MODSEQ from one listing of the UIDs asked for.
  boost::asio::awaitable<std::optional<uint32_t>> fetch_from_listing(
      const Command& command, const FetchRequest& request, const FetchPlan& plan,
      const FetchOptions& options, const std::vector<uint32_t>& uids,
      const std::vector<uint32_t>& now_seen);
  // Summaries or content from the message rows, a batch per store call,
  // rendered on the store thread straight into out_.
  boost::asio::awaitable<std::optional<uint32_t>> fetch_messages(
      const Command& command, const FetchRequest& request, const FetchPlan& plan,
      const FetchOptions& options, const std::vector<uint32_t>& uids,
      const std::vector<uint32_t>& now_seen);
  boost::asio::awaitable<void> store_flags(const Command& command);
  boost::asio::awaitable<void> search(const Command& command);
  boost::asio::awaitable<void> copy(const Command& command, bool move);
  boost::asio::awaitable<void> expunge(const Command& command);
  // Before a response shows `flags` of a message: FLAGS for keywords the
  // client was not told of (known_keywords.h).
  void announce_keywords(const std::vector<std::string>& flags) {
    view_->keywords().announce(flags, out_);
  }

  // --- the journal sync (session.cc) ---
  // Reads the journal after the view's MODSEQ and queues what the client
  // may be told (see MailboxView::apply). Without `force`, only when a
  // beacon said the mailbox changed.
  boost::asio::awaitable<void> sync(MailboxView::Announce announce, bool force);
  // The sync when the journal after the view's modseq was trimmed: the view
  // is brought to a listing of the mailbox (MailboxView::resync).
  boost::asio::awaitable<void> resync_from_listing();
  // A beacon of the user, on the session's thread. `changed`: the selected
  // mailbox changed beyond the view's modseq (an older one is dropped).
  // `resync`: read the journal whatever the mailbox and modseq. `logout`:
  // the session ends with `* BYE`, at once when it waits for the client.
  void on_beacon(const notify::Beacon& beacon);

  // --- IDLE (idle.cc) ---
  boost::asio::awaitable<void> idle(const Command& command);
  // Runs beside the read of DONE while the client idles: sends changes as
  // beacons announce them, and every user-check-interval checks that the
  // user still exists; when not, sends `* BYE` and ends the read.
  boost::asio::awaitable<void> push_while_idle();
  void start_push();
  // Makes the push check the user after user-check-interval, while idling.
  void arm_user_check();
  // While idling and the notifier is unhealthy: makes the push read the
  // journal every notify-poll-interval, until the notifier is healthy again.
  void arm_poll();
  // Waits until the push (push_while_idle) has finished writing: only one
  // writes at a time.
  boost::asio::awaitable<void> wait_for_push();

  const Settings& settings_;
  Services services_;
  net::Connection& connection_;
  CommandReader reader_;
  net::InputBuffer input_;
  net::LineSplitter lines_;  // AUTHENTICATE responses and IDLE's DONE
  net::Deadlines deadlines_;
  std::string out_;    // responses not sent yet
  std::string reply_;  // the running command's tagged reply
  ReadEnd end_ = ReadEnd::more;
  // The memory budget held by the literals of the command being read.
  std::vector<core::MemoryBudget::Reservation> literal_memory_;

  State state_ = State::not_authenticated;
  uint64_t auth_failures_ = 0;
  int64_t user_id_ = 0;
  std::string user_name_;
  // Why the session ended, for the logout log line; "" = as end_ says.
  std::string_view logout_reason_;
  // When a poll last checked that the user still exists.
  std::chrono::steady_clock::time_point user_checked_{};
  std::optional<MailboxView> view_;
  // RFC 7162: CONDSTORE is on after ENABLE or any command that uses it (a
  // MODSEQ, CHANGEDSINCE, UNCHANGEDSINCE, SELECT's CONDSTORE, STATUS
  // HIGHESTMODSEQ); QRESYNC only after ENABLE QRESYNC, and implies it.
  bool condstore_ = false;
  bool qresync_ = false;

  std::shared_ptr<Wake> wake_;
  notify::Subscription subscription_;
  // This session's place among its user's (max-connections-per-user).
  mail::UserConnections::Slot user_slot_;
  bool changed_ = false;  // a beacon came for the selected mailbox
  // A logout beacon came: the session says `* BYE` and ends.
  bool logout_requested_ = false;
  // The command loop waits in a read with everything sent: the push may write.
  bool reading_ = false;
  bool idling_ = false;
  bool pushing_ = false;
  boost::asio::steady_timer* push_done_ = nullptr;
  // While idling: when to check that the user still exists (arm_user_check).
  boost::asio::steady_timer user_check_;
  bool user_check_due_ = false;
  // While idling with the notifier unhealthy: the next journal poll (arm_poll).
  boost::asio::steady_timer poll_timer_;
  bool poll_armed_ = false;

  // Command pacing: the start of the current one-second window and the
  // commands in it.
  std::chrono::steady_clock::time_point window_start_{};
  uint64_t window_commands_ = 0;
};

}  // namespace eider::imap
