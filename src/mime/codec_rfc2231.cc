#include "mime/codec_rfc2231.h"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <unordered_map>

#include "core/ascii.h"
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
    decoded.push_back(Param{
        std::string(group.base),
        group.sections.empty() ? decode_header_text(group.plain) : join_sections(group.sections),
        {}});
  }
  return decoded;
}

namespace {

struct Continuation {
  std::string_view base;  // as written
  std::string lower_base;
  int64_t index;
  bool extended;
  const std::string* value;
};

std::string continuation_name(std::string_view base, int64_t index, bool extended) {
  std::string name(base);
  name.push_back('*');
  name += std::to_string(index);
  if (extended) name.push_back('*');
  return name;
}

// A plain section inside an extended value must not look percent-encoded.
void append_escaped_percent(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '%') {
      out += "%25";
    } else {
      out.push_back(c);
    }
  }
}

Param make_param(std::string_view written) {
  Param p;
  p.name = core::ascii_lowercase(written);
  if (p.name != written) p.written_name = std::string(written);
  return p;
}

}  // namespace

std::vector<Param> join_continuations(const std::vector<Param>& raw) {
  std::vector<Param> out;
  std::vector<Continuation> sections;
  for (const Param& param : raw) {
    std::string_view written = param.name_as_written();
    const size_t star = written.find('*');
    if (star == std::string_view::npos) {
      out.push_back(param);
      continue;
    }
    // Only "name*", "name*N" and "name*N*" (N decimal, possibly empty) are
    // sections; any other name with a star is an ordinary parameter.
    // Dovecot reads a star with nothing after it ("name*") as the extended
    // marker of section 0.
    size_t p = star + 1 == written.size() ? star : star + 1;
    int64_t index = 0;
    while (p < written.size() && written[p] >= '0' && written[p] <= '9') {
      index = std::min<int64_t>(index * 10 + (written[p] - '0'), int64_t{1} << 40);
      ++p;
    }
    bool extended = p < written.size() && written[p] == '*';
    if (extended) ++p;
    if (p != written.size()) {
      out.push_back(param);
      continue;
    }
    std::string_view base = written.substr(0, star);
    sections.push_back(
        Continuation{base, std::string(param.name.substr(0, star)), index, extended, &param.value});
  }
  std::stable_sort(
      sections.begin(), sections.end(), [](const Continuation& a, const Continuation& b) {
        return a.lower_base != b.lower_base ? a.lower_base < b.lower_base : a.index < b.index;
      });
  for (size_t i = 0, j = 0; i < sections.size(); i = j) {
    bool complete = true;
    bool any_extended = false;
    int64_t next = 0;
    for (j = i; j < sections.size() && sections[j].lower_base == sections[i].lower_base; ++j) {
      complete = complete && sections[j].index == next++;
      any_extended = any_extended || sections[j].extended;
    }
    if (!complete) {
      for (size_t k = i; k < j; ++k) {
        Param p = make_param(
            continuation_name(sections[k].base, sections[k].index, sections[k].extended));
        p.value = *sections[k].value;
        out.push_back(std::move(p));
      }
      continue;
    }
    Param joined = make_param(std::string(sections[i].base) + (any_extended ? "*" : ""));
    // A value that starts plain gets an empty charset'language' prefix.
    if (any_extended && !sections[i].extended) joined.value = "''";
    for (size_t k = i; k < j; ++k) {
      if (any_extended && !sections[k].extended) {
        append_escaped_percent(joined.value, *sections[k].value);
      } else {
        joined.value += *sections[k].value;
      }
    }
    out.push_back(std::move(joined));
  }
  return out;
}

}  // namespace eider::mime
