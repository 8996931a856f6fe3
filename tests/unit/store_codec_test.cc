// Stored bytes (store/codec.h): raw or zstd by a marker byte, and
// unpack_into's views and reused buffer.
#include <gtest/gtest.h>

#include <string>

#include "store/codec.h"

namespace eider::store {
namespace {

std::string compressible(std::size_t size) {
  std::string text;
  while (text.size() < size) text += "Subject: a line that repeats\r\n";
  text.resize(size);
  return text;
}

TEST(StoredBytes, SmallValuesStayRawAndLargeOnesAreCompressedBothComingBack) {
  for (const std::string& value : {std::string(), std::string("short"), compressible(100000)}) {
    const std::string stored = pack(value);
    EXPECT_EQ(stored[0], value.size() < 64 ? '\x00' : '\x01');
    EXPECT_EQ(unpack(stored).value(), value);
  }
  EXPECT_LT(pack(compressible(100000)).size(), 10000u);
}

TEST(StoredBytes, DamagedValuesAreCorrupt) {
  std::string stored = pack(compressible(5000));
  EXPECT_EQ(unpack("").status().code(), Code::corrupt);
  EXPECT_EQ(unpack("\x07xyz").status().code(), Code::corrupt);
  EXPECT_EQ(unpack(stored.substr(0, stored.size() / 2)).status().code(), Code::corrupt);
}

TEST(StoredBytes, UnpackIntoViewsARawValueInPlaceAndReusesItsBufferOtherwise) {
  const std::string raw = pack("tiny");
  std::string buffer;
  std::string_view view = unpack_into(raw, buffer).value();
  EXPECT_EQ(view, "tiny");
  EXPECT_EQ(view.data(), raw.data() + 1);
  EXPECT_TRUE(buffer.empty());

  const std::string big = compressible(50000);
  const std::string small = compressible(20000);
  view = unpack_into(pack(big), buffer).value();
  EXPECT_EQ(view, big);
  const char* storage = buffer.data();
  // A smaller value lands in the same buffer, which does not shrink.
  view = unpack_into(pack(small), buffer).value();
  EXPECT_EQ(view, small);
  EXPECT_EQ(view.data(), storage);
  EXPECT_EQ(buffer.size(), big.size());
}

}  // namespace
}  // namespace eider::store
