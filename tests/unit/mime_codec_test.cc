// Tables for the MIME codecs: base64, quoted-printable, RFC 2047, RFC 2231 and
// charset conversion.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "mime/charset.h"
#include "mime/codec_base64.h"
#include "mime/codec_qp.h"
#include "mime/codec_rfc2047.h"
#include "mime/codec_rfc2231.h"
#include "mime/message.h"
#include "mime/sha256.h"
#include "mime_parse_corpus.h"

namespace eider::mime {
namespace {

TEST(Base64Decode, DecodesTableAndReportsCanonicalForm) {
  struct Case {
    std::string text;
    std::string bytes;
    bool canonical;
  };
  const std::vector<Case> cases = {
      {"", "", true},
      {"Zg==", "f", true},
      {"Zm8=", "fo", true},
      {"Zm9v", "foo", true},
      {"Zm9vYg==", "foob", true},
      {"Zm9vYmE=", "fooba", true},
      {"Zm9vYmFy", "foobar", true},
      {"Zm9v\r\nYmFy\r\n", "foobar", true},
      {"Zm9v\nYmFy", "foobar", true},
      {"Zm\r\n9vYmFy", "foobar", true},
      {"Zm9v YmFy", "foobar", false},
      {"Zm9v!YmFy", "foobar", false},
      {"Zm9v\tYmFy", "foobar", false},
      {"Zg", "f", false},
      {"Zm9", "fo", false},
      {"Zh==", "f", false},
      {"Zm9=", "fo", false},
      {"Zg==Zg==", "ff", false},
      {"Zg=", "f", false},
      {"Z", "", false},
      {"=", "", false},
      {"Zm9vYmFy\r\n==", "foobar", false},
  };
  for (const Case& c : cases) {
    const Base64Decoded decoded = base64_decode(c.text);
    EXPECT_EQ(decoded.bytes, c.bytes) << c.text;
    EXPECT_EQ(decoded.canonical, c.canonical) << c.text;
  }
}

TEST(Base64Decode, SkipsTrailingGarbageButIsNotCanonical) {
  const Base64Decoded decoded = base64_decode("Zm9vYmFy\r\n-- garbage!\r\n");
  EXPECT_EQ(decoded.bytes.substr(0, 6), "foobar");
  EXPECT_FALSE(decoded.canonical);
}

TEST(Base64Encode, WritesTheRequestedLayout) {
  struct Case {
    std::string bytes;
    Base64Layout layout;
    std::string text;
  };
  const std::vector<Case> cases = {
      {"", {76, LineEnding::crlf, true}, ""},
      {"foobar", {76, LineEnding::crlf, true}, "Zm9vYmFy\r\n"},
      {"foobar", {76, LineEnding::crlf, false}, "Zm9vYmFy"},
      {"foobar", {4, LineEnding::lf, false}, "Zm9v\nYmFy"},
      {"foobar", {4, LineEnding::lf, true}, "Zm9v\nYmFy\n"},
      {"foob", {0, LineEnding::crlf, false}, "Zm9vYg=="},
      {"foob", {3, LineEnding::cr, true}, "Zm9\rvYg\r==\r"},
      {"foob", {8, LineEnding::crlf, true}, "Zm9vYg==\r\n"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(base64_encode(c.bytes, c.layout), c.text) << c.bytes;
    EXPECT_EQ(base64_encoded_size(c.bytes.size(), c.layout), c.text.size()) << c.bytes;
  }
}

TEST(Base64Encode, RoundTripsEverySizeAndLayout) {
  std::mt19937 random(7);
  for (size_t size = 0; size < 300; ++size) {
    std::string bytes(size, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    for (const uint32_t line : {0u, 1u, 3u, 64u, 72u, 76u, 77u}) {
      for (const LineEnding ending : {LineEnding::lf, LineEnding::crlf, LineEnding::cr}) {
        for (const bool final_ending : {false, true}) {
          const Base64Layout layout{line, ending, final_ending};
          const std::string text = base64_encode(bytes, layout);
          ASSERT_EQ(text.size(), base64_encoded_size(size, layout));
          const Base64Decoded decoded = base64_decode(text);
          ASSERT_EQ(decoded.bytes, bytes) << size << " " << line;
          ASSERT_TRUE(decoded.canonical) << size << " " << line;
        }
      }
    }
  }
}

TEST(QuotedPrintableDecode, DecodesTable) {
  struct Case {
    std::string text;
    std::string bytes;
  };
  const std::vector<Case> cases = {
      {"plain", "plain"},
      {"=41=42C", "ABC"},
      {"caf=e9 caf=C3=A9", "caf\xe9 caf\xc3\xa9"},
      {"a=\r\nb", "ab"},
      {"a=\nb", "ab"},
      {"a=  \r\nb", "ab"},
      {"a=", "a"},
      {"trail  \r\nx", "trail\r\nx"},
      {"trail\t\nx", "trail\nx"},
      {"in side", "in side"},
      {"=4", "=4"},
      {"=ZZ", "=ZZ"},
      {"a = b", "a = b"},
      {"line\r\n", "line\r\n"},
  };
  for (const Case& c : cases) EXPECT_EQ(qp_decode(c.text), c.bytes) << c.text;
}

TEST(QuotedPrintableEncode, EncodesTable) {
  struct Case {
    std::string bytes;
    std::string text;
  };
  const std::vector<Case> cases = {
      {"plain text", "plain text"},
      {"caf\xc3\xa9", "caf=C3=A9"},
      {"a=b", "a=3Db"},
      {"end \nnext", "end=20\r\nnext"},
      {"tab\t", "tab=09"},
      {"a\r\nb", "a\r\nb"},
      {std::string(80, 'x'), std::string(75, 'x') + "=\r\n" + std::string(5, 'x')},
  };
  for (const Case& c : cases) EXPECT_EQ(qp_encode(c.bytes), c.text) << c.bytes;
}

TEST(QuotedPrintableEncode, RoundTripsTextAndKeepsLinesShort) {
  std::mt19937 random(11);
  for (int round = 0; round < 200; ++round) {
    std::string bytes;
    const int size = static_cast<int>(random() % 400);
    for (int i = 0; i < size; ++i) {
      const int pick = static_cast<int>(random() % 20);
      bytes.push_back(pick == 0 ? '\n' : pick == 1 ? ' ' : static_cast<char>(random()));
      if (bytes.back() == '\r') bytes.back() = 'r';
    }
    const std::string text = qp_encode(bytes, LineEnding::lf);
    EXPECT_EQ(qp_decode(text), bytes);
    size_t start = 0;
    while (start < text.size()) {
      const size_t end = std::min(text.find('\n', start), text.size());
      EXPECT_LE(end - start, 76u);
      start = end + 1;
    }
  }
}

TEST(HeaderText, DecodesEncodedWords) {
  struct Case {
    std::string raw;
    std::string text;
  };
  const std::vector<Case> cases = {
      // RFC 2047 section 8.
      {"=?ISO-8859-1?Q?a?=", "a"},
      {"=?ISO-8859-1?Q?a?= b", "a b"},
      {"=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=", "ab"},
      {"=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=", "ab"},
      {"=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=", "ab"},
      {"=?ISO-8859-1?Q?a_b?=", "a b"},
      {"=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=", "a b"},
      {"=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>", "Keith Moore <moore@cs.utk.edu>"},
      {"=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=", "Keld J\xc3\xb8rn Simonsen"},
      {"=?ISO-8859-1?Q?Andr=E9?= Pirard", "Andr\xc3\xa9 Pirard"},
      // RFC 2231 section 5: a language in the charset.
      {"=?US-ASCII*EN?Q?Keith?=", "Keith"},
      {"=?utf-8?B?w6lsw6h2ZQ==?=", "\xc3\xa9l\xc3\xa8ve"},
      {"=?utf-8?b?w6lsw6h2ZQ==?=", "\xc3\xa9l\xc3\xa8ve"},
      // A character split across two words survives the join.
      {"=?UTF-8?Q?=C3?= =?UTF-8?Q?=A9?=", "\xc3\xa9"},
      {"=?koi8-r?B?8NLJ18XU?=", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"},
      {"=?ISO-2022-JP?B?GyRCJEskWyRzGyhC?=", "\xe3\x81\xab\xe3\x81\xbb\xe3\x82\x93"},
      {"Re: =?utf-8?q?caf=C3=A9?= ok", "Re: caf\xc3\xa9 ok"},
      {"=?x-unknown?Q?caf=C3=A9?=", "caf\xc3\xa9"},
      {"=?x-unknown?Q?caf=E9?=", "caf\xef\xbf\xbd"},
      // Malformed words stay as written.
      {"=?utf-8?X?abc?=", "=?utf-8?X?abc?="},
      {"=?utf-8?Q?abc", "=?utf-8?Q?abc"},
      {"=?utf-8?Q?a b?=", "=?utf-8?Q?a b?="},
      {"=??Q?a?=", "=??Q?a?="},
      {"=?", "=?"},
      {"a =?utf-8?Q?b?= =?bad", "a b =?bad"},
      // Raw 8-bit text: UTF-8 kept, anything else read as windows-1252.
      {"caf\xc3\xa9", "caf\xc3\xa9"},
      {"caf\xe9", "caf\xc3\xa9"},
      {"folded\r\n line", "folded line"},
  };
  for (const Case& c : cases) EXPECT_EQ(decode_header_text(c.raw), c.text) << c.raw;
}

TEST(HeaderText, LeavesAMegabyteOfUnclosedWordsAsWritten) {
  // Quadratic scanning would take hours here; linear takes milliseconds.
  std::string raw;
  for (int i = 0; i < 100000; ++i) raw += "=?a?q?x";
  EXPECT_EQ(decode_header_text(raw), raw);
  const std::string opens(1 << 20, '?');
  EXPECT_EQ(decode_header_text("=" + opens), "=" + opens);
}

TEST(Rfc2231, DecodesParameterTable) {
  struct Case {
    std::vector<Param> raw;
    std::vector<Param> decoded;
  };
  const std::vector<Case> cases = {
      {{{"title*", "us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A"}},
       {{"title", "This is ***fun***"}}},
      {{{"url*0", "ftp://"}, {"url*1", "cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"}},
       {{"url", "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"}}},
      {{{"title*0*", "us-ascii'en'This%20is%20even%20more%20"},
        {"title*1*", "%2A%2A%2Afun%2A%2A%2A%20"},
        {"title*2", "isn't it!"}},
       {{"title", "This is even more ***fun*** isn't it!"}}},
      {{{"name*1", "b"}, {"name*0", "a"}}, {{"name", "ab"}}},
      {{{"filename*", "UTF-8''%C3%A9t%C3%A9.txt"}}, {{"filename", "\xc3\xa9t\xc3\xa9.txt"}}},
      {{{"filename*", "iso-8859-1''%E9t%E9.txt"}}, {{"filename", "\xc3\xa9t\xc3\xa9.txt"}}},
      {{{"filename", "fallback.txt"}, {"filename*", "UTF-8''real.txt"}},
       {{"filename", "real.txt"}}},
      {{{"name", "=?utf-8?B?w6l0w6kudHh0?="}}, {{"name", "\xc3\xa9t\xc3\xa9.txt"}}},
      {{{"charset", "us-ascii"}, {"name*0", "a"}, {"name*1", "b"}},
       {{"charset", "us-ascii"}, {"name", "ab"}}},
      {{{"n*0", "a"}, {"n*2", "c"}}, {{"n", "a"}}},
      {{{"f*", "utf-8''100%"}}, {{"f", "100%"}}},
      {{{"f*", "no-quotes%41"}}, {{"f", "no-quotesA"}}},
      {{{"f*0*", "utf-8''%C3"}, {"f*1*", "%A9"}}, {{"f", "\xc3\xa9"}}},
  };
  for (const Case& c : cases) {
    const std::vector<Param> decoded = decode_params(c.raw);
    ASSERT_EQ(decoded.size(), c.decoded.size()) << c.raw.front().name;
    for (size_t i = 0; i < decoded.size(); ++i) {
      EXPECT_EQ(decoded[i].name, c.decoded[i].name);
      EXPECT_EQ(decoded[i].value, c.decoded[i].value) << c.raw.front().name;
    }
  }
}

TEST(Charset, ConvertsTableToUtf8) {
  struct Case {
    std::string charset;
    std::string bytes;
    std::string text;
  };
  const std::vector<Case> cases = {
      {"iso-8859-1", "caf\xe9", "caf\xc3\xa9"},
      {"ISO-8859-1", "\x80", "\xe2\x82\xac"},  // read as windows-1252, as browsers do
      {"latin1", "\xe9", "\xc3\xa9"},
      {"\"iso-8859-15\"", "\xa4", "\xe2\x82\xac"},
      {"windows-1252", "\x93q\x94", "\xe2\x80\x9cq\xe2\x80\x9d"},
      {"windows-1251", "\xcf\xf0\xe8", "\xd0\x9f\xd1\x80\xd0\xb8"},
      {"koi8-r", "\xf0\xd2\xc9", "\xd0\x9f\xd1\x80\xd0\xb8"},
      {"iso-8859-2", "\xb1", "\xc4\x85"},
      {"euc-kr", "\xc7\xd1", "\xed\x95\x9c"},
      {"ks_c_5601-1987", "\xc7\xd1", "\xed\x95\x9c"},
      {"big5", "\xa4\xa4", "\xe4\xb8\xad"},
      {"gb2312", "\xd6\xd0", "\xe4\xb8\xad"},
      {"shift_jis", "\x93\xfa", "\xe6\x97\xa5"},
      {"euc-jp", "\xc6\xfc", "\xe6\x97\xa5"},
      {"iso-2022-jp", "\x1b$BF|\x1b(B", "\xe6\x97\xa5"},
      {"utf-7", "+ZeVnLA-", "\xe6\x97\xa5\xe6\x9c\xac"},
      {"shift_jis", "a\xff", "a\xef\xbf\xbd"},
      {"UTF-8", "caf\xc3\xa9", "caf\xc3\xa9"},
      {"utf-8", "bad\xff", "bad\xef\xbf\xbd"},
      {"us-ascii", "caf\xc3\xa9", "caf\xc3\xa9"},
      {"us-ascii*en", "plain", "plain"},
      {"x-unknown", "a\xffz", "a\xef\xbf\xbdz"},
      {"none", "ok", "ok"},
      {"", "ok", "ok"},
  };
  for (const Case& c : cases) EXPECT_EQ(to_utf8(c.bytes, c.charset), c.text) << c.charset;
}

TEST(Charset, ConvertsLongInputAcrossBufferBoundaries) {
  std::string bytes;
  std::string expected;
  for (int i = 0; i < 10000; ++i) {
    bytes += "\x93\xfa";  // Shift_JIS for U+65E5
    expected += "\xe6\x97\xa5";
  }
  EXPECT_EQ(to_utf8(bytes, "shift_jis"), expected);
}

TEST(Charset, KnowsEveryCharsetNamedInTheCorpus) {
  std::ifstream manifest(std::string(EIDER_CORPUS_DIR) + "/MANIFEST.tsv");
  ASSERT_TRUE(manifest);
  std::string line;
  size_t named = 0;
  while (std::getline(manifest, line)) {
    const size_t at = line.find("charsets:");
    if (at == std::string::npos) continue;
    std::string list = line.substr(at + 9);
    list = list.substr(0, list.find_first_of(";\t"));
    std::stringstream names(list);
    std::string name;
    while (std::getline(names, name, ',')) {
      ++named;
      if (name == "x-unknown" || name == "none") {
        EXPECT_FALSE(charset_known(name));
      } else {
        EXPECT_TRUE(charset_known(name)) << name;
      }
    }
  }
  EXPECT_GT(named, 0u);
}

// Every header field, parameter and text body of the corpus decodes to valid
// UTF-8, and the encoded words in it are really decoded.
TEST(CorpusText, DecodesEveryHeaderParameterAndTextBodyToUtf8) {
  size_t decoded_words = 0;
  size_t text_bodies = 0;
  for (const auto& file : testing::corpus()) {
    const Message message = parse(file.bytes);
    std::vector<const Part*> stack{&message.root};
    while (!stack.empty()) {
      const Part* part = stack.back();
      stack.pop_back();
      for (const Part& child : part->children) stack.push_back(&child);
      for (const HeaderField& field : header_fields(part->header.in(file.bytes))) {
        const std::string text = decode_header_text(field.value);
        EXPECT_TRUE(is_valid_utf8(text)) << file.name << ": " << field.name;
        if (field.value.find("=?") != std::string_view::npos &&
            text.find("=?") == std::string::npos) {
          ++decoded_words;
        }
      }
      for (const auto* params : {&part->params, &part->disposition_params}) {
        for (const Param& param : decode_params(*params)) {
          EXPECT_TRUE(is_valid_utf8(param.value)) << file.name << ": " << param.name;
        }
      }
      if (part->children.empty() && part->type == "text") {
        const std::string_view body = part->body.in(file.bytes);
        const std::string bytes = part->encoding == "base64"             ? base64_decode(body).bytes
                                  : part->encoding == "quoted-printable" ? qp_decode(body)
                                                                         : std::string(body);
        EXPECT_TRUE(is_valid_utf8(to_utf8(bytes, part->param("charset")))) << file.name;
        ++text_bodies;
      }
    }
  }
  EXPECT_GT(decoded_words, 20u);
  EXPECT_GT(text_bodies, 200u);
}

TEST(Utf8, SanitizesInvalidSequences) {
  struct Case {
    std::string bytes;
    std::string text;
  };
  const std::vector<Case> cases = {
      {"ok", "ok"},
      {"\xc3\xa9", "\xc3\xa9"},
      {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},
      {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},                  // overlong
      {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},  // surrogate
      {"\xe6\x97", "\xef\xbf\xbd\xef\xbf\xbd"},                  // truncated
      {std::string("a\0b", 3), std::string("a\0b", 3)},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(sanitize_utf8(c.bytes), c.text);
    EXPECT_EQ(is_valid_utf8(c.bytes), c.bytes == c.text);
  }
}

TEST(Sha256, MatchesKnownDigests) {
  EXPECT_EQ(to_hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(to_hex(sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace eider::mime
