#include <algorithm>
#include <chrono>
#include <limits>

#include "core/ascii.h"
#include "mail/mail.h"
#include "mime/message.h"
#include "mime/search_summary.h"
#include "mime/tree.h"
#include "mime/wire.h"

namespace eider::mail {
namespace {

// A header value as one line: folding removed, outer whitespace trimmed.
std::string unfold(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c != '\r' && c != '\n') out += c;
  }
  return std::string(core::trim_wsp(out));
}

uint32_t clamp32(uint64_t value) {
  return static_cast<uint32_t>(std::min<uint64_t>(value, std::numeric_limits<uint32_t>::max()));
}

}  // namespace

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint64_t ingest_memory(uint64_t size) {
  return 3 * size;
}

Result<store::NewMessage> ingest(std::string_view raw, const core::Limits& limits,
                                 int64_t internal_date) {
  if (raw.empty()) return error(Code::invalid_argument, "empty message");
  if (raw.size() > limits.max_message_size) {
    return error(Code::too_large, "message of " + std::to_string(raw.size()) +
                                      " bytes exceeds max-message-size (" +
                                      std::to_string(limits.max_message_size) + " bytes)");
  }
  mime::Limits parse_limits;
  parse_limits.max_depth = clamp32(limits.max_mime_depth);
  parse_limits.max_parts = clamp32(limits.max_mime_parts);
  mime::Message parsed = mime::parse(raw, parse_limits);

  store::NewMessage message;
  message.split = mime::split(raw, parsed, {.blob_threshold = limits.blob_threshold});
  message.internal_date = internal_date;
  message.wire_size = mime::wire_size(raw);
  message.envelope = mime::envelope(raw, parsed.root);
  message.bodystructure = mime::bodystructure(raw, parsed.root, true);
  message.body = mime::bodystructure(raw, parsed.root, false);
  std::string_view header = parsed.root.header.in(raw);
  message.message_id = unfold(mime::header_value(header, "Message-ID"));
  message.subject = unfold(mime::header_value(header, "Subject"));
  // From the raw bytes, as SEARCH reads them (header_fields stops at the
  // first empty line), so the summary answers exactly as the message would.
  message.search_summary = mime::search_summary(raw);
  return message;
}

}  // namespace eider::mail
