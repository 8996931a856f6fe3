#include "mail/sasl.h"

#include "mime/codec_base64.h"

namespace eider::mail {

std::optional<std::string> decode_sasl_base64(std::string_view text) {
  for (char c : text) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/' || c == '=';
    if (!ok) return std::nullopt;
  }
  return mime::base64_decode(text).bytes;
}

std::optional<SaslPlain> decode_sasl_plain(std::string_view base64) {
  std::optional<std::string> bytes = decode_sasl_base64(base64);
  if (!bytes) return std::nullopt;
  std::size_t first = bytes->find('\0');
  if (first == std::string::npos) return std::nullopt;
  std::size_t second = bytes->find('\0', first + 1);
  if (second == std::string::npos || bytes->find('\0', second + 1) != std::string::npos) {
    return std::nullopt;
  }
  SaslPlain plain{bytes->substr(0, first), bytes->substr(first + 1, second - first - 1),
                  bytes->substr(second + 1)};
  if (plain.authcid.empty()) return std::nullopt;
  return plain;
}

}  // namespace eider::mail
