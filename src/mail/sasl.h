// SASL responses (RFC 4422) as IMAP AUTHENTICATE and POP3 AUTH carry them:
// base64 text in, the credentials out. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace eider::mail {

struct SaslPlain {
  std::string authzid;
  std::string authcid;
  std::string password;
};

// RFC 4616: authzid NUL authcid NUL password, after base64. Empty when the
// text is not valid base64 or not three NUL-separated fields.
std::optional<SaslPlain> decode_sasl_plain(std::string_view base64);

// Strict enough for SASL: only the base64 alphabet and padding. Empty on
// any other character.
std::optional<std::string> decode_sasl_base64(std::string_view text);

// AUTH LOGIN's prompts, "Username:" and "Password:" in base64, as clients expect.
inline constexpr std::string_view kSaslUsernamePrompt = "VXNlcm5hbWU6";
inline constexpr std::string_view kSaslPasswordPrompt = "UGFzc3dvcmQ6";

}  // namespace eider::mail
