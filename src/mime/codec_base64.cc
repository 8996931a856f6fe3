#include "mime/codec_base64.h"

#include <algorithm>
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

// Each table places a character's six bits at their position in the three
// output bytes (first byte lowest); bit 24 marks a non-alphabet character, so
// one OR of four lookups decodes a group and detects any exception.
constexpr uint32_t kNotAlphabet = 1u << 24;

constexpr std::array<uint32_t, 256> make_position_table(int position) {
  std::array<uint32_t, 256> table{};
  for (int c = 0; c < 256; ++c) {
    const uint32_t v = kDecode[c];
    if (v >= 64) {
      table[c] = kNotAlphabet;
    } else if (position == 0) {
      table[c] = v << 2;
    } else if (position == 1) {
      table[c] = (v >> 4) | ((v & 0x0f) << 12);
    } else if (position == 2) {
      table[c] = ((v >> 2) << 8) | ((v & 0x03) << 22);
    } else {
      table[c] = v << 16;
    }
  }
  return table;
}

constexpr std::array<uint32_t, 256> kPosition0 = make_position_table(0);
constexpr std::array<uint32_t, 256> kPosition1 = make_position_table(1);
constexpr std::array<uint32_t, 256> kPosition2 = make_position_table(2);
constexpr std::array<uint32_t, 256> kPosition3 = make_position_table(3);

// Two output characters for every 12-bit value: half the lookups of one per 6 bits.
constexpr std::array<char, 8192> make_pair_table() {
  std::array<char, 8192> table{};
  for (int v = 0; v < 4096; ++v) {
    table[2 * v] = kAlphabet[v >> 6];
    table[2 * v + 1] = kAlphabet[v & 0x3f];
  }
  return table;
}

constexpr std::array<char, 8192> kPairs = make_pair_table();

// Encodes whole 3-byte groups of `in` (n a multiple of 3) into 4n/3 characters.
char* encode_groups(const uint8_t* in, size_t n, char* out) {
  for (size_t i = 0; i < n; i += 3) {
    const uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8) | in[i + 2];
    std::memcpy(out, &kPairs[2 * (v >> 12)], 2);
    std::memcpy(out + 2, &kPairs[2 * (v & 0xfff)], 2);
    out += 4;
  }
  return out;
}

// Encodes the last 1 or 2 bytes (rest = 0 writes nothing) as one padded group.
char* encode_tail(const uint8_t* in, size_t rest, char* out) {
  if (rest == 0) return out;
  const uint32_t v = (uint32_t{in[0]} << 16) | (rest == 2 ? uint32_t{in[1]} << 8 : 0);
  out[0] = kAlphabet[v >> 18];
  out[1] = kAlphabet[(v >> 12) & 0x3f];
  out[2] = rest == 2 ? kAlphabet[(v >> 6) & 0x3f] : '=';
  out[3] = '=';
  return out + 4;
}

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
    // Fast path: runs of four alphabet characters at a group boundary.
    if (count == 0 && !padded) {
      while (i + 4 <= n) {
        const uint32_t v = kPosition0[in[i]] | kPosition1[in[i + 1]] | kPosition2[in[i + 2]] |
                           kPosition3[in[i + 3]];
        if (v & kNotAlphabet) break;
        out[0] = static_cast<uint8_t>(v);
        out[1] = static_cast<uint8_t>(v >> 8);
        out[2] = static_cast<uint8_t>(v >> 16);
        out += 3;
        i += 4;
      }
      if (i >= n) break;
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
  const auto* in = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t whole = bytes.size() / 3 * 3;
  const std::string_view eol = line_ending_bytes(layout.line_ending);

  if (layout.line_length % 4 == 0) {
    // Lines hold whole groups: encode each line in place.
    const size_t per_line = layout.line_length / 4 * 3;  // 0: a single line
    char* dst = out;
    size_t pos = 0;
    while (per_line > 0 && pos + per_line <= whole) {
      dst = encode_groups(in + pos, per_line, dst);
      pos += per_line;
      if (pos < bytes.size() || layout.final_line_ending) {
        dst = std::copy(eol.begin(), eol.end(), dst);
      }
    }
    if (pos < bytes.size()) {
      dst = encode_groups(in + pos, whole - pos, dst);
      dst = encode_tail(in + whole, bytes.size() - whole, dst);
      if (layout.final_line_ending) dst = std::copy(eol.begin(), eol.end(), dst);
    }
    return dst;
  }

  // Otherwise encode unwrapped into the tail of the output, then move each
  // line to its place at the front. Writes never overtake reads because every
  // line's destination is at or before its source.
  const size_t chars = (bytes.size() + 2) / 3 * 4;
  char* text = out + (total - chars);
  encode_tail(in + whole, bytes.size() - whole, encode_groups(in, whole, text));
  const size_t line = layout.line_length;
  char* dst = out;
  for (size_t done = 0; done < chars; done += line) {
    const size_t len = chars - done < line ? chars - done : line;
    std::memmove(dst, text + done, len);
    dst += len;
    if (done + len < chars || layout.final_line_ending) {
      dst = std::copy(eol.begin(), eol.end(), dst);
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
