// The MIME parser: one pass over the input, recursing into multipart and
// message/rfc822 bodies, with the stack of open boundaries as its only state.
//
// Delimiter lines are found with memchr('-') and a line-start check, so a
// body without "--" at a line start (base64, most text) is crossed at memchr
// speed. A delimiter line is matched against every open boundary (see
// match_delimiter): an inner multipart that reuses its parent's boundary owns
// the lines, and an outer boundary line ends every part inside it.
#include <cstring>
#include <optional>

#include "core/ascii.h"
#include "mime/header_syntax.h"
#include "mime/message.h"

namespace eider::mime {
namespace {

// Where a part ends: at a delimiter line of an open boundary, or at the end
// of the input (level == -1).
struct Stop {
  uint64_t at = 0;     // end of the part before it: the delimiter owns the line ending before "--"
  uint64_t after = 0;  // first byte after the delimiter line and its line ending
  int level = -1;      // index of the matched boundary in the stack
  bool close = false;  // "--boundary--"
  // The delimiter line ends in LF. One cut off by the end of the input opens
  // no part: RFC 2046 5.1.1 puts a CRLF between a delimiter and the part
  // after it ("encapsulation := delimiter transport-padding CRLF body-part").
  bool line_ended = false;
};

// The number of LF bytes, 8 at a time (std::count is not vectorised at -O2
// and was the slowest step on large text bodies).
uint64_t count_lf_bytes(std::string_view s) {
  constexpr uint64_t kLf = 0x0a0a0a0a0a0a0a0aULL;
  constexpr uint64_t kLow7 = 0x7f7f7f7f7f7f7f7fULL;
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  uint64_t count = 0;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    uint64_t x = w ^ kLf;  // zero bytes where w had LF
    uint64_t zero_high = ~(((x & kLow7) + kLow7) | x | kLow7);
    count += ((zero_high >> 7) * kOnes) >> 56;
  }
  for (; i < s.size(); ++i) count += s[i] == '\n';
  return count;
}

// The line endings of `s` as IMAP sends it (mime/wire.h): every LF, and
// every bare CR, which goes out as CRLF.
uint64_t count_lines(std::string_view s) {
  uint64_t count = count_lf_bytes(s);
  const char* p = s.data();
  const char* const end = p + s.size();
  while ((p = static_cast<const char*>(std::memchr(p, '\r', end - p))) != nullptr) {
    ++p;
    if (p == end || *p != '\n') ++count;
  }
  return count;
}

// What contains an entity: it decides the default Content-Type and whether
// Content-* fields count without a MIME-Version.
enum class Parent { none, multipart, digest };

struct Entity {
  Part part;
  Stop stop;
};

class Parser {
 public:
  Parser(std::string_view in, const Limits& limits) : in_(in), limits_(limits) {}

  Message run() {
    Entity root = parse_entity(0, 0, Parent::none);
    return Message{std::move(root.part)};
  }

 private:
  Stop end_of_input() const { return Stop{in_.size(), in_.size(), -1, false, false}; }

  // The delimiter line starting at `line` (in_[line..] == "--"), if it is
  // one of an open boundary. `from` is where the current scan began: a line
  // ending before it belongs to what came before.
  //
  // RFC 2046 5.1.1: "it is sufficient that the boundary appear in its
  // entirety following the CRLF", so a boundary that starts the line after
  // "--" matches whatever follows it. Like Dovecot, among the open boundaries
  // that match, one that is the whole line (with or without the closing "--")
  // wins, then the longest, then the innermost.
  std::optional<Stop> match_delimiter(uint64_t from, uint64_t line) const {
    const char* base = in_.data();
    const uint64_t n = in_.size();
    const uint64_t rest = line + 2;
    uint64_t content_end = 0;  // end of the line without its line ending; found lazily
    uint64_t after = 0;
    int best = -1;
    for (int level = static_cast<int>(boundaries_.size()) - 1; level >= 0; --level) {
      const std::string& b = boundaries_[level];
      if (n - rest < b.size() || std::memcmp(base + rest, b.data(), b.size()) != 0) continue;
      if (best < 0) {
        const void* nl = std::memchr(base + rest, '\n', n - rest);
        after = nl ? static_cast<const char*>(nl) - base + 1 : n;
        content_end = nl ? after - 1 : n;
        if (content_end > rest && base[content_end - 1] == '\r') --content_end;
      }
      if (best < 0 || b.size() > boundaries_[best].size()) best = level;
      uint64_t tail = content_end - rest - b.size();
      bool whole = tail == 0 ||
                   (tail == 2 && base[rest + b.size()] == '-' && base[rest + b.size() + 1] == '-');
      if (whole) {
        best = level;
        break;
      }
    }
    if (best < 0) return std::nullopt;
    uint64_t end = rest + boundaries_[best].size();
    bool close = content_end - end >= 2 && base[end] == '-' && base[end + 1] == '-';
    uint64_t at = line;
    if (line > from) {
      at = line - 1;  // the '\n' that makes this a line start
      if (at > from && base[at - 1] == '\r') --at;
    }
    return Stop{at, after, best, close, after > 0 && base[after - 1] == '\n'};
  }

