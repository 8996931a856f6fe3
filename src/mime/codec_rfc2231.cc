#include "mime/codec_rfc2231.h"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <unordered_map>

#include "mime/charset.h"
#include "mime/codec_hex.h"
#include "mime/codec_rfc2047.h"

namespace eider::mime {
namespace {

// A raw parameter name taken apart: "title*2*" is base "title", section 2,
// extended.
struct ParamName {
  std::string_view base;
  int64_t section = -1;  // -1: not a continuation
  bool extended = false;
};

ParamName split_name(std::string_view name) {
  ParamName parsed;
  if (!name.empty() && name.back() == '*') {
    parsed.extended = true;
    name.remove_suffix(1);
  }
  const size_t star = name.rfind('*');
  if (star != std::string_view::npos && star + 1 < name.size()) {
    const std::string_view digits = name.substr(star + 1);
    int64_t index = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (error == std::errc() && end == digits.data() + digits.size() && index >= 0) {
      parsed.section = index;
      name = name.substr(0, star);
    }
  }
  parsed.base = name;
  return parsed;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_digit_value(text[i + 1]) >= 0 &&
        hex_digit_value(text[i + 2]) >= 0) {
      out.push_back(
          static_cast<char>(hex_digit_value(text[i + 1]) * 16 + hex_digit_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

struct Section {
  int64_t index;
  bool extended;
  std::string_view value;
};

struct Group {
  std::string_view base;
  std::vector<Section> sections;  // continuations and "name*"
  std::string_view plain;
  bool has_plain = false;
};

std::string join_sections(std::vector<Section> sections) {
  std::stable_sort(sections.begin(), sections.end(),
                   [](const Section& a, const Section& b) { return a.index < b.index; });
  std::string charset;
  std::string bytes;
  bool any_extended = false;
  int64_t expected = sections.front().index;
  for (size_t i = 0; i < sections.size(); ++i) {
    const Section& section = sections[i];
    if (section.index != expected) break;
    ++expected;
    std::string_view value = section.value;
    if (section.extended) {
      if (!any_extended) {
        // Only the first extended section carries charset'language'.
        const size_t first = value.find('\'');
        const size_t second = first == std::string_view::npos ? first : value.find('\'', first + 1);
        if (second != std::string_view::npos) {
          charset = value.substr(0, first);
          value = value.substr(second + 1);
        }
      }
      any_extended = true;
      bytes += percent_decode(value);
    } else {
      bytes += value;
    }
  }
  return any_extended ? to_utf8(bytes, charset) : decode_header_text(bytes);
}

}  // namespace

std::vector<Param> decode_params(const std::vector<Param>& raw) {
  std::vector<Group> groups;
  std::unordered_map<std::string_view, size_t> group_of_base;
  for (const Param& param : raw) {
    const ParamName name = split_name(param.name);
    const auto [found, added] = group_of_base.try_emplace(name.base, groups.size());
    if (added) groups.push_back(Group{name.base, {}, {}, false});
    Group* group = &groups[found->second];
    if (name.section >= 0 || name.extended) {
      group->sections.push_back(
          Section{std::max<int64_t>(name.section, 0), name.extended, param.value});
    } else if (!group->has_plain) {
      group->plain = param.value;
      group->has_plain = true;
    }
  }

  std::vector<Param> decoded;
  decoded.reserve(groups.size());
  for (const Group& group : groups) {
    decoded.push_back(Param{std::string(group.base), group.sections.empty()
                                                         ? decode_header_text(group.plain)
                                                         : join_sections(group.sections)});
  }
  return decoded;
}

}  // namespace eider::mime
