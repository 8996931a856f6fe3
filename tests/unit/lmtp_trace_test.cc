// Trace headers, spam verdicts, and one split shared by many recipients.
#include <gtest/gtest.h>

#include <map>

#include "lmtp/trace.h"
#include "mail/mail.h"
#include "mime/tree.h"
#include "mime_parse_corpus.h"

namespace eider::lmtp {
namespace {

Trace sample_trace() {
  return Trace{.sender = "alice@example.org",
               .recipient = "Bob+tag@Example.test",
               .lhlo = "mx.example.org",
               .peer = "192.0.2.7",
               .hostname = "store.example.test",
               .id = "6B06AA3D.1",
               .protocol = "LMTP",
               .time = 1795598903};
}

TEST(TraceHeaders, NameSenderRecipientAndHop) {
  EXPECT_EQ(trace_headers(sample_trace(), "\r\n"),
            "Return-Path: <alice@example.org>\r\n"
            "Delivered-To: Bob+tag@Example.test\r\n"
            "Received: from mx.example.org ([192.0.2.7])\r\n"
            "\tby store.example.test (Eider) with LMTP id 6B06AA3D.1\r\n"
            "\tfor <Bob+tag@Example.test>; Wed, 25 Nov 2026 09:28:23 +0000\r\n");
}

TEST(TraceHeaders, KeepClientControlsOutOfTheHeader) {
  Trace trace = sample_trace();
  trace.lhlo = "evil\r\nX-Spam-Flag: NO";
  trace.sender = "";
  trace.peer = "unix";
  const std::string lines = trace_headers(trace, "\n");
  EXPECT_NE(lines.find("Return-Path: <>\n"), std::string::npos);
  EXPECT_NE(lines.find("from evil??X-Spam-Flag: NO (unix socket)\n"), std::string::npos);
  EXPECT_EQ(lines.find('\r'), std::string::npos);
}

TEST(TraceHeaders, FollowTheMessagesFirstLineEnding) {
  EXPECT_EQ(line_ending_of("Subject: x\r\n\r\nbody\n"), "\r\n");
  EXPECT_EQ(line_ending_of("Subject: x\n\nbody\r\n"), "\n");
  EXPECT_EQ(line_ending_of("no line ending"), "\r\n");
  EXPECT_EQ(line_ending_of("\n"), "\n");
}

struct SpamCase {
  std::string message;
  bool spam;
};

TEST(SpamHeaders, AreReadFromTheTopHeaderOnly) {
  const SpamCase cases[] = {
      {"X-Spam-Flag: YES\r\n\r\nbody", true},
      {"x-spam-flag:  yes \r\n\r\n", true},
      {"X-Spam-Flag: NO\r\n\r\n", false},
      {"X-Spam-Status: Yes, score=7.1 required=5.0\r\n\r\n", true},
      {"X-Spam-Status: No, score=0.1\r\n\r\n", false},
      {"X-Rspamd-Action: add header\r\n\r\n", true},
      {"X-Rspamd-Action: rewrite subject\n\n", true},
      {"X-Spam-Action: reject\r\n\r\n", true},
      {"X-Spam-Action: no action\r\n\r\n", false},
      {"X-Rspamd-Action: greylist\r\n\r\n", false},
      {"X-Spam-Status:\r\n Yes, folded\r\n\r\n", true},
      {"Subject: hi\r\n\r\nX-Spam-Flag: YES\r\n", false},
      {"Subject: X-Spam-Flag: YES\r\n\r\n", false},
  };
  for (const SpamCase& c : cases) {
    EXPECT_EQ(headers_say_spam(c.message), c.spam) << c.message;
  }
}

// What a recipient's stored copy rebuilds to: the trace lines, then the
// message exactly as received; the blobs are those of the one split.
TEST(PrependToTree, RebuildsTraceThenOriginalForEveryCorpusMessage) {
  core::Limits limits;
  limits.blob_threshold = 1024;  // so that most corpus messages have blobs
  const std::string trace = trace_headers(sample_trace(), "\r\n");
  for (const auto& file : mime::testing::corpus()) {
    Result<store::NewMessage> message = mail::ingest(file.bytes, limits, 0);
    ASSERT_TRUE(message) << file.name;
    std::map<mime::BlobKey, std::string> blobs;
    for (const mime::Blob& blob : message->split.blobs) blobs[blob.key] = blob.content;
    auto reader = [&](const mime::BlobKey& key) -> Result<std::string> {
      auto found = blobs.find(key);
      if (found == blobs.end()) return error(Code::not_found, "blob");
      return found->second;
    };
    Result<std::string> tree = mime::prepend_to_tree(message->split.tree, trace);
    ASSERT_TRUE(tree) << file.name;
    Result<std::string> rebuilt = mime::rebuild(*tree, reader);
    ASSERT_TRUE(rebuilt) << file.name << ": " << rebuilt.status().to_string();
    EXPECT_TRUE(*rebuilt == trace + file.bytes) << file.name;

    Result<std::vector<mime::BlobKey>> before = mime::blob_refs(message->split.tree);
    Result<std::vector<mime::BlobKey>> after = mime::blob_refs(*tree);
    ASSERT_TRUE(before && after);
    EXPECT_EQ(*before, *after) << file.name;
  }
}

TEST(PrependToTree, RefusesACorruptTree) {
  EXPECT_FALSE(mime::prepend_to_tree("not a tree", "Return-Path: <>\r\n"));
}

}  // namespace
}  // namespace eider::lmtp
