#include <gtest/gtest.h>

#include <string>

#include "mime/compose.h"
#include "mime/message_view.h"
#include "mime/tree.h"

namespace eider::mime {
namespace {

ComposeInput full_input() {
  ComposeInput in;
  in.from = ComposeAddress{"Andr\xC3\xA9 \"the\" sender", "andre@example.org"};
  in.to = {{"", "bob@example.org"}, {"Carol, C.", "carol@example.org"}};
  in.cc = {{"\xE6\x97\xA5\xE6\x9C\xAC", "dave@example.org"}};
  in.bcc = {{"", "erin@example.org"}};
  in.reply_to = {{"", "replies@example.org"}};
  in.subject = std::string("R\xC3\xA9sum\xC3\xA9 ") + std::string(80, 'x') + " \xF0\x9F\x8C\x8E";
  in.text = "Hello\r\nline two with caf\xC3\xA9\r\n" + std::string(200, 'y') + "\r\n";
  in.html = "<p>Hello</p>";
  std::string binary;
  for (int i = 0; i < 1000; ++i) binary.push_back(static_cast<char>(i * 7));
  in.attachments = {{"r\xC3\xA9sum\xC3\xA9.bin", "application/octet-stream", binary, "", false},
                    {"logo.png", "image/png", std::string("\x89PNG\r\n", 6), "logo1", true}};
  in.headers = {{"X-Mailer", "eider test"}, {"X-Note", "\xC3\xBC"}};
  in.in_reply_to = "<parent@example.org>";
  return in;
}

TEST(Compose, ComposedMessageViewsAsTheInput) {
  ComposeInput in = full_input();
  Result<std::string> raw =
      compose(in, ComposeOptions{.date = 1057049557, .message_id_domain = "example.org"});
  ASSERT_TRUE(raw) << raw.status().to_string();
  // A well-formed message: every line CRLF-terminated and at most 998 bytes.
  size_t line = 0;
  for (size_t i = 0; i < raw->size(); ++i) {
    if ((*raw)[i] == '\n') {
      ASSERT_GT(i, 0u);
      EXPECT_EQ((*raw)[i - 1], '\r');
      line = 0;
    } else {
      EXPECT_LE(++line, 998u);
    }
  }
  Message parsed = parse(*raw);
  MessageView view = make_view(*raw, parsed);
  ASSERT_EQ(view.from.size(), 1u);
  EXPECT_EQ(view.from[0].name, in.from->name);
  EXPECT_EQ(view.from[0].address, in.from->address);
  ASSERT_EQ(view.to.size(), 2u);
  EXPECT_EQ(view.to[1].name, "Carol, C.");
  EXPECT_EQ(view.to[1].address, "carol@example.org");
  ASSERT_EQ(view.cc.size(), 1u);
  EXPECT_EQ(view.cc[0].name, in.cc[0].name);
  ASSERT_EQ(view.bcc.size(), 1u);
  ASSERT_EQ(view.reply_to.size(), 1u);
  EXPECT_EQ(view.subject, in.subject);
  EXPECT_EQ(view.date, 1057049557);
  EXPECT_EQ(view.in_reply_to, "<parent@example.org>");
  EXPECT_TRUE(view.message_id.ends_with("@example.org>"));
  EXPECT_EQ(view.text, *in.text);
  ASSERT_EQ(view.html.size(), 1u);
  EXPECT_EQ(view.html[0], *in.html);
  ASSERT_EQ(view.attachments.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(view.attachments[i].filename, in.attachments[i].filename);
    EXPECT_EQ(view.attachments[i].content_type, in.attachments[i].content_type);
    const Part* part = find_attachment(parsed, view.attachments[i].id);
    ASSERT_NE(part, nullptr);
    EXPECT_EQ(decode_body(*raw, *part), in.attachments[i].content);
  }
  EXPECT_EQ(view.attachments[1].content_id, "logo1");
  EXPECT_EQ(view.attachments[1].disposition, "inline");
  bool note = false;
  for (const ViewHeader& h : view.headers) {
    if (h.key == "x-note") note = h.value == "\xC3\xBC";
  }
  EXPECT_TRUE(note);
  // The split reproduces it, as every stored message must.
  SplitMessage split = mime::split(*raw, parsed, SplitOptions{.blob_threshold = 100});
  EXPECT_FALSE(split.blobs.empty());
}

TEST(Compose, TextOnlyIsOnePartAndAsciiStaysSevenBit) {
  ComposeInput in;
  in.from = ComposeAddress{"", "a@example.org"};
  in.subject = "plain";
  in.text = "just text\nsecond line";
  Result<std::string> raw =
      compose(in, ComposeOptions{.date = 0, .message_id_domain = "example.org"});
  ASSERT_TRUE(raw);
  EXPECT_NE(raw->find("Content-Type: text/plain; charset=utf-8\r\n"), std::string::npos);
  EXPECT_NE(raw->find("Content-Transfer-Encoding: 7bit\r\n"), std::string::npos);
  EXPECT_EQ(raw->find("multipart"), std::string::npos);
  MessageView view = make_view(*raw, parse(*raw));
  EXPECT_EQ(view.text, "just text\r\nsecond line");
  EXPECT_EQ(view.date, 0);
}

TEST(Compose, HeaderInjectionAndOwnFieldsAreRefused) {
  ComposeInput in;
  in.subject = "x\r\nBcc: victim@example.org";
  EXPECT_EQ(compose(in, {}).status().code(), Code::invalid_argument);
  in.subject = "x";
  in.headers = {{"Content-Type", "text/html"}};
  EXPECT_EQ(compose(in, {}).status().code(), Code::invalid_argument);
  in.headers = {{"X-Bad Key", "v"}};
  EXPECT_EQ(compose(in, {}).status().code(), Code::invalid_argument);
  in.headers = {{"X-Ok", "a\nb"}};
  EXPECT_EQ(compose(in, {}).status().code(), Code::invalid_argument);
  in.headers = {};
  in.to = {{"", "no-at-sign"}};
  EXPECT_EQ(compose(in, {}).status().code(), Code::invalid_argument);
  in.to = {{"", "a@b>\r\nX: y"}};
  EXPECT_EQ(compose(in, {}).status().code(), Code::invalid_argument);
}

}  // namespace
}  // namespace eider::mime
