// One LMTP session: the command loop, the DATA and BDAT readers, and the
// delivery of a finished message to each accepted recipient.
#include <atomic>
#include <functional>
#include <vector>

#include "core/log.h"
#include "core/metrics.h"
#include "lmtp/lmtp.h"
#include "lmtp/protocol.h"
#include "lmtp/trace.h"
#include "mail/address.h"
#include "mail/events.h"
#include "mime/tree.h"
#include "mime/wire.h"
#include "net/deadlines.h"
#include "net/input_buffer.h"
#include "net/line_splitter.h"
#include "net/memory_wait.h"
#include "net/session_service.h"

namespace eider::lmtp {
namespace {

namespace asio = boost::asio;

// Bytes asked of the socket per read: small for commands (what an idle
// session keeps), larger while message data streams in (fewer reads).
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::size_t kDataChunk = 64 * 1024;

struct Recipient {
  std::string path;  // as given in RCPT TO
  int64_t user_id = 0;
  std::string user;  // the user's name, for the delivery log line
};

// Unique within this process and increasing: start time, then a counter.
std::string next_queue_id() {
  static const int64_t start = mail::now_seconds();
  static std::atomic<uint64_t> counter{0};
  char text[40];
  std::snprintf(text, sizeof text, "%llX.%llu", static_cast<unsigned long long>(start),
                static_cast<unsigned long long>(++counter));
  return text;
}

// RFC 3463 4.3.1: the memory budget is full; the client tries again later.
const Reply kNoMemory{452, "4.3.1", "Insufficient system memory, try again later"};

Reply failure_reply(const Status& status) {
  switch (status.code()) {
    case Code::over_quota:
      return {552, "5.2.2", "Mailbox full: over quota"};
    case Code::too_large:
      return {552, "5.3.4", "Message too large"};
    case Code::invalid_argument:
      return {554, "5.6.0", "Message refused: " + status.message()};
    default:
      return {451, "4.3.0", "Temporary failure, try again later"};
  }
}

class Session {
 public:
  Session(const Settings& settings, mail::Mail& mail, store::Store& store,
          store::Executor& executor, net::Connection& connection)
      : settings_(settings),
        mail_(mail),
        store_(store),
        executor_(executor),
        connection_(connection),
        lines_(settings.limits.max_line_length),
        deadlines_(net::Deadlines::options(settings.limits)),
        body_(mail.spool_dir(), settings.limits.spool_threshold) {}

  asio::awaitable<void> run() {
    connection_.set_idle_timeout(std::chrono::seconds(settings_.limits.idle_timeout));
    reply({220, "", settings_.hostname + " Eider LMTP ready"});
    while (true) {
      net::LineSplitter::Line line = lines_.next(input_.unread());
      input_.consume(line.consumed);
      if (line.kind == net::LineSplitter::Line::Kind::need_more) {
        // Waiting for a line's first byte is idling; once it has begun,
        // the rest must follow in time.
        if (!input_.empty() || lines_.discarding()) deadlines_.begin_request();
        if (!co_await fill()) co_return;
        continue;
      }
      deadlines_.end_request();
      if (line.kind == net::LineSplitter::Line::Kind::too_long) {
        reply({500, "5.5.6", "Line too long"});
        continue;
      }
      Parsed parsed = parse_command(line.text);
      if (auto* error = std::get_if<Reply>(&parsed)) {
        reply(*error);
        continue;
      }
      if (!co_await execute(std::get<Command>(parsed))) co_return;
    }
  }

 private:
  void reply(const Reply& r) { out_ += r.format(); }

  // Sends the pending replies, then reads more input. False when the
  // session is over (closed, timed out, shutting down), after saying why.
  asio::awaitable<bool> fill(std::size_t chunk = kReadChunk) {
    if (!co_await flush()) co_return false;
    net::Read read = co_await input_.read_more(connection_, chunk, &deadlines_);
    switch (read.ended) {
      case net::Read::Ended::no:
        co_return true;
      case net::Read::Ended::timeout:
        reply({421, "4.4.2", settings_.hostname + " Idle timeout, closing connection"});
        break;
      case net::Read::Ended::deadline:
        reply({421, "4.4.2",
               settings_.hostname + (in_data_ ? " Message data" : " Command") +
                   " arriving too slowly, closing connection"});
        break;
      case net::Read::Ended::shutdown:
        reply({421, "4.3.2", settings_.hostname + " Service shutting down"});
        break;
      case net::Read::Ended::closed:
        co_return false;
    }
    co_await flush();
    co_return false;
  }

  asio::awaitable<bool> flush() {
    if (out_.empty()) co_return true;
    Status written = co_await connection_.write(out_);
    out_.clear();
    co_return written.is_ok();
  }