  // The first delimiter line at or after `from` (a line start).
  Stop find_delimiter(uint64_t from) const {
    if (boundaries_.empty()) return end_of_input();
    const char* base = in_.data();
    const uint64_t n = in_.size();
    uint64_t p = from;
    while (n - p >= 2) {
      const void* hit = std::memchr(base + p, '-', n - p - 1);
      if (hit == nullptr) break;
      uint64_t q = static_cast<const char*>(hit) - base;
      if (base[q + 1] == '-' && (q == from || base[q - 1] == '\n')) {
        if (std::optional<Stop> stop = match_delimiter(from, q)) return *stop;
      }
      p = q + 2;  // q + 1 is either not '-' or not at a line start
    }
    return end_of_input();
  }

  struct HeaderEnd {
    uint64_t end;              // just past the empty line, or where the header was cut
    std::optional<Stop> stop;  // set when a delimiter line cut the header (and the part)
  };

  // The header block starting at `begin`: up to and including its empty
  // line, or to the end of input. A delimiter line inside it ends the part.
  HeaderEnd scan_header(uint64_t begin) const {
    const char* base = in_.data();
    const uint64_t n = in_.size();
    uint64_t line = begin;
    while (line < n) {
      if (!boundaries_.empty() && n - line >= 2 && base[line] == '-' && base[line + 1] == '-') {
        if (std::optional<Stop> stop = match_delimiter(begin, line)) return {stop->at, stop};
      }
      const void* nl = std::memchr(base + line, '\n', n - line);
      if (nl == nullptr) break;
      uint64_t end = static_cast<const char*>(nl) - base;
      bool empty = end == line || (end == line + 1 && base[line] == '\r');
      line = end + 1;
      if (empty) return {line, std::nullopt};
    }
    return {n, std::nullopt};
  }

  // The delimiter line at `body_begin`, when the header block [begin,
  // body_begin) ends in an empty line and that line is the delimiter's line
  // ending. `own` is the boundary of the part whose header this is, or "".
  std::optional<Stop> delimiter_after_blank_line(uint64_t begin, uint64_t body_begin,
                                                 std::string_view own) {
    const char* base = in_.data();
    const uint64_t n = in_.size();
    if (boundaries_.empty() || body_begin <= begin || base[body_begin - 1] != '\n') {
      return std::nullopt;
    }
    uint64_t last = body_begin - 1;  // the header's last line is empty
    if (last > begin && base[last - 1] == '\r') --last;
    if (last != begin && base[last - 1] != '\n') return std::nullopt;
    if (n - body_begin < 2 || base[body_begin] != '-' || base[body_begin + 1] != '-') {
      return std::nullopt;
    }
    bool push = own.data() != nullptr;  // "" with data is boundary="", a real one
    if (push) boundaries_.emplace_back(own);
    std::optional<Stop> stop = match_delimiter(begin, body_begin);
    if (push) boundaries_.pop_back();
    if (stop && push && stop->level == static_cast<int>(boundaries_.size())) return std::nullopt;
    return stop;
  }

