#include "mime/message_view.h"

#include <algorithm>
#include <cstdio>
#include <functional>

#include "core/ascii.h"
#include "core/dates.h"
#include "core/utf8.h"
#include "mime/charset.h"
#include "mime/codec_base64.h"
#include "mime/codec_qp.h"
#include "mime/codec_rfc2047.h"
#include "mime/codec_rfc2231.h"
#include "mime/header_syntax.h"

namespace eider::mime {
namespace {

bool is_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int to_int(std::string_view s) {
  int n = 0;
  for (char c : s) n = n * 10 + (c - '0');
  return n;
}

// The value of the named parameter with RFC 2231 sections joined and
// decoded, or "".
std::string decoded_param(const std::vector<Param>& raw, std::string_view name) {
  bool present = false;
  for (const Param& p : raw) {
    if (p.name == name || core::istarts_with(p.name, std::string(name) + "*")) present = true;
  }
  if (!present) return {};
  for (const Param& p : decode_params(raw)) {
    if (p.name == name) return p.value;
  }
  return {};
}

std::string filename_of(const Part& part) {
  std::string name = decoded_param(part.disposition_params, "filename");
  if (name.empty()) name = decoded_param(part.params, "name");
  return name;
}

bool is_body(const Part& part) {
  if (part.type != "text" || (part.subtype != "plain" && part.subtype != "html")) return false;
  if (part.disposition == "attachment") return false;
  return filename_of(part).empty();
}

// Calls visit(part, related) for each leaf and embedded message, in
// document order: the walk make_view and find_attachment share, so that
// ids agree.
void for_each_leaf(const Part& part, bool related,
                   const std::function<void(const Part&, bool)>& visit) {
  if (part.is_multipart() && !part.children.empty()) {
    const bool inner_related = related || part.subtype == "related";
    for (const Part& child : part.children) for_each_leaf(child, inner_related, visit);
    return;
  }
  visit(part, related);
}

// Cuts UTF-8 text to at most `limit` bytes, at a character boundary.
bool truncate_utf8(std::string& text, size_t limit) {
  if (text.size() <= limit) return false;
  size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return true;
}

std::string attachment_id(size_t index) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "ATT%05zu", index);
  return buffer;
}

std::string without_angles(std::string_view id) {
  id = core::trim_wsp(id);
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
  return std::string(id);
}

