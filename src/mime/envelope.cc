// IMAP ENVELOPE (RFC 3501 section 7.4.2) with RFC 5322 address lists.
//
// Address parsing follows Dovecot's message-address.c, because clients have
// long seen its output: display names are phrases with quoted strings
// unquoted and comments dropped (encoded words stay encoded: IMAP sends header
// text raw), an addr-spec's trailing comment becomes its name, a missing local
// part is "MISSING_MAILBOX", a missing domain "MISSING_DOMAIN", and a broken
// <angle-addr> gets the domain "SYNTAX_ERROR". Parsing stops at the first
// byte that cannot continue an address list. Empty list members are skipped
// (Dovecot reports them; see docs/dovecot-differences.md for why we don't).
#include <cstring>
#include <iterator>
#include <optional>

#include "core/ascii.h"
#include "mime/address_text.h"
#include "mime/charset.h"
#include "mime/codec_rfc2047.h"
#include "mime/header_syntax.h"
#include "mime/imap_string.h"
#include "mime/message.h"

namespace eider::mime {
namespace {

struct Address {
  std::optional<std::string> name, route, mailbox, domain;  // nullopt is NIL
};

bool is_atext(unsigned char c) {
  if (c >= 0x80) return true;  // 8-bit names and local parts are common; keep them
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != 0 && std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr;
}

class AddressParser {
 public:
  explicit AddressParser(std::string_view s) : s_(s) {}

  std::vector<Address> list() {
    std::vector<Address> out;
    skip();
    while (pos_ < s_.size()) {
      if (s_[pos_] == ',') {  // empty list members ("a@b,,c@d")
        ++pos_;
        skip();
        continue;
      }
      size_t start = pos_;
      address(out);
      skip();
      if (pos_ >= s_.size()) break;
      if (s_[pos_] != ',' || pos_ == start) break;
      ++pos_;
      skip();
    }
    return out;
  }

 private:
  // Every skip remembers the last comment: an addr-spec's name is the
  // comment that follows it, wherever the parse of its parts skipped it.
  void skip() { syntax::skip_cfws(s_, pos_, &last_comment_); }
  bool at(char c) const { return pos_ < s_.size() && s_[pos_] == c; }

