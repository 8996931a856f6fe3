#include "api/ids.h"

namespace eider::api {
namespace {

constexpr char kHex[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

uint32_t clamp_created(int64_t created) {
  if (created < 0) return 0;
  if (created > int64_t{UINT32_MAX}) return UINT32_MAX;
  return static_cast<uint32_t>(created);
}

}  // namespace

std::string encode_id(int64_t created, int64_t key) {
  std::string out(24, '0');
  uint64_t time = clamp_created(created);
  for (int i = 7; i >= 0; --i, time >>= 4) out[i] = kHex[time & 0xf];
  uint64_t bits = static_cast<uint64_t>(key);
  for (int i = 23; i >= 8; --i, bits >>= 4) out[i] = kHex[bits & 0xf];
  return out;
}

std::optional<DecodedId> decode_id(std::string_view text) {
  if (text.size() != 24) return std::nullopt;
  uint64_t time = 0;
  uint64_t bits = 0;
  for (std::size_t i = 0; i < 24; ++i) {
    int v = hex_value(text[i]);
    if (v < 0) return std::nullopt;
    if (i < 8) {
      time = time << 4 | static_cast<uint64_t>(v);
    } else {
      bits = bits << 4 | static_cast<uint64_t>(v);
    }
  }
  const auto key = static_cast<int64_t>(bits);
  if (key <= 0) return std::nullopt;
  return DecodedId{static_cast<uint32_t>(time), key};
}

bool id_matches(const DecodedId& id, int64_t created, int64_t key) {
  return id.key == key && id.created == clamp_created(created);
}

}  // namespace eider::api