// Seconds east of UTC of an RFC 5322 zone ("+0200", "EST", "GMT").
std::optional<int> zone_offset(std::string_view zone) {
  if (zone.size() == 5 && (zone[0] == '+' || zone[0] == '-') && is_digits(zone.substr(1))) {
    int minutes = to_int(zone.substr(1, 2)) * 60 + to_int(zone.substr(3, 2));
    return (zone[0] == '-' ? -minutes : minutes) * 60;
  }
  struct Named {
    const char* name;
    int hours;
  };
  static constexpr Named kNamed[] = {{"UT", 0},   {"UTC", 0},  {"GMT", 0},  {"Z", 0},
                                     {"EST", -5}, {"EDT", -4}, {"CST", -6}, {"CDT", -5},
                                     {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
  for (const Named& n : kNamed) {
    if (core::iequals(zone, n.name)) return n.hours * 3600;
  }
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> parse_date_time(std::string_view value) {
  // Tokens between white space and commas, comments dropped.
  std::vector<std::string> tokens;
  std::string current;
  int depth = 0;
  for (char c : value) {
    if (c == '(') {
      ++depth;
    } else if (c == ')' && depth > 0) {
      --depth;
    } else if (depth > 0) {
      continue;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',') {
      if (!current.empty()) tokens.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) tokens.push_back(std::move(current));
  size_t i = 0;
  if (i < tokens.size() && !is_digits(tokens[i])) ++i;  // the weekday
  if (tokens.size() < i + 4) return std::nullopt;
  const std::string& day_text = tokens[i];
  const int month = core::month_from_abbreviation(std::string_view(tokens[i + 1]).substr(0, 3));
  const std::string& year_text = tokens[i + 2];
  const std::string& time_text = tokens[i + 3];
  if (!is_digits(day_text) || day_text.size() > 2 || month == 0 || !is_digits(year_text) ||
      year_text.size() > 4) {
    return std::nullopt;
  }
  int year = to_int(year_text);
  if (year_text.size() == 2) year += year < 50 ? 2000 : 1900;
  if (year_text.size() == 3) year += 1900;
  const int day = to_int(day_text);
  if (day < 1 || day > core::days_in_month(year, month)) return std::nullopt;
  int hms[3] = {0, 0, 0};
  size_t field = 0;
  size_t start = 0;
  while (field < 3) {
    size_t colon = time_text.find(':', start);
    std::string_view piece = std::string_view(time_text).substr(
        start, colon == std::string::npos ? colon : colon - start);
    if (!is_digits(piece) || piece.size() > 2) return std::nullopt;
    hms[field++] = to_int(piece);
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (field < 2 || hms[0] > 23 || hms[1] > 59 || hms[2] > 60) return std::nullopt;
  int offset = 0;
  if (tokens.size() > i + 4) offset = zone_offset(tokens[i + 4]).value_or(0);
  return core::days_from_civil(year, month, day) * 86400 + hms[0] * 3600 + hms[1] * 60 + hms[2] -
         offset;
}

std::string decode_body(std::string_view bytes, const Part& part) {
  std::string_view body = part.body.in(bytes);
  if (part.children.empty() && !part.encoding_unreadable) {
    if (part.encoding == "base64") return base64_decode(body).bytes;
    if (part.encoding == "quoted-printable") return qp_decode(body);
  }
  return std::string(body);
}

MessageView view_of_header(std::string_view header) {
  MessageView view;
  syntax::for_each_field(header, [&](std::string_view name, std::string_view value) {
    const std::string key = core::ascii_lowercase(name);
    std::vector<DisplayAddress>* list = nullptr;
    if (key == "from") list = &view.from;
    if (key == "sender") list = &view.sender;
    if (key == "reply-to") list = &view.reply_to;
    if (key == "to") list = &view.to;
    if (key == "cc") list = &view.cc;
    if (key == "bcc") list = &view.bcc;
    // The first of each field counts, as for ENVELOPE.
    if (list != nullptr && list->empty()) *list = display_addresses(value);
    const bool first = std::none_of(view.headers.begin(), view.headers.end(),
                                    [&](const ViewHeader& h) { return h.key == key; });
    if (first && key == "subject")
      view.subject = std::string(core::trim_wsp(decode_header_text(value)));
    if (first && key == "message-id") view.message_id = sanitize_utf8(syntax::unfold(value));
    if (first && key == "in-reply-to") view.in_reply_to = sanitize_utf8(syntax::unfold(value));
    if (first && key == "date") view.date = parse_date_time(syntax::unfold(value));
    view.headers.push_back(
        {sanitize_utf8(key), std::string(core::trim_wsp(decode_header_text(value)))});
    return true;
  });
  return view;
}

MessageView make_view(std::string_view bytes, const Message& message, const ViewOptions& options) {
  const Part& root = message.root;
  MessageView view = view_of_header(root.header.in(bytes));
  view.content_type = sanitize_utf8(root.type + "/" + root.subtype);

  size_t text_bytes = 0;
  for_each_leaf(root, false, [&](const Part& part, bool related) {
    if (is_body(part)) {
      // An unknown charset is taken as UTF-8 as it is: made valid here.
      std::string text = sanitize_utf8(to_utf8(decode_body(bytes, part), part.param("charset")));
      if (part.subtype == "plain") {
        if (!view.text.empty()) view.text.push_back('\n');
        view.text += text;
        view.text_truncated |= truncate_utf8(view.text, options.max_text_bytes);
      } else {
        const size_t room =
            options.max_html_bytes > text_bytes ? options.max_html_bytes - text_bytes : 0;
        view.html_truncated |= truncate_utf8(text, room);
        text_bytes += text.size();
        if (!text.empty() || room > 0) view.html.push_back(std::move(text));
      }
      return;
    }
    ViewAttachment attachment;
    attachment.id = attachment_id(view.attachments.size() + 1);
    attachment.filename = sanitize_utf8(filename_of(part));
    attachment.content_type = sanitize_utf8(part.type + "/" + part.subtype);
    attachment.disposition = sanitize_utf8(part.disposition);
    attachment.transfer_encoding = sanitize_utf8(part.encoding.empty() ? "7bit" : part.encoding);
    attachment.content_id = sanitize_utf8(without_angles(part.id));
    attachment.related = related && !attachment.content_id.empty();
    attachment.size = decode_body(bytes, part).size();
    view.attachments.push_back(std::move(attachment));
  });
  return view;
}

const Part* find_attachment(const Message& message, std::string_view id) {
  const Part* found = nullptr;
  size_t index = 0;
  for_each_leaf(message.root, false, [&](const Part& part, bool) {
    if (is_body(part)) return;
    ++index;
    if (found == nullptr && attachment_id(index) == id) found = &part;
  });
  return found;
}

}  // namespace eider::mime
