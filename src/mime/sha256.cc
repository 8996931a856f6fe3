#include "mime/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace eider::mime {

std::string sha256(std::string_view bytes) {
  std::string digest(kSha256Size, '\0');
  unsigned int length = 0;
  // EVP_Digest fails only on allocation failure inside OpenSSL; there is no
  // sensible way to continue without a key, so treat it like std::bad_alloc.
  if (EVP_Digest(bytes.data(), bytes.size(), reinterpret_cast<unsigned char*>(digest.data()),
                 &length, EVP_sha256(), nullptr) != 1 ||
      length != kSha256Size) {
    std::abort();
  }
  return digest;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    hex[2 * i] = kDigits[byte >> 4];
    hex[2 * i + 1] = kDigits[byte & 0x0f];
  }
  return hex;
}

}  // namespace eider::mime
