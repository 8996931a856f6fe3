#include "mail/address.h"

#include <vector>

#include "mime/address.h"

namespace eider::mail {

Result<int64_t> resolve_address(store::Store& store, std::string_view recipient) {
  Result<std::string> normalized = mime::normalize_address(recipient);
  if (!normalized) return normalized.status();
  const std::string& address = *normalized;
  size_t at = address.rfind('@');
  std::string local = address.substr(0, at);
  std::string domain = address.substr(at);  // with the '@'

  std::vector<std::string> candidates = {address};
  size_t plus = local.find('+');
  if (plus != std::string::npos && plus > 0) candidates.push_back(local.substr(0, plus) + domain);
  candidates.push_back("*" + domain);

  for (const std::string& candidate : candidates) {
    Result<int64_t> user = store.find_address(candidate);
    if (user.is_ok() || user.status().code() != Code::not_found) return user;
  }
  return error(Code::not_found, "no such address: " + address);
}

}  // namespace eider::mail