  void reset_transaction() {
    in_transaction_ = false;
    sender_.clear();
    body_type_ = Body::unspecified;
    smtputf8_ = false;
    recipients_.clear();
    chunking_ = false;
    chunk_too_large_ = false;
    memory_refused_ = false;
    body_.clear();
    body_memory_.release();
  }

  // Reserves the budget for the part of a message held in memory before it
  // spools (waiting up to memory-wait); false when there is no room.
  asio::awaitable<bool> reserve_body_memory() {
    if (body_memory_.bytes() > 0) co_return true;
    const uint64_t bytes =
        std::min(settings_.limits.spool_threshold, settings_.limits.max_message_size);
    std::optional<core::MemoryBudget::Reservation> memory = co_await net::reserve_memory(
        mail_.budget(), bytes, std::chrono::seconds(settings_.limits.memory_wait));
    if (!memory) {
      core::log_event(core::LogLevel::warn, "lmtp.memory_busy",
                      {{"peer", connection_.peer()}, {"bytes", bytes}});
      co_return false;
    }
    body_memory_ = std::move(*memory);
    co_return true;
  }

  // Adds decoded message bytes to the body; a failed spool write is kept in
  // body_ and answered when the message is complete.
  void keep(std::string_view bytes) { (void)body_.append(bytes); }

  // Runs one parsed command. False when the session is over.
  asio::awaitable<bool> execute(const Command& command) {
    static core::Counter& commands = core::metrics().counter(
        "eider_commands_total", "Commands (API: requests) received, by protocol",
        "protocol=\"lmtp\"");
    commands.add();
    switch (command.verb) {
      case Verb::lhlo:
        lhlo_ = command.argument;
        reset_transaction();
        reply_lhlo();
        break;
      case Verb::helo:
      case Verb::ehlo:
        reply({500, "5.5.1", "This is LMTP: use LHLO"});
        break;
      case Verb::mail:
        mail_from(command);
        break;
      case Verb::rcpt:
        co_await rcpt_to(command);
        break;
      case Verb::data:
        co_return co_await data();
      case Verb::bdat:
        co_return co_await bdat(command);
      case Verb::rset:
        reset_transaction();
        reply({250, "2.0.0", "OK"});
        break;
      case Verb::noop:
        reply({250, "2.0.0", "OK"});
        break;
      case Verb::vrfy:
        reply({252, "2.5.0", "Cannot VRFY, but will take a message for this address"});
        break;
      case Verb::help:
        reply({214, "2.0.0", "See RFC 2033"});
        break;
      case Verb::quit:
        reply({221, "2.0.0", settings_.hostname + " closing connection"});
        co_await flush();
        co_return false;
    }
    co_return true;
  }

  void reply_lhlo() {
    const std::string lines[] = {settings_.hostname,
                                 "PIPELINING",
                                 "ENHANCEDSTATUSCODES",
                                 "8BITMIME",
                                 "SMTPUTF8",
                                 "SIZE " + std::to_string(settings_.limits.max_message_size),
                                 "CHUNKING",
                                 "BINARYMIME"};
    for (std::size_t i = 0; i < std::size(lines); ++i) {
      out_ += Reply{250, "", lines[i]}.format(i + 1 == std::size(lines));
    }
  }

  void mail_from(const Command& command) {
    if (lhlo_.empty()) return reply({503, "5.5.1", "Send LHLO first"});
    if (in_transaction_) return reply({503, "5.5.1", "Nested MAIL command"});
    if (command.size && *command.size > settings_.limits.max_message_size) {
      return reply({552, "5.3.4",
                    "Message size exceeds fixed limit of " +
                        std::to_string(settings_.limits.max_message_size)});
    }
    in_transaction_ = true;
    sender_ = command.path;
    body_type_ = command.body;
    smtputf8_ = command.smtputf8;
    reply({250, "2.1.0", "Sender OK"});
  }

  asio::awaitable<void> rcpt_to(const Command& command) {
    if (!in_transaction_) co_return reply({503, "5.5.1", "Send MAIL first"});
    if (recipients_.size() >= settings_.limits.max_recipients) {
      co_return reply({452, "4.5.3", "Too many recipients"});
    }
    Result<store::User> user = co_await executor_.run([this, &command]() -> Result<store::User> {
      Result<int64_t> id = mail::resolve_address(store_, command.path);
      if (!id) return id.status();
      return store_.find_user_by_id(*id);
    });
    if (user) {
      recipients_.push_back({command.path, user->id, user->name});
      co_return reply({250, "2.1.5", "Recipient OK"});
    }
    switch (user.status().code()) {
      case Code::not_found:
        co_return reply({550, "5.1.1", "<" + command.path + "> User unknown"});
      case Code::invalid_argument:
        co_return reply({501, "5.1.3", "Bad recipient address syntax"});
      default:
        log_failure("lmtp.rcpt_failed", user.status());
        co_return reply({451, "4.3.0", "Temporary failure, try again later"});
    }
  }

