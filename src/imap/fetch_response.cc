#include "imap/fetch_response.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <optional>

#include "core/ascii.h"
#include "core/dates.h"
#include "imap/fetch_binary.h"
#include "imap/syntax.h"
#include "mime/imap_string.h"
#include "mime/wire.h"

namespace eider::imap {
namespace {

// ---- Bytes as IMAP sends them -------------------------------------------

struct WireScan {
  uint64_t size = 0;     // mime::wire_size, so that literals match RFC822.SIZE
  bool verbatim = true;  // no bare LF, bare CR or NUL: the bytes go out as stored
  bool lf_only = false;  // not verbatim only for bare LFs (no CR, no NUL at all)
};

// Every bare LF or bare CR adds one byte, so an unchanged size means CRLF
// throughout: the common case costs memchr passes and one bulk append.
WireScan scan_wire(std::string_view bytes) {
  WireScan scan;
  scan.size = mime::wire_size(bytes);
  bool nul = std::memchr(bytes.data(), '\0', bytes.size()) != nullptr;
  scan.verbatim = scan.size == bytes.size() && !nul;
  scan.lf_only = !scan.verbatim && !nul && std::memchr(bytes.data(), '\r', bytes.size()) == nullptr;
  return scan;
}

// A message stored with LF line ends: one bulk append per line.
void append_lf_as_crlf(std::string& out, std::string_view bytes) {
  const char* p = bytes.data();
  const char* end = p + bytes.size();
  while (p < end) {
    const char* lf = static_cast<const char*>(std::memchr(p, '\n', end - p));
    if (lf == nullptr) break;
    out.append(p, lf);
    out += "\r\n";
    p = lf + 1;
  }
  out.append(p, end);
}

// Bare LF and bare CR become CRLF; NUL becomes 0x80 as in
// mime::imap::append_string, since no IMAP string may carry NUL.
void append_wire(std::string& out, std::string_view bytes, const WireScan& scan) {
  if (scan.verbatim) {
    out += bytes;
    return;
  }
  if (scan.lf_only) {
    append_lf_as_crlf(out, bytes);
    return;
  }
  const char* p = bytes.data();
  const char* end = p + bytes.size();
  const char* run = p;
  for (; p < end; ++p) {
    char c = *p;
    if (c != '\n' && c != '\r' && c != '\0') continue;
    if (c == '\r' && p + 1 < end && p[1] == '\n') {
      ++p;
      continue;
    }
    out.append(run, p);
    if (c == '\0') {
      out.push_back(static_cast<char>(0x80));
    } else {
      out += "\r\n";
    }
    run = p + 1;
  }
  out.append(run, end);
}

std::string to_wire(std::string_view bytes, const WireScan& scan) {
  std::string out;
  out.reserve(scan.size);
  append_wire(out, bytes, scan);
  return out;
}

// ---- Sections -------------------------------------------------------------

// RFC 3501 6.4.5: in a message that is not multipart, part 1 is the message
// itself (its body for BODY[1], its header for BODY[1.MIME], as Dovecot).
const mime::Part* child_of_message(const mime::Part& message, uint32_t n) {
  if (message.is_multipart()) {
    return n >= 1 && n <= message.children.size() ? &message.children[n - 1] : nullptr;
  }
  return n == 1 ? &message : nullptr;
}

const mime::Part* find_part(const mime::Part& root, const std::vector<uint32_t>& numbers) {
  const mime::Part* part = &root;
  for (std::size_t i = 0; i < numbers.size() && part != nullptr; ++i) {
    uint32_t n = numbers[i];
    if (i == 0) {
      part = child_of_message(root, n);
    } else if (part->is_message() && !part->children.empty()) {
      part = child_of_message(part->children[0], n);
    } else if (part->is_multipart()) {
      part = n >= 1 && n <= part->children.size() ? &part->children[n - 1] : nullptr;
    } else {
      part = nullptr;
    }
  }
  return part;
}

bool field_listed(std::string_view name, const std::vector<std::string>& fields) {
  for (const std::string& f : fields) {
    if (core::iequals(name, f)) return true;
  }
  return false;
}

// Whole field lines (folding and line ending kept) as they stand in the
// block, then the empty line that ends a header (RFC 3501 6.4.5).
std::string select_fields(std::string_view block, const std::vector<std::string>& fields,
                          bool keep_listed) {
  std::string out;
  for (const mime::HeaderField& field : mime::header_fields(block)) {
    if (field_listed(field.name, fields) != keep_listed) continue;
    std::size_t begin = static_cast<std::size_t>(field.name.data() - block.data());
    std::size_t end =
        static_cast<std::size_t>(field.value.data() - block.data()) + field.value.size();
    if (end < block.size() && block[end] == '\r') ++end;
    if (end < block.size() && block[end] == '\n') ++end;
    out.append(block, begin, end - begin);
    if (out.back() != '\n' && out.back() != '\r') out += "\r\n";
  }
  out += "\r\n";
  return out;
}

// The raw (stored) bytes of a section: a view into the message, or, for
// HEADER.FIELDS, a string built from it.
struct RawSection {
  std::string_view view;
  std::optional<std::string> built;
  std::string_view bytes() const { return built ? std::string_view(*built) : view; }
};

// BODY[] and BODY[]<partial>: the message as stored, which needs no parse.
bool is_whole_message(const Section& section) {
  return section.part.empty() && section.text == Section::Text::none;
}

RawSection raw_section(std::string_view raw, const mime::Message& parsed, const Section& section) {
  using Text = Section::Text;
  const mime::Part* message = &parsed.root;
  if (!section.part.empty()) {
    const mime::Part* part = find_part(parsed.root, section.part);
    if (part == nullptr) return {};
    if (section.text == Text::none) return {part->body.in(raw), std::nullopt};
    if (section.text == Text::mime) return {part->header.in(raw), std::nullopt};
    // HEADER, TEXT and HEADER.FIELDS below a part number exist only for an
    // embedded message, and then mean that message's.
    if (!part->is_message() || part->children.empty()) return {};
    message = &part->children[0];
  }
  switch (section.text) {
    case Text::none:
      return {raw, std::nullopt};
    case Text::header:
      return {message->header.in(raw), std::nullopt};
    case Text::text:
      return {message->body.in(raw), std::nullopt};
    case Text::header_fields:
    case Text::header_fields_not:
      return {{},
              select_fields(message->header.in(raw), section.fields,
                            section.text == Text::header_fields)};
    case Text::mime:
      return {};
  }
  return {};
}

// ---- Response items -------------------------------------------------------

void append_number(std::string& out, uint64_t n) {
  char buffer[24];
  char* p = buffer + sizeof buffer;
  do {
    *--p = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  out.append(p, buffer + sizeof buffer);
}

// Field names go back as the client wrote them; one that is not an atom
// (the client sent it quoted or as a literal) goes back as a string.
void append_field_name(std::string& out, std::string_view name) {
  bool atom = !name.empty() && std::all_of(name.begin(), name.end(), is_atom_char);
  if (atom) {
    out += name;
  } else {
    mime::imap::append_string(out, name);
  }
}

void append_section_spec(std::string& out, const Section& section) {
  using Text = Section::Text;
  for (std::size_t i = 0; i < section.part.size(); ++i) {
    if (i != 0) out.push_back('.');
    append_number(out, section.part[i]);
  }
  if (section.text == Text::none) return;
  if (!section.part.empty()) out.push_back('.');
  switch (section.text) {
    case Text::none:
      break;
    case Text::header:
      out += "HEADER";
      break;
    case Text::header_fields:
    case Text::header_fields_not:
      out += section.text == Text::header_fields ? "HEADER.FIELDS (" : "HEADER.FIELDS.NOT (";
      for (std::size_t i = 0; i < section.fields.size(); ++i) {
        if (i != 0) out.push_back(' ');
        append_field_name(out, section.fields[i]);
      }
      out.push_back(')');
      break;
    case Text::text:
      out += "TEXT";
      break;
    case Text::mime:
      out += "MIME";
      break;
  }
}

void append_partial_origin(std::string& out, const std::optional<Partial>& partial) {
  if (!partial) return;
  out.push_back('<');
  append_number(out, partial->offset);
  out.push_back('>');
}

// A section value: "" when empty (as for a part that does not exist),
// otherwise a literal of the bytes as IMAP sends them, cut to <partial>.
void append_section_value(std::string& out, std::string_view stored,
                          const std::optional<Partial>& partial) {
  WireScan scan = scan_wire(stored);
  uint64_t begin = 0;
  uint64_t length = scan.size;
  if (partial) {
    begin = std::min<uint64_t>(partial->offset, scan.size);
    length = std::min<uint64_t>(partial->length, scan.size - begin);
  }
  if (length == 0) {
    out += "\"\"";
    return;
  }
  out.push_back('{');
  append_number(out, length);
  out += "}\r\n";
  if (scan.verbatim) {
    out.append(stored.substr(begin, length));
  } else if (!partial) {
    out.reserve(out.size() + length);
    append_wire(out, stored, scan);
  } else {
    out.append(to_wire(stored, scan), begin, length);
  }
}

void append_section_item(std::string& out, const FetchMessage& message,
                         const FetchAttribute& attribute) {
  out += "BODY[";
  append_section_spec(out, attribute.section);
  out.push_back(']');
  append_partial_origin(out, attribute.partial);
  out.push_back(' ');
  if (is_whole_message(attribute.section)) {
    append_section_value(out, message.raw, attribute.partial);
    return;
  }
  assert(message.parsed != nullptr);
  RawSection section = raw_section(message.raw, *message.parsed, attribute.section);
  append_section_value(out, section.bytes(), attribute.partial);
}

// BINARY[part]<partial> and BINARY.SIZE[part] (RFC 3516): the part's
// content decoded (imap/fetch_binary.h); a literal8 ~{n} when it holds NUL,
// which no other IMAP string may carry. A part that does not exist is an
// empty string (size 0), as for BODY. BINARY[] is the whole message with
// its parts decoded.
Status append_binary_item(std::string& out, const FetchMessage& message,
                          const FetchAttribute& attribute) {
  const bool size_only = attribute.item == FetchItem::binary_size;
  assert(message.parsed != nullptr);
  const bool whole = attribute.section.part.empty();
  const mime::Part* part =
      whole ? &message.parsed->root : find_part(message.parsed->root, attribute.section.part);
  std::string decoded;
  if (whole) {
    Result<std::string> bytes = decode_binary_message(message.raw, *part);
    if (!bytes) return bytes.status();
    decoded = std::move(bytes).value();
  } else if (part != nullptr) {
    Result<std::string> bytes = decode_binary(message.raw, *part);
    if (!bytes) return bytes.status();
    decoded = std::move(bytes).value();
  }
  out += size_only ? "BINARY.SIZE[" : "BINARY[";
  append_section_spec(out, attribute.section);
  out.push_back(']');
  if (size_only) {
    out.push_back(' ');
    append_number(out, decoded.size());
    return Status::ok();
  }
  append_partial_origin(out, attribute.partial);
  out.push_back(' ');
  std::string_view value = decoded;
  if (attribute.partial) {
    value = value.substr(std::min<std::size_t>(attribute.partial->offset, value.size()),
                         attribute.partial->length);
  }
  if (value.empty()) {
    out += "\"\"";
    return Status::ok();
  }
  if (std::memchr(value.data(), '\0', value.size()) != nullptr) out.push_back('~');
  out.push_back('{');
  append_number(out, value.size());
  out += "}\r\n";
  out += value;
  return Status::ok();
}

void append_modseq(std::string& out, uint64_t modseq) {
  out += "MODSEQ (";
  append_number(out, modseq);
  out.push_back(')');
}

void append_uid(std::string& out, uint32_t uid) {
  out += "UID ";
  append_number(out, uid);
}

void append_flags(std::string& out, const store::MessageInfo& info, bool recent) {
  out += "FLAGS ";
  append_flag_list(out, info.flags, recent);
}

Status append_item(std::string& out, const FetchMessage& message, const FetchAttribute& attribute) {
  const store::MessageInfo& info = *message.info;
  switch (attribute.item) {
    case FetchItem::envelope:
      assert(message.stored != nullptr);
      out += "ENVELOPE ";
      out += message.stored->envelope;
      return Status::ok();
    case FetchItem::flags:
      append_flags(out, info, message.recent);
      return Status::ok();
    case FetchItem::internal_date:
      out += "INTERNALDATE \"";
      out += core::imap_date_time(info.internal_date);
      out.push_back('"');
      return Status::ok();
    case FetchItem::rfc822:
      out += "RFC822 ";
      append_section_value(out, message.raw, std::nullopt);
      return Status::ok();
    case FetchItem::rfc822_header:
      assert(message.parsed != nullptr);
      out += "RFC822.HEADER ";
      append_section_value(out, message.parsed->root.header.in(message.raw), std::nullopt);
      return Status::ok();
    case FetchItem::rfc822_size:
      out += "RFC822.SIZE ";
      append_number(out, info.wire_size);
      return Status::ok();
    case FetchItem::rfc822_text:
      assert(message.parsed != nullptr);
      out += "RFC822.TEXT ";
      append_section_value(out, message.parsed->root.body.in(message.raw), std::nullopt);
      return Status::ok();
    case FetchItem::body:
      assert(message.stored != nullptr);
      out += "BODY ";
      out += message.stored->body;
      return Status::ok();
    case FetchItem::body_structure:
      assert(message.stored != nullptr);
      out += "BODYSTRUCTURE ";
      out += message.stored->bodystructure;
      return Status::ok();
    case FetchItem::uid:
      append_uid(out, info.uid);
      return Status::ok();
    case FetchItem::mod_seq:
      append_modseq(out, info.modseq);
      return Status::ok();
    case FetchItem::body_section:
      append_section_item(out, message, attribute);
      return Status::ok();
    case FetchItem::binary_section:
    case FetchItem::binary_size:
      return append_binary_item(out, message, attribute);
  }
  return Status::ok();
}

bool asks(const std::vector<FetchAttribute>& attributes, FetchItem item) {
  return std::any_of(attributes.begin(), attributes.end(),
                     [item](const FetchAttribute& a) { return a.item == item; });
}

}  // namespace

FetchPlan plan_fetch(const std::vector<FetchAttribute>& attributes) {
  FetchPlan plan;
  for (const FetchAttribute& a : attributes) {
    switch (a.item) {
      case FetchItem::rfc822:
        plan.content = true;
        plan.sets_seen = true;
        break;
      case FetchItem::rfc822_text:
        plan.content = plan.parse = true;
        plan.sets_seen = true;
        break;
      case FetchItem::rfc822_header:
        plan.content = plan.parse = true;
        break;
      case FetchItem::binary_size:
        plan.content = plan.parse = true;
        plan.binary = true;
        break;
      case FetchItem::body_section:
      case FetchItem::binary_section:
        plan.content = true;
        plan.parse =
            plan.parse || !is_whole_message(a.section) || a.item == FetchItem::binary_section;
        plan.sets_seen = plan.sets_seen || !a.peek;
        plan.binary = plan.binary || a.item == FetchItem::binary_section;
        break;
      case FetchItem::envelope:
      case FetchItem::body:
      case FetchItem::body_structure:
        plan.stored = true;
        break;
      case FetchItem::flags:
        plan.flags = true;
        break;
      case FetchItem::internal_date:
      case FetchItem::rfc822_size:
      case FetchItem::mod_seq:
        plan.info = true;
        break;
      case FetchItem::uid:
        break;
    }
  }
  return plan;
}

Status render_fetch(std::string& out, const FetchMessage& message,
                    const std::vector<FetchAttribute>& attributes, const FetchOptions& options) {
  assert(message.info != nullptr);
  const std::size_t start = out.size();
  out += "* ";
  append_number(out, message.seq);
  out += " FETCH (";
  bool first = true;
  auto separate = [&] {
    if (!first) out.push_back(' ');
    first = false;
  };
  if (options.uid && !asks(attributes, FetchItem::uid)) {
    separate();
    append_uid(out, message.info->uid);
  }
  for (const FetchAttribute& attribute : attributes) {
    separate();
    if (Status added = append_item(out, message, attribute); !added.is_ok()) {
      out.resize(start);
      return added;
    }
  }
  if (options.add_flags && !asks(attributes, FetchItem::flags)) {
    separate();
    append_flags(out, *message.info, message.recent);
  }
  if (options.with_modseq && !asks(attributes, FetchItem::mod_seq)) {
    separate();
    append_modseq(out, message.info->modseq);
  }
  out += ")\r\n";
  return Status::ok();
}

void render_metadata(std::string& out, const FetchMessage& message,
                     const std::vector<FetchAttribute>& attributes, const FetchOptions& options) {
  assert(!plan_fetch(attributes).content);
  [[maybe_unused]] Status rendered = render_fetch(out, message, attributes, options);
  assert(rendered.is_ok());
}

std::string section_bytes(std::string_view raw, const mime::Message& parsed,
                          const Section& section) {
  RawSection s = raw_section(raw, parsed, section);
  std::string_view bytes = s.bytes();
  return to_wire(bytes, scan_wire(bytes));
}

void append_flag_list(std::string& out, const std::vector<std::string>& flags, bool recent) {
  out.push_back('(');
  bool first = true;
  for (const std::string& flag : flags) {
    if (!first) out.push_back(' ');
    first = false;
    out += flag;
  }
  if (recent) {
    if (!first) out.push_back(' ');
    out += "\\Recent";
  }
  out.push_back(')');
}

}  // namespace eider::imap
