// Hex digits as the MIME encodings write them ("=3D", "=3d", "%3D").
#pragma once

namespace eider::mime {

// 0-15 for a hex digit of either case, -1 for anything else.
inline int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace eider::mime
