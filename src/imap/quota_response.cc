#include "imap/quota_response.h"

#include "mime/imap_string.h"

namespace eider::imap {
namespace {

void append_resource(std::string& out, std::string_view name, uint64_t used, uint64_t limit) {
  if (out.back() != '(') out += ' ';
  out += name;
  out += ' ';
  out += std::to_string(used);
  out += ' ';
  out += std::to_string(limit);
}

}  // namespace

uint64_t kibibytes_rounded_up(uint64_t bytes) {
  return bytes / 1024 + (bytes % 1024 != 0 ? 1 : 0);
}

bool has_quota_root(const store::User& user) {
  return user.quota_bytes != 0 || user.quota_messages != 0;
}

std::string quota_response(const store::User& user) {
  if (!has_quota_root(user)) return "";
  std::string out = "* QUOTA ";
  mime::imap::append_string(out, kQuotaRoot);
  out += " (";
  if (user.quota_bytes != 0) {
    append_resource(out, "STORAGE", kibibytes_rounded_up(user.storage_used),
                    kibibytes_rounded_up(user.quota_bytes));
  }
  if (user.quota_messages != 0) {
    append_resource(out, "MESSAGE", user.message_count, user.quota_messages);
  }
  out += ")\r\n";
  return out;
}

std::string quota_root_response(std::string_view wire_mailbox, const store::User& user) {
  std::string out = "* QUOTAROOT ";
  mime::imap::append_string(out, wire_mailbox);
  if (has_quota_root(user)) {
    out += ' ';
    mime::imap::append_string(out, kQuotaRoot);
  }
  out += "\r\n";
  return out;
}

}  // namespace eider::imap
