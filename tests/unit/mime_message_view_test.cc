#include <gtest/gtest.h>

#include <set>
#include <string>

#include "mime/charset.h"
#include "mime/message_view.h"
#include "mime/tree.h"
#include "mime/tree_format.h"
#include "mime_parse_corpus.h"

namespace eider::mime {
namespace {

using testing::corpus;

TEST(MessageView, EveryCorpusMessageGivesAViewWhoseAttachmentsAreFound) {
  size_t attachments = 0;
  for (const auto& file : corpus()) {
    Message parsed = parse(file.bytes);
    MessageView view = make_view(file.bytes, parsed);
    EXPECT_TRUE(is_valid_utf8(view.text)) << file.name;
    EXPECT_TRUE(is_valid_utf8(view.subject)) << file.name;
    for (const std::string& html : view.html) EXPECT_TRUE(is_valid_utf8(html)) << file.name;
    // Every string is UTF-8, so the API's JSON is always valid.
    for (const ViewHeader& h : view.headers) {
      EXPECT_TRUE(is_valid_utf8(h.key) && is_valid_utf8(h.value)) << file.name;
    }
    for (const auto* list : {&view.from, &view.to, &view.cc, &view.bcc, &view.reply_to}) {
      for (const DisplayAddress& a : *list) {
        EXPECT_TRUE(is_valid_utf8(a.name) && is_valid_utf8(a.address)) << file.name;
      }
    }
    EXPECT_TRUE(is_valid_utf8(view.message_id) && is_valid_utf8(view.content_type)) << file.name;
    for (size_t i = 0; i < view.attachments.size(); ++i) {
      const ViewAttachment& a = view.attachments[i];
      EXPECT_EQ(a.id,
                "ATT" + std::string(5 - std::to_string(i + 1).size(), '0') + std::to_string(i + 1))
          << file.name;
      const Part* part = find_attachment(parsed, a.id);
      ASSERT_NE(part, nullptr) << file.name << " " << a.id;
      EXPECT_EQ(decode_body(file.bytes, *part).size(), a.size) << file.name << " " << a.id;
      EXPECT_TRUE(is_valid_utf8(a.filename) && is_valid_utf8(a.content_type) &&
                  is_valid_utf8(a.content_id) && is_valid_utf8(a.disposition))
          << file.name;
      ++attachments;
    }
    EXPECT_EQ(find_attachment(parsed, "ATT99999"), nullptr);
  }
  EXPECT_GT(attachments, 100u);
}

// The split stores a base64 body decoded when its encoding reproduces: that
// blob is exactly what the view hands out for the part.
TEST(MessageView, DecodedPartsAreTheStoredDecodedBlobs) {
  size_t checked = 0;
  for (const auto& file : corpus()) {
    Message parsed = parse(file.bytes);
    SplitMessage split = mime::split(file.bytes, parsed, SplitOptions{.blob_threshold = 1});
    Result<tree_format::TreeView> tree = tree_format::parse(split.tree);
    ASSERT_TRUE(tree) << file.name;
    std::set<std::string> decoded;
    std::function<void(const Part&)> walk = [&](const Part& part) {
      for (const Part& child : part.children) walk(child);
      if (part.children.empty()) decoded.insert(decode_body(file.bytes, part));
    };
    walk(parsed.root);
    for (const tree_format::Slot& slot : tree->slots) {
      if (slot.kind != tree_format::SlotKind::base64) continue;
      const Blob* blob = nullptr;
      for (const Blob& b : split.blobs) {
        if (b.key == slot.key) blob = &b;
      }
      ASSERT_NE(blob, nullptr) << file.name;
      EXPECT_TRUE(decoded.count(blob->content)) << file.name;
      ++checked;
    }
  }
  EXPECT_GT(checked, 50u);
}

TEST(MessageView, HeadersAddressesBodiesAndAttachmentsAreDecoded) {
  const std::string raw =
      "From: =?ISO-8859-1?Q?Andr=E9?= <andre@example.org>\r\n"
      "To: bob@example.org, \"Carol C.\" <carol@example.org>\r\n"
      "Cc: team: dave@example.org, erin@example.org;\r\n"
      "Subject: =?UTF-8?B?SGVsbG8g8J+Mjg==?=\r\n"
      "Date: Tue, 1 Jul 2003 10:52:37 +0200\r\n"
      "Message-ID: <m1@example.org>\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=b1\r\n"
      "\r\n"
      "--b1\r\n"
      "Content-Type: multipart/related; boundary=b2\r\n"
      "\r\n"
      "--b2\r\n"
      "Content-Type: text/html; charset=utf-8\r\n"
      "\r\n"
      "<p>hi <img src=\"cid:img1\"></p>\r\n"
      "--b2\r\n"
      "Content-Type: image/png\r\n"
      "Content-ID: <img1>\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "\r\n"
      "AAEC\r\n"
      "--b2--\r\n"
      "--b1\r\n"
      "Content-Type: text/plain; charset=iso-8859-1\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n"
      "caf=E9\r\n"
      "--b1\r\n"
      "Content-Type: application/pdf\r\n"
      "Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "\r\n"
      "JVBERi0=\r\n"
      "--b1--\r\n";
  Message parsed = parse(raw);
  MessageView view = make_view(raw, parsed);
  ASSERT_EQ(view.from.size(), 1u);
  EXPECT_EQ(view.from[0].name, "Andr\xC3\xA9");
  EXPECT_EQ(view.from[0].address, "andre@example.org");
  ASSERT_EQ(view.to.size(), 2u);
  EXPECT_EQ(view.to[0].name, "");
  EXPECT_EQ(view.to[1].name, "Carol C.");
  ASSERT_EQ(view.cc.size(), 2u);
  EXPECT_EQ(view.cc[1].address, "erin@example.org");
  EXPECT_EQ(view.subject, "Hello \xF0\x9F\x8C\x8E");
  EXPECT_EQ(view.message_id, "<m1@example.org>");
  EXPECT_EQ(view.date, 1057049557);
  EXPECT_EQ(view.content_type, "multipart/mixed");
  EXPECT_EQ(view.text, "caf\xC3\xA9");
  ASSERT_EQ(view.html.size(), 1u);
  EXPECT_EQ(view.html[0], "<p>hi <img src=\"cid:img1\"></p>");
  ASSERT_EQ(view.attachments.size(), 2u);
  EXPECT_EQ(view.attachments[0].id, "ATT00001");
  EXPECT_EQ(view.attachments[0].content_type, "image/png");
  EXPECT_EQ(view.attachments[0].content_id, "img1");
  EXPECT_TRUE(view.attachments[0].related);
  EXPECT_EQ(view.attachments[0].size, 3u);
  EXPECT_EQ(view.attachments[1].filename, "r\xC3\xA9sum\xC3\xA9.pdf");
  EXPECT_EQ(view.attachments[1].disposition, "attachment");
  EXPECT_FALSE(view.attachments[1].related);
  EXPECT_EQ(decode_body(raw, *find_attachment(parsed, "ATT00002")), "%PDF-");
  ASSERT_GE(view.headers.size(), 8u);
  EXPECT_EQ(view.headers[0].key, "from");
  EXPECT_EQ(view.headers[0].value, "Andr\xC3\xA9 <andre@example.org>");
}

TEST(MessageView, BodiesAreCutAtTheirLimitOnACharacterBoundary) {
  const std::string raw = "Content-Type: text/plain; charset=utf-8\r\n\r\n\xC3\xA9\xC3\xA9\xC3\xA9";
  MessageView view =
      make_view(raw, parse(raw), ViewOptions{.max_text_bytes = 3, .max_html_bytes = 3});
  EXPECT_EQ(view.text, "\xC3\xA9");
  EXPECT_TRUE(view.text_truncated);
}

TEST(MessageView, DatesParseInTheirZoneAndBrokenOnesAreNone) {
  EXPECT_EQ(parse_date_time("Thu, 01 Jan 1970 00:00:00 +0000"), 0);
  EXPECT_EQ(parse_date_time("1 Jan 1970 01:00 +0100"), 0);
  EXPECT_EQ(parse_date_time("Thu, 1 Jan 70 00:00:10 GMT (comment)"), 10);
  EXPECT_EQ(parse_date_time("Wed, 31 Dec 1969 19:00:00 EST"), 0);
  EXPECT_EQ(parse_date_time("yesterday"), std::nullopt);
  EXPECT_EQ(parse_date_time("31 Feb 2001 00:00:00 +0000"), std::nullopt);
}

}  // namespace
}  // namespace eider::mime
