// LMTP sessions over a real listener and a store that fails on request: a
// failed store call is never acknowledged, and one message to many
// recipients shares its blobs.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lmtp/lmtp.h"
#include "mail_fixture.h"
#include "net/server.h"

namespace eider::lmtp {
namespace {

// A blocking unix socket client that reads one reply line at a time.
class Client {
 public:
  explicit Client(const std::string& path) : fd_(socket(AF_UNIX, SOCK_STREAM, 0)) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    timeval timeout{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    EXPECT_EQ(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  }
  ~Client() { close(fd_); }

  void send(std::string_view bytes) {
    EXPECT_EQ(::send(fd_, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  }
  // The next reply line without CRLF ("" when the connection closed).
  std::string line() {
    while (pending_.find("\r\n") == std::string::npos) {
      char buffer[4096];
      ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return "";
      pending_.append(buffer, n);
    }
    std::size_t end = pending_.find("\r\n");
    std::string out = pending_.substr(0, end);
    pending_.erase(0, end + 2);
    return out;
  }
  // The last line of the next (possibly multiline) reply.
  std::string reply() {
    std::string l = line();
    while (l.size() > 3 && l[3] == '-') l = line();
    return l;
  }

 private:
  int fd_;
  std::string pending_;
};

class LmtpSession : public mail::testing::MailFixture {
 protected:
  void SetUp() override {
    core::Limits limits;
    limits.blob_threshold = 1024;
    open_mail(limits);
    bob_ = add("bob", 0, {"bob@example.test"});
    carol_ = add("carol", 0, {"carol@example.test"});
    Settings settings{.hostname = "test.example", .limits = limits};
    server_ = std::make_unique<net::Server>(net::ServerOptions{.io_threads = 1});
    Result<core::Addr> addr = core::parse_addr("unix:" + socket_path());
    ASSERT_TRUE(addr);
    ASSERT_TRUE(server_->listen(*addr, service(settings, *mail_, *faulty_, executor_)));
    server_->start();
  }

  void TearDown() override {
    server_->stop();
    EXPECT_EQ(server_->wait(std::chrono::seconds(10)), 0u);
  }

  std::string socket_path() const { return dir_.path().string() + "/lmtp.sock"; }

  // Greeting, LHLO, MAIL and the given recipients, each accepted; then DATA.
  void begin(Client& client, const std::vector<std::string>& rcpts) {
    EXPECT_EQ(client.reply().substr(0, 3), "220");
    client.send("LHLO client.example\r\nMAIL FROM:<alice@example.org>\r\n");
    EXPECT_EQ(client.reply().substr(0, 3), "250");
    EXPECT_EQ(client.reply().substr(0, 3), "250");
    for (const std::string& rcpt : rcpts) {
      client.send("RCPT TO:<" + rcpt + ">\r\n");
      EXPECT_EQ(client.reply().substr(0, 3), "250") << rcpt;
    }
    client.send("DATA\r\n");
    EXPECT_EQ(client.reply().substr(0, 3), "354");
  }

  uint64_t inbox_count(int64_t user_id) { return mailbox(user_id, "INBOX").message_count; }

  int64_t bob_ = 0;
  int64_t carol_ = 0;
  store::Executor executor_{4};
  std::unique_ptr<net::Server> server_;
};

TEST_F(LmtpSession, FailedAppendIsAnswered451AndOnlyOtherRecipientsAreStored) {
  Client client(socket_path());
  begin(client, {"bob@example.test", "carol@example.test"});
  faulty_->fail(store::testing::StoreCall::append_message, error(Code::unavailable, "store down"));
  client.send("Subject: x\r\n\r\nbody\r\n.\r\n");
  EXPECT_EQ(client.reply().substr(0, 9), "451 4.3.0");
  EXPECT_EQ(client.reply().substr(0, 9), "250 2.0.0");
  EXPECT_EQ(inbox_count(bob_), 0u);
  EXPECT_EQ(inbox_count(carol_), 1u);
}

TEST_F(LmtpSession, FailedCommitIsNeverAcknowledged) {
  Client client(socket_path());
  begin(client, {"bob@example.test"});
  vfs_.fail_syncs(1);
  client.send("Subject: x\r\n\r\nbody\r\n.\r\n");
  EXPECT_EQ(client.reply().substr(0, 9), "451 4.3.0");
  EXPECT_EQ(inbox_count(bob_), 0u);
  // The session goes on; the next transaction is stored.
  client.send("MAIL FROM:<>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n");
  EXPECT_EQ(client.reply().substr(0, 3), "250");
  EXPECT_EQ(client.reply().substr(0, 3), "250");
  EXPECT_EQ(client.reply().substr(0, 3), "354");
  client.send("Subject: y\r\n\r\nbody\r\n.\r\n");
  EXPECT_EQ(client.reply().substr(0, 9), "250 2.0.0");
  EXPECT_EQ(inbox_count(bob_), 1u);
}

TEST_F(LmtpSession, FullDiskIsATemporaryFailure) {
  Client client(socket_path());
  begin(client, {"bob@example.test"});
  faulty_->fail(store::testing::StoreCall::append_message, error(Code::disk_full, "no space"));
  client.send("Subject: x\r\n\r\nbody\r\n.\r\n");
  EXPECT_EQ(client.reply().substr(0, 9), "451 4.3.0");
  EXPECT_EQ(inbox_count(bob_), 0u);
}

TEST_F(LmtpSession, RecipientLookupFailureIsATemporaryFailure) {
  Client client(socket_path());
  EXPECT_EQ(client.reply().substr(0, 3), "220");
  faulty_->fail(store::testing::StoreCall::find_address, error(Code::unavailable, "store down"));
  client.send(
      "LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<bob@example.test>\r\nRCPT TO:<bob@example.test>\r\n");
  EXPECT_EQ(client.reply().substr(0, 3), "250");
  EXPECT_EQ(client.reply().substr(0, 3), "250");
  EXPECT_EQ(client.reply().substr(0, 9), "451 4.3.0");
  EXPECT_EQ(client.reply().substr(0, 9), "250 2.1.5");
}

TEST_F(LmtpSession, OneMessageToManyRecipientsSharesItsBlobs) {
  Client client(socket_path());
  begin(client, {"bob@example.test", "carol@example.test", "bob+copy@example.test"});
  std::string attachment;
  for (int i = 0; i < 200; ++i) attachment += "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\r\n";
  client.send(
      "Subject: shared\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
      "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
      attachment + "--b--\r\n.\r\n");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client.reply().substr(0, 9), "250 2.0.0") << i;
  Result<store::Stats> stats = faulty_->stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->blob_count, 1u);
  EXPECT_EQ(stats->blob_refs, 3u);
  EXPECT_EQ(stats->message_count, 3u);
}

}  // namespace
}  // namespace eider::lmtp
