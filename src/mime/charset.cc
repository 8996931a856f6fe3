#include "mime/charset.h"

#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>
#include <unicode/ustring.h>

#include <memory>

#include "core/ascii.h"
#include "core/utf8.h"
#include "mime/header_syntax.h"

namespace eider::mime {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// The normalised MIME name: trimmed, unquoted, lowercased, without an RFC 2231
// language suffix ("us-ascii*en").
std::string normalise(std::string_view charset) {
  while (!charset.empty() && (charset.front() == ' ' || charset.front() == '"' ||
                              charset.front() == '\'' || charset.front() == '\t')) {
    charset.remove_prefix(1);
  }
  while (!charset.empty() && (charset.back() == ' ' || charset.back() == '"' ||
                              charset.back() == '\'' || charset.back() == '\t')) {
    charset.remove_suffix(1);
  }
  return core::ascii_lowercase(charset.substr(0, charset.find('*')));
}

bool means_utf8(const std::string& name) {
  return name.empty() || name == "us-ascii" || name == "ascii" || name == "utf-8" ||
         name == "utf8" || name == "ansi_x3.4-1968" || name == "us";
}

// Names whose senders mean a larger charset than the one named.
std::string_view widened(const std::string& name) {
  struct Alias {
    std::string_view from;
    std::string_view to;
  };
  static constexpr Alias kAliases[] = {
      {"iso-8859-1", "windows-1252"},
      {"iso8859-1", "windows-1252"},
      {"iso_8859-1", "windows-1252"},
      {"latin1", "windows-1252"},
      {"l1", "windows-1252"},
      {"gb2312", "gb18030"},
      {"gbk", "gb18030"},
      {"x-gbk", "gb18030"},
      {"euc-cn", "gb18030"},
      {"euc-kr", "windows-949"},
      {"ks_c_5601-1987", "windows-949"},
      {"ks_c_5601-1989", "windows-949"},
      {"ksc5601", "windows-949"},
      {"x-sjis", "shift_jis"},
  };
  for (const auto& alias : kAliases) {
    if (alias.from == name) return alias.to;
  }
  return name;
}

struct ConverterCloser {
  void operator()(UConverter* converter) const { ucnv_close(converter); }
};
using Converter = std::unique_ptr<UConverter, ConverterCloser>;

// Writes U+FFFD for every byte sequence that does not convert. ICU's own
// substitution writes U+001A for some single-byte charsets.
void substitute_replacement(const void*, UConverterToUnicodeArgs* args, const char*, int32_t,
                            UConverterCallbackReason reason, UErrorCode* status) {
  if (reason > UCNV_IRREGULAR) return;  // reset, close or clone: nothing to write
  *status = U_ZERO_ERROR;
  const UChar replacement = 0xfffd;
  ucnv_cbToUWriteUChars(args, &replacement, 1, 0, status);
}

Converter open_converter(const std::string& name) {
  if (means_utf8(name)) return nullptr;
  UErrorCode status = U_ZERO_ERROR;
  Converter converter(ucnv_open(std::string(widened(name)).c_str(), &status));
  if (U_FAILURE(status)) return nullptr;
  ucnv_setToUCallBack(converter.get(), substitute_replacement, nullptr, nullptr, nullptr, &status);
  if (U_FAILURE(status)) return nullptr;
  return converter;
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    const size_t len = core::decode_utf8(bytes, i).length;
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string sanitize_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t i = 0;
  while (i < bytes.size()) {
    const size_t len = core::decode_utf8(bytes, i).length;
    if (len == 0) {
      out.append(kReplacement);
      ++i;
    } else {
      out.append(bytes.substr(i, len));
      i += len;
    }
  }
  return out;
}

bool charset_known(std::string_view charset) {
  return open_converter(normalise(charset)) != nullptr;
}

std::string to_utf8(std::string_view bytes, std::string_view charset) {
  Converter converter = open_converter(normalise(charset));
  if (!converter || bytes.empty()) return sanitize_utf8(bytes);

  std::string out;
  out.reserve(bytes.size() + bytes.size() / 2);
  // Streams through a fixed buffer, so input size is not bounded by int32_t.
  // A high surrogate at the end of a chunk waits for its partner.
  constexpr size_t kChunk = 4096;
  UChar units[kChunk + 1];
  size_t carried = 0;
  const char* source = bytes.data();
  const char* const source_end = bytes.data() + bytes.size();
  bool done = false;
  while (!done) {
    UChar* target = units + carried;
    UErrorCode status = U_ZERO_ERROR;
    ucnv_toUnicode(converter.get(), &target, units + kChunk, &source, source_end, nullptr,
                   /*flush=*/true, &status);
    if (status != U_BUFFER_OVERFLOW_ERROR) {
      if (U_FAILURE(status)) return sanitize_utf8(bytes);
      done = true;
    }
    int32_t count = static_cast<int32_t>(target - units);
    carried = 0;
    if (!done && count > 0 && U16_IS_LEAD(units[count - 1])) {
      carried = 1;
      --count;
    }
    char utf8[kChunk * 3 + 3];
    int32_t utf8_length = 0;
    status = U_ZERO_ERROR;
    u_strToUTF8WithSub(utf8, sizeof utf8, &utf8_length, units, count, 0xfffd, nullptr, &status);
    if (U_FAILURE(status)) return sanitize_utf8(bytes);
    out.append(utf8, static_cast<size_t>(utf8_length));
    if (carried) units[0] = units[count];
  }
  return out;
}

}  // namespace eider::mime
