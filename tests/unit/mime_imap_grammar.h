// A checker of RFC 3501's `body` and `envelope` grammar for the MIME tests
// and the fuzz target: it reads what bodystructure() and envelope() write
// without sharing any code with them.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace eider::mime::testing {

// A recursive-descent reader of RFC 3501's `body` and `envelope` productions
// (section 9), independent of the code that writes them. Type names compare
// case-insensitively, as IMAP clients compare them; "message" "global" is
// accepted as media-message, as RFC 9051 does.
class Rfc3501Grammar {
 public:
  explicit Rfc3501Grammar(std::string_view s) : s_(s) {}

  bool whole_body() { return body() && pos_ == s_.size(); }
  bool whole_envelope() { return envelope() && pos_ == s_.size(); }

 private:
  bool lit(std::string_view t) {
    if (s_.substr(pos_, t.size()) != t) return false;
    pos_ += t.size();
    return true;
  }
  bool sp() { return lit(" "); }
  bool nil() { return lit("NIL"); }

  bool number() {
    size_t begin = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    return pos_ > begin && pos_ - begin <= 10;
  }

  // string = quoted / literal; `value` receives the unescaped content.
  bool string(std::string* value = nullptr) {
    std::string v;
    if (lit("\"")) {
      while (pos_ < s_.size()) {
        unsigned char c = s_[pos_++];
        if (c == '"') {
          if (value) *value = v;
          return true;
        }
        if (c == '\\') {
          if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\\')) return false;
          c = s_[pos_++];
        } else if (c == 0 || c == '\r' || c == '\n' || c >= 0x80) {
          return false;  // not a TEXT-CHAR
        }
        v.push_back(static_cast<char>(c));
      }
      return false;
    }
    if (!lit("{")) return false;
    size_t begin = pos_;
    if (!number()) return false;
    size_t n = std::stoul(std::string(s_.substr(begin, pos_ - begin)));
    if (!lit("}\r\n") || s_.size() - pos_ < n) return false;
    v = std::string(s_.substr(pos_, n));
    if (v.find('\0') != std::string::npos) return false;  // CHAR8 excludes NUL
    pos_ += n;
    if (value) *value = v;
    return true;
  }
  bool nstring() { return nil() || string(); }

  static bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(a[i])) !=
          std::tolower(static_cast<unsigned char>(b[i]))) {
        return false;
      }
    }
    return true;
  }

  bool address() {
    return lit("(") && nstring() && sp() && nstring() && sp() && nstring() && sp() && nstring() &&
           lit(")");
  }
  bool address_list() {
    if (nil()) return true;
    if (!lit("(")) return false;
    if (!address()) return false;
    while (address()) {
    }
    return lit(")");
  }
  bool envelope() {
    if (!lit("(") || !nstring() || !sp() || !nstring()) return false;
    for (int i = 0; i < 6; ++i) {
      if (!sp() || !address_list()) return false;
    }
    return sp() && nstring() && sp() && nstring() && lit(")");
  }

  bool param_list() {
    if (nil()) return true;
    if (!lit("(") || !string() || !sp() || !string()) return false;
    while (lit(" ")) {
      if (!string() || !sp() || !string()) return false;
    }
    return lit(")");
  }
  bool disposition() {
    if (nil()) return true;
    return lit("(") && string() && sp() && param_list() && lit(")");
  }
  bool language() {
    if (nstring()) return true;
    if (!lit("(") || !string()) return false;
    while (lit(" ")) {
      if (!string()) return false;
    }
    return lit(")");
  }
  bool extension() {
    if (nstring() || number()) return true;
    if (!lit("(") || !extension()) return false;
    while (lit(" ")) {
      if (!extension()) return false;
    }
    return lit(")");
  }
  // [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]
  bool extension_tail() {
    if (!lit(" ")) return true;
    if (!disposition()) return false;
    if (!lit(" ")) return true;
    if (!language()) return false;
    if (!lit(" ")) return true;
    if (!nstring()) return false;
    while (lit(" ")) {
      if (!extension()) return false;
    }
    return true;
  }

  bool fields() {
    return param_list() && sp() && nstring() && sp() && nstring() && sp() && string() && sp() &&
           number();
  }

  bool one_part() {
    std::string type, subtype;
    if (!string(&type) || !sp() || !string(&subtype) || !sp()) return false;
    size_t after_media = pos_;
    bool ok = false;
    if (iequals(type, "message") && (iequals(subtype, "rfc822") || iequals(subtype, "global"))) {
      ok = fields() && sp() && envelope() && sp() && body() && sp() && number();
      if (!ok) pos_ = after_media;  // a message/rfc822 leaf is body-type-basic
    }
    if (!ok && iequals(type, "text")) ok = fields() && sp() && number();
    if (!ok && !iequals(type, "text")) ok = fields();
    if (!ok) return false;
    if (!lit(" ")) return true;  // body-ext-1part: md5 then the common tail
    return nstring() && extension_tail();
  }

  bool multipart() {
    if (!body()) return false;
    while (s_.substr(pos_, 1) == "(") {
      if (!body()) return false;
    }
    if (!sp() || !string()) return false;
    if (!lit(" ")) return true;  // body-ext-mpart: params then the common tail
    return param_list() && extension_tail();
  }

  bool body() {
    if (!lit("(")) return false;
    size_t start = pos_;
    bool ok = s_.substr(pos_, 1) == "(" ? multipart() : one_part();
    if (!ok) {
      pos_ = start;
      return false;
    }
    return lit(")");
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace eider::mime::testing