  // Reads the Content-* fields of a header block into `part`. Returns whether
  // the block says it is MIME: a MIME-Version or a Content-Type field.
  bool read_content_fields(Part& part, std::string_view header) const {
    bool seen_type = false, seen_encoding = false, seen_language = false;
    bool seen_version = false;
    std::string written[4];  // type, subtype, encoding, disposition as written
    uint32_t fields = 0;
    syntax::for_each_field(header, [&](std::string_view name, std::string_view value) {
      if (++fields > limits_.max_header_fields) return false;
      if (core::iequals(name, "mime-version")) seen_version = true;
      if (!core::istarts_with(name, "content-")) return true;
      std::string_view what = name.substr(8);
      // The first of each field counts, as in Dovecot.
      if (core::iequals(what, "type") && !seen_type) {
        seen_type = true;
        syntax::ContentType ct = syntax::content_type(value);
        if (ct.valid) {
          part.type = core::ascii_lowercase(ct.type);
          part.subtype = core::ascii_lowercase(ct.subtype);
          written[0] = std::move(ct.type);
          written[1] = std::move(ct.subtype);
          part.params = std::move(ct.params);
        }
      } else if (core::iequals(what, "transfer-encoding") && !seen_encoding) {
        seen_encoding = true;
        written[2] = syntax::transfer_encoding(value);
        part.encoding = core::ascii_lowercase(written[2]);
        part.encoding_unreadable = written[2].empty();
      } else if (core::iequals(what, "disposition") && !part.has_disposition) {
        part.has_disposition = true;
        syntax::Disposition d = syntax::content_disposition(value);
        part.disposition = core::ascii_lowercase(d.type);
        written[3] = std::move(d.type);
        part.disposition_params = std::move(d.params);
      } else if (core::iequals(what, "language") && !seen_language) {
        seen_language = true;
        part.language = syntax::content_language(value);
      } else if (core::iequals(what, "id") && part.id.empty()) {
        part.id = syntax::unfold(value);
      } else if (core::iequals(what, "description") && !part.has_description) {
        part.has_description = true;
        part.description = syntax::unfold(value);
      } else if (core::iequals(what, "md5") && part.md5.empty()) {
        part.md5 = syntax::unfold(value);
      } else if (core::iequals(what, "location") && part.location.empty()) {
        part.location = syntax::unfold(value);
      }
      return true;
    });
    remember_written_case(part, written);
    return seen_version || seen_type;
  }

  // `written` has "" where a field was absent or invalid: the default
  // (lowercase) value stands there.
  static void remember_written_case(Part& part, const std::string (&written)[4]) {
    const std::string* lower[] = {&part.type, &part.subtype, &part.encoding, &part.disposition};
    bool same = true;
    for (size_t i = 0; i < 4; ++i) same = same && (written[i].empty() || written[i] == *lower[i]);
    if (same) return;
    for (size_t i = 0; i < 4; ++i) {
      part.written_case += written[i].empty() ? *lower[i] : written[i];
      part.written_case.push_back('\0');
    }
  }

  // RFC 2045 gives Content-* fields meaning only in a MIME entity; Dovecot
  // drops them from a message that has neither MIME-Version nor
  // Content-Type (a part of a multipart is MIME by its place), and so do we.
  static void forget_content_fields(Part& part) {
    Part plain;
    plain.header = part.header;
    part = std::move(plain);
  }

  // Whether a container at `depth` (the top level is 0) may have parts: they
  // would be at level depth + 2 counting the top as 1, and Limits::max_depth
  // levels are the most there are (Dovecot's max_nested_mime_parts counts
  // the same way, so both stop at the same part).
  bool can_nest(uint32_t depth) const {
    return depth + 1 < limits_.max_depth && parts_ < limits_.max_parts;
  }

