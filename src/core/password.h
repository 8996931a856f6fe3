// Password hashing for user accounts.
//
// New hashes are argon2id (OWASP's m=19 MiB, t=2, p=1), encoded as
// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>" with a 16-byte random salt.
// Verification also accepts hashes imported from other servers: $argon2i$,
// $argon2d$, bcrypt ($2a$, $2b$, $2y$), sha512-crypt ($6$), sha256-crypt
// ($5$), md5-crypt ($1$) and yescrypt ($y$). Hashing
// costs about 19 MiB of memory and tens of milliseconds: call it from a
// store or worker thread, never an I/O thread.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace eider::core {

// Fails only when the random source or the hash function fails (Code::internal).
Result<std::string> hash_password(std::string_view password);

// True when `password` matches `encoded`. False for a wrong password, an
// unsupported scheme or a malformed hash. The final comparison takes time
// independent of where the hashes differ.
bool verify_password(std::string_view password, std::string_view encoded);

// True when `encoded` is a hash verify_password can check, of a scheme
// accounts may be imported with: argon2 ($argon2id$, $argon2i$, $argon2d$),
// bcrypt ($2a$, $2b$, $2y$), sha512-crypt ($6$), sha256-crypt ($5$),
// md5-crypt ($1$) and yescrypt ($y$). Checks the form only (no hashing).
bool is_importable_hash(std::string_view encoded);

// `length` random letters and digits (Code::internal when the random
// source fails).
Result<std::string> generate_password(size_t length);

}  // namespace eider::core
