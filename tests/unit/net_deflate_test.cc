// The raw deflate streams of COMPRESS=DEFLATE (net/deflate.h): round trips
// in any split, the memory they hold and free, and bad input refused.
#include <gtest/gtest.h>
#include <zlib.h>

#include <random>

#include "net/deflate.h"

namespace eider::net {
namespace {

// Mail-like text: repetitive enough to compress, varied enough to need
// several blocks.
std::string text(std::size_t size, uint32_t seed) {
  std::mt19937 rng(seed);
  static const char* kWords[] = {
      "From: ", "alice",  "bob@example.org", "Subject: ", "re: ", "* 12 FETCH (FLAGS (\\Seen))",
      "\r\n",   "lorem ", "ipsum ",          "42 "};
  std::string out;
  while (out.size() < size) out += kWords[rng() % 10];
  out.resize(size);
  return out;
}

std::string deflate_all(Deflater& deflater, std::string_view plain) {
  std::string out;
  deflater.start(plain);
  while (true) {
    Result<std::string_view> piece = deflater.next();
    EXPECT_TRUE(piece.is_ok());
    if (!piece || piece->empty()) return out;
    EXPECT_LE(piece->size(), Deflater::kPieceSize);
    out += *piece;
  }
}

// Inflates `compressed`, fed `in_step` bytes at a time into an output
// buffer of `out_size`, until every byte is in and no more comes out.
Result<std::string> inflate_all(Inflater& inflater, std::string_view compressed,
                                std::size_t in_step, std::size_t out_size) {
  std::string plain;
  std::string buffer(out_size, '\0');
  std::size_t fed = 0;
  std::string pending;
  while (true) {
    if (pending.empty() && fed < compressed.size()) {
      std::size_t n = std::min(in_step, compressed.size() - fed);
      pending.assign(compressed.substr(fed, n));
      fed += n;
    }
    Result<Inflater::Step> step = inflater.inflate(pending, buffer.data(), buffer.size());
    if (!step) return step.status();
    pending.erase(0, step->consumed);
    plain.append(buffer.data(), step->produced);
    if (step->produced == 0 && pending.empty() && fed == compressed.size()) return plain;
  }
}

// A peer's stream as Python's zlib.compressobj(wbits=-15) makes it, the
// window the inflater must accept: each message with a sync flush.
std::string peer_deflate(const std::vector<std::string>& messages, bool finish = false) {
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    std::string buffer(deflateBound(&stream, messages[i].size()) + 64, '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(messages[i].data()));
    stream.avail_in = static_cast<uInt>(messages[i].size());
    stream.next_out = reinterpret_cast<Bytef*>(buffer.data());
    stream.avail_out = static_cast<uInt>(buffer.size());
    bool last = finish && i + 1 == messages.size();
    EXPECT_NE(deflate(&stream, last ? Z_FINISH : Z_SYNC_FLUSH), Z_STREAM_ERROR);
    out.append(buffer.data(), buffer.size() - stream.avail_out);
  }
  deflateEnd(&stream);
  return out;
}

TEST(NetDeflate, RoundTripsInAnySplitOfInputAndOutput) {
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{100}, std::size_t{70000},
                           std::size_t{3} << 20}) {
    const std::string plain = text(size, static_cast<uint32_t>(size));
    Deflater deflater;
    const std::string compressed = deflate_all(deflater, plain);
    if (size >= 70000) {
      EXPECT_LT(compressed.size(), plain.size() / 2);
    }
    for (auto [in_step, out_size] : {std::pair<std::size_t, std::size_t>{1, 7},
                                     {13, 1},
                                     {4096, 16384},
                                     {compressed.size() + 1, 1 << 20}}) {
      if (size > 100000 && (in_step < 100 || out_size < 100)) continue;  // too slow, same path
      Inflater inflater;
      Result<std::string> back = inflate_all(inflater, compressed, in_step, out_size);
      ASSERT_TRUE(back.is_ok()) << back.status().to_string();
      EXPECT_EQ(*back, plain) << size << " " << in_step << " " << out_size;
    }
  }
}

