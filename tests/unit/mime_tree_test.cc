// split() and rebuild(): the stored form gives back every message exactly.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "mime/codec_base64.h"
#include "mime/message.h"
#include "mime/sha256.h"
#include "mime/tree.h"
#include "mime_parse_corpus.h"

namespace eider::mime {
namespace {

using testing::corpus;

std::map<BlobKey, std::string> blob_map(const SplitMessage& split) {
  std::map<BlobKey, std::string> blobs;
  for (const Blob& blob : split.blobs) blobs.emplace(blob.key, blob.content);
  return blobs;
}

BlobReader reader_over(const std::map<BlobKey, std::string>& blobs) {
  return [&blobs](const BlobKey& key) -> Result<std::string> {
    const auto found = blobs.find(key);
    if (found == blobs.end()) return error(Code::not_found, "no blob " + blob_key_hex(key));
    return found->second;
  };
}

// Splits `raw` and checks everything the store relies on: exact rebuild,
// blob keys that hash their content, distinct blobs, and references that
// name exactly the blobs listed.
SplitMessage check_round_trip(const std::string& raw, uint64_t threshold, const std::string& name) {
  const SplitMessage split = mime::split(raw, parse(raw), SplitOptions{threshold});
  EXPECT_EQ(split.size, raw.size()) << name;
  std::set<BlobKey> listed;
  for (const Blob& blob : split.blobs) {
    EXPECT_EQ(blob.key.size(), 32u) << name;
    EXPECT_EQ(sha256(blob.content), blob.key) << name;
    EXPECT_TRUE(listed.insert(blob.key).second) << name << ": key listed twice";
  }
  const Result<std::vector<BlobKey>> refs = blob_refs(split.tree);
  EXPECT_TRUE(refs.is_ok()) << name << ": " << refs.status().to_string();
  if (refs) {
    EXPECT_EQ(std::set<BlobKey>(refs->begin(), refs->end()), listed) << name;
  }

  // What SEARCH on headers reads instead of a rebuild: an exact prefix
  // holding at least the top-level header block.
  const Result<std::string> lead = leading_bytes(split.tree);
  EXPECT_TRUE(lead.is_ok()) << name;
  if (lead) {
    EXPECT_TRUE(std::string_view(raw).starts_with(*lead)) << name;
    EXPECT_GE(lead->size(), parse(raw).root.header.end) << name << " at threshold " << threshold;
  }

  const std::map<BlobKey, std::string> blobs = blob_map(split);
  const Result<std::string> rebuilt = rebuild(split.tree, reader_over(blobs));
  EXPECT_TRUE(rebuilt.is_ok()) << name << ": " << rebuilt.status().to_string();
  if (rebuilt) {
    EXPECT_TRUE(*rebuilt == raw) << name << " at threshold " << threshold;
  }
  return split;
}

TEST(SplitCorpus, RebuildsEveryMessageExactlyAtEveryThreshold) {
  ASSERT_GE(corpus().size(), 256u);
  for (const uint64_t threshold : {uint64_t{0}, uint64_t{64}, uint64_t{32 * 1024}}) {
    uint64_t moved_bytes = 0;
    for (const auto& file : corpus()) {
      const SplitMessage split = check_round_trip(file.bytes, threshold, file.name);
      for (const Blob& blob : split.blobs) moved_bytes += blob.content.size();
    }
    EXPECT_GT(moved_bytes, 0u) << threshold;
  }
}

TEST(SplitCorpus, RebuildsTruncatedAndDamagedMessagesExactly) {
  std::mt19937 random(3);
  for (const auto& file : corpus()) {
    if (file.bytes.empty()) continue;
    for (int round = 0; round < 3; ++round) {
      std::string damaged = file.bytes.substr(0, random() % file.bytes.size());
      for (int flip = 0; flip < 4 && !damaged.empty(); ++flip) {
        damaged[random() % damaged.size()] = static_cast<char>(random());
      }
      check_round_trip(damaged, 0, file.name + " damaged");
    }
  }
}

TEST(SplitCorpus, StoresCorpusBase64AttachmentsDecoded) {
  // Most base64 bodies in the corpus are regular: their blobs hold decoded
  // bytes, which are about 3/4 of the text they replace.
  uint64_t raw_bytes = 0;
  uint64_t stored_bytes = 0;
  for (const auto& file : corpus()) {
    const SplitMessage split = mime::split(file.bytes, parse(file.bytes), SplitOptions{0});
    raw_bytes += file.bytes.size();
    stored_bytes += split.tree.size();
    for (const Blob& blob : split.blobs) stored_bytes += blob.content.size();
  }
  EXPECT_LT(stored_bytes, raw_bytes * 9 / 10);
}

std::string multipart(const std::string& eol, const std::string& part_headers,
                      const std::string& body, const std::string& after_body = "") {
  return "From: a@example.com" + eol + "Subject: test" + eol + "MIME-Version: 1.0" + eol +
         "Content-Type: multipart/mixed; boundary=\"b1\"" + eol + eol + "preamble" + eol + "--b1" +
         eol + "Content-Type: text/plain" + eol + eol + "hello" + eol + "--b1" + eol +
         part_headers + eol + body + after_body + eol + "--b1--" + eol + "epilogue" + eol;
}

std::string attachment(size_t size, uint32_t seed) {
  std::mt19937 random(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  return bytes;
}

const std::string kBase64Headers =
    "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n";

TEST(SplitSynthetic, RebuildsOddMessagesExactly) {
  const std::string data = base64_encode(attachment(3000, 1), {76, LineEnding::crlf, false});
  const std::string data_lf = base64_encode(attachment(3000, 2), {76, LineEnding::lf, false});
  std::string irregular = base64_encode(attachment(3000, 3), {0, LineEnding::crlf, false});
  for (size_t at = 70; at < irregular.size(); at += 77 + (at % 5)) irregular.insert(at, "\r\n");
  struct Case {
    std::string name;
    std::string raw;
  };
  const std::vector<Case> cases = {
      {"crlf base64", multipart("\r\n", kBase64Headers, data)},
      {"bare lf", multipart("\n",
                            "Content-Type: application/octet-stream\nContent-Transfer-Encoding: "
                            "base64\n",
                            data_lf)},
      {"bare cr", multipart("\r",
                            "Content-Type: application/octet-stream\rContent-Transfer-Encoding: "
                            "base64\r",
                            base64_encode(attachment(2000, 4), {76, LineEnding::cr, false}))},
      {"mixed line endings", multipart("\r\n", kBase64Headers, data_lf)},
      {"no final newline", "Subject: x\r\n\r\nbody without newline"},
      {"no final newline base64", "Content-Transfer-Encoding: base64\r\n\r\n" + data},
      {"final newline base64", "Content-Transfer-Encoding: base64\r\n\r\n" + data + "\r\n"},
      {"nul bytes", std::string("Subject: n\0l\r\n\r\nbody\0with\0nuls\r\n", 32)},
      {"8-bit headers",
       "Subject: caf\xe9 \xc3\xa9\r\nFrom: J\xf8rn <j@example.com>\r\n\r\nbody\r\n"},
      {"only headers", "Subject: only headers\r\nFrom: a@example.com\r\n"},
      {"header without newline", "Subject: only"},
      {"empty body", "Subject: empty\r\n\r\n"},
      {"empty message", ""},
      {"irregular line lengths", multipart("\r\n", kBase64Headers, irregular)},
      {"trailing garbage", multipart("\r\n", kBase64Headers, data, "\r\n-- \r\ngarbage here")},
      {"blank lines before boundary", multipart("\r\n", kBase64Headers, data, "\r\n\r\n  \r\n")},
      {"final line ending before boundary", multipart("\r\n", kBase64Headers, data, "\r\n")},
      {"space in base64", multipart("\r\n", kBase64Headers, "Zm9v YmFy\r\nZm9vYmFy")},
      {"padding in the middle", multipart("\r\n", kBase64Headers, "Zg==\r\nZg==")},
      {"leading blank line", multipart("\r\n", kBase64Headers, "\r\n" + data)},
      {"only whitespace base64", multipart("\r\n", kBase64Headers, "\r\n \r\n")},
      {"missing final boundary",
       "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n" + kBase64Headers + "\r\n" + data},
      {"nested message",
       "Content-Type: message/rfc822\r\n\r\n" + multipart("\r\n", kBase64Headers, data)},
  };
  for (const Case& c : cases) {
    for (const uint64_t threshold : {uint64_t{0}, uint64_t{64}, uint64_t{32 * 1024}}) {
      check_round_trip(c.raw, threshold, c.name);
    }
  }
}

TEST(SplitSynthetic, StoresRegularBase64DecodedAndIrregularBase64Raw) {
  const std::string content = attachment(5000, 5);
  const std::string regular = base64_encode(content, {76, LineEnding::crlf, false});
  const SplitMessage split = mime::split(multipart("\r\n", kBase64Headers, regular),
                                         parse(multipart("\r\n", kBase64Headers, regular)), {64});
  ASSERT_EQ(split.blobs.size(), 1u);
  EXPECT_EQ(split.blobs[0].content, content);

  std::string irregular = regular;
  irregular.insert(100, "\r\n");
  const std::string raw = multipart("\r\n", kBase64Headers, irregular);
  const SplitMessage raw_split = mime::split(raw, parse(raw), {64});
  ASSERT_EQ(raw_split.blobs.size(), 1u);
  EXPECT_EQ(raw_split.blobs[0].content, irregular);
}

TEST(SplitSynthetic, StoresBase64DecodedWhateverItsRegularLayout) {
  const std::string content = attachment(4000, 12);
  struct Case {
    std::string name;
    std::string body;
  };
  const std::vector<Case> cases = {
      {"76 crlf", base64_encode(content, {76, LineEnding::crlf, false})},
      {"64 lf", base64_encode(content, {64, LineEnding::lf, false})},
      {"73 cr", base64_encode(content, {73, LineEnding::cr, false})},
      {"one line", base64_encode(content, {0, LineEnding::crlf, false})},
      {"final line ending", base64_encode(content, {76, LineEnding::crlf, true})},
      {"leading blank line", "\r\n" + base64_encode(content, {76, LineEnding::crlf, false})},
      {"trailing blank lines", base64_encode(content, {76, LineEnding::crlf, true}) + "\r\n \r\n"},
  };
  for (const Case& c : cases) {
    const std::string raw = multipart("\r\n", kBase64Headers, c.body);
    const SplitMessage split = check_round_trip(raw, 64, c.name);
    ASSERT_EQ(split.blobs.size(), 1u) << c.name;
    EXPECT_EQ(split.blobs[0].content, content) << c.name;
  }
}

TEST(SplitSynthetic, VerifiesLargeBase64PieceByPieceAndStillCatchesALateDifference) {
  // Above 1 MiB decoded, split() checks the re-encoding a chunk of lines at
  // a time; the result must be the one a whole encoding gives.
  const size_t per_line76 = 57;
  const size_t chunk = 1024 * 1024 / per_line76 * per_line76;
  struct Case {
    std::string name;
    size_t size;
    Base64Layout layout;
  };
  const std::vector<Case> cases = {
      {"76 crlf", 3 * 1024 * 1024 + 5, {76, LineEnding::crlf, false}},
      {"76 crlf final eol", 3 * 1024 * 1024 + 1, {76, LineEnding::crlf, true}},
      {"exactly two chunks", 2 * chunk, {76, LineEnding::crlf, false}},
      {"two chunks and a line", 2 * chunk + per_line76, {76, LineEnding::lf, true}},
      {"64 lf", 2 * 1024 * 1024 + 2, {64, LineEnding::lf, false}},
      {"73 cr, encoded whole", 2 * 1024 * 1024, {73, LineEnding::cr, false}},
  };
  for (const Case& c : cases) {
    const std::string content = attachment(c.size, 21);
    const std::string body = base64_encode(content, c.layout);
    const std::string raw = multipart("\r\n", kBase64Headers, body);
    const SplitMessage split = check_round_trip(raw, 64, c.name);
    ASSERT_EQ(split.blobs.size(), 1u) << c.name;
    EXPECT_TRUE(split.blobs[0].content == content) << c.name << ": stored decoded";

    // A line near the end one character short: not what the layout
    // re-encodes, so the body is stored as it came.
    std::string damaged = body;
    damaged.erase(body.size() - 300, 1);
    const std::string damaged_raw = multipart("\r\n", kBase64Headers, damaged);
    const SplitMessage damaged_split = check_round_trip(damaged_raw, 64, c.name + " damaged");
    ASSERT_EQ(damaged_split.blobs.size(), 1u) << c.name;
    EXPECT_TRUE(damaged_split.blobs[0].content == damaged) << c.name << ": stored raw";
  }
}

TEST(SplitSynthetic, SameAttachmentWrappedDifferentlyHasOneKey) {
  const std::string content = attachment(1 << 20, 6);
  const std::string at76 =
      multipart("\r\n", kBase64Headers, base64_encode(content, {76, LineEnding::crlf, false}));
  const std::string at64 =
      multipart("\n", "Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n",
                base64_encode(content, {64, LineEnding::lf, false}));
  const SplitMessage a = check_round_trip(at76, 32 * 1024, "76 columns");
  const SplitMessage b = check_round_trip(at64, 32 * 1024, "64 columns");
  ASSERT_EQ(a.blobs.size(), 1u);
  ASSERT_EQ(b.blobs.size(), 1u);
  EXPECT_EQ(a.blobs[0].key, b.blobs[0].key);
  EXPECT_EQ(a.blobs[0].key, sha256(content));
  EXPECT_EQ(a.blobs[0].content, content);
  EXPECT_LT(a.tree.size(), 1024u);
}

TEST(SplitSynthetic, ListsARepeatedAttachmentOnceButRefersToItTwice) {
  const std::string data = base64_encode(attachment(4000, 7), {76, LineEnding::crlf, false});
  const std::string raw = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" +
                          kBase64Headers + "\r\n" + data + "\r\n--b\r\n" + kBase64Headers + "\r\n" +
                          data + "\r\n--b--\r\n";
  const SplitMessage split = check_round_trip(raw, 64, "repeated");
  EXPECT_EQ(split.blobs.size(), 1u);
  const Result<std::vector<BlobKey>> refs = blob_refs(split.tree);
  ASSERT_TRUE(refs.is_ok());
  EXPECT_EQ(refs->size(), 2u);
}

TEST(SplitSynthetic, KeepsSmallBodiesInTheTree) {
  const std::string raw = multipart("\r\n", kBase64Headers, "Zm9vYmFy");
  const SplitMessage split = check_round_trip(raw, 32 * 1024, "small");
  EXPECT_TRUE(split.blobs.empty());
}

TEST(SplitSynthetic, SurvivesParsedRangesThatDoNotFitTheInput) {
  const std::string raw = "Subject: x\r\n\r\nbody bytes here\r\n";
  Message parsed = parse(raw);
  parsed.root.body = Range{5, raw.size() + 100};
  check_round_trip(raw, 0, "range past end");
  const SplitMessage split = mime::split(raw, parsed, {0});
  const std::map<BlobKey, std::string> blobs = blob_map(split);
  const Result<std::string> rebuilt = rebuild(split.tree, reader_over(blobs));
  ASSERT_TRUE(rebuilt.is_ok());
  EXPECT_EQ(*rebuilt, raw);
}

TEST(Rebuild, FailsCleanlyWhenABlobIsMissing) {
  const std::string raw = multipart(
      "\r\n", kBase64Headers, base64_encode(attachment(4000, 8), {76, LineEnding::crlf, false}));
  const SplitMessage split = mime::split(raw, parse(raw), {64});
  ASSERT_FALSE(split.blobs.empty());
  const std::map<BlobKey, std::string> none;
  const Result<std::string> rebuilt = rebuild(split.tree, reader_over(none));
  ASSERT_FALSE(rebuilt.is_ok());
  EXPECT_EQ(rebuilt.status().code(), Code::not_found);
}

TEST(Rebuild, RejectsABlobOfTheWrongSize) {
  const std::string raw = multipart(
      "\r\n", kBase64Headers, base64_encode(attachment(4000, 9), {76, LineEnding::crlf, false}));
  const SplitMessage split = mime::split(raw, parse(raw), {64});
  ASSERT_EQ(split.blobs.size(), 1u);
  std::map<BlobKey, std::string> blobs = blob_map(split);
  blobs.begin()->second += "extra";
  const Result<std::string> rebuilt = rebuild(split.tree, reader_over(blobs));
  ASSERT_FALSE(rebuilt.is_ok());
  EXPECT_EQ(rebuilt.status().code(), Code::corrupt);
}

TEST(Rebuild, RejectsCorruptDocuments) {
  const std::string key(32, 'k');
  const std::vector<std::string> documents = {
      "",
      std::string(1, '\0'),
      "\x01",
      "\x01\x80",                                                          // truncated varint
      "\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f",                      // varint past 64 bits
      "\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",                  // varint too long
      "\x01\x05\xff\xff\xff\xff\xff\xff\xff\xff\x01",                      // huge skeleton length
      "\x01\x01\x01x\xff\xff\xff\xff\x0f",                                 // huge slot count
      std::string("\x01\x01\x01x\x01\x00\x02", 7) + key,                   // unknown slot kind
      std::string("\x01\x01\x01x\x01\x05\x00", 7) + key,                   // offset past skeleton
      std::string("\x01\x01\x01x\x01\x00\x01", 7) + key + "\x4c\x03\x00",  // bad line ending
      std::string("\x01\x01\x01x\x01\x00\x01", 7) + key + "\x4c\x01\x02",  // bad final flag
      std::string("\x01\x01\x01x\x01\x00\x01", 7) + key + "\x4c\x01",      // truncated layout
      std::string("\x01\x01\x01x\x01\x00\x01", 7) + key +
          "\xff\xff\xff\xff\x7f\x01\x01",             // line length past 32 bits
      std::string("\x01\x01\x01x\x00", 5) + "extra",  // bytes after the slots
      std::string("\x01\x07\x01x\x00", 5),            // size differs
  };
  const BlobReader any = [](const BlobKey&) -> Result<std::string> { return std::string("abc"); };
  for (const std::string& document : documents) {
    EXPECT_FALSE(rebuild(document, any).is_ok()) << blob_key_hex(document);
  }
  EXPECT_EQ(rebuild("\x02", any).status().code(), Code::unsupported);
  EXPECT_FALSE(blob_refs("\x01\x80").is_ok());
  EXPECT_FALSE(blob_refs("\x01\x01\x01x\xff\xff\xff\xff\x0f").is_ok());
}

TEST(Rebuild, RejectsEveryTruncationAndSurvivesEveryByteFlip) {
  const std::string raw = multipart(
      "\r\n", kBase64Headers, base64_encode(attachment(3000, 10), {76, LineEnding::crlf, false}));
  const SplitMessage split = mime::split(raw, parse(raw), {64});
  const std::map<BlobKey, std::string> blobs = blob_map(split);
  const BlobReader reader = reader_over(blobs);
  for (size_t length = 0; length < split.tree.size(); ++length) {
    EXPECT_FALSE(rebuild(split.tree.substr(0, length), reader).is_ok()) << length;
    EXPECT_FALSE(blob_refs(split.tree.substr(0, length)).is_ok()) << length;
  }
  for (size_t at = 0; at < split.tree.size(); ++at) {
    for (const uint8_t mask : {0x01, 0x80, 0xff}) {
      std::string damaged = split.tree;
      damaged[at] = static_cast<char>(damaged[at] ^ mask);
      const Result<std::string> rebuilt = rebuild(damaged, reader);
      (void)blob_refs(damaged);
      if (rebuilt) {
        EXPECT_EQ(rebuilt->size(), raw.size());
      }
    }
  }
}

TEST(BlobKeyHex, IsLowercaseHex) {
  EXPECT_EQ(blob_key_hex(std::string("\x00\xab\xff", 3)), "00abff");
  EXPECT_EQ(blob_key_hex(sha256("abc")).size(), 64u);
}

}  // namespace
}  // namespace eider::mime
