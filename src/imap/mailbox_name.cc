#include "imap/mailbox_name.h"

#include <cstdint>
#include <vector>

#include "core/utf8.h"
#include "imap/syntax.h"

namespace eider::imap {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

bool printable(uint32_t cp) {
  return cp >= 0x20 && cp <= 0x7e;
}

// One "&...-" run (without "&" and "-") decoded into `out`.
Status decode_run(std::string_view run, std::string& out) {
  uint32_t bits = 0;
  int nbits = 0;
  uint32_t high = 0;  // a pending high surrogate
  for (char c : run) {
    std::size_t v = kAlphabet.find(c);
    if (v == std::string_view::npos) return bad("invalid character in modified UTF-7");
    bits = (bits << 6) | static_cast<uint32_t>(v);
    nbits += 6;
    if (nbits < 16) continue;
    nbits -= 16;
    uint32_t unit = (bits >> nbits) & 0xffff;
    bits &= (1u << nbits) - 1;
    if (high != 0) {
      if (unit < 0xdc00 || unit > 0xdfff) return bad("unpaired surrogate in modified UTF-7");
      core::append_utf8(out, 0x10000 + ((high - 0xd800) << 10) + (unit - 0xdc00));
      high = 0;
    } else if (unit >= 0xd800 && unit <= 0xdbff) {
      high = unit;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return bad("unpaired surrogate in modified UTF-7");
    } else if (unit < 0x20 || unit == 0x7f) {
      return bad("control character in mailbox name");
    } else if (printable(unit)) {
      return bad("modified UTF-7 must not encode printable ASCII");
    } else {
      core::append_utf8(out, unit);
    }
  }
  if (high != 0) return bad("unpaired surrogate in modified UTF-7");
  if (nbits >= 6 || bits != 0) return bad("modified UTF-7 run with leftover bits");
  return Status::ok();
}

void flush_run(std::vector<uint16_t>& units, std::string& out) {
  if (units.empty()) return;
  out.push_back('&');
  uint32_t bits = 0;
  int nbits = 0;
  for (uint16_t unit : units) {
    bits = (bits << 16) | unit;
    nbits += 16;
    while (nbits >= 6) {
      nbits -= 6;
      out.push_back(kAlphabet[(bits >> nbits) & 0x3f]);
    }
    bits &= (1u << nbits) - 1;
  }
  if (nbits > 0) out.push_back(kAlphabet[(bits << (6 - nbits)) & 0x3f]);
  out.push_back('-');
  units.clear();
}

}  // namespace

Result<std::string> decode_mailbox_name(std::string_view wire) {
  std::string out;
  bool after_run = false;
  std::size_t i = 0;
  while (i < wire.size()) {
    char c = wire[i];
    if (!printable(static_cast<unsigned char>(c))) {
      return bad("mailbox names are printable ASCII (modified UTF-7)");
    }
    if (c != '&') {
      out.push_back(c);
      after_run = false;
      ++i;
      continue;
    }
    std::size_t end = wire.find('-', i + 1);
    if (end == std::string_view::npos) return bad("unterminated &...- in mailbox name");
    if (end == i + 1) {
      out.push_back('&');
      after_run = false;
    } else {
      if (after_run) return bad("adjacent modified UTF-7 runs must be one run");
      EIDER_RETURN_IF_ERROR(decode_run(wire.substr(i + 1, end - i - 1), out));
      after_run = true;
    }
    i = end + 1;
  }
  return out;
}

Result<std::string> encode_mailbox_name(std::string_view utf8) {
  std::string out;
  std::vector<uint16_t> units;
  std::size_t i = 0;
  while (i < utf8.size()) {
    core::CodePoint decoded = core::decode_utf8(utf8, i);
    if (decoded.length == 0) return bad("invalid UTF-8");
    i += decoded.length;
    const uint32_t cp = decoded.value;
    if (cp < 0x20 || cp == 0x7f) return bad("control character in mailbox name");
    if (printable(cp)) {
      flush_run(units, out);
      out += cp == '&' ? std::string("&-") : std::string(1, static_cast<char>(cp));
    } else if (cp >= 0x10000) {
      units.push_back(static_cast<uint16_t>(0xd800 + ((cp - 0x10000) >> 10)));
      units.push_back(static_cast<uint16_t>(0xdc00 + ((cp - 0x10000) & 0x3ff)));
    } else {
      units.push_back(static_cast<uint16_t>(cp));
    }
  }
  flush_run(units, out);
  return out;
}

}  // namespace eider::imap