  Entity parse_entity(uint64_t begin, uint32_t depth, Parent parent) {
    ++parts_;
    Entity e;
    Part& part = e.part;
    if (parent == Parent::digest) {
      part.type = "message";
      part.subtype = "rfc822";
    }
    HeaderEnd header = scan_header(begin);
    uint64_t body_begin = header.end;
    part.header = Range{begin, body_begin};
    bool mime = read_content_fields(part, part.header.in(in_));
    if (!mime && parent == Parent::none) forget_content_fields(part);
    if (header.stop) {
      e.stop = *header.stop;
      part.body = Range{body_begin, body_begin};
      return e;
    }

    // Dovecot 2.3 splits on the first 80 bytes of a longer boundary
    // (BOUNDARY_STRING_MAX_LEN in lib-mail/message-parser.c; RFC 2046 5.1.1
    // allows 70). Delimiter lines then match by that prefix, and a close
    // delimiter needs "--" right after it, so the close line of such a body
    // opens one more, empty part instead. BODYSTRUCTURE still shows the
    // whole parameter.
    constexpr size_t kMaxBoundary = 80;
    std::string_view boundary = part.param("boundary").substr(0, kMaxBoundary);
    // A message/rfc822 sent base64 or quoted-printable cannot be parsed
    // without decoding it: Dovecot keeps it a leaf, and so do we.
    bool encoded = part.encoding == "base64" || part.encoding == "quoted-printable";
    // A boundary with a line break in it could never start a line. An empty
    // one (boundary="") makes every line starting with "--" a delimiter,
    // as Dovecot reads it.
    bool usable =
        part.has_param("boundary") && boundary.find_first_of("\r\n") == std::string_view::npos;
    bool container = (part.is_multipart() && usable) || (part.is_message() && !encoded);
    if (container && !can_nest(depth)) {
      part.truncated = true;
      container = false;
    }
    // An empty line right before a delimiter is the delimiter's line ending
    // (RFC 2046 5.1.1), not the end of this header: the part is its header
    // lines alone, as in Dovecot. A multipart's own first delimiter is not
    // one (its boundary counts among the open ones, as in Dovecot).
    if (std::optional<Stop> stop = delimiter_after_blank_line(
            begin, body_begin, container && part.is_multipart() ? boundary : std::string_view())) {
      part.header = Range{begin, stop->at};
      part.body = Range{stop->at, stop->at};
      e.stop = *stop;
      return e;
    }
    if (!container) {
      e.stop = find_delimiter(body_begin);
    } else if (part.is_multipart()) {
      e.stop = parse_multipart(part, std::string(boundary), body_begin, depth);
    } else {
      Entity child = parse_entity(body_begin, depth + 1, Parent::none);
      e.stop = child.stop;
      part.children.push_back(std::move(child.part));
    }
    part.body = Range{body_begin, e.stop.at};
    if (part.type == "text" || part.type == "message") {
      part.body_lines = count_lines(part.body.in(in_));
    }
    return e;
  }

  Stop parse_multipart(Part& part, std::string boundary, uint64_t body_begin, uint32_t depth) {
    boundaries_.push_back(std::move(boundary));
    const int level = static_cast<int>(boundaries_.size()) - 1;
    const Parent parent = part.subtype == "digest" ? Parent::digest : Parent::multipart;
    Stop stop = find_delimiter(body_begin);  // the preamble ends here
    while (stop.level == level && !stop.close) {
      if (!stop.line_ended) break;  // "--boundary" at the very end: no part follows
      if (parts_ >= limits_.max_parts) {
        // The rest of the body is opaque: skip to where this multipart ends.
        part.truncated = true;
        while (stop.level == level && !stop.close) stop = find_delimiter(stop.after);
        break;
      }
      Entity child = parse_entity(stop.after, depth + 1, parent);
      part.children.push_back(std::move(child.part));
      stop = child.stop;
    }
    boundaries_.pop_back();
    // After our close delimiter comes the epilogue, up to an outer delimiter.
    // Any other stop (an outer boundary, the end of input) ends us right there.
    if (stop.level == level) stop = find_delimiter(stop.after);
    return stop;
  }

  std::string_view in_;
  const Limits& limits_;
  std::vector<std::string> boundaries_;  // open multipart boundaries, outermost first
  uint32_t parts_ = 0;
};

}  // namespace

std::string_view Part::param(std::string_view name) const {
  for (const Param& p : params) {
    if (p.name == name) return p.value;
  }
  return {};
}

bool Part::has_param(std::string_view name) const {
  for (const Param& p : params) {
    if (p.name == name) return true;
  }
  return false;
}

std::string_view Part::as_written(Spelled which) const {
  std::string_view lower[] = {type, subtype, encoding, disposition};
  size_t index = static_cast<size_t>(which);
  if (written_case.empty()) return lower[index];
  std::string_view rest = written_case;
  for (size_t i = 0; i < index; ++i) rest.remove_prefix(rest.find('\0') + 1);
  return rest.substr(0, rest.find('\0'));
}

Message parse(std::string_view bytes, const Limits& limits) {
  return Parser(bytes, limits).run();
}

std::vector<HeaderField> header_fields(std::string_view header_block) {
  std::vector<HeaderField> fields;
  syntax::for_each_field(header_block, [&](std::string_view name, std::string_view value) {
    fields.push_back(HeaderField{name, value});
    return true;
  });
  return fields;
}

std::string_view header_value(std::string_view header_block, std::string_view name) {
  std::string_view found;
  syntax::for_each_field(header_block, [&](std::string_view n, std::string_view value) {
    if (!core::iequals(n, name)) return true;
    found = value;
    return false;
  });
  return found;
}

}  // namespace eider::mime
