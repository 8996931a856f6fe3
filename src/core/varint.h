// LEB128-style unsigned varints: 7 bits a byte, low bits first, the high
// bit set on every byte but the last. The stored formats in
// docs/formats.md that say "varint" mean this.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace eider {

inline void put_varint(std::string& out, uint64_t value) {
  for (; value >= 0x80; value >>= 7) out.push_back(static_cast<char>((value & 0x7f) | 0x80));
  out.push_back(static_cast<char>(value));
}

// Reads what put_varint wrote from the front of `in` and consumes it;
// false on truncated input or more than 64 bits (`in` is then unspecified).
inline bool get_varint(std::string_view& in, uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return false;
    const auto byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    // The tenth byte may hold only the top bit of a 64-bit value.
    if (shift == 63 && byte > 1) return false;
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

}  // namespace eider
