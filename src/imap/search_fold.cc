#include "imap/search_fold.h"

#include <unicode/uchar.h>

#include <cstdint>

#include "core/ascii.h"
#include "core/utf8.h"

namespace eider::imap {

std::string fold_case(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  size_t pos = 0;
  while (pos < utf8.size()) {
    char c = utf8[pos];
    if (static_cast<uint8_t>(c) < 0x80) {
      out.push_back(core::ascii_lower(c));
      ++pos;
      continue;
    }
    core::CodePoint cp = core::decode_utf8(utf8, pos);
    if (cp.length == 0) {
      out.push_back(c);
      ++pos;
      continue;
    }
    core::append_utf8(out, static_cast<uint32_t>(
                               u_foldCase(static_cast<UChar32>(cp.value), U_FOLD_CASE_DEFAULT)));
    pos += cp.length;
  }
  return out;
}

}  // namespace eider::imap
