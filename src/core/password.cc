#include "core/password.h"

#include <argon2.h>
#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <memory>
#include <optional>

#include "core/argon2_memory.h"

namespace eider::core {
namespace {

constexpr uint32_t kMemoryKiB = 19456;
constexpr uint32_t kIterations = 2;
constexpr uint32_t kParallelism = 1;
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

// The crypt(3) schemes verify_password hands to libxcrypt.
const std::initializer_list<std::string_view> kCryptSchemes = {"$2a$", "$2b$", "$2y$", "$6$",
                                                               "$5$",  "$1$",  "$y$"};

bool has_prefix(std::string_view text, std::initializer_list<std::string_view> prefixes) {
  for (std::string_view prefix : prefixes) {
    if (text.starts_with(prefix)) return true;
  }
  return false;
}

// A PHC-format argon2 hash: "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>",
// base64 without padding; hashes older than argon2 1.3 have no "v=".
struct Argon2Hash {
  uint32_t version = ARGON2_VERSION_10;
  uint32_t memory_kib = 0;
  uint32_t iterations = 0;
  uint32_t parallelism = 0;
  std::string salt;
  std::string hash;
};

// Takes "<name>=<decimal>" off the front of `text`.
bool take_number(std::string_view& text, std::string_view name, uint32_t& value) {
  if (!text.starts_with(name) || text.size() <= name.size() || text[name.size()] != '=') {
    return false;
  }
  text.remove_prefix(name.size() + 1);
  const char* end = text.data() + text.size();
  auto [stop, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || stop == text.data()) return false;
  text.remove_prefix(static_cast<std::size_t>(stop - text.data()));
  return true;
}

bool take_char(std::string_view& text, char c) {
  if (text.empty() || text.front() != c) return false;
  text.remove_prefix(1);
  return true;
}

// Standard base64 without padding, as the PHC format writes it.
std::optional<std::string> decode_unpadded_base64(std::string_view text) {
  if (text.empty() || text.size() % 4 == 1) return std::nullopt;
  std::string padded(text);
  const std::size_t padding = (4 - text.size() % 4) % 4;
  padded.append(padding, '=');
  std::string out(padded.size() / 4 * 3, '\0');
  const int decoded = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(padded.data()),
                                      static_cast<int>(padded.size()));
  if (decoded < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(decoded) - padding);
  return out;
}

std::optional<Argon2Hash> parse_argon2(std::string_view text) {
  Argon2Hash parsed;
  if (text.starts_with("v=")) {
    if (!take_number(text, "v", parsed.version) || !take_char(text, '$')) return std::nullopt;
  }
  if (!take_number(text, "m", parsed.memory_kib) || !take_char(text, ',') ||
      !take_number(text, "t", parsed.iterations) || !take_char(text, ',') ||
      !take_number(text, "p", parsed.parallelism) || !take_char(text, '$')) {
    return std::nullopt;
  }
  const std::size_t dollar = text.find('$');
  if (dollar == std::string_view::npos) return std::nullopt;
  std::optional<std::string> salt = decode_unpadded_base64(text.substr(0, dollar));
  std::optional<std::string> hash = decode_unpadded_base64(text.substr(dollar + 1));
  if (!salt || !hash) return std::nullopt;
  parsed.salt = std::move(*salt);
  parsed.hash = std::move(*hash);
  return parsed;
}

// argon2_verify() would allocate the work memory afresh; a context lets it
// come from argon2_memory, which reuses it between logins.
bool verify_argon2(std::string_view password, std::string_view encoded, argon2_type type) {
  std::optional<Argon2Hash> parsed = parse_argon2(encoded);
  if (!parsed) return false;
  std::string secret(password);  // argon2 takes non-const pointers
  std::string computed(parsed->hash.size(), '\0');
  argon2_context context{};
  context.out = reinterpret_cast<uint8_t*>(computed.data());
  context.outlen = static_cast<uint32_t>(computed.size());
  context.pwd = reinterpret_cast<uint8_t*>(secret.data());
  context.pwdlen = static_cast<uint32_t>(secret.size());
  context.salt = reinterpret_cast<uint8_t*>(parsed->salt.data());
  context.saltlen = static_cast<uint32_t>(parsed->salt.size());
  context.t_cost = parsed->iterations;
  context.m_cost = parsed->memory_kib;
  context.lanes = parsed->parallelism;
  context.threads = parsed->parallelism;
  context.version = parsed->version;
  context.allocate_cbk = argon2_memory::allocate;
  context.free_cbk = argon2_memory::release;
  context.flags = ARGON2_DEFAULT_FLAGS;
  const bool ok = argon2_verify_ctx(&context, parsed->hash.data(), type) == ARGON2_OK;
  OPENSSL_cleanse(secret.data(), secret.size());
  return ok;
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
  if (hash.starts_with("$argon2id$")) {
    return verify_argon2(password, std::string_view(hash).substr(10), Argon2_id);
  }
  if (hash.starts_with("$argon2i$")) {
    return verify_argon2(password, std::string_view(hash).substr(9), Argon2_i);
  }
  if (hash.starts_with("$argon2d$")) {
    return verify_argon2(password, std::string_view(hash).substr(9), Argon2_d);
  }
  if (has_prefix(hash, kCryptSchemes)) {
    // crypt(3) takes C strings: a password with NUL cannot match what was hashed.
    if (password.find('\0') != std::string_view::npos) return false;
    return verify_crypt(std::string(password), hash);
  }
  return false;
}

bool is_importable_hash(std::string_view encoded) {
  std::string hash(encoded);
  if (hash.empty() || hash.size() > 1024) return false;
  if (std::any_of(hash.begin(), hash.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; })) {
    return false;
  }
  for (auto [prefix, skip] : {std::pair{"$argon2id$", 10}, {"$argon2i$", 9}, {"$argon2d$", 9}}) {
    if (hash.starts_with(prefix))
      return parse_argon2(std::string_view(hash).substr(skip)).has_value();
  }
  if (!has_prefix(hash, kCryptSchemes)) return false;
  // A setting with nothing after it ("$6$") is no hash.
  if (hash.size() < 13 || hash.back() == '$') return false;
  // Costs an attacker could make every login pay are refused: bcrypt above
  // 2^16 rounds, sha-crypt above a million.
  if (hash[1] == '2') {
    unsigned cost = 0;
    auto [end, ec] = std::from_chars(hash.data() + 4, hash.data() + hash.size(), cost);
    if (ec != std::errc() || *end != '$' || cost > 16) return false;
  }
  if (hash.starts_with("$5$rounds=") || hash.starts_with("$6$rounds=")) {
    uint64_t rounds = 0;
    auto [end, ec] = std::from_chars(hash.data() + 10, hash.data() + hash.size(), rounds);
    if (ec != std::errc() || *end != '$' || rounds > 1000000) return false;
  }
  // The setting part is what crypt(3) reads; the hash after it is base64.
  const int verdict = crypt_checksalt(hash.c_str());
  return verdict == CRYPT_SALT_OK || verdict == CRYPT_SALT_METHOD_LEGACY ||
         verdict == CRYPT_SALT_TOO_CHEAP;
}

Result<std::string> generate_password(size_t length) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  std::string out;
  while (out.size() < length) {
    unsigned char byte = 0;
    if (RAND_bytes(&byte, 1) != 1) return error(Code::internal, "no random bytes");
    // Rejection sampling keeps every character equally likely.
    if (byte >= 256 - 256 % kAlphabet.size()) continue;
    out += kAlphabet[byte % kAlphabet.size()];
  }
  return out;
}

}  // namespace eider::core
