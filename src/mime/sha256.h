// SHA-256 through OpenSSL's EVP interface (hardware-accelerated where the CPU
// has SHA extensions).
#pragma once

#include <string>
#include <string_view>

namespace eider::mime {

inline constexpr size_t kSha256Size = 32;

// The 32 raw digest bytes of `bytes`. Time linear in the input, O(1) memory.
std::string sha256(std::string_view bytes);

// Lowercase hex of any byte string (2 characters per byte).
std::string to_hex(std::string_view bytes);

}  // namespace eider::mime