  // A reply to DATA or BDAT when the transaction cannot take a message.
  std::optional<Reply> data_refusal() const {
    if (!in_transaction_) return Reply{503, "5.5.1", "Send MAIL first"};
    if (recipients_.empty()) return Reply{503, "5.5.1", "No valid recipients"};
    return std::nullopt;
  }

  asio::awaitable<bool> data() {
    if (std::optional<Reply> refusal = data_refusal()) {
      reply(*refusal);
      co_return true;
    }
    if (chunking_ || body_type_ == Body::binary_mime) {
      reply({503, "5.5.1", "BINARYMIME and BDAT transfers take no DATA"});
      co_return true;
    }
    if (!co_await reserve_body_memory()) {
      reply(kNoMemory);
      co_return true;
    }
    reply({354, "", "Start mail input; end with <CRLF>.<CRLF>"});
    DataDecoder decoder(settings_.limits.max_message_size);
    std::string decoded;
    // The whole message is one request: it must keep to min-data-rate.
    deadlines_.begin_request();
    in_data_ = true;
    while (true) {
      DataDecoder::Step step = decoder.feed(input_.unread(), decoded);
      input_.consume(step.consumed);
      keep(decoded);
      decoded.clear();
      if (step.done) break;
      if (!co_await fill(kDataChunk)) co_return false;
    }
    deadlines_.end_request();
    in_data_ = false;
    co_await finish_message(decoder.too_large());
    co_return true;
  }

  asio::awaitable<bool> bdat(const Command& command) {
    // The chunk is read whatever the reply (RFC 3030 2): it is not a command.
    const uint64_t limit = settings_.limits.max_message_size;
    uint64_t left = command.chunk_size;
    const bool keep_chunk = !data_refusal() && !memory_refused_;
    if (keep_chunk && !co_await reserve_body_memory()) memory_refused_ = true;
    const bool keep_bytes = keep_chunk && !memory_refused_;
    deadlines_.begin_request();
    in_data_ = true;
    while (true) {
      std::size_t take = static_cast<std::size_t>(std::min<uint64_t>(left, input_.unread().size()));
      if (keep_bytes && !chunk_too_large_ && body_.size() + take <= limit) {
        keep(input_.unread().substr(0, take));
      } else if (keep_bytes) {
        chunk_too_large_ = true;
      }
      input_.consume(take);
      left -= take;
      if (left == 0) break;
      if (!co_await fill(kDataChunk)) co_return false;
    }
    deadlines_.end_request();
    in_data_ = false;
    if (std::optional<Reply> refusal = data_refusal()) {
      reply(*refusal);
      co_return true;
    }
    if (memory_refused_) {
      // RFC 3030 2: after a failed BDAT the client should RSET.
      reply(kNoMemory);
      co_return true;
    }
    chunking_ = true;
    if (!command.last) {
      reply({250, "2.0.0", std::to_string(command.chunk_size) + " octets received"});
      co_return true;
    }
    co_await finish_message(chunk_too_large_);
    co_return true;
  }

  // One reply per accepted recipient, in RCPT order, then a new transaction.
  asio::awaitable<void> finish_message(bool too_large) {
    if (too_large) {
      for (std::size_t i = 0; i < recipients_.size(); ++i) {
        reply({552, "5.3.4", "Message too large"});
      }
    } else {
      co_await deliver();
    }
    reset_transaction();
  }

