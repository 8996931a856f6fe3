#include "core/password.h"

#include <argon2.h>
#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <memory>

namespace eider::core {
namespace {

constexpr uint32_t kMemoryKiB = 19456;
constexpr uint32_t kIterations = 2;
constexpr uint32_t kParallelism = 1;
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

bool has_prefix(std::string_view text, std::initializer_list<std::string_view> prefixes) {
  for (std::string_view prefix : prefixes) {
    if (text.starts_with(prefix)) return true;
  }
  return false;
}

bool verify_argon2(std::string_view password, const std::string& encoded, argon2_type type) {
  return argon2_verify(encoded.c_str(), password.data(), password.size(), type) == ARGON2_OK;
}

bool verify_crypt(const std::string& password, const std::string& encoded) {
  // crypt_data is ~32 KiB: keep it off the stack of small coroutine threads.
  auto data = std::make_unique<crypt_data>();
  const char* computed = crypt_rn(password.c_str(), encoded.c_str(), data.get(), sizeof *data);
  // libxcrypt signals failure with a string starting with '*'.
  if (computed == nullptr || computed[0] == '*') return false;
  std::string_view result(computed);
  return result.size() == encoded.size() &&
         CRYPTO_memcmp(result.data(), encoded.data(), encoded.size()) == 0;
}

}  // namespace

Result<std::string> hash_password(std::string_view password) {
  std::array<unsigned char, kSaltBytes> salt{};
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
    return error(Code::internal, "no random bytes for a password salt");
  }
  size_t length =
      argon2_encodedlen(kIterations, kMemoryKiB, kParallelism, kSaltBytes, kHashBytes, Argon2_id);
  std::string encoded(length, '\0');
  int rc =
      argon2id_hash_encoded(kIterations, kMemoryKiB, kParallelism, password.data(), password.size(),
                            salt.data(), salt.size(), kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return error(Code::internal, std::string("argon2id failed: ") + argon2_error_message(rc));
  }
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool verify_password(std::string_view password, std::string_view encoded) {
  std::string hash(encoded);
  if (hash.find('\0') != std::string::npos) return false;
  if (hash.starts_with("$argon2id$")) return verify_argon2(password, hash, Argon2_id);
  if (hash.starts_with("$argon2i$")) return verify_argon2(password, hash, Argon2_i);
  if (has_prefix(hash, {"$2a$", "$2b$", "$2y$", "$6$", "$y$"})) {
    // crypt(3) takes C strings: a password with NUL cannot match what was hashed.
    if (password.find('\0') != std::string_view::npos) return false;
    return verify_crypt(std::string(password), hash);
  }
  return false;
}

}  // namespace eider::core
