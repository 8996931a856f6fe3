// The commands valid in every state: CAPABILITY, ID, LOGOUT (NOOP and CHECK
// only let execute() sync), and COMPRESS after login.
#include "imap/session.h"

namespace eider::imap {

namespace asio = boost::asio;

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

}  // namespace eider::imap