  asio::awaitable<void> deliver() {
    const int64_t now = mail::now_seconds();
    const std::string id = next_queue_id();
    // Parsing, splitting and storing hold several times the message in
    // memory: many large deliveries at once take turns. The body's own
    // reservation is part of that estimate, so it goes first.
    body_memory_.release();
    std::optional<core::MemoryBudget::Reservation> memory =
        co_await net::reserve_memory(mail_.budget(), mail::ingest_memory(body_.size()),
                                     std::chrono::seconds(settings_.limits.memory_wait));
    if (!memory) {
      core::log_event(core::LogLevel::warn, "lmtp.memory_busy",
                      {{"peer", connection_.peer()}, {"bytes", body_.size()}});
      for (std::size_t i = 0; i < recipients_.size(); ++i) reply(kNoMemory);
      co_return;
    }
    // Parsing is CPU work in proportion to the message: off the I/O thread,
    // like the header scan for spam (a message may be all header).
    bool spam = false;
    std::string eol_text;
    std::string message_id;
    const uint64_t received_size = body_.size();
    Result<store::NewMessage> message =
        co_await executor_.run([this, now, &spam, &eol_text, &message_id] {
          Result<core::SpoolView> view = body_.map();
          if (!view) return Result<store::NewMessage>(view.status());
          const std::string_view body = view->bytes();
          spam = settings_.spam_filter && headers_say_spam(body);
          eol_text = std::string(line_ending_of(body));
          message_id = mail::message_id_of(body);
          return mail::ingest(body, settings_.limits, now);
        });
    body_.clear();
    body_memory_.release();
    if (!message) {
      if (failure_reply(message.status()).code == 451) {
        log_failure("lmtp.ingest_failed", message.status());
      }
      for (std::size_t i = 0; i < recipients_.size(); ++i) reply(failure_reply(message.status()));
      co_return;
    }
    const std::string_view eol = eol_text;
    const std::string base_tree = std::move(message->split.tree);
    const uint64_t base_size = message->split.size;
    const uint64_t base_wire_size = message->wire_size;
    for (const Recipient& recipient : recipients_) {
      const std::string trace = trace_headers({.sender = sender_,
                                               .recipient = recipient.path,
                                               .lhlo = lhlo_,
                                               .peer = connection_.peer(),
                                               .hostname = settings_.hostname,
                                               .id = id,
                                               .protocol = smtputf8_ ? "UTF8LMTP" : "LMTP",
                                               .time = now},
                                              eol);
      Result<Filed> stored = co_await executor_.run([&, spam] {
        Result<std::string> tree = mime::prepend_to_tree(base_tree, trace);
        if (!tree) return Result<Filed>(tree.status());
        message->split.tree = std::move(tree).value();
        message->split.size = base_size + trace.size();
        // The trace lines end as the message's do, so sizes simply add up.
        message->wire_size = base_wire_size + mime::wire_size(trace);
        return store_for(recipient.user_id, spam, *message);
      });
      if (stored) {
        mail::log_delivery({"lmtp", connection_.id(), connection_.peer(), connection_.secure()},
                           recipient.user, stored->mailbox, message_id, received_size,
                           stored->appended);
        reply({250, "2.0.0",
               "<" + recipient.path + "> " + std::to_string(stored->appended.uidvalidity) + ":" +
                   std::to_string(stored->appended.uid) + " delivered to " +
                   std::string(stored->mailbox) + "; queue id " + id});
      } else {
        if (failure_reply(stored.status()).code == 451) {
          log_failure("lmtp.store_failed", stored.status());
        }
        reply(failure_reply(stored.status()));
      }
    }
  }

  struct Filed {
    store::Appended appended;
    std::string_view mailbox;
  };

  // On a store thread: spam goes to the spam mailbox, or INBOX when the user
  // has none by that name.
  Result<Filed> store_for(int64_t user_id, bool spam, const store::NewMessage& message) {
    if (spam) {
      Result<store::Appended> filed = mail_.store_message(user_id, settings_.spam_mailbox, message);
      if (filed) return Filed{*filed, settings_.spam_mailbox};
      if (filed.status().code() != Code::not_found) return filed.status();
    }
    Result<store::Appended> filed = mail_.store_message(user_id, mail::kInbox, message);
    if (!filed) return filed.status();
    return Filed{*filed, mail::kInbox};
  }

  void log_failure(std::string_view event, const Status& status) {
    core::log_event(core::LogLevel::error, event,
                    {{"session", connection_.id()},
                     {"peer", connection_.peer()},
                     {"error", status.to_string()}});
  }

  const Settings& settings_;
  mail::Mail& mail_;
  store::Store& store_;
  store::Executor& executor_;
  net::Connection& connection_;
  net::LineSplitter lines_;
  net::Deadlines deadlines_;
  bool in_data_ = false;  // reading DATA or a BDAT chunk, for the timeout's reply

  net::InputBuffer input_;
  std::string out_;  // replies not sent yet (PIPELINING: sent before each read)

  std::string lhlo_;
  bool in_transaction_ = false;
  std::string sender_;
  Body body_type_ = Body::unspecified;
  bool smtputf8_ = false;
  std::vector<Recipient> recipients_;
  bool chunking_ = false;  // a BDAT chunk was taken in this transaction
  bool chunk_too_large_ = false;
  bool memory_refused_ = false;  // a BDAT found no room in the memory budget
  // The message: in memory up to spool-threshold, then in a spool file.
  core::Spool body_;
  core::MemoryBudget::Reservation body_memory_;  // for body_'s memory part
};

}  // namespace

net::Service service(const Settings& settings, mail::Mail& mail, store::Store& store,
                     store::Executor& executor) {
  return net::session_service<Session>(
      "lmtp", Reply{421, "4.7.0", settings.hostname + " Too many connections"}.format(), settings,
      std::ref(mail), std::ref(store), std::ref(executor));
}

}  // namespace eider::lmtp