  std::string atom() {
    size_t begin = pos_;
    while (pos_ < s_.size() && is_atext(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    return std::string(s_.substr(begin, pos_ - begin));
  }

  // word = atom / quoted-string; "" when neither starts here.
  std::optional<std::string> word() {
    if (at('"')) return syntax::quoted_string(s_, pos_);
    std::string a = atom();
    if (a.empty()) return std::nullopt;
    return a;
  }

  // phrase = 1*word with obs-phrase's dots: dots stick to their atoms, other
  // words are joined by one space ("J. Smith", "Doe, John" unquoted).
  std::string phrase() {
    std::string out;
    while (true) {
      skip();
      std::optional<std::string> w;
      if (at('"')) {
        w = syntax::quoted_string(s_, pos_);
      } else {
        size_t begin = pos_;
        while (pos_ < s_.size() &&
               (s_[pos_] == '.' || is_atext(static_cast<unsigned char>(s_[pos_]))))
          ++pos_;
        if (pos_ == begin) break;
        w = std::string(s_.substr(begin, pos_ - begin));
      }
      if (!out.empty()) out.push_back(' ');
      out += *w;
    }
    return out;
  }

  // local-part / domain: word *("." word), CFWS allowed around the dots.
  std::optional<std::string> dotted(bool domain) {
    skip();
    std::string out;
    if (domain && at('[')) {
      size_t end = s_.find(']', pos_);
      end = end == std::string_view::npos ? s_.size() : end + 1;
      out = std::string(s_.substr(pos_, end - pos_));
      pos_ = end;
      skip();
      return out;
    }
    std::optional<std::string> w = word();
    if (!w) return std::nullopt;
    out = *w;
    while (true) {
      skip();
      if (!at('.')) break;
      ++pos_;
      skip();
      out.push_back('.');
      if (std::optional<std::string> next = word()) out += *next;
    }
    return out;
  }

  // "<" ["@" route ":"] local-part ["@" domain] ">"; false when broken.
  bool angle_addr(Address& a) {
    ++pos_;  // '<'
    skip();
    if (at('@')) {
      std::string route;
      while (at('@')) {
        ++pos_;
        if (!route.empty()) route.push_back(',');
        route.push_back('@');
        route += dotted(true).value_or("");
        while (at(',')) {
          ++pos_;
          skip();
        }
      }
      if (!at(':')) return false;
      ++pos_;
      a.route = std::move(route);
    }
    // "<>" is no address, but not broken either: Dovecot reports it with
    // neither mailbox nor domain (both MISSING_*), not as SYNTAX_ERROR.
    if (at('>')) {
      ++pos_;
      return true;
    }
    a.mailbox = dotted(false);
    if (!a.mailbox) return false;
    if (at('@')) {
      ++pos_;
      a.domain = dotted(true);
      if (!a.domain) return false;
    }
    if (!at('>')) return false;
    ++pos_;
    return true;
  }

  Address mailbox() {
    Address a;
    size_t start = pos_;
    std::string name = phrase();
    skip();
    if (at('<')) {
      if (!name.empty()) a.name = std::move(name);
      // Dovecot stops the list where a broken <angle-addr> broke ("Bob
      // <bob@>, c@d" is only Bob), and so do we.
      if (!angle_addr(a)) a.domain = "SYNTAX_ERROR";
    } else {
      pos_ = start;
      addr_spec(a);
    }
    if (!a.mailbox) a.mailbox = "MISSING_MAILBOX";
    if (!a.domain || a.domain->empty()) a.domain = "MISSING_DOMAIN";
    return a;
  }

  // An addr-spec, or what stands in its place, read as Dovecot 2.3's
  // parse_addr_spec and parse_mailbox (lib-mail/message-address.c) read it:
  // RFC 5322 3.4.1 wants local-part "@" domain, and for the malformed
  // forms RFC 5322 leaves the reading open, so Eider gives the one clients
  // see from Dovecot:
  //  - "@domain" (no local part) keeps the domain: (NIL NIL MISSING_MAILBOX
  //    "domain");
  //  - a word without "@" followed by more words ("Big Bug bb@bug.com",
  //    "Mary Smith") is a display name without an address: ("Big Bug bb"
  //    NIL MISSING_MAILBOX MISSING_DOMAIN);
  //  - a lone quoted string without "@" is a display name too;
  //  - a lone word without "@" stays the mailbox: (NIL NIL "word"
  //    MISSING_DOMAIN).
  void addr_spec(Address& a) {
    skip();
    last_comment_.clear();
    bool quoted = at('"');
    a.mailbox = dotted(false);
    bool has_domain = at('@');
    if (has_domain) {
      ++pos_;
      a.domain = dotted(true);
    }
    skip();
    if (!last_comment_.empty()) {
      a.name = std::move(last_comment_);
      return;
    }
    if (has_domain) return;
    std::string rest = phrase();
    if (!rest.empty()) {
      a.name = a.mailbox.value_or("") + " " + rest;
      a.mailbox.reset();
    } else if (!quoted) {
      a.domain = "";
    } else if (a.mailbox) {
      a.name = std::move(a.mailbox);
      a.mailbox.reset();
    }
  }

  void address(std::vector<Address>& out) {
    size_t start = pos_;
    std::string group = phrase();
    skip();
    if (group.empty() || !at(':')) {
      pos_ = start;
      out.push_back(mailbox());
      return;
    }
    ++pos_;
    out.push_back(Address{std::nullopt, std::nullopt, std::move(group), std::nullopt});
    skip();
    while (pos_ < s_.size() && !at(';')) {
      if (at(',')) {
        ++pos_;
        skip();
        continue;
      }
      size_t member = pos_;
      out.push_back(mailbox());
      skip();
      if (pos_ == member || !at(',')) break;
    }
    if (at(';')) ++pos_;
    out.push_back(Address{});
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string last_comment_;
};

std::vector<Address> addresses(std::optional<std::string_view> raw) {
  if (!raw) return {};
  std::string value = syntax::unfold(*raw);
  return AddressParser(value).list();
}

// Date, In-Reply-To and Message-ID as Dovecot sends them: line endings
// dropped, white space after the colon skipped, all other white space (a
// fold's indentation, even before the first text, and trailing blanks) kept.
std::string unfold_keeping_space(std::string_view raw) {
  size_t begin = 0;
  while (begin < raw.size() && syntax::is_wsp(raw[begin])) ++begin;
  std::string out;
  out.reserve(raw.size() - begin);
  for (char c : raw.substr(begin)) {
    if (c != '\r' && c != '\n') out.push_back(c);
  }
  return out;
}

void append_addresses(std::string& out, const std::vector<Address>& list) {
  if (list.empty()) {
    out += "NIL";
    return;
  }
  out.push_back('(');
  for (const Address& a : list) {
    out.push_back('(');
    if (a.name) {
      imap::append_string_for_humans(out, *a.name);
    } else {
      out += "NIL";
    }
    for (const std::optional<std::string>* f : {&a.route, &a.mailbox, &a.domain}) {
      out.push_back(' ');
      if (*f) {
        imap::append_string(out, **f);
      } else {
        out += "NIL";
      }
    }
    out.push_back(')');
  }
  out.push_back(')');
}

}  // namespace

std::string envelope(std::string_view bytes, const Part& message) {
  enum Field { kDate, kSubject, kFrom, kSender, kReplyTo, kTo, kCc, kBcc, kInReplyTo, kMessageId };
  static constexpr std::string_view kNames[] = {"date",        "subject",   "from", "sender",
                                                "reply-to",    "to",        "cc",   "bcc",
                                                "in-reply-to", "message-id"};
  std::optional<std::string_view> values[std::size(kNames)];
  syntax::for_each_field(message.header.in(bytes),
                         [&](std::string_view name, std::string_view value) {
                           // The first of each field counts (RFC 5322 3.6 allows
                           // one; see docs/dovecot-differences.md).
                           for (size_t i = 0; i < std::size(kNames); ++i) {
                             if (!values[i] && core::iequals(name, kNames[i])) values[i] = value;
                           }
                           return true;
                         });
  std::vector<Address> lists[kBcc - kFrom + 1];
  for (int i = kFrom; i <= kBcc; ++i) lists[i - kFrom] = addresses(values[i]);
  // "If the Sender or Reply-To lines are absent in the [RFC-2822] header, or
  // are present but empty, the server sets the corresponding member of the
  // envelope to be the same value as the from member" (RFC 3501 7.4.2).
  for (int i : {kSender, kReplyTo}) {
    if (lists[i - kFrom].empty()) lists[i - kFrom] = lists[0];
  }

  std::string out = "(";
  for (int i = 0; i < static_cast<int>(std::size(kNames)); ++i) {
    if (i > 0) out.push_back(' ');
    if (i >= kFrom && i <= kBcc) {
      append_addresses(out, lists[i - kFrom]);
    } else if (!values[i]) {
      out += "NIL";
    } else if (i == kSubject) {
      imap::append_string_for_humans(out, *values[i]);
    } else {
      imap::append_string(out, unfold_keeping_space(*values[i]));
    }
  }
  out.push_back(')');
  return out;
}

}  // namespace eider::mime

namespace eider::mime {

std::string address_search_text(std::string_view raw_value) {
  std::string out;
  for (const Address& a : addresses(raw_value)) {
    // A group's start has only a mailbox (its name), its end nothing.
    if (!a.domain && !a.name) {
      if (a.mailbox) out.append(*a.mailbox).append(":, ");
      continue;
    }
    if (a.name) out.append(decode_header_text(*a.name)).push_back(' ');
    out.push_back('<');
    if (a.mailbox && *a.mailbox != "MISSING_MAILBOX") out.append(*a.mailbox);
    if (a.domain && *a.domain != "MISSING_DOMAIN" && *a.domain != "SYNTAX_ERROR") {
      out.push_back('@');
      out.append(*a.domain);
    }
    out.append(">, ");
  }
  if (!out.empty()) out.resize(out.size() - 2);
  return out;
}

std::vector<DisplayAddress> display_addresses(std::string_view raw_value) {
  std::vector<DisplayAddress> out;
  for (const Address& a : addresses(raw_value)) {
    if (!a.domain && !a.name) continue;  // a group's start or end
    if (!a.mailbox || *a.mailbox == "MISSING_MAILBOX") continue;
    DisplayAddress shown;
    if (a.name) shown.name = decode_header_text(*a.name);
    shown.address = *a.mailbox;
    if (a.domain && *a.domain != "MISSING_DOMAIN" && *a.domain != "SYNTAX_ERROR") {
      shown.address += '@';
      shown.address += *a.domain;
    }
    shown.address = sanitize_utf8(shown.address);
    out.push_back(std::move(shown));
  }
  return out;
}

}  // namespace eider::mime
