#include "mail/address.h"

#include <vector>

#include "mime/address.h"

namespace eider::mail {

namespace {

// The exact address, its plus-less form, then the domain's catch-all.
Result<int64_t> resolve_in_domain(store::Store& store, const std::string& address) {
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

}  // namespace

Result<int64_t> resolve_address(store::Store& store, std::string_view recipient) {
  Result<std::string> normalized = mime::normalize_address(recipient);
  if (!normalized) return normalized.status();
  Result<int64_t> found = resolve_in_domain(store, *normalized);
  if (found.is_ok() || found.status().code() != Code::not_found) return found;
  // x@alias is x@domain when the domain has that alias.
  const size_t at = normalized->rfind('@');
  Result<store::DomainAlias> alias = store.find_domain_alias(normalized->substr(at + 1));
  if (!alias) return alias.status().code() == Code::not_found ? found : alias.status();
  return resolve_in_domain(store, normalized->substr(0, at + 1) + alias->domain);
}

}  // namespace eider::mail