TEST(NetDeflate, EveryWriteIsDecodableAtOnceThanksToTheSyncFlush) {
  Deflater deflater;
  Inflater inflater;
  for (int i = 0; i < 20; ++i) {
    const std::string plain = "* " + std::to_string(i) + " EXISTS\r\n";
    Result<std::string> back = inflate_all(inflater, deflate_all(deflater, plain), 1 << 20, 4096);
    ASSERT_TRUE(back.is_ok());
    EXPECT_EQ(*back, plain);
  }
}

TEST(NetDeflate, AReleasedDeflaterContinuesTheSameStream) {
  Deflater deflater;
  const std::string first = text(20000, 1);
  const std::string second = text(20000, 1);  // the same text: would refer back
  std::string stream = deflate_all(deflater, first);
  EXPECT_GT(deflater.held(), 0u);
  EXPECT_LT(deflater.held(), 64u * 1024);
  deflater.release();
  EXPECT_EQ(deflater.held(), 0u);
  stream += deflate_all(deflater, second);
  Inflater inflater;
  Result<std::string> back = inflate_all(inflater, stream, 1000, 5000);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(*back, first + second);
}

TEST(NetDeflate, TheInflaterReleasesBetweenBlocksKeepingOnlyTheHistory) {
  // The second message repeats the first, so the peer's compressor refers
  // back into it: the history kept across release() must be right.
  const std::string login = "a LOGIN alice secret\r\nb SELECT INBOX\r\n";
  const std::string stream = peer_deflate({login, login + "c IDLE\r\n", text(50000, 2)});
  const std::size_t first = peer_deflate({login}).size();
  Inflater inflater;
  Result<std::string> got = inflate_all(inflater, std::string_view(stream).substr(0, first), 1, 64);
  ASSERT_TRUE(got.is_ok());
  EXPECT_GT(inflater.held(), 32u * 1024);  // zlib's window and state
  ASSERT_TRUE(inflater.release());
  EXPECT_LE(inflater.held(), 2 * login.size());
  Result<std::string> rest = inflate_all(inflater, std::string_view(stream).substr(first), 7, 100);
  ASSERT_TRUE(rest.is_ok()) << rest.status().to_string();
  EXPECT_EQ(*got + *rest, login + login + "c IDLE\r\n" + text(50000, 2));
  // A fresh inflater, and one released twice, have nothing to keep.
  Inflater fresh;
  EXPECT_TRUE(fresh.release());
  EXPECT_EQ(fresh.held(), 0u);
}

TEST(NetDeflate, TheInflaterKeepsItsStateInTheMiddleOfABlock) {
  const std::string stream = peer_deflate({text(50000, 3)});
  Inflater inflater;
  std::string out(1 << 20, '\0');
  Result<Inflater::Step> step = inflater.inflate(
      std::string_view(stream).substr(0, stream.size() / 2), out.data(), out.size());
  ASSERT_TRUE(step.is_ok());
  const std::size_t held = inflater.held();
  EXPECT_FALSE(inflater.release());
  EXPECT_EQ(inflater.held(), held);
  step = inflater.inflate(std::string_view(stream).substr(stream.size() / 2),
                          out.data() + step->produced, out.size() - step->produced);
  ASSERT_TRUE(step.is_ok());
}

TEST(NetDeflate, BadDataAndAFinalBlockAreRefused) {
  for (const std::string& bad :
       {std::string("\x00\x05\x00\x00\x00", 5), std::string("\x07\x00\x00\x00", 4),
        peer_deflate({"a NOOP\r\n"}, true)}) {
    Inflater inflater;
    Result<std::string> back = inflate_all(inflater, bad, 1 << 20, 4096);
    ASSERT_FALSE(back.is_ok()) << back.value();
    EXPECT_EQ(back.status().code(), Code::invalid_argument);
  }
}

}  // namespace
}  // namespace eider::net
