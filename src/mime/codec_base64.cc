#include "mime/codec_base64.h"

#include <array>
#include <cstring>

namespace eider::mime {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Decoding classes beyond the 64 alphabet values.
constexpr uint8_t kLineBreak = 0x40;
constexpr uint8_t kPad = 0x41;
constexpr uint8_t kOther = 0xff;

constexpr std::array<uint8_t, 256> make_decode_table() {
  std::array<uint8_t, 256> table{};
  for (auto& entry : table) entry = kOther;
  for (uint8_t i = 0; i < 64; ++i) table[static_cast<uint8_t>(kAlphabet[i])] = i;
  table['\r'] = kLineBreak;
  table['\n'] = kLineBreak;
  table['='] = kPad;
  return table;
}

constexpr std::array<uint8_t, 256> kDecode = make_decode_table();

}  // namespace

std::string_view line_ending_bytes(LineEnding ending) {
  switch (ending) {
    case LineEnding::lf:
      return "\n";
    case LineEnding::crlf:
      return "\r\n";
    case LineEnding::cr:
      return "\r";
  }
  return "\n";
}

Base64Decoded base64_decode(std::string_view text) {
  Base64Decoded result;
  result.bytes.resize(text.size() / 4 * 3 + 3);
  auto* out = reinterpret_cast<uint8_t*>(result.bytes.data());
  const auto* in = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();

  bool canonical = true;
  uint32_t acc = 0;     // bits of the group being collected
  int count = 0;        // alphabet characters in acc
  int pads_due = 0;     // '=' still expected after a padded group
  bool padded = false;  // a padded group has ended; only line breaks may follow
  size_t i = 0;
  while (i < n) {
    // Fast path: four alphabet characters at a group boundary.
    if (count == 0 && i + 4 <= n) {
      const uint8_t a = kDecode[in[i]], b = kDecode[in[i + 1]], c = kDecode[in[i + 2]],
                    d = kDecode[in[i + 3]];
      if ((a | b | c | d) < 64) {
        if (padded) canonical = false;
        const uint32_t v = (uint32_t{a} << 18) | (uint32_t{b} << 12) | (uint32_t{c} << 6) | d;
        out[0] = static_cast<uint8_t>(v >> 16);
        out[1] = static_cast<uint8_t>(v >> 8);
        out[2] = static_cast<uint8_t>(v);
        out += 3;
        i += 4;
        continue;
      }
    }
    const uint8_t v = kDecode[in[i++]];
    if (v < 64) {
      if (padded) canonical = false;
      acc = (acc << 6) | v;
      if (++count == 4) {
        out[0] = static_cast<uint8_t>(acc >> 16);
        out[1] = static_cast<uint8_t>(acc >> 8);
        out[2] = static_cast<uint8_t>(acc);
        out += 3;
        acc = 0;
        count = 0;
      }
    } else if (v == kPad) {
      if (pads_due > 0) {
        --pads_due;
        continue;
      }
      // A pad ends the current group; what it held is flushed.
      if (count == 2) {
        if (acc & 0x0f) canonical = false;
        *out++ = static_cast<uint8_t>(acc >> 4);
        pads_due = 1;
      } else if (count == 3) {
        if (acc & 0x03) canonical = false;
        *out++ = static_cast<uint8_t>(acc >> 10);
        *out++ = static_cast<uint8_t>(acc >> 2);
      } else {
        canonical = false;
      }
      if (padded) canonical = false;
      padded = true;
      acc = 0;
      count = 0;
    } else if (v != kLineBreak) {
      canonical = false;
    }
  }
  if (pads_due > 0 || count != 0) canonical = false;
  if (count == 2) {
    *out++ = static_cast<uint8_t>(acc >> 4);
  } else if (count == 3) {
    *out++ = static_cast<uint8_t>(acc >> 10);
    *out++ = static_cast<uint8_t>(acc >> 2);
  }
  result.bytes.resize(out - reinterpret_cast<uint8_t*>(result.bytes.data()));
  result.canonical = canonical;
  return result;
}

size_t base64_encoded_size(size_t input_size, const Base64Layout& layout) {
  if (input_size == 0) return 0;
  const size_t chars = (input_size + 2) / 3 * 4;
  const size_t lines =
      layout.line_length == 0 ? 1 : (chars + layout.line_length - 1) / layout.line_length;
  const size_t breaks = lines - 1 + (layout.final_line_ending ? 1 : 0);
  return chars + breaks * line_ending_bytes(layout.line_ending).size();
}

char* base64_encode_to(std::string_view bytes, const Base64Layout& layout, char* out) {
  const size_t total = base64_encoded_size(bytes.size(), layout);
  if (total == 0) return out;
  const size_t chars = (bytes.size() + 2) / 3 * 4;

  // Encode unwrapped into the tail of the output, then move each line to its
  // place at the front. Writes never overtake reads because every line's
  // destination is at or before its source.
  char* text = out + (total - chars);
  const auto* in = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t whole = bytes.size() / 3 * 3;
  char* t = text;
  for (size_t i = 0; i < whole; i += 3) {
    const uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8) | in[i + 2];
    t[0] = kAlphabet[v >> 18];
    t[1] = kAlphabet[(v >> 12) & 0x3f];
    t[2] = kAlphabet[(v >> 6) & 0x3f];
    t[3] = kAlphabet[v & 0x3f];
    t += 4;
  }
  const size_t rest = bytes.size() - whole;
  if (rest > 0) {
    const uint32_t v = (uint32_t{in[whole]} << 16) | (rest == 2 ? uint32_t{in[whole + 1]} << 8 : 0);
    t[0] = kAlphabet[v >> 18];
    t[1] = kAlphabet[(v >> 12) & 0x3f];
    t[2] = rest == 2 ? kAlphabet[(v >> 6) & 0x3f] : '=';
    t[3] = '=';
  }

  const std::string_view eol = line_ending_bytes(layout.line_ending);
  const size_t line = layout.line_length == 0 ? chars : layout.line_length;
  char* dst = out;
  for (size_t done = 0; done < chars; done += line) {
    const size_t len = chars - done < line ? chars - done : line;
    std::memmove(dst, text + done, len);
    dst += len;
    if (done + len < chars || layout.final_line_ending) {
      std::memcpy(dst, eol.data(), eol.size());
      dst += eol.size();
    }
  }
  return dst;
}

std::string base64_encode(std::string_view bytes, const Base64Layout& layout) {
  std::string out(base64_encoded_size(bytes.size(), layout), '\0');
  base64_encode_to(bytes, layout, out.data());
  return out;
}

}  // namespace eider::mime
