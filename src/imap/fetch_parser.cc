// FETCH: attributes, sections, partials, macros and modifiers.
#include "imap/fetch_parser.h"

#include "core/ascii.h"
#include "imap/cursor.h"
#include "imap/syntax.h"

namespace eider::imap {
namespace {

bool is_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-';
}

// section-part: nz-number *("." nz-number); stops before ".TEXT" etc.
Result<std::vector<uint32_t>> read_part(Cursor& cursor) {
  std::vector<uint32_t> part;
  while (cursor.peek() >= '0' && cursor.peek() <= '9') {
    Result<uint64_t> n = cursor.number();
    if (!n || *n == 0 || *n > UINT32_MAX) return bad("invalid section part number");
    if (part.size() == kMaxPartDepth) return error(Code::too_large, "section part too deep");
    part.push_back(static_cast<uint32_t>(*n));
    if (!cursor.eat('.')) break;
    char next = cursor.peek();
    if (next < '0' || next > '9') {
      if (next == '\0' || !is_name_char(next)) return bad("invalid section");
      return part;  // the "." before a section-text
    }
  }
  return part;
}

Result<std::vector<std::string>> read_header_list(Cursor& cursor) {
  std::vector<std::string> fields;
  EIDER_RETURN_IF_ERROR(cursor.sp());
  EIDER_RETURN_IF_ERROR(cursor.list(false, [&]() -> Status {
    Result<std::string> name = cursor.astring();
    if (!name || name->empty()) return bad("header field name expected");
    fields.push_back(std::move(*name));
    return Status::ok();
  }));
  return fields;
}

// "[" section-spec "]" for BODY; "[" section-part "]" for BINARY.
Result<Section> read_section(Cursor& cursor, bool binary) {
  Section section;
  EIDER_RETURN_IF_ERROR(cursor.expect('['));
  Result<std::vector<uint32_t>> part = read_part(cursor);
  if (!part) return part.status();
  section.part = std::move(*part);
  if (!binary && cursor.peek() != ']') {
    std::string name = core::ascii_uppercase(cursor.take_while(is_name_char));
    if (name == "HEADER") {
      section.text = Section::Text::header;
    } else if (name == "TEXT") {
      section.text = Section::Text::text;
    } else if (name == "MIME" && !section.part.empty()) {
      section.text = Section::Text::mime;
    } else if (name == "HEADER.FIELDS" || name == "HEADER.FIELDS.NOT") {
      section.text =
          name == "HEADER.FIELDS" ? Section::Text::header_fields : Section::Text::header_fields_not;
      Result<std::vector<std::string>> fields = read_header_list(cursor);
      if (!fields) return fields.status();
      section.fields = std::move(*fields);
    } else {
      return bad("invalid section \"" + name + "\"");
    }
  }
  if (!cursor.eat(']')) return bad("invalid section: ']' expected");
  return section;
}

Result<std::optional<Partial>> read_partial(Cursor& cursor) {
  if (!cursor.eat('<')) return std::optional<Partial>();
  Result<uint64_t> offset = cursor.number();
  if (!offset || *offset > UINT32_MAX || !cursor.eat('.')) return bad("invalid partial <n.m>");
  Result<uint64_t> length = cursor.number();
  if (!length || *length == 0 || *length > UINT32_MAX || !cursor.eat('>')) {
    return bad("invalid partial <n.m>");
  }
  return std::optional<Partial>(
      Partial{static_cast<uint32_t>(*offset), static_cast<uint32_t>(*length)});
}

FetchAttribute simple_attribute(FetchItem item) {
  FetchAttribute attribute;
  attribute.item = item;
  return attribute;
}

struct Simple {
  std::string_view name;
  FetchItem item;
};
constexpr Simple kSimple[] = {
    {"ENVELOPE", FetchItem::envelope},
    {"FLAGS", FetchItem::flags},
    {"INTERNALDATE", FetchItem::internal_date},
    {"RFC822", FetchItem::rfc822},
    {"RFC822.HEADER", FetchItem::rfc822_header},
    {"RFC822.SIZE", FetchItem::rfc822_size},
    {"RFC822.TEXT", FetchItem::rfc822_text},
    {"BODYSTRUCTURE", FetchItem::body_structure},
    {"UID", FetchItem::uid},
    {"MODSEQ", FetchItem::mod_seq},
};

// The rest of the attribute whose name was read (section, partial).
Result<FetchAttribute> finish_attribute(Cursor& cursor, const std::string& name) {
  for (const Simple& s : kSimple) {
    if (name == s.name) return simple_attribute(s.item);
  }
  if (name == "BODY" && cursor.peek() != '[') return simple_attribute(FetchItem::body);
  FetchAttribute att;
  if (name == "BODY" || name == "BODY.PEEK") {
    att.item = FetchItem::body_section;
  } else if (name == "BINARY" || name == "BINARY.PEEK") {
    att.item = FetchItem::binary_section;
  } else if (name == "BINARY.SIZE") {
    att.item = FetchItem::binary_size;
  } else {
    return bad("unknown FETCH attribute \"" + name + "\"");
  }
  att.peek = name.ends_with(".PEEK");
  Result<Section> section = read_section(cursor, att.item != FetchItem::body_section);
  if (!section) return section.status();
  att.section = std::move(*section);
  if (att.item != FetchItem::binary_size) {
    Result<std::optional<Partial>> partial = read_partial(cursor);
    if (!partial) return partial.status();
    att.partial = *partial;
  }
  return att;
}

// ALL, FAST, FULL (RFC 3501 6.4.5); empty when `name` is no macro.
std::vector<FetchAttribute> expand_macro(std::string_view name) {
  std::vector<FetchItem> items;
  if (core::iequals(name, "ALL") || core::iequals(name, "FAST") || core::iequals(name, "FULL")) {
    items = {FetchItem::flags, FetchItem::internal_date, FetchItem::rfc822_size};
    if (!core::iequals(name, "FAST")) items.push_back(FetchItem::envelope);
    if (core::iequals(name, "FULL")) items.push_back(FetchItem::body);
  }
  std::vector<FetchAttribute> out;
  for (FetchItem item : items) out.push_back(simple_attribute(item));
  return out;
}

Status read_modifiers(Cursor& cursor, FetchRequest& request) {
  EIDER_RETURN_IF_ERROR(cursor.sp());
  return cursor.list(false, [&]() -> Status {
    Result<std::string> name = cursor.atom();
    if (!name) return bad("FETCH modifier expected");
    if (core::iequals(*name, "CHANGEDSINCE") && !request.changed_since) {
      EIDER_RETURN_IF_ERROR(cursor.sp());
      Result<uint64_t> modseq = cursor.number();
      if (!modseq || *modseq > INT64_MAX) return bad("invalid CHANGEDSINCE mod-sequence");
      request.changed_since = *modseq;
    } else if (core::iequals(*name, "VANISHED") && !request.vanished) {
      request.vanished = true;
    } else {
      return bad("unknown or repeated FETCH modifier \"" + *name + "\"");
    }
    return Status::ok();
  });
}

}  // namespace

Result<FetchRequest> parse_fetch(Cursor& cursor) {
  FetchRequest request;
  Result<SequenceSet> set = SequenceSet::parse(cursor.word());
  if (!set) return set.status();
  request.set = std::move(*set);
  EIDER_RETURN_IF_ERROR(cursor.sp());
  if (cursor.peek() == '(') {
    EIDER_RETURN_IF_ERROR(cursor.list(false, [&]() -> Status {
      Result<FetchAttribute> att =
          finish_attribute(cursor, core::ascii_uppercase(cursor.take_while(is_name_char)));
      if (!att) return att.status();
      request.attributes.push_back(std::move(*att));
      return Status::ok();
    }));
  } else {
    std::string name = core::ascii_uppercase(cursor.take_while(is_name_char));
    request.attributes = expand_macro(name);
    if (request.attributes.empty()) {
      Result<FetchAttribute> att = finish_attribute(cursor, name);
      if (!att) return att.status();
      request.attributes.push_back(std::move(*att));
    }
  }
  if (cursor.peek() == ' ') EIDER_RETURN_IF_ERROR(read_modifiers(cursor, request));
  if (request.vanished && !request.changed_since) return bad("VANISHED needs CHANGEDSINCE");
  return request;
}

}  // namespace eider::imap
