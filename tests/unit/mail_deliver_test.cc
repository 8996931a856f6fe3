#include <gtest/gtest.h>

#include "mail/mail.h"
#include "mail_fixture.h"
#include "mime_parse_corpus.h"

namespace eider::mail {
namespace {

using Deliver = testing::MailFixture;

const std::string kSimple =
    "From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n"
    "Message-ID: <1@example.com>\r\n\r\nbody\r\n";

TEST_F(Deliver, EveryCorpusMessageComesBackByteForByte) {
  int64_t user = add("alice");
  uint64_t total = 0;
  for (const mime::testing::CorpusFile& file : mime::testing::corpus()) {
    SCOPED_TRACE(file.name);
    Result<store::Appended> appended = mail_->deliver(user, "INBOX", file.bytes);
    ASSERT_TRUE(appended.is_ok()) << appended.status().to_string();
    Result<std::string> exported = mail_->export_message(user, "INBOX", appended->uid);
    ASSERT_TRUE(exported.is_ok()) << exported.status().to_string();
    EXPECT_TRUE(*exported == file.bytes) << "rebuilt bytes differ";
    total += file.bytes.size();
  }
  EXPECT_GE(mime::testing::corpus().size(), 256u);
  Result<store::User> stored = faulty_->find_user("alice");
  ASSERT_TRUE(stored.is_ok());
  EXPECT_EQ(stored->storage_used, total);
  EXPECT_EQ(stored->message_count, mime::testing::corpus().size());
}

std::string big_base64_message(size_t body_bytes) {
  std::string message =
      "From: a@example.com\r\nSubject: big\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
      "see attached\r\n--b\r\nContent-Type: application/octet-stream\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n";
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  uint32_t state = 12345;
  size_t start = message.size();
  while (message.size() - start < body_bytes) {
    for (int i = 0; i < 76; ++i) {
      state = state * 1103515245u + 12345u;
      message += kAlphabet[(state >> 16) % 64];
    }
    message += "\r\n";
  }
  message += "--b--\r\n";
  return message;
}

TEST_F(Deliver, SyntheticOddMessagesComeBackByteForByte) {
  int64_t user = add("alice");
  const std::pair<std::string, std::string> cases[] = {
      {"bare LF", "From: a@example.com\nSubject: lf\n\nline one\nline two\n"},
      {"bare CR", "From: a@example.com\rSubject: cr\r\rline one\rline two\r"},
      {"mixed endings", "From: a@example.com\r\nSubject: mix\n\rbody\r\nmore\nend"},
      {"no final newline", "From: a@example.com\r\nSubject: x\r\n\r\nno newline"},
      {"NUL bytes", std::string("From: a@example.com\r\nSubject: n\0l\r\n\r\nbo\0dy\0\r\n", 38)},
      {"8-bit headers",
       "From: J\xc3\xbcrgen <j@example.com>\r\nSubject: caf\xe9 \xff\r\n\r\nx\r\n"},
      {"headers only", "From: a@example.com\r\nSubject: only headers\r\n"},
      {"empty body", "From: a@example.com\r\nSubject: empty\r\n\r\n"},
      {"no headers", "\r\njust a body\r\n"},
      {"one byte", "x"},
      {"garbage", "\xff\xfe\x00\x01 not a message at all \x80"},
      {"big attachment", big_base64_message(200 * 1024)},
      {"broken multipart",
       "Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nno end boundary\r\n"},
  };
  for (const auto& [name, bytes] : cases) {
    SCOPED_TRACE(name);
    Result<store::Appended> appended = mail_->deliver(user, "INBOX", bytes);
    ASSERT_TRUE(appended.is_ok()) << appended.status().to_string();
    Result<std::string> exported = mail_->export_message(user, "inbox", appended->uid);
    ASSERT_TRUE(exported.is_ok()) << exported.status().to_string();
    EXPECT_TRUE(*exported == bytes);
  }
}

TEST_F(Deliver, FiftyMebibyteMessageRoundTrips) {
  int64_t user = add("alice");
  std::string message = big_base64_message(50u * 1024 * 1024);
  Result<store::Appended> appended = mail_->deliver(user, "INBOX", message);
  ASSERT_TRUE(appended.is_ok()) << appended.status().to_string();
  Result<std::string> exported = mail_->export_message(user, "INBOX", appended->uid);
  ASSERT_TRUE(exported.is_ok()) << exported.status().to_string();
  EXPECT_TRUE(*exported == message);
  Result<store::Stats> stats = faulty_->stats();
  ASSERT_TRUE(stats.is_ok());
  EXPECT_EQ(stats->blob_count, 1u);
}

TEST_F(Deliver, IngestComputesImapFieldsOnce) {
  const std::string raw =
      "From: a@example.com\r\nSubject: Hello\r\n  folded\r\n"
      "Message-ID:\r\n <id@example.com> \r\n\r\nbody\r\n";
  Result<store::NewMessage> message = ingest(raw, core::Limits{}, 1234);
  ASSERT_TRUE(message.is_ok());
  EXPECT_EQ(message->internal_date, 1234);
  EXPECT_EQ(message->subject, "Hello  folded");
  EXPECT_EQ(message->message_id, "<id@example.com>");
  EXPECT_TRUE(message->envelope.starts_with("(")) << message->envelope;
  EXPECT_TRUE(message->bodystructure.starts_with("(\"text\" \"plain\"")) << message->bodystructure;
  EXPECT_TRUE(message->body.starts_with("(\"text\" \"plain\"")) << message->body;
  EXPECT_EQ(message->split.size, raw.size());
  EXPECT_EQ(message->wire_size, raw.size());

  Result<store::NewMessage> bare = ingest("Subject: x\n\nbody\rmore\n", core::Limits{}, 1234);
  ASSERT_TRUE(bare.is_ok());
  EXPECT_EQ(bare->split.size, 22u);
  EXPECT_EQ(bare->wire_size, 26u);
}

TEST_F(Deliver, RefusedMessagesLeaveNothingAndPublishNothing) {
  core::Limits limits;
  limits.max_message_size = kSimple.size();
  open_mail(limits);
  int64_t user = add("alice");
  record(user);

  struct Case {
    std::string name;
    std::string mailbox;
    std::string bytes;
    Code code;
  };
  const Case cases[] = {
      {"empty", "INBOX", "", Code::invalid_argument},
      {"one byte over the limit", "INBOX", kSimple + "x", Code::too_large},
      {"missing mailbox", "No/Such", kSimple, Code::not_found},
      {"bad mailbox name", "a//b", kSimple, Code::invalid_argument},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<store::Appended> appended = mail_->deliver(user, c.mailbox, c.bytes);
    EXPECT_EQ(appended.status().code(), c.code) << appended.status().to_string();
  }
  EXPECT_EQ(mail_->deliver(user, "INBOX", std::string_view()).status().message(), "empty message");
  EXPECT_TRUE(beacons().empty());
  Result<store::Stats> stats = faulty_->stats();
  ASSERT_TRUE(stats.is_ok());
  EXPECT_EQ(stats->message_count, 0u);

  EXPECT_TRUE(mail_->deliver(user, "INBOX", kSimple).is_ok()) << "exactly the limit is accepted";
  EXPECT_EQ(beacons().size(), 1u);
}

TEST_F(Deliver, BeaconComesAfterTheCommitWithTheNewModseq) {
  int64_t user = add("alice");
  store::Mailbox inbox = mailbox(user, "INBOX");
  bool visible_at_beacon = false;
  notify::Subscription s = notifier_.subscribe(user, [&](const notify::Beacon& beacon) {
    Result<std::vector<store::MessageInfo>> listed =
        faulty_->list_messages(beacon.user_id, beacon.mailbox_id);
    visible_at_beacon = listed.is_ok() && listed->size() == 1;
  });
  record(user);
  Result<store::Appended> appended = mail_->deliver(user, "INBOX", kSimple);
  ASSERT_TRUE(appended.is_ok());
  EXPECT_TRUE(visible_at_beacon);
  ASSERT_EQ(beacons().size(), 1u);
  EXPECT_EQ(beacons()[0], (notify::Beacon{user, inbox.id, appended->modseq}));
  EXPECT_EQ(mailbox(user, "INBOX").highest_modseq, appended->modseq);
}

TEST_F(Deliver, FailingStoreCallLeavesNothingAndPublishesNoBeacon) {
  int64_t user = add("alice");
  record(user);
  const std::pair<store::testing::StoreCall, Code> faults[] = {
      {store::testing::StoreCall::append_message, Code::io_error},
      {store::testing::StoreCall::append_message, Code::disk_full},
      {store::testing::StoreCall::find_mailbox, Code::unavailable},
  };
  for (const auto& [call, code] : faults) {
    faulty_->fail(call, error(code, "injected"));
    EXPECT_EQ(mail_->deliver(user, "INBOX", kSimple).status().code(), code);
  }
  EXPECT_TRUE(beacons().empty());
  Result<store::User> stored = faulty_->find_user("alice");
  ASSERT_TRUE(stored.is_ok());
  EXPECT_EQ(stored->storage_used, 0u);
  EXPECT_EQ(stored->message_count, 0u);
}

using DeliverWithFailingCommits = testing::MailFixture;

TEST_F(DeliverWithFailingCommits, FailedCommitLeavesNothingAndPublishesNoBeacon) {
  int64_t user = add("alice");
  ASSERT_TRUE(mail_->deliver(user, "INBOX", kSimple).is_ok());
  record(user);
  Result<store::Stats> before = faulty_->stats();
  ASSERT_TRUE(before.is_ok());

  vfs_.fail_syncs(1);
  EXPECT_FALSE(mail_->deliver(user, "INBOX", big_base64_message(100 * 1024)).is_ok());
  vfs_.fail_write_after(4);  // a commit torn after a few of its pages
  EXPECT_FALSE(mail_->deliver(user, "INBOX", big_base64_message(64 * 1024)).is_ok());

  EXPECT_TRUE(beacons().empty());
  Result<store::Stats> after = faulty_->stats();
  ASSERT_TRUE(after.is_ok());
  EXPECT_EQ(after->message_count, before->message_count);
  EXPECT_EQ(after->blob_count, before->blob_count);
  EXPECT_EQ(after->journal_rows, before->journal_rows);
  Result<store::User> stored = faulty_->find_user("alice");
  ASSERT_TRUE(stored.is_ok());
  EXPECT_EQ(stored->storage_used, kSimple.size());

  Result<store::Appended> next = mail_->deliver(user, "INBOX", kSimple);
  ASSERT_TRUE(next.is_ok()) << "the store works again once the fault is gone";
  EXPECT_EQ(next->uid, 2u) << "failed appends must not consume UIDs visibly";
  EXPECT_EQ(beacons().size(), 1u);
}

TEST_F(Deliver, OverQuotaIsRefusedWithNoBeacon) {
  int64_t user = add("alice", kSimple.size() + 10);
  record(user);
  ASSERT_TRUE(mail_->deliver(user, "INBOX", kSimple).is_ok());
  EXPECT_EQ(mail_->deliver(user, "INBOX", kSimple).status().code(), Code::over_quota);
  EXPECT_EQ(beacons().size(), 1u);
}

TEST_F(Deliver, AppendKeepsFlagsAndInternalDate) {
  int64_t user = add("alice");
  Result<store::Appended> appended =
      mail_->append(user, "Drafts", kSimple, {"\\Draft", "$Label"}, 1000000000);
  ASSERT_TRUE(appended.is_ok()) << appended.status().to_string();
  Result<store::StoredMessage> stored =
      faulty_->read_message(user, appended->mailbox_id, appended->uid);
  ASSERT_TRUE(stored.is_ok());
  EXPECT_EQ(stored->info.internal_date, 1000000000);
  EXPECT_EQ(stored->info.flags, (std::vector<std::string>{"\\Draft", "$Label"}));
  EXPECT_EQ(stored->info.size, kSimple.size());
}

TEST_F(Deliver, ExportOfMissingThingsIsNotFound) {
  int64_t user = add("alice");
  EXPECT_EQ(mail_->export_message(user, "INBOX", 1).status().code(), Code::not_found);
  EXPECT_EQ(mail_->export_message(user, "Nope", 1).status().code(), Code::not_found);
  EXPECT_EQ(mail_->export_message(user, "INBOX", 1).status().message(),
            "no message with uid 1 in INBOX");
}

}  // namespace
}  // namespace eider::mail
