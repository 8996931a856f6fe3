#include "mime/address.h"

#include <unicode/ucasemap.h>
#include <unicode/uidna.h>

#include <memory>

#include "core/ascii.h"
#include "mime/charset.h"

namespace eider::mime {
namespace {

constexpr size_t kMaxAddressBytes = 512;

Status invalid(std::string_view address, std::string_view why) {
  return error(Code::invalid_argument,
               "invalid address \"" + std::string(address) + "\": " + std::string(why));
}

bool has_space_or_control(std::string_view text) {
  for (unsigned char c : text) {
    if (c <= ' ' || c == 0x7f) return true;
  }
  return false;
}

Result<std::string> lower_local_part(std::string_view local) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<UCaseMap, decltype(&ucasemap_close)> map(ucasemap_open("", 0, &status),
                                                           &ucasemap_close);
  if (U_FAILURE(status)) return error(Code::internal, "ICU case map unavailable");
  // Lowercasing grows UTF-8 by at most a factor of 3 (e.g. U+0130).
  std::string out(local.size() * 3 + 1, '\0');
  int32_t length = ucasemap_utf8ToLower(map.get(), out.data(), static_cast<int32_t>(out.size()),
                                        local.data(), static_cast<int32_t>(local.size()), &status);
  if (U_FAILURE(status)) return error(Code::invalid_argument, "local part cannot be lowercased");
  out.resize(static_cast<size_t>(length));
  return out;
}

Result<std::string> domain_to_unicode(std::string_view domain) {
  // An address literal ([192.0.2.1], [IPv6:...]) has no IDN form.
  if (domain.starts_with("[")) return core::ascii_lowercase(domain);
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<UIDNA, decltype(&uidna_close)> idna(
      uidna_openUTS46(UIDNA_NONTRANSITIONAL_TO_UNICODE | UIDNA_CHECK_BIDI, &status), &uidna_close);
  if (U_FAILURE(status)) return error(Code::internal, "ICU IDNA unavailable");
  std::string out(domain.size() * 4 + 16, '\0');
  UIDNAInfo info = UIDNA_INFO_INITIALIZER;
  int32_t length =
      uidna_nameToUnicodeUTF8(idna.get(), domain.data(), static_cast<int32_t>(domain.size()),
                              out.data(), static_cast<int32_t>(out.size()), &info, &status);
  if (U_FAILURE(status) || info.errors != 0) {
    return error(Code::invalid_argument, "not a valid domain name");
  }
  out.resize(static_cast<size_t>(length));
  return out;
}

}  // namespace

Result<std::string> normalize_address(std::string_view address) {
  if (address.size() > kMaxAddressBytes) return invalid(address.substr(0, 64), "too long");
  if (!is_valid_utf8(address)) return invalid(sanitize_utf8(address), "not UTF-8");
  if (has_space_or_control(address)) return invalid(address, "spaces or control characters");
  size_t at = address.rfind('@');
  if (at == std::string_view::npos) return invalid(address, "no @");
  std::string_view local = address.substr(0, at);
  std::string_view domain = address.substr(at + 1);
  if (domain.ends_with(".")) domain.remove_suffix(1);
  if (local.empty()) return invalid(address, "empty local part");
  if (domain.empty()) return invalid(address, "empty domain");

  Result<std::string> lowered = lower_local_part(local);
  if (!lowered) return invalid(address, lowered.status().message());
  Result<std::string> unicode_domain = domain_to_unicode(domain);
  if (!unicode_domain) return invalid(address, unicode_domain.status().message());
  return *lowered + "@" + *unicode_domain;
}

}  // namespace eider::mime
