#include "mime/search_summary.h"

#include <array>

#include "core/ascii.h"
#include "mime/header_syntax.h"
#include "mime/message.h"

namespace eider::mime {

namespace {

constexpr std::array<std::string_view, 11> kFields = {
    "subject", "from",     "to",         "cc",          "bcc",       "date",
    "sender",  "reply-to", "message-id", "in-reply-to", "references"};

}  // namespace

bool in_search_summary(std::string_view field_name) {
  for (std::string_view known : kFields) {
    if (core::iequals(field_name, known)) return true;
  }
  return false;
}

std::string search_summary(std::string_view header_block, std::size_t max_bytes) {
  std::string summary;
  for (const HeaderField& field : header_fields(header_block)) {
    if (!in_search_summary(field.name)) continue;
    summary.append(field.name).append(":").append(field.value).append("\r\n");
    if (summary.size() + 2 > max_bytes) return "";
  }
  summary += "\r\n";
  return summary;
}

}  // namespace eider::mime
